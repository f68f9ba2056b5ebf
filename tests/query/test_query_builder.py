"""The F builder: every Autotask operator, groups, UDFs, and the mistakes it refuses."""

from __future__ import annotations

import copy
import pickle
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from py_autotask._exceptions import QuerySyntaxError
from py_autotask.query import OPERATORS, Condition, F, Field, Group, build_filter


def one(expr: object) -> dict:
    built = build_filter(expr)
    assert len(built) == 1
    return built[0]


def test_the_thirteen_operators_are_exactly_autotasks() -> None:
    assert OPERATORS == {
        "eq", "noteq", "gt", "gte", "lt", "lte", "beginsWith", "endsWith", "contains",
        "exist", "notExist", "in", "notIn",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (F.status == 1, {"op": "eq", "field": "status", "value": 1}),
        (F.status != 1, {"op": "noteq", "field": "status", "value": 1}),
        (F.priority > 2, {"op": "gt", "field": "priority", "value": 2}),
        (F.priority >= 2, {"op": "gte", "field": "priority", "value": 2}),
        (F.priority < 2, {"op": "lt", "field": "priority", "value": 2}),
        (F.priority <= 2, {"op": "lte", "field": "priority", "value": 2}),
        (F.title.begins_with("Print"), {"op": "beginsWith", "field": "title", "value": "Print"}),
        (F.title.ends_with("jam"), {"op": "endsWith", "field": "title", "value": "jam"}),
        (F.title.contains("printer"), {"op": "contains", "field": "title", "value": "printer"}),
        (F.dueDateTime.exists(), {"op": "exist", "field": "dueDateTime"}),
        (F.dueDateTime.not_exists(), {"op": "notExist", "field": "dueDateTime"}),
        (F.queueID.in_([5, 8]), {"op": "in", "field": "queueID", "value": [5, 8]}),
        (F.queueID.not_in((5, 8)), {"op": "notIn", "field": "queueID", "value": [5, 8]}),
    ],
)
def test_each_operator(expr: Condition, expected: dict) -> None:
    assert one(expr) == expected


def test_reversed_comparison_uses_the_mirrored_operator() -> None:
    assert one(5 < F.priority) == {"op": "gt", "field": "priority", "value": 5}


def test_none_means_empty() -> None:
    assert one(F.contactID == None) == {"op": "notExist", "field": "contactID"}  # noqa: E711
    assert one(F.contactID != None) == {"op": "exist", "field": "contactID"}  # noqa: E711


def test_and_or_groups_nest_and_flatten() -> None:
    expr = (F.status == 1) & ((F.priority == 1) | F.queue_id.in_([5, 8]) | F.title.contains("x")) & (F.id > 0)
    assert build_filter(expr) == [
        {"op": "eq", "field": "status", "value": 1},
        {
            "op": "or",
            "items": [
                {"op": "eq", "field": "priority", "value": 1},
                {"op": "in", "field": "queueId", "value": [5, 8]},
                {"op": "contains", "field": "title", "value": "x"},
            ],
        },
        {"op": "gt", "field": "id", "value": 0},
    ]


def test_a_top_level_or_is_one_entry() -> None:
    assert build_filter((F.a == 1) | (F.b == 2)) == [
        {
            "op": "or",
            "items": [{"op": "eq", "field": "a", "value": 1}, {"op": "eq", "field": "b", "value": 2}],
        }
    ]


def test_and_inside_or_stays_a_group() -> None:
    built = build_filter((F.a == 1) | ((F.b == 2) & (F.c == 3)))
    assert built[0]["items"][1] == {
        "op": "and",
        "items": [{"op": "eq", "field": "b", "value": 2}, {"op": "eq", "field": "c", "value": 3}],
    }


def test_udf_condition() -> None:
    assert one(F.udf("Customer Ranking") == "Gold") == {
        "op": "eq",
        "field": "Customer Ranking",
        "value": "Gold",
        "udf": True,
    }


def test_item_access_for_any_name() -> None:
    assert one(F["dueDateTime"] >= date(2026, 1, 1)) == {
        "op": "gte",
        "field": "dueDateTime",
        "value": "2026-01-01T00:00:00Z",
    }


def test_datetimes_go_out_in_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert one(F.d > datetime(2026, 1, 1, 2, 0, tzinfo=plus_two))["value"] == "2026-01-01T00:00:00Z"
    assert one(F.d > datetime(2026, 1, 1, 10, 30, 5, 250000))["value"] == "2026-01-01T10:30:05.250Z"


def test_decimal_values_become_json_numbers() -> None:
    assert one(F.estimatedHours > Decimal("1.5"))["value"] == 1.5
    assert one(F.estimatedHours > Decimal("2"))["value"] == 2


def test_snake_case_without_metadata_becomes_camel_case() -> None:
    assert one(F.due_date_time.exists())["field"] == "dueDateTime"
    assert one(F.company_id == 3)["field"] == "companyId"


def test_unknown_operator_cannot_be_built() -> None:
    with pytest.raises(QuerySyntaxError, match="unknown operator 'ne'"):
        Condition("ne", "status", 1)
    with pytest.raises(QuerySyntaxError, match="unknown group operator"):
        Group("xor", (F.a == 1,))


def test_python_and_or_not_are_refused() -> None:
    with pytest.raises(TypeError, match="combine filters with &"):
        (F.a == 1) and (F.b == 2)  # noqa: B015, B018
    with pytest.raises(TypeError):
        1 < F.priority < 3  # noqa: B015, B018
    with pytest.raises(TypeError):
        not (F.a == 1)  # noqa: B015, B018


def test_invert_only_flips_exists() -> None:
    assert one(~F.contactID.exists()) == {"op": "notExist", "field": "contactID"}
    assert one(~F.contactID.not_exists()) == {"op": "exist", "field": "contactID"}
    with pytest.raises(QuerySyntaxError, match="no NOT operator"):
        ~(F.status == 1)  # noqa: B018
    with pytest.raises(QuerySyntaxError, match="no NOT operator"):
        ~((F.a == 1) & (F.b == 2))  # noqa: B018


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: F.a.in_([]), "at least one value"),
        (lambda: F.a.in_("abc"), "list of values"),
        (lambda: F.a.in_([1, None]), "not a filter value"),
        (lambda: F.a > None, "needs a value"),
        (lambda: F.a.contains(5), "needs a string"),
        (lambda: F.a == [1, 2], "not a filter value"),
        (lambda: F.a == {"x": 1}, "not a filter value"),
        (lambda: F.a == float("nan"), "NaN"),
        (lambda: F.a == F.b, "cannot compare one field with another"),
        (lambda: Field(""), "non-empty"),
    ],
)
def test_bad_values_are_refused(make, message: str) -> None:
    with pytest.raises(QuerySyntaxError, match=message):
        make()


def test_combining_with_something_else_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        (F.a == 1) & "b=2"  # type: ignore[operator]


def test_a_bare_field_is_not_a_filter() -> None:
    with pytest.raises(QuerySyntaxError, match="is a field, not a condition"):
        build_filter(F.status)


def test_in_accepts_any_iterable() -> None:
    assert one(F.id.in_(range(3)))["value"] == [0, 1, 2]
    assert one(F.id.in_(x for x in (4, 5)))["value"] == [4, 5]


def test_expressions_are_immutable_values() -> None:
    expr = (F.a == 1) & F.b.in_([1, 2])
    assert expr == (F.a == 1) & F.b.in_([1, 2])
    assert hash(expr) == hash((F.a == 1) & F.b.in_([1, 2]))
    assert copy.deepcopy(expr) == expr
    assert pickle.loads(pickle.dumps(expr)) == expr


def test_private_attributes_are_not_fields() -> None:
    with pytest.raises(AttributeError):
        F._private  # noqa: B018
    assert repr(F.udf("X Y")) == "F.udf('X Y')"
    assert repr(F["id"]) == "F['id']"
