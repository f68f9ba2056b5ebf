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
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from .._exceptions import AutotaskError
from .flows import Done
from .job import BulkOptions, JobCore, RowTask
from .matching import Flow, Op
from .metering import Metering, StopJob, attach_throttle_hook, http_total
from .results import BulkSummary, RowResult
from .validate import Operation

__all__ = ["BulkEngine", "BulkRun"]


class BulkEngine:
    """Bulk writes over one `AutotaskClient`."""

    def __init__(self, client: Any, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self.client = client
        self._sleep = sleep

    def create(self, entity: str, rows: Any, **options: Any) -> BulkRun:
        """Create one record per row (`key=` makes creates safe to repeat: existing keys are refused)."""
        return self.run("create", entity, rows, BulkOptions(**options))

    def update(self, entity: str, rows: Any, **options: Any) -> BulkRun:
        """PATCH one record per row, found by its `id` column or by `key=` fields."""
        return self.run("update", entity, rows, BulkOptions(**options))

    def upsert(self, entity: str, rows: Any, *, key: list[str] | tuple[str, ...], **options: Any) -> BulkRun:
        """Update the record matching each row's `key` fields (only what differs), or create it."""
        return self.run("upsert", entity, rows, BulkOptions(key=key, **options))

    def delete(self, entity: str, rows: Any, **options: Any) -> BulkRun:
        """Delete one record per row, found by its `id` column or by `key=` fields."""
        return self.run("delete", entity, rows, BulkOptions(**options))

    def run(self, operation: Operation, entity: str, rows: Any, options: BulkOptions) -> BulkRun:
        """A lazy run of any operation."""
        return BulkRun(self, operation, entity, rows, options)


class BulkRun:
    """One bulk job: iterate it for `RowResult`s; `summary` fills in as it goes."""

    def __init__(self, engine: BulkEngine, operation: Operation, entity: str, rows: Any,
                 options: BulkOptions) -> None:
        self._engine = engine
        self.operation = operation
        self.entity = entity
        self._rows = rows
        self.options = options
        self.summary = BulkSummary(operation, entity, dry_run=options.dry_run)
        self._started = False
        self._stop: str | None = None

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
        client = self._engine.client
        before = http_total(client)
        core = self._core()
        self.summary = core.summary
        metering = Metering(client, core.endpoints())
        detach = attach_throttle_hook(client, metering, is_async=False)
        pool = ThreadPoolExecutor(max_workers=metering.ceiling, thread_name_prefix="bulk")
        pending: dict[Future[RowResult], RowTask] = {}
        try:
            for rows in core.chunks(self._rows):
                if self._stop:
                    for row in rows:
                        yield core.skipped(row, self._stop)
                    continue
                chunk = core.prepare(rows)
                try:
                    self._drive(core, metering, None, core.lookup_flow(chunk))
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
                        # `ceiling` threads run rows; as many more wait queued so no thread idles
                        # while this thread reads, validates and looks up the next chunk.
                        while len(pending) >= 2 * metering.ceiling:
                            yield from self._collect(pending)
                        pending[pool.submit(self._row, core, metering, item)] = item
            while pending:
                yield from self._collect(pending)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            for future, task in pending.items():
                if future.cancelled():
                    task.flow.close()
                    core.stopped(task, "the run was interrupted")
            detach()
            metering.restore()
            summary = core.close()
            summary.aborted = summary.aborted or self._stop
            summary.throttled = metering.throttled
            summary.http_requests = http_total(client) - before if before is not None else None

    def _collect(self, pending: dict[Future[RowResult], RowTask]) -> Iterator[RowResult]:
        done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
        for future in done:
            pending.pop(future)
            yield future.result()

    def _core(self) -> JobCore:
        ent = self._engine.client.entity(self.entity)
        fields = ent.fields()
        udfs = ent.udfs() if ent.spec.has_udfs else []
        core = JobCore(ent.name, self.operation, self.options, fields, udfs)
        core.summary.requests["metadata"] += 2 if ent.spec.has_udfs else 1
        return core

    def _row(self, core: JobCore, metering: Metering, task: RowTask) -> RowResult:
        """Run one row's flow on a worker thread."""
        try:
            done: Done = self._drive(core, metering, task, task.flow)
        except StopJob as stop:
            self._stop = self._stop or stop.reason
            return core.stopped(task, stop.reason)
        except AutotaskError as exc:  # a flow that could not judge an error (e.g. a route the client refused)
            return core.crashed(task, exc)
        return core.finish(task, done)

    def _drive(self, core: JobCore, metering: Metering, task: RowTask | None, flow: Flow) -> Any:
        """Execute a flow's ops; exceptions the row should judge are thrown into the flow."""
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
                    value = self._execute(core, metering, task, op)
                except AutotaskError as exc:
                    error = exc
        finally:
            flow.close()

    def _execute(self, core: JobCore, metering: Metering, task: RowTask | None, op: Op) -> Any:
        if op.kind == "sleep":
            self._engine._sleep(op.seconds)
            return None
        attempt = 0
        while True:
            if self._stop:
                raise StopJob(self._stop)  # another row stopped the job: send nothing new
            core.before_op(task, op)
            try:
                result = _call(self._engine.client, op)
            except AutotaskError as exc:
                delay = metering.decide(exc, attempt)  # raises StopJob
                if delay is None:
                    raise
                attempt += 1
                self._engine._sleep(delay)
                continue
            metering.on_success(core.endpoint_of(op))
            return result


def _call(client: Any, op: Op) -> Any:
    ent = client.entity(op.entity)
    if op.kind == "query":
        return ent.query(list(op.filter or ()), fields=list(op.fields) if op.fields else None).to_list()
    if op.kind == "create":
        return ent.create(dict(op.body or {}), parent_id=op.parent_id)
    if op.kind == "update":
        return ent.update(dict(op.body or {}), parent_id=op.parent_id)
    if op.kind == "delete":
        return ent.delete(op.record_id, parent_id=op.parent_id)
    raise ValueError(f"unknown op {op.kind!r}")

