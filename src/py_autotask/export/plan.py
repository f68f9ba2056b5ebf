"""Export planning as pure functions: which entities, which change field, which files, which id ranges.

Partitioning: an export of one entity starts as one open id range `[start, ∞)`. The first page
(500 records, ascending id) measures how densely the ids are packed; with the total from `count`
that estimates where the ids end, and idle workers then *split* the busiest range in two
(`id >= lo and id < mid`, `id >= mid and id < hi`) until every worker has a share. Whenever a
worker runs out, it splits the range with the most estimated work left again, so all workers stay
busy until the last page. Planning therefore costs no requests beyond `count` and the data itself.

Splitting is exact: the two halves are disjoint and cover the original range, a page already in
flight for the old range drops the ids that now belong to the new one, and each range remembers the
first id not yet *written* (the checkpoint), which is where a resumed export starts again.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import os
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "APPENDABLE_FORMATS",
    "CHANGE_FIELD_EXCEPTIONS",
    "FORMATS",
    "STDOUT_FORMATS",
    "ActivityLog",
    "IdRange",
    "RangeScheduler",
    "change_field",
    "deletion_logs_for",
    "is_modification_field",
    "output_paths",
    "queryable_entities",
    "select_entities",
]

FORMATS = ("csv", "json", "ndjson", "xlsx", "parquet")
STDOUT_FORMATS = ("csv", "json", "ndjson")
# Formats a resumed export appends to in place (after truncating back to the checkpoint). Parquet and
# xlsx files cannot be appended to, so they are assembled from a resumable NDJSON spool instead.
APPENDABLE_FORMATS = ("csv", "json", "ndjson")

# --- which field says "this record changed" ----------------------------------------------------------

# Deliberate choices where the generic order below would pick a different (narrower) field.
# Tickets: lastActivityDate also moves when notes, time entries or attachments are added, which
# lastTrackedModificationDateTime does not; Companies: the same reason against lastTrackedModifiedDateTime.
CHANGE_FIELD_EXCEPTIONS: dict[str, str] = {
    "Tickets": "lastActivityDate",
    "Companies": "lastActivityDate",
}
# The generic order: modification stamps first, activity stamps next, creation stamps last.
_MODIFICATION_FIELDS = (
    "lastModifiedDateTime",
    "lastModifiedDate",
    "lastModifiedTime",
    "lastActivityDateTime",
    "lastActivityDate",
    "updateDateTime",
    "lastActivity",
)
_CREATION_FIELDS = ("createDateTime", "createDate", "createdDateTime", "createdDate")


def change_field(entity: str, fields: Mapping[str, str] | Iterable[str]) -> str | None:
    """The datetime field `--since/--until` and `--incremental` filter on, or None if there is none.

    `fields` is the entity's field names (or a name -> dataType mapping; non-datetime fields are skipped).
    """
    if isinstance(fields, Mapping):
        names = {n.lower(): n for n, t in fields.items() if str(t).lower() == "datetime"}
    else:
        names = {n.lower(): n for n in fields}
    preferred = CHANGE_FIELD_EXCEPTIONS.get(entity)
    if preferred and preferred.lower() in names:
        return names[preferred.lower()]
    for candidate in (*_MODIFICATION_FIELDS, *_CREATION_FIELDS):
        if candidate.lower() in names:
            return names[candidate.lower()]
    return None


def is_modification_field(name: str | None) -> bool:
    """True if the field moves when a record changes (a creation stamp does not: it only finds new records)."""
    return name is not None and name.lower() in {f.lower() for f in _MODIFICATION_FIELDS}


# --- deletion logs ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ActivityLog:
    """A deletion-log entity and how its rows relate to an exported entity."""

    log: str  # e.g. "DeletedTicketLogs"
    entity: str  # the exported entity it reports deletions for
    id_field: str | None  # the log field holding the deleted record's id (None: the log has no such id)


# Activity logs record deleted notes, time entries and attachments of a ticket or task, but carry only
# the parent's id, not the deleted record's: they are reported as they are, beside these entities.
_ACTIVITY_LOG_ENTITIES = {
    "DeletedTicketActivityLogs": ("TicketNotes", "TimeEntries", "TicketAttachments"),
    "DeletedTaskActivityLogs": ("TaskNotes", "TimeEntries", "TaskAttachments"),
}
_DELETED_LOG = re.compile(r"^Deleted(\w+?)Logs$")


def deletion_logs_for(entity: str, catalog: Mapping[str, Mapping[str, Any]]) -> list[ActivityLog]:
    """The deletion-log entities of the catalogue that report deletions of `entity`'s records."""
    logs: list[ActivityLog] = []
    by_legacy = {str(e.get("legacy") or "").lower(): name for name, e in catalog.items()}
    for name in sorted(catalog):
        if name in _ACTIVITY_LOG_ENTITIES:
            if entity in _ACTIVITY_LOG_ENTITIES[name]:
                logs.append(ActivityLog(name, entity, None))
            continue
        match = _DELETED_LOG.match(name)
        if not match:
            continue
        subject = match.group(1)  # "Ticket" for DeletedTicketLogs
        if by_legacy.get(subject.lower()) != entity:
            continue
        id_field = next((f for f in catalog[name].get("fields", {}) if f.lower() == f"{subject.lower()}id"), None)
        logs.append(ActivityLog(name, entity, id_field))
    return logs


# --- entity selection and output files ----------------------------------------------------------------


def queryable_entities(catalog: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Every entity that can be queried at the root (what `export --all` exports), sorted."""
    return sorted(n for n, e in catalog.items() if {"queryPost", "queryGet"} & set(e.get("ops", ())))


def select_entities(spec: Sequence[str], catalog: Mapping[str, Mapping[str, Any]],
                    resolve: Any) -> list[str]:
    """Entity tags from `Tickets,Companies` arguments (globs like `Contract*` allowed); keeps order, no repeats.

    `resolve(name)` maps a name in any case to its tag and raises for unknown names.
    """
    chosen: list[str] = []
    for item in spec:
        for part in (p.strip() for p in item.split(",")):
            if not part:
                continue
            if any(ch in part for ch in "*?["):
                matches = [n for n in queryable_entities(catalog) if fnmatch.fnmatchcase(n.lower(), part.lower())]
                if not matches:
                    raise ValueError(f"no queryable entity matches {part!r}")
                names = matches
            else:
                names = [resolve(part)]
            chosen.extend(n for n in names if n not in chosen)
    return chosen


def output_paths(entities: Sequence[str], output: str | None, fmt: str | None) -> tuple[str, dict[str, Path | None]]:
    """The format and each entity's output file (None = stdout) for `-o FILE|DIR|-` and `--format`.

    Raises ValueError with a message meant for the user when the combination cannot work.
    """
    if output == "-":
        fmt = fmt or "csv"
        if fmt not in STDOUT_FORMATS:
            raise ValueError(f"{fmt} cannot be written to stdout; use -o FILE (stdout takes {', '.join(STDOUT_FORMATS)})")
        if len(entities) != 1:
            raise ValueError("stdout (-o -) takes exactly one entity; use -o DIR for several")
        return fmt, {entities[0]: None}
    target = Path(output) if output else Path(".")
    suffix_format = _format_of(target)
    named_a_directory = (output or "").endswith(("/", os.sep)) or target.is_dir()
    if target.suffix and not suffix_format and not named_a_directory:
        # `-o tickets.xml` is a typo or a format we do not write, not a directory to create.
        known = ", ".join(f".{s}" for s in (*FORMATS, *_ALIASES))
        raise ValueError(f"cannot tell the format of {output} from its extension {target.suffix} ({known}); "
                         f"for a directory, end the name with /")
    if suffix_format and not named_a_directory:
        if len(entities) != 1:
            raise ValueError(f"{target} is a file name but {len(entities)} entities were asked for; use -o DIR")
        if fmt and fmt != suffix_format:
            raise ValueError(f"--format {fmt} contradicts the file name {target.name}")
        return suffix_format, {entities[0]: target}
    fmt = fmt or "csv"
    return fmt, {name: target / f"{name}.{fmt}" for name in entities}


_ALIASES = {"jsonl": "ndjson", "xls": "xlsx", "pq": "parquet"}


def _format_of(path: Path) -> str | None:
    suffix = path.suffix.lower().lstrip(".")
    suffix = _ALIASES.get(suffix, suffix)
    return suffix if suffix in FORMATS else None


# --- id ranges and work stealing ------------------------------------------------------------------------


@dataclasses.dataclass
class IdRange:
    """A half-open id range `[lo, hi)` (hi None = unbounded) that one worker fetches page by page."""

    key: int
    lo: int  # the next id to request
    hi: int | None
    written: int  # every id below this is in the output (the resume point); ≤ lo
    busy: bool = False
    fetched_done: bool = False  # every page of the range has been fetched
    written_done: bool = False  # ... and written


class RangeScheduler:
    """Hands id ranges to workers and splits the largest one when a worker is idle (thread-safe)."""

    def __init__(self, ranges: Sequence[tuple[int, int | None]], *, total: int | None, page_size: int,
                 already: int = 0, total_coming: bool = False) -> None:
        self._cond = threading.Condition()
        self._ranges: dict[int, IdRange] = {}
        self._next_key = 0
        for lo, hi in ranges:
            self._add(lo, hi, lo)
        self.total = total  # records the whole export should have (from count), if known
        # A count is on its way (`set_total`): no split until it arrives, since without it the open last range
        # is split into ever smaller ranges past the last id, each costing a request.
        self._total_coming = total_coming and total is None
        self.page_size = page_size
        self._fetched = already  # records fetched (or already written before a resume)
        self._span = 0  # ids covered by fetched pages, for the density estimate
        self._span_records = 0
        self._max_seen: int | None = None
        self._failed = False
        self._idle = 0  # workers inside acquire(), waiting for work

    def _add(self, lo: int, hi: int | None, written: int) -> IdRange:
        rng = IdRange(self._next_key, lo, hi, written)
        self._ranges[rng.key] = rng
        self._next_key += 1
        return rng

    # -- what the workers call --------------------------------------------------------------------

    def acquire(self) -> IdRange | None:
        """A range to fetch (a free one, else half of the busiest); None once nothing is left to fetch."""
        with self._cond:
            self._idle += 1
            try:
                while True:
                    if self._failed:
                        return None
                    free = [r for r in self._ranges.values() if not r.busy and not r.fetched_done]
                    if free:
                        rng = min(free, key=lambda r: r.lo)
                        rng.busy = True
                        return rng
                    if not any(r.busy for r in self._ranges.values()):
                        return None
                    stolen = self._split_busiest()
                    if stolen is not None:
                        stolen.busy = True
                        return stolen
                    self._cond.wait()
            finally:
                self._idle -= 1

    def bounds(self, rng: IdRange) -> tuple[int, int | None]:
        """The bounds to request the next page of `rng` with."""
        with self._cond:
            return rng.lo, rng.hi

    def fetched(self, rng: IdRange, ids: Sequence[int], requested_lo: int) -> tuple[int, bool]:
        """Record a fetched page (ascending `ids`): how many leading ids to keep, and whether the range is done.

        Ids at or beyond the range's current `hi` were taken over by a split and must be dropped.
        """
        with self._cond:
            keep = len(ids)
            if rng.hi is not None:
                keep = next((i for i, v in enumerate(ids) if v >= rng.hi), len(ids))
            full = len(ids) >= self.page_size
            if keep:
                last = ids[keep - 1]
                rng.lo = last + 1
                self._max_seen = last if self._max_seen is None else max(self._max_seen, last)
            done = not full or keep < len(ids) or (rng.hi is not None and rng.lo >= rng.hi)
            # Density: a full page spans [requested_lo, last]; a final page spans the whole rest of the range.
            if keep:
                span_end = ids[keep - 1] + 1 if not done or rng.hi is None else rng.hi
                self._span += max(1, span_end - requested_lo)
                self._span_records += keep
            self._fetched += keep
            if done:
                rng.fetched_done = True
                rng.busy = False
            self._cond.notify_all()
            return keep, done

    def written(self, rng: IdRange, last_id: int | None, range_done: bool) -> None:
        """The writer has written a page of `rng` up to `last_id` (and all of it when `range_done`)."""
        with self._cond:
            if last_id is not None:
                rng.written = max(rng.written, last_id + 1)
            if range_done:
                rng.written_done = True

    def set_total(self, total: int | None) -> None:
        """The record count arrived (it is fetched while the first pages are)."""
        with self._cond:
            self.total = total
            self._total_coming = False
            self._cond.notify_all()

    def release(self, rng: IdRange) -> None:
        """A worker gives a range back unfinished (it failed); it can be retried."""
        with self._cond:
            rng.busy = False
            self._cond.notify_all()

    def fail(self) -> None:
        """Stop handing out work (an unrecoverable error)."""
        with self._cond:
            self._failed = True
            self._cond.notify_all()

    def pending(self) -> list[tuple[int, int | None]]:
        """The checkpoint: `[written, hi)` of every range whose records are not all written yet."""
        with self._cond:
            return [(r.written, r.hi) for r in sorted(self._ranges.values(), key=lambda r: r.written)
                    if not r.written_done and (r.hi is None or r.written < r.hi)]

    def written_below(self) -> int | None:
        """Every id below this one is written (None: every range is): where an ordered file may go up to."""
        with self._cond:
            return min((r.written for r in self._ranges.values()
                        if not r.written_done and (r.hi is None or r.written < r.hi)), default=None)

    # -- splitting ----------------------------------------------------------------------------------

    def _density(self) -> float | None:
        if self._span_records == 0:
            return None
        return self._span_records / self._span

    def _estimated_end(self, rng: IdRange, density: float) -> float:
        if rng.hi is not None:
            return rng.hi
        # An open range ends where the remaining records run out at the measured density.
        remaining = None if self.total is None else max(0, self.total - self._fetched)
        if remaining is None:
            return rng.lo + 4 * self.page_size / density
        others = sum(max(0, (r.hi or 0) - r.lo) for r in self._ranges.values()
                     if r is not rng and r.hi is not None and not r.fetched_done) * density
        return rng.lo + max(0.0, remaining - others) / density

    def _split_busiest(self) -> IdRange | None:
        density = self._density()
        if density is None or self._total_coming:
            return None
        best: tuple[float, IdRange, int] | None = None
        for rng in self._ranges.values():
            if not rng.busy or rng.fetched_done:
                continue
            end = self._estimated_end(rng, density)
            records = (end - rng.lo) * density
            if records < 2 * self.page_size:
                continue  # too little left to be worth a second worker
            # With k workers idle, the thief takes 1/(k+1) of the rest, so k splits in a row leave k+1 equal
            # shares (fewer, larger ranges: each range ends with one partly filled page). The victim keeps
            # at least the page it may have in flight.
            share = 1 / (self._idle + 1)
            mid = int(max(rng.lo + self.page_size / density, end - (end - rng.lo) * share))
            mid = max(mid, rng.lo + 1)
            if rng.hi is not None and mid >= rng.hi:
                continue
            if best is None or records > best[0]:
                best = (records, rng, mid)
        if best is None:
            return None
        _, victim, mid = best
        new = self._add(mid, victim.hi, mid)
        victim.hi = mid
        return new
