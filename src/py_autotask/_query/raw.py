"""Raw Autotask filter JSON (a dict, a list of dicts, or `{"filter": [...]}`) → checked expressions.

Keys are accepted in any case, as Autotask accepts them; operators are matched case-insensitively and
sent in Autotask's canonical spelling. Anything else that could change the meaning of the filter
(an unknown key or operator, a value where none belongs, a scalar where a list is needed) is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._exceptions import QuerySyntaxError
from .expr import (
    GROUP_OPERATORS,
    LIST_OPERATORS,
    NO_VALUE,
    NO_VALUE_OPERATORS,
    OPERATORS,
    Condition,
    Expr,
    Group,
)

__all__ = ["from_raw"]

_CANONICAL_OPS = {op.lower(): op for op in OPERATORS | GROUP_OPERATORS}
_KEYS = frozenset({"op", "field", "value", "udf", "items"})
_SCALARS = (str, int, float, bool)


def from_raw(obj: Any, path: str = "filter") -> Expr | None:
    """Validate raw filter JSON and turn it into an expression (None when it holds no condition)."""
    if isinstance(obj, Mapping):
        keys = {_key(k, path): k for k in obj}
        if set(keys) == {"filter"}:
            return from_raw(obj[keys["filter"]], path)
        return _from_dict(obj, path)
    if isinstance(obj, (list, tuple)):
        items = [_required(from_raw(item, f"{path}[{i}]"), f"{path}[{i}]") for i, item in enumerate(obj)]
        if not items:
            return None
        return items[0] if len(items) == 1 else Group("and", tuple(items))
    raise QuerySyntaxError(f"{path}: expected a filter object or a list of them, got {type(obj).__name__}")


def _required(expr: Expr | None, path: str) -> Expr:
    if expr is None:
        raise QuerySyntaxError(f"{path}: an empty list cannot stand for a condition")
    return expr


def _key(key: Any, path: str) -> str:
    if not isinstance(key, str):
        raise QuerySyntaxError(f"{path}: filter keys are strings, got {key!r}")
    return key.lower()


def _from_dict(obj: Mapping[Any, Any], path: str) -> Expr:
    entry: dict[str, Any] = {}
    for key, value in obj.items():
        lowered = _key(key, path)
        if lowered not in _KEYS:
            raise QuerySyntaxError(f"{path}: unknown key {key!r} (a filter has op, field, value, udf, items)")
        if lowered in entry:
            raise QuerySyntaxError(f"{path}: key {key!r} is given twice (keys are case-insensitive)")
        entry[lowered] = value
    raw_op = entry.get("op")
    if not isinstance(raw_op, str):
        raise QuerySyntaxError(f"{path}: every filter needs an 'op' string, got {raw_op!r}")
    op = _CANONICAL_OPS.get(raw_op.lower())
    if op is None:
        raise QuerySyntaxError(
            f"{path}: unknown operator {raw_op!r}; Autotask knows only "
            f"{', '.join(sorted(OPERATORS | GROUP_OPERATORS))} (the API would ignore it and return every record)"
        )
    udf = entry.get("udf", False)
    if not isinstance(udf, bool):
        raise QuerySyntaxError(f"{path}: 'udf' must be true or false, got {udf!r}")
    if op in GROUP_OPERATORS:
        return _group(op, entry, udf, path)
    items = entry.get("items")
    if items not in (None, []):  # the swagger example sends "items": [] on plain conditions
        raise QuerySyntaxError(f"{path}: only 'and'/'or' take items; {op!r} does not")
    field = entry.get("field")
    if not isinstance(field, str) or not field.strip():
        raise QuerySyntaxError(f"{path}: {op!r} needs a 'field' name, got {field!r}")
    return Condition(op, field, _value(op, entry, path), udf)


def _group(op: str, entry: dict[str, Any], udf: bool, path: str) -> Group:
    if entry.get("field") not in (None, "") or entry.get("value") is not None or udf:
        raise QuerySyntaxError(f"{path}: an {op!r} group takes only 'items' (no field, value or udf)")
    items = entry.get("items")
    if not isinstance(items, (list, tuple)) or not items:
        raise QuerySyntaxError(f"{path}: an {op!r} group needs a non-empty 'items' list")
    children: list[Expr] = []
    for i, item in enumerate(items):
        where = f"{path}.items[{i}]"
        if not isinstance(item, Mapping):
            raise QuerySyntaxError(f"{where}: expected a filter object, got {type(item).__name__}")
        children.append(_required(from_raw(item, where), where))
    return Group(op, tuple(children))


def _value(op: str, entry: dict[str, Any], path: str) -> Any:
    present = "value" in entry
    value = entry.get("value")
    if op in NO_VALUE_OPERATORS:
        if value is not None:
            raise QuerySyntaxError(f"{path}: {op!r} takes no value, got {value!r}")
        return NO_VALUE
    if not present or value is None:
        raise QuerySyntaxError(f"{path}: {op!r} needs a value (to test for empty use notExist/exist)")
    if op in LIST_OPERATORS:
        if not isinstance(value, (list, tuple)) or not value:
            raise QuerySyntaxError(f"{path}: {op!r} needs a non-empty array value, got {value!r}")
        for member in value:
            _check_scalar(member, op, path)
        return tuple(value)
    _check_scalar(value, op, path)
    return value


def _check_scalar(value: Any, op: str, path: str) -> None:
    if not isinstance(value, _SCALARS):
        raise QuerySyntaxError(f"{path}: {op!r} values are strings, numbers or booleans, got {value!r}")
