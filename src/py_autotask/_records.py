"""Helpers for records, which stay plain dicts exactly as Autotask sent them.

Why plain dicts: zero per-record cost on 100,000-row exports, perfect fidelity (unknown fields and
tenant UDFs survive untouched), and the generated TypedDicts in `py_autotask.types` give editors the
field names anyway. Two consequences, handled here:

- user-defined fields arrive as `"userDefinedFields": [{"name": …, "value": "…"}]` (values are strings
  on the wire): read and write them by name with `udf()` / `set_udf()`;
- date/time fields stay Autotask strings (`2024-01-31T15:04:05.307`, sometimes with `Z`); parse one with
  `parse_datetime()` or every datetime field of a record with `parse_datetimes(record, entity)`,
  always to aware UTC datetimes.

Outgoing values must be ones JSON and Autotask can carry: `check_sendable()` refuses, before anything
is sent, integers beyond 64 bits (orjson cannot encode them; Autotask's ids and numbers are at most
`long`) and NaN/infinity (orjson would silently send them as null, clearing the field).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, MutableMapping
from datetime import datetime
from typing import Any

from ._catalog import find_entity
from ._datetime import format_datetime, parse_datetime
from ._exceptions import ValidationError

__all__ = ["check_sendable", "parse_datetime", "parse_datetimes", "set_udf", "udf", "udfs", "unsendable"]

#: The widest integer Autotask takes (`long`, .NET Int64) and orjson can encode.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _udf_list(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    for key in ("userDefinedFields", "UserDefinedFields", "userdefinedfields"):
        value = record.get(key)
        if isinstance(value, list):
            return value
    return []


def udf(record: Mapping[str, Any], name: str, default: Any = None) -> Any:
    """The value of the user-defined field `name` (case-insensitive), or `default` if absent."""
    wanted = name.lower()
    for item in _udf_list(record):
        if str(item.get("name", "")).lower() == wanted:
            return item.get("value")
    return default


def udfs(record: Mapping[str, Any]) -> dict[str, Any]:
    """All user-defined fields of a record as a `{name: value}` dict."""
    return {str(item.get("name")): item.get("value") for item in _udf_list(record)}


def set_udf(record: MutableMapping[str, Any], name: str, value: Any) -> MutableMapping[str, Any]:
    """Set UDF `name` on `record` in place (values go out as strings, None clears); returns the record.

    Use it on a change set for `update()`: Autotask only touches the UDFs listed in a PATCH.
    """
    if value is not None and not isinstance(value, str):
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, datetime):
            value = format_datetime(value)
        else:
            value = str(value)
    items = record.get("userDefinedFields")
    if not isinstance(items, list):
        items = []
        record["userDefinedFields"] = items
    for item in items:
        if str(item.get("name", "")).lower() == name.lower():
            item["value"] = value
            return record
    items.append({"name": name, "value": value})
    return record


def parse_datetimes(record: Mapping[str, Any], entity: str | Any) -> dict[str, Any]:
    """A copy of `record` with every datetime field of `entity` (name or entity object) parsed to UTC."""
    name = entity if isinstance(entity, str) else getattr(entity, "name", str(entity))
    types = find_entity(name)["fields"]
    lowered = {k.lower(): t for k, t in types.items()}
    out = dict(record)
    for key, value in record.items():
        if isinstance(value, str) and value and lowered.get(key.lower()) == "datetime":
            out[key] = parse_datetime(value)
    return out


def unsendable(value: Any) -> str | None:
    """Why a scalar value cannot go out as JSON to Autotask (None when it can)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        return f"{value} is beyond the 64-bit integer range Autotask accepts"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value!r} is not a finite number (JSON has no NaN or infinity)"
    return None


def check_sendable(body: Any, what: str = "the record") -> None:
    """Raise `ValidationError` (a ValueError) naming every value of `body` that cannot be sent."""
    problems = [f"{path}: {problem}" for path, problem in _unsendable_values(body, "")]
    if problems:
        raise ValidationError(f"{what} cannot be sent: {'; '.join(problems)}", problems)


def _unsendable_values(value: Any, path: str) -> Any:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _unsendable_values(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _unsendable_values(item, f"{path}[{i}]")
    elif (problem := unsendable(value)) is not None:
        yield path or "value", problem
