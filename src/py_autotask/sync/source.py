"""The dlt source: one merge resource per entity, plus `picklist_values`.

    import dlt
    from py_autotask.sync import autotask_source

    pipeline = dlt.pipeline("autotask", destination="duckdb", dataset_name="autotask")
    pipeline.run(autotask_source(client, ["Tickets", "TicketNotes", "Companies"]))

Each entity's resource, in one run:

1. reads the deletion logs that concern it from where its last run stopped (the first run only notes
   where the logs end: what was deleted before is absent from its full read anyway) and applies them —
   hard deletes of deleted tickets; for each parent a log names, the entity's children of that parent
   re-read and the ones that vanished deleted (a vanished id is looked up once more first: a child that
   moved to another parent is updated, not deleted);
2. fetches what changed (`stamp >= last maximum - overlap`; everything on the first run or with
   `full=True`) in parallel id ranges and yields it as Arrow tables (records unchanged since the last run
   — same id, same stamp — are left out);
3. for entities without a stamp (and with `full=True`): deletes the rows that did not come back, unless
   that is more than `mass_delete_share` of the table (then it refuses, and says so in the stats).

Deletes are rows with the `_deleted` hard-delete column set (dlt's merge removes them). The cursor,
the log positions and the overlap live in dlt's resource state, which dlt commits with the data: a run
that stops before its load completes leaves the previous cursor, so the next run fetches it all again.
With `chunk_rows` a resource stops after about that many rows and records the id ranges still to do;
the next run of the source (same `SyncContext`) continues there — `sync()` uses this to load while
it fetches, and to resume an interrupted first sync where it stopped.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from typing import Any

import pyarrow as pa

from .._catalog import load_catalog
from ..export.incremental import OVERLAP_MARGIN_S
from .arrow import RecordSchema
from .fetch import ORIGIN, PAGE_SIZE, QUEUE_PAGES, Batch, RangeFetch, endpoint_workers
from .plan import EntityPlan, LogSource, check_entities, entity_plan
from .reader import DestinationReader

__all__ = ["DELETED_COLUMN", "EntityStats", "SyncContext", "autotask_source"]

DELETED_COLUMN = "_deleted"  # the hard-delete flag: a row carrying it removes its id from the table
RECENT_CAP = 20_000
YIELD_ROWS = 10_000  # rows per table handed to dlt: its extract costs ~0.1 s per item whatever the size  # ids remembered inside the overlap window (kept in dlt state, so kept small)
_IN_VALUES = 200
MERGE: Any = {"disposition": "merge", "strategy": "delete-insert"}
PICKLIST_COLUMNS: Any = {  # the documented contract of `picklist_values`
    "entity": {"data_type": "text", "nullable": False, "merge_key": True},
    "field": {"data_type": "text", "nullable": False}, "value": {"data_type": "text"},
    "label": {"data_type": "text"}, "is_active": {"data_type": "bool"}, "sort_order": {"data_type": "bigint"},
}  # values per `in` condition when re-reading children of parents


@dataclasses.dataclass
class EntityStats:
    """What a sync did to one entity's table (across the chunks of one `sync()`)."""

    entity: str
    table: str
    mode: str = ""  # full | incremental | snapshot | resumed
    fetched: int = 0  # records read from Autotask
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    refused: int = 0  # deletions the mass-delete guard refused
    complete: bool = False
    error: str | None = None


@dataclasses.dataclass
class SyncContext:
    """What the resources of one sync share: the client, options, stats, live fetches and cached log reads."""

    client: Any
    full: bool = False
    allow_mass_delete: bool = False
    mass_delete_share: float = 0.5
    chunk_rows: int | None = None
    page_size: int = PAGE_SIZE
    workers: int | None = None
    progress: Any = None  # ExportProgress-like: add(entity, total), advance(entity, n), finish(entity, status)
    stats: dict[str, EntityStats] = dataclasses.field(default_factory=dict)
    bars: set[str] = dataclasses.field(default_factory=set)  # entities with a progress bar
    picklists_done: bool = False
    fetches: dict[str, Any] = dataclasses.field(default_factory=dict)  # entity -> live _EntityRun (chunks)
    requests: int = 0
    _lock: threading.Lock = dataclasses.field(default_factory=threading.Lock, repr=False)
    _logs: dict[tuple[str, int], list[dict[str, Any]]] = dataclasses.field(default_factory=dict, repr=False)
    _log_ends: dict[str, int] = dataclasses.field(default_factory=dict, repr=False)
    _schemas: dict[str, RecordSchema] = dataclasses.field(default_factory=dict, repr=False)

    def schema(self, entity: str) -> RecordSchema:
        """The entity's columns from the tenant's field metadata and UDF definitions (read once per sync)."""
        with self._lock:
            if entity in self._schemas:
                return self._schemas[entity]
        self.read_schemas([entity])
        return self._schemas[entity]

    def read_schemas(self, entities: Sequence[str]) -> None:
        """Read the field and UDF definitions of these entities at the same time: at 250 ms a request, one
        after the other they were most of a small sync's start-up."""
        from concurrent.futures import ThreadPoolExecutor

        with self._lock:
            missing = [e for e in dict.fromkeys(entities) if e not in self._schemas]
        if not missing:
            return
        calls = [(e, kind) for e in missing for kind in ("fields", "udfs") if kind == "fields" or _has_udfs(e)]
        with ThreadPoolExecutor(max_workers=min(8, len(calls)), thread_name_prefix="sync-metadata") as pool:
            answers = dict(zip(calls, pool.map(lambda c: getattr(self.client.entity(c[0]), c[1])(), calls),
                               strict=True))
        schemas = {e: RecordSchema(e, answers[(e, "fields")], answers.get((e, "udfs"), ())) for e in missing}
        with self._lock:
            for entity, schema in schemas.items():
                self._schemas.setdefault(entity, schema)

    def count_request(self, n: int = 1) -> None:
        """Note requests sent for this sync."""
        with self._lock:
            self.requests += n

    def complete(self) -> bool:
        """Every entity's run has finished."""
        return all(s.complete for s in self.stats.values())

    def log_rows(self, log: str, after: int) -> list[dict[str, Any]]:
        """The rows of a deletion log with id > `after` (read once per sync for each position)."""
        key = (log, after)
        with self._lock:
            cached = self._logs.get(key)
        if cached is not None:
            return cached
        rows: list[dict[str, Any]] = []
        for page in self.client.entity(log).query([{"op": "gt", "field": "id", "value": after}],
                                                 page_size=self.page_size).pages():
            self.count_request()
            rows.extend(page.items)
        with self._lock:
            self._logs[key] = rows
        return rows

    def log_end(self, log: str) -> int:
        """The highest id of a deletion log now (read once per sync)."""
        with self._lock:
            if log in self._log_ends:
                return self._log_ends[log]
        rows = self.log_rows(log, -(2**63))
        end = max((int(r["id"]) for r in rows), default=0)
        with self._lock:
            self._log_ends[log] = end
        return end


def autotask_source(client: Any, entities: Sequence[str], *, full: bool = False, allow_mass_delete: bool = False,
                    mass_delete_share: float = 0.5, chunk_rows: int | None = None,
                    context: SyncContext | None = None) -> Any:
    """A dlt source with a merge resource per entity (tables `tickets`, `ticket_notes`, …) and `picklist_values`.

    `client` is an `AutotaskClient`; `entities` are Autotask entity names ("Tickets"). Pass the same
    `context` to successive sources of one sync to continue chunked resources (see the module doc).
    """
    import dlt

    catalog = load_catalog()
    names = list(dict.fromkeys(entities))
    check_entities(names, catalog)
    ctx = context or SyncContext(client, full=full, allow_mass_delete=allow_mass_delete,
                                 mass_delete_share=mass_delete_share, chunk_rows=chunk_rows)
    plans = [entity_plan(n, catalog) for n in names]
    for plan in plans:
        ctx.stats.setdefault(plan.entity, EntityStats(plan.entity, plan.table))
    resources = []
    ctx.read_schemas([p.entity for p in plans if not ctx.stats[p.entity].complete])
    for plan in plans:
        if ctx.stats[plan.entity].complete:
            continue
        schema = ctx.schema(plan.entity)
        columns: Any = schema.dlt_columns()  # dlt's TColumnSchema dicts
        columns["id"] = {"data_type": "bigint", "precision": 64, "nullable": False, "primary_key": True}
        columns[DELETED_COLUMN] = {"data_type": "bool", "nullable": True, "hard_delete": True}
        resources.append(dlt.resource(
            _entity_rows(ctx, plan), name=plan.table, table_name=plan.table, primary_key="id",
            write_disposition=MERGE, columns=columns))
    if not ctx.picklists_done:
        ctx.picklists_done = True  # once per sync, in its first load
        resources.append(dlt.resource(
            _picklist_rows(ctx, names), name="picklist_values", table_name="picklist_values", merge_key="entity",
            write_disposition=MERGE, columns=PICKLIST_COLUMNS))

    @dlt.source(name="autotask", max_table_nesting=0)
    def autotask() -> Any:
        return resources

    return autotask()


# --- one entity ----------------------------------------------------------------------------------------


class _EntityRun:
    """One entity's run, possibly spread over several chunks (dlt runs) of one sync."""

    def __init__(self, ctx: SyncContext, plan: EntityPlan, state: dict[str, Any]) -> None:
        self.ctx, self.plan = ctx, plan
        self.ent = ctx.client.entity(plan.entity)
        self.stats = ctx.stats[plan.entity]
        self.schema = ctx.schema(plan.entity)
        run = state.get("run")
        # A whole re-read that stopped cannot continue in another process: the ids it saw (to find the
        # vanished ones) were in memory. It starts again; an incremental run continues where it stopped.
        self.resumed = False
        if run is None or run.get("full") != ctx.full or run.get("vanish"):
            run = self._new_run(state)
        else:
            self.resumed = True
            self.stats.mode = "resumed"
        self.run = run
        self.seen: set[int] = set()  # ids fetched by a run that must find vanished rows
        self.recent: dict[int, int] = {}
        counting = run["mode"] != "incremental" and run.get("total") is None
        limit = self.chunk_rows()
        self.fetch = RangeFetch(self.ent, run["conditions"], [tuple(r) for r in run["pending"]],
                                convert=self.schema.to_arrow, change=plan.change,
                                skip=(state.get("cursor") or {}).get("recent") if run["mode"] == "incremental" else None,
                                workers=ctx.workers or endpoint_workers(ctx.client, plan.entity),
                                page_size=ctx.page_size, total=run.get("total"), total_coming=counting,
                                already=self.stats.fetched,
                                on_request=ctx.count_request,
                                queue_pages=QUEUE_PAGES + min(QUEUE_PAGES, -(-limit // ctx.page_size) if limit else 0))
        self.batches = self.fetch.batches()
        self._count: Any = None
        if counting:
            # A whole read counts its records (the progress bar's total; it sizes the loads, below, and tells
            # the id-range scheduler where the ids end). The count goes out with the first pages, as in export.
            from concurrent.futures import ThreadPoolExecutor

            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"sync-{plan.entity}-count")
            self._count = pool.submit(self.ent.count, run["conditions"] or None)
            pool.shutdown(wait=False)
        self.fetch.start()

    def total(self) -> int | None:
        """The whole read's record count (waits for the count sent with the first pages); None when incremental."""
        if self._count is not None:
            try:
                self.run["total"] = int(self._count.result())
            finally:
                self._count = None
            self.ctx.count_request()
            self.fetch.scheduler.set_total(self.run["total"])
        return self.run.get("total")

    def _new_run(self, state: dict[str, Any]) -> dict[str, Any]:
        plan, ctx = self.plan, self.ctx
        cursor = state.get("cursor")
        conditions: list[dict[str, Any]] = []
        if plan.mode == "snapshot" or ctx.full:
            mode = "snapshot" if plan.mode == "snapshot" else "full"
            vanish = True
        elif cursor and cursor.get("field") == plan.change and cursor.get("since_ms") is not None:
            mode, vanish = "incremental", False
            start = int(cursor["since_ms"]) - int(float(cursor.get("overlap_s", OVERLAP_MARGIN_S)) * 1000)
            conditions = [{"op": "gte", "field": plan.change, "value": _iso(start)}]
        else:
            mode, vanish = "full", False
        self.stats.mode = mode
        return {"mode": mode, "full": ctx.full, "vanish": vanish, "conditions": conditions,
                "pending": [[ORIGIN, None]], "started": time.time(), "max_ms": None, "total": None,
                "empty_at_start": None, "logs_done": False}

    def chunk_rows(self) -> int | None:
        """Records for the next load: the sync's setting, but in a whole read at most half of what is left,
        and never below 5,000. Each load costs ~0.5 s of CPU whatever its size, and the fetch goes on while
        it runs, except during the last one: halving makes few loads (6 for 100,000 records) of which the
        last is small."""
        limit = self.ctx.chunk_rows
        total = self.run.get("total")
        if limit and total:
            limit = min(limit, max(5_000, (int(total) - self.stats.fetched) // 2))
        return limit


def _entity_rows(ctx: SyncContext, plan: EntityPlan) -> Iterator[pa.Table]:
    import dlt

    state: dict[str, Any] = dlt.current.resource_state()
    reader = DestinationReader(dlt.current.pipeline())
    stats = ctx.stats[plan.entity]
    work: _EntityRun | None = ctx.fetches.pop(plan.entity, None)
    if work is None:
        work = _EntityRun(ctx, plan, state)
    run = work.run
    state["run"] = run
    finished = False
    try:  # the fetch has started: it goes on while the table is looked at and the deletion logs applied
        if run["empty_at_start"] is None:
            # A first sync into an empty table inserts every row: no need to ask the table about each page.
            run["empty_at_start"] = reader.is_empty(plan.table) if run["mode"] != "incremental" else False
        total = work.total()
        if ctx.progress is not None and plan.entity not in ctx.bars:
            ctx.bars.add(plan.entity)
            ctx.progress.add(plan.entity, total, completed=stats.fetched)
        if not run["logs_done"]:
            yield from _apply_logs(ctx, plan, work, state, reader)
            run["logs_done"] = True
        handed, limit = 0, work.chunk_rows()
        held: list[Batch] = []  # pages converted but not yet handed to dlt
        for batch in work.batches:
            _count_batch(ctx, plan, work, batch, reader)
            held.append(batch)
            handed += batch.fetched
            end_of_chunk = bool(limit and handed >= limit)
            if end_of_chunk or sum(b.table.num_rows for b in held) >= YIELD_ROWS:
                yield from _hand_over(work, held)
                held = []
            if end_of_chunk and work.fetch.pending():
                # Enough for this load: remember where we are; the next run of the source continues.
                # (Nothing pending: the entity is complete, finish it in this load, not in an empty one.)
                run["pending"] = [list(r) for r in work.fetch.pending()]
                ctx.fetches[plan.entity] = work
                finished = True
                return
        yield from _hand_over(work, held)
        if run["mode"] != "incremental" and run["empty_at_start"] and not stats.fetched:
            # An entity with no records still gets its table (empty): a query of the mirror must not fail.
            yield work.schema.arrow.empty_table()
        if run["vanish"]:
            yield from _delete_vanished(ctx, plan, work, reader)
        _advance_cursor(plan, work, state)
        state.pop("run", None)
        finished = True
        if work.resumed and plan.change is not None:
            # This run was stopped and continued later: what changed or was deleted in between is caught up
            # by one more incremental pass from the new cursor (in the next load, so its deletes are the
            # only rows of their ids in their package).
            return
        stats.complete = True
        if ctx.progress is not None:
            ctx.progress.finish(plan.entity, "ok")
    finally:
        if not finished or stats.complete:
            work.fetch.stop()


def _count_batch(ctx: SyncContext, plan: EntityPlan, work: _EntityRun, batch: Batch,
                 reader: DestinationReader) -> None:
    """Count a fetched page's rows as inserted or updated (asking the table, unless it was empty)."""
    stats = work.stats
    stats.fetched += batch.fetched
    if batch.ids:
        existing = 0 if work.run["empty_at_start"] else len(reader.present(plan.table, batch.ids))
        stats.updated += existing
        stats.inserted += len(batch.ids) - existing
    if ctx.progress is not None:
        ctx.progress.advance(plan.entity, batch.fetched)


def _hand_over(work: _EntityRun, batches: list[Batch]) -> Iterator[pa.Table]:
    """Yield held pages as one table (dlt's cost is per item, not per row), then note them as handed over."""
    tables = [b.table for b in batches if b.table.num_rows]
    if tables:
        yield tables[0] if len(tables) == 1 else pa.concat_tables(tables)
    run = work.run
    for batch in batches:
        work.fetch.done(batch)
        if run["vanish"]:
            work.seen.update(batch.ids)  # nothing is skipped on a whole re-read: these are all the ids
        if batch.stamps:
            top = max(batch.stamps.values())
            run["max_ms"] = top if run["max_ms"] is None else max(run["max_ms"], top)
            work.recent.update(batch.stamps)
            if len(work.recent) > 2 * RECENT_CAP:
                work.recent = dict(sorted(work.recent.items(), key=lambda kv: kv[1])[-RECENT_CAP:])


def _advance_cursor(plan: EntityPlan, work: _EntityRun, state: dict[str, Any]) -> None:
    """After a complete run: the new maximum stamp, the overlap (this run's duration + margin) and the ids
    loaded inside that window (the next run skips them when their stamp has not moved)."""
    if plan.change is None:
        return
    run, previous = work.run, state.get("cursor") or {}
    duration = time.time() - float(run["started"])
    if duration < 0:  # the clock went back: no duration can be trusted, take a generous window
        duration = 86_400.0
    overlap = duration + OVERLAP_MARGIN_S
    if run["max_ms"] is None:
        if previous.get("field") == plan.change:
            # Nothing changed: the old cursor still starts the next run early enough.
            previous["overlap_s"] = max(float(previous.get("overlap_s", 0)), overlap)
            state["cursor"] = previous
        return
    since = int(run["max_ms"])
    low = since - int(overlap * 1000)
    recent = {int(k): int(v) for k, v in (previous.get("recent") or {}).items() if int(v) >= low}
    recent.update({k: v for k, v in work.recent.items() if v >= low})
    if len(recent) > RECENT_CAP:
        recent = dict(sorted(recent.items(), key=lambda kv: kv[1])[-RECENT_CAP:])
    state["cursor"] = {"field": plan.change, "since_ms": since, "overlap_s": overlap,
                       "recent": {str(k): v for k, v in recent.items()}}


# --- deletions -------------------------------------------------------------------------------------------


def _deletes(ids: Sequence[int]) -> pa.Table:
    return pa.table({"id": pa.array(sorted(ids), pa.int64()),
                     DELETED_COLUMN: pa.array([True] * len(ids), pa.bool_())})


def _apply_logs(ctx: SyncContext, plan: EntityPlan, work: _EntityRun, state: dict[str, Any],
                reader: DestinationReader) -> Iterator[pa.Table]:
    positions: dict[str, int] = state.setdefault("logs", {})
    record_ids: set[int] = set()
    parents: dict[str, set[int]] = {}  # child field -> parent ids
    for source in plan.logs:
        if source.log not in positions or work.run["mode"] != "incremental":
            # A full read sees the result of every deletion logged so far: start after them.
            positions[source.log] = ctx.log_end(source.log)
            continue
        rows = ctx.log_rows(source.log, int(positions[source.log]))
        ids = {int(r[source.log_field]) for r in rows if r.get(source.log_field) is not None}
        _add_ids(record_ids, parents, source, ids)
        if rows:
            positions[source.log] = max(int(r["id"]) for r in rows)
    stats = work.stats
    if record_ids:
        gone = reader.present(plan.table, record_ids)
        if gone:
            stats.deleted += len(gone)
            yield _deletes(sorted(gone))
    for field, ids in parents.items():
        yield from _refresh_children(ctx, plan, work, field, ids, reader)


def _add_ids(record_ids: set[int], parents: dict[str, set[int]], source: LogSource, ids: set[int]) -> None:
    if source.role == "record":
        record_ids.update(ids)
    elif source.child_field is not None:
        parents.setdefault(source.child_field, set()).update(ids)


def _refresh_children(ctx: SyncContext, plan: EntityPlan, work: _EntityRun, field: str, parents: set[int],
                      reader: DestinationReader) -> Iterator[pa.Table]:
    """Re-read `plan.entity`'s records under these parents; delete those that are gone."""
    ordered = sorted(parents)
    fresh: list[dict[str, Any]] = []
    for start in range(0, len(ordered), _IN_VALUES):
        flt = [{"op": "in", "field": field, "value": ordered[start:start + _IN_VALUES]}]
        fresh.extend(_query_all(ctx, work.ent, flt))
    column = _column(field)
    mirrored = reader.ids_where(plan.table, column, ordered)
    vanished = mirrored - {int(r["id"]) for r in fresh}
    if vanished:
        # A child that moved to another parent is not gone: look the candidates up once more.
        moved = _query_all(ctx, work.ent, [{"op": "in", "field": "id", "value": sorted(vanished)}])
        fresh.extend(moved)
        vanished -= {int(r["id"]) for r in moved}
    stats = work.stats
    if fresh:
        ids = [int(r["id"]) for r in fresh]
        present = reader.present(plan.table, ids)
        stats.updated += len(present)
        stats.inserted += len(set(ids) - present)
        stats.fetched += len(fresh)
        yield work.schema.to_arrow(fresh)
    if vanished:
        stats.deleted += len(vanished)
        yield _deletes(sorted(vanished))


def _delete_vanished(ctx: SyncContext, plan: EntityPlan, work: _EntityRun,
                     reader: DestinationReader) -> Iterator[pa.Table]:
    """After a whole re-read: delete the rows that did not come back (behind the mass-delete guard)."""
    mirrored = reader.all_ids(plan.table)
    vanished = mirrored - work.seen
    if not vanished:
        return
    share = len(vanished) / len(mirrored)
    if share > ctx.mass_delete_share and not ctx.allow_mass_delete:
        work.stats.refused = len(vanished)
        return
    work.stats.deleted += len(vanished)
    yield _deletes(sorted(vanished))


def _query_all(ctx: SyncContext, ent: Any, flt: list[dict[str, Any]]) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for page in ent.query(flt, page_size=ctx.page_size).pages():
        ctx.count_request()
        records.extend(page.items)
    return records


# --- picklists -------------------------------------------------------------------------------------------


def _picklist_rows(ctx: SyncContext, entities: Sequence[str]) -> Iterator[list[dict[str, Any]]]:
    """`picklist_values`: entity, field, value (text), label, is_active, sort_order — every picklist of the
    synced entities, UDF picklists included; each sync replaces an entity's rows."""
    for entity in entities:
        ent = ctx.client.entity(entity)
        definitions = list(ent.fields()) + (list(ent.udfs()) if _has_udfs(entity) else [])
        rows = [{"entity": entity, "field": str(d["name"]), "value": None if v.get("value") is None else str(v["value"]),
                 "label": v.get("label"), "is_active": v.get("isActive"), "sort_order": v.get("sortOrder")}
                for d in definitions if d.get("isPickList") for v in d.get("picklistValues") or ()]
        if rows:
            yield rows


# --- helpers ---------------------------------------------------------------------------------------------


def _has_udfs(entity: str) -> bool:
    return bool(load_catalog()[entity].get("hasUdfs"))


def _column(field: str) -> str:
    from dlt.common.normalizers.naming.snake_case import NamingConvention

    return str(NamingConvention().normalize_identifier(field))


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
