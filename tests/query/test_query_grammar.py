"""The command-line filter grammar: what it accepts, how it types values, and where errors point."""

from __future__ import annotations

import re

import pytest

from py_autotask._exceptions import QuerySyntaxError
from py_autotask.query import F, build_filter, parse_filter


def test_the_issue_example() -> None:
    text = "status=1 and (priority in (1,2) or title~printer) and dueDateTime>=2026-01-01"
    assert build_filter(text) == [
        {"op": "eq", "field": "status", "value": 1},
        {
            "op": "or",
            "items": [
                {"op": "in", "field": "priority", "value": [1, 2]},
                {"op": "contains", "field": "title", "value": "printer"},
            ],
        },
        {"op": "gte", "field": "dueDateTime", "value": "2026-01-01T00:00:00Z"},
    ]


def test_the_grammar_and_the_builder_agree() -> None:
    text = "status=1 and (priority in (1,2) or title~printer)"
    assert build_filter(text) == build_filter(
        (F.status == 1) & (F.priority.in_([1, 2]) | F.title.contains("printer"))
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a=1", {"op": "eq", "field": "a", "value": 1}),
        ("a == 1", {"op": "eq", "field": "a", "value": 1}),
        ("a!=1", {"op": "noteq", "field": "a", "value": 1}),
        ("a<>1", {"op": "noteq", "field": "a", "value": 1}),
        ("a<1", {"op": "lt", "field": "a", "value": 1}),
        ("a<=1", {"op": "lte", "field": "a", "value": 1}),
        ("a>1", {"op": "gt", "field": "a", "value": 1}),
        ("a>=1", {"op": "gte", "field": "a", "value": 1}),
        ("a~x", {"op": "contains", "field": "a", "value": "x"}),
        ("a^=x", {"op": "beginsWith", "field": "a", "value": "x"}),
        ("a$=x", {"op": "endsWith", "field": "a", "value": "x"}),
        ("a in (1, 2, 3)", {"op": "in", "field": "a", "value": [1, 2, 3]}),
        ("a IN (1,2,)", {"op": "in", "field": "a", "value": [1, 2]}),
        ("a not in (x,'y z')", {"op": "notIn", "field": "a", "value": ["x", "y z"]}),
        ("a exists", {"op": "exist", "field": "a"}),
        ("a not exists", {"op": "notExist", "field": "a"}),
        ("a is null", {"op": "notExist", "field": "a"}),
        ("a IS NOT NULL", {"op": "exist", "field": "a"}),
        ("a = null", {"op": "notExist", "field": "a"}),
        ("a != null", {"op": "exist", "field": "a"}),
        ("a = 'null'", {"op": "eq", "field": "a", "value": "null"}),
    ],
)
def test_each_operator(text: str, expected: dict) -> None:
    assert build_filter(text) == [expected]


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ("1", 1),
        ("-12", -12),
        ("1.5", 1.5),
        ("-2.5e3", -2500.0),
        ("true", True),
        ("FALSE", False),
        ("hello", "hello"),
        ('"hello world"', "hello world"),
        ('"12"', "12"),
        ("2026-01-01", "2026-01-01T00:00:00Z"),
        ("2026-01-01T10:00", "2026-01-01T10:00:00Z"),
        ("2026-01-01T10:00:00+02:00", "2026-01-01T08:00:00Z"),
        ("2026-01-01T10:00:00.5Z", "2026-01-01T10:00:00.500Z"),
        ("v1.2-beta", "v1.2-beta"),
    ],
)
def test_values_without_field_types_are_typed_by_look(literal: str, value: object) -> None:
    assert build_filter(f"x={literal}")[0]["value"] == value


def test_string_operators_always_send_text() -> None:
    assert build_filter("title~123")[0]["value"] == "123"
    assert build_filter("title^=true")[0]["value"] == "true"


def test_quoted_strings_and_escapes() -> None:
    assert build_filter(r'title="say \"hi\" \\ now"')[0]["value"] == 'say "hi" \\ now'
    assert build_filter(r"title='O\'Brien'")[0]["value"] == "O'Brien"
    assert build_filter("""title="O'Brien" """)[0]["value"] == "O'Brien"
    assert build_filter(r'title="a\tb\nc"')[0]["value"] == "a\tb\nc"
    assert build_filter('title="and or ( ) = ~"')[0]["value"] == "and or ( ) = ~"


def test_precedence_and_binds_tighter_than_or() -> None:
    assert build_filter("a=1 or b=2 and c=3") == [
        {
            "op": "or",
            "items": [
                {"op": "eq", "field": "a", "value": 1},
                {
                    "op": "and",
                    "items": [{"op": "eq", "field": "b", "value": 2}, {"op": "eq", "field": "c", "value": 3}],
                },
            ],
        }
    ]


def test_keywords_are_case_insensitive_and_parentheses_nest() -> None:
    assert build_filter("((a=1)) AND (b=2 OR (c=3 Or d=4))") == build_filter(
        (F.a == 1) & ((F.b == 2) | (F.c == 3) | (F.d == 4))
    )


def test_udf_field_syntax() -> None:
    expected = {"op": "eq", "field": "Customer Ranking", "value": "Gold", "udf": True}
    assert build_filter('udf:"Customer Ranking"=Gold') == [expected]
    assert build_filter("UDF:'Customer Ranking' = Gold") == [expected]
    assert build_filter("udf:Ranking>5") == [{"op": "gt", "field": "Ranking", "value": 5, "udf": True}]


def test_blank_text_means_all_records() -> None:
    assert parse_filter("   ") is None
    assert build_filter("") == [{"op": "gte", "field": "id", "value": 0}]


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ("status", 6, "expected an operator"),
        ("status 1", 7, "expected an operator"),
        ("status=", 7, "expected a value"),
        ("status=1 and", 12, "expected a field name"),
        ("status=1 priority=2", 9, "expected 'and', 'or'"),
        ("(status=1", 9, "expected ')' to close the '(' at column 1"),
        ("status=1)", 8, "unexpected ')'"),
        ('title="abc', 6, "unterminated quoted string"),
        (r'title="a\qb"', 8, "unknown escape"),
        ("status!1", 6, "'!' must be followed by '='"),
        ("status in 1", 10, "expected '(' to start"),
        ("status in ()", 11, "expected a value"),
        ("status in (1 2)", 13, "expected ',' or ')'"),
        ("not status=1", 0, "no NOT"),
        ("status not 1", 11, "expected 'in' or 'exists'"),
        ("status is 1", 10, "expected 'null'"),
        ("status > null", 9, "null can only be compared"),
        ("1abc=2", 0, "not a field name"),
        ("a=1 and and b=2", 8, "expected a field name"),
        ("udf:=1", 0, "expected a UDF name"),
        ("x=2026-13-01", 2, "not a date/time"),
    ],
)
def test_errors_point_at_the_offending_column(text: str, position: int, message: str) -> None:
    with pytest.raises(QuerySyntaxError, match=re.escape(message)) as caught:
        build_filter(text)
    assert caught.value.position == position
    assert caught.value.text == text
    assert str(caught.value).splitlines()[-1] == "  " + " " * position + "^"


def test_deep_nesting_is_bounded() -> None:
    with pytest.raises(QuerySyntaxError, match="nested deeper"):
        build_filter("(" * 100 + "a=1" + ")" * 100)
