"""People metrics: utilization and billable utilization per resource and period.

available hours (per resource and day) = the weekday's ``ResourceDailyAvailabilities.<day>AvailableHours``,
zero on the tenant's holidays, minus the hours of approved ``TimeOffRequests`` on that day (never below
zero), counted from the resource's ``hireDate`` and — for inactive resources, whose leaving date
Autotask does not expose — up to their last time entry.

hours worked = ``TimeEntries.hoursWorked`` by ``dateWorked``; client hours are those on tickets or
project tasks of a customer, internal hours those of company 0 (the MSP itself) or with no ticket or
task; billable hours = ``hoursToBill`` of client time only. See docs/metrics.md.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from .common import PERIODS, Dim, check_by, labelled, period_key, picklist_value, resolve_range
from .schema import WEEKDAYS

if TYPE_CHECKING:
    import pyarrow as pa

    from .source import Source

__all__ = ["UTILIZATION_DIMENSIONS", "register_holidays", "utilization"]

UTILIZATION_DIMENSIONS = ("resource",) + PERIODS
APPROVED = 2  # TimeOffRequests.status "Approved" (system value), used when the source has no picklists


def register_holidays(source: Source) -> None:
    """(Re)create the temp table ``tenant_holidays(day)`` from the tenant calendar's holiday set."""
    import pyarrow as pa

    days = sorted(source.calendar.holidays)
    source.con.register("tenant_holidays_arrow", pa.table({"day": pa.array(days, pa.date32())}))
    source.con.execute("CREATE OR REPLACE TEMP TABLE tenant_holidays AS SELECT * FROM tenant_holidays_arrow")
    source.con.unregister("tenant_holidays_arrow")


def utilization(source: Source, by: str = "resource", since: date | None = None,
                until: date | None = None) -> pa.Table:
    """Available, worked, client, internal and billable hours with utilization percentages per group."""
    check_by(by, UTILIZATION_DIMENSIONS, "utilization")
    source.require("time_entries", "resource_id", "date_worked", "hours_worked", purpose="utilization")
    source.require("resource_daily_availabilities", "resource_id", purpose="utilization")
    span = resolve_range(source, since, until)
    register_holidays(source)
    approved = picklist_value(source, "TimeOffRequests", "status", "Approved", APPROVED)
    weekday_hours = " ".join(f"WHEN {i} THEN a.{day}_available_hours" for i, day in enumerate(WEEKDAYS))
    if by == "resource":
        dim, avail_key, work_key = Dim("resource", "resource"), "a.resource_id", "e.resource_id"
    else:
        dim, avail_key, work_key = Dim(by, "period"), period_key("d.day", by), period_key("e.date_worked", by)
    client = "coalesce(tk.company_id, p.company_id, 0) <> 0"
    sql = f"""
        WITH days AS (
            SELECT CAST(g.d AS DATE) AS day FROM generate_series(CAST($1 AS TIMESTAMP), CAST($2 AS TIMESTAMP),
                INTERVAL 1 DAY) g(d)),
        leave AS (
            SELECT resource_id, request_date AS day, sum(hours) AS hours FROM time_off_requests
            WHERE status = $3 GROUP BY ALL),
        last_work AS (SELECT resource_id, max(date_worked) AS last_day FROM time_entries GROUP BY ALL),
        available AS (
            SELECT {avail_key} AS k, greatest(0, CASE WHEN h.day IS NOT NULL THEN 0
                ELSE coalesce(CASE dayofweek(d.day) {weekday_hours} END, 0) END - coalesce(o.hours, 0)) AS hours
            FROM resource_daily_availabilities a CROSS JOIN days d
            LEFT JOIN resources r ON r.id = a.resource_id
            LEFT JOIN tenant_holidays h ON h.day = d.day
            LEFT JOIN leave o ON o.resource_id = a.resource_id AND o.day = d.day
            LEFT JOIN last_work w ON w.resource_id = a.resource_id
            WHERE (r.hire_date IS NULL OR d.day >= r.hire_date)
              AND (coalesce(r.is_active, TRUE) OR d.day <= w.last_day)),
        worked AS (
            SELECT {work_key} AS k, e.hours_worked AS hours, {client} AS is_client,
                   coalesce(e.hours_to_bill, 0) AS to_bill
            FROM time_entries e
            LEFT JOIN tickets tk ON tk.id = e.ticket_id
            LEFT JOIN tasks ta ON ta.id = e.task_id
            LEFT JOIN projects p ON p.id = ta.project_id
            WHERE e.date_worked >= CAST($1 AS DATE) AND e.date_worked <= CAST($2 AS DATE)),
        combined AS (
            SELECT k, hours AS available, 0.0 AS worked, 0.0 AS client, 0.0 AS internal, 0.0 AS billable
            FROM available
            UNION ALL
            SELECT k, 0.0, hours, CASE WHEN is_client THEN hours ELSE 0 END,
                   CASE WHEN is_client THEN 0 ELSE hours END, CASE WHEN is_client THEN to_bill ELSE 0 END
            FROM worked)
        SELECT k, round(sum(available), 2) AS available_hours, round(sum(worked), 2) AS hours_worked,
               round(sum(client), 2) AS client_hours, round(sum(internal), 2) AS internal_hours,
               round(sum(billable), 2) AS billable_hours,
               round(100.0 * sum(worked) / nullif(sum(available), 0), 2) AS utilization_pct,
               round(100.0 * sum(billable) / nullif(sum(available), 0), 2) AS billable_utilization_pct
        FROM combined GROUP BY k"""
    return source.query(labelled(sql, dim), [span.since, span.until, approved])
