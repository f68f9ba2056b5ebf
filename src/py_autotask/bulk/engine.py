"""The synchronous bulk engine: `BulkEngine(client).create/update/upsert/delete(...)` → a stream of results.

    engine = BulkEngine(client)
    run = engine.upsert("Tickets", "tickets.csv", key=["externalID"], journal="tickets.journal.sqlite")
    for result in run:                      # RowResult per input row, as rows finish
        ...
    print(run.summary.describe())

Nothing happens until the run is iterated (or `run.wait()` is called). Rows are read, validated and
looked up chunk by chunk on the calling thread; writes run on a pool of as many threads as the
endpoint's concurrency limit (3 on Autotask), so at most that many are in flight — the client's
endpoint limiter enforces it, and `Metering` lowers it on 429s. Results arrive in completion order.
Stopping the iteration early (break, exception, Ctrl-C) lets the writes in flight finish and be
journaled; rows not yet started stay pending for `--resume`.

Everything but the thread pool is shared with `AsyncBulkEngine` and lives in `base.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from ..flows import SyncFlowClient
from .base import EngineBase, JobSteps, Lookups, RunBase, open_job
from .job import BulkOptions, RowTask
from .results import BulkSummary, RowResult
from .validate import Operation

__all__ = ["BulkEngine", "BulkRun"]


class BulkEngine(EngineBase["BulkRun"]):
    """Bulk writes over one `AutotaskClient`."""

    def __init__(self, client: SyncFlowClient, *, sleep: Callable[[float], None] | None = None) -> None:
        """`sleep` replaces the client's for the job's pauses and retries (tests pass a no-op)."""
        super().__init__(client, sleep)

    def run(self, operation: Operation, entity: str, rows: Any, options: BulkOptions) -> BulkRun:
        """A lazy run of any operation."""
        return BulkRun(self, operation, entity, rows, options)


class BulkRun(RunBase):
    """One bulk job: iterate it for `RowResult`s; `summary` fills in as it goes."""

    _engine: BulkEngine

    def wait(self) -> BulkSummary:
        """Run to the end, discarding the per-row results; returns the summary."""
        for _ in self:
            pass
        return self.summary

    def __iter__(self) -> Iterator[RowResult]:
        if self._started:
            raise RuntimeError("a BulkRun can be iterated only once")
        self._started = True
        return self._results()

    # -- the driver ----------------------------------------------------------------------------------
    def _results(self) -> Iterator[RowResult]:
        drive = self._engine._drive
        job: JobSteps = drive(open_job(self._engine.client, self.entity, self.operation, self.options))
        self.summary = job.summary
        pool = ThreadPoolExecutor(max_workers=job.ceiling, thread_name_prefix="bulk")
        pending: dict[Future[RowResult], RowTask] = {}
        try:
            for step in job.steps(self._rows):
                if isinstance(step, RowResult):
                    yield step
                elif isinstance(step, Lookups):
                    drive(step.flow)
                else:
                    # `ceiling` threads run rows; as many more wait queued so no thread idles
                    # while this thread reads, validates and looks up the next chunk.
                    while len(pending) >= 2 * job.ceiling:
                        yield from self._collect(pending)
                    pending[pool.submit(drive, job.row_flow(step))] = step
            while pending:
                yield from self._collect(pending)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            for future, task in pending.items():
                if future.cancelled():
                    job.interrupted(task)
            job.close()

    def _collect(self, pending: dict[Future[RowResult], RowTask]) -> Iterator[RowResult]:
        done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
        for future in done:
            pending.pop(future)
            yield future.result()
