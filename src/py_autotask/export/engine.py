"""The export engine: entities → files, in parallel, exactly once, resumable and incremental.

    engine = ExportEngine(client, ExportRequest(entities=["Tickets"], outputs={"Tickets": Path("t.csv")},
                                                format="csv"))
    summary = engine.run()

Per entity: `count` gives the progress total; up to the endpoint's thread limit of workers fetch id
ranges (`plan.RangeScheduler`: disjoint ranges, split while running so no worker idles); each page
is one request `filter and id >= lo [and id < hi]` of up to 500 records in ascending id. One writer
per entity (the thread that runs it) takes pages from a bounded queue — so memory stays bounded —
and writes them in arrival order (each id once; within a range in id order), then checkpoints
(`state.Checkpoint`); xlsx and parquet files take each page once every id below it is written, so
their rows are in id order (`sinks.py`). Several entities run at once, each on its own endpoint.

Interrupted (Ctrl-C, SIGTERM, a failure) the partial output and its checkpoint stay; `resume=True`
truncates the output back to the checkpoint and fetches only the ranges still pending.
Incremental runs are described in `incremental.py`. One run at a time per state directory, watermark
file and output file (OS file locks, `_filelock.py`): a second run is refused before it writes anything.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from .._catalog import load_catalog
from .._exceptions import AutotaskError, QuerySyntaxError
from .._filelock import RunLock
from ..query import needs_udfs, resolve_fields
from . import incremental
from .entity_job import EntityJob
from .labels import ReferenceCache
from .progress import EntitySummary, ExportProgress, RunSummary
from .state import Watermarks, check_no_overwrite

__all__ = ["ExportEngine", "ExportRequest"]

log = logging.getLogger("py_autotask.export")

PAGE_SIZE = 500


@dataclasses.dataclass
class ExportRequest:
    """What to export and how; `outputs` maps each entity to its file (None = stdout)."""

    entities: list[str]
    outputs: dict[str, Path | None]
    format: str
    filter: Any = None  # string grammar, F expression or raw filter JSON
    fields: list[str] | None = None
    since: str | None = None  # ISO date/datetime on the entity's change field
    until: str | None = None
    labels: bool = False
    resume: bool = False
    incremental: bool = False
    state_dir: Path | None = None  # default: <first output's directory>/.py-autotask
    state_file: Path | None = None  # incremental watermarks; default <state_dir>/watermarks.json
    workers: int | None = None  # per entity; default: the client's per-endpoint thread limit (3)
    parallel_entities: int = 4
    page_size: int = PAGE_SIZE
    force: bool = False  # replace outputs of earlier runs (and start interrupted ones over) instead of refusing
    csv_raw: bool = False  # CSV cells exactly as the data (no leading ' before =, +, -, @, tab, CR)
    checkpoint_every: float = 1.0  # seconds between checkpoints (and always at the end)

    def resolved_state_dir(self) -> Path:
        """Where checkpoints (and by default watermarks) live."""
        if self.state_dir is not None:
            return self.state_dir
        first = next((p for p in self.outputs.values() if p is not None), None)
        return (first.parent if first is not None else Path(".")) / ".py-autotask"



class ExportEngine:
    """Runs an ExportRequest against an AutotaskClient."""

    def __init__(self, client: Any, request: ExportRequest, *, progress: ExportProgress | None = None,
                 stop: threading.Event | None = None, clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time) -> None:
        self.client = client
        self.request = request
        self.progress = progress or ExportProgress()
        self.stop = stop or threading.Event()
        self.clock = clock
        self.wall_clock = wall_clock  # epoch seconds: a resumed run measures from its first part's start
        self.catalog = load_catalog()
        self.references = ReferenceCache(self._fetch_names)
        self._requests = 0
        self._requests_at_start: int | None = None
        self._lock = threading.Lock()
        self.warnings: list[str] = []
        self.include: dict[str, list[str]] = {}  # entity → IncludeFields for request.fields (run() checks them)
        self.run_stamp: str | None = None  # an incremental run's file stamp (see incremental.py)

    # -- accounting --------------------------------------------------------------------------------

    def count_request(self, n: int = 1) -> None:
        """Note requests this export sent (for the summary)."""
        with self._lock:
            self._requests += n

    @property
    def requests(self) -> int:
        """Requests sent by this export (pages, counts, label look-ups, deletion logs)."""
        return self._requests + self.references.requests

    def warn(self, text: str) -> None:
        """A warning for the summary (and the log)."""
        log.warning("%s", text)
        with self._lock:
            self.warnings.append(text)

    # -- the run -----------------------------------------------------------------------------------

    def run(self) -> RunSummary:
        """Export every entity; returns the summary (failures are in it, not raised; Ctrl-C is raised).

        Raises RunLockedError, before anything is written, when another run uses the same state
        directory, watermark file or output file; OutputExistsError when an output exists (or an
        interrupted export to it waits) and the request neither resumes it nor forces; QuerySyntaxError,
        before any page is asked for, when an entity has no field named in `fields`.
        """
        self.include = self._check_fields()
        state_dir = self.request.resolved_state_dir()
        for path in self.request.outputs.values():
            _check_writable_place(path)
        with ExitStack() as locks:
            for path, what in self._lock_targets(state_dir, self.request.outputs):
                locks.enter_context(RunLock(path, what))
            marks = incremental.open_watermarks(self.request, state_dir) if self.request.incremental else None
            if marks is not None:  # each incremental run writes its own stamped files; the caller's request stays
                self.run_stamp, outputs = incremental.begin_run(self.request, marks, self.wall_clock())
                self.request = dataclasses.replace(self.request, outputs=outputs, state_dir=state_dir)
            if not self.request.force:  # under the locks: no other run can create what is checked here
                check_no_overwrite([p for p in self.request.outputs.values() if p is not None],
                                   state_dir / "checkpoints", resume=self.request.resume)
            summary, interrupted = self._run(state_dir, marks)
        _remove_if_empty(state_dir / "checkpoints", state_dir)  # after the lock file is gone
        for path, _ in self._lock_targets(state_dir, self.request.outputs)[1:]:
            _remove_if_empty(path.parent)
        if interrupted:
            raise KeyboardInterrupt
        return summary

    def _check_fields(self) -> dict[str, list[str]]:
        """Each entity's IncludeFields for `fields` (none given: {}), with `id` (the keyset needs it).

        `query.resolve_fields` is the one check of such names (query(fields=…) and `query --fields` use
        it too): any case or snake_case, `udf:Name` or a bare UDF name, close matches for a misspelt one.
        Only a name that is no standard field needs the entity's UDF definitions (one metadata read).
        """
        wanted = self.request.fields
        if not wanted:
            return {}
        include: dict[str, list[str]] = {}
        for entity in self.request.entities:
            types: dict[str, str] = self.catalog[entity].get("fields", {})
            udfs: list[str] = []
            if self.catalog[entity].get("hasUdfs") and needs_udfs(wanted, types):
                udfs = [str(u.get("name")) for u in self.client.entity(entity).udfs()]
                self.count_request()
            try:
                names = resolve_fields(wanted, types, udfs, entity=entity)
            except QuerySyntaxError as exc:
                raise QuerySyntaxError(f"--fields: {exc}") from None
            include[entity] = list(dict.fromkeys(["id", *(n.name for n in names)]))
        return include

    def _lock_targets(self, state_dir: Path, outputs: Mapping[str, Path | None]) -> list[tuple[Path, str]]:
        """The lock files of this run: its state directory, its watermark file, each output file.

        Two runs on one of them would interleave rows in one file or lose each other's watermarks.
        Stdout needs none (no checkpoints) unless the run is incremental.
        """
        files = [p for p in outputs.values() if p is not None]
        targets: list[tuple[Path, str]] = []
        if files or self.request.incremental:
            targets.append((state_dir / "run.lock", f"the state directory {state_dir}"))
        if self.request.incremental and self.request.state_file is not None:
            state_file = self.request.state_file
            targets.append((state_file.with_name(state_file.name + ".lock"), f"the watermark file {state_file}"))
        if not self.request.incremental:  # incremental outputs are stamped per run: the state lock covers them
            for path in files:  # beside the file, as two runs with different state directories may share it
                targets.append((path.parent / ".py-autotask" / f"{path.name}.lock", f"the output {path}"))
        return targets

    def _run(self, state_dir: Path, marks: Watermarks | None) -> tuple[RunSummary, bool]:
        started = self.clock()
        usage = self._budget_usage()
        self._requests_at_start = usage.get("requests_total") if usage else None
        jobs = [EntityJob(self, name, state_dir, marks) for name in self.request.entities]
        results: dict[str, EntitySummary] = {}
        interrupted = False
        parallel = max(1, self.request.parallel_entities)
        with self.progress, ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="export") as pool:
            pending = list(jobs)
            running: dict[Future[None], EntityJob] = {}
            try:
                while pending or running:
                    # Entities start as slots free up, none after a stop; each job reports in its summary.
                    while pending and len(running) < parallel and not self.stop.is_set():
                        job = pending.pop(0)
                        running[pool.submit(job.run_safely)] = job
                    if self.stop.is_set():
                        pending.clear()
                    if running:
                        finished, _ = wait(running, return_when=FIRST_COMPLETED)
                        for future in finished:
                            job = running.pop(future)
                            results[job.entity] = job.summary
            except KeyboardInterrupt:
                interrupted = True
                self.stop.set()  # the jobs stop at their next page and keep their checkpoints
                wait(running)
                for job in running.values():
                    results[job.entity] = job.summary
            if marks is not None and not interrupted:
                incremental.export_deletion_logs(self, marks, results)
        summaries = [results.get(j.entity) or EntitySummary(j.entity, "not started") for j in jobs]
        if all(s.status in ("ok", "skipped") for s in summaries):
            for job in jobs:
                job.discard_checkpoint()
            if marks is not None:
                marks.set_pending_run(None)
        threshold = self._threshold()
        usage = self._budget_usage()
        requests = self.requests
        if usage and self._requests_at_start is not None:  # the client's own count includes retries
            requests = int(usage["requests_total"]) - int(self._requests_at_start)
        return RunSummary(summaries, self.clock() - started, requests, threshold), interrupted

    def _budget_usage(self) -> dict[str, Any] | None:
        budget = getattr(getattr(self.client, "runtime", None), "budget", None)
        return budget.usage() if budget is not None else None

    def _threshold(self) -> dict[str, Any] | None:
        """The tenant's threshold usage: the client's budget estimate when it has read it lately, else a read."""
        usage = self._budget_usage()
        if usage and usage.get("observed_age_seconds") is not None:
            return {"currentTimeframeRequestCount": usage["tenant_estimate"],
                    "externalRequestThreshold": usage["threshold"],
                    "requestThresholdTimeframe": round(usage["window_seconds"] / 60)}
        try:
            info = self.client.threshold_information()
        except AutotaskError as exc:
            log.info("threshold information unavailable: %s", exc)
            return None
        self.count_request()
        return info if isinstance(info, dict) else None

    def _fetch_names(self, entity: str, fields: Sequence[str], ids: list[int]) -> list[dict[str, Any]]:
        flt = [{"op": "in", "field": "id", "value": ids}]
        return self.client.entity(entity).query(flt, fields=["id", *fields], page_size=PAGE_SIZE).to_list()


def _check_writable_place(path: Path | None) -> None:
    """Refuse an output below a file (`-o afile/x.csv`) with a message naming that file."""
    if path is None:
        return
    for ancestor in path.parents:
        if ancestor.exists():
            if not ancestor.is_dir():
                raise NotADirectoryError(f"cannot write {path}: {ancestor} is a file, not a directory")
            return


def _remove_if_empty(*directories: Path) -> None:
    for directory in directories:
        try:
            directory.rmdir()
        except OSError:  # not empty (watermarks, other checkpoints) or never created: keep it
            return
