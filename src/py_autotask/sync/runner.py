"""`sync()`: run the source into a destination until every entity is complete, and summarise.

The source is run in chunks (`chunk_rows` records per entity per dlt run): while dlt normalises and
loads one chunk, the entity's fetch workers keep fetching the next (their queue holds up to a chunk
of pages), so the load overlaps the extraction, and each completed load commits how far the entity
got — a sync that is stopped (Ctrl-C, kill -9) continues from there the next time. Load packages a
stopped run had extracted but not loaded are loaded first.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .source import EntityStats, SyncContext, autotask_source

__all__ = ["DEFAULT_DUCKDB_FILE", "DUCKDB_SETTINGS", "SyncResult", "check_duckdb_file", "make_destination",
           "make_pipeline", "sync", "tune_process_memory"]

DEFAULT_CHUNK_ROWS = 50_000
# Not `autotask.duckdb`: DuckDB names the database (catalog) after the file, and a catalog and a schema
# both called `autotask` make `autotask.tickets` ambiguous (a Binder Error, in dlt's own load too).
DEFAULT_DUCKDB_FILE = "autotask_mirror.duckdb"
# DuckDB runs inside the syncing process. Its default memory limit is 80 % of the machine's RAM, and
# its buffer pool keeps the blocks of a growing table that each merge reads: the process grew with the
# mirror. Capped, it spills to `<file>.tmp` instead. Not preserving insertion order lets it load without
# buffering a whole chunk in order (row order means nothing in a mirror table). 64MB held a 1,000,000-
# ticket first sync and a 50,000-row merge of 7 KB descriptions (spilling); 32MB failed a commit.
# See docs/sync.md.
DUCKDB_SETTINGS: dict[str, Any] = {"memory_limit": "64MB", "preserve_insertion_order": False}


_M_ARENA_MAX = -8  # glibc's mallopt() parameter number (malloc.h)


def tune_process_memory() -> bool:
    """Settle the process's native allocators for a long sync (process-wide: `py-autotask sync` calls it; call
    it yourself at the start of a process that syncs). Returns False where glibc is not the C library.

    A sync's threads (fetch workers, dlt's load pool, DuckDB's) each got a glibc malloc arena of their own
    (up to 8 per core), and pages freed in one thread's arena were not reused by another's: the process
    grew with the mirror. Two arenas, and pyarrow allocating through malloc (not its own mimalloc pool),
    kept a first sync of 1,000,000 tickets at 361–373 MB instead of 440 MB, with less CPU (see docs/sync.md).
    """
    import ctypes
    import ctypes.util

    import pyarrow as pa

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return False
    if not hasattr(libc, "gnu_get_libc_version"):  # musl, macOS: other allocators, left as they are
        return False
    if libc.mallopt(_M_ARENA_MAX, 2) != 1:  # arenas made from now on; threads that have one keep it
        return False
    pa.set_memory_pool(pa.system_memory_pool())
    return True


@dataclasses.dataclass
class SyncResult:
    """What one `sync()` did."""

    entities: list[EntityStats]
    seconds: float
    requests: int
    loads: int  # dlt load packages completed (chunks, plus any left by a stopped run)
    destination: str
    dataset: str
    threshold: dict[str, Any] | None = None

    @property
    def refused(self) -> list[EntityStats]:
        """Entities whose vanished rows the mass-delete guard kept."""
        return [e for e in self.entities if e.refused]

    def threshold_text(self) -> str:
        """"1,234 of 10,000 requests per 60 min used (12%)", or "unknown"."""
        info = self.threshold or {}
        used, limit = info.get("currentTimeframeRequestCount"), info.get("externalRequestThreshold")
        if used is None or not limit:
            return "unknown"
        minutes = info.get("requestThresholdTimeframe") or 60
        return f"{used:,} of {limit:,} requests per {minutes} min used ({100 * used / limit:.0f}%)"


def make_destination(name: str = "duckdb", dsn: str | None = None) -> Any:
    """A dlt destination: `duckdb` (default file `autotask_mirror.duckdb`), `postgres` (`--dsn` required),
    `sqlite` (through dlt's sqlalchemy destination) or any other dlt destination by name."""
    import dlt
    from dlt.common.destination import Destination

    if name == "duckdb":
        from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

        path = str(Path(dsn or DEFAULT_DUCKDB_FILE).expanduser().resolve())
        return dlt.destinations.duckdb(credentials=DuckDbCredentials(path, global_config=dict(DUCKDB_SETTINGS)))
    if name in ("postgres", "postgresql"):
        if not dsn:
            raise ValueError("--destination postgres needs --dsn postgresql://user@host:5432/database")
        from dlt.destinations.impl.postgres.configuration import PostgresCredentials

        credentials = PostgresCredentials(dsn)
        if credentials.password is None:
            credentials.password = ""  # trust or peer authentication: dlt would otherwise ask for one
        return dlt.destinations.postgres(credentials=credentials)
    if name == "sqlite":
        return dlt.destinations.sqlalchemy(credentials=dsn if dsn and "://" in dsn
                                           else f"sqlite:///{Path(dsn or 'autotask.sqlite').resolve()}")
    try:
        return Destination.from_reference(name, credentials=dsn) if dsn else Destination.from_reference(name)
    except Exception as exc:  # dlt's own message names the missing extra or the unknown destination
        raise ValueError(f"destination {name!r}: {exc}") from exc


def check_duckdb_file(path: str | None, dataset: str) -> None:
    """Refuse a DuckDB file named like the dataset (`autotask.duckdb` with dataset `autotask`): DuckDB could
    not tell the catalog from the schema in `autotask.tickets`."""
    if Path(path or DEFAULT_DUCKDB_FILE).stem == dataset:
        raise ValueError(f"the DuckDB file {Path(path or DEFAULT_DUCKDB_FILE).name} is named like the dataset "
                         f"{dataset!r}: DuckDB could not tell the database from the schema in '{dataset}.tickets'; "
                         "choose another file name or --dataset")


def make_pipeline(destination: Any, dataset: str = "autotask", *, pipelines_dir: str | Path | None = None,
                  pipeline_name: str | None = None, identity: str = "") -> Any:
    """The dlt pipeline of one mirror: its name follows the destination and dataset, so two mirrors never
    share state; its working directory defaults to `./.py-autotask/dlt`."""
    import dlt

    if pipeline_name is None:
        digest = hashlib.sha256(f"{identity}|{dataset}".encode()).hexdigest()[:10]
        pipeline_name = f"py_autotask_{dataset}_{digest}"
    directory = Path(pipelines_dir) if pipelines_dir is not None else Path(".py-autotask") / "dlt"
    return dlt.pipeline(pipeline_name=pipeline_name, destination=destination, dataset_name=dataset,
                        pipelines_dir=str(directory.resolve()))


def sync(client: Any, entities: Sequence[str], *, pipeline: Any, full: bool = False,
         allow_mass_delete: bool = False, mass_delete_share: float = 0.5,
         chunk_rows: int | None = DEFAULT_CHUNK_ROWS, progress: Any = None, workers: int | None = None) -> SyncResult:
    """Mirror `entities` into `pipeline`'s destination; returns per-entity inserted/updated/deleted counts."""
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    started = time.monotonic()
    loads = 0
    if pipeline.has_pending_data:
        # A stopped run left extracted or normalised packages: they hold data and cursors; load them first.
        pipeline.normalize()
        pipeline.load()
        loads += 1
    ctx = SyncContext(client, full=full, allow_mass_delete=allow_mass_delete, mass_delete_share=mass_delete_share,
                      chunk_rows=chunk_rows, progress=progress, workers=workers)
    usage_start = _requests_total(client)
    try:
        while True:
            pipeline.run(autotask_source(client, entities, context=ctx))
            loads += 1
            if ctx.complete():
                break
    finally:
        for work in ctx.fetches.values():
            work.fetch.stop()
        ctx.fetches.clear()
    requests = ctx.requests
    usage_end = _requests_total(client)
    if usage_start is not None and usage_end is not None:
        requests = usage_end - usage_start  # the client's own count includes retries
    return SyncResult(list(ctx.stats.values()), time.monotonic() - started, requests, loads,
                      destination=str(pipeline.destination.destination_name), dataset=pipeline.dataset_name,
                      threshold=_threshold(client))


def _requests_total(client: Any) -> int | None:
    budget = getattr(getattr(client, "runtime", None), "budget", None)
    usage = budget.usage() if budget is not None else None
    return int(usage["requests_total"]) if usage and usage.get("requests_total") is not None else None


def _threshold(client: Any) -> dict[str, Any] | None:
    """The tenant's threshold usage from the client's budget when it read it lately, else None (no request:
    a sync with nothing to do stays at its query requests)."""
    budget = getattr(getattr(client, "runtime", None), "budget", None)
    usage = budget.usage() if budget is not None else None
    if usage and usage.get("observed_age_seconds") is not None:
        return {"currentTimeframeRequestCount": usage["tenant_estimate"],
                "externalRequestThreshold": usage["threshold"],
                "requestThresholdTimeframe": round(usage["window_seconds"] / 60)}
    return None
