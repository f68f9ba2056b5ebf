"""Field kinds and value conversion shared by the store, the query engine and write validation.

Storage conventions (chosen so that reads need no conversion at all):

* integers ``int``, doubles ``float``, booleans ``bool``, strings ``str``;
* date-times are stored as the exact wire string ``YYYY-MM-DDTHH:MM:SS.fff`` in UTC without ``Z``
  (docs/autotask-facts.md#data-formats). That fixed-width form sorts lexicographically in time order, so filters compare
  strings and pages are emitted without formatting;
* date-only fields (no time in the Autotask UI) keep the date they were given, at midnight, without any
  time-zone conversion (docs/autotask-facts.md#data-formats).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta, timezone
from enum import Enum
from typing import Any

__all__ = [
    "DATE_ONLY_FIELDS",
    "ConversionError",
    "Kind",
    "coerce_write",
    "dotnet_type",
    "format_datetime",
    "is_date_only",
    "kind_of",
    "parse_bool",
    "parse_datetime",
    "udf_kind",
]


class Kind(Enum):
    """How a model property is stored and compared."""

    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    DATETIME = "datetime"
    STR = "str"
    BYTES = "bytes"  # base64 text (attachment data); stored as given
    UDFS = "udfs"  # the userDefinedFields array; not a column
    OTHER = "other"  # arrays/objects on a handful of non-entity models; stored as given


_KINDS = {
    "integer:int32": Kind.INT,
    "integer:int64": Kind.INT,
    "integer": Kind.INT,
    "number:double": Kind.FLOAT,
    "number:float": Kind.FLOAT,
    "number:decimal": Kind.FLOAT,
    "number": Kind.FLOAT,
    "boolean": Kind.BOOL,
    "string:date-time": Kind.DATETIME,
    "string": Kind.STR,
    "string:byte": Kind.BYTES,
    "array<UserDefinedField>": Kind.UDFS,
}

_DOTNET = {
    "integer:int32": "System.Int32",
    "integer:int64": "System.Int64",
    "number:double": "System.Double",
    "boolean": "System.Boolean",
    "string:date-time": "System.DateTime",
}

# Date-only properties (the Autotask UI shows no time for them). The models give no hint, so this is a
# hand-kept list of the date-named properties that are calendar dates rather than timestamps.
DATE_ONLY_FIELDS = frozenset(
    {
        "date", "dateWorked", "effectiveDate", "startDate", "endDate", "expirationDate", "datePurchased",
        "dueDate", "promisedFulfillmentDate", "installDate", "warrantyExpirationDate", "dateDue",
        "expenseDate", "weekEnding", "holidayDate", "fromDate", "toDate", "projectedCloseDate",
        "throughDate", "periodDate", "salesOrderDate", "hireDate", "itemDate", "estimatedArrivalDate",
        "latestEstimatedArrivalDate", "shippingDate", "requestDate", "paidDate", "transferDate",
        "receiveDate", "closedDate", "lostDate",
    }
)  # fmt: skip


class ConversionError(ValueError):
    """A value that cannot be converted to a field's type; ``str()`` is the Autotask-style message."""


def kind_of(swagger_type: str) -> Kind:
    """The storage kind of a models.json swagger type (``integer:int32``, ``string:date-time`` …)."""
    return _KINDS.get(swagger_type, Kind.OTHER)


def dotnet_type(swagger_type: str) -> str:
    """The .NET type name Autotask's deserializer would report for a swagger type."""
    return _DOTNET.get(swagger_type, "System.String")


def is_date_only(field: str) -> bool:
    """Whether a date-time property holds a calendar date (kept as given, time set to midnight)."""
    return field in DATE_ONLY_FIELDS


_DT_RE = re.compile(
    r"\s*(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[Tt ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?\s*"
)
_CANONICAL_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}")


def format_datetime(value: datetime) -> str:
    """The wire form of a datetime: UTC, millisecond precision, no offset (naive input is UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="milliseconds")


def _parse_parts(text: str) -> tuple[datetime, timedelta | None]:
    match = _DT_RE.fullmatch(text)
    if match is None:
        raise ValueError(text)
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    local = datetime(
        int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), micro
    )
    if zone is None or zone in "Zz":
        return local, None if zone is None else timedelta(0)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
    return local, sign * offset


def parse_datetime(value: object, *, date_only: bool = False) -> str:
    """Any ISO-8601 date/date-time (with or without ``Z``/offset/fraction) → canonical UTC wire string."""
    if isinstance(value, datetime):
        if date_only:
            return format_datetime(datetime(value.year, value.month, value.day))
        return format_datetime(value)
    if isinstance(value, date):
        return format_datetime(datetime(value.year, value.month, value.day))
    if not isinstance(value, str):
        raise ValueError(value)
    if not date_only and _CANONICAL_RE.fullmatch(value):
        return value
    local, offset = _parse_parts(value)
    if date_only:
        # Date-only fields are not time-zone converted: the date as written is kept (docs/autotask-facts.md#data-formats).
        return format_datetime(datetime(local.year, local.month, local.day))
    if offset:
        local = local - offset
    return format_datetime(local)


def parse_bool(value: object) -> bool:
    """JSON true/false or the strings "true"/"false" (any case), as .NET's converter accepts them."""
    if value is True or value is False:
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError(value)


def _json_text(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)


def _conversion_error(value: object, swagger_type: str, field: str) -> ConversionError:
    # Newtonsoft.Json's wording, which is what an ASP.NET Web API (Autotask REST) reports on bad input.
    return ConversionError(
        f"Error converting value {_json_text(value)} to type '{dotnet_type(swagger_type)}'. Path '{field}'."
    )


def _to_int(value: object) -> int:
    if type(value) is int:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        # .NET's Int32 parser accepts digits only: "3.0" is refused even though the number 3.0 is not.
        if re.fullmatch(r"[+-]?\d+", text):
            return int(text)
    raise ValueError(value)


def _to_float(value: object) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        number = float(value.strip())
    else:
        raise ValueError(value)
    if math.isnan(number) or math.isinf(number):
        raise ValueError(value)
    return number


def coerce_write(value: Any, swagger_type: str, kind: Kind, field: str) -> Any:
    """Convert one body value to its stored form; string-encoded scalars ("True", "0") are accepted."""
    if value is None:
        return None
    try:
        if kind is Kind.INT:
            if isinstance(value, bool):
                return int(value)
            return _to_int(value)
        if kind is Kind.FLOAT:
            return _to_float(value)
        if kind is Kind.BOOL:
            if type(value) is int and value in (0, 1):
                return bool(value)
            return parse_bool(value)
        if kind is Kind.DATETIME:
            return parse_datetime(value, date_only=is_date_only(field))
        if kind in (Kind.STR, Kind.BYTES):
            if isinstance(value, str):
                return value
            if isinstance(value, bool):
                return "True" if value else "False"
            if isinstance(value, (int, float)):
                return str(value)
            raise ValueError(value)
    except (ValueError, OverflowError) as exc:
        raise _conversion_error(value, swagger_type, field) from exc
    return value


_NUMERIC_UDF_TYPES = ("int", "long", "decimal", "double", "number", "numeric", "currency", "float")


def udf_kind(udf_type: object) -> str:
    """ "number", "date" or "text" for a UDF definition's ``type`` (UDF values travel as strings)."""
    lowered = str(udf_type or "").lower()
    if "date" in lowered or "time" in lowered:
        return "date"
    if any(word in lowered for word in _NUMERIC_UDF_TYPES):
        return "number"
    return "text"
