"""A query's records as one typed table: `.to_arrow()`, `.to_pandas()`, `.to_polars()` on any query.

    table = client.tickets.query("status=1").to_arrow(labels=True)
    df = await aclient.tickets.query().to_pandas()

Each page is converted into an Arrow record batch as it arrives and its dicts are dropped, so memory
holds one page of records plus the table being built. The columns are the entity's (or those the
query's `fields=` asked for), typed by `TableSchema` from the tenant's metadata, read before the
first page (cached by the client). pandas gets nullable integer and boolean columns (an id column
with gaps stays integers) and `datetime64[ms, UTC]` timestamps; polars gets its native types.

The async versions convert each page on the event loop (a page of 500 records takes a few ms).
The paginators' methods (`py_autotask._pagination`) import this module when first called, so a
client that never asks for a table never loads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import aschema_for, schema_for
from ._extras import require
from .schema import TableSchema

__all__ = ["arrow_from_pages", "arrow_to_pandas", "arrow_to_polars", "query_to_arrow", "aquery_to_arrow"]


def _pyarrow(purpose: str, extra: str = "parquet") -> Any:
    return require("pyarrow", extra, purpose)


def query_to_arrow(client: Any, entity: str, pages: Any, *, fields: Sequence[str] | None = None,
                   labels: bool = False, extra: str = "parquet", purpose: str = "to_arrow()") -> Any:
    """The `pyarrow.Table` of a sync query: `pages` is its `iter_pages()`."""
    pa = _pyarrow(purpose, extra)
    schema = schema_for(client, entity, fields=fields, labels=labels)
    batches = [schema.to_batch(page.items) for page in pages()]
    return pa.Table.from_batches(batches, schema=schema.arrow)


async def aquery_to_arrow(client: Any, entity: str, pages: Any, *, fields: Sequence[str] | None = None,
                          labels: bool = False, extra: str = "parquet", purpose: str = "to_arrow()") -> Any:
    """The `pyarrow.Table` of an async query: `pages` is its `iter_pages()` (an async generator function)."""
    pa = _pyarrow(purpose, extra)
    schema = await aschema_for(client, entity, fields=fields, labels=labels)
    batches = [schema.to_batch(page.items) async for page in pages()]
    return pa.Table.from_batches(batches, schema=schema.arrow)


def arrow_from_pages(schema: TableSchema, pages: Any) -> Any:
    """A `pyarrow.Table` from any iterable of record lists (one batch per list)."""
    pa = _pyarrow("TableSchema")
    return pa.Table.from_batches([schema.to_batch(records) for records in pages], schema=schema.arrow)


def arrow_to_pandas(table: Any) -> Any:
    """A pandas DataFrame of an Arrow table: nullable Int32/Int64/boolean columns, UTC timestamps."""
    pd = require("pandas", "pandas", "to_pandas()")
    pa = _pyarrow("to_pandas()", "pandas")
    nullable = {pa.int32(): pd.Int32Dtype(), pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}
    return table.to_pandas(types_mapper=nullable.get)


def arrow_to_polars(table: Any) -> Any:
    """A polars DataFrame of an Arrow table."""
    pl = require("polars", "polars", "to_polars()")
    return pl.from_arrow(table)


def check_extra(module: str, extra: str, purpose: str) -> None:
    """Raise the install hint before any request when `module` is missing."""
    require(module, extra, purpose)
    _pyarrow(purpose, extra)
