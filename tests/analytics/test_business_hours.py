"""Business-hours edge cases, on small hand-made tenants written as Parquet exports.

Each expected number is worked out by hand in the test (the comment shows the arithmetic), so these
check the calendar SQL against arithmetic a reader can verify, not against another implementation.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("duckdb")

from py_autotask.analytics import open_source, response_times  # noqa: E402
from py_autotask.analytics.calendar import zone_from_label  # noqa: E402

UTC = timezone.utc
NOW = datetime(2026, 11, 1, tzinfo=UTC)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _write(folder: Path, name: str, rows: list[dict[str, Any]], types: dict[str, Any]) -> None:
    columns = {key: pa.array([row.get(key) for row in rows], types[key]) for key in types}
    pq.write_table(pa.table(columns), folder / f"{name}.parquet")


def _tenant(folder: Path, *, zone_label: str | None, hours: tuple[str, str] | None = ("08:00", "17:00"),
            holidays: list[date] = (), no_hours_on_holidays: bool = True) -> None:
    """A location with Mon-Fri business hours (or none), a holiday set, and the time-zone label picklist."""
    if zone_label is None:
        return
    ts = pa.timestamp("ms", tz="UTC")
    location: dict[str, Any] = {"id": 90682, "name": "Head Office", "isDefault": True, "timeZoneID": 12,
                                "holidaySetID": 3, "noHoursOnHolidays": no_hours_on_holidays}
    types: dict[str, Any] = {"id": pa.int64(), "name": pa.string(), "isDefault": pa.bool_(),
                             "timeZoneID": pa.int32(), "holidaySetID": pa.int32(), "noHoursOnHolidays": pa.bool_()}
    for day in ("sunday", "saturday", *WEEKDAYS):
        for edge in ("Start", "End"):
            field = f"{day}BusinessHours{edge}Time"
            types[field] = ts
            if hours and day in WEEKDAYS:
                location[field] = _utc(f"2020-01-01T{hours[0] if edge == 'Start' else hours[1]}")
    _write(folder, "InternalLocationWithBusinessHours", [location], types)
    _write(folder, "Holidays", [{"id": n + 1, "holidaySetID": 3, "holidayDate": _utc(f"{d}T00:00:00"),
                                 "holidayName": "Holiday"} for n, d in enumerate(holidays)],
           {"id": pa.int64(), "holidaySetID": pa.int32(), "holidayDate": ts, "holidayName": pa.string()})
    _write(folder, "picklist_values",
           [{"entity": "InternalLocationWithBusinessHours", "field": "timeZoneID", "value": "12",
             "label": zone_label, "is_active": True, "sort_order": 1}],
           {"entity": pa.string(), "field": pa.string(), "value": pa.string(), "label": pa.string(),
            "is_active": pa.bool_(), "sort_order": pa.int64()})


def _tickets(folder: Path, spans: list[tuple[str, str]]) -> None:
    """One ticket per (created, first response) pair, UTC; resolved one hour after the response."""
    ts = pa.timestamp("ms", tz="UTC")
    rows = []
    for n, (created, answered) in enumerate(spans):
        done = _utc(answered).replace(tzinfo=UTC)
        rows.append({"id": n + 1, "priority": n + 1, "createDate": _utc(created), "firstResponseDateTime": done,
                     "completedDate": done})
    _write(folder, "Tickets", rows, {"id": pa.int64(), "priority": pa.int32(), "createDate": ts,
                                     "firstResponseDateTime": ts, "completedDate": ts})


def _hours(folder: Path, **options: Any) -> list[float]:
    with open_source(folder, now=NOW, **options) as source:
        table = response_times(source, by="priority", since=date(2020, 1, 1), until=date(2026, 10, 31))
    by_priority = dict(zip(table.column("priority").to_pylist(), table.column("avg_first_response_hours").to_pylist(),
                           strict=True))
    return [by_priority[str(n + 1)] for n in range(len(by_priority))]


def test_weekend_and_overnight_hours_do_not_count(tmp_path: Path) -> None:
    # Sydney, 08:00-17:00 Mon-Fri, AEDT (UTC+11) in February.
    _tenant(tmp_path, zone_label="(GMT+10:00) Canberra, Melbourne, Sydney")
    _tickets(tmp_path, [
        # Fri 2026-02-06 16:00 local -> Mon 2026-02-09 09:00 local: Fri 1h + Mon 1h = 2h
        ("2026-02-06T05:00:00", "2026-02-08T22:00:00"),
        # Tue 16:30 local -> Wed 08:30 local (a non-working night between): 0.5h + 0.5h = 1h
        ("2026-02-10T05:30:00", "2026-02-10T21:30:00"),
        # Sat 10:00 -> Sun 15:00 local: a whole weekend, 0h
        ("2026-02-06T23:00:00", "2026-02-08T04:00:00"),
        # within one day, Mon 09:00 -> 12:15 local: 3.25h
        ("2026-02-08T22:00:00", "2026-02-09T01:15:00"),
    ])
    assert _hours(tmp_path) == [2.0, 1.0, 0.0, 3.25]


def test_holidays_have_no_hours_unless_the_location_says_otherwise(tmp_path: Path) -> None:
    # Mon 2026-01-26 (Australia Day) is a holiday: Fri 16:00 -> Tue 09:00 local is Fri 1h + Tue 1h.
    spans = [("2026-01-23T05:00:00", "2026-01-26T22:00:00")]
    closed = tmp_path / "closed"
    closed.mkdir()
    _tenant(closed, zone_label="Australia/Sydney", holidays=[date(2026, 1, 26)])
    _tickets(closed, spans)
    assert _hours(closed) == [2.0]
    # noHoursOnHolidays false and no holiday hours set: the holiday keeps its weekday's 9 hours.
    open_ = tmp_path / "open"
    open_.mkdir()
    _tenant(open_, zone_label="Australia/Sydney", holidays=[date(2026, 1, 26)], no_hours_on_holidays=False)
    _tickets(open_, spans)
    assert _hours(open_) == [11.0]


def test_daylight_saving_change_moves_the_window(tmp_path: Path) -> None:
    # Sydney leaves daylight saving on Sun 2026-04-05: 08:00 local is 21:00 UTC on Thu 2nd (AEDT, +11) but
    # 22:00 UTC on Mon 6th (AEST, +10). Both tickets are opened at the local start and answered 2h later
    # by the UTC clock, so they must both count exactly 2 business hours.
    _tenant(tmp_path, zone_label="AUS Eastern Standard Time")
    _tickets(tmp_path, [
        ("2026-04-01T21:00:00", "2026-04-01T23:00:00"),  # Thu 2 Apr 08:00-10:00 AEDT
        ("2026-04-05T22:00:00", "2026-04-06T00:00:00"),  # Mon 6 Apr 08:00-10:00 AEST
        # 21:00 UTC Sunday 5th = 07:00 AEST Monday: one hour before opening, so 2h UTC = 1 business hour
        ("2026-04-05T21:00:00", "2026-04-05T23:00:00"),
    ])
    assert _hours(tmp_path) == [2.0, 2.0, 1.0]


def test_a_tenant_without_business_hours_is_24x7(tmp_path: Path) -> None:
    spans = [("2026-02-06T05:00:00", "2026-02-08T22:00:00")]  # 65 hours of wall-clock time
    no_location = tmp_path / "none"
    no_location.mkdir()
    _tickets(no_location, spans)
    assert _hours(no_location) == [65.0]
    empty_week = tmp_path / "empty"
    empty_week.mkdir()
    _tenant(empty_week, zone_label="Australia/Sydney", hours=None)
    _tickets(empty_week, spans)
    assert _hours(empty_week) == [65.0]
    with open_source(empty_week, now=NOW) as source:
        assert source.calendar.always_open
        assert any("24x7" in note for note in source.calendar.notes)


@pytest.mark.parametrize(("label", "zone"), [
    ("Australia/Sydney", "Australia/Sydney"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("(GMT+10:00) Canberra, Melbourne, Sydney", "Australia/Sydney"),
    ("(GMT-05:00) Eastern Time (US & Canada)", "America/New_York"),
    ("(GMT+04:00) Somewhere Unlisted", "Etc/GMT-4"),
    ("no zone at all", "UTC"),
])
def test_time_zone_labels_resolve_to_iana_zones(label: str, zone: str) -> None:
    assert zone_from_label(label)[0].key == zone
