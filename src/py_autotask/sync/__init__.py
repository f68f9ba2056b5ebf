"""`py-autotask sync`: an exact local mirror of Autotask entities, built on dlt (`pip install 'py-autotask[sync]'`).

    from py_autotask.sync import make_destination, make_pipeline, sync

    pipeline = make_pipeline(make_destination("duckdb", "autotask_mirror.duckdb"))
    result = sync(client, ["Tickets", "TicketNotes", "Companies"], pipeline=pipeline)

or, in a dlt pipeline of your own (Airflow, Dagster, Prefect):

    from py_autotask.sync import autotask_source
    pipeline.run(autotask_source(client, ["Tickets", "Companies"]))

`plan` says what each entity's sync does, `source` is the dlt source, `runner` runs it in chunks.
See docs/sync.md.
"""

from __future__ import annotations

import importlib.util
from typing import Any

__all__ = ["EntityStats", "SyncContext", "SyncResult", "autotask_source", "make_destination", "make_pipeline",
           "sync", "tune_process_memory"]

_LAZY = {"EntityStats": "source", "SyncContext": "source", "autotask_source": "source",
         "SyncResult": "runner", "make_destination": "runner", "make_pipeline": "runner", "sync": "runner",
         "tune_process_memory": "runner"}


def require_extra() -> None:
    """Raise ImportError with the install hint when dlt, duckdb or pyarrow is missing."""
    missing = [m for m in ("dlt", "pyarrow") if importlib.util.find_spec(m) is None]
    if missing:
        raise ImportError(f"py-autotask sync needs {', '.join(missing)}: pip install 'py-autotask[sync]'")


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    require_extra()
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
