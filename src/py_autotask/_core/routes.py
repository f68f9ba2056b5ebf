"""Which URL serves which operation of an entity, decided from the generated catalogue (no I/O).

Autotask serves most entities at a root collection (`/Tickets`) and some writes only under a parent
(`/Tickets/{parentId}/Notes` for TicketNotes). The rules, in one place:
- an operation neither route supports raises `UnsupportedOperationError` before any request;
- a write goes to the root route when the root supports it and no parent id was *given*;
  otherwise to the child route, with the parent id from `parent_id=` or the payload's foreign key
  (the catalogue's `parentField`);
- reads (query, count, metadata) are always at the root (Autotask has no child query routes);
  `get` uses the child route only when the root has none or a parent id was given.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, NamedTuple

from .._catalog import find_entity
from .._exceptions import UnsupportedOperationError

__all__ = ["ChildRoute", "EntitySpec", "NeedsParent", "Route", "lookup_key"]

# Words used in error messages for each catalogue capability.
OP_NAMES = {
    "queryPost": "query",
    "queryGet": "query (GET)",
    "countPost": "count",
    "countGet": "count (GET)",
    "getById": "get",
    "create": "create",
    "update": "update (PATCH)",
    "replace": "replace (PUT)",
    "delete": "delete",
    "listByParent": "children",
    "entityInformation": "info",
    "fields": "fields",
    "userDefinedFields": "udfs",
}


def lookup_key(record: Mapping[str, Any], name: str) -> Any:
    """`record[name]` matched case-insensitively (Autotask field names are case-insensitive)."""
    if name in record:
        return record[name]
    lowered = name.lower()
    for key, value in record.items():
        if key.lower() == lowered:
            return value
    return None


class ChildRoute(NamedTuple):
    """`/{parent}/{parentId}/{segment}`: the parent-scoped route of a child entity."""

    parent: str
    segment: str
    path: str  # relative to the versioned API root, with "{parentId}"
    ops: frozenset[str]
    parent_field: str | None

    def url(self, parent_id: int, record_id: int | None = None) -> str:
        """The child collection (or one child) under one parent."""
        base = self.path.replace("{parentId}", str(int(parent_id)))
        return base if record_id is None else f"{base}/{int(record_id)}"


class Route(NamedTuple):
    """A resolved URL path (relative to the versioned root) and the HTTP method for it."""

    method: str
    path: str
    parent_id: int | None = None


class NeedsParent(NamedTuple):
    """The write needs a parent id that neither the caller nor the payload gave: look the record up."""

    record_id: int
    parent_field: str


@dataclasses.dataclass(frozen=True)
class EntitySpec:
    """One catalogue entity: name, routes, capabilities and field types."""

    name: str
    attr: str
    path: str | None  # root collection path relative to the versioned root, e.g. "Tickets"
    ops: frozenset[str]
    child: ChildRoute | None
    has_udfs: bool
    fields: Mapping[str, str]  # camelCase field name -> Autotask dataType
    legacy: str | None

    @classmethod
    def load(cls, name: str) -> EntitySpec:
        """The spec of a catalogue entity, by tag or attribute name (any case)."""
        ent = find_entity(name)
        child = None
        if ent["children"]:
            c = ent["children"][0]  # the catalogue has at most one parent route per entity
            child = ChildRoute(c["parent"], c["segment"], _relative(c["path"]), frozenset(c["ops"]),
                               c["parentField"])
        return cls(
            name=ent["name"],
            attr=ent["attr"],
            path=_relative(ent["path"]) if ent["path"] else None,
            ops=frozenset(ent["ops"]),
            child=child,
            has_udfs=ent["hasUdfs"],
            fields=ent["fields"],
            legacy=ent["legacy"],
        )

    # -- capabilities ------------------------------------------------------------------------------
    def supports(self, op: str) -> bool:
        """True if the root or the parent route offers `op` (a catalogue capability name)."""
        return op in self.ops or (self.child is not None and op in self.child.ops)

    def capabilities(self) -> list[str]:
        """The user-facing operation names this entity supports."""
        return sorted({OP_NAMES[op].split(" (")[0] for op in OP_NAMES if self.supports(op)})

    def _unsupported(self, op: str, extra: str = "") -> UnsupportedOperationError:
        can = ", ".join(self.capabilities()) or "nothing"
        return UnsupportedOperationError(
            f"{self.name} does not support {OP_NAMES.get(op, op)} in the Autotask REST API{extra} "
            f"(it supports: {can})"
        )

    def _root(self, op: str) -> str:
        if op not in self.ops or self.path is None:
            raise self._unsupported(op)
        return self.path

    # -- reads -------------------------------------------------------------------------------------
    def query_route(self, method: str) -> Route:
        """`POST|GET /{Entity}/query`."""
        op = "queryPost" if method == "POST" else "queryGet"
        return Route(method, f"{self._root(op)}/query")

    def count_route(self) -> Route:
        """`POST /{Entity}/query/count` (GET when only that exists)."""
        if "countPost" in self.ops:
            return Route("POST", f"{self._root('countPost')}/query/count")
        return Route("GET", f"{self._root('countGet')}/query/count")

    def metadata_route(self, action: str) -> Route:
        """`GET /{Entity}/entityInformation[/fields|/userDefinedFields]`."""
        suffix = {"entityInformation": "", "fields": "/fields", "userDefinedFields": "/userDefinedFields"}
        return Route("GET", f"{self._root(action)}/entityInformation{suffix[action]}")

    def get_route(self, record_id: int, parent_id: int | None = None) -> Route:
        """`GET /{Entity}/{id}`, or the parent route when only it exists or a parent id is given."""
        child = self.child if self.child and "getById" in self.child.ops else None
        if child and (parent_id is not None or "getById" not in self.ops):
            if parent_id is None:
                raise self._unsupported("getById", f" without parent_id (route {child.path}/{{id}})")
            return Route("GET", child.url(parent_id, record_id), parent_id)
        return Route("GET", f"{self._root('getById')}/{int(record_id)}")

    def children_route(self, parent_id: int) -> Route:
        """`GET /{Parent}/{parentId}/{Child}`: every child of one parent."""
        if self.child is None or "listByParent" not in self.child.ops:
            raise self._unsupported("listByParent")
        return Route("GET", self.child.url(parent_id), parent_id)

    # -- writes ------------------------------------------------------------------------------------
    def write_route(
        self, op: str, body: Mapping[str, Any] | None, parent_id: int | None, record_id: int | None = None
    ) -> Route | NeedsParent:
        """Route for create/update/replace/delete; NeedsParent when only the record itself can tell."""
        method = {"create": "POST", "update": "PATCH", "replace": "PUT", "delete": "DELETE"}[op]
        child = self.child if self.child and op in self.child.ops else None
        if not child and op not in self.ops:
            raise self._unsupported(op)
        if child and parent_id is None and op in self.ops:
            return Route(method, self._item(op, record_id))  # the root route needs no parent
        if child and parent_id is None and body is not None and child.parent_field:
            parent_id = _as_id(lookup_key(body, child.parent_field))
        if child and parent_id is not None:
            return Route(method, child.url(parent_id, record_id if op == "delete" else None), parent_id)
        if child:
            if record_id is not None and child.parent_field and "getById" in self.ops:
                return NeedsParent(record_id, child.parent_field)
            where = f"its {child.parent_field} field or " if child.parent_field else ""
            raise self._unsupported(
                op, f" at the root; it is written under {child.parent}: pass {where}parent_id="
            )
        return Route(method, self._item(op, record_id))

    def _item(self, op: str, record_id: int | None) -> str:
        root = self._root(op)
        return f"{root}/{int(record_id)}" if op == "delete" and record_id is not None else root


def _relative(path: str) -> str:
    """"/V1.0/Tickets" -> "Tickets" (URLs are joined onto the versioned root)."""
    return path.split("/", 2)[2] if path.startswith("/V1.0/") else path.lstrip("/")


def _as_id(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
