"""Report output: CSV, JSON, XLSX, the HTML pages, and the overview ``report all`` builds.

Machine-readable output keeps the metric's column names as they are (they are the stable interface);
values are written as computed — numbers as numbers, dates as ISO text, empty as empty/null. The
terminal table is the command line's (cli/report.py): libraries return, command lines print.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import IO, TYPE_CHECKING, Any

import orjson

from .._formulas import neutralise, neutralise_cell
from .html import Section
from .reports import OVERVIEW, REPORTS
from .source import MissingDataError

if TYPE_CHECKING:
    import pyarrow as pa

    from .source import Source

__all__ = [
    "csv_text",
    "plain",
    "json_bytes",
    "overview",
    "overview_html",
    "overview_tiles",
    "subtitle",
    "write_xlsx",
]


def plain(value: Any) -> Any:
    """A cell as JSON/CSV text wants it: dates as ISO text, the rest unchanged."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def csv_text(table: pa.Table, *, raw: bool = False) -> str:
    """The table as CSV with a header row (empty cells for nulls).

    Text that starts like a spreadsheet formula (a company named "=HYPERLINK(…)") gets a leading `'`
    (`py_autotask._formulas`); `raw=True` writes it exactly.
    """
    cell = plain if raw else _safe_plain
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.column_names if raw else [neutralise(n) for n in table.column_names])
    for row in table.to_pylist():
        writer.writerow(["" if v is None else cell(v) for v in row.values()])
    return out.getvalue()


def _safe_plain(value: Any) -> Any:
    return neutralise_cell(plain(value))


def json_bytes(tables: dict[str, pa.Table] | pa.Table) -> bytes:
    """A list of records (one table), or an object of lists keyed by section (several)."""
    def records(table: pa.Table) -> list[dict[str, Any]]:
        return [{k: plain(v) for k, v in row.items()} for row in table.to_pylist()]

    payload: Any = (records(tables) if not isinstance(tables, dict)
                    else {name: records(table) for name, table in tables.items()})
    return orjson.dumps(payload, option=orjson.OPT_INDENT_2) + b"\n"


def write_xlsx(tables: dict[str, pa.Table], target: IO[bytes] | str) -> None:
    """One worksheet per table (names cut to Excel's 31 characters)."""
    try:
        import xlsxwriter  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise RuntimeError("XLSX output needs xlsxwriter: pip install 'py-autotask[excel]'") from exc
    # Text stays text: xlsxwriter would otherwise store "=…" as a formula and "http…" as a link.
    book = xlsxwriter.Workbook(target, {"in_memory": True, "remove_timezone": True, "strings_to_formulas": False,
                                        "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, table in tables.items():
        sheet = book.add_worksheet(name[:31])
        for col, header in enumerate(table.column_names):
            sheet.write(0, col, header, bold)
            sheet.set_column(col, col, max(10, min(40, len(header) + 2)))
        for r, row in enumerate(table.to_pylist(), start=1):
            for col, value in enumerate(row.values()):
                if isinstance(value, date):
                    sheet.write_datetime(r, col, datetime.combine(value, datetime.min.time())
                                         if not isinstance(value, datetime) else value, dates)
                elif value is not None:
                    sheet.write(r, col, value)
    book.close()


def overview(source: Source, since: date | None = None, until: date | None = None,
             sections: Sequence[tuple[str, str | None]] = OVERVIEW) -> list[Section]:
    """Every overview report that the source can feed; the others carry the reason they could not run."""
    from .reports import run

    built = []
    for name, by in sections:
        report = REPORTS[name]
        try:
            table = run(source, name, by=by, since=since if report.ranged else None,
                        until=until if report.ranged else None)
            built.append(Section(report, by, table))
        except MissingDataError as exc:
            built.append(Section(report, by, None, str(exc)))
    return built


def overview_tiles(sections: Sequence[Section]) -> list[tuple[str, str]]:
    """Headline numbers for the top of the page, from the sections already computed."""
    tiles: list[tuple[str, str]] = []

    def table(name: str, by: str | None) -> pa.Table | None:
        return next((s.table for s in sections if s.report.name == name and s.by == by), None)

    volume = table("volume", "month")
    if volume is not None and volume.num_rows:
        tiles.append(("tickets created (range)", f"{sum(volume.column('created').to_pylist()):,}"))
    open_now = table("backlog", "queue")
    if open_now is not None:
        tiles.append(("open tickets now", f"{sum(open_now.column('open_tickets').to_pylist()):,}"))
    sla_table = table("sla", "priority")
    if sla_table is not None and sla_table.num_rows:
        tiles.append(("resolution SLA met", _weighted(sla_table, "resolution_met_pct", "evaluated", "%")))
    csat = table("csat", "month")
    if csat is not None and csat.num_rows:
        tiles.append(("CSAT (surveys)", _weighted(csat, "avg_survey_rating", "surveys", "") + " / 5 ("
                      f"{sum(csat.column('surveys').to_pylist()):,})"))
    util = table("utilization", "resource")
    if util is not None and util.num_rows:
        available = sum(v or 0 for v in util.column("available_hours").to_pylist())
        billable = sum(v or 0 for v in util.column("billable_hours").to_pylist())
        if available:
            tiles.append(("billable utilization", f"{100 * billable / available:.1f}%"))
    aging = table("ar-aging", "bucket")
    if aging is not None:
        overdue = sum(a for b, a in zip(aging.column(0).to_pylist(), aging.column("amount").to_pylist(),
                                        strict=True) if b != "current")
        tiles.append(("receivables overdue", f"{overdue:,.0f}"))
    return tiles


def _weighted(table: pa.Table, value: str, weight: str, suffix: str) -> str:
    pairs = [(v, w) for v, w in zip(table.column(value).to_pylist(), table.column(weight).to_pylist(), strict=True)
             if v is not None and w]
    total = sum(w for _, w in pairs)
    return f"{sum(v * w for v, w in pairs) / total:.1f}{suffix}" if total else "n/a"


def subtitle(source: Source, since: date | None = None, until: date | None = None) -> str:
    """Where the numbers come from, the range and the moment, for a report's heading."""
    from .common import resolve_range

    span = resolve_range(source, since, until)
    return (f"{source.location} · {span.since} to {span.until} ({source.calendar.zone_name}) · "
            f"as of {source.now.astimezone(source.tz):%Y-%m-%d %H:%M %Z}")


def overview_html(source: Source, since: date | None = None, until: date | None = None,
                  sections: Sequence[Section] | None = None) -> str:
    """The one-page overview (``report all -o report.html``)."""
    from .html import render_page

    built = list(sections) if sections is not None else overview(source, since, until)
    return render_page("Service overview", built, subtitle=subtitle(source, since, until),
                       notes=source.calendar.notes, tiles=overview_tiles(built))
