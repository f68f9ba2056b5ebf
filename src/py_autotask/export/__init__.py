"""Export engine: streaming writers for every format (see `py_autotask.export.writers`)."""

from __future__ import annotations

from .writers import FORMATS, Column, Writer, columns_from_fields, flatten_udfs, format_from_path, open_writer

__all__ = [
    "FORMATS",
    "Column",
    "Writer",
    "columns_from_fields",
    "flatten_udfs",
    "format_from_path",
    "open_writer",
]
