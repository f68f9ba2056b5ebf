"""What every cache layer stores (one JSON record per key) and the small interface each layer implements.

A record is `{"k": key, "e": expires_at, "t": ttl, "v": value}` encoded with orjson, stored as bytes in
every layer. Values must be plain JSON (dict, list, str, int, float, bool, None): the cache never pickles,
because a shared disk or Redis cache must not be able to run code in the reader. Expiry is wall-clock
epoch seconds, since disk and Redis entries outlive the process that wrote them. A record's `e` is stamped
by the writer's clock, which is only trustworthy on the writer's machine: a layer shared between machines
(Redis) keeps the expiry itself and reports the remaining lifetime (`get_with_ttl`), and the reader
re-stamps the record on its own clock — clocks that disagree between processes never expire a live
entry early or keep a dead one.

Layers are byte stores. The `LayeredCache` above them decodes, checks expiry, promotes and handles
failover; a layer only reports backend trouble by raising `CacheLayerError`.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import orjson

__all__ = ["CacheLayer", "CacheLayerError", "CorruptEntryError", "Entry", "redact_url"]

# Strict JSON only: datetimes and dataclasses would be written as strings/dicts and read back as
# something else, so they are refused (TypeError) instead of silently changing type.
_DUMPS_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


class CacheLayerError(Exception):
    """A layer's backend failed (Redis down, disk unwritable); the layered cache carries on without it."""


class CorruptEntryError(ValueError):
    """Stored bytes are not a valid cache record."""


@dataclass(frozen=True)
class Entry:
    """One cached value with its key, absolute expiry (epoch seconds) and the TTL it was stored with."""

    key: str
    value: Any
    expires_at: float
    ttl: float

    def encode(self) -> bytes:
        """Serialise the record (raises TypeError for values that are not plain JSON)."""
        return orjson.dumps(
            {"k": self.key, "e": self.expires_at, "t": self.ttl, "v": self.value}, option=_DUMPS_OPTIONS
        )

    @classmethod
    def decode(cls, raw: bytes) -> Entry:
        """Parse a stored record; raise `CorruptEntryError` for anything malformed."""
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise CorruptEntryError(f"not JSON: {exc}") from None
        if not isinstance(data, dict) or not {"k", "e", "t", "v"} <= data.keys():
            raise CorruptEntryError("not a cache record")
        key, expires_at, ttl = data["k"], data["e"], data["t"]
        if not isinstance(key, str) or not _is_number(expires_at) or not _is_number(ttl):
            raise CorruptEntryError("cache record with a malformed header")
        return cls(key=key, value=data["v"], expires_at=float(expires_at), ttl=float(ttl))


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class CacheLayer(ABC):
    """A byte store keyed by string; expiry is a hint the store may use to drop entries by itself."""

    #: Short name used in logs and stats ("memory", "disk", "redis").
    name: str = "layer"

    def available(self) -> bool:
        """False while the layer is known to be down (it is then skipped without a call)."""
        return True

    @abstractmethod
    def get(self, key: str) -> bytes | None:
        """Return the stored record, or None."""

    def get_with_ttl(self, key: str) -> tuple[bytes, float | None] | None:
        """The stored record and, for a layer that keeps expiry itself, its remaining lifetime in seconds.

        None as the lifetime means "trust the record's own stamp" (memory and disk: one machine, one clock).
        """
        data = self.get(key)
        return None if data is None else (data, None)

    @abstractmethod
    def set(self, key: str, data: bytes, expires_at: float) -> None:
        """Store a record that expires at `expires_at` (epoch seconds)."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove a key if present."""

    @abstractmethod
    def clear(self, prefix: str | None = None) -> None:
        """Remove every key, or every key starting with `prefix`."""

    def close(self) -> None:
        """Release connections or handles (no-op by default)."""
        return None


_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^@/\s]*@")


def redact_url(text: str) -> str:
    """Replace any `user:password@` in URLs inside `text` with `***@` (for logs and reprs)."""
    return _URL_USERINFO.sub(r"\g<scheme>***@", text)
