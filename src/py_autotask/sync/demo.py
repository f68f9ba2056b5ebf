"""The sync part of `make demo`: mirror the demo's entities into DuckDB, answer a few questions in SQL,
change a ticket and sync again (an incremental run that moves one row).

Called by `py_autotask.demo` with its client; returns the failures it found (none when all is well).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["QUESTIONS", "run_sync_demo"]

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


def run_sync_demo(client: Any, entities: Sequence[str], folder: Path, console: Any) -> list[str]:
    """Sync, query, change, sync again; prints as it goes and returns failures."""
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    try:
        import duckdb

        from .runner import DEFAULT_DUCKDB_FILE, make_destination, make_pipeline, sync
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
