"""The self-contained HTML report: one section per report, an inline SVG chart and the table behind it.

No script, no stylesheet or font from the network: the file opens offline in any browser, and
``report all`` puts the overview a service manager reads on Monday on one page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from typing import TYPE_CHECKING, Any

from . import svg
from .common import PERIODS

if TYPE_CHECKING:
    import pyarrow as pa

    from .reports import Report

__all__ = ["Section", "chart_for", "render_page"]

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;max-width:1100px;color:#111827;
background:#f9fafb;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:0 0 4px}.meta{color:#6b7280;font-size:13px}
section{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:16px;margin:16px 0}
svg{max-width:100%;height:auto}table{border-collapse:collapse;font-size:12px;margin-top:8px;width:100%}
th,td{padding:3px 8px;border-bottom:1px solid #f3f4f6;text-align:right}th:first-child,td:first-child{text-align:left}
th{background:#f9fafb;position:sticky;top:0}.note{color:#92400e;font-size:13px}
.tiles{display:flex;flex-wrap:wrap;gap:12px}.tile{background:#fff;border:1px solid #e5e7eb;border-radius:8px;
padding:10px 14px;min-width:150px}.tile b{display:block;font-size:22px}.tile span{color:#6b7280;font-size:12px}
details summary{cursor:pointer;color:#2563eb;font-size:13px;margin-top:6px}
"""
_TABLE_ROWS = 60  # rows shown under a chart; the rest stay in CSV/JSON/XLSX output


@dataclass
class Section:
    """One report on the page: its table, or why it could not be computed."""

    report: Report
    by: str | None
    table: pa.Table | None
    problem: str | None = None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return escape(str(value))


def _table_html(table: pa.Table) -> str:
    names = table.column_names
    rows = table.slice(0, _TABLE_ROWS).to_pylist()
    head = "".join(f"<th>{escape(n)}</th>" for n in names)
    body = "".join("<tr>" + "".join(f"<td>{_cell(row[n])}</td>" for n in names) + "</tr>" for row in rows)
    more = (f'<p class="meta">{table.num_rows - _TABLE_ROWS:,} more rows in the CSV/JSON/XLSX output.</p>'
            if table.num_rows > _TABLE_ROWS else "")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


def chart_for(report: Report, by: str | None, table: pa.Table, *, limit: int = 20) -> str | None:
    """The SVG chart of a report's table, or None when it has nothing to plot."""
    columns = [c for c in report.chart if c in table.column_names]
    if not columns or table.num_rows == 0 or report.chart_kind == "none":
        return None
    labels = [str(v) for v in table.column(0).to_pylist()]
    series = {c: [None if v is None else float(v) for v in table.column(c).to_pylist()] for c in columns}
    title = report.title + (f" by {by}" if by else "")
    if report.chart_kind == "column":
        return svg.column_chart(labels, series[columns[0]], title=title, name=columns[0])
    if report.chart_kind == "auto" and by in PERIODS:
        return svg.line_chart(labels, series, title=title)
    if len(labels) > limit:  # the biggest first: bars of the top entries by the first charted value
        order = sorted(range(len(labels)), key=lambda i: -(series[columns[0]][i] or 0))[:limit]
        labels = [labels[i] for i in order]
        series = {c: [vs[i] for i in order] for c, vs in series.items()}
        title += f" (top {limit})"
    return svg.bar_chart(labels, series, title=title)


def render_page(title: str, sections: Sequence[Section], *, subtitle: str, notes: Sequence[str] = (),
                tiles: Sequence[tuple[str, str]] = ()) -> str:
    """The whole HTML document."""
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{escape(title)}</title>"
             f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><style>{_STYLE}</style>"
             f"</head><body><h1>{escape(title)}</h1><p class=\"meta\">{escape(subtitle)}</p>"]
    if notes:
        parts.append('<p class="meta">' + "<br>".join(escape(n) for n in notes) + "</p>")
    if tiles:
        parts.append('<div class="tiles">' + "".join(
            f'<div class="tile"><b>{escape(value)}</b><span>{escape(label)}</span></div>' for label, value in tiles)
            + "</div>")
    for section in sections:
        report = section.report
        heading = report.title + (f" by {section.by}" if section.by else "")
        parts.append(f'<section id="{escape(report.name)}-{escape(section.by or "all")}"><h2>{escape(heading)}</h2>'
                     f'<p class="meta">{escape(report.description)} '
                     f"<code>py-autotask report {escape(report.name)}"
                     f"{' --by ' + escape(section.by) if section.by else ''}</code></p>")
        if section.table is None:
            parts.append(f'<p class="note">Not computed: {escape(section.problem or "no data")}</p></section>')
            continue
        chart = chart_for(report, section.by, section.table)
        if chart:
            parts.append(f'<div class="chart">{chart}</div>')
        if section.table.num_rows == 0:
            parts.append('<p class="note">No rows in this range.</p>')
        else:
            parts.append(f"<details{' open' if not chart else ''}><summary>table ({section.table.num_rows:,} rows)"
                         f"</summary>{_table_html(section.table)}</details>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "".join(parts)
