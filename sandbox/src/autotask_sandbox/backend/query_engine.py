"""Compiles an Autotask QueryModel into a :class:`~.scan.Plan` over a :class:`~.table.Table`.

Grammar (docs/autotask-facts.md#querying): ``{"MaxRecords", "IncludeFields", "Filter": [ {op, field, value, udf,
items} ]}``; the top-level filter list is ANDed. Keys, field names and operator names are matched
case-insensitively. Behaviour chosen where Autotask's is not published (each switchable, see
:class:`QueryEngine`):

* unknown operator → the clause is dropped from its group, so at top level it matches everything, as the
  live API does (WYRE-AI/autotask-mcp#282). ``unknown_operator="error"`` rejects it instead;
* empty or missing ``filter`` → error ``"The Filter field is required."`` (the docs require a filter;
  ASP.NET's [Required] wording). ``empty_filter="all"`` returns every record instead;
* comparisons against a null column are false (SQL semantics), also for ``noteq``/``notIn``;
  ``noteq_matches_null=True`` makes ``noteq``/``notIn`` match nulls;
* "OR conditions" are counted as: every child of an ``or`` group + every member of an ``in``/``notIn``
  list (each is one OR term once the query is turned into SQL); more than 500 → error;
* only one distinct UDF may appear in a query ("only query by one user-defined field at a time", Autotask's UDF help page; docs/autotask-facts.md#querying);
  two conditions on the same UDF are allowed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from ..wire.errors import ApiError
from .predicates import (
    COMPARISONS,
    OPERATORS,
    Cond,
    Predicate,
    column_predicate,
    column_value,
    conjunction,
    constant,
    disjunction,
    generic_predicate,
    udf_reader,
    udf_value,
)
from .scan import Plan, count_rows, previous_start_id, select_rows
from .table import Table
from .values import Kind

__all__ = [
    "MAX_OR_CONDITIONS",
    "MAX_RECORDS",
    "CompiledQuery",
    "Plan",
    "Projection",
    "QueryEngine",
    "count_rows",
    "previous_start_id",
    "select_rows",
    "unknown_field",
]

MAX_RECORDS = 500
MAX_OR_CONDITIONS = 500
OR_LIMIT_MESSAGE = "Invalid query syntax. Queries are limited to 500 or fewer 'OR' conditions."
FILTER_REQUIRED_MESSAGE = "The Filter field is required."
MAX_RECORDS_MESSAGE = "MaxRecords must be an integer between 1 and 500."
SECOND_UDF_MESSAGE = "Invalid query syntax. You can only query by one user-defined field at a time."


def unknown_field(field: object, table: Table) -> ApiError:
    """The live API's message for a field the entity does not have (WYRE-AI/autotask-mcp#282)."""
    return ApiError(500, [f"Unable to find {field} in the {table.legacy} Entity"])


@dataclass
class _Group:
    op: str  # "and" | "or"
    items: list


@dataclass(frozen=True)
class Projection:
    """IncludeFields: column positions (model order, id first) and UDF positions to emit."""

    columns: tuple[int, ...]
    names: tuple[str, ...]
    udf_positions: tuple[int, ...] | None  # None on entities without UDFs

    def apply(self, table: Table, rows: list[tuple]) -> list[dict]:
        """Records with only the projected fields."""
        template = dict.fromkeys(self.names)
        slotted = [(name, table.slot(col)) for name, col in zip(self.names, self.columns, strict=True)]
        present = [(name, slot) for name, slot in slotted if slot is not None]
        names = tuple(name for name, _ in present)
        slots = tuple(slot for _, slot in present)
        if len(slots) == 1:
            only = slots[0]
            records = [{**template, names[0]: row[only]} for row in rows]
        else:
            getter = itemgetter(*slots)
            records = []
            for row in rows:
                record = template.copy()
                record.update(zip(names, getter(row), strict=True))
                records.append(record)
        if self.udf_positions is not None and table.udf_slot is not None:
            slot, udf_names, positions = table.udf_slot, table.udf_names, self.udf_positions
            for record, row in zip(records, rows, strict=True):
                values = row[slot]
                record["userDefinedFields"] = [
                    {"name": udf_names[p], "value": None if values is None else values[p]} for p in positions
                ]
        return records


@dataclass(frozen=True)
class CompiledQuery:
    """A parsed and compiled QueryModel."""

    plan: Plan
    max_records: int
    projection: Projection | None


class QueryEngine:
    """Turns QueryModel JSON into :class:`CompiledQuery` objects (stateless apart from its switches)."""

    def __init__(
        self,
        *,
        unknown_operator: str = "ignore",
        empty_filter: str = "error",
        noteq_matches_null: bool = False,
    ) -> None:
        if unknown_operator not in ("ignore", "error"):
            raise ValueError("unknown_operator must be 'ignore' or 'error'")
        if empty_filter not in ("error", "all"):
            raise ValueError("empty_filter must be 'error' or 'all'")
        self.unknown_operator = unknown_operator
        self.empty_filter = empty_filter
        self.noteq_matches_null = noteq_matches_null

    # ------------------------------------------------------------ QueryModel
    def compile(self, table: Table, query: object, *, check_max_records: bool = True) -> CompiledQuery:
        """Parse a QueryModel (keys in any case) for ``table``; raises ApiError(500) like Autotask."""
        if query is None:
            query = {}
        if not isinstance(query, dict):
            raise ApiError(500, ["Invalid query syntax. The query must be a JSON object."])
        keys = {str(k).lower(): v for k, v in query.items()}
        max_records = self._max_records(keys.get("maxrecords")) if check_max_records else MAX_RECORDS
        projection = self._projection(table, keys.get("includefields"))
        raw_filter = keys.get("filter")
        if raw_filter is None or raw_filter == []:
            if self.empty_filter == "error":
                raise ApiError(500, [FILTER_REQUIRED_MESSAGE])
            return CompiledQuery(Plan(None), max_records, projection)
        if isinstance(raw_filter, dict):
            raw_filter = [raw_filter]
        if not isinstance(raw_filter, list):
            raise ApiError(500, ["Invalid query syntax. Filter must be an array of conditions."])
        state = _ParseState()
        nodes = [n for n in (self._parse(table, item, state) for item in raw_filter) if n is not None]
        if state.or_terms > MAX_OR_CONDITIONS:
            raise ApiError(500, [OR_LIMIT_MESSAGE])
        return CompiledQuery(self._plan(table, nodes), max_records, projection)

    @staticmethod
    def _max_records(value: Any) -> int:
        if value is None:
            return MAX_RECORDS
        if isinstance(value, bool):
            raise ApiError(500, [MAX_RECORDS_MESSAGE])
        try:
            number = int(value) if not isinstance(value, float) or value.is_integer() else None
        except (TypeError, ValueError):
            number = None
        if number is None or not 1 <= number <= MAX_RECORDS:
            raise ApiError(500, [MAX_RECORDS_MESSAGE])
        return number

    @staticmethod
    def _projection(table: Table, include: object) -> Projection | None:
        if not include:
            return None
        if isinstance(include, str):
            include = [include]
        if not isinstance(include, list):
            raise ApiError(500, ["Invalid query syntax. IncludeFields must be an array of field names."])
        columns = {0}
        udfs: list[int] = []
        all_udfs = False
        for name in include:
            text = str(name)
            col = table.column(text)
            if col is not None:
                columns.add(col)
            elif table.has_udfs and text.lower() == "userdefinedfields":
                all_udfs = True
            elif table.has_udfs and text.lower() in table.udf_index_ci:
                udfs.append(table.udf_index_ci[text.lower()])
            else:
                raise unknown_field(text, table)
        ordered = tuple(sorted(columns))
        udf_positions: tuple[int, ...] | None = None
        if table.has_udfs:
            udf_positions = tuple(range(len(table.udf_names))) if all_udfs else tuple(sorted(set(udfs)))
        return Projection(ordered, tuple(table.columns[c] for c in ordered), udf_positions)

    # ---------------------------------------------------------------- parse
    def _parse(self, table: Table, item: object, state: _ParseState) -> Cond | _Group | None:
        if not isinstance(item, dict):
            raise ApiError(500, ["Invalid query syntax. Each filter condition must be a JSON object."])
        keys = {str(k).lower(): v for k, v in item.items()}
        raw_op = keys.get("op")
        op = raw_op.lower() if isinstance(raw_op, str) else ""
        if op in ("and", "or"):
            items = keys.get("items") or []
            if not isinstance(items, list):
                raise ApiError(500, ["Invalid query syntax. 'items' must be an array of conditions."])
            if op == "or":
                state.or_terms += len(items)
            children = [c for c in (self._parse(table, child, state) for child in items) if c is not None]
            if not children:
                return None
            return children[0] if len(children) == 1 else _Group(op, children)
        if op not in OPERATORS:
            if self.unknown_operator == "error":
                raise ApiError(500, [f"Invalid query syntax. Unknown operator '{raw_op}'."])
            return None
        field = keys.get("field")
        field_name = "" if field is None else str(field)
        if _truthy(keys.get("udf")):
            return self._udf_condition(table, op, field_name, keys.get("value"), state)
        col = table.column(field_name) if field_name else None
        if col is None:
            raise unknown_field(field_name, table)
        kind = table.kinds[col]
        name = table.columns[col]
        value = self._condition_value(op, keys.get("value"), state, lambda v: column_value(kind, name, v, op))
        return Cond(op, name, col, kind, value)

    def _udf_condition(self, table: Table, op: str, name: str, raw: object, state: _ParseState) -> Cond:
        pos = table.udf_index_ci.get(name.lower()) if table.has_udfs else None
        if pos is None:
            raise unknown_field(name, table)
        state.udfs.add(pos)
        if len(state.udfs) > 1:
            raise ApiError(500, [SECOND_UDF_MESSAGE])
        udf_type = table.udf_types[pos]
        value = self._condition_value(op, raw, state, lambda v: udf_value(udf_type, table.udf_names[pos], v))
        return Cond(op, table.udf_names[pos], pos, Kind.STR, value, udf=True, udf_type=udf_type)

    @staticmethod
    def _condition_value(op: str, raw: object, state: _ParseState, convert: Callable[[object], Any]) -> Any:
        if op in ("exist", "notexist"):
            return None
        if op in ("in", "notin"):
            if not isinstance(raw, list):
                raise ApiError(500, [f"Invalid query syntax. The '{op}' operator requires an array value."])
            state.or_terms += len(raw)
            return frozenset(convert(v) for v in raw if v is not None)
        if raw is None:
            convert(None)  # booleans reject null; other kinds compare false against null
            return None
        return convert(raw)

    # ----------------------------------------------------------------- plan
    def _plan(self, table: Table, nodes: list) -> Plan:
        conjuncts: list = []
        _flatten_and(nodes, conjuncts)
        lo: int | None = None
        hi: int | None = None
        id_set: set[int] | None = None
        empty = False
        rest: list = []
        for node in conjuncts:
            if not (isinstance(node, Cond) and node.col == 0 and not node.udf):
                rest.append(node)
                continue
            op, value = node.op, node.value
            if op == "exist":
                continue
            if op == "notexist" or (value is None and op in COMPARISONS):
                empty = True
            elif op == "in":
                members = {int(v) for v in value if float(v).is_integer()}
                id_set = members if id_set is None else id_set & members
            elif op in ("eq", "gt", "gte", "lt", "lte"):
                low, high = _id_bounds(op, value)
                lo = low if lo is None or (low is not None and low > lo) else lo
                hi = high if hi is None or (high is not None and high < hi) else hi
            else:
                rest.append(node)
        if lo is not None and hi is not None and lo > hi:
            empty = True
        predicate = self._compile_all(table, rest) if rest else None
        index_terms = tuple(
            (n.col, n.value)
            for n in rest
            if isinstance(n, Cond)
            and not n.udf
            and n.op == "eq"
            and n.value is not None
            and n.kind in (Kind.INT, Kind.BOOL)
        )
        return Plan(
            predicate,
            lo,
            hi,
            None if id_set is None else tuple(sorted(id_set)),
            index_terms,
            len(rest),
            empty,
        )

    def _compile_all(self, table: Table, nodes: list) -> Predicate:
        preds = [self._compile(table, n) for n in nodes]
        return conjunction(preds)

    def _compile(self, table: Table, node: Cond | _Group) -> Predicate:
        if isinstance(node, _Group):
            preds = [self._compile(table, child) for child in node.items]
            return conjunction(preds) if node.op == "and" else disjunction(preds)
        if node.udf:
            return self._compile_udf(table, node)
        slot = table.slot(node.col)
        if slot is None:
            # No stored row has this column: every row holds null, so the answer is the same for all.
            return constant(column_predicate(node, 0, self.noteq_matches_null)((None,)))
        return column_predicate(node, slot, self.noteq_matches_null)

    def _compile_udf(self, table: Table, node: Cond) -> Predicate:
        slot, pos = table.udf_slot, node.col
        assert slot is not None, "a UDF condition compiles only on an entity with UDFs"
        convert = udf_reader(node.udf_type, node.op)

        def read(row: tuple) -> Any:
            values = row[slot]
            return None if values is None else convert(values[pos])

        return generic_predicate(read, node.op, node.value, self.noteq_matches_null)


class _ParseState:
    """Per-query counters: OR terms and the UDFs referenced."""

    def __init__(self) -> None:
        self.or_terms = 0
        self.udfs: set[int] = set()


def _truthy(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true") or value == 1


def _flatten_and(nodes: list, out: list) -> None:
    for node in nodes:
        if isinstance(node, _Group) and node.op == "and":
            _flatten_and(node.items, out)
        else:
            out.append(node)


def _id_bounds(op: str, value: float) -> tuple[int | None, int | None]:
    if op == "eq":
        if not float(value).is_integer():
            return 1, 0  # contradictory bounds: nothing matches
        return int(value), int(value)
    if op == "gt":
        return math.floor(value) + 1, None
    if op == "gte":
        return math.ceil(value), None
    if op == "lt":
        return None, math.ceil(value) - 1
    return None, math.floor(value)  # lte
