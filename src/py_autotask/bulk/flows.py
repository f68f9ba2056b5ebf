"""What happens to one row, as a sans-I/O generator: create, update, upsert or delete, with reconciliation.

A row flow yields `Op`s (queries, writes, pauses), receives their results — or has the client's
exception thrown into it — and returns `Done(result, state)`. `base.py` meters the ops and the drivers
(`engine.py`, `aengine.py`) execute them; the journal and the summary are kept by `job.py`.

Exactly-once rules, written here once:
- A create that gets no answer (`AmbiguousWriteError`: timeout, reset or bare 5xx after sending) is
  never simply re-sent: the record is first looked up by its match key — the job's key fields, or, for
  unkeyed creates, every field sent — and only a lookup that finds nothing allows one more send.
- A row whose create may exist but cannot be confirmed (lookup failed, or several records match) ends
  `failed` with journal state `sent`, so a resume looks it up again instead of creating it.
- Updates and deletes are idempotent: the client already retries them; a failure that left the result
  unknown keeps state `sent` and a resume simply repeats it. A delete that finds the record gone after an
  interrupted attempt counts as deleted.
- Dry runs stop at the first write: the row reports what it would do, and nothing is sent.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._exceptions import (
    AmbiguousWriteError,
    APIConnectionError,
    APIStatusError,
    NotFoundError,
    QueryError,
)
from .matching import Flow, Op, diff, find_by_fields, find_by_key, record_value
from .results import RowResult
from .schema import EntitySchema, FieldSpec
from .validate import Operation, PreparedRow

__all__ = ["Done", "JobContext", "create_flow", "delete_flow", "update_flow", "upsert_flow"]


@dataclass(frozen=True)
class Done:
    """A row's final result; `state="sent"` keeps the row to be reconciled on the next resume."""

    result: RowResult
    state: str = "done"


@dataclass
class JobContext:
    """What every row flow of one job needs to know."""

    entity: str
    operation: Operation
    schema: EntitySchema
    keys: list[FieldSpec]
    parent_field: str | None = None
    dry_run: bool = False
    max_create_attempts: int = 5
    reconcile_delay: float = 3.0
    #: Ids created or matched by rows of this job: never the answer for another row's lookup.
    claimed: set[int] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def claim(self, record_id: int) -> None:
        """Remember an id as belonging to one row of this job."""
        with self._lock:
            self.claimed.add(record_id)

    def unclaimed(self, records: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """Records not already created or matched by another row of this job."""
        with self._lock:
            return [r for r in records if _id(r) not in self.claimed]

    def parent_of(self, row: PreparedRow, record: Mapping[str, Any] | None) -> int | None:
        """The parent id for a child-route write: the row's column, else the stored record's."""
        if row.parent_id is not None or self.parent_field is None or record is None:
            return row.parent_id
        spec = self.schema.field(self.parent_field)
        value = record_value(record, spec) if spec else None
        return None if value is None else int(value)

    def match_description(self) -> str:
        """How this job finds a record again, for messages."""
        if self.keys:
            return "key " + ", ".join(spec.column for spec in self.keys)
        return "every field sent"


def _id(record: Mapping[str, Any]) -> int | None:
    value = record.get("id")
    return None if value is None else int(value)


def _result(row: PreparedRow, outcome: str, record_id: int | None = None, *messages: str) -> RowResult:
    return RowResult(row.number, outcome, record_id, tuple(row.warnings) + messages)  # type: ignore[arg-type]


def _errors(exc: Exception) -> tuple[str, ...]:
    if isinstance(exc, APIStatusError) and exc.errors:
        return tuple(exc.errors)
    return (str(exc),)


def _find_created(ctx: JobContext, row: PreparedRow, body: Mapping[str, Any]) -> Flow:
    """Look a possibly-created record up: its id, None if absent, or a `Done` when it cannot be told."""
    try:
        if ctx.keys:
            found = yield from find_by_key(ctx.entity, ctx.keys, row)
        else:
            found = yield from find_by_fields(ctx.entity, ctx.schema, body)
    except (LookupError, QueryError, APIConnectionError, APIStatusError) as exc:
        reason = "; ".join(_errors(exc))
        return Done(_result(row, "failed", None, f"the create may have reached Autotask but could not be looked "
                            f"up ({reason}); not re-sent — check by {ctx.match_description()}"), state="sent")
    candidates = ctx.unclaimed(found)
    if len(candidates) > 1:
        ids = ", ".join(str(_id(r)) for r in candidates[:10])
        return Done(_result(row, "failed", None, f"the create may have reached Autotask and {len(candidates)} "
                            f"records match by {ctx.match_description()} (ids {ids}); not re-sent"), state="sent")
    if candidates:
        record_id = _id(candidates[0])
        assert record_id is not None
        ctx.claim(record_id)
        return record_id
    return None


def create_flow(ctx: JobContext, row: PreparedRow, resumed_payload: Mapping[str, Any] | None = None) -> Flow:
    """Create one record; reconcile before any re-send."""
    body = row.payload()
    if resumed_payload is not None:
        # The previous run sent this row and died before the answer was journaled.
        found = yield from _find_created(ctx, row, resumed_payload)
        if isinstance(found, Done):
            return found
        if found is not None:
            return Done(_result(row, "reconciled", found, "found by " + ctx.match_description() +
                                " after an interrupted run; not re-sent"))
    if ctx.dry_run:
        return Done(_result(row, "created", None, "dry run: would create"))
    notes: list[str] = []
    for _attempt in range(ctx.max_create_attempts):
        try:
            new_id = yield Op("create", ctx.entity, body=body, parent_id=row.parent_id)
        except AmbiguousWriteError as exc:
            notes.append(f"create unanswered ({exc.cause})")
            if ctx.reconcile_delay > 0:
                # A create Autotask is still processing would not be found yet: give it time to land.
                yield Op("sleep", seconds=ctx.reconcile_delay)
            found = yield from _find_created(ctx, row, body)
            if isinstance(found, Done):
                return Done(RowResult(row.number, "failed", None, (*notes, *found.result.messages)), "sent")
            if found is not None:
                return Done(_result(row, "reconciled", found, *notes,
                                    f"found by {ctx.match_description()}; not re-sent"))
            notes.append("not found, so sent again")
            continue
        except APIStatusError as exc:
            return Done(_result(row, "failed", None, *notes, *_errors(exc)))
        except APIConnectionError as exc:  # not ambiguous: the client proved nothing was sent
            return Done(_result(row, "failed", None, *notes, str(exc)))
        ctx.claim(int(new_id))
        return Done(_result(row, "created", int(new_id), *notes))
    return Done(_result(row, "failed", None, *notes, f"gave up after {ctx.max_create_attempts} unanswered "
                        "creates; --resume looks it up again before sending"), state="sent")


def upsert_flow(ctx: JobContext, row: PreparedRow, existing: Sequence[Mapping[str, Any]],
                resumed_payload: Mapping[str, Any] | None = None) -> Flow:
    """Update the record the key finds (only what differs), or create it when there is none."""
    if len(existing) > 1:
        ids = ", ".join(str(_id(r)) for r in existing[:10])
        return Done(_result(row, "failed", None, f"{len(existing)} records match by {ctx.match_description()} "
                            f"(ids {ids}); nothing written"))
    if not existing:
        if row.missing_required:
            return Done(_result(row, "invalid", None, *row.missing_required, "(no record matches, so it would be created)"))
        return (yield from create_flow(ctx, row, resumed_payload))
    record = existing[0]
    record_id = _id(record)
    ctx.claim(record_id)  # type: ignore[arg-type]
    changes = diff(row, record, ctx.schema)
    if not changes:
        if resumed_payload is not None:
            return Done(_result(row, "reconciled", record_id, "found by " + ctx.match_description() +
                                " after an interrupted run; already up to date"))
        return Done(_result(row, "unchanged", record_id))
    return (yield from _patch(ctx, row, record_id, changes, record))  # type: ignore[arg-type]


def update_flow(ctx: JobContext, row: PreparedRow, existing: Sequence[Mapping[str, Any]] | None) -> Flow:
    """PATCH one record, found by id or by key (with a key, only the fields that differ are sent)."""
    record: Mapping[str, Any] | None = None
    record_id = row.record_id
    if record_id is None:
        problem = _single(ctx, row, existing or [])
        if isinstance(problem, Done):
            return problem
        record = problem
        record_id = _id(record)
    if not any(name != "id" for name in row.fields) and not row.udfs:
        return Done(_result(row, "invalid", record_id, "no field to change"))
    changes = diff(row, record, ctx.schema) if record is not None else row.payload()
    if not changes:
        return Done(_result(row, "unchanged", record_id))
    return (yield from _patch(ctx, row, record_id, changes, record))  # type: ignore[arg-type]


def _single(ctx: JobContext, row: PreparedRow, existing: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | Done:
    key = ", ".join(f"{c}={v!r}" for c, v in row.key_wire.items())
    if not existing:
        return Done(_result(row, "failed", None, f"no {ctx.entity} record has {key}"))
    if len(existing) > 1:
        ids = ", ".join(str(_id(r)) for r in existing[:10])
        return Done(_result(row, "failed", None, f"{len(existing)} {ctx.entity} records have {key} (ids {ids})"))
    return existing[0]


def _patch(ctx: JobContext, row: PreparedRow, record_id: int, changes: dict[str, Any],
           record: Mapping[str, Any] | None) -> Flow:
    if ctx.dry_run:
        shown = ", ".join(sorted(changes))
        return Done(_result(row, "updated", record_id, f"dry run: would change {shown}"))
    body = {"id": record_id, **changes}
    try:
        yield Op("update", ctx.entity, body=body, record_id=record_id, parent_id=ctx.parent_of(row, record))
    except NotFoundError as exc:
        return Done(_result(row, "failed", record_id, *_errors(exc)))
    except APIStatusError as exc:
        return Done(_result(row, "failed", record_id, *_errors(exc)))
    except APIConnectionError as exc:
        # Whether the PATCH landed is unknown; repeating it is harmless, so a resume does exactly that.
        return Done(_result(row, "failed", record_id, str(exc), "--resume sends it again"), state="sent")
    return Done(_result(row, "updated", record_id))


def delete_flow(ctx: JobContext, row: PreparedRow, existing: Sequence[Mapping[str, Any]] | None,
                resumed: bool = False) -> Flow:
    """Delete one record, found by id or by key; gone already after an interrupted attempt = deleted."""
    record: Mapping[str, Any] | None = None
    record_id = row.record_id
    if record_id is None:
        if resumed and not existing:
            return Done(_result(row, "deleted", None, "already gone after the interrupted run"))
        problem = _single(ctx, row, existing or [])
        if isinstance(problem, Done):
            return problem
        record = problem
        record_id = _id(record)
    if ctx.dry_run:
        return Done(_result(row, "deleted", record_id, "dry run: would delete"))
    try:
        yield Op("delete", ctx.entity, record_id=record_id, parent_id=ctx.parent_of(row, record))
    except (NotFoundError, APIStatusError) as exc:
        if resumed and (isinstance(exc, NotFoundError) or "no matching records" in str(exc).lower()):
            return Done(_result(row, "deleted", record_id, "already gone after the interrupted run"))
        return Done(_result(row, "failed", record_id, *_errors(exc)))
    except APIConnectionError as exc:
        return Done(_result(row, "failed", record_id, str(exc), "--resume sends it again"), state="sent")
    return Done(_result(row, "deleted", record_id))
