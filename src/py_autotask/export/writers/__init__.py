"""Streaming export writers: CSV, JSON, NDJSON, Excel (.xlsx) and Parquet, with bounded memory.

    from py_autotask.export.writers import Column, open_writer

    columns = [Column("id", "long"), Column("title"), Column("createDate", "datetime")]
    with open_writer("parquet", "tickets.parquet", columns) as writer:
        for page in pages:
            writer.write_rows(page)

`open_writer(format, target, columns, **options)`; the options per format are the keyword arguments
of its writer class (`CsvWriter`, `JsonWriter`, `NdjsonWriter`, `XlsxWriter`, `ParquetWriter`).
Excel needs the `excel` extra (xlsxwriter) and Parquet the `parquet` extra (pyarrow); both are
imported only when such a writer is opened. See `base` for the conventions shared by every format.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .base import (
    DATA_TYPES,
    UDF_PREFIX,
    Column,
    MissingExtraError,
    Target,
    Writer,
    columns_from_fields,
    flatten_udfs,
    udf_column_name,
)

__all__ = [
    "DATA_TYPES",
    "FORMATS",
    "UDF_PREFIX",
    "Column",
    "MissingExtraError",
    "Target",
    "Writer",
    "columns_from_fields",
    "flatten_udfs",
    "format_from_path",
    "open_writer",
    "udf_column_name",
]

#: Every export format, in the order the CLI lists them.
FORMATS = ("csv", "json", "ndjson", "xlsx", "parquet")
#: Formats that can stream to stdout (`-`).
STDOUT_FORMATS = frozenset({"csv", "json", "ndjson"})

_EXTENSIONS = {
    ".csv": "csv",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".xlsx": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def format_from_path(path: str | Path) -> str:
    """The export format named by a file's extension (`.csv`, `.json`, `.ndjson`/`.jsonl`, `.xlsx`, `.parquet`)."""
    suffix = Path(path).suffix.lower()
    try:
        return _EXTENSIONS[suffix]
    except KeyError:
        known = ", ".join(sorted(_EXTENSIONS))
        raise ValueError(
            f"cannot tell the export format of {str(path)!r} from its extension ({known})"
        ) from None


def open_writer(format: str, target: Target, columns: Sequence[Column], **options: Any) -> Writer:
    """Open a streaming writer for `format` on a path, `-` (stdout: csv/json/ndjson) or a stream."""
    fmt = format.lower()
    if fmt == "csv":
        from .csv_writer import CsvWriter as cls
    elif fmt == "json":
        from .json_writer import JsonWriter as cls  # type: ignore[assignment]
    elif fmt in ("ndjson", "jsonl"):
        from .json_writer import NdjsonWriter as cls  # type: ignore[assignment]
    elif fmt in ("xlsx", "excel"):
        from .xlsx_writer import XlsxWriter as cls  # type: ignore[assignment]
    elif fmt == "parquet":
        from .parquet_writer import ParquetWriter as cls  # type: ignore[assignment]
    else:
        raise ValueError(f"unknown export format {format!r} (expected one of {', '.join(FORMATS)})")
    return cls(target, columns, **options)
