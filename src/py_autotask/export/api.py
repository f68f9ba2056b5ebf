"""The export as a Python call: everything `py-autotask export` does, without the command line.

    from py_autotask.export import export

    result = export(client, ["Tickets", "Companies"], "out/", format="parquet", since="2024-01-01")
    result.ok                  # every entity complete
    result.files               # {"Tickets": ["out/Tickets.parquet"], …}
    export(client, "Tickets,TimeEntries", "sync/", incremental=True)   # again later: only changes
    export(client, "Tickets", "t.csv", resume=True)                    # after an interruption

`entities` is a list or a comma-separated string (or `all_entities=True`); `output` a directory
(`<dir>/<Entity>.<format>`), a file (one entity; the format from its extension) or "-" (stdout:
csv/json/ndjson). `progress` is a callback taking `ProgressEvent`s (or an `ExportProgress`, as the CLI
passes for its bars); `stop` is a `threading.Event` that stops the run as Ctrl-C does (the partial
output and checkpoints stay for `resume=True`). CSV text cells that start with =, +, -, @, tab or CR
get a leading ' so a spreadsheet does not run them as formulas; `csv_raw=True` writes them exactly.

Errors: bad arguments raise ValueError (QuerySyntaxError for a bad filter or field) before any
request; a missing extra raises MissingExtraError; an entity that fails is reported in the result
(`result.failed`), not raised, so the other entities finish; Ctrl-C raises KeyboardInterrupt.
Another run using the same output file, state directory or watermark file raises RunLockedError
(from `py_autotask.export`) before anything is written; so does OutputExistsError when an output exists
already (a file of an earlier run, or an interrupted export to it): `force=True` replaces it,
`resume=True` continues an interrupted one.

Incremental runs never touch the files of earlier runs: see `incremental.py` (each run writes files
stamped with the end of its window, `Tickets.20261206T101500Z.csv`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import importlib.abc
import importlib.util
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .._catalog import find_entity, load_catalog
from .engine import ExportEngine, ExportRequest
from .plan import output_paths, queryable_entities, select_entities
from .progress import ExportProgress, RunSummary

__all__ = ["ExportResult", "ProgressEvent", "build_request", "export", "export_request"]

#: What `export()` returns: per-entity summaries, records, requests, threshold use, warnings.
ExportResult = RunSummary


@dataclasses.dataclass(frozen=True)
class ProgressEvent:
    """One step of an export, for a progress callback.

    `kind` is "start" (total known: the entity's count, None if unknown), "advance" (`records` more
    written; `completed` so far) or "finish" (`status`: ok, failed, interrupted, skipped).
    """

    entity: str
    kind: str
    completed: int = 0
    total: int | None = None
    records: int = 0
    status: str | None = None


class CallbackProgress(ExportProgress):
    """An ExportProgress that reports to a callback instead of drawing bars."""

    def __init__(self, callback: Callable[[ProgressEvent], None]) -> None:
        super().__init__()
        self._callback = callback
        self._done: dict[str, int] = {}
        self._totals: dict[str, int | None] = {}
        self._guard = threading.Lock()

    def add(self, entity: str, total: int | None, completed: int = 0) -> None:
        with self._guard:
            self._done[entity], self._totals[entity] = completed, total
        self._callback(ProgressEvent(entity, "start", completed, total))

    def set_total(self, entity: str, total: int | None) -> None:
        with self._guard:
            self._totals[entity] = total

    def advance(self, entity: str, records: int) -> None:
        with self._guard:
            done = self._done[entity] = self._done.get(entity, 0) + records
            total = self._totals.get(entity)
        self._callback(ProgressEvent(entity, "advance", done, total, records))

    def finish(self, entity: str, status: str) -> None:
        with self._guard:
            done, total = self._done.get(entity, 0), self._totals.get(entity)
        self._callback(ProgressEvent(entity, "finish", done, total, status=status))


def export(
    client: Any,
    entities: str | Sequence[str] | None = None,
    output: str | Path | None = None,
    *,
    all_entities: bool = False,
    format: str | None = None,
    filter: Any = None,
    fields: str | Sequence[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    labels: bool = False,
    resume: bool = False,
    incremental: bool = False,
    state_dir: str | Path | None = None,
    state_file: str | Path | None = None,
    threads: int | None = None,
    parallel: int = 4,
    page_size: int = 500,
    csv_raw: bool = False,
    force: bool = False,
    progress: Callable[[ProgressEvent], None] | ExportProgress | None = None,
    stop: threading.Event | None = None,
) -> ExportResult:
    """Export entities to files (or stdout); returns the run's summary. See the module docstring."""
    request = build_request(entities, output, all_entities=all_entities, format=format, filter=filter,
                            fields=fields, since=since, until=until, labels=labels, resume=resume,
                            incremental=incremental, state_dir=state_dir, state_file=state_file,
                            threads=threads, parallel=parallel, page_size=page_size, csv_raw=csv_raw, force=force)
    return export_request(client, request, progress=progress, stop=stop)


def export_request(client: Any, request: ExportRequest, *,
                   progress: Callable[[ProgressEvent], None] | ExportProgress | None = None,
                   stop: threading.Event | None = None) -> ExportResult:
    """Run a checked request (from `build_request`); the result carries the run's warnings."""
    if progress is None:
        display = ExportProgress()
    elif isinstance(progress, ExportProgress):
        display = progress
    else:
        display = CallbackProgress(progress)
    if request.format == "parquet":
        preload_pyarrow()
    engine = ExportEngine(client, request, progress=display, stop=stop)
    summary = engine.run()
    summary.warnings = engine.warnings + engine.references.warnings
    return summary


def build_request(
    entities: str | Sequence[str] | None,
    output: str | Path | None,
    *,
    all_entities: bool = False,
    format: str | None = None,
    filter: Any = None,
    fields: str | Sequence[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    labels: bool = False,
    resume: bool = False,
    incremental: bool = False,
    state_dir: str | Path | None = None,
    state_file: str | Path | None = None,
    threads: int | None = None,
    parallel: int = 4,
    page_size: int = 500,
    csv_raw: bool = False,
    force: bool = False,
) -> ExportRequest:
    """Check every argument (no I/O) and make the engine's request; ValueError says what is wrong."""
    catalog = load_catalog()
    names_given = [entities] if isinstance(entities, str) else list(entities or [])
    if all_entities and names_given:
        raise ValueError("give entity names or all_entities, not both")
    if not all_entities and not names_given:
        raise ValueError("name at least one entity (e.g. Tickets,Companies) or export all entities")
    names = queryable_entities(catalog) if all_entities else select_entities(
        names_given, catalog, lambda n: find_entity(n)["name"])
    for name in names:
        if not {"queryPost", "queryGet"} & set(catalog[name]["ops"]):
            raise ValueError(f"{name} cannot be queried at the root of the API (only under its parent)")
    out = None if output is None else str(output)
    fmt, outputs = output_paths(names, out, format.lower() if format else None)
    if out == "-" and (resume or (incremental and not state_file)):
        raise ValueError("resume needs a file output; incremental to stdout needs a state file")
    if not 1 <= page_size <= 500:
        raise ValueError(f"page_size must be between 1 and 500, not {page_size}")
    if isinstance(filter, str) and filter.strip():
        from ..query import parse_filter

        parse_filter(filter)  # a syntax error stops here, before any request
    _check_extra(fmt)
    field_list = [f.strip() for f in fields.split(",")] if isinstance(fields, str) else list(fields or [])
    _check_window(since, until)
    _check_unique(field_list)
    return ExportRequest(
        entities=names, outputs=outputs, format=fmt, filter=filter if filter not in ("", []) else None,
        fields=[f for f in field_list if f] or None, since=since, until=until, labels=labels, resume=resume,
        incremental=incremental, state_dir=Path(state_dir) if state_dir is not None else None,
        state_file=Path(state_file) if state_file is not None else None, workers=threads,
        parallel_entities=parallel, page_size=page_size, csv_raw=csv_raw, force=force,
    )


def _check_window(since: str | None, until: str | None) -> None:
    """--since/--until must be dates or date-times, the first before the second (an empty window is a typo)."""
    from .._datetime import parse_date_or_datetime

    bounds = {}
    for name, value in (("since", since), ("until", until)):
        if value is not None:
            try:
                bounds[name] = parse_date_or_datetime(str(value))
            except ValueError:
                raise ValueError(f"{name} {value!r} is not a date or date-time (use YYYY-MM-DD or "
                                 "YYYY-MM-DDTHH:MM[:SS], UTC unless it ends in Z or ±HH:MM)") from None
    if len(bounds) == 2 and bounds["since"] >= bounds["until"]:
        raise ValueError(f"since {since} is not before until {until}: the window holds no time")


def _check_unique(fields: Sequence[str]) -> None:
    """A field named twice is a typo: refused as `query --fields` refuses it (query.check_repeats)."""
    from ..query import QuerySyntaxError, check_repeats

    try:
        check_repeats(fields)
    except QuerySyntaxError as exc:
        raise QuerySyntaxError(f"--fields: {exc}") from None


_preloading: threading.Thread | None = None


def preload_pyarrow() -> None:
    """Load pyarrow in the background, so it loads while the first requests are in flight, not after them."""
    global _preloading
    if _preloading is not None:
        return

    def load() -> None:
        try:
            pa = importlib.import_module("pyarrow")
            importlib.import_module("pyarrow.parquet")
            pa.array([], type=pa.int64())  # its first conversion loads more (pandas, when importable)
        except ImportError:  # reported where the module is needed
            pass

    _preloading = threading.Thread(target=load, name="preload-pyarrow", daemon=True)
    _preloading.start()


class _NoPandas(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


@contextlib.contextmanager
def pandas_unavailable() -> Iterator[None]:
    """`import pandas` fails inside the block, if pandas is not loaded yet (otherwise nothing changes).

    pyarrow converts Python lists after checking whether they hold pandas objects, importing pandas
    to do so when it can (~0.4 s of CPU). A process that never uses pandas — `py-autotask export` —
    saves that; pyarrow works without pandas.
    """
    if "pandas" in sys.modules:
        yield
        return
    finder = _NoPandas()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def _check_extra(fmt: str) -> None:
    needs = {"parquet": ("pyarrow", "parquet"), "xlsx": ("xlsxwriter", "excel")}.get(fmt)
    if needs and importlib.util.find_spec(needs[0]) is None:
        from .writers import MissingExtraError

        raise MissingExtraError(needs[0], needs[1], fmt)
