"""Progress for runs without a terminal (cron, CI, `2> run.log`): a plain status line on stderr every few
seconds, and a line when pacing for the hourly threshold starts.

Live bars make no sense in a log file: redrawn in place they become thousands of lines there, or,
switched off, leave a long run silent. So, when stderr is not a terminal, every `AUTOTASK_PROGRESS_INTERVAL`
seconds (default 10; 0 switches it off) one line says where the run stands::

    export 0:40: 15,300/40,000 records (38%), eta 0:29, threshold 42%, pacing +0.7s/req, 850/s, 3/12 entities

and when the client starts spacing requests to stay under Autotask's hourly threshold (from 40 % of it, see
`py_autotask.limits.budget`), one line says so and what each request now waits. Every line fits the
width of the terminal (COLUMNS, else 80): the least useful parts are left out first.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from ..export.progress import ExportProgress

__all__ = ["DEFAULT_INTERVAL", "INTERVAL_ENV", "StatusLines", "fit", "status_interval"]

#: Seconds between status lines when stderr is not a terminal (0: none).
INTERVAL_ENV = "AUTOTASK_PROGRESS_INTERVAL"
DEFAULT_INTERVAL = 10.0
#: The rate (and so the ETA) is measured over this many recent seconds.
RATE_WINDOW = 30.0


def status_interval(environ: Mapping[str, str] = os.environ) -> float:
    """Seconds between status lines from AUTOTASK_PROGRESS_INTERVAL (default 10); 0 switches them off.

    Raises ValueError for a value that is not a number of seconds >= 0.
    """
    raw = environ.get(INTERVAL_ENV, "").strip()
    if not raw:
        return DEFAULT_INTERVAL
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):  # also NaN
        raise ValueError(f"{INTERVAL_ENV}={raw!r}: give seconds between status lines (0 for none)")
    return value


def fit(head: str, parts: list[str], width: int) -> str:
    """`head: part, part, …`, leaving out the last parts until the line fits `width` (cut with … if even
    the first part is too long)."""
    parts = [p for p in parts if p]
    while len(parts) > 1 and len(f"{head}: {', '.join(parts)}") > width:
        parts.pop()
    line = f"{head}: {', '.join(parts)}" if parts else head
    return line if len(line) <= width else line[: max(1, width - 1)] + "…"


def line_width() -> int:
    """The width lines must fit: the terminal's, or COLUMNS, else 80."""
    return max(40, shutil.get_terminal_size((80, 24)).columns)


class StatusLines(ExportProgress):
    """The engine's progress hooks, reported as a status line every `interval` seconds (see the module docstring).

    `usage` returns the client budget's usage (`ThresholdBudget.usage()`), or None when there is none.
    """

    def __init__(self, label: str, *, interval: float, write: Callable[[str], None],
                 usage: Callable[[], Mapping[str, Any] | None] | None = None, entities: int | None = None,
                 width: int | None = None, unit: str = "records", pacing_only: bool = False,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.label = label
        self.unit = unit
        self.pacing_only = pacing_only  # beside progress bars, which show the rest
        self.interval = interval
        self.width = width or line_width()
        self._write = write
        self._usage = usage
        self._entities = entities
        self._clock = clock
        self._lock = threading.Lock()
        self._done: dict[str, int] = {}
        self._totals: dict[str, int | None] = {}
        self._finished: set[str] = set()
        self._started = clock()
        self._counted = 0  # records written by this run (a resumed entity's earlier rows excluded from the rate)
        self._samples: deque[tuple[float, int]] = deque([(self._started, 0)])
        self._pacing = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> StatusLines:
        self._started = self._clock()
        self._samples = deque([(self._started, self._counted)])
        if self.interval > 0:
            self._thread = threading.Thread(target=self._tick, name="status-lines", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    # -- the engine's hooks ------------------------------------------------------------------------

    def add(self, entity: str, total: int | None, completed: int = 0) -> None:
        with self._lock:
            self._done[entity] = completed
            self._totals[entity] = total

    def set_total(self, entity: str, total: int | None) -> None:
        with self._lock:
            self._totals[entity] = total

    def advance(self, entity: str, records: int) -> None:
        with self._lock:
            self._done[entity] = self._done.get(entity, 0) + records
            self._counted += records

    def finish(self, entity: str, status: str) -> None:
        with self._lock:
            self._finished.add(entity)
            if status == "ok":  # the total becomes what was written
                self._totals[entity] = self._done.get(entity, 0)

    # -- the lines ---------------------------------------------------------------------------------

    def _tick(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.report()
            except Exception:  # a status line must never break the run it reports on
                return

    def report(self) -> None:
        """Write the status line now (and the pacing line when pacing has just started)."""
        usage = self._read_usage()
        pacing = float(usage.get("pacing_interval_seconds") or 0) if usage else 0.0
        if pacing > 0 and not self._pacing and usage is not None:
            self._write(fit(f"{self.label}: pacing", [f"{_percent(usage)} of the hourly threshold used",
                                                     f"each request now waits +{_seconds(pacing)}"], self.width))
        self._pacing = pacing > 0
        if not self.pacing_only:
            self._write(self.line(usage))

    def line(self, usage: Mapping[str, Any] | None = None) -> str:
        """The status line for the state right now (parts at the end are left out first when it is too long)."""
        now = self._clock()
        with self._lock:
            done = sum(self._done.values())
            totals = list(self._totals.values())
            finished = len(self._finished)
            rate = self._rate(now)
        total = sum(t for t in totals if t is not None) if totals and None not in totals else None
        parts = [f"{done:,}/{total:,} {self.unit} ({100 * done / total:.0f}%)" if total else f"{done:,} {self.unit}"]
        if total and total > done:
            parts.append(f"eta {_clock_text((total - done) / rate)}" if rate else "eta ?")
        if usage:
            parts.append(f"threshold {_percent(usage)}")
            pacing = float(usage.get("pacing_interval_seconds") or 0)
            if pacing > 0:
                parts.append(f"pacing +{_seconds(pacing)}/req")
        parts.append(f"{rate:,.0f}/s")
        if self._entities and self._entities > 1:
            parts.append(f"{finished}/{self._entities} entities")
        return fit(f"{self.label} {_clock_text(now - self._started)}", parts, self.width)

    def _rate(self, now: float) -> float:
        """Records per second over the last RATE_WINDOW seconds (the whole run until then), so that the ETA
        follows a slowdown — pacing, a slower entity — within a minute instead of averaging it away."""
        self._samples.append((now, self._counted))
        while len(self._samples) > 2 and now - self._samples[1][0] >= RATE_WINDOW:
            self._samples.popleft()
        then, counted = self._samples[0]
        return (self._counted - counted) / (now - then) if now > then else 0.0

    def _read_usage(self) -> Mapping[str, Any] | None:
        if self._usage is None:
            return None
        try:
            return self._usage()
        except Exception:  # e.g. a shared budget whose Redis is gone: the line goes without it
            return None


def _percent(usage: Mapping[str, Any]) -> str:
    return f"{float(usage.get('percent') or 0):.0f}%"


def _seconds(value: float) -> str:
    return f"{value:.1f}s" if value < 60 else _clock_text(value)


def _clock_text(seconds: float) -> str:
    """1:05 (m:ss), 1:02:03 (h:mm:ss)."""
    seconds = int(round(max(0.0, seconds)))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
