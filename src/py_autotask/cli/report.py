"""`py-autotask report NAME`: MSP metrics from the local mirror or Parquet exports — no API requests.

    py-autotask report sla --by priority                      # a table in the terminal
    py-autotask report csat --by month --format csv -o -      # CSV on stdout
    py-autotask report all -o report.html                     # the one-page overview with charts
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._common import ExitCode, fail

if TYPE_CHECKING:
    import pyarrow as pa
    from rich.console import Console

__all__ = ["report"]

FORMATS = ("table", "csv", "json", "xlsx", "html")
_SUFFIX_FORMAT = {".csv": "csv", ".json": "json", ".xlsx": "xlsx", ".html": "html", ".htm": "html"}
_EPILOG = (
    "Reports: volume, backlog, response, resolution, sla, first-touch, utilization, csat, projects, "
    "profitability, ar-aging, all. Formulas and fields: docs/metrics.md. Exit codes: 0 done; 1 the source "
    "lacks an entity or field the report needs (the message says how to get it); 2 bad option, report, "
    "--by or --source."
)


def _names() -> list[str]:
    from ..analytics.reports import REPORTS

    return [*REPORTS, "all"]


@click.command("report", epilog=_EPILOG)
@click.argument("name", metavar="NAME")
@click.option("--source", "source_path", default="autotask_mirror.duckdb", show_default=True, metavar="FILE|DIR",
              help="The DuckDB mirror (py-autotask sync) or a directory of Parquet exports.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="First day (tenant time zone); default: "
              "the first of the month eleven months back.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Last day, inclusive; default: today.")
@click.option("--by", metavar="DIM", help="Group by: day/week/month/quarter/year, priority, queue, resource, "
              "company, ... (each report lists its own).")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE ('-' = stdout); `all --format csv` "
              "takes a directory.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Default: from the -o suffix, else table.")
@click.option("--force", is_flag=True, help="Overwrite -o files that exist already (without it: exit 2).")
@click.option("--csv-raw", is_flag=True, help="CSV: write text exactly, even when it starts with =, +, -, @, "
              "tab or CR (by default such cells get a leading ' so spreadsheets do not run them as formulas).")
@click.option("--tz", metavar="ZONE", help="Tenant time zone (IANA), overriding the business-hours location's.")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]), metavar="DATETIME",
              help="The moment 'now' and 'today' mean, UTC (default: the wall clock).")
@click.option("--cpi-below", type=float, default=0.9, show_default=True, help="projects: at risk under this CPI.")
@click.option("--slip-days-over", type=int, default=7, show_default=True,
              help="projects: at risk past this many days late.")
@click.option("--burn-pct-over", type=float, default=100.0, show_default=True,
              help="projects: at risk over this budget burn %.")
def report(name: str, source_path: str, since: datetime | None, until: datetime | None, by: str | None,
           output: str | None, fmt: str | None, force: bool, csv_raw: bool, tz: str | None, as_of: datetime | None,
           cpi_below: float, slip_days_over: int, burn_pct_over: float) -> None:
    """Compute report NAME from the mirror or Parquet exports and show or write it."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from ..analytics import open_source
    from ..analytics.projects import RiskThresholds
    from ..analytics.reports import REPORTS
    from ..analytics.source import MissingDataError, SourceError

    if name not in _names():
        fail(f"no report {name!r}; choose one of: {', '.join(_names())}", ExitCode.USAGE)
    if tz is not None:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            fail(f"--tz {tz!r} is not an IANA time zone (e.g. Australia/Sydney)", ExitCode.USAGE)
    if name != "all" and by is not None:
        allowed = REPORTS[name].dimensions
        if by not in allowed:
            fail(f"report {name} cannot be grouped by {by!r}; use one of: {', '.join(allowed) or '(none)'}",
                 ExitCode.USAGE)
    fmt = fmt or _SUFFIX_FORMAT.get(Path(output).suffix.lower(), "table") if output and output != "-" else fmt
    fmt = fmt or ("csv" if output == "-" else "table")
    if fmt == "table" and output not in (None, "-"):
        fail("--format table prints to the terminal; give --format csv/json/xlsx/html with -o", ExitCode.USAGE)
    if output not in (None, "-") and not (name == "all" and fmt == "csv"):
        _refuse_existing([Path(output)], force)
    first = since.date() if since else None
    last = until.date() if until else None
    now = as_of.replace(tzinfo=timezone.utc) if as_of else None
    options: dict[str, Any] = {}
    if name == "projects":
        options["thresholds"] = RiskThresholds(cpi_below, slip_days_over, burn_pct_over)
    try:
        source = open_source(source_path, now=now, tz=tz)
    except SourceError as exc:
        fail(str(exc), ExitCode.USAGE)
    with source:
        try:
            if name == "all":
                _all(source, first, last, fmt, output, csv_raw, force)
            else:
                _one(source, name, by, first, last, fmt, output, options, csv_raw)
        except MissingDataError as exc:
            fail(str(exc), ExitCode.ERROR)
        except ValueError as exc:
            fail(str(exc), ExitCode.USAGE)


def _one(source: Any, name: str, by: str | None, first: date | None, last: date | None, fmt: str,
         output: str | None, options: dict[str, Any], csv_raw: bool) -> None:
    from ..analytics import html, render
    from ..analytics.reports import REPORTS, run

    report_ = REPORTS[name]
    table = run(source, name, by=by, since=first, until=last, **options)
    shown_by = by or report_.default_by
    if fmt == "table":
        from ._common import stdout_console

        _print_table(stdout_console(), table, report_.title + (f" by {shown_by}" if shown_by else ""))
        return
    label = name + (f"-{shown_by}" if shown_by else "")
    if fmt == "csv":
        _emit(output, render.csv_text(table, raw=csv_raw).encode())
    elif fmt == "json":
        _emit(output, render.json_bytes(table))
    elif fmt == "xlsx":
        _emit(output, _xlsx({label: table}))
    else:
        page = html.render_page(report_.title, [html.Section(report_, shown_by, table)],
                                subtitle=render.subtitle(source, first, last), notes=source.calendar.notes)
        _emit(output, page.encode())


def _all(source: Any, first: date | None, last: date | None, fmt: str, output: str | None, csv_raw: bool,
         force: bool) -> None:
    from ..analytics import render

    sections = render.overview(source, first, last)
    computed = {f"{s.report.name}-{s.by}" if s.by else s.report.name: s.table for s in sections
                if s.table is not None}
    if fmt == "table":
        from ._common import stderr_console, stdout_console

        console = stdout_console()
        for section in sections:
            title = section.report.title + (f" by {section.by}" if section.by else "")
            if section.table is None:
                stderr_console().print(f"[yellow]{title}: not computed: {section.problem}[/yellow]")
            else:
                _print_table(console, section.table, title)
        return
    if fmt == "csv":
        if output in (None, "-"):
            fail("report all --format csv writes one file per report: give -o DIRECTORY", ExitCode.USAGE)
        folder = Path(output)
        _refuse_existing([folder / f"{label}.csv" for label in computed], force)
        folder.mkdir(parents=True, exist_ok=True)
        for label, table in computed.items():
            (folder / f"{label}.csv").write_text(render.csv_text(table, raw=csv_raw), encoding="utf-8")
        click.echo(f"wrote {len(computed)} CSV files to {folder}", err=True)
        return
    if fmt == "json":
        _emit(output, render.json_bytes(computed))
    elif fmt == "xlsx":
        _emit(output, _xlsx(computed))
    else:
        _emit(output, render.overview_html(source, first, last, sections).encode())
    for section in sections:
        if section.table is None:
            click.echo(f"py-autotask: note: {section.report.name}: not computed: {section.problem}", err=True)


def _print_table(console: Console, table: pa.Table, title: str) -> None:
    """The table in the terminal, numbers right-aligned."""
    import pyarrow as pa
    from rich.table import Table

    from ..analytics.render import plain

    view = Table(title=title, header_style="bold", title_justify="left")
    numeric = []
    for name, kind in zip(table.column_names, table.schema.types, strict=True):
        is_number = pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)
        numeric.append(is_number)
        view.add_column(name, justify="right" if is_number else "left")
    for row in table.to_pylist():
        cells = []
        for value, is_number in zip(row.values(), numeric, strict=True):
            if value is None:
                cells.append("")
            elif is_number and isinstance(value, float):
                cells.append(f"{value:,.2f}")
            elif is_number:
                cells.append(f"{value:,}")
            elif isinstance(value, bool):
                cells.append("yes" if value else "")
            else:
                cells.append(str(plain(value)))
        view.add_row(*cells)
    console.print(view)


def _xlsx(tables: dict[str, Any]) -> bytes:
    import io

    from ..analytics import render

    buffer = io.BytesIO()
    render.write_xlsx(tables, buffer)
    return buffer.getvalue()


def _refuse_existing(paths: list[Path], force: bool) -> None:
    """Stop (exit 2) before writing if a file of an earlier run would be replaced without --force."""
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        fail(f"{existing[0]}{more} exists already: --force overwrites it, or choose another -o", ExitCode.USAGE)


def _emit(output: str | None, data: bytes) -> None:
    if output in (None, "-"):
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    click.echo(f"wrote {path}", err=True)
