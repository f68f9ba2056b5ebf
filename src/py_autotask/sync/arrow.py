"""Records of one page -> the Arrow table sync loads, typed by the shared schema layer (`py_autotask.tables`).

The types are the tables layer's (integers, float64 decimals, booleans, UTC timestamps, dates, UDFs as
`udf:<name>` columns of their declared type), with two adjustments for loading:

- timestamps in microseconds instead of milliseconds (the values stay whole milliseconds): that is
  dlt's and the databases' default precision, and DuckDB keeps zone-aware timestamps at no other;
- `id` is never null (the primary key of every table).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from ..tables import TableSchema

__all__ = ["RecordSchema"]


class RecordSchema:
    """The columns of one entity and the conversion of its records to Arrow for loading."""

    def __init__(self, entity: str, fields: Sequence[Mapping[str, Any]],
                 udfs: Sequence[Mapping[str, Any]] = ()) -> None:
        self.table_schema = TableSchema.from_metadata(entity, fields, udfs)
        arrow = self.table_schema.arrow
        self.arrow = pa.schema([_load_field(f) for f in arrow])
        self._cast = self.arrow != arrow

    def dlt_columns(self) -> dict[str, dict[str, Any]]:
        """dlt column hints for these columns (created even before a record has a value in them)."""
        hints: dict[str, dict[str, Any]] = {}
        for field in self.arrow:
            kind = field.type
            if pa.types.is_timestamp(kind):
                hint: dict[str, Any] = {"data_type": "timestamp", "timezone": True, "precision": 6}
            elif pa.types.is_date(kind):
                hint = {"data_type": "date"}
            elif pa.types.is_integer(kind):
                hint = {"data_type": "bigint", "precision": kind.bit_width}
            elif pa.types.is_floating(kind):
                hint = {"data_type": "double"}
            elif pa.types.is_boolean(kind):
                hint = {"data_type": "bool"}
            else:
                hint = {"data_type": "text"}
            hint["nullable"] = field.nullable
            hints[field.name] = hint
        return hints

    def to_arrow(self, records: Sequence[Mapping[str, Any]]) -> pa.Table:
        """One Arrow table with a row per record (missing fields are null)."""
        table = self.table_schema.to_arrow(records)
        return table.cast(self.arrow) if self._cast else table


def _load_field(field: pa.Field) -> pa.Field:
    if field.name == "id":
        return pa.field("id", pa.int64(), nullable=False)
    if pa.types.is_timestamp(field.type):
        return pa.field(field.name, pa.timestamp("us", tz="UTC"))
    return pa.field(field.name, field.type)
