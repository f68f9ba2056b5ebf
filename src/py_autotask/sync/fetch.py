"""Fetch one entity in parallel id ranges and hand its pages over as Arrow tables.

The partitioning is the export engine's (`export.plan.RangeScheduler`: disjoint id ranges, the busiest
split whenever a worker idles); each page is one request `conditions and id >= lo [and id < hi]` in
ascending id. Workers convert their page to Arrow themselves, so the thread that feeds dlt only moves
tables. The queue between them is bounded: memory holds a few pages per entity, never the entity.

The consumer marks each page as *handed over* (`done(batch)`); `pending()` is then the id ranges not
handed over yet — what a later run starts from if this one stops before the entity is complete.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import pyarrow as pa

from .._datetime import to_epoch_ms
from ..export.plan import RangeScheduler

__all__ = ["Batch", "RangeFetch", "endpoint_workers"]

ORIGIN = -(2**63)  # the first range starts below any id Autotask can have
PAGE_SIZE = 500
QUEUE_PAGES = 24


@dataclasses.dataclass
class Batch:
    """One fetched page, converted."""

    table: pa.Table  # the records to load (those unchanged since the last run left out)
    fetched: int  # records the page had
    ids: list[int]  # ids of the records in `table`
    stamps: dict[int, int]  # id -> modification stamp (epoch ms) of the page's records
    last_id: int | None
    range_key: Any
    range_done: bool


def endpoint_workers(client: Any, entity: str) -> int:
    """Workers per entity: the endpoint's thread limit, plus one that waits for the first free slot (so a
    slot is reused the moment a response arrives, while its worker still converts the page)."""
    limiter = getattr(getattr(client, "runtime", None), "limiter", None)
    if limiter is None:
        return 3
    return max(1, int(limiter.limit_for(entity))) + 1


class RangeFetch:
    """The parallel fetch of one entity's records matching `conditions`, over `ranges` of ids."""

    def __init__(self, entity: Any, conditions: list[dict[str, Any]], ranges: Sequence[tuple[int, int | None]],
                 *, convert: Callable[[list[dict[str, Any]]], pa.Table], change: str | None,
                 skip: Mapping[str, int] | None = None, workers: int = 3, page_size: int = PAGE_SIZE,
                 total: int | None = None, total_coming: bool = False, already: int = 0,
                 on_request: Callable[[], None] | None = None, queue_pages: int = QUEUE_PAGES) -> None:
        self.entity = entity
        self.conditions = conditions
        self.convert = convert
        self.change = change
        self.skip = dict(skip or {})
        self.page_size = page_size
        self.on_request = on_request or (lambda: None)
        # The total (from a count) lets the scheduler estimate where the ids end: without it, it keeps
        # splitting the open last range into ever smaller ones, each costing a request.
        self.scheduler = RangeScheduler(list(ranges), total=total, page_size=page_size, already=already,
                                        total_coming=total_coming)
        self.workers = workers
        # Pages waiting for the consumer. A chunked sync asks for twice QUEUE_PAGES: the workers go on
        # fetching for ~4 s at the API's ceiling while dlt normalises and loads a chunk, so the load overlaps
        # the extraction (a page of Arrow is ~0.3 MB for 500 tickets; a deeper queue only costs memory).
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=max(2 * workers, queue_pages))
        self._abort = threading.Event()
        self._threads: list[threading.Thread] = []
        self._ranges: dict[int, Any] = {}
        self._alive = 0

    # -- the consumer -------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the workers (idempotent)."""
        if self._threads:
            return
        self._alive = self.workers
        self._threads = [threading.Thread(target=self._worker, daemon=True, name=f"sync-{self.entity.name}-{n}")
                         for n in range(self.workers)]
        for thread in self._threads:
            thread.start()

    def batches(self) -> Iterator[Batch]:
        """Every page as it arrives; raises the first worker failure (after stopping the others)."""
        self.start()
        while self._alive:
            kind, item = self._queue.get()
            if kind == "exit":
                self._alive -= 1
            elif kind == "error":
                self.stop()
                raise item
            else:
                yield item

    def done(self, batch: Batch) -> None:
        """The batch has been handed over: its ids no longer count as pending."""
        self.scheduler.written(self._ranges[batch.range_key], batch.last_id, batch.range_done)

    def pending(self) -> list[tuple[int, int | None]]:
        """The id ranges whose records have not all been handed over."""
        return self.scheduler.pending()

    def stop(self) -> None:
        """Stop the workers (pages in flight are dropped) and wait for them."""
        self._abort.set()
        self.scheduler.fail()
        while self._alive:
            try:
                kind, _ = self._queue.get(timeout=5)
            except queue.Empty:
                break
            if kind == "exit":
                self._alive -= 1
        for thread in self._threads:
            thread.join(timeout=5)

    # -- the workers --------------------------------------------------------------------------------

    def _worker(self) -> None:
        try:
            while not self._abort.is_set():
                rng = self.scheduler.acquire()
                if rng is None:
                    break
                self._ranges[rng.key] = rng
                self._fetch_range(rng)
        except BaseException as exc:  # handed to the consumer, which stops the rest and raises it
            self._abort.set()
            self.scheduler.fail()
            self._queue.put(("error", exc))
        finally:
            self._queue.put(("exit", None))

    def _fetch_range(self, rng: Any) -> None:
        while not self._abort.is_set():
            lo, hi = self.scheduler.bounds(rng)
            bounds = [] if lo == ORIGIN else [{"op": "gte", "field": "id", "value": lo}]
            if hi is not None:
                bounds.append({"op": "lt", "field": "id", "value": hi})
            try:
                page = self.entity.query(self.conditions + bounds, page_size=self.page_size).first_page()
            except BaseException:
                self.scheduler.release(rng)
                raise
            self.on_request()
            items = sorted(page.items, key=lambda r: r["id"])  # keyset paging needs ascending ids
            first = lo if lo != ORIGIN else (int(items[0]["id"]) if items else lo)
            keep, done = self.scheduler.fetched(rng, [int(r["id"]) for r in items], first)
            records = items[:keep]
            self._queue.put(("batch", self._batch(records, rng.key, done)))
            if done:
                return

    def _batch(self, records: list[dict[str, Any]], key: int, done: bool) -> Batch:
        stamps: dict[int, int] = {}
        load = records
        if self.change is not None:
            load = []
            for record in records:
                value = record.get(self.change)
                rid = int(record["id"])
                if value not in (None, ""):
                    stamps[rid] = to_epoch_ms(value)
                    if self.skip.get(str(rid)) == stamps[rid]:
                        continue  # loaded by an earlier run with this very stamp: unchanged
                load.append(record)
        last_id = int(records[-1]["id"]) if records else None
        return Batch(self.convert(load), len(records), [int(r["id"]) for r in load], stamps, last_id, key, done)
