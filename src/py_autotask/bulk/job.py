"""One bulk job's bookkeeping, shared by the sync and async engines: options, chunks, journal, summary.

`JobCore` does everything that is not an API call: it resolves the entity's routes from the
catalogue, validates rows in chunks, consults and updates the journal, builds each row's flow (or
answers at once: invalid rows, rows finished by an earlier run), and counts results. The engines only
run flows against a client.
"""

from __future__ import annotations

import csv
import itertools
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo

from .._catalog import find_entity
from .._exceptions import ConfigurationError, UnsupportedOperationError, ValidationError
from .._records import check_sendable
from .flows import Done, JobContext, create_flow, delete_flow, update_flow, upsert_flow
from .journal import Journal, JournalEntry, row_hash
from .matching import Flow, Op, ReferenceCache, check_references, lookup_keys
from .readers import InputFileError, InputRow, read_rows
from .results import SUCCESS_OUTCOMES, BulkSummary, RowResult
from .schema import EntitySchema, entity_for_reference
from .validate import Operation, PreparedRow, RowValidator

__all__ = ["BulkOptions", "InputFileError", "JobCore", "RowTask"]

_CATALOG_OP = {"create": "create", "update": "update", "upsert": "update", "delete": "delete"}


@dataclass
class BulkOptions:
    """Everything a bulk job can be told besides entity, operation and rows (see `BulkEngine`).

    - `key`: match fields (`"externalID"`, `"udf:Customer Id"`). Upsert needs them; update/delete use
      them when rows carry no `id`; creates use them to refuse existing keys and to reconcile exactly.
    - `parent_field`: the column with the parent id of a child entity (default: the catalogue's).
    - `journal`: SQLite path for exactly-once across runs (None: in memory, this run only);
      `resume=True` continues the job recorded there.
    - `dry_run`: validate and look up only; `check_references`: verify referenced ids exist.
    - `read_only`: "drop" read-only columns (one notice) or "refuse" rows that set them.
    - `timezone`: zone of naive date-times (a `tzinfo` or IANA name; default UTC).
    - `chunk_size`: rows validated and looked up together; `max_create_attempts`: sends of one create
      (each after a lookup found nothing); `reconcile_delay`: seconds to wait before that lookup.
    - `format` / `sheet`: input format when the file suffix does not tell, and the XLSX sheet.
    - `skip_invalid`: a file input is read and validated whole before anything is written; when a
      row is invalid nothing is written (every row is reported) unless this is True, which writes the
      valid rows. Rows given as Python objects are validated chunk by chunk as they are written.
    """

    key: Sequence[str] = ()
    parent_field: str | None = None
    journal: str | os.PathLike[str] | None = None
    resume: bool = False
    dry_run: bool = False
    check_references: bool = False
    read_only: Literal["drop", "refuse"] = "drop"
    timezone: tzinfo | str | None = None
    chunk_size: int = 200
    max_create_attempts: int = 5
    reconcile_delay: float = 3.0
    format: str | None = None
    sheet: str | None = None
    skip_invalid: bool = False

    def naive_tz(self) -> tzinfo | None:
        """The zone naive date-times are read in (None = UTC)."""
        return ZoneInfo(self.timezone) if isinstance(self.timezone, str) else self.timezone


@dataclass
class RowTask:
    """A row with work to do: its flow, and what the journal knew about it before this run."""

    row: PreparedRow
    flow: Flow
    was_sent: bool
    wrote: bool = False


@dataclass
class Chunk:
    """Rows validated together, with their hashes, journal entries and existing records."""

    rows: list[PreparedRow]
    hashes: dict[int, str]
    entries: dict[int, JournalEntry]
    existing: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    lookup_error: str | None = None


class JobCore:
    """The non-I/O half of a bulk job."""

    def __init__(self, entity: str, operation: Operation, options: BulkOptions,
                 fields: list[dict[str, Any]], udfs: list[dict[str, Any]]) -> None:
        catalog = find_entity(entity)
        self._catalog = catalog
        self.entity = catalog["name"]
        self._write_parent = next((c["parent"] for c in catalog["children"] if _CATALOG_OP[operation] in c["ops"]),
                                  None)
        self.operation = operation
        self.options = options
        self.schema = EntitySchema(self.entity, fields, udfs)
        parent_field = self._parent_field(catalog, operation, options.parent_field)
        child_only_create = "create" not in catalog["ops"] and operation in ("create", "upsert")
        self.validator = RowValidator(self.schema, operation, key=options.key, parent_field=parent_field,
                                      parent_required=child_only_create, read_only=options.read_only,
                                      naive_tz=options.naive_tz())
        if operation == "upsert" and not options.key:
            raise ConfigurationError("upsert needs key fields to find existing records (key=[...] / --key)")
        self.ctx = JobContext(self.entity, operation, self.schema, self.validator.key_specs,
                              parent_field=parent_field, dry_run=options.dry_run,
                              max_create_attempts=options.max_create_attempts,
                              reconcile_delay=options.reconcile_delay)
        # A dry run never touches the job's journal: it uses a throwaway one so the logic stays identical.
        path = None if options.dry_run else options.journal
        self.journal = Journal(path, operation=operation, entity=self.entity, key=list(options.key),
                               resume=options.resume)
        self.summary = BulkSummary(operation, self.entity, dry_run=options.dry_run)
        if self.journal.resumed:
            self.ctx.claimed.update(self.journal.record_ids())
            states = self.journal.states()
            self.summary.notices.append(
                f"resumed the journal {self.journal.path}: {states.get('done', 0)} rows finished before, "
                f"{states.get('sent', 0)} unconfirmed (looked up before any re-send)")
        elif options.resume and not options.dry_run:
            self.summary.notices.append("no journal to resume; started a new one")
        self.refusal: str | None = None  # set when invalid rows stop the whole job (see _check_whole_file)
        self._wrote_nothing = False  # the file could not be read: the job stopped before its first write
        self._references = ReferenceCache.empty()
        self._reference_targets = self._targets() if options.check_references else {}

    # -- setup -------------------------------------------------------------------------------------
    def _parent_field(self, catalog: Mapping[str, Any], operation: str, given: str | None) -> str | None:
        op = _CATALOG_OP[operation]
        children = [c for c in catalog["children"] if op in c["ops"]]
        if op not in catalog["ops"] and not children:
            raise UnsupportedOperationError(f"{catalog['name']} cannot be {op}d through the REST API")
        if given:
            return given
        if children and children[0].get("parentField"):
            return str(children[0]["parentField"])
        return None

    def endpoints(self) -> list[str]:
        """The endpoints (first URL segments) this job calls: the entity's collection, its parent route."""
        names = [self._catalog["collection"] or self.entity]
        if self._write_parent:
            names.append(self._write_parent)
        return names

    def endpoint_of(self, op: Op) -> str:
        """The endpoint an op is counted against (child-route writes count against the parent)."""
        if op.is_write and self._write_parent and (op.parent_id is not None or
                                                   _CATALOG_OP.get(op.kind, op.kind) not in self._catalog["ops"]):
            return self._write_parent
        return op.entity if op.entity != self.entity else (self._catalog["collection"] or self.entity)

    def _targets(self) -> dict[str, str]:
        targets = {}
        for spec in self.schema.fields.values():
            target = entity_for_reference(spec.reference)
            if target and "queryPost" in find_entity(target)["ops"]:
                targets[spec.name] = target
        return targets

    # -- chunks ------------------------------------------------------------------------------------
    def chunks(self, source: Any) -> Iterator[list[InputRow]]:
        """The input, read lazily and cut into chunks of `chunk_size` rows (a file is checked whole first)."""
        if isinstance(source, (str, os.PathLike)) and not self.options.dry_run:
            self._check_whole_file(source)
        rows = read_rows(source, format=self.options.format, sheet=self.options.sheet)
        while chunk := list(itertools.islice(rows, max(1, self.options.chunk_size))):
            yield chunk

    def _check_whole_file(self, source: str | os.PathLike[str]) -> None:
        """Read and validate every row of the file before the first write (memory: one row at a time).

        A file that cannot be read to its end (bad encoding, a ragged line, broken JSON) raises
        InputFileError, --skip-invalid or not; invalid rows make `refusal` say why no row will be written
        (unless --skip-invalid).
        """
        invalid: list[int] = []
        count = 0
        try:
            for row in read_rows(source, format=self.options.format, sheet=self.options.sheet):
                if not self.validator.validate(row).valid:
                    count += 1
                    if len(invalid) < 5:
                        invalid.append(row.number)
        except (ConfigurationError, ValueError, csv.Error) as exc:
            self._wrote_nothing = True
            raise InputFileError(f"{os.fspath(source)}: {_reading_problem(exc, source)}; nothing was written") from None
        if count and not self.options.skip_invalid:
            rows = ", ".join(map(str, invalid)) + (", …" if count > len(invalid) else "")
            self.refusal = (f"nothing written: {count} row{'s' if count != 1 else ''} of the input "
                            f"{'are' if count != 1 else 'is'} invalid (row {rows}); fix them, or pass "
                            "--skip-invalid to write the valid rows")

    def prepare(self, rows: list[InputRow]) -> Chunk:
        """Validate a chunk and register it in the journal (not when the job writes nothing)."""
        prepared = [self.validator.validate(row) for row in rows]
        hashes = {row.number: row_hash(row.data) for row in rows}
        if self.refusal:
            return Chunk(prepared, hashes, {})
        entries = self.journal.entries(hashes)
        self.journal.begin((p.number, hashes[p.number], list(p.key_wire.values()) or None) for p in prepared
                           if p.number not in entries)
        return Chunk(prepared, hashes, entries)

    def lookup_flow(self, chunk: Chunk) -> Flow:
        """Reference checks and key lookups for a chunk (queries only)."""
        todo = [p for p in chunk.rows if p.valid and not self._finished(chunk, p) and not self.refusal]
        if self._reference_targets and todo:
            yield from check_references(self.schema, todo, self._references, self._reference_targets)
        keyed = [p for p in todo if p.valid and p.key is not None and
                 (self.operation in ("upsert", "create") or p.record_id is None)]
        if self.ctx.keys and keyed:
            chunk.existing = yield from lookup_keys(self.entity, self.ctx.keys, keyed)
        return None

    def _finished(self, chunk: Chunk, row: PreparedRow) -> bool:
        entry = chunk.entries.get(row.number)
        return entry is not None and entry.state == "done" and entry.outcome in SUCCESS_OUTCOMES

    def tasks(self, chunk: Chunk) -> Iterator[RowResult | RowTask]:
        """Each row of the chunk: its result right away, or the task that will produce it."""
        for row in chunk.rows:
            if self.refusal:
                yield self.record(RowResult(row.number, "invalid", row.record_id, tuple(row.problems)) if
                                  not row.valid else RowResult(row.number, "skipped", row.record_id,
                                                               (self.refusal,)), journal=False)
                continue
            entry = self._never_left(chunk.entries.get(row.number))
            new_hash = chunk.hashes[row.number]
            if entry is not None and entry.row_hash != new_hash and (entry.state == "sent" or
                                                                   self._finished(chunk, row)):
                yield self.record(RowResult(row.number, "failed", entry.record_id, (
                    f"row {row.number} changed since an earlier run of this job wrote it "
                    f"({entry.outcome or 'unconfirmed'}); not written again — start a new job (new journal) "
                    "to write the changed content",)), journal=False)
                continue
            if self._finished(chunk, row):
                yield self.record(entry.result(), journal=False)  # type: ignore[union-attr]
                continue
            if entry is not None and entry.row_hash != new_hash:
                self.journal.rehash(row.number, new_hash)
            if not row.valid:
                yield self.record(RowResult(row.number, "invalid", row.record_id, tuple(row.problems)))
                continue
            if chunk.lookup_error is not None:
                yield self.record(RowResult(row.number, "failed", None, (
                    f"looking up existing records failed: {chunk.lookup_error}; nothing sent (--resume retries)",)),
                    journal=False)
                continue
            was_sent = entry is not None and entry.state == "sent"
            yield RowTask(row, self._flow(chunk, row, entry if was_sent else None), was_sent)

    def _never_left(self, entry: JournalEntry | None) -> JournalEntry | None:
        """A `sent` entry whose body could not even be encoded (a journal of an earlier version, which
        validated less) never reached Autotask: it is pending again, so a resume can finish the row."""
        if entry is None or entry.state != "sent" or entry.payload is None:
            return entry
        try:
            check_sendable(entry.payload)
        except ValidationError:
            self.journal.mark_pending(entry.row_number)
            return replace(entry, state="pending", payload=None)
        return entry

    def _flow(self, chunk: Chunk, row: PreparedRow, sent: JournalEntry | None) -> Flow:
        existing = chunk.existing.get(row.number)
        payload = None if sent is None else (sent.payload or row.payload())
        if self.operation == "upsert":
            return upsert_flow(self.ctx, row, existing or [], payload)
        if self.operation == "update":
            return update_flow(self.ctx, row, existing)
        if self.operation == "delete":
            return delete_flow(self.ctx, row, existing, resumed=sent is not None)
        if existing and sent is None:
            return _already_exists(self.ctx, row, existing)
        return create_flow(self.ctx, row, payload)

    # -- bookkeeping around ops ---------------------------------------------------------------------
    def before_op(self, task: RowTask | None, op: Op) -> None:
        """Journal a write as sent before it leaves; count the call."""
        if op.kind != "sleep":
            self.summary.requests[op.kind] += 1
        if task is not None and op.is_write:
            self.journal.mark_sent(task.row.number, op.body if op.body is not None else {"id": op.record_id})
            task.wrote = True

    def finish(self, task: RowTask, done: Done) -> RowResult:
        """Journal and count a row's final result."""
        return self.record(done.result, state=done.state)

    def record(self, result: RowResult, *, journal: bool = True, state: str = "done") -> RowResult:
        """Count a result (and journal it unless it came from the journal)."""
        if journal and not self.options.dry_run:
            self.journal.finish(result, state=state)
        self.summary.add(result)
        return result

    def stopped(self, task: RowTask, reason: str) -> RowResult:
        """A row interrupted by a job-stopping condition: pending again unless a write may have left."""
        if not task.wrote and not task.was_sent:
            self.journal.mark_pending(task.row.number)
        note = "stopped before it was sent" if not task.wrote else "stopped after a write was sent; --resume checks it"
        return self.record(RowResult(task.row.number, "skipped", None, (reason, note)), journal=False)

    def crashed(self, task: RowTask, exc: Exception) -> RowResult:
        """A row whose flow ended in an error it could not judge; `sent` if a write may have left."""
        # A ValidationError is the client refusing the body before any request left.
        state = "sent" if task.was_sent or (task.wrote and not isinstance(exc, ValidationError)) else "done"
        return self.record(RowResult(task.row.number, "failed", None, (f"{type(exc).__name__}: {exc}",)), state=state)

    def skipped(self, row: InputRow | PreparedRow, reason: str) -> RowResult:
        """A row the job never reached."""
        return self.record(RowResult(row.number, "skipped", None, (reason,)), journal=False)

    def close(self) -> BulkSummary:
        """Close the journal and finish the summary."""
        self.summary.notices.extend(self.validator.notices.values())
        self.summary.finished = time.monotonic()
        if self.refusal:
            self.summary.aborted = self.summary.aborted or self.refusal
        self.journal.close()
        if (self.refusal or self._wrote_nothing) and not self.journal.resumed:
            self.journal.remove()  # it holds nothing: the corrected file starts a new job without --resume
        return self.summary


def _reading_problem(exc: BaseException, source: str | os.PathLike[str]) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (a byte 0x{exc.object[exc.start]:02x}); save it as UTF-8"
    if isinstance(exc, csv.Error):
        return f"not readable as CSV ({exc})"
    return str(exc).removeprefix(f"{os.fspath(source)}: ")  # the readers name the file too


def _already_exists(ctx: JobContext, row: PreparedRow, existing: list[dict[str, Any]]) -> Flow:
    """A keyed create whose key already exists: refuse rather than duplicate (upsert updates it)."""
    ids = ", ".join(str(r.get("id")) for r in existing[:10])
    key = ", ".join(f"{c}={v!r}" for c, v in row.key_wire.items())
    yield from ()  # a flow like every other, though it needs no call
    return Done(RowResult(row.number, "failed", None, (f"a {ctx.entity} record with {key} already exists "
                                                       f"(id {ids}); use upsert to update it",)))
