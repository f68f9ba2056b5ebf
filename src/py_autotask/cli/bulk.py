"""`py-autotask bulk create|update|upsert|delete ENTITY FILE`: validated, metered, resumable bulk writes."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ._common import AppContext, CommandFailed, ExitCode, Interrupted, fail, pass_app, stderr_console

__all__ = ["bulk"]

_EPILOG = """\b
Examples:
  py-autotask bulk upsert Tickets tickets.csv --key externalID --report results.csv
  py-autotask bulk create Contacts people.xlsx --key emailAddress --dry-run
  py-autotask bulk update Tickets closing.csv          (an id column, e.g. id,status = 123,Complete)
  py-autotask bulk delete TimeEntries old.ndjson --key udf:"Import Batch"
  py-autotask bulk create TicketNotes notes.json --report r.csv --resume   (after Ctrl-C, a crash or a kill)

\b
Rows: CSV / JSON / NDJSON / XLSX; a column per field (any case), udf:<name> for user-defined fields;
picklists by value or label (status=Complete). Empty cells are not sent (JSON null clears a field).
Child entities (TicketNotes, Contacts …) go to their parent's route by their parent-id column.
The whole file is read and every row validated against the tenant's metadata before anything is
written: if any row is invalid, nothing is written (the summary and --report name every bad row) unless
--skip-invalid is given. --dry-run stops after validation (plus the lookups an upsert needs).

\b
Exactly once: a journal (SQLite, beside the report or else beside FILE: <name>.journal.sqlite) keeps
each row's state. An existing --report that records writes is replaced only with --resume (same job)
or --force (a dry run's, or a refused run's, is simply written again); a report or journal path equal
to FILE is refused. A create whose answer was lost is looked up by --key (else by every field sent)
before it is sent again; such rows are reported as "reconciled". Re-run with --resume to continue.
Exit codes: 0 every row succeeded; 5 some rows invalid/failed/skipped (see --report); 6 the job stopped
at a limit (hourly threshold, open circuit) — continue later with --resume.
"""


def _options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The arguments and options every bulk subcommand shares."""
    decorators: list[Callable[[Any], Any]] = [
        click.argument("entity"),
        click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path)),
        click.option("--key", "keys", multiple=True, metavar="FIELD",
                     help="Match field (repeatable; udf:Name for a UDF): finds the record to update/delete, "
                          "and lets creates be reconciled exactly."),
        click.option("--dry-run", is_flag=True, help="Validate and look up only; write nothing."),
        click.option("--report", type=click.Path(dir_okay=False, path_type=Path), metavar="CSV",
                     help="Write row,outcome,id,messages for every row."),
        click.option("--resume", is_flag=True, help="Continue the job recorded in the journal."),
        click.option("--force", is_flag=True, help="Overwrite a --report file that exists already (without it, "
                     "or --resume, such a run is refused, exit 2)."),
        click.option("--skip-invalid", is_flag=True,
                     help="Write the valid rows even if some rows are invalid (default: write nothing then)."),
        click.option("--journal", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
                     help="Journal path (default: <report>.journal.sqlite, else <FILE>.journal.sqlite)."),
        click.option("--parent-field", metavar="FIELD", help="Column holding the parent id (default: the "
                     "entity's parent field, e.g. ticketID for TicketNotes)."),
        click.option("--check-references", is_flag=True,
                     help="Check that referenced records exist (batched lookups, cached)."),
        click.option("--read-only", type=click.Choice(["drop", "refuse"]), default="drop", show_default=True,
                     help="Read-only columns: drop them (noted once) or refuse the rows."),
        click.option("--timezone", metavar="ZONE", help="Time zone of date-times without an offset (default UTC)."),
        click.option("--format", "fmt", type=click.Choice(["csv", "json", "ndjson", "xlsx"]),
                     help="Input format (default: from the file extension)."),
        click.option("--sheet", metavar="NAME", help="XLSX sheet (default: the first)."),
        click.option("--reconcile-delay", type=click.FloatRange(min=0), default=3.0, show_default=True,
                     metavar="SECONDS", help="Wait before looking up an unanswered create."),
        click.option("--no-progress", is_flag=True,
                     help="No progress (a bar on a terminal; else a status line every AUTOTASK_PROGRESS_INTERVAL=10 s)."),
        click.option("-q", "--quiet", is_flag=True, help="No summary on stderr."),
        pass_app,
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


@click.group("bulk", epilog=_EPILOG)
def bulk() -> None:
    """Create, update, upsert or delete records in bulk from a CSV, JSON, NDJSON or XLSX file."""


def _command(operation: str, help_text: str) -> None:
    @bulk.command(operation, help=help_text, epilog=_EPILOG)
    @_options
    def command(app: AppContext, **kwargs: Any) -> None:
        _run(app, operation, **kwargs)


_command("create", "Create one ENTITY record per row of FILE.")
_command("update", "Update (PATCH) one ENTITY record per row of FILE, found by id or --key.")
_command("upsert", "Update the ENTITY record matching each row's --key fields, or create it.")
_command("delete", "Delete one ENTITY record per row of FILE, found by id or --key.")


def _run(app: AppContext, operation: str, *, entity: str, file: Path, keys: tuple[str, ...], dry_run: bool,
         report: Path | None, resume: bool, force: bool, skip_invalid: bool, journal: Path | None, parent_field: str | None,
         check_references: bool, read_only: str, timezone: str | None, fmt: str | None, sheet: str | None,
         reconcile_delay: float, no_progress: bool, quiet: bool) -> None:
    from .._catalog import find_entity
    from ..bulk import (
        BulkEngine,
        BulkOptions,
        InputFileError,
        JournalError,
        default_journal_path,
        write_report,
    )
    from ..bulk.readers import format_from_path

    name = find_entity(entity)["name"]
    if operation == "upsert" and not keys:
        fail("upsert needs at least one --key FIELD to match existing records", ExitCode.USAGE)
    try:
        fmt = fmt or format_from_path(file)
        zone = _zone(timezone)
    except ValueError as exc:
        fail(str(exc), ExitCode.USAGE)
    _check_outputs(file, report, journal, resume=resume, force=force)
    journal_path = journal or default_journal_path(report, file)
    if not dry_run and journal is None:
        _check_journal_place(file, report, resume)
    options = BulkOptions(
        key=keys, parent_field=parent_field, resume=resume, skip_invalid=skip_invalid, dry_run=dry_run, check_references=check_references,
        read_only=read_only,  # type: ignore[arg-type]
        timezone=zone, format=fmt, sheet=sheet, reconcile_delay=reconcile_delay, journal=journal_path,
    )
    console = stderr_console()
    client = app.client()
    lines = _status_lines(f"{operation} {name}", client) if not (no_progress or quiet or console.is_terminal) else None
    show = not (no_progress or quiet) and console.is_terminal
    run = BulkEngine(client).run(operation, name, file, options)  # type: ignore[arg-type]
    results = []
    interrupted = False
    total = _count(file, fmt, sheet) if show or lines is not None else None
    try:
        with _progress(console, show, f"{operation} {name}", total, lines) as advance:
            for result in run:
                results.append(result)
                advance(result)
    except (JournalError, InputFileError) as exc:
        fail(str(exc), ExitCode.USAGE)
    except ValueError as exc:  # a --key or --parent-field the entity does not have
        fail(str(exc), ExitCode.USAGE)
    except sqlite3.DatabaseError as exc:  # damaged after it was opened (a disk error, another program)
        fail(f"the journal {options.journal} cannot be read or written ({exc})", ExitCode.ERROR)
    except KeyboardInterrupt:
        interrupted = True
    summary = run.summary
    if report is not None:
        try:
            write_report(results, report)
        except OSError as exc:  # a full disk, a directory of that name: say which file, no traceback
            fail(f"cannot write the report {report}: {exc.strerror or exc}", ExitCode.ERROR)
    if not quiet:
        _print_invalid(console, results)
        console.print(summary.describe(), highlight=False, markup=False)
        if not dry_run and options.journal is not None and Path(options.journal).exists():  # kept for --resume
            console.print(f"journal: {options.journal}", highlight=False, markup=False)
    # The summary above says what failed; only the exit code is left to choose.
    if interrupted:
        raise Interrupted("continue with --resume")
    if summary.aborted:
        raise CommandFailed(exit_code=ExitCode.LIMIT if "threshold" in summary.aborted or "circuit" in summary.aborted
                            or "429" in summary.aborted else ExitCode.PARTIAL)
    if not summary.ok:
        raise CommandFailed(exit_code=ExitCode.PARTIAL)


def _check_outputs(file: Path, report: Path | None, journal: Path | None, *, resume: bool, force: bool) -> None:
    """Refuse, before anything is read or sent, a report or journal that would replace the input, and an
    existing report unless the run continues its job (--resume) or is told to (--force)."""
    for option, path in (("--report", report), ("--journal", journal)):
        if path is not None and path.exists() and os.path.samefile(path, file):
            fail(f"{option} {path} is the input file; choose another path", ExitCode.USAGE)
    if report is not None and report.exists() and not (resume or force) and _records_writes(report):
        fail(f"--report {report} exists already: --force overwrites it, --resume continues its job", ExitCode.USAGE)


def _records_writes(report: Path) -> bool:
    """False only for a report of ours that records no write: a dry run's, or one of a run refused for
    invalid rows — the run after fixing the file writes it again. Any other file is kept."""
    import csv

    try:
        with open(report, newline="", encoding="utf-8") as handle:
            rows = csv.reader(handle)
            if next(rows, None) != ["row", "outcome", "id", "messages"]:
                return True
            return any(len(row) != 4 or row[1] not in ("invalid", "skipped", "unchanged")
                       and not any(part.startswith("dry run:") for part in row[3].split(" | ")) for row in rows)
    except (OSError, UnicodeDecodeError, csv.Error):
        return True


INVALID_SHOWN = 20  # invalid rows whose reasons the summary lists (all of them are in --report)


def _print_invalid(console: Any, results: list[Any]) -> None:
    """Each invalid row's reasons, the first INVALID_SHOWN of them, so a dry run needs no --report."""
    invalid = sorted((r for r in results if r.outcome == "invalid"), key=lambda r: r.row_number)
    for result in invalid[:INVALID_SHOWN]:
        console.print(f"row {result.row_number}: {'; '.join(result.messages)}", highlight=False, markup=False,
                      soft_wrap=True)
    if len(invalid) > INVALID_SHOWN:
        console.print(f"… and {len(invalid) - INVALID_SHOWN} more invalid rows (--report FILE lists every row)",
                      highlight=False, markup=False)


def _check_journal_place(file: Path, report: Path | None, resume: bool) -> None:
    """The journal follows --report (beside it) or else the input: a run whose --report differs from the
    earlier run's would silently start a new job and write every row again. Checked before connecting."""
    from ..bulk import default_journal_path

    here = default_journal_path(report, file)
    elsewhere = default_journal_path(None, file) if report is not None else None
    if here is None or here.exists():
        return
    earlier = elsewhere if elsewhere is not None and elsewhere.exists() else None
    if earlier is not None:
        fail(f"an earlier run of {file} left its journal at {earlier} (it ran without --report); this run would "
             f"start a new job at {here}. Continue that job with --journal {earlier} --resume, or delete it to "
             "start over", ExitCode.USAGE)
    if resume:
        fail(f"--resume: there is no journal at {here} to continue (the journal goes beside --report, else beside "
             "the input): give the earlier run's --report or its --journal FILE, or leave out --resume to start a "
             "new job", ExitCode.USAGE)


def _zone(name: str | None) -> Any:
    if name is None:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (use an IANA name such as Europe/Berlin)") from None


def _count(file: Path, fmt: str, sheet: str | None) -> int | None:
    """The rows to expect, for the progress total; None when the file cannot be read to its end."""
    from ..bulk.readers import count_records

    try:
        return count_records(file, fmt, sheet)
    except Exception:  # a progress total never decides how a run fails: the run reads the file and says why
        return None


def _status_lines(label: str, client: Any) -> Any:
    """Status lines for a run without a terminal (None when AUTOTASK_PROGRESS_INTERVAL=0)."""
    from ._status_lines import StatusLines, status_interval

    try:
        interval = status_interval()
    except ValueError as exc:
        fail(str(exc), ExitCode.USAGE)
    if not interval:
        return None
    budget = getattr(getattr(client, "runtime", None), "budget", None)
    return StatusLines(label, interval=interval, write=lambda line: click.echo(line, err=True),
                       usage=budget.usage if budget is not None else None, unit="rows")


class _progress:
    """A rich progress bar on stderr advanced per row, or status lines without a terminal (or nothing)."""

    def __init__(self, console: Any, show: bool, label: str, total: int | None, lines: Any = None) -> None:
        self._show, self._label, self._total, self._console = show, label, total, console
        self._bar: Any = None
        self._task: Any = None
        self._failed = 0
        self._lines = lines

    def __enter__(self) -> Callable[[Any], None]:
        if self._lines is not None:
            self._lines.__enter__()
            self._lines.add(self._label, self._total)
        if self._show:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[problems]}"), TimeElapsedColumn(),
                                 console=self._console, transient=False)
            self._bar.__enter__()
            self._task = self._bar.add_task(self._label, total=self._total, problems="")
        return self._advance

    def _advance(self, result: Any) -> None:
        if self._lines is not None:
            self._lines.advance(self._label, 1)
        if self._bar is None:
            return
        if result.outcome in ("invalid", "failed", "skipped"):
            self._failed += 1
        self._bar.update(self._task, advance=1, problems=f"{self._failed} not ok" if self._failed else "")

    def __exit__(self, *exc: object) -> None:
        if self._lines is not None:
            self._lines.__exit__(*exc)
        if self._bar is not None:
            self._bar.__exit__(*exc)
