"""What every metric shares: the reporting range, periods in the tenant's zone, and group-by dimensions.

A metric aggregates on a raw key (``k``: a picklist value, a resource id, a period) and only then joins
the label, so a million rows are grouped on integers and a few dozen rows get names. Group columns are
named after the dimension (``month``, ``priority``, ``resource`` ...) and hold the label as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING

from .source import MissingDataError

if TYPE_CHECKING:
    from .source import Source

__all__ = ["PERIODS", "Dim", "Range", "labelled", "local", "period_key", "picklist_value", "resolve_range"]

PERIODS = ("day", "week", "month", "quarter", "year")
NONE_LABEL = "(none)"


@dataclass(frozen=True)
class Range:
    """The reporting range: local dates, inclusive, and the UTC instants bounding them."""

    since: date
    until: date
    start_utc: datetime  # since 00:00 local
    end_utc: datetime  # the day after until, 00:00 local (exclusive)


def resolve_range(source: Source, since: date | None = None, until: date | None = None) -> Range:
    """``since``/``until`` as a :class:`Range`; by default the last twelve months up to today (local).

    The default starts on the first day of the month eleven months back, so monthly reports show twelve
    whole months (the current one so far).
    """
    last = until or source.today()
    if since is None:
        month = last.month - 11
        year = last.year + (month - 1) // 12
        since = date(year, (month - 1) % 12 + 1, 1)
    if since > last:
        raise ValueError(f"--since {since} is after --until {last}")
    tz = source.tz
    start = datetime.combine(since, time(0), tz).astimezone(timezone.utc)
    end = datetime.combine(last + timedelta(days=1), time(0), tz).astimezone(timezone.utc)
    return Range(since, last, start, end)


def local(source: Source, column: str) -> str:
    """SQL for an instant column as the tenant's local wall-clock time."""
    return f"timezone('{source.calendar.zone_name}', {column})"


def period_key(expression: str, by: str) -> str:
    """SQL turning a local timestamp or date into the period label (sortable as text)."""
    if by == "day":
        return f"strftime({expression}, '%Y-%m-%d')"
    if by == "week":  # ISO weeks: Monday to Sunday
        return f"strftime({expression}, '%G-W%V')"
    if by == "month":
        return f"strftime({expression}, '%Y-%m')"
    if by == "quarter":
        return f"(strftime({expression}, '%Y') || '-Q' || CAST(quarter({expression}) AS VARCHAR))"
    if by == "year":
        return f"strftime({expression}, '%Y')"
    raise ValueError(f"unknown period {by!r}; use one of {', '.join(PERIODS)}")


@dataclass(frozen=True)
class Dim:
    """A group-by dimension: output column ``name``, how to label its key, and (for picklists) where."""

    name: str
    kind: str  # "period", "picklist", "resource", "company", "contract", "project", "text"
    entity: str = ""  # picklists: Autotask's entity and field names
    field: str = ""


def labelled(grouped: str, dim: Dim, *, order: str | None = None) -> str:
    """Wrap ``grouped`` (a query with a key column ``k``) so its first column is ``dim``'s label."""
    joins, label, sort = "", "CAST(g.k AS VARCHAR)", None
    if dim.kind == "picklist":
        joins = (f"LEFT JOIN (SELECT value, min(label) AS label, min(sort_order) AS sort_order FROM picklist_values "
                 f"WHERE entity = '{dim.entity}' AND field = '{dim.field}' GROUP BY value) l "
                 "ON l.value = CAST(g.k AS VARCHAR)")
        label, sort = "l.label", "l.sort_order"
    elif dim.kind == "resource":
        joins = "LEFT JOIN resources l ON l.id = g.k"
        label = "nullif(trim(coalesce(l.first_name, '') || ' ' || coalesce(l.last_name, '')), '')"
    elif dim.kind == "company":
        joins = "LEFT JOIN companies l ON l.id = g.k"
        label = "l.company_name"
    elif dim.kind == "contract":  # contract names repeat across customers: "Company: Contract"
        joins = "LEFT JOIN contracts l ON l.id = g.k LEFT JOIN companies lc ON lc.id = l.company_id"
        label = "CASE WHEN l.contract_name IS NULL THEN NULL ELSE coalesce(lc.company_name || ': ', '') || l.contract_name END"
    elif dim.kind == "project":
        joins = "LEFT JOIN projects l ON l.id = g.k"
        label = "l.project_name"
    if dim.kind not in ("period", "text"):
        label = f"coalesce({label}, CAST(g.k AS VARCHAR))"
    text = f"coalesce({label}, '{NONE_LABEL}')"
    if order is None:
        order = "g.k" if dim.kind == "period" else (f"{sort} NULLS LAST, {text}" if sort else text)
    return f"SELECT {text} AS {dim.name}, g.* EXCLUDE (k) FROM ({grouped}) g {joins} ORDER BY {order}"


def picklist_value(source: Source, entity: str, field: str, label: str, fallback: int | None = None) -> int:
    """The value of the picklist entry labelled ``label`` (Autotask's system values as ``fallback``)."""
    found = source.rows("SELECT value FROM picklist_values WHERE entity = ? AND field = ? AND label = ? LIMIT 1",
                        [entity, field, label])
    if found:
        return int(found[0][0])
    if fallback is not None:
        return fallback
    raise MissingDataError(f"no picklist value labelled {label!r} for {entity}.{field} in {source.location}")


def check_by(by: str, allowed: tuple[str, ...], metric: str) -> None:
    """Reject a group-by the metric does not offer, naming the ones it does."""
    if by not in allowed:
        raise ValueError(f"{metric} cannot be grouped by {by!r}; use one of: {', '.join(allowed)}")
