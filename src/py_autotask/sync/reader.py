"""What the destination holds now: the ids sync compares with to find vanished rows.

Read through the running pipeline's SQL client (every SQL destination dlt has: DuckDB, PostgreSQL,
Snowflake, BigQuery, …). A table that does not exist yet holds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["DestinationReader"]

_IN_CHUNK = 1000  # ids per IN (...) list


class DestinationReader:
    """Reads ids of the mirrored tables of one pipeline."""

    def __init__(self, pipeline: Any) -> None:
        self.pipeline = pipeline

    def _query(self, table: str, where: str, args: Sequence[Any]) -> list[int]:
        from dlt.destinations.exceptions import DatabaseUndefinedRelation

        try:
            with self.pipeline.sql_client() as client:
                name = client.make_qualified_table_name(table)
                rows = client.execute_sql(f"SELECT id FROM {name}{where}", *args)
        except DatabaseUndefinedRelation:
            return []
        except Exception as exc:  # a dataset not created yet reads as empty; anything else is a failure
            if _missing_relation(exc):
                return []
            raise
        return [int(r[0]) for r in rows or ()]

    def is_empty(self, table: str) -> bool:
        """Whether `table` has no row (or does not exist)."""
        return not self._query(table, " LIMIT 1", ())

    def all_ids(self, table: str) -> set[int]:
        """Every id in `table`."""
        return set(self._query(table, "", ()))

    def ids_where(self, table: str, column: str, values: Iterable[int]) -> set[int]:
        """Ids of the rows whose `column` is one of `values`."""
        return self._in(table, column, values)

    def present(self, table: str, ids: Iterable[int]) -> set[int]:
        """Those of `ids` that are in `table`."""
        return self._in(table, "id", ids)

    def _in(self, table: str, column: str, values: Iterable[int]) -> set[int]:
        wanted = sorted({int(v) for v in values})
        found: set[int] = set()
        for start in range(0, len(wanted), _IN_CHUNK):
            chunk = wanted[start:start + _IN_CHUNK]
            # Integers only (checked above): inlining them is safe and works on every dialect.
            found.update(self._query(table, f" WHERE {column} IN ({', '.join(map(str, chunk))})", ()))
        return found


def _missing_relation(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(s in text for s in ("does not exist", "not found", "no such table", "undefined"))
