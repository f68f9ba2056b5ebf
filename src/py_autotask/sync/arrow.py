"""Records of one page -> an Arrow table typed from the tenant's field metadata (and UDF definitions).

Types follow the Parquet writer (`export.writers.parquet_writer.arrow_type`): integers, floats for
decimals, booleans, `timestamp[ms, tz=UTC]` for dates and datetimes, text otherwise (lists as JSON
text; timestamps are stored in microseconds). UDFs become their own `udf:<name>` columns with their declared type. The `id` column is never
null (it is the primary key of every table).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
import pyarrow as pa

from .._datetime import to_epoch_ms
from ..export.writers import UDF_PREFIX
from ..export.writers.parquet_writer import arrow_type

__all__ = ["RecordSchema"]


class RecordSchema:
    """The columns of one entity and the conversion of its records to Arrow."""

    def __init__(self, fields: Sequence[Mapping[str, Any]], udfs: Sequence[Mapping[str, Any]] = ()) -> None:
        self.columns: list[tuple[str, str, str | None]] = []  # (column, data type, UDF name)
        for field in fields:
            name = str(field["name"])
            self.columns.append((name, str(field.get("dataType") or "string").lower(), None))
        for udf in udfs:
            name = str(udf["name"])
            self.columns.append((UDF_PREFIX + name, str(udf.get("type") or udf.get("dataType") or "string").lower(),
                                 name))
        if not any(c[0] == "id" for c in self.columns):
            self.columns.insert(0, ("id", "long", None))
        self.arrow = pa.schema([pa.field(name, _arrow(name, kind), nullable=name != "id")
                                for name, kind, _ in self.columns])
        self._has_udfs = any(c[2] is not None for c in self.columns)

    def dlt_columns(self) -> dict[str, dict[str, Any]]:
        """dlt column hints for these columns (created even before a record has a value in them).

        Timestamps are declared at dlt's default precision: the values are whole milliseconds anyway,
        and DuckDB keeps time-zone-aware timestamps at that precision only.
        """
        hints: dict[str, dict[str, Any]] = {}
        for field in self.arrow:
            kind = field.type
            if pa.types.is_timestamp(kind):
                hint: dict[str, Any] = {"data_type": "timestamp", "timezone": True, "precision": 6}
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
        udf_values: list[dict[str, Any]] = []
        if self._has_udfs:
            udf_values = [{u["name"]: u.get("value") for u in (r.get("userDefinedFields") or ())} for r in records]
        arrays = []
        for (name, kind, udf), field in zip(self.columns, self.arrow, strict=True):
            if udf is None:
                values = [r.get(name) for r in records]
            else:
                values = [u.get(udf) for u in udf_values]
            arrays.append(_array(values, kind, field.type))
        return pa.Table.from_arrays(arrays, schema=self.arrow)


def _arrow(name: str, kind: str) -> pa.DataType:
    if name == "id":
        return pa.int64()
    if kind in ("datetime", "date"):
        # Microseconds (dlt's and the databases' default precision; DuckDB keeps zoned timestamps at no
        # other): the values stay whole milliseconds.
        return pa.timestamp("us", tz="UTC")
    return arrow_type(pa, kind)


def _array(values: list[Any], kind: str, arrow: pa.DataType) -> pa.Array:
    if kind in ("datetime", "date"):
        values = [None if v in (None, "") else to_epoch_ms(v) * 1000 for v in values]
    elif pa.types.is_string(arrow):
        values = [v if v is None or isinstance(v, str) else
                  orjson.dumps(v).decode() if isinstance(v, (list, dict)) else str(v) for v in values]
    try:
        return pa.array(values, type=arrow)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        # UDF values arrive as text ("7.5", "true"): convert one by one.
        return pa.array([_coerce(v, arrow) for v in values], type=arrow)


def _coerce(value: Any, arrow: pa.DataType) -> Any:
    if value in (None, ""):
        return None
    if pa.types.is_boolean(arrow):
        return str(value).strip().lower() in ("1", "true", "yes")
    if pa.types.is_integer(arrow):
        return int(float(value))
    if pa.types.is_floating(arrow):
        return float(value)
    return value
