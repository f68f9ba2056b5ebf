"""The tenant's calendar: time zone, business hours per weekday and holidays, and business-hour arithmetic.

Autotask keeps it on ``InternalLocationWithBusinessHours`` (the default location, ``isDefault``): a start
and end time per weekday (``mondayBusinessHoursStartTime`` ...; only the time of day counts, read as wall
time in the location's zone), ``timeZoneID`` (a picklist), ``holidaySetID`` → ``Holidays.holidayDate``,
and ``noHoursOnHolidays`` (true: a holiday has no business hours; false: it has the location's holiday
hours, ``holidayHoursStartTime``/``EndTime``, or the weekday's hours when those are empty).

Documented choices:

* No location, or one with no hours on any weekday → **24×7**: every hour is a business hour.
* An end time at or before the start time (``00:00`` typically) means the window runs to midnight.
* The zone is the ``timeZoneID`` label resolved to an IANA zone (an IANA name, a Windows zone id, or
  a display label such as ``(GMT+10:00) Canberra, Melbourne, Sydney``); an unrecognised label falls back to
  the fixed offset in its ``(GMT±hh:mm)`` prefix, else UTC. ``tz=`` / ``--tz`` overrides all of it.

Business time between two instants is computed in SQL from a table of the calendar's windows cut into UTC
days, with a running total (:func:`register_windows`): a million tickets need an equality join per
instant, not a loop and not a range join.
Windows are built day by day in the zone, so daylight-saving changes move them as the clocks move.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from .source import Source

__all__ = ["TenantCalendar", "business_seconds_sql", "load_calendar", "register_windows", "zone_from_label"]

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")  # date.weekday()

# Windows zone ids and the cities of Windows/Autotask display labels → IANA (the common MSP markets).
_WINDOWS = {
    "AUS Eastern Standard Time": "Australia/Sydney", "E. Australia Standard Time": "Australia/Brisbane",
    "Cen. Australia Standard Time": "Australia/Adelaide", "AUS Central Standard Time": "Australia/Darwin",
    "W. Australia Standard Time": "Australia/Perth", "Tasmania Standard Time": "Australia/Hobart",
    "New Zealand Standard Time": "Pacific/Auckland", "GMT Standard Time": "Europe/London",
    "Greenwich Standard Time": "Atlantic/Reykjavik", "W. Europe Standard Time": "Europe/Berlin",
    "Romance Standard Time": "Europe/Paris", "Central Europe Standard Time": "Europe/Budapest",
    "Central European Standard Time": "Europe/Warsaw", "E. Europe Standard Time": "Europe/Chisinau",
    "FLE Standard Time": "Europe/Kiev", "South Africa Standard Time": "Africa/Johannesburg",
    "India Standard Time": "Asia/Kolkata", "Singapore Standard Time": "Asia/Singapore",
    "China Standard Time": "Asia/Shanghai", "Tokyo Standard Time": "Asia/Tokyo",
    "Eastern Standard Time": "America/New_York", "Central Standard Time": "America/Chicago",
    "Mountain Standard Time": "America/Denver", "US Mountain Standard Time": "America/Phoenix",
    "Pacific Standard Time": "America/Los_Angeles", "Alaskan Standard Time": "America/Anchorage",
    "Hawaiian Standard Time": "Pacific/Honolulu", "Atlantic Standard Time": "America/Halifax",
    "Newfoundland Standard Time": "America/St_Johns", "UTC": "UTC", "Coordinated Universal Time": "UTC",
}
_CITIES = {
    "sydney": "Australia/Sydney", "melbourne": "Australia/Melbourne", "canberra": "Australia/Sydney",
    "brisbane": "Australia/Brisbane", "adelaide": "Australia/Adelaide", "darwin": "Australia/Darwin",
    "perth": "Australia/Perth", "hobart": "Australia/Hobart", "auckland": "Pacific/Auckland",
    "wellington": "Pacific/Auckland", "london": "Europe/London", "dublin": "Europe/Dublin",
    "amsterdam": "Europe/Amsterdam", "berlin": "Europe/Berlin", "paris": "Europe/Paris",
    "brussels": "Europe/Brussels", "madrid": "Europe/Madrid", "johannesburg": "Africa/Johannesburg",
    "eastern time": "America/New_York", "central time": "America/Chicago", "mountain time": "America/Denver",
    "arizona": "America/Phoenix", "pacific time": "America/Los_Angeles", "alaska": "America/Anchorage",
    "hawaii": "Pacific/Honolulu", "atlantic time": "America/Halifax", "newfoundland": "America/St_Johns",
    "singapore": "Asia/Singapore", "tokyo": "Asia/Tokyo", "mumbai": "Asia/Kolkata", "kolkata": "Asia/Kolkata",
}
_OFFSET = re.compile(r"\((?:GMT|UTC)\s*([+-])(\d{1,2}):(\d{2})\)")


def zone_from_label(label: str) -> tuple[ZoneInfo, str]:
    """The IANA zone a time-zone picklist label names, and how it was recognised."""
    text = label.strip()
    try:
        return ZoneInfo(text), "IANA name"
    except (ZoneInfoNotFoundError, ValueError):
        pass
    if text in _WINDOWS:
        return ZoneInfo(_WINDOWS[text]), "Windows zone id"
    lowered = text.lower()
    for city, zone in _CITIES.items():
        if city in lowered:
            return ZoneInfo(zone), f"city {city!r} in the label"
    match = _OFFSET.search(text)
    if match and match.group(3) == "00":
        hours = int(match.group(2))
        # Etc/GMT signs are inverted (POSIX): UTC+10 is Etc/GMT-10. A fixed offset knows no DST.
        name = "Etc/GMT" if hours == 0 else f"Etc/GMT{'-' if match.group(1) == '+' else '+'}{hours}"
        return ZoneInfo(name), "fixed offset from the label (no daylight saving)"
    return ZoneInfo("UTC"), "unrecognised label, UTC used"


@dataclass
class TenantCalendar:
    """The tenant's zone, weekly business hours (None = 24×7) and holidays."""

    tz: ZoneInfo
    hours: dict[int, tuple[time, time]] | None  # date.weekday() -> (start, end); a missing day is closed
    holidays: frozenset[date] = frozenset()
    no_hours_on_holidays: bool = True
    holiday_hours: tuple[time, time] | None = None
    notes: list[str] = field(default_factory=list)  # where each part came from, for reports

    @property
    def zone_name(self) -> str:
        """The IANA name of the zone (for SQL's ``timezone()``)."""
        return self.tz.key

    @property
    def always_open(self) -> bool:
        """24×7: no business hours were configured."""
        return self.hours is None

    def day_window(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's business window as aware UTC datetimes, or None when closed."""
        if self.hours is None:
            return None
        hours: tuple[time, time] | None = self.hours.get(day.weekday())
        if day in self.holidays:
            hours = None if self.no_hours_on_holidays else (self.holiday_hours or hours)
        if hours is None:
            return None
        start = datetime.combine(day, hours[0], self.tz)
        end_day = day + timedelta(days=1) if hours[1] <= hours[0] else day
        end = datetime.combine(end_day, hours[1] if end_day == day else time(0), self.tz)
        return start.astimezone(timezone.utc), end.astimezone(timezone.utc)

    def windows(self, first: date, last: date) -> list[tuple[datetime, datetime]]:
        """Every business window from ``first`` to ``last`` (inclusive), in UTC, ascending."""
        found = []
        day = first
        while day <= last:
            window = self.day_window(day)
            if window is not None:
                found.append(window)
            day += timedelta(days=1)
        return found


def load_calendar(source: Source, override: str | tzinfo | None = None) -> TenantCalendar:
    """The tenant's calendar from the source (24×7 in UTC when it holds no business-hours location)."""
    notes: list[str] = []
    rows = []
    if source.has("internal_location_with_business_hours"):
        columns = ", ".join(
            f"{day}_business_hours_start_time, {day}_business_hours_end_time" for day in _WEEKDAYS)
        rows = source.rows(
            f"SELECT id, name, time_zone_id, holiday_set_id, no_hours_on_holidays, holiday_hours_start_time, "
            f"holiday_hours_end_time, {columns} FROM internal_location_with_business_hours "
            "ORDER BY coalesce(is_default, FALSE) DESC, id LIMIT 1")
    tz: ZoneInfo = ZoneInfo("UTC")
    if not rows:
        notes.append("no InternalLocationWithBusinessHours: business hours are 24x7")
        calendar = TenantCalendar(tz, None, notes=notes)
    else:
        (location_id, name, zone_id, holiday_set, no_hours, holiday_start, holiday_end, *times) = rows[0]
        if zone_id is not None:
            label = source.rows(
                "SELECT label FROM picklist_values WHERE entity = 'InternalLocationWithBusinessHours' "
                "AND field = 'timeZoneID' AND value = ?", [str(zone_id)])
            tz, how = zone_from_label(label[0][0]) if label else (ZoneInfo("UTC"), "no label for it, UTC used")
            notes.append(f"time zone {tz.key} (timeZoneID {zone_id}: {how})")
        hours: dict[int, tuple[time, time]] = {}
        for weekday in range(7):
            start, end = times[2 * weekday], times[2 * weekday + 1]
            if start is not None and end is not None:
                hours[weekday] = (start.time(), end.time())
        holidays: frozenset[date] = frozenset()
        if holiday_set is not None and source.has("holidays"):
            holidays = frozenset(day for (day,) in source.rows(
                "SELECT holiday_date FROM holidays WHERE holiday_set_id = ? AND holiday_date IS NOT NULL",
                [holiday_set]))
        holiday_hours = (holiday_start.time(), holiday_end.time()) if holiday_start and holiday_end else None
        if not hours:
            notes.append(f"location {name!r} (id {location_id}) has no business hours: 24x7")
        else:
            notes.append(f"business hours of location {name!r} (id {location_id}), {len(holidays)} holidays")
        calendar = TenantCalendar(tz, hours or None, holidays, no_hours is not False, holiday_hours, notes)
    if override is not None:
        calendar.tz = override if isinstance(override, ZoneInfo) else ZoneInfo(str(override))
        calendar.notes.append(f"time zone {calendar.tz.key} given explicitly")
    return calendar


def register_windows(source: Source, first: date, last: date) -> None:
    """(Re)create the temp table ``business_days`` covering ``first`` .. ``last`` (local dates).

    One row per UTC day (``day`` = whole days since the epoch): ``cum_before``, the business seconds of
    every earlier day, and the pieces of business windows inside that UTC day — at most two, since a UTC
    day overlaps at most two local days and each local day has at most one window — as epoch seconds
    ``s1, e1, s2, e2`` (equal when absent). Business time up to an instant t on day d is then
    ``cum_before + clamp(t - s1, 0, e1 - s1) + clamp(t - s2, 0, e2 - s2)``: an equality join on the day,
    not a range join.
    """
    import pyarrow as pa

    pieces: dict[int, list[tuple[float, float]]] = {}
    for start, end in source.calendar.windows(first - timedelta(days=1), last + timedelta(days=1)):
        low, high = start.timestamp(), end.timestamp()
        while low < high:  # split at UTC midnights
            day = int(low // 86400)
            cut = min(high, (day + 1) * 86400.0)
            pieces.setdefault(day, []).append((low, cut))
            low = cut
    first_day = int(datetime.combine(first - timedelta(days=2), time(0), timezone.utc).timestamp() // 86400)
    last_day = int(datetime.combine(last + timedelta(days=2), time(0), timezone.utc).timestamp() // 86400)
    columns: dict[str, list[float | int]] = {name: [] for name in ("day", "cum_before", "s1", "e1", "s2", "e2")}
    total = 0.0
    for day in range(first_day, last_day + 1):
        here = sorted(pieces.get(day, []))
        if len(here) > 2:  # pragma: no cover - needs two windows in one local day, which a calendar cannot give
            raise ValueError(f"more than two business windows in one UTC day ({day})")
        (s1, e1), (s2, e2) = (here + [(0.0, 0.0), (0.0, 0.0)])[:2]
        for name, value in zip(columns, (day, total, s1, e1, s2, e2), strict=True):
            columns[name].append(value)
        total += (e1 - s1) + (e2 - s2)
    table = pa.table({"day": pa.array(columns["day"], pa.int64()),
                      **{name: pa.array(columns[name], pa.float64()) for name in ("cum_before", "s1", "e1", "s2", "e2")}})
    source.con.register("business_days_arrow", table)
    source.con.execute("CREATE OR REPLACE TEMP TABLE business_days AS SELECT * FROM business_days_arrow")
    source.con.unregister("business_days_arrow")
    source.con.execute(f"CREATE OR REPLACE TEMP MACRO business_total() AS {total}")
    source.con.execute(f"CREATE OR REPLACE TEMP MACRO business_first_day() AS {first_day}")


def business_seconds_sql(source: Source, relation: str, pairs: dict[str, tuple[str, str]]) -> str:
    """SELECT ``relation``.* plus, per ``name: (start, end)``, the business hours between the two columns.

    24×7 calendars subtract the instants; otherwise each distinct column is joined to ``business_days`` on
    its UTC day (call :func:`register_windows` first; instants before it count 0, after it the total).
    NULL when either end is NULL.
    """
    if source.calendar.always_open:
        outs = [f"(epoch(f.{b}) - epoch(f.{a})) / 3600.0 AS {name}" for name, (a, b) in pairs.items()]
        return f"SELECT f.*, {', '.join(outs)} FROM ({relation}) f"
    columns = sorted({c for pair in pairs.values() for c in pair})
    joins = " ".join(f"LEFT JOIN business_days d_{c} ON d_{c}.day = CAST(floor(epoch(f.{c}) / 86400) AS BIGINT)"
                     for c in columns)

    def upto(c: str) -> str:
        t, d = f"epoch(f.{c})", f"d_{c}"
        inside = (f"{d}.cum_before + least(greatest({t} - {d}.s1, 0), {d}.e1 - {d}.s1) "
                  f"+ least(greatest({t} - {d}.s2, 0), {d}.e2 - {d}.s2)")
        return (f"(CASE WHEN {d}.day IS NOT NULL THEN {inside} "
                f"WHEN {t} < business_first_day() * 86400 THEN 0 ELSE business_total() END)")

    outs = [f"CASE WHEN f.{a} IS NULL OR f.{b} IS NULL THEN NULL ELSE ({upto(b)} - {upto(a)}) / 3600.0 END "
            f"AS {name}" for name, (a, b) in pairs.items()]
    return f"SELECT f.*, {', '.join(outs)} FROM ({relation}) f {joins}"
