"""`--incremental`: fetch only what changed since the last complete run, and what was deleted.

Per entity the state file keeps the highest change value seen (`since`, on the field `plan.change_field`
picks), the ids and change values of the records exported within an *overlap* window before it, and
the highest id. The next run asks for `field >= since - overlap` and drops the records it already has
(same id, same change value). The overlap is the previous run's duration plus a margin: a record
changed while that run was going, in an id range it had already passed, has a change value inside
the window, so it is fetched again — no change is lost, none is fetched twice.

Entities without a modification field (only a creation date, or no date at all) cannot be followed
this way: each incremental run exports them whole ("snapshot" in the summary).

Deletions: after the entities, every deletion-log entity of the catalogue that reports on an exported
entity (DeletedTicketLogs for Tickets; DeletedTicketActivityLogs / DeletedTaskActivityLogs for notes,
time entries and attachments) is read from the last log id seen and written beside the exports. The
first incremental run reads the whole log.

Files: every incremental run writes its own files, stamped with the end of its window (the run's start,
UTC): `Tickets.20261206T101500Z.csv`, `DeletedTicketLogs.20261206T101500Z.csv`. A run never touches an
earlier run's files, so a directory of runs is the full history: the first file holds everything, each
later one the changes since the one before (read them in name order; the last row of an id wins). A
resumed run keeps the stamp of the run it continues (`pending_run` in the state file).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._datetime import to_epoch_ms
from .plan import deletion_logs_for, is_modification_field
from .progress import EntitySummary
from .sinks import open_sink
from .state import EntityWatermark, Watermarks
from .writers import columns_from_fields

if TYPE_CHECKING:
    from .engine import ExportEngine, ExportRequest

__all__ = ["EntityPlan", "Tracker", "begin_run", "export_deletion_logs", "next_watermark", "open_watermarks",
           "plan_entity", "stamped"]

OVERLAP_MARGIN_S = 300.0  # clock drift and late-committing writes on Autotask's side
RECENT_CAP = 200_000  # ids remembered inside the overlap window (beyond it: refetched, never lost)


def open_watermarks(request: ExportRequest, state_dir: Path) -> Watermarks:
    """The watermark file of this export."""
    return Watermarks(request.state_file or state_dir / "watermarks.json")


def begin_run(request: ExportRequest, marks: Watermarks, now: float) -> tuple[str, dict[str, Path | None]]:
    """This run's stamp and its stamped outputs (a resume continues the pending run's files)."""
    stamp = marks.pending_run if request.resume and marks.pending_run else None
    moment = int(now)
    while stamp is None:
        candidate = datetime.fromtimestamp(moment, timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        taken = any(p is not None and any(p.parent.glob(f"*.{candidate}.*")) for p in request.outputs.values())
        if not taken:  # two runs within one second: the later one takes the next free second
            stamp = candidate
        moment += 1
    marks.set_pending_run(stamp)
    return stamp, {entity: stamped(path, stamp) for entity, path in request.outputs.items()}


def stamped(path: Path | None, stamp: str) -> Path | None:
    """`out/Tickets.csv` → `out/Tickets.<stamp>.csv` (stdout stays stdout)."""
    if path is None:
        return None
    return path.with_name(f"{path.stem}.{stamp}{path.suffix}")


@dataclasses.dataclass
class EntityPlan:
    """What an incremental run of one entity asks for."""

    mode: str  # "incremental", "full" (first run) or "snapshot" (no modification field)
    conditions: list[dict[str, Any]]
    skip: dict[str, int]  # id -> change value (epoch ms) already exported at the previous run
    started: float


def plan_entity(change: str | None, mark: EntityWatermark | None, started: float) -> EntityPlan:
    """What to ask for, given the entity's change field and its watermark from the last complete run."""
    if not is_modification_field(change):
        return EntityPlan("snapshot", [], {}, started)
    if mark is None or mark.since is None or mark.field != change:
        return EntityPlan("full", [], {}, started)
    start_ms = to_epoch_ms(mark.since) - int(mark.overlap_s * 1000)
    condition = {"op": "gte", "field": change, "value": _iso(start_ms)}
    return EntityPlan("incremental", [condition], dict(mark.recent), started)


class Tracker:
    """Follows the change values and ids written in this run (bounded memory)."""

    def __init__(self, change: str | None, *, started_at: float | None = None) -> None:
        self.change = change
        # Epoch seconds when this run first started; a resume keeps the interrupted part's value, so the
        # next run's overlap window also covers changes made between the parts.
        self.started_at = started_at
        self.max_ms: int | None = None
        self.max_id: int | None = None
        self.recent: dict[str, int] = {}
        self.truncated = False

    def add(self, records: list[dict[str, Any]] | None) -> None:
        """Take the records of one written page."""
        for record in records or ():
            record_id = record.get("id")
            if record_id is not None and (self.max_id is None or record_id > self.max_id):
                self.max_id = int(record_id)
            value = record.get(self.change) if self.change else None
            if value in (None, ""):
                continue
            ms = to_epoch_ms(value)
            if self.max_ms is None or ms > self.max_ms:
                self.max_ms = ms
            self.recent[str(record_id)] = ms
        if len(self.recent) > 2 * RECENT_CAP:
            self._shrink()

    def snapshot(self) -> dict[str, Any]:
        """What a checkpoint keeps, so a resumed run still knows the highest values of its first part."""
        return {"max_ms": self.max_ms, "max_id": self.max_id, "started_at": self.started_at}

    def restore(self, saved: Mapping[str, Any] | None) -> None:
        """Continue from a checkpoint's snapshot (the ids seen before it are not kept: at worst the next
        incremental run repeats some of them)."""
        if saved:
            self.max_ms, self.max_id = saved.get("max_ms"), saved.get("max_id")
            if saved.get("started_at") is not None:
                self.started_at = float(saved["started_at"])

    def _shrink(self) -> None:
        # Keep the newest values: the window that matters ends at the maximum.
        keep = sorted(self.recent.items(), key=lambda kv: kv[1], reverse=True)[:RECENT_CAP]
        self.recent = dict(keep)
        self.truncated = True

    def window(self, overlap_s: float) -> dict[str, int]:
        """The ids and values inside the overlap window before the maximum."""
        if self.max_ms is None:
            return {}
        low = self.max_ms - int(overlap_s * 1000)
        inside = {k: v for k, v in self.recent.items() if v >= low}
        if len(inside) > RECENT_CAP:
            inside = dict(sorted(inside.items(), key=lambda kv: kv[1], reverse=True)[:RECENT_CAP])
        return inside


def skip_unchanged(plan: EntityPlan, change: str | None, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records minus those the previous run exported with the same change value."""
    if not plan.skip or change is None:
        return records
    out = []
    for record in records:
        previous = plan.skip.get(str(record.get("id")))
        value = record.get(change)
        if previous is not None and value not in (None, "") and to_epoch_ms(value) == previous:
            continue
        out.append(record)
    return out


def next_watermark(change: str | None, plan: EntityPlan, tracker: Tracker, rows: int,
                   previous: EntityWatermark | None, *, clock_now: float, wall_now: float) -> EntityWatermark:
    """The entity's watermark once its output is complete (`clock_now` on the clock `plan.started` was
    read from; `wall_now` in epoch seconds). `tracker.truncated` says whether it had to forget ids."""
    duration = clock_now - plan.started
    if tracker.started_at is not None:
        # A resumed run: records its first part wrote may have changed before this part began.
        duration = max(duration, wall_now - tracker.started_at)
    overlap = duration + OVERLAP_MARGIN_S
    last_run = datetime.fromtimestamp(wall_now, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if plan.mode == "snapshot":
        return EntityWatermark(field=None, max_id=tracker.max_id, last_run=last_run, records=rows)
    if tracker.max_ms is None and previous is not None:
        # Nothing changed: the old mark still starts the next run early enough (it is older than this run).
        return dataclasses.replace(previous, last_run=last_run, records=0)
    # Records exported by earlier runs that are still inside the new window count as "already have";
    # this run's values replace theirs.
    low = (tracker.max_ms or 0) - int(overlap * 1000)
    recent = {k: v for k, v in (previous.recent if previous else {}).items() if v >= low}
    recent.update(tracker.window(overlap))
    return EntityWatermark(field=change, since=_iso(tracker.max_ms) if tracker.max_ms is not None else None,
                           overlap_s=overlap, recent=recent,
                           max_id=max(filter(None, [tracker.max_id, previous.max_id if previous else None]),
                                      default=None),
                           last_run=last_run, records=rows)


def export_deletion_logs(engine: ExportEngine, marks: Watermarks, results: Mapping[str, EntitySummary]) -> None:
    """Write the new rows of every deletion log that reports on an entity exported completely."""
    request = engine.request
    wanted: dict[str, list[str]] = {}
    for entity, summary in results.items():
        if summary.status != "ok":
            continue
        for log in deletion_logs_for(entity, engine.catalog):
            if log.log in engine.catalog and "queryPost" in engine.catalog[log.log].get("ops", ()):
                wanted.setdefault(log.log, []).append(entity)
    for log_name, entities in sorted(wanted.items()):
        output = next((request.outputs[e] for e in entities if request.outputs[e] is not None), None)
        if output is None:
            engine.warn(f"{log_name}: deletions are not written when exporting to stdout")
            continue
        target = output.parent / f"{log_name}.{engine.run_stamp}.{request.format}"
        try:
            rows, max_id = _export_log(engine, log_name, target, marks.log_position(log_name))
        except Exception as exc:  # reported per entity; the log position stays, so the next run retries
            for entity in entities:
                results[entity].status = "failed"
                results[entity].error = f"reading {log_name}: {exc}"
                results[entity].exception = exc
            continue
        if max_id is not None:
            marks.set_log_position(log_name, max_id)
        for entity in entities:
            summary = results[entity]
            summary.deletions = (summary.deletions or 0) + rows
            summary.files.append(str(target))


def _export_log(engine: ExportEngine, log_name: str, target: Path, after: int | None) -> tuple[int, int | None]:
    ent = engine.client.entity(log_name)
    fields = ent.fields()
    columns = columns_from_fields({str(f["name"]): str(f.get("dataType") or "string") for f in fields})
    flt = [{"op": "gt", "field": "id", "value": after if after is not None else -(2**63)}]
    sink = open_sink(engine.request.format, target, columns, csv_raw=engine.request.csv_raw, entity=log_name)
    max_id = after
    try:
        for page in ent.query(flt, page_size=500).pages():
            engine.count_request()
            sink.write(page.items)
            for record in page.items:
                if record.get("id") is not None and (max_id is None or record["id"] > max_id):
                    max_id = int(record["id"])
    except BaseException:
        sink.abandon()
        raise
    sink.close()
    return sink.rows, max_id


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

