"""Export state on disk: resumable checkpoints per output file, and incremental watermarks per entity.

Both are small JSON files replaced atomically (write a temporary file in the same directory, then
`os.replace`), so a process killed at any instant leaves either the old or the new state, never half.

A checkpoint is written only after the output file has been flushed up to the position it records,
so on resume the output can be truncated back to that position and the pending id ranges fetched
again: rows after the checkpoint are discarded, rows before it are kept, none is written twice.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .._exceptions import AutotaskError

__all__ = [
    "STATE_VERSION",
    "Checkpoint",
    "EntityWatermark",
    "OutputExistsError",
    "StateFileError",
    "Watermarks",
    "atomic_write_json",
    "check_no_overwrite",
    "options_key",
    "read_json",
]

STATE_VERSION = 1


def atomic_write_json(path: Path, data: Any, *, durable: bool = False) -> None:
    """Replace `path` with `data` as JSON in one step; `durable` also fsyncs (survives power loss)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1, sort_keys=True, default=str)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class OutputExistsError(FileExistsError):
    """An output of an earlier run is in the way: `path` exists, or `checkpoint` holds an interrupted export to it.

    Nothing has been written. `force=True` overwrites (or starts the interrupted export over); `resume=True`
    continues an interrupted one.
    """

    def __init__(self, path: Path, checkpoint: Path | None = None, others: int = 0) -> None:
        more = f" (and {others} more output{'s' if others > 1 else ''})" if others else ""
        if checkpoint is not None:
            text = (f"an interrupted export to {path}{more} can be continued (checkpoint {checkpoint}): resume it, "
                    f"or force a fresh start")
        else:
            text = f"{path}{more} exists already: force to overwrite it, or choose another output"
        super().__init__(text)
        self.path = path
        self.checkpoint = checkpoint
        self.others = others


def check_no_overwrite(outputs: list[Path], checkpoints: Path, *, resume: bool) -> None:
    """Raise OutputExistsError if an output exists, or an interrupted export to it waits, and this run would replace it.

    A resume may continue what a checkpoint (in `checkpoints`) describes; anything else already there — a
    complete output of an earlier run, a checkpoint without `resume` — is refused, so no run replaces a
    file it did not make without being told to.
    """
    blocked: list[tuple[Path, Path | None]] = []
    for path in outputs:
        checkpoint = checkpoints / f"{path.name}.json"
        if checkpoint.exists():
            if not resume:
                blocked.append((path, checkpoint))
        elif path.exists():
            blocked.append((path, None))
    if blocked:
        raise OutputExistsError(blocked[0][0], blocked[0][1], len(blocked) - 1)


class StateFileError(AutotaskError, ValueError):
    """A checkpoint or watermark file that cannot be read; the message names it and what to do."""


def read_json(path: Path) -> Any | None:
    """The parsed file, or None when it does not exist; StateFileError when it is damaged."""
    try:
        with path.open(encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        why = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
        raise StateFileError(f"{path} is damaged ({why}); move it away to "
                             "start over (an export then begins anew, an --incremental one reads everything)") from None


def options_key(options: dict[str, Any]) -> str:
    """A short stable hash of the options that decide an export's content (a resume must match it)."""
    text = json.dumps(options, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclasses.dataclass
class Checkpoint:
    """How far one entity's export got: pending id ranges, and the output's size when they were pending."""

    path: Path  # where this checkpoint lives
    entity: str
    key: str  # options_key of the export; a resume with other options starts over
    format: str
    output: str  # the final output file
    target: str  # the file rows are appended to (the output itself, or its NDJSON spool)
    columns: list[str]  # the exact column list, so resumed rows line up with the header
    ranges: list[tuple[int, int | None]]
    bytes: int = 0  # size of `target` at this checkpoint
    rows: int = 0  # rows in `target` at this checkpoint
    total: int | None = None  # count() when the export started (progress total)
    since: str | None = None  # the incremental lower bound this run uses (kept across a resume)
    complete: bool = False
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    def save(self) -> None:
        """Write the checkpoint atomically."""
        data = dataclasses.asdict(self)
        data["path"] = None
        data["version"] = STATE_VERSION
        data["saved_at"] = _now()
        data["ranges"] = [[lo, hi] for lo, hi in self.ranges]
        atomic_write_json(self.path, data)

    @classmethod
    def load(cls, path: Path) -> Checkpoint | None:
        """The checkpoint at `path`, or None if there is none (or it is from another version)."""
        data = read_json(path)
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            return None
        data.pop("version", None)
        data.pop("saved_at", None)
        data["path"] = path
        data["ranges"] = [(int(lo), None if hi is None else int(hi)) for lo, hi in data["ranges"]]
        fields = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in fields})

    def discard(self) -> None:
        """Remove the checkpoint file."""
        self.path.unlink(missing_ok=True)


@dataclasses.dataclass
class EntityWatermark:
    """Where the last complete incremental export of one entity left off.

    The next run fetches `field >= since - overlap` and skips the records listed in `recent` whose
    change value is unchanged: `recent` holds every record exported with a change value inside that
    overlap window, so a record changed *while* the previous export ran (in a range it had already
    passed) is fetched again, and a record that did not change is not.
    """

    field: str | None  # the change field used (None: no change field, every run is a full snapshot)
    since: str | None = None  # the highest change value seen (ISO 8601, UTC)
    overlap_s: float = 0.0  # how far before `since` the next run starts (the previous run's duration + margin)
    recent: dict[str, int] = dataclasses.field(default_factory=dict)  # id -> change value (epoch ms) in the overlap
    max_id: int | None = None  # highest id seen
    last_run: str | None = None
    records: int = 0


class Watermarks:
    """The incremental state file: one EntityWatermark per entity plus the last id read of each deletion log."""

    def __init__(self, path: Path) -> None:
        self.path = path
        data = read_json(path) or {}
        if not isinstance(data, dict):
            raise StateFileError(f"{path} is damaged (not a JSON object); move it away to start over (the next "
                                 "--incremental run then reads everything)")
        if data and data.get("version") != STATE_VERSION:
            raise StateFileError(f"{path} was written by another version of py-autotask (state version "
                             f"{data.get('version')!r}); move it away to start a full export")
        self._entities: dict[str, EntityWatermark] = {}
        fields = {f.name for f in dataclasses.fields(EntityWatermark)}
        for name, raw in (data.get("entities") or {}).items():
            self._entities[name] = EntityWatermark(**{k: v for k, v in raw.items() if k in fields})
        self._logs: dict[str, int] = {str(k): int(v) for k, v in (data.get("deletion_logs") or {}).items()}
        # The stamp of an incremental run that has not completed yet: its resume writes the same files.
        self.pending_run: str | None = data.get("pending_run")

    def get(self, entity: str) -> EntityWatermark | None:
        """The watermark of `entity`, or None before its first incremental export."""
        return self._entities.get(entity)

    def set(self, entity: str, mark: EntityWatermark) -> None:
        """Record `mark` for `entity` and save the file."""
        self._entities[entity] = mark
        self.save()

    def log_position(self, log: str) -> int | None:
        """The highest id already read from a deletion log, or None before the first read."""
        return self._logs.get(log)

    def set_log_position(self, log: str, max_id: int) -> None:
        """Record the highest id read from a deletion log and save the file."""
        self._logs[log] = int(max_id)
        self.save()

    def set_pending_run(self, stamp: str | None) -> None:
        """Record (or clear, with None) the stamp of the incremental run in progress and save the file."""
        self.pending_run = stamp
        self.save()

    def save(self) -> None:
        """Write the whole file atomically (and durably: it is written once per entity)."""
        data: dict[str, Any] = {
            "version": STATE_VERSION,
            "entities": {n: dataclasses.asdict(m) for n, m in sorted(self._entities.items())},
            "deletion_logs": dict(sorted(self._logs.items())),
        }
        if self.pending_run is not None:
            data["pending_run"] = self.pending_run
        atomic_write_json(self.path, data, durable=True)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
