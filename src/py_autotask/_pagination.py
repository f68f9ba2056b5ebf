"""Lazy result objects of `query()` and `children()`: records across pages, one page in memory at a time.

The paging decisions live in `_core.paging` (written once); these two classes only drive them:

    for ticket in client.tickets.query(F.status == 1):           # every match, page after page
    for page in client.tickets.query(...).pages():                # page objects (items + pageDetails)
    rows = client.tickets.query(..., limit=50).to_list()          # a list, only when asked

    async for ticket in aclient.tickets.query(...):               # the same, asynchronously
    first = await aclient.tickets.query(...)                      # just the first page

Nothing is sent until iteration starts; iterating again runs the query again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._core.flow import request_flow
from ._core.paging import Page, Pager

if TYPE_CHECKING:
    from ._async_client import AsyncAutotaskClient
    from ._client import AutotaskClient

__all__ = ["AsyncPaginator", "Page", "Paginator"]

R = TypeVar("R")


class _PaginatorBase(Generic[R]):
    def __init__(self, make_pager: Callable[[], Pager], description: str) -> None:
        self._make_pager = make_pager
        self._description = description

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._description}>"


class Paginator(_PaginatorBase[R]):
    """Records of a query across all its pages (sync)."""

    def __init__(self, client: AutotaskClient, make_pager: Callable[[], Pager], description: str) -> None:
        super().__init__(make_pager, description)
        self._client = client

    def iter_pages(self) -> Iterator[Page]:
        """Each page in turn, fetched when needed."""
        pager = self._make_pager()
        while (call := pager.next_call()) is not None:
            payload = self._client._run(request_flow(call, self._client._config, self._client._runtime))
            yield pager.feed(payload)

    pages = iter_pages

    def __iter__(self) -> Iterator[R]:
        for page in self.iter_pages():
            yield from page.items  # type: ignore[misc]

    def first_page(self) -> Page:
        """Only the first page (one request)."""
        pages = self.iter_pages()
        try:
            return next(pages, Page([], {}))
        finally:
            pages.close()

    def to_list(self) -> list[R]:
        """Every record in one list (mind the memory on big queries; prefer iterating)."""
        return list(self)


class AsyncPaginator(_PaginatorBase[R]):
    """Records of a query across all its pages (async): `async for`, or `await` for the first page."""

    def __init__(self, client: AsyncAutotaskClient, make_pager: Callable[[], Pager], description: str) -> None:
        super().__init__(make_pager, description)
        self._client = client

    async def iter_pages(self) -> AsyncIterator[Page]:
        """Each page in turn, fetched when needed."""
        pager = self._make_pager()
        while (call := pager.next_call()) is not None:
            payload = await self._client._run(request_flow(call, self._client._config, self._client._runtime))
            yield pager.feed(payload)

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
            await pages.aclose()  # type: ignore[attr-defined]
        return Page([], {})

    def __await__(self) -> Generator[Any, None, Page]:
        return self.first_page().__await__()

    async def to_list(self) -> list[R]:
        """Every record in one list (mind the memory on big queries; prefer iterating)."""
        return [item async for item in self]
