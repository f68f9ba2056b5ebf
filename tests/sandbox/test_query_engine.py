"""The sandbox query engine: operators, grouping, case rules, UDF filters, limits, IncludeFields, paging."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from autotask_sandbox.backend.store import Store
from autotask_sandbox.backend.table import INDEX_MIN_ROWS
from autotask_sandbox.seed.build import generate
from autotask_sandbox.specdata import load_models
from autotask_sandbox.tenant.metadata import TenantMetadata
from autotask_sandbox.wire.errors import ApiError

NOW = datetime(2024, 1, 31, 15, 4, 5, 307000, tzinfo=timezone.utc)
WIRE_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}")

# Hand-picked tickets whose answers to each operator are known; ids have gaps on purpose.
TICKETS = [
    {"id": 1, "title": "Printer broken", "status": 1, "priority": 1, "estimatedHours": 1.5, "companyID": 10,
     "createDate": "2024-01-01T10:00:00.000", "isVisibleToComanaged": True,
     "userDefinedFields": [{"name": "Root Cause", "value": "User Error"},
                           {"name": "Customer Impact Score", "value": "9"},
                           {"name": "Follow Up Date", "value": "2024-02-01T00:00:00"}]},
    {"id": 2, "title": "printer BROKEN  ", "status": 5, "priority": 2, "estimatedHours": 3.0, "companyID": 10,
     "createDate": "2024-01-02T10:00:00.000", "isVisibleToComanaged": False,
     "userDefinedFields": [{"name": "Customer Impact Score", "value": "10"}]},
    {"id": 3, "title": "VPN down", "status": 8, "priority": 3, "companyID": 20,
     "createDate": "2024-01-03T23:30:00.000",
     "userDefinedFields": [{"name": "Root Cause", "value": "Configuration"}]},
    {"id": 5, "priority": 1, "companyID": 30},
    {"id": 8, "title": "Email slow", "status": 1, "estimatedHours": 0.5, "companyID": 20,
     "createDate": "2023-12-31T23:59:59.999",
     "userDefinedFields": [{"name": "Root Cause", "value": "user error"}]},
]  # fmt: skip


@pytest.fixture(scope="module")
def meta() -> TenantMetadata:
    return TenantMetadata(seed=1)


def make_store(meta: TenantMetadata, **options) -> Store:
    store = Store(meta, lambda: NOW, **options)
    store.load({"Tickets": TICKETS, "TimeEntries": [{"id": 4, "ticketID": 1, "hoursWorked": 1.0}]})
    return store


@pytest.fixture(scope="module")
def store(meta: TenantMetadata) -> Store:
    return make_store(meta)


def ids(store: Store, *conditions: dict, entity: str = "Tickets") -> list[int]:
    return [r["id"] for r in store.query(entity, {"filter": list(conditions)}).items]


def error_of(call, *args, **kwargs) -> list[str]:
    with pytest.raises(ApiError) as caught:
        call(*args, **kwargs)
    assert caught.value.status == 500
    return caught.value.errors


def cond(op: str, field: str | None = None, value=None, **extra) -> dict:
    out = {"op": op, **extra}
    if field is not None:
        out["field"] = field
    if value is not None:
        out["value"] = value
    return out


# ------------------------------------------------------------------------------------------ operators
@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (cond("eq", "status", 1), [1, 8]),
        (cond("eq", "status", 4), []),
        (cond("eq", "title", "PRINTER broken"), [1, 2]),  # case-insensitive, trailing spaces ignored
        (cond("eq", "estimatedHours", 1.5), [1]),
        (cond("eq", "createDate", "2024-01-01T10:00:00Z"), [1]),
        (cond("eq", "createDate", "2024-01-01T12:00:00+02:00"), [1]),
        (cond("eq", "createDate", "2024-01-01T10:00:00.0000000"), [1]),
        (cond("eq", "isVisibleToComanaged", True), [1]),
        (cond("eq", "isVisibleToComanaged", "false"), [2]),
        (cond("noteq", "status", 1), [2, 3]),  # the null status of 5 does not match
        (cond("noteq", "title", "vpn DOWN"), [1, 2, 8]),
        (cond("gt", "priority", 1), [2, 3]),
        (cond("gte", "priority", 2), [2, 3]),
        (cond("lt", "estimatedHours", 1.5), [8]),
        (cond("lte", "estimatedHours", 1.5), [1, 8]),
        (cond("gt", "createDate", "2024-01-01"), [1, 2, 3]),
        (cond("lt", "createDate", "2024-01-01T00:00:00"), [8]),
        (cond("gte", "createDate", "2024-01-03T23:30:00.000Z"), [3]),
        (cond("gt", "title", "p"), [1, 2, 3]),  # string ordering, case-insensitive
        (cond("beginsWith", "title", "PRINT"), [1, 2]),
        (cond("beginsWith", "title", "down"), []),
        (cond("endsWith", "title", "DOWN"), [3]),
        (cond("endsWith", "title", "printer"), []),
        (cond("contains", "title", "RoKe"), [1, 2]),
        (cond("contains", "title", "zzz"), []),
        (cond("contains", "companyID", "0"), [1, 2, 3, 5, 8]),  # LIKE on a number converts it to text
        (cond("exist", "title"), [1, 2, 3, 8]),
        (cond("notExist", "title"), [5]),
        (cond("exist", "estimatedHours"), [1, 2, 8]),
        (cond("notExist", "status"), [5]),
        (cond("in", "status", [5, 8]), [2, 3]),
        (cond("in", "status", []), []),
        (cond("in", "title", ["vpn down", "EMAIL SLOW"]), [3, 8]),
        (cond("notIn", "status", [1]), [2, 3]),
        (cond("notIn", "companyID", [10, 20]), [5]),
    ],
)
def test_operator(store: Store, condition: dict, expected: list[int]) -> None:
    assert ids(store, condition) == expected


def test_id_operators_use_bounds_and_agree_with_counts(store: Store) -> None:
    cases = [
        (cond("gt", "id", 2), [3, 5, 8]),
        (cond("gte", "id", 3), [3, 5, 8]),
        (cond("lt", "id", 5), [1, 2, 3]),
        (cond("lte", "id", 5), [1, 2, 3, 5]),
        (cond("eq", "id", 5), [5]),
        (cond("eq", "id", 4), []),
        (cond("in", "id", [8, 2, 99]), [2, 8]),
        (cond("noteq", "id", 2), [1, 3, 5, 8]),
        (cond("exist", "id"), [1, 2, 3, 5, 8]),
        (cond("notExist", "id"), []),
        (cond("gt", "id", 2.5), [3, 5, 8]),
    ]
    for condition, expected in cases:
        assert ids(store, condition) == expected, condition
        assert store.count("Tickets", {"filter": [condition]}) == len(expected), condition
    assert ids(store, cond("gt", "id", 1), cond("lt", "id", 8), cond("noteq", "status", 5)) == [3]


def test_groups_nest_and_the_top_level_is_anded(store: Store) -> None:
    either = cond("or", items=[cond("eq", "status", 5), cond("eq", "companyID", 30)])
    assert ids(store, either) == [2, 5]
    assert ids(store, either, cond("eq", "priority", 1)) == [5]
    nested = cond(
        "or",
        items=[
            cond("and", items=[cond("eq", "status", 1), cond("lt", "estimatedHours", 1)]),
            cond("and", items=[cond("beginsWith", "title", "vpn"), cond("eq", "companyID", 20)]),
        ],
    )
    assert ids(store, nested) == [3, 8]
    assert ids(store, cond("and", items=[cond("gt", "id", 1), cond("or", items=[cond("eq", "id", 8)])])) == [
        8
    ]


def test_keys_fields_and_operators_are_case_insensitive(store: Store) -> None:
    query = {"FILTER": [{"OP": "BeginsWith", "FIELD": "TITLE", "VALUE": "print"}], "maxrecords": 1}
    page = store.query("Tickets", query)
    assert [r["id"] for r in page.items] == [1] and page.next_id == 2
    assert ids(store, {"op": "beginswith", "field": "title", "value": "VPN"}) == [3]
    assert ids(store, {"Op": "NOTEQ", "Field": "Status", "Value": 1}) == [2, 3]
    group = {
        "Op": "OR",
        "Items": [{"op": "EQ", "field": "ID", "value": 1}, {"op": "eq", "field": "id", "value": 3}],
    }
    assert ids(store, group) == [1, 3]


def test_unknown_operator_is_ignored_like_the_live_api(store: Store, meta: TenantMetadata) -> None:
    assert ids(store, cond("ne", "status", 1)) == [1, 2, 3, 5, 8]
    assert ids(store, cond("ne", "status", 1), cond("eq", "status", 5)) == [2]
    # inside an OR the unknown clause drops out of the group instead of matching everything
    assert ids(store, cond("or", items=[cond("like", "title", "x"), cond("eq", "id", 3)])) == [3]
    strict = make_store(meta, unknown_operator="error")
    assert error_of(strict.query, "Tickets", {"filter": [cond("ne", "status", 1)]}) == [
        "Invalid query syntax. Unknown operator 'ne'."
    ]


def test_unknown_field_uses_the_legacy_entity_name(store: Store) -> None:
    assert error_of(store.query, "TimeEntries", {"filter": [cond("eq", "projectID", 1)]}) == [
        "Unable to find projectID in the TimeEntry Entity"
    ]
    assert error_of(store.count, "Tickets", {"filter": [cond("exist", "nope")]}) == [
        "Unable to find nope in the Ticket Entity"
    ]
    assert error_of(store.query, "Tickets", {"filter": [cond("exist", "userDefinedFields")]}) == [
        "Unable to find userDefinedFields in the Ticket Entity"
    ]


@pytest.mark.parametrize("value", [1, 0, None, "yes", [True]])
def test_boolean_values_must_be_true_or_false(store: Store, value) -> None:
    condition = {"op": "eq", "field": "isVisibleToComanaged", "value": value}
    messages = error_of(store.query, "Tickets", {"filter": [condition]})
    assert messages == ["Invalid value for isVisibleToComanaged: you must specify either true or false."]


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        (cond("gt", "createDate", "last tuesday"), "String was not recognized as a valid DateTime."),
        (cond("eq", "priority", "high"), "Input string was not in a correct format."),
        (cond("in", "status", 5), "Invalid query syntax. The 'in' operator requires an array value."),
    ],
)
def test_values_that_do_not_convert_are_errors(store: Store, condition: dict, message: str) -> None:
    assert error_of(store.query, "Tickets", {"filter": [condition]})[0].startswith(message)


def test_null_comparison_values_match_nothing(store: Store) -> None:
    assert ids(store, {"op": "eq", "field": "status", "value": None}) == []
    assert ids(store, {"op": "noteq", "field": "status", "value": None}) == []
    assert ids(store, cond("in", "status", [None, 8])) == [3]


def test_noteq_can_be_switched_to_match_nulls(meta: TenantMetadata) -> None:
    lenient = make_store(meta, noteq_matches_null=True)
    assert ids(lenient, cond("noteq", "status", 1)) == [2, 3, 5]
    assert ids(lenient, cond("notIn", "title", ["vpn down"])) == [1, 2, 5, 8]


# ----------------------------------------------------------------------------------------------- UDFs
def test_udf_filters_compare_by_the_udf_type(store: Store) -> None:
    score = "Customer Impact Score"  # a double UDF: "10" > "9" numerically, not as text
    assert ids(store, cond("gt", score, 9, udf=True)) == [2]
    assert ids(store, cond("gte", score, "9", udf=True)) == [1, 2]
    assert ids(store, cond("exist", score, udf=True)) == [1, 2]
    assert ids(store, cond("notExist", score, udf=True)) == [3, 5, 8]
    assert ids(store, cond("eq", "root cause", "USER ERROR", udf=True)) == [1, 8]
    assert ids(store, cond("contains", "Root Cause", "fig", udf="true")) == [3]
    assert ids(store, cond("lt", "Follow Up Date", "2024-02-02", udf=True)) == [1]
    same_udf_twice = [cond("gte", score, 9, udf=True), cond("lt", score, 10, udf=True)]
    assert ids(store, *same_udf_twice) == [1]


def test_a_second_udf_in_one_query_is_refused(store: Store) -> None:
    query = {"filter": [cond("exist", "Root Cause", udf=True),
                        cond("or", items=[cond("gt", "Customer Impact Score", 1, udf=True)])]}  # fmt: skip
    assert error_of(store.query, "Tickets", query) == [
        "Invalid query syntax. You can only query by one user-defined field at a time."
    ]


def test_unknown_udf_and_udf_on_entities_without_udfs(store: Store) -> None:
    assert error_of(store.query, "Tickets", {"filter": [cond("exist", "Shoe Size", udf=True)]}) == [
        "Unable to find Shoe Size in the Ticket Entity"
    ]
    assert error_of(store.query, "TimeEntries", {"filter": [cond("exist", "Root Cause", udf=True)]}) == [
        "Unable to find Root Cause in the TimeEntry Entity"
    ]


# -------------------------------------------------------------------------------------------- limits
def test_or_conditions_are_limited_to_500(store: Store) -> None:
    members = list(range(1, 501))
    assert ids(store, cond("in", "id", members)) == [1, 2, 3, 5, 8]
    message = ["Invalid query syntax. Queries are limited to 500 or fewer 'OR' conditions."]
    assert error_of(store.query, "Tickets", {"filter": [cond("in", "id", [*members, 501])]}) == message
    many_ors = cond("or", items=[cond("eq", "id", i) for i in range(501)])
    assert error_of(store.count, "Tickets", {"filter": [many_ors]}) == message
    # an OR group's children and IN members add up
    mixed = [
        cond("in", "status", list(range(300))),
        cond("or", items=[cond("eq", "id", i) for i in range(201)]),
    ]
    assert error_of(store.query, "Tickets", {"filter": mixed}) == message
    assert ids(
        store, cond("in", "status", list(range(300))), cond("or", items=[cond("eq", "id", 1)] * 200)
    ) == [1]


@pytest.mark.parametrize("value", [0, 501, -1, "abc", True, 2.5])
def test_max_records_outside_1_to_500_is_an_error(store: Store, value) -> None:
    query = {"filter": [cond("exist", "id")], "MaxRecords": value}
    assert error_of(store.query, "Tickets", query) == ["MaxRecords must be an integer between 1 and 500."]


def test_max_records_sets_the_page_size(store: Store) -> None:
    assert len(store.query("Tickets", {"filter": [cond("exist", "id")], "maxRecords": "2"}).items) == 2
    assert len(store.query("Tickets", {"filter": [cond("exist", "id")], "MaxRecords": 500}).items) == 5


def test_a_query_needs_a_filter_unless_switched(store: Store, meta: TenantMetadata) -> None:
    for query in ({}, {"filter": []}, {"MaxRecords": 10}):
        assert error_of(store.query, "Tickets", query) == ["The Filter field is required."]
    everything = make_store(meta, empty_filter="all")
    assert [r["id"] for r in everything.query("Tickets", {"filter": []}).items] == [1, 2, 3, 5, 8]
    assert everything.count("Tickets", {}) == 5


# ------------------------------------------------------------------------------------- IncludeFields
def test_include_fields_returns_only_those_fields_plus_id_and_udfs(store: Store) -> None:
    page = store.query("Tickets", {"filter": [cond("eq", "id", 1)], "IncludeFields": ["STATUS", "title"]})
    assert page.items == [{"id": 1, "status": 1, "title": "Printer broken", "userDefinedFields": []}]
    page = store.query(
        "Tickets", {"filter": [cond("eq", "id", 1)], "includeFields": ["Id", "customer impact score"]}
    )
    assert page.items == [{"id": 1, "userDefinedFields": [{"name": "Customer Impact Score", "value": "9"}]}]
    page = store.query("TimeEntries", {"filter": [cond("exist", "id")], "IncludeFields": ["hoursWorked"]})
    assert page.items == [{"id": 4, "hoursWorked": 1.0}]  # no userDefinedFields on a UDF-less entity
    full = store.query("Tickets", {"filter": [cond("eq", "id", 1)], "IncludeFields": []}).items[0]
    assert len(full) == len(load_models()["Tickets"]["fields"])


def test_unknown_include_field_is_an_error(store: Store) -> None:
    query = {"filter": [cond("exist", "id")], "IncludeFields": ["title", "colour"]}
    assert error_of(store.query, "Tickets", query) == ["Unable to find colour in the Ticket Entity"]


# ---------------------------------------------------------------------------------- seeded dataset
@pytest.fixture(scope="module")
def seeded(meta: TenantMetadata) -> Store:
    result = generate(meta, seed=1, tickets=300, now=NOW)
    store = Store(meta, lambda: NOW)
    store.load(result.tables)
    return store


def walk(store: Store, entity: str, query: dict, page_size: int) -> tuple[list[int], list[int]]:
    """Follow next_id to the end; returns (ids in order, first id of each page)."""
    seen: list[int] = []
    starts: list[int] = []
    start = None
    while True:
        page = store.query(entity, query, start_id=start, page_size=page_size)
        if page.items:
            starts.append(page.items[0]["id"])
        seen += [r["id"] for r in page.items]
        assert len(page.items) <= page_size
        if page.next_id is None:
            return seen, starts
        assert page.next_id > page.items[-1]["id"]
        start = page.next_id


@pytest.mark.parametrize("page_size", [1, 7, 100, 500])
@pytest.mark.parametrize(
    "filters",
    [
        [cond("gte", "id", 0)],
        [cond("eq", "status", 1)],
        [cond("or", items=[cond("eq", "priority", 1), cond("exist", "completedDate")])],
        [cond("contains", "title", "e"), cond("lt", "id", 200)],
    ],
)
def test_paging_covers_exactly_the_matching_ids_in_order(
    seeded: Store, filters: list, page_size: int
) -> None:
    query = {"filter": filters}
    seen, starts = walk(seeded, "Tickets", query, page_size)
    assert seen == sorted(set(seen))
    assert len(seen) == seeded.count("Tickets", query)
    everything, _ = walk(seeded, "Tickets", {"filter": [cond("exist", "id")]}, 500)
    assert everything == sorted(everything) and len(everything) == seeded.stats()["Tickets"]
    # previous_start walks the same pages backwards
    for earlier, later in zip(starts, starts[1:], strict=False):
        assert seeded.previous_start("Tickets", query, before_id=later, page_size=page_size) == earlier
    if starts:
        assert seeded.previous_start("Tickets", query, before_id=starts[0], page_size=page_size) is None


def test_filtered_results_match_a_brute_force_evaluation(seeded: Store) -> None:
    everything = seeded.query("Tickets", {"filter": [cond("exist", "id")]}, page_size=500).items
    rows = {r["id"]: r for r in everything}
    expected = [i for i, r in rows.items() if r["status"] == 1 and (r["priority"] or 0) >= 2]
    assert ids(seeded, cond("eq", "status", 1), cond("gte", "priority", 2)) == expected
    stamp = sorted(r["createDate"] for r in everything)[len(everything) // 2]
    assert ids(seeded, cond("gt", "createDate", stamp + "Z")) == [
        i for i, r in rows.items() if r["createDate"] > stamp
    ]


def test_records_carry_every_model_property_in_wire_form(seeded: Store) -> None:
    models = load_models()
    for entity in ("Tickets", "Companies", "Contacts", "TimeEntries", "TicketNotes", "Resources"):
        page = seeded.query(entity, {"filter": [cond("exist", "id")], "MaxRecords": 20})
        assert page.items, entity
        for record in page.items:
            assert set(record) == set(models[entity]["fields"]), entity
            assert "soapParentPropertyId" not in record
            for name, swagger_type in models[entity]["fields"].items():
                value = record[name]
                if swagger_type == "string:date-time" and value is not None:
                    assert WIRE_DATETIME.fullmatch(value), (entity, name, value)
            if models[entity]["hasUdfs"]:
                assert isinstance(record["userDefinedFields"], list)
                assert all(
                    u["value"] is None or isinstance(u["value"], str) for u in record["userDefinedFields"]
                )


# ---------------------------------------------------------------------------- indexed equality path
def test_indexed_equality_matches_a_scan_and_survives_writes(meta: TenantMetadata) -> None:
    size = INDEX_MIN_ROWS + 500
    rows = [{"id": i * 2, "companyID": i % 7, "status": 1 + i % 3, "title": f"t{i}"} for i in range(1, size)]
    store = Store(meta, lambda: NOW)
    store.load({"Tickets": rows})
    query = {"filter": [cond("eq", "companyID", 3)]}
    expected = [r["id"] for r in rows if r["companyID"] == 3]
    assert walk(store, "Tickets", query, 500)[0] == expected  # served from the companyID index
    assert store.count("Tickets", query) == len(expected)
    both = {"filter": [cond("eq", "companyID", 3), cond("eq", "status", 2), cond("gt", "id", 1000)]}
    assert walk(store, "Tickets", both, 50)[0] == [
        r["id"] for r in rows if r["companyID"] == 3 and r["status"] == 2 and r["id"] > 1000
    ]
    table = store._tables["Tickets"]  # the index must follow writes made after it was built
    pos = table.position(expected[0])
    moved = table.unpack(table.rows[pos])
    moved[table.column("companyID")] = 4
    table.replace(pos, moved)
    table.remove(table.position(expected[1]))
    assert walk(store, "Tickets", query, 500)[0] == expected[2:]
    assert store.count("Tickets", query) == len(expected) - 2
