"""JSON (one array, written incrementally) and NDJSON (one object per line).

Each record is an object with every column in column order (null when the row lacks it); datetimes
are ISO UTC strings with `Z`; everything else is written as Autotask returned it. The JSON array is
valid at every `close()`, including an empty export (`[]`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson

from .base import (
    BinaryTarget,
    Column,
    Target,
    TextTarget,
    Writer,
    converters,
    is_stdout,
    is_text_stream,
    iso_text,
)

__all__ = ["JsonWriter", "NdjsonWriter"]


def _pick(data_type: str) -> Callable[[Any], Any] | None:
    return iso_text if data_type in ("datetime", "date") else None


def _default(value: Any) -> Any:
    """Values orjson cannot write natively (rows built by hand rather than decoded from JSON)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (datetime, date)):
        return iso_text(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


class _JsonLinesBase(Writer):
    def __init__(self, target: Target, columns: Sequence[Column], *, append: bool = False) -> None:
        super().__init__(columns)
        self._converters = converters(self.columns, _pick)
        text = is_text_stream(target) or (is_stdout(target) and getattr(sys.stdout, "buffer", None) is None)
        if text:
            # A caller's text stream (or a replaced sys.stdout): hand it str, not bytes.
            self._text = TextTarget(target, append=append)
            self._binary = None
            self._out: Callable[[bytes], Any] = lambda data: self._text.stream.write(data.decode())
            self.fresh = self._text.fresh
        else:
            self._binary = BinaryTarget(target, self.format, allow_stdout=True, append=append)
            self._out = self._binary.stream.write
            self.fresh = self._binary.fresh

    def _encode(self, row: Mapping[str, Any]) -> bytes:
        get = row.get
        values = [get(name) for name in self.names]
        for index, convert in self._converters:
            value = values[index]
            if value is not None:
                values[index] = convert(value)
        return orjson.dumps(dict(zip(self.names, values, strict=True)), default=_default)

    def flush(self) -> None:
        """Push written rows to the target."""
        (self._binary.stream if self._binary is not None else self._text.stream).flush()

    def _release(self) -> None:
        if self._binary is not None:
            self._binary.close()
        else:
            self._text.close()


class NdjsonWriter(_JsonLinesBase):
    """Stream rows as newline-delimited JSON; `-` writes to stdout; `append=True` adds to a file."""

    format = "ndjson"

    def _write_row(self, row: Mapping[str, Any]) -> None:
        self._out(self._encode(row) + b"\n")

    def _finish(self) -> None:
        self._release()


class JsonWriter(_JsonLinesBase):
    """Stream rows into one JSON array; `-` writes to stdout."""

    format = "json"

    def __init__(self, target: Target, columns: Sequence[Column]) -> None:
        super().__init__(target, columns)
        self._separator = b"[\n"

    def _write_row(self, row: Mapping[str, Any]) -> None:
        self._out(self._separator + self._encode(row))
        self._separator = b",\n"

    def _finish(self) -> None:
        self._out(b"[]\n" if self._separator == b"[\n" else b"\n]\n")
        self._release()
