"""Parquet through pyarrow: each batch of rows becomes an Arrow record batch; full row groups are written at once.

Memory holds one row group (`row_group_size` rows, 10,000 by default) as Arrow data, never the whole
export. Rows are converted column by column (`write_rows`), or come as record batches (`write_batch`).
Column types come from the shared schema layer (`py_autotask.tables`), the same as `to_arrow()`:

    integer, short → int32      long → int64          double, decimal → float64
    boolean → bool              datetime → timestamp[ms, tz=UTC]      date → date32
    string → string             array → string (JSON text)

A user-defined field column (`udf:<name>`) of a declared double or datetime type is typed like any
other column: its wire strings ("7.5", "2024-03-01T00:00:00") are cast.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson

from ...tables import arrow_type, column_array
from .base import Column, Target, Writer, import_extra, is_stdout, is_text_stream

__all__ = ["ParquetWriter"]

DEFAULT_ROW_GROUP_SIZE = 10_000
_CHUNK = 1_000  # rows converted at once by write_rows


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
        self._getter = operator.itemgetter(*self.names)
        self._pending: list[Any] = []  # record batches not yet in a row group
        self._pending_rows = 0
        self.row_groups = 0

    def write_rows(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Write rows (plain dicts keyed by column name), converted column by column; returns how many."""
        if self.closed:
            raise ValueError("the parquet writer is closed")
        count = 0
        iterator = iter(rows)
        while chunk := list(itertools.islice(iterator, _CHUNK)):  # a long iterable is never held whole
            batch = self.to_batch(chunk)
            self.write_batch(batch)
            count += batch.num_rows
        return count

    def to_batch(self, rows: Sequence[Mapping[str, Any]]) -> Any:
        """A `pyarrow.RecordBatch` of rows, typed by the columns (ValueError names a value a column cannot hold)."""
        arrays = [column_array(values, column.data_type, name=column.name)
                  for values, column in zip(self._transpose(rows), self.columns, strict=True)]
        return self._pa.RecordBatch.from_arrays(arrays, schema=self.schema)

    def _transpose(self, rows: Sequence[Mapping[str, Any]]) -> list[Sequence[Any]]:
        """Each column's values; a row without some column's key has None there."""
        if not rows:
            return [[] for _ in self.names]
        try:  # every key present (Autotask records, flattened rows): picked and transposed in C
            picked = map(self._getter, rows)
            return list(zip(*picked, strict=True)) if len(self.names) > 1 else [[v for v in picked]]
        except KeyError:
            return [[row.get(name) for row in rows] for name in self.names]

    def write_batch(self, batch: Any) -> None:
        """Write a record batch of this schema; full row groups go to the file at once."""
        if self.closed:
            raise ValueError("the parquet writer is closed")
        if batch.num_rows:
            self._pending.append(batch)
            self._pending_rows += batch.num_rows
            self.rows_written += batch.num_rows
        size = self._row_group_size
        if self._pending_rows >= size:
            table = self._pa.Table.from_batches(self._pending, schema=self.schema)
            full = (self._pending_rows // size) * size
            self._writer.write_table(table.slice(0, full), row_group_size=size)
            self.row_groups += full // size
            rest = table.slice(full)
            self._pending = rest.combine_chunks().to_batches() if rest.num_rows else []
            self._pending_rows = rest.num_rows

    def _write_row(self, row: Mapping[str, Any]) -> None:
        self.write_rows([row])

    def flush_row_group(self) -> None:
        """Write the rows buffered so far as a row group now (a no-op when none are buffered)."""
        if self._pending_rows:
            table = self._pa.Table.from_batches(self._pending, schema=self.schema)
            self._writer.write_table(table, row_group_size=max(1, self._pending_rows))
            self.row_groups += 1
            self._pending, self._pending_rows = [], 0

    def _finish(self) -> None:
        try:
            self.flush_row_group()
        finally:
            try:
                self._writer.close()
            finally:
                # A close that failed (a full disk) must not run again from pyarrow's __del__, which would
                # print "Exception ignored … Traceback" at exit; the error was raised here already.
                self._writer.is_open = False
