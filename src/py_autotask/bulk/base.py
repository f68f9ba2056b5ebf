"""What the sync and the async bulk engine share: their methods, and a whole run as sans-I/O steps.

Both engines are thin drivers over this module, as `AutotaskClient` and `AsyncAutotaskClient` drive
`_core/flow.py`. A run is:
1. `open_job(...)`: a flow that reads the entity's metadata and returns the job's `JobSteps`;
2. `JobSteps.steps(rows)`, in input order: results known at once (yield them), a chunk's `Lookups`
   (drive them to the end on the calling thread), and `RowTask`s (drive `JobSteps.row_flow(task)`
   concurrently: it returns the row's `RowResult`);
3. `JobSteps.close()` when the run ends, however it ends.
Every job flow yields `Op`s (the bulk's own vocabulary: query, create, update, delete, pause, metadata)
and `Blocking` actions (journal commits, opening the journal). `client_flow` turns such a flow into a
flow of the client's action set, each `Op` becoming the entity's own operation flow
(`entity.flows.create(...)`), so the client's `drive` (`_core/drive.py`: `run_sync` / `run_async`) runs
it like any other flow: on the sync client everything happens on the calling thread; on the async one
only the `Blocking` journal and file work goes to a worker thread. A call's `AutotaskError` is thrown
back into the job flow, which judges it.

Written here once, for both: journaling a write as sent before it leaves, the retry-or-stop decisions
of `Metering` around every call (the only 429 policy of a bulk call: the engine's calls run on a copy
of the client whose retry policy leaves 429s to it), the job-wide stop every row obeys once one call
says so, and the bookkeeping at the end. Only the concurrency stays in the drivers: a thread pool, or
asyncio tasks.
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

from .._catalog import find_entity
from .._exceptions import AutotaskError
from ..flows import AsyncFlowClient, Blocking, Sleep, SyncFlowClient
from ..flows import Flow as ClientFlow
from .flows import Done
from .job import BulkOptions, Chunk, JobCore, RowTask
from .matching import Flow, Op
from .metering import Metering, StopJob, http_total
from .results import BulkSummary, RowResult
from .validate import Operation

__all__ = ["EngineBase", "JobFlow", "JobSteps", "Lookups", "RunBase", "client_flow", "open_job"]

RunT = TypeVar("RunT")
#: A job's own flow: the row flows' `Op`s, plus `Blocking` journal work (see the module docstring).
JobFlow = Generator[Op | Blocking, Any, Any]


class EngineBase(abc.ABC, Generic[RunT]):
    """The operations of both engines; a subclass says only what kind of run it returns."""

    def __init__(self, client: SyncFlowClient | AsyncFlowClient, sleep: Callable[[float], Any] | None) -> None:
        self.client = client
        # The engine's calls leave every 429 to `Metering` (see the module docstring).
        policy = dataclasses.replace(client.config.retry, retry_rate_limited=False)
        self._calls: Any = client.with_options(retry_policy=policy)
        self._sleep = sleep

    def create(self, entity: str, rows: Any, **options: Any) -> RunT:
        """Create one record per row (`key=` makes creates safe to repeat: existing keys are refused)."""
        return self.run("create", entity, rows, BulkOptions(**options))

    def update(self, entity: str, rows: Any, **options: Any) -> RunT:
        """PATCH one record per row, found by its `id` column or by `key=` fields."""
        return self.run("update", entity, rows, BulkOptions(**options))

    def upsert(self, entity: str, rows: Any, *, key: list[str] | tuple[str, ...], **options: Any) -> RunT:
        """Update the record matching each row's `key` fields (only what differs), or create it."""
        return self.run("upsert", entity, rows, BulkOptions(key=key, **options))

    def delete(self, entity: str, rows: Any, **options: Any) -> RunT:
        """Delete one record per row, found by its `id` column or by `key=` fields."""
        return self.run("delete", entity, rows, BulkOptions(**options))

    @abc.abstractmethod
    def run(self, operation: Operation, entity: str, rows: Any, options: BulkOptions) -> RunT:
        """A lazy run of any operation."""

    def _drive(self, flow: JobFlow) -> Any:
        """Run a job flow on the client: its result on a sync client, an awaitable on an async one."""
        return self._calls.drive(client_flow(self._calls, flow), sleep=self._sleep)


def client_flow(client: SyncFlowClient | AsyncFlowClient, flow: JobFlow) -> ClientFlow:
    """`flow` (yielding `Op`s and `Blocking`s) as a flow of the client's actions; returns its value.

    Each `Op` runs as the entity's own operation flow; its `AutotaskError` is thrown back into `flow`, as
    is a failed `Blocking` call's error.
    """
    value: Any = None
    error: Exception | None = None
    try:
        while True:
            try:
                step = flow.throw(error) if error is not None else flow.send(value)
            except StopIteration as stop:
                return stop.value
            value, error = None, None
            if isinstance(step, Blocking):
                try:
                    value = yield step
                except Exception as exc:  # the trampoline throws a failed call's error here: pass it on
                    error = exc
                continue
            try:
                value = yield from _op_flow(client, step)
            except AutotaskError as exc:
                error = exc
    finally:
        flow.close()


def _op_flow(client: SyncFlowClient | AsyncFlowClient, op: Op) -> ClientFlow:
    """One `Op` as the client's flow for it (or a pause)."""
    if op.kind == "sleep":
        yield Sleep(op.seconds, "bulk pause")
        return None
    flows = client.entity(op.entity).flows
    if op.kind in ("fields", "udfs"):
        return (yield from flows.metadata(op.kind))
    if op.kind == "query":
        return (yield from flows.records(list(op.filter or ()), fields=list(op.fields) if op.fields else None))
    if op.kind == "create":
        return (yield from flows.create(dict(op.body or {}), parent_id=op.parent_id))
    if op.kind == "update":
        return (yield from flows.update(dict(op.body or {}), parent_id=op.parent_id))
    if op.kind == "delete" and op.record_id is not None:
        return (yield from flows.delete(op.record_id, parent_id=op.parent_id))
    raise ValueError(f"unknown op {op!r}")


class RunBase:
    """One bulk job as it was asked for; `summary` is replaced by the live one once the run starts."""

    def __init__(self, engine: Any, operation: Operation, entity: str, rows: Any, options: BulkOptions) -> None:
        self._engine = engine
        self.operation = operation
        self.entity = entity
        self._rows = rows
        self.options = options
        self.summary = BulkSummary(operation, entity, dry_run=options.dry_run)
        self._started = False


@dataclass(frozen=True)
class Lookups:
    """A chunk's reference checks and key lookups: drive them to the end before taking the next step."""

    flow: JobFlow


def open_job(client: Any, entity: str, operation: Operation, options: BulkOptions) -> JobFlow:
    """Read the entity's field (and UDF) metadata, then set the job up; returns its `JobSteps`."""
    http_before = http_total(client)  # taken first, so the summary's HTTP count includes the metadata
    catalog = find_entity(entity)
    name, has_udfs = catalog["name"], catalog["hasUdfs"]
    fields = yield Op("fields", name)
    udfs = (yield Op("udfs", name)) if has_udfs else []
    core = yield Blocking(partial(JobCore, name, operation, options, fields, udfs))  # opens the journal
    core.summary.requests["metadata"] += 2 if has_udfs else 1
    return JobSteps(client, core, http_before)


class JobSteps:
    """One run of a bulk job as sans-I/O steps, with the job-wide stop that every row obeys."""

    def __init__(self, client: Any, core: JobCore, http_before: int | None) -> None:
        self.core = core
        self.summary = core.summary
        self.metering = Metering(client, core.endpoints())
        #: Why the job stopped (threshold, credentials, …): rows not yet sent are skipped from then on.
        self.stop: str | None = None
        self._client = client
        self._http_before = http_before

    @property
    def ceiling(self) -> int:
        """The most requests the job may have in flight on any one endpoint (3 on Autotask)."""
        return self.metering.ceiling

    def steps(self, source: Any) -> Iterator[RowResult | Lookups | RowTask]:
        """The job in input order: results known at once, each chunk's lookups, then its rows to run."""
        for rows in self.core.chunks(source):
            if self.stop:
                for row in rows:
                    yield self.core.skipped(row, self.stop)
                continue
            chunk = self.core.prepare(rows)
            yield Lookups(self._lookups(chunk))  # driven to the end before `tasks` reads what it found
            for item in self.core.tasks(chunk):
                if isinstance(item, RowTask) and self.stop:
                    item.flow.close()
                    yield self.core.stopped(item, self.stop)
                else:
                    yield item

    def row_flow(self, task: RowTask) -> JobFlow:
        """A row's flow, metered; returns its `RowResult` (journaled and counted), never an API error."""
        try:
            done: Done = yield from self._metered(task, task.flow)
        except StopJob as stop:
            self.stop = self.stop or stop.reason
            return (yield Blocking(partial(self.core.stopped, task, stop.reason)))
        except AutotaskError as exc:  # a flow that could not judge an error (e.g. a route the client refused)
            return (yield Blocking(partial(self.core.crashed, task, exc)))
        return (yield Blocking(partial(self.core.finish, task, done)))  # a journal commit

    def interrupted(self, task: RowTask) -> None:
        """A row cancelled, or never started, because the run was left early: pending again if nothing left."""
        task.flow.close()
        self.core.stopped(task, "the run was interrupted")

    def close(self) -> BulkSummary:
        """End the run: give back the endpoint limits, close the journal, finish the summary."""
        self.metering.restore()
        summary = self.core.close()
        summary.aborted = summary.aborted or self.stop
        summary.throttled = self.metering.throttled
        after = http_total(self._client)
        summary.http_requests = None if after is None or self._http_before is None else after - self._http_before
        return summary

    def _lookups(self, chunk: Chunk) -> JobFlow:
        try:
            yield from self._metered(None, self.core.lookup_flow(chunk))
        except StopJob as stop:
            self.stop = stop.reason
        except AutotaskError as exc:  # the chunk's lookups failed: its rows cannot be judged now
            chunk.lookup_error = str(exc)

    def _metered(self, task: RowTask | None, flow: Flow) -> JobFlow:
        """Pass `flow`'s ops on, each call through `_call`; errors `_call` leaves to the flow are thrown in."""
        value: Any = None
        error: AutotaskError | None = None
        try:
            while True:
                try:
                    op = flow.throw(error) if error is not None else flow.send(value)
                except StopIteration as stop:
                    return stop.value
                value, error = None, None
                if op.kind == "sleep":
                    yield op
                    continue
                try:
                    value = yield from self._call(task, op)
                except AutotaskError as exc:
                    error = exc
        finally:
            flow.close()

    def _call(self, task: RowTask | None, op: Op) -> JobFlow:
        """One call: journaled and counted before it leaves, repeated after the pauses `Metering` asks for.

        Raises `StopJob` when the job must stop, or the call's error when it is the flow's to judge.
        """
        attempt = 0
        while True:
            if self.stop:
                raise StopJob(self.stop)  # another row stopped the job: send nothing new
            if task is not None and op.is_write:
                yield Blocking(partial(self.core.before_op, task, op))  # journaled as sent: a commit
            else:
                self.core.before_op(task, op)
            try:
                result = yield op
            except AutotaskError as exc:
                delay = self.metering.decide(exc, attempt)  # raises StopJob
                if delay is None:
                    raise
                attempt += 1
                yield Op("sleep", seconds=delay)
                continue
            self.metering.on_success(self.core.endpoint_of(op))
            return result
