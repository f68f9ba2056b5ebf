"""Filter conditions compiled to closures over a row tuple (the hot path of every filtered query).

String comparisons are case-insensitive like SQL Server's default collation (and ``eq``/``noteq``/``in``
ignore trailing spaces the same way); date-times compare as canonical UTC strings; a null column never
satisfies a comparison unless ``noteq_matches_null`` is on (then ``noteq``/``notIn`` match nulls).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..wire.errors import ApiError
from .values import Kind, parse_bool, parse_datetime, udf_kind

__all__ = [
    "COMPARISONS",
    "OPERATORS",
    "TEXT_OPS",
    "Cond",
    "Predicate",
    "column_predicate",
    "column_value",
    "conjunction",
    "constant",
    "disjunction",
    "generic_predicate",
    "udf_reader",
    "udf_value",
]

COMPARISONS = ("eq", "noteq", "gt", "gte", "lt", "lte")
TEXT_OPS = ("beginswith", "endswith", "contains")
OPERATORS = frozenset((*COMPARISONS, *TEXT_OPS, "exist", "notexist", "in", "notin"))
_CMP = {
    "eq": operator.eq,
    "noteq": operator.ne,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}

Predicate = Callable[[tuple], bool]


def _never(_row: tuple) -> bool:
    return False


def _always(_row: tuple) -> bool:
    return True


def constant(result: bool) -> Predicate:
    """A predicate with a fixed answer (a condition on a column no row has ever filled)."""
    return _always if result else _never


def _json_text(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)


@dataclass
class Cond:
    op: str
    field: str
    col: int  # column position, or UDF position when ``udf``
    kind: Kind
    value: Any  # coerced: a scalar, a frozenset for in/notIn, None
    udf: bool = False
    udf_type: str = ""


def _conversion_failure(kind: Kind, field: str, value: object) -> ApiError:
    what = {Kind.INT: "Int32", Kind.FLOAT: "Double", Kind.DATETIME: "DateTime", Kind.BOOL: "Boolean"}[kind]
    detail = (
        "Input string was not in a correct format"
        if kind in (Kind.INT, Kind.FLOAT)
        else (f"String was not recognized as a valid {what}")
    )
    return ApiError(500, [f"{detail}. Field: {field}, value: {_json_text(value)}."])


def column_value(kind: Kind, field: str, value: object, op: str) -> Any:
    """A filter value converted to the column's stored form (strings lower-cased for CI collation)."""
    if kind is Kind.BOOL:
        if value is None or not (value is True or value is False or isinstance(value, str)):
            raise ApiError(500, [f"Invalid value for {field}: you must specify either true or false."])
        try:
            return parse_bool(value)
        except ValueError:
            raise ApiError(
                500, [f"Invalid value for {field}: you must specify either true or false."]
            ) from None
    if value is None:
        return None
    if op in TEXT_OPS or kind in (Kind.STR, Kind.BYTES, Kind.OTHER):
        text = _as_text(value).lower()
        return text.rstrip(" ") if op in ("eq", "noteq", "in", "notin") else text
    if kind in (Kind.INT, Kind.FLOAT):
        if kind is Kind.INT and isinstance(value, str) and value.strip().lower() in ("true", "false"):
            # Integer flags such as Contacts.isActive are bit columns underneath: django-autotask's
            # ContactSynchronizer filters them with "true" on every sync.
            return 1 if value.strip().lower() == "true" else 0
        if isinstance(value, bool):
            raise _conversion_failure(kind, field, value)
        if isinstance(value, (int, float)):
            return value
        try:
            number = float(str(value).strip())
        except ValueError:
            raise _conversion_failure(kind, field, value) from None
        return int(number) if number.is_integer() else number
    if kind is Kind.DATETIME:
        try:
            return parse_datetime(value)
        except (ValueError, OverflowError):
            raise _conversion_failure(kind, field, value) from None
    return value


def udf_value(udf_type: str, name: str, value: object) -> Any:
    kind = udf_kind(udf_type)
    if value is None:
        return None
    if kind == "number":
        try:
            if isinstance(value, bool):
                raise ValueError(value)
            return float(str(value).strip())
        except ValueError:
            raise _conversion_failure(Kind.FLOAT, name, value) from None
    if kind == "date":
        try:
            return parse_datetime(value)
        except (ValueError, OverflowError):
            raise _conversion_failure(Kind.DATETIME, name, value) from None
    return _as_text(value).lower()


def udf_reader(udf_type: str, op: str) -> Callable[[str | None], Any]:
    kind = "text" if op in TEXT_OPS else udf_kind(udf_type)

    def read(raw: str | None) -> Any:
        if raw is None:
            return None
        try:
            if kind == "number":
                return float(raw)
            if kind == "date":
                return parse_datetime(raw)
        except (ValueError, OverflowError):
            return None  # a stored value that does not parse never matches, as a failed SQL cast would not
        return raw.lower()

    return read


def _as_text(value: object) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)


def conjunction(preds: list[Predicate]) -> Predicate:
    if not preds:
        return _always
    if len(preds) == 1:
        return preds[0]
    if len(preds) == 2:
        first, second = preds
        return lambda row: first(row) and second(row)

    def every(row: tuple) -> bool:
        for pred in preds:
            if not pred(row):
                return False
        return True

    return every


def disjunction(preds: list[Predicate]) -> Predicate:
    if len(preds) == 1:
        return preds[0]
    if len(preds) == 2:
        first, second = preds
        return lambda row: first(row) or second(row)

    def some(row: tuple) -> bool:
        for pred in preds:
            if pred(row):
                return True
        return False

    return some


def column_predicate(node: Cond, slot: int, noteq_matches_null: bool) -> Predicate:
    """A closure over one position (``slot``) of the stored row; the hot path of every filtered query."""
    i, op, v = slot, node.op, node.value
    if op == "exist":
        return lambda r: r[i] is not None
    if op == "notexist":
        return lambda r: r[i] is None
    textual = node.kind in (Kind.STR, Kind.BYTES, Kind.OTHER)
    if op in TEXT_OPS:
        if v is None:
            return _never
        method = {"beginswith": str.startswith, "endswith": str.endswith, "contains": str.__contains__}[op]
        if textual:
            return lambda r: (x := r[i]) is not None and method(x.lower(), v)
        return lambda r: (x := r[i]) is not None and method(_as_text(x).lower(), v)
    if op in ("in", "notin"):
        if textual:

            def norm(x: Any) -> Any:
                return x.lower().rstrip(" ")
        else:

            def norm(x: Any) -> Any:
                return x

        if op == "in":
            return lambda r: (x := r[i]) is not None and norm(x) in v
        if noteq_matches_null:
            return lambda r: (x := r[i]) is None or norm(x) not in v
        return lambda r: (x := r[i]) is not None and norm(x) not in v
    if v is None:
        return _never
    if textual:
        if op == "eq":
            return lambda r: (x := r[i]) is not None and x.lower().rstrip(" ") == v
        if op == "noteq":
            if noteq_matches_null:
                return lambda r: (x := r[i]) is None or x.lower().rstrip(" ") != v
            return lambda r: (x := r[i]) is not None and x.lower().rstrip(" ") != v
        cmp = _CMP[op]
        return lambda r: (x := r[i]) is not None and cmp(x.lower(), v)
    if op == "eq":
        return lambda r: r[i] == v
    if op == "noteq":
        if noteq_matches_null:
            return lambda r: r[i] != v
        return lambda r: (x := r[i]) is not None and x != v
    if op == "gt":
        return lambda r: (x := r[i]) is not None and x > v
    if op == "gte":
        return lambda r: (x := r[i]) is not None and x >= v
    if op == "lt":
        return lambda r: (x := r[i]) is not None and x < v
    return lambda r: (x := r[i]) is not None and x <= v  # lte


def generic_predicate(read: Callable[[tuple], Any], op: str, v: Any, noteq_matches_null: bool) -> Predicate:
    if op == "exist":
        return lambda r: read(r) is not None
    if op == "notexist":
        return lambda r: read(r) is None
    if op in TEXT_OPS:
        if v is None:
            return _never
        method = {"beginswith": str.startswith, "endswith": str.endswith, "contains": str.__contains__}[op]
        return lambda r: (x := read(r)) is not None and method(x, v)
    if op == "in":
        return lambda r: (x := read(r)) is not None and x in v
    if op == "notin":
        if noteq_matches_null:
            return lambda r: (x := read(r)) is None or x not in v
        return lambda r: (x := read(r)) is not None and x not in v
    if v is None:
        return _never
    cmp = _CMP[op]
    if op == "noteq" and noteq_matches_null:
        return lambda r: (x := read(r)) is None or x != v
    return lambda r: (x := read(r)) is not None and cmp(x, v)
