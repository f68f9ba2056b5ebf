"""Project metrics: estimated vs actual hours, CPI, schedule slip and budget burn, per project or phase.

actual hours = ``TimeEntries.hoursWorked`` on the project's tasks. estimated hours = the project's
``estimatedTime`` (a phase's ``estimatedHours``), or the sum of its tasks' ``estimatedHours`` when that
is empty or zero. earned hours = estimated × ``completedPercentage`` ÷ 100 (projects; a phase earns the
estimates of its completed tasks). CPI = earned ÷ actual (over 1: ahead of the estimate). budget burn =
actual ÷ estimated × 100. schedule slip (days) = completion day − planned end day for finished work;
for unfinished work, how many days today is past the planned end (0 while not yet due).
An open project is at risk when CPI < ``cpi_below``, slip > ``slip_days_over`` or burn >
``burn_pct_over``; the reasons are listed. See docs/metrics.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .common import local

if TYPE_CHECKING:
    import pyarrow as pa

    from .source import Source

__all__ = ["PROJECT_DIMENSIONS", "RiskThresholds", "project_health"]

PROJECT_DIMENSIONS = ("project", "phase")


@dataclass(frozen=True)
class RiskThresholds:
    """When an open project (or phase) is flagged at risk."""

    cpi_below: float = 0.9
    slip_days_over: int = 7
    burn_pct_over: float = 100.0


def project_health(source: Source, by: str = "project", thresholds: RiskThresholds | None = None) -> pa.Table:
    """One row per project (or per phase, ``by="phase"``) with hours, CPI, slip, burn and risk flags."""
    if by not in PROJECT_DIMENSIONS:
        raise ValueError(f"project_health cannot be grouped by {by!r}; use one of: {', '.join(PROJECT_DIMENSIONS)}")
    source.require("projects", "end_date_time", "estimated_time", purpose="project health")
    source.require("tasks", "project_id", "estimated_hours", purpose="project health")
    risk = thresholds or RiskThresholds()
    today = source.today()
    day = lambda column: f"CAST({local(source, column)} AS DATE)"  # noqa: E731
    actual = ("(SELECT ta.id AS task_id, sum(e.hours_worked) AS hours FROM tasks ta "
              "JOIN time_entries e ON e.task_id = ta.id GROUP BY ALL)")
    if by == "project":
        body = f"""
            SELECT p.id AS k, c.company_name AS company,
              coalesce(nullif(p.estimated_time, 0), sum(ta.estimated_hours)) AS estimated,
              coalesce(sum(a.hours), 0) AS actual, p.completed_percentage AS pct,
              {day('p.end_date_time')} AS planned_end, {day('p.completed_date_time')} AS finished
            FROM projects p LEFT JOIN companies c ON c.id = p.company_id
            LEFT JOIN tasks ta ON ta.project_id = p.id LEFT JOIN {actual} a ON a.task_id = ta.id
            GROUP BY p.id, c.company_name, p.estimated_time, p.completed_percentage, p.end_date_time,
                       p.completed_date_time"""
        earned = "estimated * coalesce(pct, 0) / 100.0"
        first = "coalesce(pr.project_name, CAST(g.k AS VARCHAR)) AS project, g.company"
        join = "LEFT JOIN projects pr ON pr.id = g.k"
        order = "project, g.k"
    else:
        body = f"""
            SELECT ph.id AS k, ph.project_id,
              coalesce(nullif(ph.estimated_hours, 0), sum(ta.estimated_hours)) AS estimated,
              coalesce(sum(a.hours), 0) AS actual,
              100.0 * sum(ta.estimated_hours) FILTER (WHERE ta.completed_date_time IS NOT NULL)
                / nullif(sum(ta.estimated_hours), 0) AS pct,
              {day('ph.due_date')} AS planned_end,
              CASE WHEN count(ta.id) > 0 AND count(ta.id) = count(ta.completed_date_time)
                   THEN max({day('ta.completed_date_time')}) END AS finished
            FROM phases ph LEFT JOIN tasks ta ON ta.phase_id = ph.id LEFT JOIN {actual} a ON a.task_id = ta.id
            GROUP BY ph.id, ph.project_id, ph.estimated_hours, ph.due_date"""
        earned = "estimated * coalesce(pct, 0) / 100.0"
        first = ("coalesce(pr.project_name, CAST(g.project_id AS VARCHAR)) AS project, "
                 "coalesce(ph.title, CAST(g.k AS VARCHAR)) AS phase")
        join = "LEFT JOIN phases ph ON ph.id = g.k LEFT JOIN projects pr ON pr.id = g.project_id"
        order = "project, g.planned_end_date, g.k"
    metrics = f"""
        SELECT k, {'company, ' if by == 'project' else 'project_id, '}
          round(estimated, 2) AS estimated_hours, round(actual, 2) AS actual_hours,
          round({earned}, 2) AS earned_hours, round(({earned}) / nullif(actual, 0), 3) AS cpi,
          round(100.0 * actual / nullif(estimated, 0), 1) AS budget_burn_pct,
          planned_end AS planned_end_date, finished AS completed_date,
          CASE WHEN finished IS NOT NULL THEN date_diff('day', planned_end, finished)
               WHEN planned_end < $1 THEN date_diff('day', planned_end, $1) ELSE 0 END AS schedule_slip_days
        FROM ({body})"""
    flagged = f"""
        SELECT *, concat_ws(', ',
            CASE WHEN cpi < {risk.cpi_below} THEN 'CPI below {risk.cpi_below}' END,
            CASE WHEN schedule_slip_days > {risk.slip_days_over} THEN 'slipped over {risk.slip_days_over} days' END,
            CASE WHEN budget_burn_pct > {risk.burn_pct_over} THEN 'burn over {risk.burn_pct_over:g}%' END
          ) AS reasons FROM ({metrics})"""
    final = (f"SELECT {first}, g.* EXCLUDE (k, reasons{', company' if by == 'project' else ', project_id'}), "
             "(g.completed_date IS NULL AND g.reasons <> '') AS at_risk, "
             "CASE WHEN g.completed_date IS NULL THEN nullif(g.reasons, '') END AS risk_reasons "
             f"FROM ({flagged}) g {join} ORDER BY {order}")
    return source.query(final, [today])
