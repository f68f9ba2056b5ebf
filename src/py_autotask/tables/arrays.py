"""Autotask data types → Arrow types, and lists of record values → typed Arrow arrays.

    integer, short, byte → int32     long → int64          double, decimal, float → float64
    boolean → bool                   datetime → timestamp[ms, tz=UTC]     date → date32
    string and anything else → string (lists and dicts as JSON text)

Decimals are float64 on purpose: Autotask sends them as JSON numbers, which are already binary
floating point when they arrive, so a decimal128 column would claim a precision the data never had
and force a scale on fields whose scale the API does not state.

Values may arrive as the wire sends them or typed: UDF values are always strings on the wire
(`"7.5"`, `"2024-03-01T00:00:00"`), and a column of strings is cast to the column's type.
Datetimes without a zone are UTC (Autotask's convention). Conversions run vectorised in Arrow and
fall back to a per-value path (offsets, 7 fractional digits, Python datetimes) only when needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import orjson

from .._datetime import UTC, parse_datetime, to_epoch_ms
from ._extras import require

__all__ = ["arrow_type", "column_array", "normalise_type"]

_PYARROW: Any = None

_INT32 = frozenset({"integer", "short", "byte", "int"})
_FLOAT = frozenset({"double", "decimal", "float"})
#: The normalised data types; anything else (including "array") is written as text.
DATA_TYPES = frozenset({"string", "integer", "long", "short", "double", "decimal", "boolean", "datetime", "date",
                        "array"})


def normalise_type(data_type: str | None) -> str:
    """An Autotask `dataType` (fields) or `type` (UDFs) in the vocabulary the writers share."""
    name = str(data_type or "string").strip().lower()
    if name in DATA_TYPES:
        return name
    if name in _INT32:
        return "integer"
    if name in _FLOAT:
        return "double"
    if name in ("bool",):
        return "boolean"
    return "string"


def _pyarrow() -> Any:
    global _PYARROW
    if _PYARROW is None:  # imported once, on first use (a per-column import_module adds up on big exports)
        _PYARROW = require("pyarrow", "parquet", "py_autotask.tables")
    return _PYARROW


def arrow_type(data_type: str) -> Any:
    """The Arrow type of a column of this Autotask data type."""
    pa = _pyarrow()
    name = normalise_type(data_type)
    if name in _INT32:
        return pa.int32()
    if name == "long":
        return pa.int64()
    if name in _FLOAT:
        return pa.float64()
    if name == "boolean":
        return pa.bool_()
    if name == "datetime":
        return pa.timestamp("ms", tz="UTC")
    if name == "date":
        return pa.date32()
    return pa.string()


def column_array(values: Sequence[Any], data_type: str, *, name: str = "") -> Any:
    """A typed Arrow array from one column's values (None = null); ValueError names a value it cannot hold."""
    pa = _pyarrow()
    kind = normalise_type(data_type)
    target = arrow_type(kind)
    try:
        if kind == "datetime":
            return _datetimes(pa, values, target)
        if kind == "date":
            return _dates(pa, values, target)
        if kind in ("string", "array"):
            try:
                return pa.array(values, type=target)  # the common case: str or None only
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                return pa.array([_text(v) for v in values], type=target)
        if kind == "boolean":
            return _cast_or_build(pa, values, target, _boolean)
        return _cast_or_build(pa, values, target, None)
    except (ValueError, TypeError, OverflowError, pa.ArrowException) as exc:
        bad = next((v for v in values if v is not None and not _fits(v, kind)), None)
        detail = f" (e.g. {bad!r})" if bad is not None else ""
        raise ValueError(
            f"column {name!r} ({kind} → {target}) got a value it cannot hold{detail}: {exc}"
        ) from exc


def _cast_or_build(pa: Any, values: Sequence[Any], target: Any, convert: Any) -> Any:
    """Numbers and booleans: built directly; a column holding wire strings (UDFs) is cast from text."""
    try:
        return pa.array(values, type=target)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        if not any(isinstance(v, str) for v in values):
            raise
    if convert is not None:
        return pa.array([convert(v) for v in values], type=target)
    text = pa.array([None if v is None or (isinstance(v, str) and not v.strip()) else str(v).strip()
                     for v in values], type=pa.string())
    return text.cast(target)


def _boolean(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in ("true", "1", "yes"):
        return True
    if word in ("false", "0", "no"):
        return False
    if not word:
        return None
    raise ValueError(f"not a boolean: {value!r}")


def _datetimes(pa: Any, values: Sequence[Any], target: Any) -> Any:
    try:
        text = pa.array(values, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        text = None  # datetime objects: the exact parser below
    if text is not None:
        try:  # the common case: Autotask's zone-less UTC strings with up to 3 fractional digits
            return text.cast(pa.timestamp("ms")).cast(target)  # a naive → UTC cast keeps the instants
        except pa.ArrowInvalid:
            pass
        try:  # every value with "Z" or an offset
            return text.cast(target)
        except pa.ArrowInvalid:
            pass  # mixed forms or 7 fractional digits: the exact parser below
    return pa.array([None if v is None or v == "" else to_epoch_ms(v) for v in values], type=pa.int64()).cast(target)


def _dates(pa: Any, values: Sequence[Any], target: Any) -> Any:
    try:
        return pa.array(values, type=pa.string()).cast(target)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    return pa.array([_to_date(v) for v in values], type=target)


def _to_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).date()
    if isinstance(value, date):
        return value
    return parse_datetime(str(value)).date()


def _text(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, dict)):
        return orjson.dumps(value).decode()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fits(value: Any, kind: str) -> bool:
    """A rough check used only to name an offending value in an error message."""
    if isinstance(value, str) and kind not in ("string", "array", "datetime", "date"):
        try:
            value = float(value) if kind in _FLOAT else int(value) if kind in _INT32 | {"long"} else value
        except ValueError:
            return False
    if kind in _INT32:
        return isinstance(value, int) and not isinstance(value, bool) and -(2**31) <= value < 2**31
    if kind == "long":
        return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63
    if kind in _FLOAT:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "boolean":
        try:
            _boolean(value)
        except ValueError:
            return False
    if kind in ("datetime", "date"):
        try:
            to_epoch_ms(value)
        except (TypeError, ValueError):
            return False
    return True
