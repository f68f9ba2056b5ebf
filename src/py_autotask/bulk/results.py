"""What a bulk job reports: one `RowResult` per input row, a `BulkSummary`, and the CSV report.

Outcomes:
- `created`, `updated`, `deleted` — the write succeeded;
- `unchanged` — an upsert found the record already holding every value (nothing was sent);
- `reconciled` — a create whose answer was lost (timeout, 5xx, crash) was found by its match key, so
  it was not sent again; `id` is the record found;
- `invalid` — local validation refused the row (nothing was sent); `messages` say why;
- `failed` — Autotask refused the write, or it could not be completed; `messages` carry Autotask's own
  words;
- `skipped` — the job stopped (hourly budget, open circuit, interrupt) before this row was attempted;
  it stays pending in the journal and `--resume` picks it up.
"""

from __future__ import annotations

import csv
import os
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from .._formulas import neutralise

__all__ = ["OUTCOMES", "SUCCESS_OUTCOMES", "BulkSummary", "Outcome", "RowResult", "write_report"]

Outcome = Literal["created", "updated", "unchanged", "deleted", "invalid", "failed", "reconciled", "skipped"]
OUTCOMES: tuple[Outcome, ...] = ("created", "updated", "unchanged", "deleted", "reconciled", "invalid", "failed",
                                 "skipped")
#: Outcomes that leave the row done: `--resume` never redoes them.
SUCCESS_OUTCOMES = frozenset({"created", "updated", "unchanged", "deleted", "reconciled"})


@dataclass(frozen=True)
class RowResult:
    """The outcome of one input row."""

    row_number: int
    outcome: Outcome
    id: int | None = None
    messages: tuple[str, ...] = ()
    #: True when the outcome was read from the journal of an earlier run (nothing was done this time).
    from_journal: bool = False

    @property
    def ok(self) -> bool:
        """True for outcomes that need no further action."""
        return self.outcome in SUCCESS_OUTCOMES


@dataclass
class BulkSummary:
    """Counts and costs of one bulk job; filled in while the results stream."""

    operation: str
    entity: str
    dry_run: bool = False
    counts: Counter[str] = field(default_factory=Counter)
    reconciled_rows: list[int] = field(default_factory=list)
    #: Rows whose outcome came from the journal of an earlier run (counted in `counts` too).
    from_journal: int = 0
    #: API requests this job made, by kind (metadata, query, create, update, delete, get).
    requests: Counter[str] = field(default_factory=Counter)
    #: HTTP requests the client sent during the job (every attempt, retries included), when it can tell.
    http_requests: int | None = None
    #: 429 answers seen during the job (each one cut the endpoint's adaptive concurrency).
    throttled: int = 0
    #: Job-level notices (dropped read-only columns, resume information …).
    notices: list[str] = field(default_factory=list)
    #: Why the job stopped early, if it did (budget used up, circuit open, interrupted).
    aborted: str | None = None
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    def add(self, result: RowResult) -> None:
        """Count one row's result."""
        self.counts[result.outcome] += 1
        if result.from_journal:
            self.from_journal += 1
        elif result.outcome == "reconciled":
            self.reconciled_rows.append(result.row_number)

    @property
    def rows(self) -> int:
        """Rows reported so far."""
        return sum(self.counts.values())

    @property
    def ok(self) -> bool:
        """True when every row succeeded (the CLI's exit code 0)."""
        return self.aborted is None and all(self.counts[o] == 0 for o in ("invalid", "failed", "skipped"))

    @property
    def elapsed(self) -> float:
        """Seconds from the start to the end (or to now while running)."""
        return (self.finished or time.monotonic()) - self.started

    @property
    def writes(self) -> int:
        """Write requests sent (create + update + delete)."""
        return sum(self.requests[k] for k in ("create", "update", "delete"))

    def rows_per_second(self) -> float:
        """Rows written this run per second of wall time (journaled rows excluded)."""
        done = sum(self.counts[o] for o in ("created", "updated", "deleted", "reconciled", "unchanged"))
        done -= self.from_journal
        return done / self.elapsed if self.elapsed > 0 else 0.0

    def describe(self) -> str:
        """A few human lines: counts, requests, time."""
        prefix = "DRY RUN (nothing was written) — would be: " if self.dry_run else ""
        counts = ", ".join(f"{o} {self.counts[o]}" for o in OUTCOMES if self.counts[o])
        lines = [f"{prefix}{self.operation} {self.entity}: {self.rows} rows — {counts or 'no rows'}"]
        if self.from_journal:
            lines.append(f"{self.from_journal} of them finished in an earlier run (from the journal, not redone)")
        if self.reconciled_rows:
            shown = ", ".join(str(n) for n in self.reconciled_rows[:20])
            more = " …" if len(self.reconciled_rows) > 20 else ""
            lines.append(f"reconciled (found after an unanswered create, not re-sent): rows {shown}{more}")
        requests = ", ".join(f"{k} {v}" for k, v in sorted(self.requests.items()))
        sent = "" if self.http_requests is None else f"; {self.http_requests} HTTP requests incl. retries"
        lines.append(f"API calls: {sum(self.requests.values())} ({requests or 'none'}{sent}) in {self.elapsed:.1f}s")
        if self.throttled:
            lines.append(f"Autotask answered 429 {self.throttled} times; concurrency was lowered and grew back")
        lines.extend(self.notices)
        if self.aborted:
            lines.append(f"stopped early: {self.aborted}")
        return "\n".join(lines)


_REPORT_COLUMNS = ("row", "outcome", "id", "messages")


def write_report(results: Iterable[RowResult], path: str | os.PathLike[str]) -> int:
    """Write `row,outcome,id,messages` CSV (rows in row order); returns the number of rows written.

    A message that starts like a spreadsheet formula gets a leading `'` (see `py_autotask._formulas`).
    """
    ordered = sorted(results, key=lambda r: r.row_number)
    tmp = f"{os.fspath(path)}.tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(_REPORT_COLUMNS)
        for result in ordered:
            writer.writerow([result.row_number, result.outcome, "" if result.id is None else result.id,
                             neutralise(" | ".join(result.messages))])  # messages may quote the row's text
    os.replace(tmp, path)  # a crash mid-write never leaves half a report in place of a good one
    return len(ordered)
