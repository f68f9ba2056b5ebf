"""The asyncio bulk engine: `AsyncBulkEngine(aclient).create/update/upsert/delete(...)` → async results.

    run = AsyncBulkEngine(aclient).create("Tickets", rows, key=["externalID"])
    async for result in run:
        ...

The same jobs, flows and journal as `BulkEngine` (`base.py`, `job.py`, `flows.py`); only the driver
differs: each row runs as an asyncio task, at most as many at once as the endpoint's limit (3), and the
client's endpoint limiter (lowered by `Metering` on 429s) keeps the requests in flight within the limit.
Leaving the loop early (break, cancellation) cancels the rows still running; a row cancelled after its
write was journaled as sent is looked up on `--resume`, so cancellation can never cause a duplicate.

Rows run on the event loop through the client's `drive`; only blocking work goes to worker threads:
reading and validating the input chunk by chunk, and the journal (SQLite, fsync'ed before every write
leaves), whose commits the job flows yield as `Blocking` actions.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from typing import Any

from ..flows import AsyncFlowClient, off_loop
from .base import EngineBase, JobSteps, Lookups, RunBase, open_job
from .job import BulkOptions, RowTask
from .results import BulkSummary, RowResult
from .validate import Operation

__all__ = ["AsyncBulkEngine", "AsyncBulkRun"]

_END = object()


class AsyncBulkEngine(EngineBase["AsyncBulkRun"]):
    """Bulk writes over one `AsyncAutotaskClient`."""

    def __init__(self, client: AsyncFlowClient, *, sleep: Callable[[float], Awaitable[None]] | None = None) -> None:
        """`sleep` replaces the client's for the job's pauses and retries (tests pass a no-op)."""
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
        drive = self._engine._drive
        job: JobSteps = await drive(open_job(self._engine.client, self.entity, self.operation, self.options))
        self.summary = job.summary
        pending: dict[asyncio.Task[RowResult], RowTask] = {}
        try:
            steps = job.steps(self._rows)
            while (step := await off_loop(partial(next, steps, _END))) is not _END:
                if isinstance(step, RowResult):
                    yield step
                elif isinstance(step, Lookups):
                    await drive(step.flow)
                else:
                    while len(pending) >= job.ceiling:  # tasks in flight <= the endpoint limit
                        for result in await self._collect(pending):
                            yield result
                    pending[asyncio.create_task(drive(job.row_flow(step)))] = step
            while pending:
                for result in await self._collect(pending):
                    yield result
        finally:
            await self._cancel(job, pending)
            await off_loop(job.close)

    async def _cancel(self, job: JobSteps, pending: dict[asyncio.Task[RowResult], RowTask]) -> None:
        """Cancel rows still running (the loop was left early); journal them as interrupted."""
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        for task, row_task in pending.items():
            if task.cancelled():
                await off_loop(partial(job.interrupted, row_task))

    async def _collect(self, pending: dict[asyncio.Task[RowResult], RowTask]) -> list[RowResult]:
        done, _ = await asyncio.wait(list(pending), return_when=asyncio.FIRST_COMPLETED)
        results = []
        for task in done:
            pending.pop(task)
            results.append(task.result())
        return results
