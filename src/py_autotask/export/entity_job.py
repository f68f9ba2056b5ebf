"""One entity's export, run by `engine.ExportEngine`: metadata → columns → count → fetchers and writer.

Up to the endpoint's thread limit of fetchers take id ranges from `plan.RangeScheduler` and put pages
on a bounded queue; this job's own thread is the one writer: it writes each page (in arrival order,
or in id order for xlsx and parquet through the sink), then checkpoints, so a stop at any moment
leaves output and checkpoint that agree.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._exceptions import QuerySyntaxError
from ..tables import TableSchema
from . import incremental
from .labels import LabelResolver
from .plan import RangeScheduler, change_field
from .progress import EntitySummary
from .sinks import FileSink, StdoutSink, open_sink
from .state import Checkpoint, Watermarks, options_key
from .writers import Column, flatten_udfs

if TYPE_CHECKING:
    from .engine import ExportEngine, ExportRequest

log = logging.getLogger("py_autotask.export")

_ORIGIN = -(2**63)  # the first range starts below any id Autotask can have


class _Stopped(Exception):
    """Raised inside a worker when the run is being stopped."""


@dataclasses.dataclass(frozen=True)
class _Page:
    """A fetcher's page for the writer: the records of one id range, in ascending id order."""

    range: Any  # the scheduler's range it belongs to
    records: list[dict[str, Any]]  # as fetched; or, when `shaped`, the rows to write
    last_id: int | None
    done: bool  # the range is finished
    first_id: int | None = None  # where the page goes in formats written in id order (xlsx, parquet)
    shaped: bool = False  # the fetcher shaped the rows already (label look-ups are requests: done in parallel)
    tracked: list[dict[str, Any]] | None = None  # with `shaped`: the records for the incremental tracker


@dataclasses.dataclass(frozen=True)
class _FetcherEnded:
    """A fetcher stopped: its ranges are all written, or it failed with `error`."""

    error: BaseException | None = None



class EntityJob:
    """One entity's export: metadata → columns → count → workers and writer → files (and checkpoints)."""

    def __init__(self, engine: ExportEngine, entity: str, state_dir: Path, marks: Watermarks | None) -> None:
        self.engine = engine
        self.request = engine.request
        self.entity = entity
        self.output = self.request.outputs[entity]
        self.marks = marks
        self.summary = EntitySummary(entity, "running")
        self.checkpoint_path = state_dir / "checkpoints" / f"{(self.output.name if self.output else entity)}.json"
        self.error: BaseException | None = None
        self._tracker: incremental.Tracker | None = None

    def discard_checkpoint(self) -> None:
        """Remove this entity's checkpoint (the whole run succeeded)."""
        self.checkpoint_path.unlink(missing_ok=True)

    def run_safely(self) -> None:
        """Run, turning any failure into the summary (the engine reports, the CLI picks the exit code)."""
        started = self.engine.clock()
        try:
            self.run()
        except _Stopped:
            self.summary.status = "interrupted"
        except Exception as exc:  # one entity's failure must not stop the others; it is reported
            log.debug("export of %s failed", self.entity, exc_info=True)
            self.error = exc
            self.summary.status = "failed"
            self.summary.error = _describe(exc)
            self.summary.exception = exc
        finally:
            self.summary.seconds = self.engine.clock() - started
            self.engine.progress.finish(self.entity, self.summary.status)

    # -- preparation -----------------------------------------------------------------------------

    def run(self) -> None:
        ent = self.engine.client.entity(self.entity)
        self.ent = ent
        # Everything a page request needs comes from the catalogue, so the first pages, the count and the
        # tenant's field metadata (needed only to write) are all fetched at the same time.
        catalog_types: dict[str, str] = self.engine.catalog[self.entity].get("fields", {})
        self.change = change_field(self.entity, catalog_types)
        include = self.engine.include.get(self.entity)
        self.include = list(include) if include is not None else None  # extended below: a copy
        self.plan = None
        if self.marks is not None:
            self.plan = incremental.plan_entity(self.change, self.marks.get(self.entity), self.engine.clock())
            self.summary.mode = self.plan.mode
        if self.plan is not None and self.include is not None and self.change and self.change not in self.include:
            # The watermark is read from the change field: fetched even when --fields leaves it out.
            self.include.append(self.change)
        conditions = _base_filter(ent, self.request, self.change)
        if self.plan is not None:
            conditions += self.plan.conditions
        self.conditions = conditions
        key = options_key({"entity": self.entity, "format": self.request.format, "filter": conditions,
                           "fields": self.request.fields, "labels": self.request.labels,
                           **({"csv_raw": True} if self.request.csv_raw and self.request.format == "csv" else {})})
        checkpoint = Checkpoint.load(self.checkpoint_path) if self.request.resume and self.output else None
        if checkpoint is not None and checkpoint.key != key:
            self.engine.warn(f"{self.entity}: the checkpoint was made with other options; starting over")
            checkpoint = None
        if checkpoint is not None and checkpoint.complete:
            self.summary.status, self.summary.records, self.summary.mode = "skipped", checkpoint.rows, "done earlier"
            self.summary.files = [checkpoint.output]
            return
        if checkpoint is None:
            checkpoint = Checkpoint(self.checkpoint_path, self.entity, key, self.request.format, str(self.output), "",
                                    [], [(_ORIGIN, None)], total=None)
        else:
            self.summary.mode = "resumed"
        with ThreadPoolExecutor(max_workers=3, thread_name_prefix=f"export-{self.entity}-meta") as pool:
            self._export(checkpoint, pool)

    def _prepare_columns(self, checkpoint: Checkpoint, fields: Future[Any], udfs: Future[Any] | None) -> None:
        """Columns (and the label resolver) from the tenant's field metadata; a resume keeps its columns."""
        metadata = fields.result()
        self.engine.count_request()
        udf_metadata = udfs.result() if udfs is not None else []
        if udfs is not None:
            self.engine.count_request()
        try:  # the shared schema layer: UDF columns get their declared types, as in to_arrow()
            table = TableSchema.from_metadata(self.entity, metadata, udf_metadata, fields=self.request.fields)
        except ValueError as exc:
            raise QuerySyntaxError(f"--fields: {exc}") from None
        columns = [Column(c.name, c.data_type) for c in table.columns]
        self.udf_names = list(table.udf_names)
        self.resolver = None
        if self.request.labels:
            self.resolver = LabelResolver(metadata, [c.name for c in columns], self.engine.catalog,
                                          self.engine.references)
            columns = _with_labels(columns, self.resolver.label_of)
        if checkpoint.columns:
            columns = _reorder(columns, checkpoint.columns)
        checkpoint.columns = [c.name for c in columns]
        self.columns = columns

    # -- the parallel part ---------------------------------------------------------------------------

    def _export(self, checkpoint: Checkpoint, pool: ThreadPoolExecutor) -> None:
        request, engine = self.request, self.engine
        scheduler = RangeScheduler(checkpoint.ranges, total=checkpoint.total, page_size=request.page_size,
                                   already=checkpoint.rows)
        workers = request.workers or _endpoint_limit(engine.client, self.entity)
        pages: queue.Queue[_Page | _FetcherEnded] = queue.Queue(maxsize=2 * workers)
        abort = threading.Event()
        self.ready = threading.Event()  # columns known: fetchers may shape rows
        fetchers = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"export-{self.entity}")
        for _ in range(workers):
            fetchers.submit(self._fetcher, scheduler, pages, abort)
        fetchers.shutdown(wait=False)  # each ends after its last range, saying so on the queue
        # The first page goes out first (its ids start the partitioning), then the count, then the metadata.
        count = pool.submit(self.ent.count, self.conditions) if checkpoint.total is None else None
        fields = pool.submit(self.ent.fields)
        udfs = pool.submit(self.ent.udfs) if self.engine.catalog[self.entity].get("hasUdfs") else None
        sink: FileSink | StdoutSink | None = None
        failure: BaseException | None = None
        tracker = (incremental.Tracker(self.change, started_at=engine.wall_clock())
                   if self.plan is not None else None)
        if tracker is not None:
            tracker.restore(checkpoint.extra.get("tracker"))
        self._tracker = tracker
        alive = workers
        try:
            if count is not None:
                checkpoint.total = count.result()
                engine.count_request()
                scheduler.set_total(checkpoint.total)
            self._prepare_columns(checkpoint, fields, udfs)
            self.ready.set()
            sink = open_sink(request.format, self.output, self.columns, resume_bytes=checkpoint.bytes,
                             resume_rows=checkpoint.rows, csv_raw=request.csv_raw, entity=self.entity)
            if isinstance(sink, FileSink):
                checkpoint.target = str(sink.target)
            sink.release(scheduler.written_below())  # a resumed xlsx/parquet file: what the journal holds
            engine.progress.add(self.entity, checkpoint.total, completed=checkpoint.rows)
            last_save = engine.clock()
            while alive:
                try:
                    item = pages.get(timeout=0.1)  # the timeout only notices a stop while nothing arrives
                except queue.Empty:
                    if engine.stop.is_set():
                        abort.set()
                        scheduler.fail()  # also wakes fetchers waiting for a range to split
                    continue
                if engine.stop.is_set():
                    abort.set()  # pages still queued are not written: the resume fetches them again
                    scheduler.fail()
                    if isinstance(item, _Page):
                        continue
                if isinstance(item, _FetcherEnded):
                    alive -= 1
                    if item.error is not None:
                        failure = failure or item.error
                        abort.set()
                        scheduler.fail()
                    continue
                rows, tracked = (item.records, item.tracked) if item.shaped else self._shape(item.records)
                if rows:
                    sink.write(rows, order=item.first_id)
                scheduler.written(item.range, item.last_id, item.done)
                sink.release(scheduler.written_below())  # xlsx/parquet: pages join the file in id order
                if tracker is not None:
                    tracker.add(tracked)
                engine.progress.advance(self.entity, len(rows))
                if self.output is not None and engine.clock() - last_save >= request.checkpoint_every:
                    self._save(checkpoint, sink, scheduler)
                    last_save = engine.clock()
        except BaseException:
            abort.set()
            scheduler.fail()
            self.ready.set()
            _drain(pages, alive)
            if sink is not None:
                self._stop_sink(checkpoint, sink, scheduler)
            raise
        assert sink is not None
        if failure is not None or engine.stop.is_set():
            self._stop_sink(checkpoint, sink, scheduler)
            if failure is not None:
                raise failure
            raise _Stopped
        files = sink.close()
        self.summary.records = sink.rows
        self.summary.files = [str(f) for f in files] or ["-"]
        self.summary.status = "ok"
        if self.output is not None:
            checkpoint.ranges, checkpoint.complete = [], True
            checkpoint.bytes, checkpoint.rows = 0, sink.rows
            checkpoint.save()
        if self.plan is not None and tracker is not None and self.marks is not None:
            mark = incremental.next_watermark(self.change, self.plan, tracker, sink.rows, self.marks.get(self.entity),
                                              clock_now=engine.clock(), wall_now=engine.wall_clock())
            if tracker.truncated:
                engine.warn(f"{self.entity}: over {incremental.RECENT_CAP:,} records changed inside the overlap "
                            "window; the next incremental run may repeat some of them")
            self.marks.set(self.entity, mark)

    def _save(self, checkpoint: Checkpoint, sink: FileSink | StdoutSink, scheduler: RangeScheduler) -> None:
        checkpoint.bytes, checkpoint.rows = sink.position()
        checkpoint.ranges = scheduler.pending()
        if self._tracker is not None:
            checkpoint.extra["tracker"] = self._tracker.snapshot()
        checkpoint.save()

    def _stop_sink(self, checkpoint: Checkpoint, sink: FileSink | StdoutSink, scheduler: RangeScheduler) -> None:
        try:
            if self.output is not None:
                self._save(checkpoint, sink, scheduler)  # a full disk fails here too: the files close anyway
        finally:
            sink.abandon()
        self.summary.records = sink.rows

    def _fetcher(self, scheduler: RangeScheduler, pages: queue.Queue[_Page | _FetcherEnded],
                 abort: threading.Event) -> None:
        error: BaseException | None = None
        try:
            while not abort.is_set():
                rng = scheduler.acquire()
                if rng is None:
                    break
                self._fetch_range(rng, scheduler, pages, abort)
        except BaseException as exc:  # handed to the writer thread, which decides and reports
            error = exc
        finally:
            pages.put(_FetcherEnded(error))

    def _fetch_range(self, rng: Any, scheduler: RangeScheduler, pages: queue.Queue[_Page | _FetcherEnded],
                     abort: threading.Event) -> None:
        size = self.request.page_size
        while not abort.is_set():
            lo, hi = scheduler.bounds(rng)
            bounds = [] if lo == _ORIGIN else [{"op": "gte", "field": "id", "value": lo}]
            if hi is not None:
                bounds.append({"op": "lt", "field": "id", "value": hi})
            try:
                page = self.ent.query(self.conditions + bounds, fields=self.include, page_size=size).first_page()
            except BaseException:
                scheduler.release(rng)
                raise
            self.engine.count_request()
            items = page.items
            if any(items[i]["id"] > items[i + 1]["id"] for i in range(len(items) - 1)):
                items = sorted(items, key=lambda r: r["id"])  # keyset paging needs ascending ids
            keep, done = scheduler.fetched(rng, [int(r["id"]) for r in items], lo if lo != _ORIGIN else
                                           (int(items[0]["id"]) if items else lo))
            records = items[:keep]
            first_id = int(records[0]["id"]) if records else None
            last_id = int(records[-1]["id"]) if records else None
            if self.request.labels:
                # Label look-ups are requests: done here, in parallel, rather than in the writer.
                self.ready.wait()  # rows are shaped with the columns from the field metadata
                if abort.is_set():
                    return
                rows, tracked = self._shape(records)
                pages.put(_Page(rng, rows, last_id, done, shaped=True, tracked=tracked, first_id=first_id))
            else:
                pages.put(_Page(rng, records, last_id, done, first_id=first_id))  # the writer shapes them
            if done:
                return

    def _shape(self, records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]] | None]:
        """(rows to write, records for the incremental tracker) from one page's records."""
        if self.plan is not None:
            records = incremental.skip_unchanged(self.plan, self.change, records)
        if self.resolver is not None and records:
            self.resolver.apply(records)
        rows = [flatten_udfs(r, self.udf_names) for r in records] if self.udf_names else records
        return rows, records if self.plan is not None else None


# --- helpers ------------------------------------------------------------------------------------------


def _endpoint_limit(client: Any, entity: str) -> int:
    """Workers per entity: the endpoint's thread limit, plus one when the client enforces that limit.

    The extra worker only waits for a free slot in the client's limiter, so Autotask never sees more than
    the limit in flight, but a slot is re-used the moment a response arrives, while the worker that got
    it is still parsing — the requests stay back to back.
    """
    limiter = getattr(getattr(client, "runtime", None), "limiter", None)
    if limiter is None:
        return 3
    return max(1, int(limiter.limit_for(entity))) + 1


def _with_labels(columns: list[Column], label_of: Mapping[str, str]) -> list[Column]:
    out: list[Column] = []
    for column in columns:
        out.append(column)
        if column.name in label_of:
            out.append(Column(label_of[column.name], "string"))
    return out


def _reorder(columns: list[Column], names: Sequence[str]) -> list[Column]:
    by_name = {c.name: c for c in columns}
    return [by_name.get(n) or Column(n) for n in names]


def _base_filter(ent: Any, request: ExportRequest, change: str | None) -> list[dict[str, Any]]:
    """The user's filter plus --since/--until, as Autotask filter JSON (without id bounds)."""
    from .._datetime import format_datetime, parse_date_or_datetime

    conditions: list[dict[str, Any]] = []
    if request.filter not in (None, "", []):
        # Through the entity, so picklist labels (status=Complete) resolve from its cached metadata.
        conditions.extend(ent.build_filter(request.filter))
    for value, op in ((request.since, "gte"), (request.until, "lt")):
        if value is None:
            continue
        if change is None:
            raise QuerySyntaxError(f"{ent.name} has no last-modified or creation date field for --since/--until")
        conditions.append({"op": op, "field": change, "value": format_datetime(parse_date_or_datetime(value))})
    return conditions


def _drain(pages: queue.Queue[_Page | _FetcherEnded], alive: int) -> None:
    """Take queued items until every fetcher has ended (they may be blocked on a full queue)."""
    while alive:
        try:
            if isinstance(pages.get(timeout=5), _FetcherEnded):
                alive -= 1
        except queue.Empty:
            return



def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())[:300]

