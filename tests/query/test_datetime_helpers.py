"""py_autotask._datetime: every response form Autotask is seen to send, and what goes back out."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from py_autotask._datetime import (
    UTC,
    format_datetime,
    iso_utc,
    parse_date_or_datetime,
    parse_datetime,
    to_epoch_ms,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-31T15:04:05.307", datetime(2024, 1, 31, 15, 4, 5, 307000, UTC)),
        ("2024-01-31T15:04:05", datetime(2024, 1, 31, 15, 4, 5, tzinfo=UTC)),
        ("2024-01-31T15:04:05Z", datetime(2024, 1, 31, 15, 4, 5, tzinfo=UTC)),
        ("2012-10-24T05:00:00.000Z", datetime(2012, 10, 24, 5, tzinfo=UTC)),
        ("2018-01-23T11:00:00.00Z", datetime(2018, 1, 23, 11, tzinfo=UTC)),
        ("2024-01-31T15:04:05.3", datetime(2024, 1, 31, 15, 4, 5, 300000, UTC)),
        ("2024-01-31T15:04:05.1234567", datetime(2024, 1, 31, 15, 4, 5, 123456, UTC)),
        ("2024-01-31T15:04:05.1234567Z", datetime(2024, 1, 31, 15, 4, 5, 123456, UTC)),
        ("2024-01-31T15:04:05.307+02:00", datetime(2024, 1, 31, 13, 4, 5, 307000, UTC)),
        ("2024-01-31T15:04:05-0530", datetime(2024, 1, 31, 20, 34, 5, tzinfo=UTC)),
        ("2024-01-31T15:04:05+01", datetime(2024, 1, 31, 14, 4, 5, tzinfo=UTC)),
        ("2024-01-31T00:30:00+00:00", datetime(2024, 1, 31, 0, 30, tzinfo=UTC)),
        ("2024-01-31 15:04", datetime(2024, 1, 31, 15, 4, tzinfo=UTC)),
        ("2024-01-31", datetime(2024, 1, 31, tzinfo=UTC)),
    ],
)
def test_parse_datetime_accepts_every_form(text: str, expected: datetime) -> None:
    parsed = parse_datetime(text)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "2024-13-01T00:00:00",
        "2024-01-31T15:04:05.abc",
        "2024-01-31T25:00",
        "2024-01-31T10:00+2",
    ],
)
def test_parse_datetime_rejects_garbage(text: str) -> None:
    with pytest.raises(ValueError, match="not an ISO 8601"):
        parse_datetime(text)


def test_fast_path_and_general_path_agree() -> None:
    # The 23-character Autotask form takes the fast path; the same instant with Z takes the other.
    assert parse_datetime("2024-02-29T23:59:59.999") == parse_datetime("2024-02-29T23:59:59.999Z")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2026, 1, 1, tzinfo=UTC), "2026-01-01T00:00:00Z"),
        (datetime(2026, 1, 1), "2026-01-01T00:00:00Z"),  # naive = UTC
        (datetime(2026, 1, 1, 1, tzinfo=timezone(timedelta(hours=1))), "2026-01-01T00:00:00Z"),
        (datetime(2026, 1, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5))), "2026-01-02T04:30:00Z"),
        (datetime(2026, 1, 1, 10, 0, 0, 307000), "2026-01-01T10:00:00.307Z"),
        (datetime(2026, 1, 1, 10, 0, 0, 999999), "2026-01-01T10:00:00.999Z"),  # truncated, not rounded up
        (datetime(2026, 1, 1, 10, 0, 0, 500), "2026-01-01T10:00:00Z"),
        (date(2026, 3, 4), "2026-03-04T00:00:00Z"),
    ],
)
def test_format_datetime(value: datetime, expected: str) -> None:
    assert format_datetime(value) == expected


def test_format_datetime_refuses_other_types() -> None:
    with pytest.raises(TypeError):
        format_datetime("2026-01-01")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-01", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T10:00", datetime(2026, 1, 1, 10, tzinfo=UTC)),
        ("2026-01-01 10:00:30", datetime(2026, 1, 1, 10, 0, 30, tzinfo=UTC)),
        ("2026-01-01T10:00:00+02:00", datetime(2026, 1, 1, 8, tzinfo=UTC)),
        (" 2026-01-01T10:00Z ", datetime(2026, 1, 1, 10, tzinfo=UTC)),
    ],
)
def test_parse_date_or_datetime(text: str, expected: datetime) -> None:
    assert parse_date_or_datetime(text) == expected


def test_parse_date_or_datetime_errors() -> None:
    with pytest.raises(ValueError, match="not a date"):
        parse_date_or_datetime("2026-02-30")
    with pytest.raises(ValueError):
        parse_date_or_datetime("next week")


def test_round_trip_and_epoch() -> None:
    for text in ("2024-01-31T15:04:05.307", "1999-12-31T23:59:59", "2038-01-19T03:14:08.001"):
        assert parse_datetime(format_datetime(parse_datetime(text))) == parse_datetime(text)
    assert iso_utc("2024-01-31T15:04:05.307") == "2024-01-31T15:04:05.307Z"
    assert iso_utc("2024-01-31T15:04:05.000") == "2024-01-31T15:04:05Z"
    assert to_epoch_ms("1970-01-01T00:00:01.5") == 1500
    assert to_epoch_ms("1969-12-31T23:59:59.999Z") == -1
    assert to_epoch_ms(datetime(1970, 1, 2)) == 86_400_000
    assert to_epoch_ms(date(1970, 1, 2)) == 86_400_000
