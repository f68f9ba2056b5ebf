"""The named reports `py-autotask report NAME` offers: which metric, which groupings, how to chart it.

``run(source, name, by=..., since=..., until=...)`` returns the metric's Arrow table; the renderers
(:mod:`.render`, :mod:`.html`) use each report's title and chart hints. ``OVERVIEW`` is what
``report all`` puts on one page, in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from . import customers, money, people, projects, service_desk
from .common import PERIODS

if TYPE_CHECKING:
    import pyarrow as pa

    from .source import Source

__all__ = ["OVERVIEW", "REPORTS", "Report", "run"]


@dataclass(frozen=True)
class Report:
    """One report: the metric behind it and how to present it."""

    name: str
    title: str
    description: str
    function: Callable[..., pa.Table]
    dimensions: tuple[str, ...] = ()  # allowed --by values (empty: fixed shape)
    default_by: str | None = None
    ranged: bool = True  # takes --since/--until
    chart: tuple[str, ...] = ()  # value columns to chart
    chart_kind: str = "auto"  # "auto" (line over periods, bars otherwise), "bar", "column", "none"
    options: dict[str, Any] = field(default_factory=dict)


REPORTS: dict[str, Report] = {
    r.name: r
    for r in (
        Report("volume", "Tickets created and completed", "Created vs completed tickets and the kill rate.",
               service_desk.ticket_volume, service_desk.TICKET_DIMENSIONS, "month",
               chart=("created", "completed")),
        Report("backlog", "Open backlog", "Tickets open now, with their average and oldest age.",
               service_desk.backlog, tuple(d for d in service_desk.TICKET_DIMENSIONS if d not in PERIODS),
               "queue", ranged=False, chart=("open_tickets",)),
        Report("response", "First response and resolution (business hours)",
               "Average and median business hours to first response and to resolution.",
               service_desk.response_times, service_desk.TICKET_DIMENSIONS, "priority",
               chart=("avg_first_response_hours", "avg_resolution_hours")),
        Report("resolution", "Resolution time distribution (business hours)",
               "Tickets created in the range by how many business hours they took to resolve.",
               service_desk.resolution_distribution, chart=("tickets",), chart_kind="column"),
        Report("sla", "SLA met % per event", "Autotask's own SLA stamps: first response, resolution plan, "
               "resolution.", service_desk.sla, service_desk.TICKET_DIMENSIONS, "priority",
               chart=("first_response_met_pct", "resolution_met_pct")),
        Report("first-touch", "First-touch resolution",
               "Completed tickets closed by their creator with at most one time entry.",
               service_desk.first_touch, service_desk.TICKET_DIMENSIONS, "queue", chart=("first_touch_pct",)),
        Report("utilization", "Utilization", "Hours worked and billable hours over available hours.",
               people.utilization, people.UTILIZATION_DIMENSIONS, "resource",
               chart=("utilization_pct", "billable_utilization_pct")),
        Report("csat", "Customer satisfaction", "Survey ratings (1-5) with the number of responses.",
               customers.csat, customers.CSAT_DIMENSIONS, "month", chart=("avg_survey_rating",)),
        Report("projects", "Project health", "Estimated vs actual hours, CPI, schedule slip, budget burn.",
               projects.project_health, projects.PROJECT_DIMENSIONS, "project", ranged=False,
               chart=("budget_burn_pct",), chart_kind="bar"),
        Report("profitability", "Contract profitability", "Revenue, labour and item cost, margin, hourly rate.",
               money.contract_profitability, money.PROFIT_DIMENSIONS, "contract", chart=("margin",)),
        Report("ar-aging", "Accounts receivable aging", "Open invoices by days past due.",
               money.ar_aging, money.AGING_DIMENSIONS, "bucket", ranged=False, chart=("amount",),
               chart_kind="column"),
    )
}

# report all: (report, by) in page order
OVERVIEW: tuple[tuple[str, str | None], ...] = (
    ("volume", "month"), ("backlog", "queue"), ("sla", "priority"), ("response", "priority"),
    ("resolution", None), ("first-touch", "queue"), ("csat", "month"), ("csat", "resource"),
    ("utilization", "resource"), ("projects", "project"), ("profitability", "contract"), ("ar-aging", "bucket"),
)


def run(source: Source, name: str, *, by: str | None = None, since: date | None = None,
        until: date | None = None, **options: Any) -> pa.Table:
    """The Arrow table of report ``name`` (``by`` defaults to the report's own default)."""
    report = REPORTS.get(name)
    if report is None:
        raise ValueError(f"no report {name!r}; reports: {', '.join(REPORTS)}, all")
    kwargs: dict[str, Any] = dict(options)
    if report.dimensions:
        kwargs["by"] = by or report.default_by
    elif by is not None:
        raise ValueError(f"report {name} has a fixed shape: --by does not apply")
    if report.ranged:
        kwargs.update(since=since, until=until)
    return report.function(source, **kwargs)
