"""Turn input cells (strings from CSV, typed values from JSON/XLSX/pandas) into Autotask wire values.

One function per Autotask `dataType`; each returns the wire value or raises `CoercionError` with a
message fit for a row report. Rules, chosen to refuse anything a human could have meant two ways:
- integer/long: `42`, `"42"`, `"+42"`, `42.0`, `"42.0"`; not `"4,2"`, `"1e3"`, `True`, or `42.5`; within
  64 bits (Autotask's `long`; orjson could not even encode more).
- double/decimal: any finite number or numeric string with a `.` decimal point; no thousands separators;
  whole numbers within 64 bits.
- boolean: true/false, yes/no, y/n, t/f, 1/0 (any case), Python bools, the integers 0 and 1.
- datetime: ISO 8601 dates (midnight) and date-times, `datetime`/`date` objects. A value without an
  offset is taken as UTC (Autotask's wire convention) unless the job names another time zone for
  naive values; there, a wall time the clocks skip or repeat (daylight saving) is refused, since it
  names no instant or two. The wire form is `YYYY-MM-DDTHH:MM:SS[.fff]Z`.
- string: kept as given (numbers are written without a spurious `.0`); length is checked elsewhere.
UDF values travel as strings, so `to_udf_wire` renders the coerced value back into text.
"""

from __future__ import annotations

import math
from datetime import date, datetime, tzinfo
from typing import Any

from .._datetime import UTC, format_datetime, in_zone, parse_date_or_datetime, parse_datetime
from .._records import unsendable

__all__ = ["CoercionError", "coerce", "comparable", "to_udf_wire"]

_TRUE = frozenset({"true", "yes", "y", "t", "1"})
_FALSE = frozenset({"false", "no", "n", "f", "0"})


class CoercionError(ValueError):
    """A value that cannot be read as the field's type; the message names what was expected."""


def coerce(value: Any, data_type: str, *, naive_tz: tzinfo | None = None) -> Any:
    """The wire value of `value` for a field of `data_type` (`None` passes through as "clear")."""
    if value is None:
        return None
    if data_type in ("integer", "long", "short", "byte"):
        return _integer(value)
    if data_type in ("double", "decimal", "float"):
        return _number(value)
    if data_type == "boolean":
        return _boolean(value)
    if data_type in ("datetime", "date"):
        return _datetime(value, naive_tz)
    return _string(value)


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise CoercionError(f"expected a whole number, got {value!r}")
    if isinstance(value, int):
        return _in_range(value)
    if isinstance(value, float):
        if value.is_integer():
            return _in_range(int(value))
        raise CoercionError(f"expected a whole number, got {value!r}")
    text = str(value).strip()
    head, dot, tail = text.partition(".")
    body = head[1:] if head[:1] in "+-" else head
    if body.isdigit() and body.isascii() and (not dot or set(tail) <= {"0"}):
        return _in_range(int(head))
    raise CoercionError(f"expected a whole number, got {value!r}")


def _in_range(number: int) -> int:
    problem = unsendable(number)
    if problem is not None:
        raise CoercionError(problem)
    return number


def _number(value: Any) -> float | int:
    if isinstance(value, bool):
        raise CoercionError(f"expected a number, got {value!r}")
    if isinstance(value, (int, float)):
        number: float | int = value
    else:
        text = str(value).strip()
        # float() would accept "nan", "inf", "1_000" and "1e5"; only plain decimal notation is taken.
        digits = text.lstrip("+-").replace(".", "", 1)
        if not digits or not digits.isdigit() or not digits.isascii():
            raise CoercionError(f"expected a number with '.' as decimal point, got {value!r}")
        number = float(text) if "." in text else int(text)
    if isinstance(number, float) and not math.isfinite(number):
        raise CoercionError(f"expected a finite number, got {value!r}")
    return _in_range(number) if isinstance(number, int) else number


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CoercionError(f"expected true/false (or yes/no, 1/0), got {value!r}")


def _datetime(value: Any, naive_tz: tzinfo | None) -> str:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return format_datetime(value)
    else:
        text = str(value).strip()
        try:
            moment = parse_date_or_datetime(text)
        except ValueError:
            raise CoercionError(f"expected an ISO 8601 date or date-time (e.g. 2026-01-31T09:30), got {value!r}") from None
        if naive_tz is not None and not _has_offset(text):
            moment = moment.replace(tzinfo=None)
    if moment.tzinfo is None:
        try:
            moment = in_zone(moment, naive_tz) if naive_tz is not None else moment.replace(tzinfo=UTC)
        except ValueError as exc:
            raise CoercionError(str(exc)) from None
    return format_datetime(moment)


def _has_offset(text: str) -> bool:
    if text[-1:] in "Zz":
        return True
    tail = text[11:]
    return "+" in tail or "-" in tail


def _string(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        raise CoercionError(f"expected text, got a {type(value).__name__}")
    return value if isinstance(value, str) else str(value)


def to_udf_wire(value: Any) -> str | None:
    """A coerced value as UDF wire text (UDF values are strings on the wire)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def comparable(value: Any, data_type: str) -> Any:
    """A normal form for equality between a value we send and one Autotask returns (None if unreadable).

    Strings compare case- and edge-space-insensitively, as Autotask's own filters do; numbers as floats;
    date-times as UTC instants; so `"Acme"` matches `"ACME "` and `1` matches `1.0`.
    """
    if value is None or value == "":
        return None
    try:
        if data_type in ("integer", "long", "short", "byte", "double", "decimal", "float"):
            return float(_number(value))
        if data_type == "boolean":
            return _boolean(value)
        if data_type in ("datetime", "date"):
            if isinstance(value, str):
                return parse_datetime(value)
            return parse_datetime(_datetime(value, None))
    except (CoercionError, ValueError):
        return None
    return str(value).strip().casefold()
