"""The second path: every metric recomputed in plain Python from the records the API returned.

Nothing here imports py_autotask.analytics: the calendar, periods, business hours and each formula of
docs/metrics.md are written again, directly and slowly, over lists of dicts, so an error in the SQL
(or in the calendar code) shows up as a disagreement.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

UTC = timezone.utc
# The time-zone labels the seeded tenants use, as a person reading Autotask's list would map them.
ZONES = {"(GMT+10:00) Canberra, Melbourne, Sydney": "Australia/Sydney", "Australia/Sydney": "Australia/Sydney"}
NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def instant(text: str | None) -> datetime | None:
    """An API date-time string as an aware UTC datetime."""
    if not text:
        return None
    text = text.rstrip("Z")
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def day_of(text: str | None) -> date | None:
    """A date-only API value (midnight, no zone) as the calendar day it names."""
    return None if not text else date.fromisoformat(text[:10])


class Calendar:
    """Zone, weekly hours and holidays of the tenant, straight from its records."""

    def __init__(self, records: dict[str, list[dict[str, Any]]], labels: dict[tuple[str, str], dict[str, str]]):
        locations = sorted(records.get("InternalLocationWithBusinessHours", []),
                           key=lambda r: (not r.get("isDefault"), r["id"]))
        self.tz = ZoneInfo("UTC")
        self.hours: dict[int, tuple[time, time]] = {}
        self.holidays: set[date] = set()
        self.no_hours_on_holidays = True
        if locations:
            location = locations[0]
            label = labels[("InternalLocationWithBusinessHours", "timeZoneID")].get(str(location.get("timeZoneID")))
            self.tz = ZoneInfo(ZONES[label]) if label else ZoneInfo("UTC")
            for weekday, name in enumerate(NAMES):
                start = instant(location.get(f"{name}BusinessHoursStartTime"))
                end = instant(location.get(f"{name}BusinessHoursEndTime"))
                if start and end:
                    self.hours[weekday] = (start.time(), end.time())
            self.holidays = {day_of(h["holidayDate"]) for h in records.get("Holidays", [])
                             if h.get("holidaySetID") == location.get("holidaySetID")}
            self.no_hours_on_holidays = location.get("noHoursOnHolidays") is not False

    def business_hours(self, start: datetime, end: datetime) -> float:
        """Business hours between two instants: the overlap with each local day's window, summed."""
        if not self.hours:
            return (end - start).total_seconds() / 3600
        total = 0.0
        day = start.astimezone(self.tz).date() - timedelta(days=1)
        while day <= end.astimezone(self.tz).date() + timedelta(days=1):
            hours = self.hours.get(day.weekday())
            if hours and not (day in self.holidays and self.no_hours_on_holidays):
                opens = datetime.combine(day, hours[0], self.tz)
                closes = (datetime.combine(day, hours[1], self.tz) if hours[1] > hours[0]
                          else datetime.combine(day + timedelta(days=1), time(0), self.tz))
                overlap = min(end, closes) - max(start, opens)
                total += max(0.0, overlap.total_seconds())
            day += timedelta(days=1)
        return total / 3600

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)


def default_range(cal: Calendar, now: datetime) -> tuple[date, date, datetime, datetime]:
    """First of the month eleven months back .. today, local; and the UTC instants bounding it."""
    today = cal.local(now).date()
    months = today.year * 12 + today.month - 1 - 11
    since = date(months // 12, months % 12 + 1, 1)
    start = datetime.combine(since, time(0), cal.tz).astimezone(UTC)
    end = datetime.combine(today + timedelta(days=1), time(0), cal.tz).astimezone(UTC)
    return since, today, start, end


def month(cal: Calendar, moment: datetime) -> str:
    return cal.local(moment).strftime("%Y-%m")


def avg(values: Iterable[float]) -> float | None:
    items = list(values)
    return round(sum(items) / len(items), 2) if items else None


def med(values: Iterable[float]) -> float | None:
    items = list(values)
    return round(statistics.median(items), 2) if items else None


def pct(flags: Iterable[bool | None]) -> float | None:
    known = [f for f in flags if f is not None]
    return round(100.0 * sum(1 for f in known if f) / len(known), 2) if known else None


def grouped(rows: Iterable[tuple[Any, Any]]) -> dict[Any, list[Any]]:
    out: dict[Any, list[Any]] = defaultdict(list)
    for key, value in rows:
        out[key].append(value)
    return out


def label(labels: dict[str, str], value: Any) -> str:
    return "(none)" if value is None else labels.get(str(value), str(value))


def resource_name(records: dict[str, list[dict[str, Any]]], resource_id: Any) -> str:
    for r in records["Resources"]:
        if r["id"] == resource_id:
            return f"{r.get('firstName') or ''} {r.get('lastName') or ''}".strip()
    return "(none)" if resource_id is None else str(resource_id)
