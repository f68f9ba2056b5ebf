"""Seed tables for the tenant's calendar and capacity: business-hours locations, holidays, availability.

* ``InternalLocationWithBusinessHours`` — one row per ``Resources.locationID`` value of the real capture,
  in Sydney's zone (``timeZoneID``'s label ``(GMT+10:00) Canberra, Melbourne, Sydney``): the head office
  (the default: Monday-Friday 08:00-17:00, no hours on holidays), an extended-hours desk (07:00-19:00 and
  Saturday mornings, holiday hours 09:00-13:00), an after-hours weekend roster and the remote workers.
  Times of day are sent as date-times on 1900-01-01 (only the time counts), wall time in the zone.
* ``HolidaySets`` / ``Holidays`` — New South Wales public holidays for every year the data spans
  (weekend holidays observed on the next weekday where NSW does so), and an empty set for the roster.
* ``ResourceDailyAvailabilities`` — one row per human resource: 7.6 hours Monday to Friday (the
  Australian 38-hour week), a few part-timers off on Fridays, none at weekends; a weekly billable goal.
"""

from __future__ import annotations

from datetime import date, timedelta

from .core import YEAR
from .plan_work import SeedContext

__all__ = ["availabilities", "holiday_sets", "holidays", "locations"]

DAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
NSW_SET, ROSTER_SET = 29740001, 29740002
ZONE_LABEL = "(GMT+10:00) Canberra, Melbourne, Sydney"
_WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday")
# location id (the Resources.locationID values) -> (name, {day: (start, end)}, holiday set, no hours on
# holidays, holiday hours)
_LOCATIONS = (
    (90682, "Intellect IT Head Office", dict.fromkeys(_WEEK, ("08:00", "17:00")), NSW_SET, True, None),
    (29746576, "Intellect IT Extended", {**dict.fromkeys(_WEEK, ("07:00", "19:00")), "saturday": ("09:00", "13:00")},
     NSW_SET, False, ("09:00", "13:00")),
    (29746577, "Burra A'Hours", {"saturday": ("08:00", "18:00"), "sunday": ("08:00", "18:00")}, ROSTER_SET, False,
     None),
    (29746578, "NSW remote workers", dict.fromkeys(_WEEK, ("08:30", "17:00")), NSW_SET, True, None),
)


def _time(text: str) -> str:
    return f"1900-01-01T{text}:00"


def locations(ctx: SeedContext) -> list[dict]:
    """The tenant's business-hours locations (the first is the default)."""
    zone = next((int(v["value"]) for v in ctx.meta.picklist("InternalLocationWithBusinessHours", "timeZoneID")
                 or () if v["label"] == ZONE_LABEL), None)
    rows = []
    for index, (location_id, name, hours, holiday_set, closed_on_holidays, holiday_hours) in enumerate(_LOCATIONS):
        record: dict = {
            "id": location_id, "name": name, "isDefault": index == 0, "timeZoneID": zone,
            "holidaySetID": holiday_set, "noHoursOnHolidays": closed_on_holidays, "firstDayOfWeek": 2,
            "dateFormat": "dd/MM/yyyy", "timeFormat": "h:mm tt", "numberFormat": "X,XXX.XX",
            "address1": "Level 4, 100 Pitt Street" if index == 0 else None, "city": "Sydney", "state": "NSW",
            "postalCode": "2000",
        }
        for day, (start, end) in hours.items():
            record[f"{day}BusinessHoursStartTime"] = _time(start)
            record[f"{day}BusinessHoursEndTime"] = _time(end)
        if holiday_hours:
            record["holidayHoursStartTime"], record["holidayHoursEndTime"] = map(_time, holiday_hours)
            record["holidayHoursType"] = 1
        rows.append({k: v for k, v in record.items() if v is not None})
    return rows


def holiday_sets(ctx: SeedContext) -> list[dict]:
    """The NSW public-holiday set and the (empty) after-hours roster set."""
    return [
        {"id": NSW_SET, "holidaySetName": "NSW Public Holidays", "holidaySetDescription": "New South Wales"},
        {"id": ROSTER_SET, "holidaySetName": "After-hours roster", "holidaySetDescription": "Works every holiday"},
    ]


def _easter(year: int) -> date:
    """Easter Sunday (the anonymous Gregorian computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _observed(day: date) -> date:
    """NSW moves a holiday falling on a weekend to the next Monday."""
    return day + timedelta(days=(7 - day.weekday()) % 7) if day.weekday() >= 5 else day


def _nth_monday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7 + 7 * (n - 1))


def nsw_holidays(year: int) -> list[tuple[date, str]]:
    """New South Wales public holidays of ``year`` as observed."""
    easter = _easter(year)
    christmas = date(year, 12, 25)
    boxing = date(year, 12, 26)
    if christmas.weekday() == 5:  # Saturday Christmas: Monday and Tuesday
        christmas_seen, boxing_seen = christmas + timedelta(days=2), boxing + timedelta(days=2)
    elif christmas.weekday() == 6:  # Sunday Christmas: Boxing Day Monday, Christmas Tuesday
        christmas_seen, boxing_seen = christmas + timedelta(days=2), boxing
    else:
        christmas_seen, boxing_seen = christmas, _observed(boxing)
    return sorted([
        (_observed(date(year, 1, 1)), "New Year's Day"),
        (_observed(date(year, 1, 26)), "Australia Day"),
        (easter - timedelta(days=2), "Good Friday"),
        (easter - timedelta(days=1), "Easter Saturday"),
        (easter + timedelta(days=1), "Easter Monday"),
        (date(year, 4, 25), "Anzac Day"),
        (_nth_monday(year, 6, 2), "King's Birthday"),
        (_nth_monday(year, 10, 1), "Labour Day"),
        (christmas_seen, "Christmas Day"),
        (boxing_seen, "Boxing Day"),
    ])


def holidays(ctx: SeedContext) -> list[dict]:
    """NSW public holidays from a year before the data's window to a year past now."""
    clock = ctx.clock
    first = int(clock.day_label(clock.start - YEAR)[:4])
    last = int(clock.day_label(clock.now + YEAR)[:4])
    rows: list[dict] = []
    for year in range(first, last + 1):
        for day, name in nsw_holidays(year):
            rows.append({"id": 29741000 + len(rows), "holidaySetID": NSW_SET, "holidayName": name,
                         "holidayDate": f"{day.isoformat()}T00:00:00"})
    return rows


def availabilities(ctx: SeedContext) -> list[dict]:
    """Daily available hours of every human resource (API users have none)."""
    rows = []
    for person in ctx.org.resources:
        part_time = person.index % 9 == 4  # a few people work four days
        record: dict = {"id": 29742000 + person.index, "resourceID": person.id, "travelAvailability": "up to 25%"}
        for day in DAYS:
            working = day in _WEEK and not (part_time and day == "friday")
            record[f"{day}AvailableHours"] = 7.6 if working else 0.0
        billable_share = 0.8 if person.kind in ("desk", "senior", "onsite", "noc", "consultant") else 0.4
        record["weeklyBillableHoursGoal"] = round(sum(record[f"{d}AvailableHours"] for d in DAYS) * billable_share, 1)
        rows.append(record)
    return rows
