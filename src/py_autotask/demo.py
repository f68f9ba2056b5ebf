"""`make demo`: export related entities from an embedded sandbox to every format, check the row counts,
then mirror them into DuckDB with `sync` and answer a few questions in SQL.

    python -m py_autotask.demo [--out demo-out] [--tickets 2000]

Starts the sandbox on a free loopback port (real HTTP, as against Autotask), exports Companies,
Contacts, Resources, Tickets, TicketNotes and TimeEntries to CSV, JSON, NDJSON, Excel and Parquet
under `demo-out/<format>/`, reads every file back to count its rows, and compares each count with
the API's own `count`. Exits 1 if any export fails or any count differs. Last, it exports what the
metrics read to `demo-out/analytics/` (Parquet) and writes the one-page service overview,
`demo-out/report.html` (what `py-autotask report all -o demo-out/report.html` writes).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from ._client import AutotaskClient

__all__ = ["DEMO_ENTITIES", "QUESTIONS", "count_rows", "main", "sync_demo"]

DEMO_ENTITIES = ("Companies", "Contacts", "Resources", "Tickets", "TicketNotes", "TimeEntries")
FORMATS = ("csv", "json", "ndjson", "xlsx", "parquet")


def count_rows(path: Path, fmt: str) -> int:
    """Rows in an exported file, read back with the format's own reader."""
    if fmt == "csv":
        import csv

        with path.open(newline="", encoding="utf-8") as handle:
            return sum(1 for _ in csv.reader(handle)) - 1
    if fmt == "ndjson":
        with path.open("rb") as handle:
            return sum(1 for line in handle if line.strip())
    if fmt == "json":
        with path.open("rb") as handle:
            return len(json.load(handle))
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return sum(max(0, (sheet.max_row or 0) - 1) for sheet in book.worksheets)
    finally:
        book.close()


DEMO_NOW = datetime(2025, 6, 2, 9, 0, tzinfo=timezone.utc)


def main(argv: list[str] | None = None) -> int:
    """Run the demo; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m py_autotask.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("demo-out"), help="output directory (default: demo-out)")
    parser.add_argument("--tickets", type=int, default=2000, help="tickets in the sandbox (default: 2000)")
    args = parser.parse_args(argv)

    try:
        from autotask_sandbox import Sandbox, SandboxConfig
    except ImportError:
        print("the demo runs against the sandbox: pip install 'py-autotask[sandbox]'", file=sys.stderr)
        return 2
    from rich.console import Console

    from ._client import AutotaskClient
    from .cli._export_progress import RichExportProgress
    from .export.engine import ExportEngine, ExportRequest

    console = Console(stderr=True, highlight=False)
    out = Console(highlight=False)
    started = time.monotonic()
    # A pinned clock: the demo's tenant, and so its row counts, are the same on any date.
    sandbox = Sandbox(SandboxConfig(seed=1, tickets=args.tickets, now=DEMO_NOW))
    failures: list[str] = []
    with sandbox.serve(host="127.0.0.1", port=0) as server:
        creds = sandbox.credentials
        out.print(f"sandbox: {server.base_url} ({args.tickets:,} tickets)")
        with AutotaskClient(username=creds["username"], secret=creds["secret"],
                            integration_code=creds["integration_code"], base_url=server.base_url) as client:
            expected = {name: client.entity(name).count() for name in DEMO_ENTITIES}
            results: dict[tuple[str, str], tuple[Path, int]] = {}
            for fmt in FORMATS:
                folder = args.out / fmt
                request = ExportRequest(entities=list(DEMO_ENTITIES), format=fmt, labels=True,
                                        outputs={n: folder / f"{n}.{fmt}" for n in DEMO_ENTITIES}, force=True)
                summary = ExportEngine(client, request, progress=RichExportProgress(console)).run()
                for done in summary.entities:
                    if done.status != "ok":
                        failures.append(f"{done.entity} → {fmt}: {done.error or done.status}")
                        continue
                    path = folder / f"{done.entity}.{fmt}"
                    results[(done.entity, fmt)] = (path, count_rows(path, fmt))
            failures.extend(_export_for_analytics(client, args.out / "analytics", console))
            _print_table(out, results, expected)
            failures += sync_demo(client, DEMO_ENTITIES, args.out / "sync", out)
    for (name, fmt), (_, rows) in sorted(results.items()):
        if rows != expected[name]:
            failures.append(f"{name} → {fmt}: {rows} rows, but the API counts {expected[name]}")
    for failure in failures:
        print(f"demo: FAILED {failure}", file=sys.stderr)
    seconds = time.monotonic() - started
    if failures:
        return 1
    for fmt in FORMATS:
        out.print(f"{fmt:>8}: {args.out / fmt}/{{{','.join(DEMO_ENTITIES)}}}.{fmt}", markup=False, soft_wrap=True)
    out.print(f"all {len(results)} files complete, every row count equals the API's; {seconds:.1f}s")
    report = _report_all(args.out / "analytics", args.out / "report.html")
    out.print(f"report: {report.resolve()} (the service overview: py-autotask report all)", soft_wrap=True)
    return 0


def _export_for_analytics(client: AutotaskClient, folder: Path, console: Console) -> list[str]:
    """Every entity the metrics read, as Parquet with labels: the source `py-autotask report` reads."""
    from .analytics.schema import ENTITIES
    from .cli._export_progress import RichExportProgress
    from .export.engine import ExportEngine, ExportRequest

    names = [spec.entity for spec in ENTITIES.values()]
    request = ExportRequest(entities=names, format="parquet", labels=True,
                            outputs={n: folder / f"{n}.parquet" for n in names}, force=True)
    summary = ExportEngine(client, request, progress=RichExportProgress(console)).run()
    return [f"{e.entity} → analytics parquet: {e.error or e.status}" for e in summary.entities if e.status != "ok"]


def _report_all(source: Path, output: Path) -> Path:
    """`py-autotask report all -o OUTPUT --source SOURCE`, as of the demo's pinned clock."""
    from .analytics import open_source
    from .analytics.render import overview_html

    with open_source(source, now=DEMO_NOW) as opened:
        output.write_text(overview_html(opened), encoding="utf-8")
    return output


def _print_table(console: object, results: dict[tuple[str, str], tuple[Path, int]], expected: dict[str, int]) -> None:
    from rich.table import Table

    table = Table(title="demo export: rows per file (API count in brackets)", header_style="bold")
    table.add_column("entity")
    for fmt in FORMATS:
        table.add_column(fmt, justify="right")
    sizes = dict.fromkeys(FORMATS, 0)
    for entity in DEMO_ENTITIES:
        cells = []
        for fmt in FORMATS:
            found = results.get((entity, fmt))
            if found is None:
                cells.append("[red]failed[/red]")
                continue
            path, rows = found
            sizes[fmt] += path.stat().st_size
            cells.append(f"{rows:,}" + ("" if rows == expected[entity] else " [red]≠[/red]"))
        table.add_row(f"{entity} ({expected[entity]:,})", *cells)
    table.add_row("[dim]size of the files[/dim]", *(f"[dim]{sizes[f] / 1024:,.0f} KB[/dim]" for f in FORMATS))
    console.print(table)  # type: ignore[attr-defined]


# --- the sync part: mirror into DuckDB, answer questions in SQL, change a ticket, sync again ---------------

# Questions an MSP asks of its mirror, in the SQL a user would write against the documented tables.
QUESTIONS: list[tuple[str, str]] = [
    ("Open tickets per queue (labels from picklist_values)", """
        SELECT coalesce(p.label, t.queue_id::text) AS queue, count(*) AS open_tickets
        FROM autotask.tickets t
        LEFT JOIN autotask.picklist_values p
               ON p.entity = 'Tickets' AND p.field = 'queueID' AND p.value = t.queue_id::text
        WHERE t.status <> 5
        GROUP BY 1 ORDER BY 2 DESC LIMIT 5"""),
    ("Hours worked per company on tickets (top 5)", """
        SELECT c.company_name, round(sum(e.hours_worked), 1) AS hours, count(DISTINCT t.id) AS tickets
        FROM autotask.time_entries e
        JOIN autotask.tickets t ON t.id = e.ticket_id
        JOIN autotask.companies c ON c.id = t.company_id
        GROUP BY 1 ORDER BY 2 DESC LIMIT 5"""),
    ("Median hours from creation to completion, by priority", """
        SELECT coalesce(p.label, t.priority::text) AS priority,
               round(median(epoch(t.completed_date - t.create_date)) / 3600, 1) AS median_hours,
               count(*) AS completed
        FROM autotask.tickets t
        LEFT JOIN autotask.picklist_values p
               ON p.entity = 'Tickets' AND p.field = 'priority' AND p.value = t.priority::text
        WHERE t.completed_date IS NOT NULL
        GROUP BY 1 ORDER BY 2"""),
]


def sync_demo(client: Any, entities: Sequence[str], folder: Path, console: Any) -> list[str]:
    """Sync, query, change, sync again; prints as it goes and returns failures."""
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    try:
        import duckdb

        from .sync.runner import DEFAULT_DUCKDB_FILE, make_destination, make_pipeline, sync
    except ImportError:
        console.print("sync demo skipped: pip install 'py-autotask[sync]'")
        return []
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / DEFAULT_DUCKDB_FILE
    for leftover in (database, folder / (DEFAULT_DUCKDB_FILE + ".wal")):
        leftover.unlink(missing_ok=True)
    pipeline = make_pipeline(make_destination("duckdb", str(database)), "autotask", pipelines_dir=folder / "dlt",
                             pipeline_name="demo")
    pipeline.drop()  # a fresh mirror each demo: the state of an earlier demo's tenant does not apply
    pipeline = make_pipeline(make_destination("duckdb", str(database)), "autotask", pipelines_dir=folder / "dlt",
                             pipeline_name="demo")
    first = sync(client, entities, pipeline=pipeline)
    failures = []
    console.print(f"\nsync → {database}: " + ", ".join(f"{e.table} {e.inserted:,}" for e in first.entities)
                  + f" ({first.requests} requests, {first.seconds:.1f}s)", markup=False, soft_wrap=True)
    con = duckdb.connect(str(database), read_only=True)
    try:
        for entity in first.entities:
            row = con.execute(f"SELECT count(*) FROM autotask.{entity.table}").fetchone()
            expected = client.entity(entity.entity).count()
            if not row or row[0] != expected:
                failures.append(f"sync {entity.entity}: {row[0] if row else 0} rows, the API counts {expected}")
        for title, sql in QUESTIONS:
            _show(console, title, con.execute(sql))
    finally:
        con.close()
    ticket = client.tickets.query([{"op": "noteq", "field": "status", "value": 5}], limit=1).to_list()[0]
    client.tickets.update(ticket["id"], {"title": "Printer on fire (changed by the demo)"})
    again = sync(client, entities, pipeline=pipeline)
    tickets = next(e for e in again.entities if e.entity == "Tickets")
    console.print(f"changed ticket {ticket['id']}, synced again: tickets updated {tickets.updated}, inserted "
                  f"{tickets.inserted}; {again.requests} requests for {len(entities)} entities", markup=False)
    if tickets.updated != 1 or tickets.inserted != 0:
        failures.append(f"the incremental sync moved {tickets.updated} updated / {tickets.inserted} inserted tickets")
    return failures


def _show(console: Any, title: str, cursor: Any) -> None:
    from rich.table import Table

    table = Table(title=title, title_justify="left", header_style="bold")
    for column in cursor.description:
        table.add_column(str(column[0]))
    for row in cursor.fetchall():
        table.add_row(*("" if v is None else f"{v:,}" if isinstance(v, int) else str(v) for v in row))
    console.print(table)


if __name__ == "__main__":
    sys.exit(main())
