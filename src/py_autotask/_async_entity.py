"""One entity of the catalogue on the async client (`aclient.tickets`): the async shell over `EntityBase`.

Every method runs the same flow as its sync twin in `_entity.py`; see there for the semantics.
`query()` and `children()` are plain methods returning an `AsyncPaginator` (`async for` it, or `await`
it for the first page); everything else is awaited.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from ._core.flow import Flow
from ._core.paging import Pager
from ._core.requests import query_body
from ._entity import EntityBase, Method, Strategy, _unusable_factory
from ._pagination import AsyncPaginator, Page
from .tables.frames import AsyncTableMethods

if TYPE_CHECKING:
    from ._async_client import AsyncAutotaskClient

__all__ = ["AsyncEntity", "AsyncQueryPaginator"]

R = TypeVar("R")


class AsyncEntity(EntityBase[R]):
    """An Autotask entity on the async client: `aclient.tickets`, `aclient.entity("TicketNotes")`."""

    _client: AsyncAutotaskClient

    def query(
        self,
        filter: Any = None,
        *,
        fields: Sequence[str] | None = None,
        limit: int | None = None,
        page_size: int | None = None,
        method: Method = "POST",
        strategy: Strategy = "next_url",
        impersonate: int | None = None,
    ) -> AsyncPaginator[R]:
        """Every record matching `filter` (F expression, filter string — labels allowed — or raw JSON), lazily."""
        factory = self._pager_flow_factory(filter, fields=fields, limit=limit, page_size=page_size,
                                           method=method, strategy=strategy, impersonate=impersonate)
        return AsyncQueryPaginator(self._client, factory, f"{self.name} query", entity=self.name, fields=fields)

    async def count(self, filter: Any = None, *, impersonate: int | None = None) -> int:
        """How many records match `filter` (`/query/count`; picklist labels allowed, as in `query`)."""
        return await self._client._run(self._count_flow(filter, impersonate))

    async def build_filter(self, filter: Any) -> list[dict[str, Any]]:
        """Autotask filter JSON for `filter`, picklist labels resolved (a metadata read only if one is used)."""
        return query_body(await self._client._run(self._build_filter_flow(filter)))["filter"]

    async def get(self, id: int, *, parent_id: int | None = None, impersonate: int | None = None) -> R | None:
        """One record by id, or None if it does not exist."""
        return await self._client._run(self._get_flow(id, parent_id, impersonate))

    async def create(self, data: Mapping[str, Any], *, parent_id: int | None = None,
                     impersonate: int | None = None) -> int:
        """Create a record (under its parent for child entities); returns the new id."""
        return await self._client._run(self._create_flow(data, parent_id, impersonate))

    async def update(self, id_or_record: int | Mapping[str, Any], changes: Mapping[str, Any] | None = None, *,
                     parent_id: int | None = None, impersonate: int | None = None) -> int:
        """PATCH the given fields of one record (by id + changes, or a dict carrying `id`); returns the id."""
        return await self._client._run(self._update_flow(id_or_record, changes, parent_id, impersonate))

    async def replace(self, record: Mapping[str, Any], *, parent_id: int | None = None,
                      impersonate: int | None = None) -> int:
        """PUT a full record (fields left out become empty); returns the id."""
        return await self._client._run(self._replace_flow(record, parent_id, impersonate))

    async def delete(self, id: int, *, parent_id: int | None = None, impersonate: int | None = None) -> int:
        """Delete one record; returns its id."""
        return await self._client._run(self._delete_flow(id, parent_id, impersonate))

    def children(self, parent_id: int, *, limit: int | None = None,
                 impersonate: int | None = None) -> AsyncPaginator[R]:
        """Every record of this child entity under one parent (`GET /{Parent}/{id}/{Child}`), lazily."""
        return AsyncPaginator(self._client, self._children_factory(parent_id, limit, impersonate),
                              f"{self.name} of {self.spec.child.parent if self.spec.child else '?'} {parent_id}")

    async def info(self, *, force: bool = False) -> dict[str, Any]:
        """`entityInformation`: canCreate/canQuery/…, userAccessFor*, hasUserDefinedFields (cached)."""
        return await self._client._run(self._metadata_flow("info", force))

    async def fields(self, *, force: bool = False) -> list[dict[str, Any]]:
        """Field definitions with picklists, as Autotask describes them for this tenant (cached)."""
        return await self._client._run(self._metadata_flow("fields", force))

    async def udfs(self, *, force: bool = False) -> list[dict[str, Any]]:
        """User-defined field definitions (cached)."""
        return await self._client._run(self._metadata_flow("udfs", force))

    async def field(self, name: str, *, force: bool = False) -> dict[str, Any]:
        """One field's definition (camelCase or snake_case name; UDFs by name); KeyError if unknown."""
        return await self._client._run(self._field_flow(name, force))

    async def picklist(self, field: str, *, active_only: bool = False) -> list[dict[str, Any]]:
        """A picklist's entries `{value, label, isActive, …}` in sort order."""
        return await self._client._run(self._picklist_flow(field, active_only))

    async def label(self, field: str, value: Any) -> str | None:
        """The label of a picklist value (e.g. status 1 -> "New")."""
        return await self._client._run(self._label_flow(field, value))

    async def value(self, field: str, label: str) -> Any:
        """The value of a picklist label (e.g. "New" -> 1), typed like the field."""
        return await self._client._run(self._value_flow(field, label))


class AsyncQueryPaginator(AsyncTableMethods, AsyncPaginator[R]):
    """A query's records; its flow runs first on each iteration (to read picklist labels the filter names).

    `await ….to_arrow()`, `.to_pandas()`, `.to_polars()`: the records as one typed table (`py_autotask.tables`).
    """

    def __init__(self, client: AsyncAutotaskClient, pager_flow: Callable[[], Flow], description: str, *,
                 entity: str = "", fields: Sequence[str] | None = None) -> None:
        super().__init__(client, _unusable_factory, description)
        self._pager_flow = pager_flow
        self._table_entity, self._table_fields = entity, fields

    async def iter_pages(self) -> AsyncIterator[Page]:
        """Each page in turn, fetched when needed."""
        pager: Pager = await self._client._run(self._pager_flow())
        pages = AsyncPaginator(self._client, lambda: pager, self._description).iter_pages()
        try:
            async for page in pages:
                yield page
        finally:
            await pages.aclose()  # type: ignore[attr-defined]

    pages = iter_pages
