"""Export engine: `export()` (what `py-autotask export` runs) and streaming writers for every format.

    from py_autotask.export import export

    result = export(client, ["Tickets", "Companies"], "out/", format="parquet")

See `py_autotask.export.api` for the call and `py_autotask.export.writers` for the writers.
"""

from __future__ import annotations

from .._filelock import RunLockedError
from .api import ExportResult, ProgressEvent, export
from .state import OutputExistsError
from .writers import FORMATS, Column, Writer, columns_from_fields, flatten_udfs, format_from_path, open_writer

__all__ = [
    "FORMATS",
    "Column",
    "ExportResult",
    "OutputExistsError",
    "ProgressEvent",
    "RunLockedError",
    "Writer",
    "columns_from_fields",
    "export",
    "flatten_udfs",
    "format_from_path",
    "open_writer",
]
