"""Typed tables from Autotask records: one schema layer for DataFrames, the Parquet writer and sync.

    from py_autotask.tables import schema_for

    schema = schema_for(client, "Tickets", labels=True)   # reads fields() and udfs() (cached)
    table = schema.to_arrow(client.tickets.query(limit=100).to_list())

    client.tickets.query("status=1").to_arrow()           # the same, page by page
    client.tickets.query("status=1").to_pandas()          # pip install 'py-autotask[pandas]'
    client.tickets.query("status=1").to_polars()          # pip install 'py-autotask[polars]'

Column types come from the tenant's field metadata (`entity(...).fields()` / `.udfs()`): integers,
float64 for double and decimal, booleans, `timestamp[ms, tz=UTC]` for datetimes, `date32` for dates,
UDFs as `udf:<name>` columns of their declared type, and with `labels=True` a `<field>_label` column
after every picklist field. See `schema.py` and `arrays.py` for the details. pyarrow comes with the
`parquet` extra; nothing here is imported by `import py_autotask`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._catalog import load_catalog
from ._extras import MissingExtraError
from .arrays import arrow_type, column_array, normalise_type
from .schema import LABEL_SUFFIX, UDF_PREFIX, ColumnSpec, TableSchema

__all__ = [
    "LABEL_SUFFIX",
    "UDF_PREFIX",
    "ColumnSpec",
    "MissingExtraError",
    "TableSchema",
    "arrow_type",
    "aschema_for",
    "column_array",
    "has_udfs",
    "normalise_type",
    "schema_for",
]


def has_udfs(entity: str) -> bool:
    """Whether the entity's model carries user-defined fields (so `udfs()` can be asked)."""
    entry = load_catalog().get(entity)
    return bool(entry and entry.get("hasUdfs"))


def schema_for(client: Any, entity: str, *, fields: Sequence[str] | None = None,
               labels: bool = False) -> TableSchema:
    """The TableSchema of `entity` on a sync client (its field and UDF metadata; cached by the client)."""
    ent = client.entity(entity)
    udfs = ent.udfs() if has_udfs(ent.name) else []
    return TableSchema.from_metadata(ent.name, ent.fields(), udfs, fields=fields, labels=labels)


async def aschema_for(client: Any, entity: str, *, fields: Sequence[str] | None = None,
                      labels: bool = False) -> TableSchema:
    """The TableSchema of `entity` on an async client."""
    ent = client.entity(entity)
    udfs = await ent.udfs() if has_udfs(ent.name) else []
    return TableSchema.from_metadata(ent.name, await ent.fields(), udfs, fields=fields, labels=labels)
