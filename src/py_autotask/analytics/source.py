"""Where the metrics read from: the DuckDB mirror or a directory of Parquet exports, as one set of views.

    source = open_source("autotask_mirror.duckdb")   # the mirror `py-autotask sync` keeps
    source = open_source("exports/")                 # Tickets.parquet, TimeEntries.parquet, ...

Either way the metrics run in an in-memory DuckDB connection over views named and typed by
:mod:`.schema` (the mirror is attached read-only; Parquet files are read in place, never loaded).
Picklist labels come from the mirror's ``picklist_values`` table, from a ``picklist_values.parquet``
beside the exports, or else from the ``<field>_label`` columns ``export --labels`` writes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._exceptions import AutotaskError
from .schema import ENTITIES, EntitySpec, snake_case

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from .calendar import TenantCalendar

__all__ = ["MissingDataError", "Source", "SourceError", "open_source"]

MIRROR_SCHEMA = "autotask"
_LABEL_SUFFIX = "_label"


class SourceError(AutotaskError):
    """The analytics source cannot be opened or read (no such file, not a mirror or export directory)."""


class MissingDataError(SourceError):
    """A metric needs an entity or field the source does not have; the message says how to get it."""


def _duckdb() -> Any:
    try:
        import duckdb
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise SourceError("analytics needs DuckDB: pip install 'py-autotask[analytics]'") from exc
    return duckdb


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class Source:
    """An open analytics source: a DuckDB connection with one typed view per entity.

    ``now`` is the moment "today" and ages are measured from (default: the wall clock); ``tz``
    overrides the tenant's time zone (default: the business-hours location's zone, else UTC).
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, location: str, kind: str, *,
                 now: datetime | None = None, tz: str | tzinfo | None = None) -> None:
        self.con = con
        self.location = location
        self.kind = kind  # "duckdb" or "parquet"
        self.present: set[str] = set()  # views backed by data (the others are empty)
        self.columns: dict[str, set[str]] = {}  # view -> the columns the data really has
        moment = now or datetime.now(timezone.utc)
        self.now = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
        self._tz_override = tz
        self._calendar: TenantCalendar | None = None

    # -- the tenant's calendar ------------------------------------------------------------------------
    @property
    def calendar(self) -> TenantCalendar:
        """Business hours, holidays and time zone of the tenant (read once)."""
        if self._calendar is None:
            from .calendar import load_calendar

            self._calendar = load_calendar(self, self._tz_override)
        return self._calendar

    @property
    def tz(self) -> tzinfo:
        """The tenant's time zone: periods, "today" and business hours are all in it."""
        return self.calendar.tz

    def today(self) -> date:
        """Today's date in the tenant's time zone."""
        return self.now.astimezone(self.tz).date()

    # -- reading ----------------------------------------------------------------------------------------
    def has(self, view: str, *columns: str) -> bool:
        """Whether the source holds ``view`` (and each of ``columns``, snake_case names)."""
        return view in self.present and all(c in self.columns[view] for c in columns)

    def require(self, view: str, *columns: str, purpose: str = "this metric") -> None:
        """Raise :class:`MissingDataError` unless the source has ``view`` with ``columns``."""
        spec = ENTITIES[view]
        if view not in self.present:
            raise MissingDataError(
                f"{purpose} needs {spec.entity}, which {self.location} does not have; "
                + self._how_to_get(spec)
            )
        missing = [c for c in columns if c not in self.columns[view]]
        if missing:
            names = {snake_case(f): f for f in spec.fields}
            fields = ", ".join(names.get(c, c) for c in missing)
            raise MissingDataError(
                f"{purpose} needs {spec.entity} field(s) {fields}, missing from {self.location}; "
                + self._how_to_get(spec)
            )

    def _how_to_get(self, spec: EntitySpec) -> str:
        if self.kind == "duckdb":
            return f"add it to the mirror: py-autotask sync {spec.entity}"
        return (f"export it: py-autotask export {spec.entity} --format parquet --labels "
                f"-o {Path(self.location) / (spec.entity + '.parquet')}")

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        """Run ``sql`` and return the result as an Arrow table."""
        relation = self.con.sql(sql, params=list(params) if params is not None else None)
        if hasattr(relation, "to_arrow_table"):  # DuckDB >= 1.4
            return relation.to_arrow_table()
        return relation.fetch_arrow_table()  # pragma: no cover - older DuckDB

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run ``sql`` and return its rows as tuples (for small results)."""
        return self.con.execute(sql, list(params) if params is not None else None).fetchall()

    def close(self) -> None:
        """Close the DuckDB connection."""
        self.con.close()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Source({self.kind}: {self.location!r}, {len(self.present)} entities)"


def open_source(location: str | os.PathLike[str], *, now: datetime | None = None,
                tz: str | tzinfo | None = None) -> Source:
    """Open the DuckDB mirror file or the Parquet export directory at ``location``."""
    duckdb = _duckdb()
    path = Path(location)
    if not path.exists():
        raise SourceError(f"no analytics source at {path}: give the mirror file (autotask_mirror.duckdb) "
                          "or a directory of Parquet exports")
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")  # instants are compared as instants; zones are explicit
    try:
        if path.is_dir():
            source = Source(con, str(path), "parquet", now=now, tz=tz)
            _parquet_views(source, path)
        else:
            source = Source(con, str(path), "duckdb", now=now, tz=tz)
            _mirror_views(source, path)
    except duckdb.Error as exc:
        con.close()
        raise SourceError(f"cannot read {path}: {exc}") from exc
    return source


# --- views ---------------------------------------------------------------------------------------------


def _parquet_files(directory: Path) -> dict[str, str]:
    """view name -> a read_parquet() pattern, for `<Entity>.parquet` files or `<Entity>/` part folders."""
    found: dict[str, str] = {}
    for entry in sorted(directory.iterdir()):
        if entry.is_file() and entry.suffix == ".parquet":
            found[snake_case(entry.stem)] = str(entry)
        elif entry.is_dir() and any(entry.glob("*.parquet")):
            found[snake_case(entry.name)] = str(entry / "*.parquet")
    return found


def _parquet_views(source: Source, directory: Path) -> None:
    files = _parquet_files(directory)
    con = source.con
    label_pairs: list[str] = []
    for view, spec in ENTITIES.items():
        pattern = files.get(view)
        relation = f"read_parquet({_literal(pattern)})" if pattern else None
        described = _describe(con, relation) if relation else []
        _create_view(source, spec, relation, described)
        names = {name for name, _ in described}
        for name in names:
            if name.endswith(_LABEL_SUFFIX) and name[: -len(_LABEL_SUFFIX)] in names:
                field = name[: -len(_LABEL_SUFFIX)]
                label_pairs.append(
                    f"SELECT {_literal(spec.entity)} AS entity, {_literal(field)} AS field, "
                    f"CAST({_quote(field)} AS VARCHAR) AS value, min({_quote(name)}) AS label, "
                    f"TRUE AS is_active, CAST(NULL AS BIGINT) AS sort_order FROM {relation} "
                    f"WHERE {_quote(field)} IS NOT NULL GROUP BY 1, 2, 3"
                )
    picklists = files.get("picklist_values")
    if picklists:
        con.execute(f"CREATE VIEW picklist_values AS {_picklist_select(f'read_parquet({_literal(picklists)})')}")
    elif label_pairs:
        con.execute("CREATE VIEW picklist_values AS " + " UNION ALL ".join(label_pairs))
    else:
        _empty_picklists(con)


def _mirror_views(source: Source, file: Path) -> None:
    con = source.con
    con.execute(f"ATTACH {_literal(str(file))} AS mirror (READ_ONLY)")
    tables = {name for (name,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'mirror' AND table_schema = ?",
        [MIRROR_SCHEMA]).fetchall()}
    if not tables:
        raise SourceError(f"{file} has no '{MIRROR_SCHEMA}' schema: is it a mirror written by `py-autotask sync`?")
    for view, spec in ENTITIES.items():
        relation = f"mirror.{MIRROR_SCHEMA}.{_quote(view)}" if view in tables else None
        _create_view(source, spec, relation, _describe(con, relation) if relation else [])
    if "picklist_values" in tables:
        con.execute(f"CREATE VIEW picklist_values AS "
                    f"{_picklist_select(f'mirror.{MIRROR_SCHEMA}.picklist_values')}")
    else:
        _empty_picklists(con)


def _picklist_select(relation: str) -> str:
    return (f"SELECT CAST(entity AS VARCHAR) AS entity, CAST(field AS VARCHAR) AS field, "
            f"CAST(value AS VARCHAR) AS value, CAST(label AS VARCHAR) AS label, "
            f"CAST(is_active AS BOOLEAN) AS is_active, CAST(sort_order AS BIGINT) AS sort_order FROM {relation}")


def _empty_picklists(con: Any) -> None:
    con.execute("CREATE VIEW picklist_values AS SELECT CAST(NULL AS VARCHAR) AS entity, "
                "CAST(NULL AS VARCHAR) AS field, CAST(NULL AS VARCHAR) AS value, CAST(NULL AS VARCHAR) AS label, "
                "CAST(NULL AS BOOLEAN) AS is_active, CAST(NULL AS BIGINT) AS sort_order WHERE FALSE")


def _describe(con: Any, relation: str | None) -> list[tuple[str, str]]:
    if relation is None:
        return []
    return [(row[0], str(row[1]).upper()) for row in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]


def _create_view(source: Source, spec: EntitySpec, relation: str | None,
                 described: Iterable[tuple[str, str]]) -> None:
    """CREATE VIEW <view> with every spec field, cast to its type (NULL where the data lacks it)."""
    by_snake = {snake_case(name): (name, sql_type) for name, sql_type in described}
    selects, have = [], set()
    for field, wanted in spec.fields.items():
        column = snake_case(field)
        found = by_snake.get(column)
        if found is None:
            selects.append(f"CAST(NULL AS {wanted}) AS {column}")
            continue
        have.add(column)
        selects.append(f"{_cast(_quote(found[0]), found[1], wanted)} AS {column}")
    source.columns[spec.view] = have
    if relation is None:
        source.con.execute(f"CREATE VIEW {spec.view} AS SELECT {', '.join(selects)} WHERE FALSE")
        return
    source.present.add(spec.view)
    source.con.execute(f"CREATE VIEW {spec.view} AS SELECT {', '.join(selects)} FROM {relation}")


def _cast(column: str, have: str, wanted: str) -> str:
    """SQL turning a source column of type ``have`` into ``wanted`` (instants stay instants; dates stay days)."""
    zoned = have.startswith("TIMESTAMP WITH TIME ZONE") or have == "TIMESTAMPTZ"
    if wanted == "DATE":
        if zoned:
            return f"CAST(timezone('UTC', {column}) AS DATE)"
        if have == "VARCHAR":
            return f"CAST(CAST({column} AS TIMESTAMP) AS DATE)"
        return f"CAST({column} AS DATE)"
    if wanted == "TIMESTAMP":  # a wall-clock time of day
        if zoned:
            return f"timezone('UTC', {column})"
        return f"CAST({column} AS TIMESTAMP)"
    if wanted == "TIMESTAMPTZ" and not zoned and have not in ("VARCHAR",) and not have.startswith("TIMESTAMP"):
        return f"CAST(CAST({column} AS TIMESTAMP) AS TIMESTAMPTZ)"
    if have == wanted or (zoned and wanted == "TIMESTAMPTZ"):
        return column
    return f"CAST({column} AS {wanted})"
