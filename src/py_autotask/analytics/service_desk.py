"""Service-desk metrics: volume and kill rate, backlog, response and resolution time, SLA, first touch.

Each function returns an Arrow table whose first column is the group (``month``, ``priority`` ...);
formulas, fields and caveats are in docs/metrics.md. Ticket dimensions: a period of the ticket's
creation (``day``/``week``/``month``/``quarter``/``year``), ``priority``, ``queue``, ``resource`` (the
assigned resource), ``company``, ``sla``, ``source``, ``issue_type``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from .calendar import business_seconds_sql, register_windows
from .common import PERIODS, Dim, Range, check_by, labelled, local, period_key, resolve_range

if TYPE_CHECKING:
    import pyarrow as pa

    from .source import Source

__all__ = [
    "RESOLUTION_BUCKETS",
    "TICKET_DIMENSIONS",
    "backlog",
    "first_touch",
    "resolution_distribution",
    "response_times",
    "sla",
    "ticket_volume",
]

COMPLETE = 5  # Tickets.status "Complete": a system value, the same on every tenant

# dimension -> (Dim, the tickets column holding its key)
_TICKET_DIMS: dict[str, tuple[Dim, str]] = {
    "priority": (Dim("priority", "picklist", "Tickets", "priority"), "priority"),
    "queue": (Dim("queue", "picklist", "Tickets", "queueID"), "queue_id"),
    "resource": (Dim("resource", "resource"), "assigned_resource_id"),
    "company": (Dim("company", "company"), "company_id"),
    "sla": (Dim("sla", "picklist", "Tickets", "serviceLevelAgreementID"), "service_level_agreement_id"),
    "source": (Dim("source", "picklist", "Tickets", "source"), "source"),
    "issue_type": (Dim("issue_type", "picklist", "Tickets", "issueType"), "issue_type"),
}
TICKET_DIMENSIONS = PERIODS + tuple(_TICKET_DIMS)


def _dim(source: Source, by: str, alias: str, when: str) -> tuple[Dim, str]:
    """The Dim for ``by`` and its key expression over ``alias`` (periods bucket the ``when`` column)."""
    if by in PERIODS:
        return Dim(by, "period"), period_key(local(source, f"{alias}.{when}"), by)
    dim, column = _TICKET_DIMS[by]
    return dim, f"{alias}.{column}"


def ticket_volume(source: Source, by: str = "month", since: date | None = None,
                  until: date | None = None) -> pa.Table:
    """Tickets created and completed per group, and the kill rate (completed ÷ created).

    Periods bucket creations by ``createDate`` and completions by ``completedDate``; other groups count
    the tickets created, and the tickets completed, within the range.
    """
    check_by(by, TICKET_DIMENSIONS, "ticket_volume")
    source.require("tickets", "create_date", "completed_date", purpose="ticket volume")
    span = resolve_range(source, since, until)
    _, created_key = _dim(source, by, "t", "create_date")
    dim, completed_key = _dim(source, by, "t", "completed_date")
    grouped = (
        "SELECT k, CAST(sum(created) AS BIGINT) AS created, CAST(sum(completed) AS BIGINT) AS completed, "
        "round(sum(completed) / nullif(sum(created), 0), 4) AS kill_rate FROM ("
        f"SELECT {created_key} AS k, 1 AS created, 0 AS completed FROM tickets t "
        "WHERE t.create_date >= $1 AND t.create_date < $2 UNION ALL "
        f"SELECT {completed_key} AS k, 0, 1 FROM tickets t "
        "WHERE t.completed_date >= $1 AND t.completed_date < $2) GROUP BY k"
    )
    return source.query(labelled(grouped, dim), [span.start_utc, span.end_utc])


def backlog(source: Source, by: str = "queue") -> pa.Table:
    """Tickets open at ``source.now`` per group: count, average and oldest age in days, count over 30 days.

    Open = created at or before now and not completed by then (``completedDate`` empty or later).
    """
    allowed = tuple(_TICKET_DIMS)
    check_by(by, allowed, "backlog")
    source.require("tickets", "create_date", "completed_date", purpose="the backlog")
    dim, key = _dim(source, by, "t", "create_date")
    grouped = (
        f"SELECT {key} AS k, count(*) AS open_tickets, "
        "round(avg(epoch($1) - epoch(t.create_date)) / 86400.0, 2) AS avg_age_days, "
        "round(max(epoch($1) - epoch(t.create_date)) / 86400.0, 2) AS oldest_age_days, "
        "count(*) FILTER (WHERE epoch($1) - epoch(t.create_date) > 30 * 86400) AS older_than_30_days "
        "FROM tickets t WHERE t.create_date <= $1 AND (t.completed_date IS NULL OR t.completed_date > $1) "
        "GROUP BY k"
    )
    return source.query(labelled(grouped, dim, order="open_tickets DESC, 1"), [source.now])


def _prepare_business_hours(source: Source, span: Range) -> None:
    """The calendar table for tickets created in ``span``: from its start to a year past today.

    A ticket resolved more than a year after today (only possible with an ``--as-of`` in the past) counts
    business hours up to that point.
    """
    if not source.calendar.always_open:
        register_windows(source, span.since, max(span.until, source.today()) + timedelta(days=366))


def response_times(source: Source, by: str = "priority", since: date | None = None,
                   until: date | None = None) -> pa.Table:
    """First-response and resolution time in business hours (tenant calendar), for tickets created in range.

    first response = ``firstResponseDateTime`` − ``createDate``; resolution = (``resolvedDateTime``, else
    ``completedDate``) − ``createDate``; both counted in the tenant's business hours.
    """
    check_by(by, TICKET_DIMENSIONS, "response_times")
    source.require("tickets", "create_date", "first_response_date_time", "completed_date",
                   purpose="response times")
    span = resolve_range(source, since, until)
    _prepare_business_hours(source, span)
    dim, key = _dim(source, by, "t", "create_date")
    facts = (f"SELECT {key} AS k, t.create_date AS opened, t.first_response_date_time AS answered, "
             "coalesce(t.resolved_date_time, t.completed_date) AS resolved FROM tickets t "
             "WHERE t.create_date >= $1 AND t.create_date < $2")
    timed = business_seconds_sql(source, facts, {"response_hours": ("opened", "answered"),
                                                 "resolution_hours": ("opened", "resolved")})
    grouped = (
        "SELECT k, count(*) AS tickets, count(response_hours) AS responded, "
        "round(avg(response_hours), 2) AS avg_first_response_hours, "
        "round(median(response_hours), 2) AS median_first_response_hours, "
        "count(resolution_hours) AS resolved, round(avg(resolution_hours), 2) AS avg_resolution_hours, "
        f"round(median(resolution_hours), 2) AS median_resolution_hours FROM ({timed}) GROUP BY k"
    )
    return source.query(labelled(grouped, dim), [span.start_utc, span.end_utc])


# (label, upper bound in business hours) — the last bucket is open-ended
RESOLUTION_BUCKETS = (("under 1h", 1), ("1-4h", 4), ("4-8h", 8), ("8-24h", 24), ("1-3 days", 72),
                      ("3-10 days", 240), ("over 10 days", None))


def resolution_distribution(source: Source, since: date | None = None, until: date | None = None) -> pa.Table:
    """How many tickets created in the range were resolved within each band of business hours."""
    source.require("tickets", "create_date", "completed_date", purpose="the resolution distribution")
    span = resolve_range(source, since, until)
    _prepare_business_hours(source, span)
    facts = ("SELECT t.create_date AS opened, coalesce(t.resolved_date_time, t.completed_date) AS resolved "
             "FROM tickets t WHERE t.create_date >= $1 AND t.create_date < $2")
    timed = business_seconds_sql(source, facts, {"hours": ("opened", "resolved")})
    cases: list[str] = []
    bounds: list[str] = []
    for position, (label, high) in enumerate(RESOLUTION_BUCKETS):
        bounds.append(f"('{label}', {position})")
        if high is not None:
            cases.append(f"WHEN hours < {high} THEN '{label}'")
    sql = (f"SELECT b.band AS resolved_within, count(x.hours) AS tickets, "
           "round(100.0 * count(x.hours) / nullif(sum(count(x.hours)) OVER (), 0), 2) AS share_pct "
           f"FROM (VALUES {', '.join(bounds)}) b(band, position) LEFT JOIN ("
           f"SELECT hours, CASE {' '.join(cases)} ELSE '{RESOLUTION_BUCKETS[-1][0]}' END AS band "
           f"FROM ({timed}) WHERE hours IS NOT NULL) x ON x.band = b.band GROUP BY b.band, b.position "
           "ORDER BY b.position")
    return source.query(sql, [span.start_utc, span.end_utc])


def sla(source: Source, by: str = "priority", since: date | None = None, until: date | None = None) -> pa.Table:
    """SLA met % per event, from Autotask's own stamps, for tickets under an SLA created in the range.

    ``first_response_met_pct``, ``resolution_plan_met_pct``, ``resolution_met_pct``: share of the tickets'
    ServiceLevelAgreementResults whose ``isFirstResponseMet`` / ``isResolutionPlanMet`` /
    ``isResolutionMet`` is true, among those where it is set; ``sla_met_pct`` the same over
    ``Tickets.serviceLevelAgreementHasBeenMet``; ``open_past_due``: open tickets whose
    ``resolvedDueDateTime`` has passed.
    """
    check_by(by, TICKET_DIMENSIONS, "sla")
    source.require("tickets", "service_level_agreement_id", "create_date", purpose="SLA")
    source.require("service_level_agreement_results", "ticket_id", "is_first_response_met", "is_resolution_met",
                   purpose="SLA")
    span = resolve_range(source, since, until)
    dim, key = _dim(source, by, "t", "create_date")

    def pct(flag: str) -> str:
        return f"round(100.0 * count(*) FILTER (WHERE {flag}) / nullif(count({flag}), 0), 2)"

    grouped = (
        f"SELECT {key} AS k, count(*) AS tickets, count(r.ticket_id) AS evaluated, "
        f"{pct('r.is_first_response_met')} AS first_response_met_pct, "
        f"{pct('r.is_resolution_plan_met')} AS resolution_plan_met_pct, "
        f"{pct('r.is_resolution_met')} AS resolution_met_pct, "
        f"{pct('t.service_level_agreement_has_been_met')} AS sla_met_pct, "
        "count(*) FILTER (WHERE (t.completed_date IS NULL OR t.completed_date > $3) "
        "AND t.resolved_due_date_time < $3) AS open_past_due "
        "FROM tickets t LEFT JOIN (SELECT ticket_id, bool_and(is_first_response_met) AS is_first_response_met, "
        "bool_and(is_resolution_plan_met) AS is_resolution_plan_met, bool_and(is_resolution_met) AS "
        "is_resolution_met FROM service_level_agreement_results GROUP BY ticket_id) r ON r.ticket_id = t.id "
        "WHERE t.service_level_agreement_id IS NOT NULL AND t.create_date >= $1 AND t.create_date < $2 GROUP BY k"
    )
    return source.query(labelled(grouped, dim), [span.start_utc, span.end_utc, source.now])


def first_touch(source: Source, by: str = "queue", since: date | None = None,
                until: date | None = None) -> pa.Table:
    """First-touch resolution: of the tickets completed in the range, those closed by the resource who
    created them (``completedByResourceID`` = ``creatorResourceID``) with at most one time entry."""
    check_by(by, TICKET_DIMENSIONS, "first_touch")
    source.require("tickets", "completed_date", "creator_resource_id", "completed_by_resource_id",
                   purpose="first-touch resolution")
    span = resolve_range(source, since, until)
    dim, key = _dim(source, by, "t", "completed_date")
    # time entries are counted only for the candidates (closed by their creator), not all 2M of them
    grouped = f"""
        WITH done AS (
            SELECT {key} AS k, t.id, coalesce(t.completed_by_resource_id = t.creator_resource_id, FALSE) AS same
            FROM tickets t WHERE t.completed_date >= $1 AND t.completed_date < $2),
        entries AS (
            SELECT e.ticket_id, count(*) AS n FROM time_entries e
            WHERE e.ticket_id IN (SELECT id FROM done WHERE same) GROUP BY ALL)
        SELECT k, count(*) AS completed,
               count(*) FILTER (WHERE same AND coalesce(n, 0) <= 1) AS first_touch,
               round(100.0 * count(*) FILTER (WHERE same AND coalesce(n, 0) <= 1) / count(*), 2) AS first_touch_pct
        FROM done LEFT JOIN entries ON entries.ticket_id = done.id GROUP BY k"""
    return source.query(labelled(grouped, dim), [span.start_utc, span.end_utc])
