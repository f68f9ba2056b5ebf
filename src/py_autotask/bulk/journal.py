"""The bulk journal: one SQLite row per input row, so a job can be resumed without writing anything twice.

Each input row moves `pending → sent → done`:
- `pending`: known, nothing sent (or provably never sent: a 429, an open circuit, the budget refused it);
- `sent`: a write is in flight or its answer was lost; the body sent is kept so that, after a crash, the
  row is *reconciled* (looked up by its match key) before anything is re-sent;
- `done`: the outcome is final (`outcome`, `record_id`, `messages`).

The `sent` mark is committed before the request leaves, with `synchronous=FULL` in WAL mode, so even a
power cut cannot lose the fact that a create may have been sent. A row's content hash is stored so a
resume can tell when the input changed under a row that was already written.

A journal belongs to one job (operation + entity + key); resuming with a different job is refused.
It is held by one process at a time (an OS lock on `<journal>.lock`): a second run on it is refused at
once, before anything is read or sent.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._exceptions import ConfigurationError
from .._filelock import RunLock, RunLockedError
from .results import RowResult

__all__ = ["Journal", "JournalEntry", "JournalError", "default_journal_path", "row_hash"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS job (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    operation TEXT NOT NULL,
    entity TEXT NOT NULL,
    match_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    runs INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS rows (
    row_number INTEGER PRIMARY KEY,
    row_hash TEXT NOT NULL,
    match_key TEXT,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'done')),
    outcome TEXT,
    record_id INTEGER,
    messages TEXT NOT NULL DEFAULT '[]',
    payload TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    updated_at REAL NOT NULL
);
"""


class JournalError(ConfigurationError):
    """The journal cannot be used for this job (belongs to another job, or exists without --resume)."""


@dataclass(frozen=True)
class JournalEntry:
    """One row's journaled state."""

    row_number: int
    row_hash: str
    state: str
    outcome: str | None
    record_id: int | None
    messages: tuple[str, ...]
    payload: dict[str, Any] | None
    attempts: int

    def result(self) -> RowResult:
        """The stored outcome as a `RowResult` marked as coming from the journal."""
        return RowResult(self.row_number, self.outcome or "skipped", self.record_id, self.messages,  # type: ignore[arg-type]
                         from_journal=True)


def row_hash(data: Mapping[str, Any]) -> str:
    """A stable content hash of one input row (column names case-folded, values as text)."""
    canonical = json.dumps({str(k).casefold(): v for k, v in data.items()}, sort_keys=True, default=str,
                           ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def default_journal_path(report: str | os.PathLike[str] | None, source: str | os.PathLike[str] | None) -> Path | None:
    """The journal beside the report (`results.csv` → `results.csv.journal.sqlite`), else beside the input."""
    anchor = report if report is not None else source
    if anchor is None:
        return None
    return Path(f"{os.fspath(anchor)}.journal.sqlite")


class Journal:
    """SQLite-backed per-row state of one bulk job; thread-safe (one connection behind a lock)."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None,
        *,
        operation: str,
        entity: str,
        key: Sequence[str] = (),
        resume: bool = False,
    ) -> None:
        self.path = None if path is None else Path(path)
        # One run per journal: two runs on one journal would both send the rows neither had finished.
        self._run_lock = None if self.path is None else RunLock(f"{self.path}.lock", f"the journal {self.path}")
        if self._run_lock is not None:
            try:
                self._run_lock.acquire()
            except RunLockedError as exc:
                raise JournalError(str(exc)) from None
        try:
            existed = self.path is not None and self.path.exists() and self.path.stat().st_size > 0
            if existed and not resume:
                raise JournalError(
                    f"a journal of an earlier run exists at {self.path}; pass --resume to continue that job, "
                    "or delete the file to start over"
                )
            self._lock = threading.Lock()
            self._conn = sqlite3.connect(":memory:" if self.path is None else str(self.path),
                                         check_same_thread=False, isolation_level=None)
        except BaseException:
            self._release_run_lock()
            raise
        self.resumed = False
        try:
            if self.path is not None:
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.executescript(_SCHEMA)
            self._bind_job(operation, entity, list(key))
        except sqlite3.DatabaseError as exc:  # not SQLite at all, damaged, or another program's database
            self._conn.close()
            self._release_run_lock()
            raise JournalError(f"{self.path} is not a readable bulk journal ({exc}); pass another --journal, or "
                               "delete the file to start the job over") from None
        except BaseException:
            # The caller never gets the object to close, so a refused journal must not leak its connection
            # (Python 3.13 reports that as a ResourceWarning).
            self._conn.close()
            self._release_run_lock()
            raise

    def _release_run_lock(self) -> None:
        if self._run_lock is not None:
            self._run_lock.release()

    def _bind_job(self, operation: str, entity: str, key: list[str]) -> None:
        row = self._conn.execute("SELECT operation, entity, match_key FROM job WHERE id = 1").fetchone()
        wanted = (operation, entity, json.dumps(key))
        if row is None:
            self._conn.execute("INSERT INTO job (id, operation, entity, match_key, created_at) VALUES (1, ?, ?, ?, ?)",
                               (*wanted, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())))
            return
        if tuple(row) != wanted:
            raise JournalError(
                f"the journal {self.path} belongs to `{row[0]} {row[1]}` with key {row[2]}, "
                f"not `{operation} {entity}` with key {json.dumps(key)}"
            )
        self.resumed = True
        self._conn.execute("UPDATE job SET runs = runs + 1 WHERE id = 1")

    # -- reads ---------------------------------------------------------------------------------------

    def entries(self, row_numbers: Iterable[int]) -> dict[int, JournalEntry]:
        """The journaled state of the given rows (rows never seen are absent)."""
        numbers = list(row_numbers)
        found: dict[int, JournalEntry] = {}
        with self._lock:
            for start in range(0, len(numbers), 500):  # SQLite caps bound parameters per statement
                part = numbers[start:start + 500]
                marks = ",".join("?" * len(part))
                for row in self._conn.execute(
                    "SELECT row_number, row_hash, state, outcome, record_id, messages, payload, attempts "
                    f"FROM rows WHERE row_number IN ({marks})", part
                ):
                    found[row[0]] = _entry(row)
        return found

    def all_entries(self) -> Iterator[JournalEntry]:
        """Every journaled row, in row order."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT row_number, row_hash, state, outcome, record_id, messages, payload, attempts "
                "FROM rows ORDER BY row_number").fetchall()
        return (_entry(row) for row in rows)

    def record_ids(self) -> set[int]:
        """Ids that finished rows of this job created or matched."""
        with self._lock:
            return {r[0] for r in self._conn.execute("SELECT record_id FROM rows WHERE record_id IS NOT NULL")}

    def states(self) -> dict[str, int]:
        """How many rows are in each state."""
        with self._lock:
            return dict(self._conn.execute("SELECT state, COUNT(*) FROM rows GROUP BY state").fetchall())

    # -- writes --------------------------------------------------------------------------------------

    def begin(self, rows: Iterable[tuple[int, str, Any]]) -> None:
        """Register rows `(number, hash, match key)` as pending (rows already journaled are left alone)."""
        now = time.time()
        values = [(n, h, None if k is None else json.dumps(k, default=str), now) for n, h, k in rows]
        with self._lock:
            self._conn.execute("BEGIN")
            self._conn.executemany(
                "INSERT OR IGNORE INTO rows (row_number, row_hash, match_key, state, updated_at) "
                "VALUES (?, ?, ?, 'pending', ?)", values)
            self._conn.execute("COMMIT")

    def rehash(self, row_number: int, new_hash: str) -> None:
        """Adopt a changed row's new content (only for rows that were never sent)."""
        with self._lock:
            self._conn.execute("UPDATE rows SET row_hash = ?, state = 'pending', outcome = NULL, record_id = NULL, "
                               "messages = '[]', payload = NULL WHERE row_number = ? AND state != 'sent'",
                               (new_hash, row_number))

    def mark_sent(self, row_number: int, payload: Mapping[str, Any] | None) -> None:
        """Record that a write for the row is about to leave (committed before the request is sent)."""
        with self._lock:
            self._conn.execute(
                "UPDATE rows SET state = 'sent', payload = ?, attempts = attempts + 1, updated_at = ? "
                "WHERE row_number = ?",
                (None if payload is None else json.dumps(payload, default=str), time.time(), row_number))

    def mark_pending(self, row_number: int) -> None:
        """Undo `mark_sent` when the request provably never reached Autotask."""
        with self._lock:
            self._conn.execute("UPDATE rows SET state = 'pending', updated_at = ? WHERE row_number = ?",
                               (time.time(), row_number))

    def finish(self, result: RowResult, *, state: str = "done") -> None:
        """Store a row's outcome; `state="sent"` keeps it to be reconciled again on the next resume."""
        with self._lock:
            self._conn.execute(
                "UPDATE rows SET state = ?, outcome = ?, record_id = ?, messages = ?, updated_at = ? "
                "WHERE row_number = ?",
                (state, result.outcome, result.id, json.dumps(list(result.messages)), time.time(), result.row_number))

    def close(self) -> None:
        """Close the database (checkpointing the WAL)."""
        with self._lock:
            self._conn.close()
        self._release_run_lock()

    def remove(self) -> None:
        """Delete the (closed) journal's files: for a job that wrote nothing."""
        if self.path is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _entry(row: Sequence[Any]) -> JournalEntry:
    return JournalEntry(
        row_number=row[0], row_hash=row[1], state=row[2], outcome=row[3], record_id=row[4],
        messages=tuple(json.loads(row[5] or "[]")), payload=None if row[6] is None else json.loads(row[6]),
        attempts=row[7],
    )
