"""Export progress on a terminal: one rich bar per entity on stderr (real totals, records/s, ETA), and the
final summary.

Bars are drawn only when stderr is a terminal (or when a console is injected, as tests do); without one,
`make_progress` reports with plain status lines instead (`_status_lines.py`). The summary is always
printed, as plain text when stderr is a pipe. rich is imported on first use, so importing this module
costs nothing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..export.progress import ExportProgress, RunSummary

__all__ = ["PACING_CHECK_SECONDS", "RichExportProgress", "make_progress", "render_summary"]

#: On a terminal, how often the budget is asked whether pacing has started (to say so above the bars).
PACING_CHECK_SECONDS = 2.0


def make_progress(console: Any, label: str, *, off: bool = False, client: Any = None,
                  entities: int | None = None) -> ExportProgress:
    """The progress of a run: bars on a terminal, else a status line every AUTOTASK_PROGRESS_INTERVAL seconds.

    `client` gives the threshold usage the status lines show (its budget's estimate: no extra requests).
    Raises ValueError for a bad AUTOTASK_PROGRESS_INTERVAL.
    """
    import click

    from ._status_lines import StatusLines, status_interval

    if off:
        return ExportProgress()
    budget = getattr(getattr(client, "runtime", None), "budget", None)
    usage = budget.usage if budget is not None else None
    if console.is_terminal:
        # The bars show records, rate and ETA; the start of pacing is said once, above them.
        pacing = StatusLines(label, interval=PACING_CHECK_SECONDS, usage=usage, pacing_only=True,
                             write=lambda line: console.print(line, markup=False, highlight=False))
        return RichExportProgress(console, enabled=True, pacing=pacing if usage is not None else None)
    interval = status_interval()
    if not interval:
        return ExportProgress()
    return StatusLines(label, interval=interval, write=lambda line: click.echo(line, err=True), usage=usage,
                       entities=entities)


class RichExportProgress(ExportProgress):
    """Progress bars per entity; a no-op unless the console is a terminal (or `enabled=True`)."""

    def __init__(self, console: Any = None, *, enabled: bool | None = None,
                 get_time: Callable[[], float] | None = None, pacing: ExportProgress | None = None) -> None:
        self._console = console
        self._pacing = pacing  # announces pacing for the hourly threshold (`StatusLines(pacing_only=True)`)
        self._enabled = enabled
        self._get_time = get_time
        self._progress: Any = None
        self._tasks: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def console(self) -> Any:
        """The rich console (stderr unless one was injected)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=True, highlight=False)
        return self._console

    @property
    def active(self) -> bool:
        """Whether bars are drawn."""
        if self._enabled is not None:
            return self._enabled
        return bool(self.console.is_terminal)

    def __enter__(self) -> RichExportProgress:
        if self.active:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            columns = [
                TextColumn("[bold]{task.description:<24}"),
                BarColumn(),
                MofNCompleteColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[rate]:>12}"),
                TextColumn("eta"),
                TimeRemainingColumn(),
                TimeElapsedColumn(),
            ]
            kwargs: dict[str, Any] = {"console": self.console, "transient": False, "refresh_per_second": 5}
            if self._get_time is not None:
                kwargs["get_time"] = self._get_time
            self._progress = Progress(*columns, **kwargs)
            self._progress.start()
            if self._pacing is not None:
                self._pacing.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pacing is not None:
            self._pacing.__exit__(*exc)
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def add(self, entity: str, total: int | None, completed: int = 0) -> None:
        """Show a bar for `entity` (total None: unknown)."""
        if self._progress is None:
            return
        with self._lock:
            self._tasks[entity] = self._progress.add_task(entity, total=total, completed=completed, rate="")

    def set_total(self, entity: str, total: int | None) -> None:
        """Correct the total (e.g. when more records exist than counted at the start)."""
        task = self._tasks.get(entity)
        if self._progress is not None and task is not None:
            self._progress.update(task, total=total)

    def advance(self, entity: str, records: int) -> None:
        """Add written records to `entity`'s bar."""
        task = self._tasks.get(entity)
        if self._progress is None or task is None:
            return
        progress = self._progress
        progress.advance(task, records)
        speed = progress.tasks[task].speed if task < len(progress.tasks) else None
        progress.update(task, rate=f"{speed:,.0f} rec/s" if speed else "")

    def finish(self, entity: str, status: str) -> None:
        """Mark `entity`'s bar done (or failed)."""
        task = self._tasks.get(entity)
        if self._progress is None or task is None:
            return
        label = entity if status == "ok" else f"{entity} ({status})"
        done = self._progress.tasks[task].completed
        self._progress.update(task, description=label, total=done if status == "ok" else None)


def render_summary(summary: RunSummary, console: Any, *, show_paths: Sequence[str] | None = None) -> None:
    """Print the final summary: records and files per entity, requests, threshold usage, time.

    One line per entity, never wrapped: files are named once their directory is (when they share one),
    and what still does not fit the width is cut with … (errors follow in full). Entities a resumed run
    found complete are one line in all, so a resumed `--all` stays short.
    """
    from rich.table import Table

    rows = [row for row in summary.entities if not (row.status == "skipped" and row.mode == "done earlier")]
    earlier = [row for row in summary.entities if row not in rows]
    deletions = any(row.deletions is not None for row in rows)
    paths = [Path(_short(f)) for row in rows for f in row.files if f != "-"]
    folder = paths[0].parent if paths and all(p.parent == paths[0].parent for p in paths) else None
    table_rows = []
    for row in rows:
        status = row.status if row.mode in ("full", "") else f"{row.status} ({row.mode})"
        names = [Path(_short(f)).name if folder is not None and f != "-" else _short(f) for f in row.files]
        files = ", ".join(names) or "-"
        if row.error:
            files = f"{files}  {row.error}"
        cells = [row.entity, status, f"{row.records:,}"]
        cells += ["-" if row.deletions is None else f"{row.deletions:,}"] * deletions
        table_rows.append([*cells, f"{row.seconds:.1f}", files])
    if table_rows:
        headers = [("entity", "left"), ("status", "left"), ("records", "right")]
        headers += [("deleted", "right")] * deletions + [("seconds", "right"), ("files", "left")]
        table = Table(title=None, show_edge=False, pad_edge=False, box=None, header_style="bold")
        for i, (header, justify) in enumerate(headers):
            # Every column but the last keeps its full width; the files (and errors) give way.
            widest = max(len(header), *(len(r[i]) for r in table_rows)) if i < len(headers) - 1 else None
            table.add_column(header, justify=justify, no_wrap=True, overflow="ellipsis",  # type: ignore[arg-type]
                             min_width=widest)
        for cells in table_rows:
            table.add_row(*cells)
        console.print(table)
    if folder is not None and str(folder) != ".":
        console.print(f"files in {folder}{os.sep}", markup=False, highlight=False, overflow="ellipsis",
                      no_wrap=True)
    if earlier:
        console.print(f"{len(earlier):,} more entities complete from an earlier run "
                      f"({sum(row.records for row in earlier):,} records)", markup=False, highlight=False)
    rate = summary.records / summary.seconds if summary.seconds > 0 else 0.0
    console.print(f"{summary.records:,} records in {summary.seconds:.1f}s ({rate:,.0f}/s); {summary.requests:,} requests",
                  markup=False, highlight=False)
    console.print(f"threshold: {summary.threshold_text()}", markup=False, highlight=False)


def _short(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path
