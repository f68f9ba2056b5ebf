"""Parquet through pyarrow: rows are buffered column-wise and flushed as one row group when it fills.

Memory holds one row group (`row_group_size` rows, 10,000 by default), never the whole export.
Column types come from the shared schema layer (`py_autotask.tables`), the same as `to_arrow()`:

    integer, short → int32      long → int64          double, decimal → float64
    boolean → bool              datetime → timestamp[ms, tz=UTC]      date → date32
    string → string             array → string (JSON text)

A user-defined field column (`udf:<name>`) of a declared double or datetime type is typed like any
other column: its wire strings ("7.5", "2024-03-01T00:00:00") are cast.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from ...tables import arrow_type, column_array
from .base import Column, Target, Writer, import_extra, is_stdout, is_text_stream

__all__ = ["ParquetWriter"]

DEFAULT_ROW_GROUP_SIZE = 10_000


class ParquetWriter(Writer):
    """Stream rows to a Parquet file (path or binary stream) in row groups of `row_group_size` rows."""

    format = "parquet"

    def __init__(
        self,
        target: Target,
        columns: Sequence[Column],
        *,
        row_group_size: int = DEFAULT_ROW_GROUP_SIZE,
        compression: str = "snappy",
    ) -> None:
        """`compression` is any codec pyarrow knows (snappy, zstd, gzip, none)."""
        super().__init__(columns)
        if row_group_size < 1:
            raise ValueError("row_group_size must be at least 1")
        if is_stdout(target):
            raise ValueError("the parquet format cannot be written to stdout; give a file name")
        if not isinstance(target, str) and not hasattr(target, "__fspath__") and is_text_stream(target):
            raise ValueError("the parquet format writes bytes; give a file name or a binary stream")
        self._pa = import_extra("pyarrow", "pyarrow", "parquet", "parquet")
        pq = import_extra("pyarrow.parquet", "pyarrow", "parquet", "parquet")
        self.schema = self._pa.schema(
            [self._pa.field(c.name, arrow_type(c.data_type)) for c in self.columns],
            metadata={b"py_autotask.data_types": orjson.dumps({c.name: c.data_type for c in self.columns})},
        )
        where = str(target) if hasattr(target, "__fspath__") else target
        self._writer = pq.ParquetWriter(where, self.schema, compression=compression)
        self._row_group_size = row_group_size
        self._buffer: list[list[Any]] = [[] for _ in self.columns]
        self._pending = 0
        self.row_groups = 0

    def _write_row(self, row: Mapping[str, Any]) -> None:
        get = row.get
        for column_values, name in zip(self._buffer, self.names, strict=True):
            column_values.append(get(name))
        self._pending += 1
        if self._pending >= self._row_group_size:
            self._flush()

    def flush_row_group(self) -> None:
        """Write the rows buffered so far as a row group now (a no-op when none are buffered)."""
        self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        arrays = [
            column_array(values, column.data_type, name=column.name)
            for column, values in zip(self.columns, self._buffer, strict=True)
        ]
        table = self._pa.Table.from_arrays(arrays, schema=self.schema)
        self._writer.write_table(table, row_group_size=self._pending)
        self.row_groups += 1
        self._buffer = [[] for _ in self.columns]
        self._pending = 0

    def _finish(self) -> None:
        try:
            self._flush()
        finally:
            self._writer.close()
