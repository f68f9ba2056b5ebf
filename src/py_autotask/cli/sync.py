"""`py-autotask sync`: keep an exact mirror of Autotask entities in DuckDB, PostgreSQL or any dlt destination."""

from __future__ import annotations

import os
from typing import Any

import click

from .._exceptions import AutotaskError
from ._common import (
    AppContext,
    CommandFailed,
    ExitCode,
    Interrupted,
    describe_error,
    exit_code_for,
    fail,
    pass_app,
    stderr_console,
)

__all__ = ["sync"]

DEFAULT_ENTITIES = ("Tickets", "TicketNotes", "TimeEntries", "Companies", "Contacts", "Resources", "Projects",
                    "Tasks", "ServiceLevelAgreementResults", "SurveyResults")

_EPILOG = f"""\b
Examples:
  py-autotask sync                                       (the default entities into ./autotask_mirror.duckdb)
  py-autotask sync Tickets,TicketNotes,TimeEntries
  py-autotask sync --all --destination postgres --dsn postgresql://postgres@127.0.0.1:5432/psa
  py-autotask sync Tickets --full                        (re-read everything; deletes what vanished)

\b
Default entities: {', '.join(DEFAULT_ENTITIES)}.
Tables are named by dlt (tickets, ticket_notes, …) in the dataset (schema) `autotask`; picklist labels
are in `picklist_values` (entity, field, value, label, is_active, sort_order). Each run fetches what
changed since the last complete one (with an overlap window), applies Autotask's deletion logs, and
re-reads entities that have no modification stamp. State lives with the data and in
./.py-autotask/dlt; a stopped run continues the next time. Exit code 5 when the mass-delete guard
refused deletions (rerun with --allow-mass-delete if they are real).
"""


@click.command("sync", epilog=_EPILOG, short_help="Mirror entities into DuckDB, PostgreSQL or any dlt destination.")
@click.argument("entities", nargs=-1)
@click.option("--all", "all_entities", is_flag=True, help="Every queryable entity.")
@click.option("--destination", default="duckdb", show_default=True, metavar="NAME",
              help="duckdb, postgres, sqlite, or any other dlt destination name.")
@click.option("--dsn", metavar="URL|FILE", help="Connection URL (postgres…) or database file (duckdb: autotask_mirror.duckdb).")
@click.option("--dataset", default="autotask", show_default=True, help="Dataset (schema) name.")
@click.option("--full", is_flag=True, help="Re-read every record and delete the rows that vanished.")
@click.option("--allow-mass-delete", is_flag=True, help="Delete even when more than --mass-delete-share vanished.")
@click.option("--mass-delete-share", type=click.FloatRange(0, 1), default=0.5, show_default=True, metavar="SHARE",
              help="Largest share of a table a re-read may delete without --allow-mass-delete.")
@click.option("--state-dir", type=click.Path(file_okay=False), metavar="DIR",
              help="dlt's working directory (default ./.py-autotask/dlt).")
@click.option("--chunk-rows", type=click.IntRange(100), default=50_000, show_default=True, metavar="N",
              help="Records per entity per load: a stopped sync continues from the last completed load.")
@click.option("--no-progress", is_flag=True,
              help="No progress (bars on a terminal; else a status line every AUTOTASK_PROGRESS_INTERVAL=10 s).")
@click.option("-q", "--quiet", is_flag=True, help="No summary on stderr.")
@pass_app
def sync(app: AppContext, entities: tuple[str, ...], all_entities: bool, destination: str, dsn: str | None,
         dataset: str, full: bool, allow_mass_delete: bool, mass_delete_share: float, state_dir: str | None,
         chunk_rows: int, no_progress: bool, quiet: bool) -> None:
    """Mirror ENTITIES (default: the common service-desk set) into a database, exactly and incrementally."""
    from .._catalog import find_entity, load_catalog
    from ..export.plan import queryable_entities, select_entities

    try:
        from ..sync import require_extra

        require_extra()
    except ImportError as exc:
        fail(str(exc), ExitCode.USAGE)
    catalog = load_catalog()
    if all_entities and entities:
        fail("give entity names or --all, not both", ExitCode.USAGE)
    try:
        names = (queryable_entities(catalog) if all_entities else
                 select_entities(entities or DEFAULT_ENTITIES, catalog, lambda n: find_entity(n)["name"]))
        from ..sync.plan import check_entities

        check_entities(names, catalog)
        if all_entities:
            names = [n for n in names if not n.startswith("Deleted")]
        from ..sync.runner import check_duckdb_file, make_destination, make_pipeline

        if destination == "duckdb":
            check_duckdb_file(dsn, dataset)
        target = make_destination(destination, dsn)
    except ValueError as exc:
        fail(str(exc), ExitCode.USAGE)
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    from ..sync.runner import sync as run_sync
    from ..sync.runner import tune_process_memory
    from ._export_progress import make_progress

    tune_process_memory()  # before the fetch and load threads start

    console = stderr_console()
    where = os.path.abspath(dsn or "autotask_mirror.duckdb") if destination == "duckdb" else _without_password(dsn or "")
    identity = f"{destination}|{where}"
    pipeline = make_pipeline(target, dataset, pipelines_dir=state_dir, identity=identity)
    client = app.client()
    try:
        progress = make_progress(console, "sync", off=no_progress or quiet, client=client, entities=len(names))
    except ValueError as exc:
        fail(str(exc), ExitCode.USAGE)
    try:
        with progress:
            result = run_sync(client, names, pipeline=pipeline, full=full, allow_mass_delete=allow_mass_delete,
                              mass_delete_share=mass_delete_share, progress=progress, chunk_rows=chunk_rows)
    except KeyboardInterrupt:
        raise Interrupted("the next sync continues from the last completed load") from None
    except Exception as exc:
        cause = _root_cause(exc)
        if isinstance(cause, KeyboardInterrupt):  # Ctrl-C woke a worker thread's sleep; dlt wrapped it
            raise Interrupted("the next sync continues from the last completed load") from None
        raise CommandFailed(f"sync failed: {describe_error(cause)}", exit_code_for(cause)) from exc
    if not quiet:
        _render(result, console, mass_delete_share)
    if result.refused:
        for stats in result.refused:
            click.echo(f"py-autotask: warning: {stats.entity}: {stats.refused:,} rows vanished (more than "
                       f"{mass_delete_share:.0%} of the table); not deleted — rerun with --allow-mass-delete "
                       "if that is real", err=True)
        raise CommandFailed(exit_code=ExitCode.PARTIAL)  # reported above


def _table(result: Any, columns: list[str], rows: list[list[str]]) -> Any:
    from rich.table import Table

    table = Table(title=f"sync → {result.destination} / {result.dataset}", title_justify="left", show_edge=False,
                  box=None, pad_edge=False, header_style="bold")
    for column in columns:
        table.add_column(column, justify="right" if column in ("fetched", "inserted", "updated", "deleted") else "left",
                         no_wrap=True, overflow="ellipsis")
    for cells in rows:
        table.add_row(*cells)
    return table


def _render(result: object, console: object, share: float) -> None:
    from ..sync.runner import SyncResult

    assert isinstance(result, SyncResult)
    rows = []
    for e in result.entities:
        deleted = f"{e.deleted:,}" + (f" (+{e.refused:,} refused)" if e.refused else "")
        rows.append([e.entity, e.table, e.mode, f"{e.fetched:,}", f"{e.inserted:,}", f"{e.updated:,}", deleted])
    columns = ["entity", "table", "mode", "fetched", "inserted", "updated", "deleted"]
    # One line per entity, never wrapped: on a narrow terminal (or in a log: 80 columns) the table names
    # go first — they are the entities' names, snake_cased (tickets, ticket_notes …).
    widths = [max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(columns)]
    if sum(widths) + 2 * (len(columns) - 1) > console.width:  # type: ignore[attr-defined]  # cells and padding
        columns, rows = [c for c in columns if c != "table"], [r[:1] + r[2:] for r in rows]
    console.print(_table(result, columns, rows))  # type: ignore[attr-defined]
    console.print(f"{result.requests:,} requests in {result.seconds:.1f} s, {result.loads} load(s); "  # type: ignore[attr-defined]
                  f"mass-delete guard: {share:.0%}", markup=False, highlight=False)
    console.print(f"threshold: {result.threshold_text()}", markup=False, highlight=False)  # type: ignore[attr-defined]


def _root_cause(exc: BaseException) -> BaseException:
    """dlt wraps a failure of our resource (an API error) in its step exceptions: report the API error
    (the outermost of ours: an APIConnectionError's own cause is httpx's, which says less)."""
    seen = exc
    while not isinstance(seen, AutotaskError):
        inner = seen.__cause__ or getattr(seen, "exception", None)
        if not isinstance(inner, BaseException) or inner is seen:
            return seen
        seen = inner
    return seen


def _without_password(dsn: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(dsn)
    if parts.password is None:
        return dsn
    host = parts.hostname or ""
    netloc = f"{parts.username}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))
