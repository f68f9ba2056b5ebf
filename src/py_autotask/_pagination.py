"""Lazy result objects of `query()` and `children()`: records across pages, one page in memory at a time.

The paging decisions live in `_core.paging` (written once); these two classes only drive them
through their client's `drive` (the `SyncFlowClient` / `AsyncFlowClient` protocol):

    for ticket in client.tickets.query(F.status == 1):           # every match, page after page
    for page in client.tickets.query(...).pages():                # page objects (items + pageDetails)
    rows = client.tickets.query(..., limit=50).to_list()          # a list, only when asked

    async for ticket in aclient.tickets.query(...):               # the same, asynchronously
    first = await aclient.tickets.query(...)                      # just the first page

Nothing is sent until iteration starts; iterating again runs the query again. `.to_arrow()`,
`.to_pandas()` and `.to_polars()` load `py_autotask.tables` when first called: a plain query needs none of it.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Iterator, Sequence
from typing import Any, Generic, TypeVar

from ._core.drive import AsyncFlowClient, Flow, SyncFlowClient
from ._core.flow import request_flow
from ._core.paging import Page, Pager

__all__ = ["AsyncPaginator", "AsyncQueryPaginator", "Page", "Paginator", "QueryPaginator"]

R = TypeVar("R")


class _PaginatorBase(Generic[R]):
    """A query as the flow that plans it: `pager_flow()` resolves what the filter needs (picklist
    labels, one cached metadata read) and returns the `Pager` that decides each page's request."""

    def __init__(self, pager_flow: Callable[[], Flow], description: str) -> None:
        self._pager_flow = pager_flow
        self._description = description

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._description}>"


class Paginator(_PaginatorBase[R]):
    """Records of a query across all its pages (sync)."""

    def __init__(self, client: SyncFlowClient, pager_flow: Callable[[], Flow], description: str) -> None:
        super().__init__(pager_flow, description)
        self._client = client

    def iter_pages(self) -> Generator[Page, None, None]:
        """Each page in turn, fetched when needed."""
        client = self._client
        drive, config, runtime = client.drive, client.config, client.runtime
        pager: Pager = drive(self._pager_flow())
        while (call := pager.next_call()) is not None:
            yield pager.feed(drive(request_flow(call, config, runtime)))

    pages = iter_pages

    def __iter__(self) -> Iterator[R]:
        # chain walks each page's list in C: no generator frame per record.
        return itertools.chain.from_iterable(page.items for page in self.iter_pages())  # type: ignore[misc]

    def first_page(self) -> Page:
        """Only the first page (one request)."""
        pages = self.iter_pages()
        try:
            return next(pages, Page([], {}))
        finally:
            pages.close()

    def to_list(self) -> list[R]:
        """Every record in one list (mind the memory on big queries; prefer iterating)."""
        records: list[Any] = []
        for page in self.iter_pages():
            records.extend(page.items)
        return records


class AsyncPaginator(_PaginatorBase[R]):
    """Records of a query across all its pages (async): `async for`, or `await` for the first page."""

    def __init__(self, client: AsyncFlowClient, pager_flow: Callable[[], Flow], description: str) -> None:
        super().__init__(pager_flow, description)
        self._client = client

    async def iter_pages(self) -> AsyncGenerator[Page, None]:
        """Each page in turn, fetched when needed."""
        client = self._client
        drive, config, runtime = client.drive, client.config, client.runtime
        pager: Pager = await drive(self._pager_flow())
        while (call := pager.next_call()) is not None:
            yield pager.feed(await drive(request_flow(call, config, runtime)))

    pages = iter_pages

    async def _records(self) -> AsyncIterator[R]:
        async for page in self.iter_pages():
            for item in page.items:
                yield item  # type: ignore[misc]

    def __aiter__(self) -> AsyncIterator[R]:
        return self._records()

    async def first_page(self) -> Page:
        """Only the first page (one request)."""
        pages = self.iter_pages()
        try:
            async for page in pages:
                return page
        finally:
            await pages.aclose()
        return Page([], {})

    def __await__(self) -> Generator[Any, None, Page]:
        return self.first_page().__await__()

    async def to_list(self) -> list[R]:
        """Every record in one list (mind the memory on big queries; prefer iterating)."""
        records: list[Any] = []
        async for page in self.iter_pages():
            records.extend(page.items)
        return records


class QueryPaginator(Paginator[R]):
    """A query's records; `.to_arrow()`, `.to_pandas()`, `.to_polars()` give them as one typed table
    (`py_autotask.tables`)."""

    def __init__(self, client: SyncFlowClient, pager_flow: Callable[[], Flow], description: str, *,
                 entity: str, fields: Sequence[str] | None = None) -> None:
        super().__init__(client, pager_flow, description)
        self._table_entity, self._table_fields = entity, fields

    def to_arrow(self, *, labels: bool = False) -> Any:
        """Every record as one typed `pyarrow.Table` (`pip install 'py-autotask[parquet]'`).

        Columns and types come from the tenant's field metadata; `labels=True` adds a `<field>_label`
        column after each picklist field.
        """
        from .tables import frames

        return frames.query_to_arrow(self._client, self._table_entity, self.iter_pages,
                                     fields=self._table_fields, labels=labels)

    def to_pandas(self, *, labels: bool = False) -> Any:
        """Every record as a pandas DataFrame (`pip install 'py-autotask[pandas]'`)."""
        from .tables import frames

        frames.check_extra("pandas", "pandas", "to_pandas()")
        return frames.arrow_to_pandas(frames.query_to_arrow(
            self._client, self._table_entity, self.iter_pages, fields=self._table_fields, labels=labels,
            extra="pandas", purpose="to_pandas()"))

    def to_polars(self, *, labels: bool = False) -> Any:
        """Every record as a polars DataFrame (`pip install 'py-autotask[polars]'`)."""
        from .tables import frames

        frames.check_extra("polars", "polars", "to_polars()")
        return frames.arrow_to_polars(frames.query_to_arrow(
            self._client, self._table_entity, self.iter_pages, fields=self._table_fields, labels=labels,
            extra="polars", purpose="to_polars()"))


class AsyncQueryPaginator(AsyncPaginator[R]):
    """A query's records (async); `await ….to_arrow()`, `.to_pandas()`, `.to_polars()` as for `QueryPaginator`."""

    def __init__(self, client: AsyncFlowClient, pager_flow: Callable[[], Flow], description: str, *,
                 entity: str, fields: Sequence[str] | None = None) -> None:
        super().__init__(client, pager_flow, description)
        self._table_entity, self._table_fields = entity, fields

    async def to_arrow(self, *, labels: bool = False) -> Any:
        """Every record as one typed `pyarrow.Table` (`pip install 'py-autotask[parquet]'`)."""
        from .tables import frames

        return await frames.aquery_to_arrow(self._client, self._table_entity, self.iter_pages,
                                            fields=self._table_fields, labels=labels)

    async def to_pandas(self, *, labels: bool = False) -> Any:
        """Every record as a pandas DataFrame (`pip install 'py-autotask[pandas]'`)."""
        from .tables import frames

        frames.check_extra("pandas", "pandas", "to_pandas()")
        return frames.arrow_to_pandas(await frames.aquery_to_arrow(
            self._client, self._table_entity, self.iter_pages, fields=self._table_fields, labels=labels,
            extra="pandas", purpose="to_pandas()"))

    async def to_polars(self, *, labels: bool = False) -> Any:
        """Every record as a polars DataFrame (`pip install 'py-autotask[polars]'`)."""
        from .tables import frames

        frames.check_extra("polars", "polars", "to_polars()")
        return frames.arrow_to_polars(await frames.aquery_to_arrow(
            self._client, self._table_entity, self.iter_pages, fields=self._table_fields, labels=labels,
            extra="polars", purpose="to_polars()"))
