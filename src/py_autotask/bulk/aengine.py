"""The asyncio bulk engine: `AsyncBulkEngine(aclient).create/update/upsert/delete(...)` → async results.

    run = AsyncBulkEngine(aclient).create("Tickets", rows, key=["externalID"])
    async for result in run:
        ...

The same jobs, flows and journal as `BulkEngine` (`job.py`, `flows.py`); only the driver differs: each
row runs as an asyncio task, at most as many at once as the endpoint's limit (3), and the client's
endpoint limiter (lowered by `Metering` on 429s) keeps the requests in flight within the limit. Leaving the loop early (break,
cancellation) cancels the rows still running; a row cancelled after its write was journaled as sent is
looked up on `--resume`, so cancellation can never cause a duplicate.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from .._exceptions import AutotaskError
from .flows import Done
from .job import BulkOptions, JobCore, RowTask
from .matching import Flow, Op
from .metering import Metering, StopJob, attach_throttle_hook, http_total
from .results import BulkSummary, RowResult
from .validate import Operation

__all__ = ["AsyncBulkEngine", "AsyncBulkRun"]


class AsyncBulkEngine:
    """Bulk writes over one `AsyncAutotaskClient`."""

    def __init__(self, client: Any, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.client = client
        self._sleep = sleep

    def create(self, entity: str, rows: Any, **options: Any) -> AsyncBulkRun:
        """Create one record per row (see `BulkEngine.create`)."""
        return self.run("create", entity, rows, BulkOptions(**options))

    def update(self, entity: str, rows: Any, **options: Any) -> AsyncBulkRun:
        """PATCH one record per row (see `BulkEngine.update`)."""
        return self.run("update", entity, rows, BulkOptions(**options))

    def upsert(self, entity: str, rows: Any, *, key: list[str] | tuple[str, ...], **options: Any) -> AsyncBulkRun:
        """Update the record matching each row's key, or create it (see `BulkEngine.upsert`)."""
        return self.run("upsert", entity, rows, BulkOptions(key=key, **options))

    def delete(self, entity: str, rows: Any, **options: Any) -> AsyncBulkRun:
        """Delete one record per row (see `BulkEngine.delete`)."""
        return self.run("delete", entity, rows, BulkOptions(**options))

    def run(self, operation: Operation, entity: str, rows: Any, options: BulkOptions) -> AsyncBulkRun:
        """A lazy run of any operation."""
        return AsyncBulkRun(self, operation, entity, rows, options)


class AsyncBulkRun:
    """One bulk job: `async for` it for `RowResult`s; `summary` fills in as it goes."""

    def __init__(self, engine: AsyncBulkEngine, operation: Operation, entity: str, rows: Any,
                 options: BulkOptions) -> None:
        self._engine = engine
        self.operation = operation
        self.entity = entity
        self._rows = rows
        self.options = options
        self.summary = BulkSummary(operation, entity, dry_run=options.dry_run)
        self._started = False
        self._stop: str | None = None

    async def wait(self) -> BulkSummary:
        """Run to the end, discarding the per-row results; returns the summary."""
        async for _ in self:
            pass
        return self.summary

    def __aiter__(self) -> AsyncIterator[RowResult]:
        if self._started:
            raise RuntimeError("an AsyncBulkRun can be iterated only once")
        self._started = True
        return self._results()

    async def _results(self) -> AsyncIterator[RowResult]:
        client = self._engine.client
        before = http_total(client)
        core = await self._core()
        self.summary = core.summary
        metering = Metering(client, core.endpoints())
        detach = attach_throttle_hook(client, metering, is_async=True)
        pending: dict[asyncio.Task[RowResult], RowTask] = {}
        try:
            for rows in core.chunks(self._rows):
                if self._stop:
                    for row in rows:
                        yield core.skipped(row, self._stop)
                    continue
                chunk = core.prepare(rows)
                try:
                    await self._drive(core, metering, None, core.lookup_flow(chunk))
                except StopJob as stop:
                    self._stop = stop.reason
                except AutotaskError as exc:  # the chunk's lookups failed: its rows cannot be judged now
                    chunk.lookup_error = str(exc)
                for item in core.tasks(chunk):
                    if isinstance(item, RowResult):
                        yield item
                    elif self._stop:
                        item.flow.close()
                        yield core.stopped(item, self._stop)
                    else:
                        while len(pending) >= metering.ceiling:  # tasks in flight <= the endpoint limit
                            for result in await self._collect(pending):
                                yield result
                        pending[asyncio.create_task(self._row(core, metering, item))] = item
            while pending:
                for result in await self._collect(pending):
                    yield result
        finally:
            await self._cancel(core, pending)
            detach()
            metering.restore()
            summary = core.close()
            summary.aborted = summary.aborted or self._stop
            summary.throttled = metering.throttled
            summary.http_requests = http_total(client) - before if before is not None else None

    async def _cancel(self, core: JobCore, pending: dict[asyncio.Task[RowResult], RowTask]) -> None:
        """Cancel rows still running (the loop was left early); journal them as interrupted."""
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        for task, row_task in pending.items():
            if task.cancelled():
                row_task.flow.close()
                core.stopped(row_task, "the run was interrupted")

    async def _collect(self, pending: dict[asyncio.Task[RowResult], RowTask]) -> list[RowResult]:
        done, _ = await asyncio.wait(list(pending), return_when=asyncio.FIRST_COMPLETED)
        results = []
        for task in done:
            pending.pop(task)
            results.append(task.result())
        return results

    async def _core(self) -> JobCore:
        ent = self._engine.client.entity(self.entity)
        fields = await ent.fields()
        udfs = await ent.udfs() if ent.spec.has_udfs else []
        core = JobCore(ent.name, self.operation, self.options, fields, udfs)
        core.summary.requests["metadata"] += 2 if ent.spec.has_udfs else 1
        return core

    async def _row(self, core: JobCore, metering: Metering, task: RowTask) -> RowResult:
        try:
            done: Done = await self._drive(core, metering, task, task.flow)
        except StopJob as stop:
            self._stop = self._stop or stop.reason
            return core.stopped(task, stop.reason)
        except AutotaskError as exc:  # a flow that could not judge an error (e.g. a route the client refused)
            return core.crashed(task, exc)
        return core.finish(task, done)

    async def _drive(self, core: JobCore, metering: Metering, task: RowTask | None, flow: Flow) -> Any:
        value: Any = None
        error: BaseException | None = None
        try:
            while True:
                try:
                    op = flow.throw(error) if error is not None else flow.send(value)
                except StopIteration as stop:
                    return stop.value
                value, error = None, None
                try:
                    value = await self._execute(core, metering, task, op)
                except AutotaskError as exc:
                    error = exc
        finally:
            flow.close()

    async def _execute(self, core: JobCore, metering: Metering, task: RowTask | None, op: Op) -> Any:
        if op.kind == "sleep":
            await self._engine._sleep(op.seconds)
            return None
        attempt = 0
        while True:
            if self._stop:
                raise StopJob(self._stop)
            core.before_op(task, op)
            try:
                result = await _call(self._engine.client, op)
            except AutotaskError as exc:
                delay = metering.decide(exc, attempt)
                if delay is None:
                    raise
                attempt += 1
                await self._engine._sleep(delay)
                continue
            metering.on_success(core.endpoint_of(op))
            return result


async def _call(client: Any, op: Op) -> Any:
    ent = client.entity(op.entity)
    if op.kind == "query":
        return await ent.query(list(op.filter or ()), fields=list(op.fields) if op.fields else None).to_list()
    if op.kind == "create":
        return await ent.create(dict(op.body or {}), parent_id=op.parent_id)
    if op.kind == "update":
        return await ent.update(dict(op.body or {}), parent_id=op.parent_id)
    if op.kind == "delete":
        return await ent.delete(op.record_id, parent_id=op.parent_id)
    raise ValueError(f"unknown op {op.kind!r}")

