"""Export progress on a terminal: one rich bar per entity on stderr (real totals, records/s, ETA), and the
final summary.

Bars are drawn only when stderr is a terminal (or when a console is injected, as tests do); the
summary is always printed, as plain text when stderr is a pipe. rich is imported on first use, so
importing this module costs nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..export.progress import ExportProgress, RunSummary

__all__ = ["RichExportProgress", "render_summary"]


class RichExportProgress(ExportProgress):
    """Progress bars per entity; a no-op unless the console is a terminal (or `enabled=True`)."""

    def __init__(self, console: Any = None, *, enabled: bool | None = None,
                 get_time: Callable[[], float] | None = None) -> None:
        self._console = console
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
        return self

    def __exit__(self, *exc: object) -> None:
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
    """Print the final summary: records and files per entity, requests, threshold usage, time."""
    from rich.table import Table

    table = Table(title=None, show_edge=False, pad_edge=False, box=None, header_style="bold")
    for header, justify in (("entity", "left"), ("status", "left"), ("records", "right"),
                            ("deleted", "right"), ("seconds", "right"), ("files", "left")):
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    for row in summary.entities:
        status = row.status if row.mode in ("full", "") else f"{row.status} ({row.mode})"
        files = ", ".join(_short(f) for f in row.files) or "-"
        if row.error:
            files = f"{files}  {row.error}"
        table.add_row(row.entity, status, f"{row.records:,}", "-" if row.deletions is None else f"{row.deletions:,}",
                      f"{row.seconds:.1f}", files)
    console.print(table)
    rate = summary.records / summary.seconds if summary.seconds > 0 else 0.0
    console.print(
        f"{summary.records:,} records in {summary.seconds:.1f}s ({rate:,.0f}/s); "
        f"{summary.requests:,} requests; threshold: {summary.threshold_text()}",
        markup=False, highlight=False, soft_wrap=True,
    )


def _short(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path
