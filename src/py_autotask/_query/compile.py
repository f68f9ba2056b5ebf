"""Expressions → Autotask filter JSON: field-name resolution, value typing and the API's limits."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .._datetime import format_datetime, parse_date_or_datetime
from .._exceptions import QuerySyntaxError
from .._records import unsendable
from .expr import NO_VALUE, STRING_OPERATORS, Condition, Expr, Field, Group, Literal
from .grammar import parse_filter
from .raw import from_raw

__all__ = ["ALL_RECORDS", "MAX_OR_CONDITIONS", "FieldIndex", "build_filter", "split_in", "to_expr"]

#: Autotask rejects queries with more OR conditions than this ("500 or fewer 'OR' conditions").
MAX_OR_CONDITIONS = 500
#: Autotask requires a filter; this is the idiom for "every record".
ALL_RECORDS: tuple[dict[str, Any], ...] = ({"op": "gte", "field": "id", "value": 0},)

_INTEGER_TYPES = frozenset({"integer", "long", "short", "int", "byte"})
_NUMBER_TYPES = frozenset({"double", "decimal", "float", "single"})
_DATETIME_TYPES = frozenset({"datetime", "date"})
_NUMERIC = _INTEGER_TYPES | _NUMBER_TYPES  # picklist values are numbers: only these fields take labels


def snake_to_camel(name: str) -> str:
    """`queue_id` → `queueId` (Autotask matches field names case-insensitively, so this is `queueID`)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


class FieldIndex:
    """Resolves user-written field names (any case, snake_case) against an entity's fields."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        self.types = dict(fields)
        self._by_lower = {name.lower(): name for name in self.types}
        self._by_squashed = {name.lower().replace("_", ""): name for name in self.types}

    def resolve(self, name: str) -> str | None:
        """The entity's spelling of `name`, or None when it has no such field."""
        if name in self.types:
            return name
        lowered = name.lower()
        return self._by_lower.get(lowered) or self._by_squashed.get(lowered.replace("_", ""))

    def suggestions(self, name: str) -> list[str]:
        """Up to five field names close to `name`."""
        squashed = name.lower().replace("_", "")
        close = difflib.get_close_matches(squashed, list(self._by_squashed), n=5, cutoff=0.6)
        return [self._by_squashed[c] for c in close]


def to_expr(obj: Any, path: str = "filter") -> Expr | None:
    """Turn anything `build_filter` accepts into one expression (None = no condition)."""
    if obj is None:
        return None
    if isinstance(obj, (Condition, Group)):
        return obj
    if isinstance(obj, str):
        return parse_filter(obj)
    if isinstance(obj, Mapping):
        return from_raw(obj, path)
    if isinstance(obj, (list, tuple)):
        # A list ANDs its entries; entries may mix F expressions, strings and raw dicts.
        exprs = (to_expr(item, f"{path}[{i}]") for i, item in enumerate(obj))
        items = [expr for expr in exprs if expr is not None]
        if not items:
            return None
        return items[0] if len(items) == 1 else Group("and", tuple(items))
    if isinstance(obj, Field):
        raise QuerySyntaxError(
            f"{obj!r} is a field, not a condition: compare it (==, <, …) or call .exists()"
        )
    raise QuerySyntaxError(
        f"{path}: expected a filter object, an F expression or a filter string, got {type(obj).__name__}"
    )


def build_filter(
    obj: Any,
    *,
    fields: Mapping[str, str] | None = None,
    picklists: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Build the Autotask `filter` list from an F expression, string, dict, list, or None (all records).

    With `fields` (name → Autotask dataType) names are resolved case-insensitively and from
    snake_case, unknown names are refused with suggestions, and values are typed by the field.
    With `picklists` (field → {label: value}), a string-grammar value that is not a valid value
    for the field is looked up as a label, case-insensitively (`status=Complete` → `status=5`).
    """
    expr = to_expr(obj)
    if expr is None:
        return [dict(entry) for entry in ALL_RECORDS]
    index = FieldIndex(fields) if fields is not None else None
    compiler = _Compiler(index, _label_maps(picklists or {}, index))
    compiler.check_limits(expr)
    if isinstance(expr, Group) and expr.op == "and":  # top-level entries are ANDed by Autotask
        return [compiler.emit(item) for item in expr.items]
    return [compiler.emit(expr)]


def split_in(field: str | Field, values: Iterable[Any], *, chunk: int = MAX_OR_CONDITIONS) -> list[Condition]:
    """Split a long `in` list into conditions of at most `chunk` distinct values each.

    Duplicates are dropped first, so every value is in exactly one chunk and a record matches at
    most one of the resulting queries (each chunk is queried separately, then results combined).
    """
    if not 1 <= chunk <= MAX_OR_CONDITIONS:
        raise ValueError(f"chunk must be between 1 and {MAX_OR_CONDITIONS}, got {chunk}")
    name, udf = (field.name, field.udf) if isinstance(field, Field) else (field, False)
    distinct = list(dict.fromkeys(values))
    return [
        Condition("in", name, tuple(distinct[i : i + chunk]), udf) for i in range(0, len(distinct), chunk)
    ]


def _label_maps(
    picklists: Mapping[str, Mapping[str, Any]], index: FieldIndex | None
) -> dict[str, dict[str, tuple[str, Any]]]:
    """Field (lower-case Autotask spelling) → lower-case label → (label, value)."""
    maps: dict[str, dict[str, tuple[str, Any]]] = {}
    for name, labels in picklists.items():
        resolved = (index.resolve(name) if index is not None else None) or name
        maps[resolved.lower()] = {str(label).lower(): (str(label), value) for label, value in labels.items()}
    return maps


class _Compiler:
    def __init__(self, index: FieldIndex | None, labels: dict[str, dict[str, tuple[str, Any]]]) -> None:
        self.index = index
        self.labels = labels

    def error(self, message: str, cond: Condition, pos: int | None = None) -> QuerySyntaxError:
        position = pos if pos is not None else cond.pos
        if cond.source is not None and position is not None:
            return QuerySyntaxError(message, text=cond.source, position=position)
        return QuerySyntaxError(message)

    def check_limits(self, expr: Expr) -> None:
        udfs: list[Condition] = []
        ors = _count(expr, udfs)
        if ors > MAX_OR_CONDITIONS:
            raise QuerySyntaxError(
                f"the filter has {ors} OR conditions (each value of an 'in'/'not in' list and each branch of an "
                f"'or' counts); Autotask allows at most {MAX_OR_CONDITIONS}: split it into several queries "
                "(py_autotask.query.split_in does this for long 'in' lists)"
            )
        if len(udfs) > 1:
            names = ", ".join(repr(c.field) for c in udfs)
            raise self.error(
                f"Autotask can filter on only one user-defined field condition per query; this filter has "
                f"{len(udfs)} ({names})",
                udfs[1],
            )

    def emit(self, expr: Expr) -> dict[str, Any]:
        if isinstance(expr, Group):
            return {"op": expr.op, "items": [self.emit(item) for item in expr.items]}
        name, data_type = self.resolve(expr)
        out: dict[str, Any] = {"op": expr.op, "field": name}
        if expr.value is not NO_VALUE:
            if isinstance(expr.value, tuple):
                out["value"] = [self.typed(expr, name, member, data_type) for member in expr.value]
            else:
                out["value"] = self.typed(expr, name, expr.value, data_type)
        if expr.udf:
            out["udf"] = True
        return out

    def resolve(self, cond: Condition) -> tuple[str, str | None]:
        if cond.udf:  # UDF names are tenant-defined labels: sent verbatim, values typed by look
            return cond.field, None
        if self.index is None:
            return (snake_to_camel(cond.field) if "_" in cond.field else cond.field), None
        resolved = self.index.resolve(cond.field)
        if resolved is None:
            close = self.index.suggestions(cond.field)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise self.error(f"unknown field {cond.field!r}{hint}", cond)
        return resolved, self.index.types[resolved].lower()

    def typed(self, cond: Condition, name: str, value: Any, data_type: str | None) -> Any:
        """The JSON value to send for `value` on field `name` of `data_type` (None: unknown type)."""
        result = self._typed(cond, name, value, data_type)
        problem = unsendable(result)
        if problem is not None:  # e.g. id=99999999999999999999: a usage error, not an encoder's TypeError
            raise self.error(f"{cond.field!r}: {problem}", cond, value.pos if isinstance(value, Literal) else None)
        return result

    def _typed(self, cond: Condition, name: str, value: Any, data_type: str | None) -> Any:
        if cond.op in STRING_OPERATORS:
            return value.text if isinstance(value, Literal) else value
        labels = None if cond.udf else self.labels.get(name.lower())
        try:
            if isinstance(value, Literal):
                if labels is None:
                    return _type_literal(value, data_type)
                if data_type is None:  # untyped: a word that reads as text may be a label
                    typed = _type_literal(value, None)
                    found = isinstance(typed, str) and _has_label(value, labels)
                    return self.label_value(value, labels, None) if found else typed
                if _fits_literal(value, data_type):
                    return _type_literal(value, data_type)
                return self.label_value(value, labels, data_type)
            if labels is not None and isinstance(value, str) and data_type in _NUMERIC:
                return self.label_value(Literal("string", value), labels, data_type, python=True)
            return _type_python(value, data_type)
        except ValueError as exc:
            pos = value.pos if isinstance(value, Literal) else None
            raise self.error(f"{cond.field!r}: {exc}", cond, pos) from None

    def label_value(self, lit: Literal, labels: dict[str, tuple[str, Any]], data_type: str | None,
                    *, python: bool = False) -> Any:
        """A picklist label written in place of its value (`python`: a str of an F expression, always a label)."""
        found = labels.get(lit.text.strip().lower())
        if found is None:
            names = [label for label, _ in labels.values()]
            close = difflib.get_close_matches(lit.text.strip().lower(), list(labels), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(labels[c][0] for c in close)}?" if close else ""
            known = ", ".join(names[:15]) + (", …" if len(names) > 15 else "")
            what = "not a picklist label (a str means a label; pass an int for a value)" if python else \
                "neither a value nor a picklist label"
            raise ValueError(f"{lit.text!r} is {what}{hint} (labels: {known})")
        return _type_literal(Literal("word", str(found[1]), lit.pos), data_type)


def _count(expr: Expr, udfs: list[Condition]) -> int:
    """OR conditions as Autotask counts them: every branch of an `or`, every value of an `in` or `notIn`.

    Whether Autotask counts `notIn` members is not documented; they expand to one SQL parameter each just
    like `in`, and the sandbox counts them, so the conservative answer is to count them here too.
    """
    if isinstance(expr, Condition):
        if expr.udf:
            udfs.append(expr)
        return len(expr.value) if expr.op in ("in", "notIn") else 0
    own = len(expr.items) if expr.op == "or" else 0
    return own + sum(_count(item, udfs) for item in expr.items)


def _type_literal(lit: Literal, data_type: str | None) -> Any:
    text = lit.text
    if data_type is None or data_type not in _KNOWN_TYPES:
        return text if lit.kind == "string" else _by_look(text)
    if data_type == "string":
        return text
    if data_type in _INTEGER_TYPES:
        if not _is_int(text.strip()):
            raise ValueError(f"{text!r} is not an integer ({data_type} field)")
        return int(text)
    if data_type in _NUMBER_TYPES:
        stripped = text.strip()
        if _is_int(stripped):
            return int(stripped)
        if not _is_float(stripped):
            raise ValueError(f"{text!r} is not a number ({data_type} field)")
        return float(stripped)
    if data_type == "boolean":
        lowered = text.strip().lower()
        if lowered not in ("true", "false"):
            raise ValueError(f"{text!r} is not a boolean (write true or false)")
        return lowered == "true"
    return _datetime_text(text)


def _has_label(lit: Literal, labels: dict[str, tuple[str, Any]]) -> bool:
    return lit.text.strip().lower() in labels


def _fits_literal(lit: Literal, data_type: str) -> bool:
    try:
        _type_literal(lit, data_type)
    except ValueError:
        return False
    return True


def _type_python(value: Any, data_type: str | None) -> Any:
    if data_type is None or data_type not in _KNOWN_TYPES:
        return _plain(value)
    if data_type == "string":
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not a string (string field)")
        return value
    if data_type in _INTEGER_TYPES:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{value!r} is not an integer ({data_type} field)")
        return value
    if data_type in _NUMBER_TYPES:
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            raise ValueError(f"{value!r} is not a number ({data_type} field)")
        return _plain(value)
    if data_type == "boolean":
        if not isinstance(value, bool):
            raise ValueError(f"{value!r} is not a boolean (use True or False)")
        return value
    if isinstance(value, (datetime, date)):
        return format_datetime(value)
    if isinstance(value, str):
        return _datetime_text(value)
    raise ValueError(f"{value!r} is not a date/time (datetime field)")


_KNOWN_TYPES = _INTEGER_TYPES | _NUMBER_TYPES | _DATETIME_TYPES | {"string", "boolean"}


def _plain(value: Any) -> Any:
    """A Python value as JSON can carry it (dates as UTC ISO strings, Decimals as numbers)."""
    if isinstance(value, (datetime, date)):
        return format_datetime(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _by_look(text: str) -> Any:
    """Type a bare word without knowing the field: true/false, integers, decimals, dates, else text."""
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if _is_int(text):
        return int(text)
    if _is_float(text):
        return float(text)
    if _looks_like_date(text):
        return _datetime_text(text)
    return text


def _datetime_text(text: str) -> str:
    try:
        return format_datetime(parse_date_or_datetime(text))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a date/time (use YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] or with Z/±HH:MM)"
        ) from None


def _is_int(text: str) -> bool:
    digits = text[1:] if text[:1] in "+-" else text
    return digits.isascii() and digits.isdigit()


def _is_float(text: str) -> bool:
    if not text.isascii() or not any(c.isdigit() for c in text) or text.strip("0123456789.eE+-"):
        return False
    try:
        float(text)
    except ValueError:
        return False
    return True


def _looks_like_date(text: str) -> bool:
    return len(text) >= 10 and text[4] == "-" and text[7] == "-" and text[:4].isdigit()
