"""Parquet through pyarrow: rows are buffered column-wise and flushed as one row group when it fills.

Memory holds one row group (`row_group_size` rows, 10,000 by default), never the whole export.
Types by Autotask data type:

    integer, short → int32      long → int64          double, decimal → float64
    boolean → bool              datetime, date → timestamp[ms, tz=UTC]
    string → string             array → string (JSON text)

Decimals are float64 on purpose: Autotask sends them as JSON numbers, which are already binary
floating point when they arrive, so a decimal128 column would claim a precision the data never had
and force a scale on fields whose scale the API does not state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from ..._datetime import to_epoch_ms
from .base import Column, Target, Writer, import_extra, is_stdout, is_text_stream

__all__ = ["ParquetWriter", "arrow_type"]

DEFAULT_ROW_GROUP_SIZE = 10_000


def arrow_type(pa: Any, data_type: str) -> Any:
    """The Arrow type used for an Autotask data type."""
    if data_type in ("integer", "short"):
        return pa.int32()
    if data_type == "long":
        return pa.int64()
    if data_type in ("double", "decimal"):
        return pa.float64()
    if data_type == "boolean":
        return pa.bool_()
    if data_type in ("datetime", "date"):
        return pa.timestamp("ms", tz="UTC")
    return pa.string()


def _to_ms(value: Any) -> Any:
    return None if value is None else to_epoch_ms(value)


def _to_text(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, dict)):
        return orjson.dumps(value).decode()
    return str(value)


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
        self._types = [arrow_type(self._pa, column.data_type) for column in self.columns]
        self.schema = self._pa.schema(
            [self._pa.field(c.name, t) for c, t in zip(self.columns, self._types, strict=True)],
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

    def _flush(self) -> None:
        if not self._pending:
            return
        arrays = [
            self._array(column, values, arrow)
            for column, values, arrow in zip(self.columns, self._buffer, self._types, strict=True)
        ]
        table = self._pa.Table.from_arrays(arrays, schema=self.schema)
        self._writer.write_table(table, row_group_size=self._pending)
        self.row_groups += 1
        self._buffer = [[] for _ in self.columns]
        self._pending = 0

    def _array(self, column: Column, values: list[Any], arrow: Any) -> Any:
        pa = self._pa
        try:
            if column.data_type in ("datetime", "date"):
                values = [_to_ms(value) for value in values]
            elif column.data_type in ("string", "array"):
                values = [_to_text(value) for value in values]
            return pa.array(values, type=arrow)
        except (ValueError, TypeError, OverflowError, pa.ArrowException) as exc:
            bad = next((v for v in values if v is not None and not _fits(v, column.data_type)), None)
            detail = f" (e.g. {bad!r})" if bad is not None else ""
            raise ValueError(
                f"parquet column {column.name!r} ({column.data_type} → {arrow}) got a value it cannot "
                f"hold{detail}: {exc}"
            ) from exc

    def _finish(self) -> None:
        try:
            self._flush()
        finally:
            self._writer.close()


def _fits(value: Any, data_type: str) -> bool:
    """A rough check used only to name an offending value in an error message."""
    if data_type in ("integer", "short"):
        return isinstance(value, int) and not isinstance(value, bool) and -(2**31) <= value < 2**31
    if data_type == "long":
        return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63
    if data_type in ("double", "decimal"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if data_type == "boolean":
        return isinstance(value, bool)
    if data_type in ("datetime", "date"):
        try:
            to_epoch_ms(value)
        except (TypeError, ValueError):
            return False
    return True
