"""The Autotask mirror (`py_autotask.sync`'s dlt source) as a scheduled job: a plain function, and the thin
Dagster and Airflow wrappers that schedule it.

    pip install 'py-autotask[sync]'
    export AUTOTASK_USERNAME=… AUTOTASK_SECRET=… AUTOTASK_INTEGRATION_CODE=…
    python examples/dlt_orchestrator_job.py Tickets,Companies --dsn mirror.duckdb      # one run, JSON summary

    from examples.dlt_orchestrator_job import run_sync_job
    summary = run_sync_job(["Tickets", "Companies"], dsn="mirror.duckdb")
    summary["entities"]["Tickets"]   # {"mode": "incremental", "fetched": …, "inserted": …, "updated": …, "deleted": …}

`run_sync_job` is everything a scheduler needs to call: it builds the source (`autotask_source`) and a
dlt pipeline whose name follows the destination and dataset, runs it once, and returns a small
JSON-able summary. The first run reads every record; each later run reads what changed since (the
cursors live in dlt's state, committed with the data), so a schedule of any frequency keeps the mirror
exact. The wrappers below exist only where their framework is installed; this file runs without them:
* Dagster: the asset `autotask_mirror` (and `defs`), materialised by `dagster dev -f <this file>`;
* Airflow: the task `autotask_sync`, to call inside a `@dag` of yours (`autotask_sync()`).
Both read the destination from `AUTOTASK_MIRROR_DESTINATION` / `AUTOTASK_MIRROR_DSN` (default: the
DuckDB file `autotask_mirror.duckdb`) and the entities from `AUTOTASK_MIRROR_ENTITIES`.

A scheduler may start a run while the previous one still loads; give each mirror one concurrent run
(Dagster: a concurrency pool or a sensor; Airflow: `max_active_runs=1`): dlt's state is per pipeline.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from py_autotask import AutotaskClient

DEFAULT_ENTITIES = ("Tickets", "TicketNotes", "TimeEntries", "Companies", "Contacts")


def run_sync_job(entities: Sequence[str] = DEFAULT_ENTITIES, *, destination: str = "duckdb",
                 dsn: str | None = None, dataset: str = "autotask", pipelines_dir: str | Path | None = None,
                 client: AutotaskClient | None = None, full: bool = False) -> dict[str, Any]:
    """One run of the mirror: what each entity's table gained and lost, as a JSON-able dict.

    `client` defaults to `AutotaskClient.from_env()` (closed afterwards); `destination` and `dsn` are
    those of `py-autotask sync` (`duckdb` + a file, `postgres` + a DSN, or any dlt destination);
    `full=True` re-reads everything and deletes what vanished (the weekly run of docs/sync.md).
    """
    from py_autotask.sync import SyncContext, autotask_source, make_destination, make_pipeline

    own_client = client is None
    api = AutotaskClient.from_env() if client is None else client
    try:
        pipeline = make_pipeline(make_destination(destination, dsn), dataset, pipelines_dir=pipelines_dir,
                                 identity=_identity(destination, dsn))
        if pipeline.has_pending_data:
            # A run stopped mid-load left packages behind (they carry data and cursors): dlt's `run` loads
            # those and returns without extracting, so finish them first, then run the source.
            pipeline.run()
        context = SyncContext(api, full=full)  # no chunking: one dlt run reads and loads every entity
        info = pipeline.run(autotask_source(api, list(entities), context=context))
        if not context.complete():
            raise RuntimeError(f"the sync did not complete: {[s for s in context.stats.values() if not s.complete]}")
        return {
            "pipeline": pipeline.pipeline_name,
            "destination": str(pipeline.destination.destination_name),
            "dataset": pipeline.dataset_name,
            "loads": list(info.loads_ids),
            "entities": {s.entity: {"mode": s.mode, "fetched": s.fetched, "inserted": s.inserted,
                                    "updated": s.updated, "deleted": s.deleted}
                         for s in context.stats.values()},
            "refused_deletes": {s.entity: s.refused for s in context.stats.values() if s.refused},
        }
    finally:
        if own_client:
            api.close()


def _identity(destination: str, dsn: str | None) -> str:
    """What names the mirror's dlt pipeline, as `py-autotask sync` names it: the job and the command line
    continue the same mirror (same cursors) when given the same destination and working directory."""
    if destination == "duckdb":
        return f"duckdb|{os.path.abspath(dsn or 'autotask_mirror.duckdb')}"
    parts = urlsplit(dsn or "")
    if parts.password is None:
        return f"{destination}|{dsn or ''}"
    netloc = f"{parts.username}@{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
    return f"{destination}|{urlunsplit(parts._replace(netloc=netloc))}"  # a new password: the same mirror


def _job_settings() -> dict[str, Any]:
    """What the scheduled wrappers pass to `run_sync_job`, from the environment of the worker."""
    entities = os.environ.get("AUTOTASK_MIRROR_ENTITIES")
    return {"entities": entities.split(",") if entities else DEFAULT_ENTITIES,
            "destination": os.environ.get("AUTOTASK_MIRROR_DESTINATION", "duckdb"),
            "dsn": os.environ.get("AUTOTASK_MIRROR_DSN")}


# -- Dagster (only where it is installed) ----------------------------------------------------------------

try:
    import dagster as dg
except ImportError:
    dg = None

if dg is not None:

    @dg.asset(name="autotask_mirror", description="The Autotask tenant mirrored by py-autotask's dlt source")
    def autotask_mirror(context: Any) -> Any:
        summary = run_sync_job(**_job_settings())
        context.log.info("autotask mirror: %s", json.dumps(summary["entities"]))
        return dg.MaterializeResult(metadata={
            "loads": len(summary["loads"]),
            **{f"{name} rows changed": stats["inserted"] + stats["updated"] + stats["deleted"]
               for name, stats in summary["entities"].items()},
        })

    defs = dg.Definitions(assets=[autotask_mirror])


# -- Airflow (only where it is installed) ----------------------------------------------------------------

try:
    from airflow.decorators import task as airflow_task
except ImportError:
    airflow_task = None

if airflow_task is not None:

    @airflow_task(task_id="autotask_sync")
    def autotask_sync() -> dict[str, Any]:
        """Inside a `@dag(schedule="@hourly", max_active_runs=1)` of yours: `autotask_sync()`."""
        return run_sync_job(**_job_settings())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="One run of the Autotask mirror; prints a JSON summary.")
    parser.add_argument("entities", nargs="?", default=",".join(DEFAULT_ENTITIES), help="comma-separated")
    parser.add_argument("--destination", default="duckdb")
    parser.add_argument("--dsn", default=None, help="DuckDB file or database URL")
    parser.add_argument("--dataset", default="autotask")
    parser.add_argument("--pipelines-dir", default=None, help="dlt's working directory (default ./.py-autotask/dlt)")
    parser.add_argument("--full", action="store_true")
    args = parser.parse_args(argv)
    summary = run_sync_job(args.entities.split(","), destination=args.destination, dsn=args.dsn,
                           dataset=args.dataset, pipelines_dir=args.pipelines_dir, full=args.full)
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
