"""build_filter: field resolution and typing against metadata, raw JSON, the API's limits, split_in."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from py_autotask._exceptions import QuerySyntaxError
from py_autotask.query import ALL_RECORDS, MAX_OR_CONDITIONS, F, FieldIndex, build_filter, split_in

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ticket_fields() -> dict[str, str]:
    """The Tickets field types from the generated catalogue (the same data the client uses)."""
    catalog = json.loads((ROOT / "src/py_autotask/_catalog/catalog.json").read_text())
    tickets = next(e for e in catalog["entities"] if e["name"] == "Tickets")
    return tickets["fields"]


FIELDS = {
    "id": "long",
    "status": "integer",
    "title": "string",
    "ticketNumber": "string",
    "dueDateTime": "datetime",
    "queueID": "integer",
    "isActive": "boolean",
    "estimatedHours": "double",
    "amount": "decimal",
}


@pytest.mark.parametrize(
    ("written", "resolved"),
    [
        ("queue_id", "queueID"),
        ("queueid", "queueID"),
        ("QUEUEID", "queueID"),
        ("queueID", "queueID"),
        ("due_date_time", "dueDateTime"),
        ("company_id", "companyID"),
        ("assigned_resource_role_id", "assignedResourceRoleID"),
        ("problemTicketID", "problemTicketId"),
        ("ticket_number", "ticketNumber"),
    ],
)
def test_names_resolve_against_real_ticket_fields(ticket_fields: dict, written: str, resolved: str) -> None:
    assert build_filter(F[written].exists(), fields=ticket_fields)[0]["field"] == resolved
    assert build_filter(f"{written} exists", fields=ticket_fields)[0]["field"] == resolved


def test_unknown_field_lists_close_matches(ticket_fields: dict) -> None:
    with pytest.raises(QuerySyntaxError, match=r"unknown field 'queu_id'; did you mean queueID") as caught:
        build_filter("status=1 and queu_id=3", fields=ticket_fields)
    assert caught.value.position == 13
    with pytest.raises(QuerySyntaxError, match=r"unknown field 'zzzz'$"):
        build_filter(F.zzzz == 1, fields=ticket_fields)


def test_literals_are_typed_by_the_field() -> None:
    built = build_filter(
        "status=1 and isActive=true and ticketNumber=007 and title=12 and estimatedHours>=2 "
        "and amount<1.25 and dueDateTime>=2026-01-01T10:00+02:00 and queueID in (5,'8')",
        fields=FIELDS,
    )
    assert [entry["value"] for entry in built] == [
        1,
        True,
        "007",
        "12",
        2,
        1.25,
        "2026-01-01T08:00:00Z",
        [5, 8],
    ]
    assert type(built[1]["value"]) is bool


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("isActive=1", "'1' is not a boolean"),
        ("isActive=yes", "'yes' is not a boolean"),
        ("status=1.5", "'1.5' is not an integer"),
        ("status=New", "'New' is not an integer"),
        ("estimatedHours>abc", "'abc' is not a number"),
        ("dueDateTime>=yesterday", "'yesterday' is not a date/time"),
        ("queueID in (1, x)", "'x' is not an integer"),
    ],
)
def test_literals_that_do_not_fit_the_field_are_refused(text: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError, match=re.escape(message)) as caught:
        build_filter(text, fields=FIELDS)
    assert caught.value.position is not None
    assert text[caught.value.position :].startswith(message.split("'")[1])


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        (F.isActive == 1, "not a boolean"),
        (F.status == "1", "not an integer"),
        (F.status == True, "not an integer"),  # noqa: E712
        (F.title == 5, "not a string"),
        (F.estimatedHours > "2", "not a number"),
        (F.dueDateTime > 5, "not a date/time"),
        (F.dueDateTime > "soon", "not a date/time"),
    ],
)
def test_python_values_must_fit_the_field(expr: object, message: str) -> None:
    with pytest.raises(QuerySyntaxError, match=message):
        build_filter(expr, fields=FIELDS)


def test_python_values_that_fit() -> None:
    built = build_filter(
        (F.is_active == True) & (F.due_date_time < "2026-02-01") & (F.due_date_time > datetime(2026, 1, 1)),  # noqa: E712
        fields=FIELDS,
    )
    assert built == [
        {"op": "eq", "field": "isActive", "value": True},
        {"op": "lt", "field": "dueDateTime", "value": "2026-02-01T00:00:00Z"},
        {"op": "gt", "field": "dueDateTime", "value": "2026-01-01T00:00:00Z"},
    ]


def test_udf_names_are_not_resolved_against_fields() -> None:
    assert build_filter('udf:"Customer Ranking"=5', fields=FIELDS) == [
        {"op": "eq", "field": "Customer Ranking", "value": 5, "udf": True}
    ]


def test_no_filter_means_all_records() -> None:
    for empty in (None, "", [], ["  "]):
        assert build_filter(empty) == [{"op": "gte", "field": "id", "value": 0}]
    built = build_filter(None)
    built[0]["value"] = 99  # the caller's copy: the shared idiom must not change
    assert ALL_RECORDS[0]["value"] == 0


def test_lists_mix_expressions_strings_and_raw_json() -> None:
    built = build_filter([F.id >= 10, "status=1", {"op": "lt", "field": "id", "value": 20}], fields=FIELDS)
    assert built == [
        {"op": "gte", "field": "id", "value": 10},
        {"op": "eq", "field": "status", "value": 1},
        {"op": "lt", "field": "id", "value": 20},
    ]


# --- raw Autotask filter JSON -------------------------------------------------------------------------


def test_raw_json_any_key_case_and_operator_case() -> None:
    raw = [
        {"Op": "EQ", "Field": "IsActive", "Value": True},
        {
            "OP": "or",
            "ITEMS": [{"op": "beginswith", "field": "title", "value": "A"}, {"op": "notexist", "field": "x"}],
        },
    ]
    assert build_filter(raw) == [
        {"op": "eq", "field": "IsActive", "value": True},
        {
            "op": "or",
            "items": [
                {"op": "beginsWith", "field": "title", "value": "A"},
                {"op": "notExist", "field": "x"},
            ],
        },
    ]


def test_raw_json_swagger_example_and_filter_wrapper() -> None:
    example = {"Filter": [{"op": "gt", "field": "id", "value": 0, "udf": False, "items": []}]}
    assert build_filter(example) == [{"op": "gt", "field": "id", "value": 0}]
    assert build_filter({"op": "exist", "field": "id", "value": None}) == [{"op": "exist", "field": "id"}]


def test_raw_json_resolves_and_types_with_fields() -> None:
    assert build_filter({"op": "in", "field": "queue_id", "value": [1, 2]}, fields=FIELDS) == [
        {"op": "in", "field": "queueID", "value": [1, 2]}
    ]
    with pytest.raises(QuerySyntaxError, match="not a boolean"):
        build_filter({"op": "eq", "field": "isActive", "value": "true"}, fields=FIELDS)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"op": "ne", "field": "status", "value": 1}, "unknown operator 'ne'"),
        ({"op": "eq", "field": "status"}, "needs a value"),
        ({"op": "eq", "field": "status", "value": None}, "needs a value"),
        ({"op": "eq", "value": 1}, "needs a 'field'"),
        ({"field": "x", "value": 1}, "needs an 'op'"),
        ({"op": "in", "field": "status", "value": 1}, "non-empty array"),
        ({"op": "in", "field": "status", "value": []}, "non-empty array"),
        ({"op": "notIn", "field": "status", "value": [1, None]}, "strings, numbers or booleans"),
        ({"op": "exist", "field": "status", "value": 1}, "takes no value"),
        ({"op": "eq", "field": "status", "value": [1]}, "strings, numbers or booleans"),
        ({"op": "eq", "field": "s", "value": 1, "items": [{"op": "eq"}]}, "only 'and'/'or' take items"),
        ({"op": "or", "items": []}, "non-empty 'items'"),
        ({"op": "or", "field": "x", "items": [{"op": "exist", "field": "x"}]}, "takes only 'items'"),
        ({"op": "and", "items": [[{"op": "exist", "field": "x"}]]}, r"items\[0\]: expected a filter object"),
        ({"op": "eq", "field": "s", "value": 1, "udf": "yes"}, "'udf' must be true or false"),
        ({"op": "eq", "field": "s", "value": 1, "operator": "ne"}, "unknown key 'operator'"),
        ({"op": "eq", "Op": "ne", "field": "s", "value": 1}, "given twice"),
        ([{"op": "eq", "field": "s", "value": 1}, 5], r"filter\[1\]: expected a filter object"),
    ],
)
def test_raw_json_is_validated(raw: object, message: str) -> None:
    with pytest.raises(QuerySyntaxError, match=message):
        build_filter(raw)


# --- limits ---------------------------------------------------------------------------------------------


def test_or_conditions_are_counted_like_the_server() -> None:
    assert len(build_filter(F.id.in_(range(MAX_OR_CONDITIONS)))[0]["value"]) == 500
    with pytest.raises(QuerySyntaxError, match="501 OR conditions.*split_in"):
        build_filter(F.id.in_(range(501)))
    # 498 values + the 3 branches of the or group
    with pytest.raises(QuerySyntaxError, match="501 OR conditions"):
        build_filter(F.id.in_(range(498)) | (F.a == 1) | (F.b == 1))
    build_filter(F.id.in_(range(497)) | (F.a == 1) | (F.b == 1))
    # notIn members count too (conservative, and what the sandbox enforces)
    build_filter(F.id.not_in(range(500)))
    with pytest.raises(QuerySyntaxError, match="501 OR conditions"):
        build_filter(F.id.not_in(range(501)))


def test_only_one_udf_condition_per_query() -> None:
    build_filter(F.udf("A") == 1)
    with pytest.raises(QuerySyntaxError, match="only one user-defined field condition.*'A', 'B'"):
        build_filter((F.udf("A") == 1) | (F.udf("B") == 2))
    with pytest.raises(QuerySyntaxError, match="only one user-defined") as caught:
        build_filter("udf:A>1 and udf:A<5")
    assert caught.value.position == 12


def test_split_in_chunks_distinct_values() -> None:
    values = list(range(1203)) + [5, 7]
    parts = split_in("companyID", values)
    assert [len(p.value) for p in parts] == [500, 500, 203]
    assert sorted(v for p in parts for v in p.value) == list(range(1203))
    assert build_filter(parts[0])[0]["op"] == "in"
    for part in parts:  # each chunk fits in one query next to another condition
        build_filter((F.status == 1) & part)
    assert split_in("x", []) == []
    udf_parts = split_in(F.udf("Code"), ["a", "b", "c"], chunk=2)
    assert [(p.field, p.udf, p.value) for p in udf_parts] == [
        ("Code", True, ("a", "b")),
        ("Code", True, ("c",)),
    ]
    with pytest.raises(ValueError):
        split_in("x", [1], chunk=501)


def test_field_index_squashes_snake_case() -> None:
    index = FieldIndex({"queueID": "integer"})
    assert index.resolve("queue_id") == "queueID"
    assert index.resolve("queue") is None
    assert index.suggestions("queue") == ["queueID"]


PICKLISTS = {"status": {"New": "1", "In Progress": "8", "Complete": "5"}}


def test_picklist_labels_stand_for_their_values() -> None:
    built = build_filter(
        'status="in progress" or Status=complete or status=1 or status in (New, 5)',
        fields=FIELDS,
        picklists=PICKLISTS,
    )
    assert [item["value"] for item in built[0]["items"]] == [8, 5, 1, [1, 5]]
    # without field types, numbers stay numbers and other words are looked up
    assert build_filter("status=Complete and status!=3", picklists=PICKLISTS) == [
        {"op": "eq", "field": "status", "value": 5},
        {"op": "noteq", "field": "status", "value": 3},
    ]
    # string operators and other fields are untouched
    assert build_filter("title~New", fields=FIELDS, picklists=PICKLISTS)[0]["value"] == "New"


def test_unknown_picklist_label_lists_the_labels() -> None:
    with pytest.raises(
        QuerySyntaxError, match="'Done' is neither a value nor a picklist label .*New, In Progress"
    ):
        build_filter("status=Done", fields=FIELDS, picklists=PICKLISTS)
