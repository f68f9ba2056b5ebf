"""One entity of the catalogue (`client.tickets`): every operation written once as a flow, and two thin shells.

`EntityBase` turns arguments into flows (routes, bodies, paging plans) without I/O; `Entity` and
`AsyncEntity` only run those flows with their client's `drive`, so both behave the same. An entity
knows its client only through the small `SyncFlowClient` / `AsyncFlowClient` protocol (settings, shared
state, `drive`). The operation flows are public (`entity.flows.create(...)`, ...) so that engines
which run many operations at once (the bulk engine) compose them (`entity.flows`) instead of calling the shells.

Choices where Autotask leaves room:
- `get(id)` returns None when the record does not exist (Autotask answers 404, or `{"item": null}`);
  other failures raise.
- `update(id, changes)` and `update(record)` both PATCH the collection URL with `id` in the body;
  `replace(record)` PUTs the full record (omitted writable fields become null in Autotask).
- Writes of child entities go to the parent route automatically; when neither `parent_id=` nor the
  payload's foreign key names the parent (e.g. `delete(note_id)`), one GET of the record finds it.
- `impersonate=` on any call sends `ImpersonationResourceId` for that call only.
- A filter may name picklist entries by label (`status=Complete`, `priority in (High, Critical)`,
  `F.status == "Complete"`): a word an integer picklist cannot take, or a str in an F expression, is
  looked up in the field metadata (one cached read, made only then; numbers keep meaning values).
  Inactive entries' labels resolve too, so old records stay reachable; a label shared by two values raises `QuerySyntaxError` naming both (see
  `_core/filter_labels.py`).
- Records to write may name picklist entries by label too (`create({"status": "Complete"})`, UDF lists
  in any case), resolved by the bulk engine's rules (active entries only; dependent picklists by their
  controlling value); an unknown or ambiguous label raises `ValidationError` before the write (see
  `_core/write_labels.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from ._core.drive import AsyncFlowClient, FlowClient, SyncFlowClient
from ._core.flow import Flow, request_flow
from ._core.paging import IdKeysetPager, NextUrlPager, Pager
from ._core.requests import Call, CallKind, get_fits, query_body, resolve_field_names, search_params
from ._core.routes import EntitySpec, NeedsParent, Route, lookup_key
from ._exceptions import NotFoundError, QuerySyntaxError, UnsupportedOperationError
from ._metadata import MetadataKind, find_field, label_for, picklist_values, value_for
from ._metadata import metadata_flow as fetch_metadata
from ._pagination import AsyncPaginator, AsyncQueryPaginator, Paginator, QueryPaginator
from ._records import check_sendable

if TYPE_CHECKING:
    from ._core.filter_labels import FilterJson, LabelsNeeded

__all__ = ["AsyncEntity", "Entity", "EntityBase", "EntityFlows"]

R = TypeVar("R")
Method = Literal["POST", "GET"]
WriteKind = Literal["create", "update", "replace", "delete"]
Strategy = Literal["next_url", "id_keyset"]


class EntityBase(Generic[R]):
    """Operations of one entity as sans-I/O flows; subclasses run them."""

    _client: FlowClient

    def __init__(self, client: FlowClient, spec: EntitySpec) -> None:
        self._client = client
        self.spec = spec

    @property
    def flows(self) -> EntityFlows:
        """This entity's operations as sans-I/O flows, for engines that run many at once (`client.drive` them)."""
        return EntityFlows(self)

    @property
    def name(self) -> str:
        """The entity tag, e.g. "TicketNotes"."""
        return self.spec.name

    def capabilities(self) -> list[str]:
        """What this entity supports: query, count, get, create, update, replace, delete, children …"""
        return self.spec.capabilities()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}: {', '.join(self.capabilities()) or 'no operations'}>"

    # -- building blocks ---------------------------------------------------------------------------
    def _flow(self, call: Call) -> Flow:
        return request_flow(call, self._client.config, self._client.runtime)

    def _call(self, route: Route, kind: CallKind, *, body: Any = None, impersonate: int | None = None) -> Call:
        return Call(route.method, route.path, kind=kind, endpoint=self.name, json=body, impersonate=impersonate)

    def _filter_plan(self, filter: Any) -> FilterJson | LabelsNeeded | None:
        """The filter JSON, or the picklist labels it needs first (syntax errors raise here, without I/O)."""
        if filter is None:
            return None
        # Imported here: the query language costs a few ms to import, and a query without a filter needs none of it.
        from ._core.filter_labels import plan_filter

        return plan_filter(filter, self.spec.fields)

    def _filter_flow(self, plan: FilterJson | LabelsNeeded | None) -> Flow:
        """The filter JSON of a plan, reading the field metadata (cached) only when labels are needed."""
        if plan is None or isinstance(plan, list):
            return plan
        from ._core.filter_labels import filter_flow

        return (yield from filter_flow(plan, lambda: self._metadata_flow("fields"), self.spec.fields))

    def _build_filter_flow(self, filter: Any) -> Flow:
        return self._filter_flow(self._filter_plan(filter))

    # -- reads -------------------------------------------------------------------------------------
    def _pager_flow_factory(
        self,
        filter: Any,
        *,
        fields: Sequence[str] | None,
        limit: int | None,
        page_size: int | None,
        method: str,
        strategy: str,
        impersonate: int | None,
    ) -> Callable[[], Flow]:
        """Checks the arguments now; the flow it makes resolves filter labels, then returns the Pager."""
        method = method.upper()
        if method not in ("POST", "GET"):
            raise ValueError(f"method must be 'POST' or 'GET', not {method!r}")
        if strategy not in ("next_url", "id_keyset"):
            raise ValueError(f"strategy must be 'next_url' or 'id_keyset', not {strategy!r}")
        if limit is not None and limit < 0:
            raise ValueError("limit must be >= 0")
        size = page_size
        if limit is not None and limit > 0 and strategy == "next_url":
            size = min(page_size or limit, limit, 500)  # no point fetching 500 rows for limit=10
        include, udf_names = self._include_plan(fields)  # an unknown field name raises now (unless it may be a UDF)
        query_body(None, max_records=size)  # a bad page size raises now, not at the first page
        plan = self._filter_plan(filter)  # so does a bad filter; labels are looked up with the first page
        asked = self.spec.query_route(method)  # and an entity that cannot be queried

        def pager_flow() -> Flow:
            nonlocal include
            if include is None and udf_names:  # checked against the UDF definitions (cached) before the query
                include = self._include(udf_names, (yield from self._udfs_read_flow()))
            body = query_body((yield from self._filter_flow(plan)), include_fields=include, max_records=size)
            route = asked
            if method == "GET" and not get_fits(route.path, body):
                route = self.spec.query_route("POST")  # the URL would pass Autotask's ~2,000-char limit
            if route.method == "GET":
                first = Call("GET", route.path, kind="query", endpoint=self.name, params=search_params(body),
                             impersonate=impersonate)
            else:
                first = self._call(route, "query", body=body, impersonate=impersonate)
            if strategy == "id_keyset":
                return IdKeysetPager(first, limit=limit, page_size=page_size)
            return NextUrlPager(first, limit=limit)

        return pager_flow

    def _include_plan(self, fields: Sequence[str] | None) -> tuple[list[str] | None, Sequence[str]]:
        """IncludeFields for `fields=`, or (None, the names) when they must wait for the UDF definitions."""
        if not fields:
            return None, ()
        from ._query.include import needs_udfs

        if self.spec.has_udfs and needs_udfs(fields, self.spec.fields):
            known = self._client.runtime.udfs.get(self.name)
            if known is not None:
                try:
                    return self._include(fields, known), ()
                except QuerySyntaxError:
                    pass  # maybe a UDF created since: read the definitions again before refusing
            return None, list(fields)
        return self._include(fields, ()), ()

    def _include(self, fields: Sequence[str], udfs: Sequence[Mapping[str, Any]]) -> list[str]:
        from ._query.include import resolve_fields

        names = resolve_fields(fields, self.spec.fields, [str(u.get("name")) for u in udfs], entity=self.name)
        return resolve_field_names([n.name for n in names], self.spec.fields)

    def _udfs_read_flow(self) -> Flow:
        """The entity's UDF definitions from its (cached) metadata, remembered for later checks."""
        udfs = tuple(u for u in (yield from self._metadata_flow("udfs")) if isinstance(u, dict))
        self._client.runtime.udfs[self.name] = udfs
        return udfs

    def _children_factory(self, parent_id: int, limit: int | None, impersonate: int | None) -> Callable[[], Flow]:
        route = self.spec.children_route(parent_id)
        first = self._call(route, "list", impersonate=impersonate)

        def pager_flow() -> Flow:
            yield from ()
            return NextUrlPager(first, limit=limit)

        return pager_flow

    def _count_flow(self, filter: Any, impersonate: int | None) -> Flow:
        route = self.spec.count_route()
        body = query_body((yield from self._build_filter_flow(filter)))
        if route.method == "GET":
            call = Call("GET", route.path, kind="count", endpoint=self.name, params=search_params(body),
                        impersonate=impersonate)
        else:
            call = self._call(route, "count", body=body, impersonate=impersonate)
        payload = yield from self._flow(call)
        return int(lookup_key(payload, "queryCount") or 0)

    def _fetch_flow(self, record_id: int, parent_id: int | None, impersonate: int | None) -> Flow:
        call = self._call(self.spec.get_route(record_id, parent_id), "get", impersonate=impersonate)
        payload = yield from self._flow(call)
        return _single_item(payload)

    def _get_flow(self, record_id: int, parent_id: int | None, impersonate: int | None) -> Flow:
        try:
            return (yield from self._fetch_flow(record_id, parent_id, impersonate))
        except NotFoundError:
            return None

    # -- writes ------------------------------------------------------------------------------------
    def _route_flow(self, op: WriteKind, body: Mapping[str, Any] | None, parent_id: int | None,
                    record_id: int | None, impersonate: int | None) -> Flow:
        plan = self.spec.write_route(op, body, parent_id, record_id)
        if isinstance(plan, NeedsParent):
            record = yield from self._fetch_flow(plan.record_id, None, impersonate)
            if record is None:
                raise UnsupportedOperationError(f"{self.name} {plan.record_id} not found; cannot find its parent")
            parent = lookup_key(record, plan.parent_field)
            if parent is None:
                raise UnsupportedOperationError(
                    f"{self.name} {plan.record_id} has no {plan.parent_field}; pass parent_id="
                )
            plan = self.spec.write_route(op, body, int(parent), record_id)
        assert isinstance(plan, Route)
        return plan

    def _write_flow(self, op: WriteKind, body: dict[str, Any] | None, parent_id: int | None,
                    record_id: int | None, impersonate: int | None) -> Flow:
        if body is not None:  # refused here, before any request: a value JSON or Autotask cannot carry
            check_sendable(body, f"the {self.name} {op}")
            # picklist labels → values next (may read the cached metadata), so a bad label stops the write unsent
            from ._core.write_labels import payload_flow

            body = yield from payload_flow(
                self.name, body, lambda: self._metadata_flow("fields"), self.spec.fields,
                self._udfs_read_flow if self.spec.has_udfs else None, self._client.runtime.udfs.get(self.name))
        route = yield from self._route_flow(op, body, parent_id, record_id, impersonate)
        payload = yield from self._flow(self._call(route, op, body=body, impersonate=impersonate))
        item_id = lookup_key(payload, "itemId") if isinstance(payload, dict) else None
        return int(item_id) if item_id is not None else record_id

    # -- writes as flows (public through `flows`) ----------------------------------------------------
    def _create_flow(self, data: Mapping[str, Any], *, parent_id: int | None = None,
                    impersonate: int | None = None) -> Flow:
        """`create()` as a flow; returns the new id."""
        if not isinstance(data, Mapping):
            raise TypeError("create() takes the new record as a dict")
        return self._write_flow("create", dict(data), parent_id, None, impersonate)

    def _update_flow(self, id_or_record: int | Mapping[str, Any], changes: Mapping[str, Any] | None = None, *,
                    parent_id: int | None = None, impersonate: int | None = None) -> Flow:
        """`update()` as a flow; returns the record id."""
        if isinstance(id_or_record, Mapping):
            body = {**id_or_record, **(changes or {})}
            record_id = _require_id(body, "update")
        else:
            if not changes:
                raise ValueError("update(id, changes) needs the fields to change")
            record_id = int(id_or_record)
            body = {"id": record_id, **changes}
        return self._write_flow("update", body, parent_id, record_id, impersonate)

    def _replace_flow(self, record: Mapping[str, Any], *, parent_id: int | None = None,
                     impersonate: int | None = None) -> Flow:
        """`replace()` as a flow; returns the record id."""
        body = dict(record)
        return self._write_flow("replace", body, parent_id, _require_id(body, "replace"), impersonate)

    def _delete_flow(self, record_id: int, *, parent_id: int | None = None, impersonate: int | None = None) -> Flow:
        """`delete()` as a flow; returns the record id."""
        return self._write_flow("delete", None, parent_id, int(record_id), impersonate)

    def _records_flow(self, filter: Any = None, *, fields: Sequence[str] | None = None) -> Flow:
        """Every record matching `filter` as one list (`query(...).to_list()` as a flow)."""
        make = self._pager_flow_factory(filter, fields=fields, limit=None, page_size=None, method="POST",
                                        strategy="next_url", impersonate=None)
        pager: Pager = yield from make()
        records: list[dict[str, Any]] = []
        while (call := pager.next_call()) is not None:
            records.extend(pager.feed((yield from self._flow(call))).items)
        return records

    # -- metadata ----------------------------------------------------------------------------------
    def _metadata_flow(self, kind: MetadataKind, *, force: bool = False) -> Flow:
        """`info()` / `fields()` / `udfs()` as a flow (cached)."""
        return fetch_metadata(self.spec, kind, self._client.config, self._client.runtime, force=force)

    def _field_flow(self, name: str, force: bool) -> Flow:
        fields = yield from self._metadata_flow("fields", force=force)
        try:
            return find_field(fields, name, entity=self.name)
        except KeyError:
            if not self.spec.has_udfs:
                raise
            udfs = yield from self._metadata_flow("udfs", force=force)
            return find_field([*fields, *udfs], name, entity=self.name)

    def _picklist_flow(self, field: str, active_only: bool) -> Flow:
        return picklist_values((yield from self._field_flow(field, False)), active_only=active_only)

    def _label_flow(self, field: str, value: Any) -> Flow:
        return label_for((yield from self._field_flow(field, False)), value)

    def _value_flow(self, field: str, label: str) -> Flow:
        return value_for((yield from self._field_flow(field, False)), label)


def _require_id(body: Mapping[str, Any], op: str) -> int:
    record_id = lookup_key(body, "id")
    if record_id is None:
        raise ValueError(f"{op}() needs the record's id in the body")
    return int(record_id)


class Entity(EntityBase[R]):
    """An Autotask entity on the sync client: `client.tickets`, `client.entity("TicketNotes")`."""

    _client: SyncFlowClient

    def __init__(self, client: SyncFlowClient, spec: EntitySpec) -> None:
        super().__init__(client, spec)

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
    ) -> QueryPaginator[R]:
        """Every record matching `filter` (F expression, filter string — labels allowed — or raw JSON), lazily."""
        factory = self._pager_flow_factory(filter, fields=fields, limit=limit, page_size=page_size,
                                           method=method, strategy=strategy, impersonate=impersonate)
        return QueryPaginator(self._client, factory, f"{self.name} query", entity=self.name, fields=fields)

    def count(self, filter: Any = None, *, impersonate: int | None = None) -> int:
        """How many records match `filter` (`/query/count`; picklist labels allowed, as in `query`)."""
        return self._client.drive(self._count_flow(filter, impersonate))

    def build_filter(self, filter: Any) -> list[dict[str, Any]]:
        """Autotask filter JSON for `filter`, picklist labels resolved (a metadata read only if one is used)."""
        return query_body(self._client.drive(self._build_filter_flow(filter)))["filter"]

    def get(self, id: int, *, parent_id: int | None = None, impersonate: int | None = None) -> R | None:
        """One record by id, or None if it does not exist."""
        return self._client.drive(self._get_flow(id, parent_id, impersonate))

    def create(self, data: Mapping[str, Any], *, parent_id: int | None = None,
               impersonate: int | None = None) -> int:
        """Create a record (under its parent for child entities); returns the new id."""
        return self._client.drive(self._create_flow(data, parent_id=parent_id, impersonate=impersonate))

    def update(self, id_or_record: int | Mapping[str, Any], changes: Mapping[str, Any] | None = None, *,
               parent_id: int | None = None, impersonate: int | None = None) -> int:
        """PATCH the given fields of one record (by id + changes, or a dict carrying `id`); returns the id."""
        return self._client.drive(self._update_flow(id_or_record, changes, parent_id=parent_id, impersonate=impersonate))

    def replace(self, record: Mapping[str, Any], *, parent_id: int | None = None,
                impersonate: int | None = None) -> int:
        """PUT a full record (fields left out become empty); returns the id."""
        return self._client.drive(self._replace_flow(record, parent_id=parent_id, impersonate=impersonate))

    def delete(self, id: int, *, parent_id: int | None = None, impersonate: int | None = None) -> int:
        """Delete one record; returns its id."""
        return self._client.drive(self._delete_flow(id, parent_id=parent_id, impersonate=impersonate))

    def children(self, parent_id: int, *, limit: int | None = None,
                 impersonate: int | None = None) -> Paginator[R]:
        """Every record of this child entity under one parent (`GET /{Parent}/{id}/{Child}`), lazily."""
        return Paginator(self._client, self._children_factory(parent_id, limit, impersonate),
                         f"{self.name} of {self.spec.child.parent if self.spec.child else '?'} {parent_id}")

    def info(self, *, force: bool = False) -> dict[str, Any]:
        """`entityInformation`: canCreate/canQuery/…, userAccessFor*, hasUserDefinedFields (cached)."""
        return self._client.drive(self._metadata_flow("info", force=force))

    def fields(self, *, force: bool = False) -> list[dict[str, Any]]:
        """Field definitions with picklists, as Autotask describes them for this tenant (cached)."""
        return self._client.drive(self._metadata_flow("fields", force=force))

    def udfs(self, *, force: bool = False) -> list[dict[str, Any]]:
        """User-defined field definitions (cached)."""
        return self._client.drive(self._metadata_flow("udfs", force=force))

    def field(self, name: str, *, force: bool = False) -> dict[str, Any]:
        """One field's definition (camelCase or snake_case name; UDFs by name); KeyError if unknown."""
        return self._client.drive(self._field_flow(name, force))

    def picklist(self, field: str, *, active_only: bool = False) -> list[dict[str, Any]]:
        """A picklist's entries `{value, label, isActive, …}` in sort order."""
        return self._client.drive(self._picklist_flow(field, active_only))

    def label(self, field: str, value: Any) -> str | None:
        """The label of a picklist value (e.g. status 1 -> "New")."""
        return self._client.drive(self._label_flow(field, value))

    def value(self, field: str, label: str) -> Any:
        """The value of a picklist label (e.g. "New" -> 1), typed like the field."""
        return self._client.drive(self._value_flow(field, label))


class AsyncEntity(EntityBase[R]):
    """An Autotask entity on the async client: `aclient.tickets`, `aclient.entity("TicketNotes")`."""

    _client: AsyncFlowClient

    def __init__(self, client: AsyncFlowClient, spec: EntitySpec) -> None:
        super().__init__(client, spec)

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
    ) -> AsyncQueryPaginator[R]:
        """Every record matching `filter` (F expression, filter string — labels allowed — or raw JSON), lazily."""
        factory = self._pager_flow_factory(filter, fields=fields, limit=limit, page_size=page_size,
                                           method=method, strategy=strategy, impersonate=impersonate)
        return AsyncQueryPaginator(self._client, factory, f"{self.name} query", entity=self.name, fields=fields)

    async def count(self, filter: Any = None, *, impersonate: int | None = None) -> int:
        """How many records match `filter` (`/query/count`; picklist labels allowed, as in `query`)."""
        return await self._client.drive(self._count_flow(filter, impersonate))

    async def build_filter(self, filter: Any) -> list[dict[str, Any]]:
        """Autotask filter JSON for `filter`, picklist labels resolved (a metadata read only if one is used)."""
        return query_body(await self._client.drive(self._build_filter_flow(filter)))["filter"]

    async def get(self, id: int, *, parent_id: int | None = None, impersonate: int | None = None) -> R | None:
        """One record by id, or None if it does not exist."""
        return await self._client.drive(self._get_flow(id, parent_id, impersonate))

    async def create(self, data: Mapping[str, Any], *, parent_id: int | None = None,
                     impersonate: int | None = None) -> int:
        """Create a record (under its parent for child entities); returns the new id."""
        return await self._client.drive(self._create_flow(data, parent_id=parent_id, impersonate=impersonate))

    async def update(self, id_or_record: int | Mapping[str, Any], changes: Mapping[str, Any] | None = None, *,
                     parent_id: int | None = None, impersonate: int | None = None) -> int:
        """PATCH the given fields of one record (by id + changes, or a dict carrying `id`); returns the id."""
        return await self._client.drive(self._update_flow(id_or_record, changes, parent_id=parent_id, impersonate=impersonate))

    async def replace(self, record: Mapping[str, Any], *, parent_id: int | None = None,
                      impersonate: int | None = None) -> int:
        """PUT a full record (fields left out become empty); returns the id."""
        return await self._client.drive(self._replace_flow(record, parent_id=parent_id, impersonate=impersonate))

    async def delete(self, id: int, *, parent_id: int | None = None, impersonate: int | None = None) -> int:
        """Delete one record; returns its id."""
        return await self._client.drive(self._delete_flow(id, parent_id=parent_id, impersonate=impersonate))

    def children(self, parent_id: int, *, limit: int | None = None,
                 impersonate: int | None = None) -> AsyncPaginator[R]:
        """Every record of this child entity under one parent (`GET /{Parent}/{id}/{Child}`), lazily."""
        return AsyncPaginator(self._client, self._children_factory(parent_id, limit, impersonate),
                              f"{self.name} of {self.spec.child.parent if self.spec.child else '?'} {parent_id}")

    async def info(self, *, force: bool = False) -> dict[str, Any]:
        """`entityInformation`: canCreate/canQuery/…, userAccessFor*, hasUserDefinedFields (cached)."""
        return await self._client.drive(self._metadata_flow("info", force=force))

    async def fields(self, *, force: bool = False) -> list[dict[str, Any]]:
        """Field definitions with picklists, as Autotask describes them for this tenant (cached)."""
        return await self._client.drive(self._metadata_flow("fields", force=force))

    async def udfs(self, *, force: bool = False) -> list[dict[str, Any]]:
        """User-defined field definitions (cached)."""
        return await self._client.drive(self._metadata_flow("udfs", force=force))

    async def field(self, name: str, *, force: bool = False) -> dict[str, Any]:
        """One field's definition (camelCase or snake_case name; UDFs by name); KeyError if unknown."""
        return await self._client.drive(self._field_flow(name, force))

    async def picklist(self, field: str, *, active_only: bool = False) -> list[dict[str, Any]]:
        """A picklist's entries `{value, label, isActive, …}` in sort order."""
        return await self._client.drive(self._picklist_flow(field, active_only))

    async def label(self, field: str, value: Any) -> str | None:
        """The label of a picklist value (e.g. status 1 -> "New")."""
        return await self._client.drive(self._label_flow(field, value))

    async def value(self, field: str, label: str) -> Any:
        """The value of a picklist label (e.g. "New" -> 1), typed like the field."""
        return await self._client.drive(self._value_flow(field, label))


class EntityFlows:
    """One entity's operations as flows: what `Entity` and `AsyncEntity` run, for callers that compose them.

        record_id = client.drive(client.tickets.flows.create({"title": "..."}))
    """

    def __init__(self, entity: EntityBase[Any]) -> None:
        self._entity = entity

    def create(self, data: Mapping[str, Any], *, parent_id: int | None = None, impersonate: int | None = None) -> Flow:
        """`create()`; returns the new id."""
        return self._entity._create_flow(data, parent_id=parent_id, impersonate=impersonate)

    def update(self, id_or_record: int | Mapping[str, Any], changes: Mapping[str, Any] | None = None, *,
               parent_id: int | None = None, impersonate: int | None = None) -> Flow:
        """`update()`; returns the record id."""
        return self._entity._update_flow(id_or_record, changes, parent_id=parent_id, impersonate=impersonate)

    def delete(self, record_id: int, *, parent_id: int | None = None, impersonate: int | None = None) -> Flow:
        """`delete()`; returns the record id."""
        return self._entity._delete_flow(record_id, parent_id=parent_id, impersonate=impersonate)

    def records(self, filter: Any = None, *, fields: Sequence[str] | None = None) -> Flow:
        """`query(...).to_list()`: every matching record in one list."""
        return self._entity._records_flow(filter, fields=fields)

    def metadata(self, kind: MetadataKind, *, force: bool = False) -> Flow:
        """`info()`, `fields()` or `udfs()` (cached)."""
        return self._entity._metadata_flow(kind, force=force)


def _single_item(payload: Any) -> dict[str, Any] | None:
    """The record of a get-by-id answer, whatever envelope it came in.

    `{"item": {...}}` is the documented form; attachment downloads (parent-scoped GET by id) have been
    seen as `{"items": {...}}`, `{"items": [{...}]}` and as the bare model the swagger declares.
    """
    if not isinstance(payload, dict):
        return None
    if "item" in payload:
        item = payload["item"]
        return item if isinstance(item, dict) else None
    items = payload.get("items")
    if isinstance(items, dict):
        return items
    if isinstance(items, list):
        return items[0] if len(items) == 1 and isinstance(items[0], dict) else None
    return payload if "id" in payload else None
