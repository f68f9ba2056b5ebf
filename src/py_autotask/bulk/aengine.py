"""The asyncio bulk engine: `AsyncBulkEngine(aclient).create/update/upsert/delete(...)` → async results.

    run = AsyncBulkEngine(aclient).create("Tickets", rows, key=["externalID"])
    async for result in run:
        ...

The same jobs, flows and journal as `BulkEngine` (`base.py`, `job.py`, `flows.py`); only the driver
differs: each row runs as an asyncio task, at most as many at once as the endpoint's limit (3), and the
client's endpoint limiter (lowered by `Metering` on 429s) keeps the requests in flight within the limit.
Leaving the loop early (break, cancellation) cancels the rows still running; a row cancelled after its
write was journaled as sent is looked up on `--resume`, so cancellation can never cause a duplicate.

The steps between calls are synchronous work — reading the input, validating, and committing the journal
(SQLite, fsync'ed before every write leaves) — so they run in worker threads, never on the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from .._exceptions import AutotaskError
from .base import EngineBase, JobSteps, Lookups, RunBase, open_job
from .job import BulkOptions, RowTask
from .matching import Flow
from .results import BulkSummary, RowResult
from .validate import Operation

__all__ = ["AsyncBulkEngine", "AsyncBulkRun"]

T = TypeVar("T")
_END = object()


async def _off_loop(func: Callable[..., T], *args: Any) -> T:
    """Run one synchronous step in a worker thread; if cancelled, let it finish before re-raising."""
    future = asyncio.ensure_future(asyncio.to_thread(func, *args))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        # The step may be inside the flow (a journal commit): it must end before anyone closes the flow.
        await asyncio.wait([future])
        raise


def _advance(flow: Flow, value: Any, error: AutotaskError | None) -> tuple[bool, Any]:
    """One step of a flow: (True, its result) when it finished, else (False, the next op)."""
    try:
        return False, (flow.throw(error) if error is not None else flow.send(value))
    except StopIteration as stop:  # a StopIteration cannot cross a future: hand back the value instead
        return True, stop.value


class AsyncBulkEngine(EngineBase["AsyncBulkRun"]):
    """Bulk writes over one `AsyncAutotaskClient`."""

    def __init__(self, client: Any, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        super().__init__(client, sleep)

    def run(self, operation: Operation, entity: str, rows: Any, options: BulkOptions) -> AsyncBulkRun:
        """A lazy run of any operation."""
        return AsyncBulkRun(self, operation, entity, rows, options)


class AsyncBulkRun(RunBase):
    """One bulk job: `async for` it for `RowResult`s; `summary` fills in as it goes."""

    _engine: AsyncBulkEngine

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

    # -- the driver ----------------------------------------------------------------------------------
    async def _results(self) -> AsyncIterator[RowResult]:
        job: JobSteps = await self._run(open_job(self._engine.client, self.entity, self.operation, self.options,
                                                 is_async=True))
        self.summary = job.summary
        pending: dict[asyncio.Task[RowResult], RowTask] = {}
        try:
            steps = job.steps(self._rows)
            while (step := await _off_loop(next, steps, _END)) is not _END:
                if isinstance(step, RowResult):
                    yield step
                elif isinstance(step, Lookups):
                    await self._run(step.flow)
                else:
                    while len(pending) >= job.ceiling:  # tasks in flight <= the endpoint limit
                        for result in await self._collect(pending):
                            yield result
                    pending[asyncio.create_task(self._run(job.row_flow(step)))] = step
            while pending:
                for result in await self._collect(pending):
                    yield result
        finally:
            await self._cancel(job, pending)
            await _off_loop(job.close)

    async def _cancel(self, job: JobSteps, pending: dict[asyncio.Task[RowResult], RowTask]) -> None:
        """Cancel rows still running (the loop was left early); journal them as interrupted."""
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        for task, row_task in pending.items():
            if task.cancelled():
                await _off_loop(job.interrupted, row_task)

    async def _collect(self, pending: dict[asyncio.Task[RowResult], RowTask]) -> list[RowResult]:
        done, _ = await asyncio.wait(list(pending), return_when=asyncio.FIRST_COMPLETED)
        results = []
        for task in done:
            pending.pop(task)
            results.append(task.result())
        return results

    async def _run(self, flow: Flow) -> Any:
        """Drive a flow: perform its ops; a call's error is thrown back into the flow to judge."""
        value: Any = None
        error: AutotaskError | None = None
        try:
            while True:
                finished, op = await _off_loop(_advance, flow, value, error)
                if finished:
                    return op
                value, error = None, None
                try:
                    value = await self._engine._perform(op)
                except AutotaskError as exc:
                    error = exc
        finally:
            flow.close()
