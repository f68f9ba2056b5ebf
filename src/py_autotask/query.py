"""Filters for Autotask queries: the `F` builder, a string grammar, raw filter JSON.

Three ways to say the same thing, all turned into Autotask's `filter` list by `build_filter`:

    from py_autotask.query import F, build_filter

    (F.status == 1) & ((F.priority.in_([1, 2])) | F.title.contains("printer"))
    "status=1 and (priority in (1,2) or title~printer)"
    [{"op": "eq", "field": "status", "value": 1},
     {"op": "or", "items": [{"op": "in", "field": "priority", "value": [1, 2]},
                            {"op": "contains", "field": "title", "value": "printer"}]}]

The builder
-----------
`F.name` (or `F["name"]`) is a field; `F.udf("Customer Ranking")` a user-defined field. Conditions:
`==`, `!=`, `<`, `<=`, `>`, `>=`, `.contains(s)`, `.begins_with(s)`, `.ends_with(s)`, `.in_(values)`,
`.not_in(values)`, `.exists()`, `.not_exists()`; `== None` means `.not_exists()`, `!= None`
`.exists()`. Combine with `&` (and) and `|` (or), never Python's `and`/`or` (they raise). Autotask has no
NOT: `~` only flips `.exists()` ↔ `.not_exists()`; anything else raises, because swapping `==` for `!=`
(or `<` for `>=`) is not an exact negation once empty (null) values are involved.

Values: str, int, float, Decimal, bool, `datetime` and `date`. Aware datetimes are sent in UTC as
`2026-01-01T10:00:00Z`; naive datetimes are taken to be UTC (Autotask's own convention); a `date` is
midnight UTC.

The string grammar (for the command line)
-----------------------------------------
    filter     := or_expr
    or_expr    := and_expr ("or" and_expr)*          -- "and" binds tighter than "or"
    and_expr   := term ("and" term)*
    term       := "(" or_expr ")" | condition
    condition  := field op value
                | field ["not"] "in" "(" value ("," value)* [","] ")"
                | field ["not"] "exists"
                | field "is" ["not"] "null"
    field      := NAME | udf:NAME | udf:"any name" | "quoted name"
    op         := "=" | "==" | "!=" | "<>" | "<" | "<=" | ">" | ">="
                | "~" (contains) | "^=" (begins with) | "$=" (ends with)
    value      := "double-quoted" | 'single-quoted' | bare-word | null

Keywords (`and`, `or`, `not`, `in`, `exists`, `is`, `null`, `true`, `false`) are case-insensitive.
`field = null` / `field is null` mean "is empty" (notExist); `field != null` / `field is not null` /
`field exists` mean "has a value" (exist). Spaces around operators are optional:
`status=1 and (priority in (1,2) or title~printer) and dueDateTime>=2026-01-01`.

A bare word ends at a space, a parenthesis, a comma, a quote or an operator character; quote
anything else (`title="paper jam"`, `title~"O'Brien"`). Inside quotes, `\\` escapes `\\`, `"`, `'`
and writes `\\n`, `\\t`, `\\r`; any other escape is an error.

Values are typed by the field's Autotask data type when `fields` is given to `build_filter`:
integer/long fields take integers, double/decimal fields numbers, boolean fields `true`/`false`
only, datetime fields dates (`2026-01-01`, `2026-01-01T10:00`, `2026-01-01T10:00:00+02:00`; naive
means UTC; sent as `…Z`), string fields the text exactly as written (so `ticketNumber=007` stays
"007"). Without field types, a bare word is read by its look: `true`/`false` → boolean, `12` →
integer, `1.5` → number, `2026-01-01…` → UTC datetime, anything else → text; quoted values are
always text. The string operators (`~`, `^=`, `$=`) always send text. UDF values are typed by look.
With `picklists` (field → {label: value}, from the entity's field metadata), a value that is not
valid for the field is looked up as a picklist label, case-insensitively: `status="In Progress"`.
In `F` expressions and raw JSON, Python's types decide instead: on a number field an int is a value
and a str is a label (`F.status == "Complete"`, `F.priority.in_(["High", 4])`; `"5"` means the label
"5", never the value 5). Entity methods (`client.tickets.query(...)`) pass the picklists themselves.

Errors raise `QuerySyntaxError` with `.text` and `.position` (0-based column) and a caret under the
offending spot.

Field names
-----------
With `fields` (name → dataType, e.g. from `entityInformation/fields`) names resolve
case-insensitively and from snake_case (`queue_id` → `queueID`, `due_date_time` → `dueDateTime`);
an unknown name raises `QuerySyntaxError` naming close matches. Without it, snake_case names are
sent as lowerCamelCase (`queue_id` → `queueId`; Autotask matches field names case-insensitively).
UDF names are sent verbatim.

`fields=` (IncludeFields) is checked the same way before any query: standard names in any case or
snake_case, UDFs as `udf:Name` (or the bare name when no standard field has it); an unknown name raises
`QuerySyntaxError` with close matches (`resolve_fields` does this, for the command line too).

Limits checked before sending
-----------------------------
- Only the 13 Autotask operators can be expressed (an unknown operator is silently ignored by the
  API, which then returns every record).
- At most 500 OR conditions, counted as every branch of an `or` group plus every value of an `in`
  list; use `split_in` to cut a long `in` list into several queries.
- At most one UDF condition per query.
- No filter (None, "", []) becomes `[{"op": "gte", "field": "id", "value": 0}]`: Autotask requires
  a filter, and this is the usual "all records" idiom.
"""

from __future__ import annotations

from ._exceptions import QuerySyntaxError
from ._query.compile import ALL_RECORDS, MAX_OR_CONDITIONS, FieldIndex, build_filter, snake_to_camel, split_in
from ._query.expr import OPERATORS, Condition, Expr, F, Field, FieldBuilder, Group
from ._query.grammar import parse_filter
from ._query.include import UDF_PREFIX, FieldName, check_repeats, needs_udfs, resolve_fields

__all__ = [
    "ALL_RECORDS",
    "MAX_OR_CONDITIONS",
    "OPERATORS",
    "UDF_PREFIX",
    "Condition",
    "Expr",
    "F",
    "Field",
    "FieldBuilder",
    "FieldIndex",
    "FieldName",
    "Group",
    "QuerySyntaxError",
    "build_filter",
    "check_repeats",
    "needs_udfs",
    "parse_filter",
    "resolve_fields",
    "snake_to_camel",
    "split_in",
]
