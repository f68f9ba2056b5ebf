"""Filter expressions: conditions, and/or groups and the `F` builder that makes them.

Only Autotask's 13 operators can be represented: `Condition` refuses any other operator at
construction time, so an operator the API would silently ignore (returning every record) can never
reach the wire.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, NoReturn

from .._exceptions import QuerySyntaxError

__all__ = [
    "COMPARISON_OPERATORS",
    "GROUP_OPERATORS",
    "LIST_OPERATORS",
    "NO_VALUE_OPERATORS",
    "OPERATORS",
    "STRING_OPERATORS",
    "Condition",
    "Expr",
    "F",
    "Field",
    "FieldBuilder",
    "Group",
    "Literal",
]

COMPARISON_OPERATORS = frozenset({"eq", "noteq", "gt", "gte", "lt", "lte"})
STRING_OPERATORS = frozenset({"beginsWith", "endsWith", "contains"})
NO_VALUE_OPERATORS = frozenset({"exist", "notExist"})
LIST_OPERATORS = frozenset({"in", "notIn"})
#: The 13 condition operators of the REST API, spelled exactly as Autotask spells them.
OPERATORS = COMPARISON_OPERATORS | STRING_OPERATORS | NO_VALUE_OPERATORS | LIST_OPERATORS
GROUP_OPERATORS = frozenset({"and", "or"})

_SCALAR_TYPES = (str, int, float, bool, Decimal, date)


class _Missing:
    """Marks a condition without a value (`exist`/`notExist`)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE: Any = _Missing()


@dataclass(frozen=True)
class Literal:
    """A value written in the string grammar, typed only once the field's data type is known."""

    kind: str  # "string" (quoted: always text) or "word" (bare: a number, date, true/false or text)
    text: str
    pos: int = dataclasses.field(default=0, compare=False)

    def __repr__(self) -> str:
        return f"Literal({self.kind}, {self.text!r})"


class _Combinable:
    """`&` and `|` for conditions and groups; refuses Python's `and`/`or`/`not`."""

    __slots__ = ()

    def __and__(self, other: object) -> Group:
        return _combine("and", self, other)

    def __or__(self, other: object) -> Group:
        return _combine("or", self, other)

    def __bool__(self) -> NoReturn:
        # `a and b`, `not a` or `1 < F.x < 5` would silently drop a condition: make them loud.
        raise TypeError("a filter has no truth value: combine filters with & and |, not `and`/`or`/`not`")


@dataclass(frozen=True, eq=True)
class Condition(_Combinable):
    """One Autotask condition: `op` is one of the 13 operators; `udf` marks a user-defined field."""

    op: str
    field: str
    value: Any = NO_VALUE
    udf: bool = False
    # Where the condition came from in a string filter, so later errors can point at the column.
    pos: int | None = dataclasses.field(default=None, compare=False, repr=False)
    source: str | None = dataclasses.field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.op not in OPERATORS:
            raise QuerySyntaxError(
                f"unknown operator {self.op!r}; Autotask knows only {', '.join(sorted(OPERATORS))} "
                "(an unknown operator would be ignored by the API and every record returned)"
            )
        if not isinstance(self.field, str) or not self.field:
            raise QuerySyntaxError(f"a condition needs a field name, got {self.field!r}")
        _check_value(self.op, self.field, self.value)

    def __invert__(self) -> Condition:
        """Negate `exists` ↔ `not exists`, the only negation Autotask can express exactly."""
        swapped = {"exist": "notExist", "notExist": "exist"}.get(self.op)
        if swapped is None:
            raise QuerySyntaxError(
                f"Autotask has no NOT operator; ~ only negates exists()/not_exists(). Write the opposite "
                f"condition on {self.field!r} explicitly (!=, not_in, <, …), keeping in mind how it treats "
                "empty (null) values"
            )
        return Condition(swapped, self.field, NO_VALUE, self.udf, self.pos, self.source)


@dataclass(frozen=True, eq=True)
class Group(_Combinable):
    """An `and`/`or` group of conditions and groups."""

    op: str
    items: tuple[Expr, ...]

    def __post_init__(self) -> None:
        if self.op not in GROUP_OPERATORS:
            raise QuerySyntaxError(f"unknown group operator {self.op!r}; expected 'and' or 'or'")
        if not self.items:
            raise QuerySyntaxError(f"an {self.op!r} group needs at least one condition")
        for item in self.items:
            if not isinstance(item, (Condition, Group)):
                raise QuerySyntaxError(f"an {self.op!r} group holds conditions and groups, not {item!r}")

    def __invert__(self) -> NoReturn:
        raise QuerySyntaxError("Autotask has no NOT operator; a group cannot be negated")


Expr = Condition | Group


def _combine(op: str, left: object, right: object) -> Group:
    if not isinstance(right, (Condition, Group)):
        raise TypeError(f"cannot combine a filter with {type(right).__name__}; use F expressions")
    items: list[Expr] = []
    for side in (left, right):
        # Flatten `a & b & c` into one group, as Autotask would read it.
        if isinstance(side, Group) and side.op == op:
            items.extend(side.items)
        else:
            items.append(side)  # type: ignore[arg-type]
    return Group(op, tuple(items))


def _check_value(op: str, name: str, value: Any) -> None:
    if op in NO_VALUE_OPERATORS:
        if value is not NO_VALUE:
            raise QuerySyntaxError(f"{op!r} on {name!r} takes no value (got {value!r})")
        return
    if value is NO_VALUE or value is None:
        hint = "; to test for empty use not_exists() / exists()" if op in COMPARISON_OPERATORS else ""
        raise QuerySyntaxError(f"{op!r} on {name!r} needs a value{hint}")
    if op in LIST_OPERATORS:
        if not isinstance(value, tuple):
            raise QuerySyntaxError(f"{op!r} on {name!r} needs a list of values, got {value!r}")
        if not value:
            raise QuerySyntaxError(f"{op!r} on {name!r} needs at least one value")
        for member in value:
            _check_scalar(op, name, member)
        return
    _check_scalar(op, name, value)
    if op in STRING_OPERATORS and not isinstance(value, (str, Literal)):
        raise QuerySyntaxError(f"{op!r} on {name!r} needs a string, got {value!r}")


def _check_scalar(op: str, name: str, value: Any) -> None:
    if isinstance(value, Literal) or (isinstance(value, _SCALAR_TYPES) and value is not None):
        if isinstance(value, float) and value != value:  # NaN matches nothing and is not JSON
            raise QuerySyntaxError(f"{op!r} on {name!r}: NaN is not a valid filter value")
        return
    raise QuerySyntaxError(
        f"{op!r} on {name!r}: {value!r} is not a filter value "
        "(use a string, number, boolean, date or datetime)"
    )


class Field:
    """One field of a filter; compare it (`==`, `<`, …) or call a method to get a `Condition`."""

    __slots__ = ("name", "udf")

    def __init__(self, name: str, *, udf: bool = False) -> None:
        if not isinstance(name, str) or not name.strip():
            raise QuerySyntaxError(f"a field name must be a non-empty string, got {name!r}")
        self.name = name
        self.udf = udf

    def __repr__(self) -> str:
        return f"F.udf({self.name!r})" if self.udf else f"F[{self.name!r}]"

    def _make(self, op: str, value: Any = NO_VALUE) -> Condition:
        if isinstance(value, Field):
            raise QuerySyntaxError("Autotask cannot compare one field with another; compare with a value")
        return Condition(op, self.name, value, self.udf)

    def __eq__(self, value: object) -> Condition:  # type: ignore[override]
        # `== None` has one exact meaning in Autotask: the field is empty.
        return self._make("notExist") if value is None else self._make("eq", value)

    def __ne__(self, value: object) -> Condition:  # type: ignore[override]
        return self._make("exist") if value is None else self._make("noteq", value)

    __hash__ = None  # type: ignore[assignment]

    def __lt__(self, value: Any) -> Condition:
        return self._make("lt", value)

    def __le__(self, value: Any) -> Condition:
        return self._make("lte", value)

    def __gt__(self, value: Any) -> Condition:
        return self._make("gt", value)

    def __ge__(self, value: Any) -> Condition:
        return self._make("gte", value)

    def contains(self, text: str) -> Condition:
        """The field contains `text`."""
        return self._make("contains", text)

    def begins_with(self, text: str) -> Condition:
        """The field begins with `text`."""
        return self._make("beginsWith", text)

    def ends_with(self, text: str) -> Condition:
        """The field ends with `text`."""
        return self._make("endsWith", text)

    def in_(self, values: Iterable[Any]) -> Condition:
        """The field equals one of `values` (each value counts as one OR condition)."""
        return self._make("in", _as_tuple(values))

    def not_in(self, values: Iterable[Any]) -> Condition:
        """The field equals none of `values`."""
        return self._make("notIn", _as_tuple(values))

    def exists(self) -> Condition:
        """The field is not empty (null)."""
        return self._make("exist")

    def not_exists(self) -> Condition:
        """The field is empty (null)."""
        return self._make("notExist")


def _as_tuple(values: Iterable[Any]) -> tuple[Any, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise QuerySyntaxError(f"in_/not_in need a list of values, got {values!r}")
    return tuple(values)


class FieldBuilder:
    """`F.status`, `F["dueDateTime"]` and `F.udf("Customer Ranking")` build fields for conditions."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Field:
        if name.startswith("_"):  # keep copy/pickle/introspection protocols working
            raise AttributeError(name)
        return Field(name)

    def __getitem__(self, name: str) -> Field:
        return Field(name)

    def udf(self, name: str) -> Field:
        """A user-defined field, by its name as shown in Autotask (spaces allowed)."""
        return Field(name, udf=True)

    def __repr__(self) -> str:
        return "F"


#: The field builder: `F.status == 1`, `F.title.contains("printer")`, `F.udf("Ranking") == "Gold"`.
F = FieldBuilder()
