"""The cache callers use: memory → disk → Redis, each optional, with promotion on hits and silent failover.

* Read: layers are asked top-down; the first live, unexpired record wins and is copied into the layers
  above it (keeping its original expiry), so the next read is served from memory.
* Write and delete: every available layer.
* Failover: a layer whose backend fails (Redis gone, disk unwritable) is skipped; the caller never sees an
  error. The first failure is logged as **one** warning per cache instance (later ones at debug, a
  recovery at info). A corrupt or foreign record is a miss and is removed.
* `get_or_set` lets one thread per key run the factory; others wait for its result instead of
  fetching the same metadata again.

The API is synchronous on purpose: it serves rare metadata reads, memory hits cost microseconds, and a
dead Redis is given milliseconds (see `redis.py`). The async client may call it directly, or through
`anyio.to_thread.run_sync` when the disk or Redis layer is on.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from .base import CacheLayer, CacheLayerError, CorruptEntryError, Entry

__all__ = ["LayeredCache"]

logger = logging.getLogger("py_autotask.cache")

_FAILED = object()


class LayeredCache:
    """JSON values cached across memory, disk and Redis layers (any subset; none = caching off)."""

    def __init__(self, layers: Sequence[CacheLayer] = (), *, clock: Callable[[], float] = time.time) -> None:
        self._layers = tuple(layers)
        self._clock = clock
        self._lock = threading.Lock()
        self._warned = False
        self._failing: set[str] = set()
        self._flights: dict[str, list[Any]] = {}  # key -> [lock, number of callers using it]
        self._stats: dict[str, Any] = {
            "hits": {layer.name: 0 for layer in self._layers},
            "misses": 0,
            "sets": 0,
            "errors": {layer.name: 0 for layer in self._layers},
        }

    def __repr__(self) -> str:
        names = " → ".join(layer.name for layer in self._layers) or "off"
        return f"LayeredCache({names})"

    @property
    def layers(self) -> tuple[CacheLayer, ...]:
        """The layers, top (fastest) first."""
        return self._layers

    @property
    def enabled(self) -> bool:
        """False when there is no layer at all (caching turned off)."""
        return bool(self._layers)

    # -- the API ---------------------------------------------------------------------------------------

    def get(self, key: str) -> Any | None:
        """Return the cached value, or None on a miss (use `lookup` to cache and tell apart a stored None)."""
        entry = self.lookup(key)
        return entry.value if entry is not None else None

    def lookup(self, key: str) -> Entry | None:
        """Return the live entry for `key` (value, expiry, TTL), promoting it into the layers above its own."""
        now = self._clock()
        for index, layer in enumerate(self._layers):
            if not layer.available():
                continue
            found = self._call(layer, "get_with_ttl", key)
            if found is _FAILED or found is None:
                continue
            raw, remaining = found
            try:
                entry = Entry.decode(raw)
            except CorruptEntryError as exc:
                logger.debug("cache layer %s held a corrupt record (%s); removed it", layer.name, exc)
                self._call(layer, "delete", key)
                continue
            if entry.key != key:  # a hash collision on disk, or a foreign writer: not ours
                continue
            if remaining is not None:  # the layer keeps time itself: re-stamp on this process's clock
                entry = dataclasses.replace(entry, expires_at=now + remaining)
                raw = entry.encode()
            if entry.expires_at <= now:
                self._call(layer, "delete", key)
                continue
            for upper in self._layers[:index]:
                if upper.available():
                    self._call(upper, "set", key, raw, entry.expires_at)
            self._count("hits", layer.name)
            return entry
        self._count("misses")
        return None

    def set(self, key: str, value: Any, ttl: float) -> None:
        """Cache a JSON value for `ttl` seconds in every available layer (TypeError if it is not JSON)."""
        if not (ttl > 0 and math.isfinite(ttl)):
            raise ValueError(f"ttl must be a positive number of seconds, got {ttl!r}")
        expires_at = self._clock() + ttl
        data = Entry(key=key, value=value, expires_at=expires_at, ttl=ttl).encode()
        for layer in self._layers:
            if layer.available():
                self._call(layer, "set", key, data, expires_at)
        self._count("sets")

    def delete(self, key: str) -> None:
        """Remove `key` from every available layer."""
        for layer in self._layers:
            if layer.available():
                self._call(layer, "delete", key)

    def get_or_set(self, key: str, ttl: float, factory: Callable[[], Any], force: bool = False) -> Any:
        """Return the cached value, or call `factory()`, cache its result for `ttl` and return it.

        `force=True` skips the lookup and refreshes the entry. Exceptions from `factory` propagate and
        nothing is cached.
        """
        with self._single_flight(key):
            if not force:
                entry = self.lookup(key)
                if entry is not None:
                    return entry.value
            value = factory()
            self.set(key, value, ttl)
            return value

    def clear(self, prefix: str | None = None) -> None:
        """Remove every entry, or every entry whose key starts with `prefix`, from every available layer."""
        for layer in self._layers:
            if layer.available():
                self._call(layer, "clear", prefix)

    def stats(self) -> dict[str, Any]:
        """Return hits per layer, misses, sets and backend errors per layer since this cache was built."""
        with self._lock:
            return {k: dict(v) if isinstance(v, dict) else v for k, v in self._stats.items()}

    def close(self) -> None:
        """Close every layer's connections."""
        for layer in self._layers:
            layer.close()

    # -- failover --------------------------------------------------------------------------------------

    def warn_once(self, message: str) -> None:
        """Log `message` as this cache's one warning, or at debug if it has already warned."""
        with self._lock:
            first, self._warned = not self._warned, True
        if first:
            logger.warning("%s", message)
        else:
            logger.debug("%s", message)

    def _call(self, layer: CacheLayer, operation: str, *args: Any) -> Any:
        try:
            result = getattr(layer, operation)(*args)
        except CacheLayerError as exc:
            with self._lock:
                self._failing.add(layer.name)
                self._stats["errors"][layer.name] += 1
            others = [other.name for other in self._layers if other is not layer and other.available()]
            carry_on = f"continuing with {', '.join(others)}" if others else "continuing without a cache"
            self.warn_once(f"cache layer {layer.name} unavailable: {exc}; {carry_on}")
            return _FAILED
        if layer.name in self._failing:
            with self._lock:
                self._failing.discard(layer.name)
            logger.info("cache layer %s is reachable again", layer.name)
        return result

    def _count(self, stat: str, layer: str | None = None) -> None:
        with self._lock:
            if layer is None:
                self._stats[stat] += 1
            else:
                self._stats[stat][layer] += 1

    def _single_flight(self, key: str) -> _Flight:
        return _Flight(self, key)


class _Flight:
    """Context manager holding a per-key lock, dropped from the table when its last user leaves."""

    def __init__(self, cache: LayeredCache, key: str) -> None:
        self._cache = cache
        self._key = key

    def __enter__(self) -> None:
        cache = self._cache
        with cache._lock:
            slot = cache._flights.setdefault(self._key, [threading.Lock(), 0])
            slot[1] += 1
        slot[0].acquire()

    def __exit__(self, *exc_info: object) -> None:
        cache = self._cache
        with cache._lock:
            slot = cache._flights[self._key]
            slot[0].release()
            slot[1] -= 1
            if slot[1] == 0:
                del cache._flights[self._key]
