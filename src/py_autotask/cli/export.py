"""`py-autotask export`: entities to CSV, JSON, NDJSON, Excel or Parquet — parallel, resumable, incremental."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import (
    AppContext,
    CommandFailed,
    ExitCode,
    Interrupted,
    describe_error,
    exit_code_for,
    fail,
    nothing_answers,
    pass_app,
    stderr_console,
)

__all__ = ["export"]

_EPILOG = """\b
Examples:
  py-autotask export Tickets -o tickets.parquet
  py-autotask export Tickets,Companies,Contacts -o out/ --format xlsx --labels
  py-autotask export Tickets --filter "status!=5 and queueID=8" --since 2024-01-01 -o - | head
  py-autotask export --all -o backup/ --format ndjson
  py-autotask export Tickets,TimeEntries -o sync/ --incremental      (run it again: only changes)
  py-autotask export Tickets -o tickets.csv --resume                  (after Ctrl-C or a crash)

\b
Files: -o DIR writes DIR/<Entity>.<format>; -o FILE takes one entity and infers the format from its
extension (another extension is an error: end a directory's name with /); -o - writes csv/json/ndjson
to stdout. Output appears under its name only when complete (while running: <file>.partial). A file
that exists already is never replaced without --force (--resume continues an interrupted export).
Checkpoints and watermarks live in <output dir>/.py-autotask/.
Parquet and xlsx hold each entity's rows in id order (one sheet named after the entity): every page goes
to a journal (it makes --resume exact) and joins the file once every id below it is written.
--since/--until filter on the entity's last-modified field (lastModifiedDateTime, lastActivityDate …,
else its creation date); --incremental follows it and writes deletion logs (DeletedTicketLogs …)
beside the exports. Each --incremental run writes its own files, stamped with the end of its window
(Tickets.20261206T101500Z.csv, DeletedTicketLogs.20261206T101500Z.csv): earlier runs' files are never
touched. Exit code 5 when some entities failed (the summary names them).
"""


@click.command("export", epilog=_EPILOG, short_help="Export entities to files.")
@click.argument("entities", nargs=-1)
@click.option("--all", "all_entities", is_flag=True, help="Export every queryable entity.")
@click.option("-o", "--output", metavar="FILE|DIR|-", help="Output file, directory (default: .) or - for stdout.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "ndjson", "xlsx", "parquet"]),
              help="Output format (default: from the file extension, else csv).")
@click.option("--filter", "filter_text", metavar="FILTER", help='Filter, e.g. "status=1 and title~printer".')
@click.option("--fields", metavar="A,B,…", help="Only these fields, in this order (udf:Name for a UDF).")
@click.option("--since", metavar="DATE", help="Only records changed at or after DATE (ISO date/time, UTC).")
@click.option("--until", metavar="DATE", help="Only records changed before DATE.")
@click.option("--labels", is_flag=True, help="Add <field>_label beside picklist and reference fields.")
@click.option("--csv-raw", is_flag=True, help="CSV: write text exactly, even when it starts with =, +, -, @, "
              "tab or CR (by default such cells get a leading ' so spreadsheets do not run them as formulas).")
@click.option("--resume", is_flag=True, help="Continue an interrupted export from its checkpoint.")
@click.option("--force", is_flag=True, help="Overwrite output files that exist already (and start an interrupted "
              "export over); without it such a run is refused, exit 2.")
@click.option("--incremental", is_flag=True, help="Only records changed since the last --incremental run.")
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Checkpoints and watermarks (default: <output dir>/.py-autotask).")
@click.option("--state", "state_file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Watermark file for --incremental (default: <state dir>/watermarks.json).")
@click.option("--threads", type=click.IntRange(1, 16), metavar="N",
              help="Parallel requests per entity (default: the API's per-endpoint limit, 3).")
@click.option("--parallel", type=click.IntRange(1, 32), default=4, show_default=True, metavar="N",
              help="Entities exported at the same time.")
@click.option("--page-size", type=click.IntRange(1, 500), default=500, show_default=True, metavar="N",
              help="Records per request (lower it if Autotask times out on a very wide entity).")
@click.option("--no-progress", is_flag=True,
              help="No progress (bars on a terminal; else a status line every AUTOTASK_PROGRESS_INTERVAL=10 s).")
@click.option("-q", "--quiet", is_flag=True, help="No summary on stderr.")
@pass_app
def export(app: AppContext, entities: tuple[str, ...], all_entities: bool, output: str | None, fmt: str | None,
           filter_text: str | None, fields: str | None, since: str | None, until: str | None, labels: bool,
           csv_raw: bool, resume: bool, force: bool, incremental: bool, state_dir: Path | None, state_file: Path | None, threads: int | None,
           parallel: int, page_size: int, no_progress: bool, quiet: bool) -> None:
    """Export ENTITIES (e.g. Tickets,Companies — or --all) to files, streaming and in parallel."""
    from .._exceptions import QuerySyntaxError
    from ..export.api import build_request, export_request, pandas_unavailable
    from ..export.writers import MissingExtraError
    from ._export_progress import make_progress, render_summary

    if all_entities and entities:
        fail("give entity names or --all, not both", ExitCode.USAGE)
    if not all_entities and not entities:
        fail("name at least one entity (e.g. Tickets,Companies) or use --all", ExitCode.USAGE)
    if output == "-" and (resume or incremental and not state_file):
        fail("--resume needs a file output; --incremental to stdout needs --state FILE", ExitCode.USAGE)
    try:
        request = build_request(list(entities), output, all_entities=all_entities, format=fmt, filter=filter_text,
                                fields=fields, since=since, until=until, labels=labels, resume=resume,
                                incremental=incremental, state_dir=state_dir, state_file=state_file, threads=threads,
                                parallel=parallel, page_size=page_size, csv_raw=csv_raw, force=force)
    except (ValueError, MissingExtraError) as problem:
        fail(str(problem), ExitCode.USAGE)
    console = stderr_console()
    client = app.client()
    try:
        progress = make_progress(console, "export", off=no_progress or quiet, client=client,
                                 entities=len(request.entities))
    except ValueError as problem:
        fail(str(problem), ExitCode.USAGE)
    from .._filelock import RunLockedError
    from ..export.state import OutputExistsError

    try:
        with pandas_unavailable():  # pyarrow would load pandas, which an export never uses (see there)
            summary = export_request(client, request, progress=progress)
    except RunLockedError as exc:
        fail(str(exc), ExitCode.USAGE)
    except OutputExistsError as exc:
        more = f" (and {exc.others} more)" if exc.others else ""
        if exc.checkpoint is not None:
            fail(f"an interrupted export to {exc.path}{more} waits: --resume continues it, --force starts over",
                 ExitCode.USAGE)
        fail(f"{exc.path}{more} exists already: --force overwrites it, or choose another -o", ExitCode.USAGE)
    except KeyboardInterrupt:
        raise Interrupted("continue with --resume" if output != "-" else "") from None
    gone = next((e.exception for e in summary.failed if isinstance(e.exception, BrokenPipeError)), None)
    if output == "-" and gone is not None:
        raise gone  # the reader of stdout went away (`-o - | head`): a quiet end, as `cat` has (report_failure)
    if summary.failed and len(summary.failed) == len(summary.entities) and all(
            nothing_answers(e.exception) for e in summary.failed):
        raise summary.failed[0].exception  # type: ignore[misc]  # one line: no Autotask at --base-url
    # A filter every entity refused is a usage error: its line (with the caret) says all; a table of
    # failed entities with 0 records would only bury it.
    refused = bool(summary.failed) and len(summary.failed) == len(summary.entities) and all(
        isinstance(e.exception, QuerySyntaxError) for e in summary.failed)
    if not quiet and not refused:
        render_summary(summary, console)
    if not quiet:
        for warning in summary.warnings:
            click.echo(f"py-autotask: warning: {warning}", err=True)
    failed = summary.failed
    if not failed:
        return
    for entity in failed:
        line = describe_error(entity.exception) if entity.exception is not None else entity.error or entity.status
        target = request.outputs.get(entity.entity)
        if isinstance(entity.exception, OSError) and not entity.exception.filename and target is not None:
            line += f" (writing {target})"  # a full disk names no file: say which one
        click.echo(f"py-autotask: error: {entity.entity}: {line}", err=True)
    if len(failed) < len(summary.entities):
        raise CommandFailed(exit_code=ExitCode.PARTIAL)  # each failure is reported above
    first = failed[0].exception
    raise CommandFailed(exit_code=exit_code_for(first) if first is not None else ExitCode.API)
