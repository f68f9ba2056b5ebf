"""Customer metrics: CSAT from SurveyResults, with the number of responses beside every average.

A survey result counts in the period of its ``completeDate`` (tenant zone). SurveyResults carry no
resource: ``resource`` is the surveyed ticket's ``completedByResourceID`` (else its assigned resource),
and ``queue``/``priority`` are the ticket's. Ratings are Autotask's 1–5 scores; an empty rating is left
out of its average and its count. See docs/metrics.md.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from .common import PERIODS, Dim, check_by, labelled, local, period_key, resolve_range

if TYPE_CHECKING:
    import pyarrow as pa

    from .source import Source

__all__ = ["CSAT_DIMENSIONS", "csat"]

_DIMS: dict[str, tuple[Dim, str]] = {
    "resource": (Dim("resource", "resource"), "coalesce(t.completed_by_resource_id, t.assigned_resource_id)"),
    "company": (Dim("company", "company"), "s.company_id"),
    "queue": (Dim("queue", "picklist", "Tickets", "queueID"), "t.queue_id"),
    "priority": (Dim("priority", "picklist", "Tickets", "priority"), "t.priority"),
}
CSAT_DIMENSIONS = PERIODS + tuple(_DIMS)


def csat(source: Source, by: str = "month", since: date | None = None, until: date | None = None) -> pa.Table:
    """Surveys completed per group and the average of each rating, each with its response count."""
    check_by(by, CSAT_DIMENSIONS, "csat")
    source.require("survey_results", "complete_date", "survey_rating", purpose="CSAT")
    if by in ("resource", "queue", "priority"):
        source.require("tickets", "queue_id", purpose=f"CSAT by {by}")
    span = resolve_range(source, since, until)
    if by in PERIODS:
        dim, key = Dim(by, "period"), period_key(local(source, "s.complete_date"), by)
    else:
        dim, key = _DIMS[by]

    def rating(name: str) -> str:
        return (f"count(s.{name}_rating) AS {name}_ratings, "
                f"round(avg(s.{name}_rating), 2) AS avg_{name}_rating")

    grouped = (
        f"SELECT {key} AS k, count(*) AS surveys, round(avg(s.survey_rating), 2) AS avg_survey_rating, "
        f"{rating('resource')}, {rating('contact')}, {rating('company')} "
        "FROM survey_results s LEFT JOIN tickets t ON t.id = s.ticket_id "
        "WHERE s.complete_date >= $1 AND s.complete_date < $2 GROUP BY k"
    )
    return source.query(labelled(grouped, dim), [span.start_utc, span.end_utc])
