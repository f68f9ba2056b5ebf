"""What the MCP tools do, as plain methods over one `AutotaskClient` — no MCP types here.

`AutotaskTools` is the whole behaviour of the server: search with a cursor, count, get (by id or by
ticket number), describe an entity, resolve labels, and create/update/delete gated by an allowlist that
is checked before any request. Results are JSON-ready dicts shaped by `shaping.py` (labels and names
beside ids, people-written text kept apart as untrusted). The MCP wiring in `server.py` only registers
these methods; tests can call them directly, and the SDK's client drives them over stdio.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import orjson

from .._catalog import capabilities, entity_names, find_entity, load_catalog
from .._exceptions import AutotaskError, QuerySyntaxError
from ..export.labels import LabelResolver, ReferenceCache
from ..query import needs_udfs, resolve_fields
from .shaping import UNTRUSTED_NOTICE, shape_record

if TYPE_CHECKING:
    from .. import AutotaskClient

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "AutotaskTools", "ToolRefused"]

DEFAULT_LIMIT = 25
MAX_LIMIT = 200  # records per call: enough to read, small enough for a model's context


class ToolRefused(Exception):
    """A call the server will not make (not allowed, unknown entity, bad cursor); the text says why."""


class AutotaskTools:
    """The tool implementations; `allow_write` names the entities that may be written (none by default)."""

    def __init__(self, client: AutotaskClient, *, allow_write: Iterable[str] = (),
                 report_source: str | None = None) -> None:
        self.client = client
        self.allow_write = tuple(sorted({find_entity(name)["name"] for name in allow_write}))
        self.report_source = report_source  # the mirror file or Parquet directory reports read
        self._names = ReferenceCache(self._fetch_names, max_entries=20_000)

    # -- reading -----------------------------------------------------------------------------------------

    def entities(self, can: str | None = None) -> dict[str, Any]:
        """Every entity with what it supports (optionally only those that support `can`)."""
        rows = []
        for name in entity_names():
            ops = capabilities(find_entity(name))
            if can is None or can in ops:
                rows.append({"entity": name, "supports": ops, "writable_here": name in self.allow_write})
        return {"entities": rows, "count": len(rows), "write_allowed": list(self.allow_write)}

    def describe(self, entity: str) -> dict[str, Any]:
        """Fields (type, required, read-only, picklist values, reference), UDFs and capabilities."""
        name = self._queryable(entity, need="query")
        ent = self.client.entity(name)
        fields = []
        for field in ent.fields():
            item: dict[str, Any] = {"name": field.get("name"), "type": field.get("dataType")}
            for flag, key in (("isRequired", "required"), ("isReadOnly", "read_only"), ("isQueryable", "queryable")):
                if field.get(flag):
                    item[key] = True
            if field.get("isReference"):
                item["references"] = field.get("referenceEntityType")
            if field.get("isPickList"):
                item["picklist"] = [
                    {"value": v.get("value"), "label": v.get("label")}
                    for v in field.get("picklistValues") or ()
                    if v.get("isActive", True)
                ]
            fields.append(item)
        udfs = [{"name": u.get("name"), "type": u.get("dataType")} for u in ent.udfs()] if _has_udfs(name) else []
        return {"entity": name, "supports": capabilities(find_entity(name)),
                "writable_here": name in self.allow_write, "fields": fields, "udfs": udfs}

    def search(self, entity: str, filter: str | None = None, fields: Sequence[str] | None = None,
               limit: int = DEFAULT_LIMIT, cursor: str | None = None) -> dict[str, Any]:
        """Records matching `filter`, at most `limit`, in id order; `next_cursor` continues after the last."""
        if cursor:
            state = _decode_cursor(cursor)
            name, filter, fields, after = state["entity"], state["filter"], state["fields"], int(state["after"])
            if entity and find_entity(entity)["name"] != name:
                raise ToolRefused(f"this cursor continues a search of {name}, not {entity}")
        else:
            name, after = self._queryable(entity, need="query"), None
        limit = max(1, min(int(limit), MAX_LIMIT))
        ent = self.client.entity(name)
        conditions = ent.build_filter(filter or None)
        if after is not None:
            conditions = [*conditions, {"op": "gt", "field": "id", "value": after}]
        include = self._include(name, fields)
        records = ent.query(conditions, fields=include, limit=limit + 1).to_list()
        more = len(records) > limit
        records = records[:limit]
        result: dict[str, Any] = {"entity": name, "records": self._shape(name, records, include)}
        if cursor is None:
            result["total"] = ent.count(conditions)
        result["next_cursor"] = (
            _encode_cursor({"entity": name, "filter": filter, "fields": fields, "after": records[-1]["id"]})
            if more and records else None
        )
        return self._finish(result)

    def count(self, entity: str, filter: str | None = None) -> dict[str, Any]:
        """How many records match `filter`."""
        name = self._queryable(entity, need="query")
        return self._finish({"entity": name, "filter": filter or "", "count": self.client.entity(name).count(filter or None)})

    def get(self, entity: str, id: int) -> dict[str, Any]:
        """One record by id (None when there is none)."""
        name = self._queryable(entity, need="get")
        record = self.client.entity(name).get(int(id))
        shaped = self._shape(name, [record], None)[0] if record else None
        return self._finish({"entity": name, "record": shaped})

    def get_ticket(self, ticket_number: str) -> dict[str, Any]:
        """The ticket with this number (e.g. T20240101.0001), whatever its status."""
        number = ticket_number.strip()
        records = self.client.entity("Tickets").query([{"op": "eq", "field": "ticketNumber", "value": number}],
                                                      limit=2).to_list()
        shaped = self._shape("Tickets", records[:1], None)[0] if records else None
        return self._finish({"entity": "Tickets", "ticket_number": number, "record": shaped})

    def labels(self, entity: str, field: str, value: str | None = None, label: str | None = None) -> dict[str, Any]:
        """Translate a picklist value to its label or a label to its value; with neither, list them all."""
        name = self._queryable(entity, need="query")
        ent = self.client.entity(name)
        if label is not None:
            return {"entity": name, "field": field, "label": label, "value": ent.value(field, label)}
        if value is not None:
            return {"entity": name, "field": field, "value": value, "label": ent.label(field, value)}
        return {"entity": name, "field": field, "picklist": ent.picklist(field)}

    def report(self, name: str, by: str | None = None, since: str | None = None,
               until: str | None = None) -> dict[str, Any]:
        """A metric of `py-autotask report` over the local mirror: no API request at all."""
        if self.report_source is None:
            raise ToolRefused("no mirror to report on: start the server with --report-source FILE|DIR")
        from datetime import date

        from ..analytics import SourceError, open_source
        from ..analytics.reports import REPORTS, run

        if name not in REPORTS:
            raise ToolRefused(f"no report {name!r}; reports: {', '.join(REPORTS)}")
        try:
            first = date.fromisoformat(since) if since else None
            last = date.fromisoformat(until) if until else None
        except ValueError as exc:
            raise ToolRefused(f"since/until must be dates like 2025-01-31: {exc}") from None
        try:
            with open_source(self.report_source) as source:
                table = run(source, name, by=by, since=first, until=last)
        except (SourceError, ValueError) as exc:
            raise ToolRefused(str(exc)) from None
        rows = table.to_pylist()
        shown = [_split_text(row) for row in rows[:_REPORT_ROWS]]
        return {"report": name, "title": REPORTS[name].title, "by": by or REPORTS[name].default_by,
                "columns": table.column_names, "rows": shown, "rows_total": len(rows),
                "source": "local mirror (no API requests)"}

    # -- writing (allowlisted entities only) ---------------------------------------------------------------

    def create(self, entity: str, fields: Mapping[str, Any], parent_id: int | None = None) -> dict[str, Any]:
        """Create a record; returns its id."""
        name = self._writable(entity, "create")
        new_id = self.client.entity(name).create(dict(fields), parent_id=parent_id)
        return self._finish({"entity": name, "created_id": new_id})

    def update(self, entity: str, id: int, fields: Mapping[str, Any], parent_id: int | None = None) -> dict[str, Any]:
        """Change the given fields of one record (PATCH: fields not named stay as they are)."""
        name = self._writable(entity, "update")
        updated = self.client.entity(name).update(int(id), dict(fields), parent_id=parent_id)
        return self._finish({"entity": name, "updated_id": updated})

    def delete(self, entity: str, id: int, parent_id: int | None = None) -> dict[str, Any]:
        """Delete one record, where Autotask allows deleting that entity."""
        name = self._writable(entity, "delete")
        deleted = self.client.entity(name).delete(int(id), parent_id=parent_id)
        return self._finish({"entity": name, "deleted_id": deleted})

    # -- helpers -----------------------------------------------------------------------------------------

    def threshold(self) -> dict[str, Any] | None:
        """Our share of the tenant's hourly request threshold, from the client's budget (no request)."""
        budget = self.client.runtime.budget
        if budget is None:
            return None
        usage = budget.usage()
        return {key: usage[key] for key in ("requests", "our_cap", "tenant_estimate", "threshold", "percent")}

    def _finish(self, result: dict[str, Any]) -> dict[str, Any]:
        threshold = self.threshold()
        if threshold is not None:
            result["threshold_usage"] = threshold
        return result

    def _queryable(self, entity: str, *, need: str) -> str:
        try:
            entry = find_entity(entity)
        except AutotaskError as exc:
            raise ToolRefused(str(exc)) from None
        if need not in capabilities(entry):
            raise ToolRefused(f"{entry['name']} does not support {need} in Autotask's API")
        return str(entry["name"])

    def _writable(self, entity: str, operation: str) -> str:
        name = self._queryable(entity, need=operation)
        if name not in self.allow_write:
            allowed = ", ".join(self.allow_write) or "none: the server is read-only"
            raise ToolRefused(
                f"refused: {operation} on {name} is not allowed by this server (writable entities: {allowed}). "
                f"The operator enables writes with `py-autotask mcp --allow-write {name}`."
            )
        return name

    def _include(self, entity: str, fields: Sequence[str] | None) -> list[str] | None:
        """IncludeFields for `fields`, by the one check query(fields=…) and `--fields` use (same refusals)."""
        if not fields:
            return None
        ent = self.client.entity(entity)
        types = {str(f["name"]): str(f.get("dataType")) for f in ent.fields()}
        udfs = [str(u.get("name")) for u in ent.udfs()] if _has_udfs(entity) and needs_udfs(fields, types) else []
        try:
            return [n.name for n in resolve_fields(fields, types, udfs, entity=entity)]
        except QuerySyntaxError as exc:
            raise ToolRefused(str(exc)) from None

    def _shape(self, entity: str, records: list[dict[str, Any]], include: Sequence[str] | None) -> list[dict[str, Any]]:
        metadata = self.client.entity(entity).fields()
        selected = include or [str(f["name"]) for f in metadata]
        resolver = LabelResolver(metadata, selected, load_catalog(), self._names)
        rows = [dict(r) for r in records]
        resolver.apply(rows)
        return [shape_record(row, metadata, resolver.label_of) for row in rows]

    def _fetch_names(self, entity: str, fields: Sequence[str], ids: list[int]) -> list[dict[str, Any]]:
        flt = [{"op": "in", "field": "id", "value": ids}]
        return self.client.entity(entity).query(flt, fields=["id", *fields]).to_list()


_REPORT_ROWS = 500


def _split_text(row: Mapping[str, Any]) -> dict[str, Any]:
    """A report row with its text cells (company, resource, queue names…) under `untrusted`."""
    shaped = {k: v for k, v in row.items() if not isinstance(v, str)}
    texts = {k: v for k, v in row.items() if isinstance(v, str)}
    if texts:
        shaped["untrusted"] = texts
    return shaped


def _has_udfs(entity: str) -> bool:
    return bool(find_entity(entity).get("hasUdfs"))


def _encode_cursor(state: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(state)).decode("ascii")


def _decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        state = orjson.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
    except (binascii.Error, ValueError, UnicodeError):
        raise ToolRefused("that cursor is not one this server gave out; start the search again") from None
    if not isinstance(state, dict) or not {"entity", "filter", "fields", "after"} <= state.keys():
        raise ToolRefused("that cursor is not one this server gave out; start the search again")
    return state


# Re-exported for the server's instructions.
NOTICE = UNTRUSTED_NOTICE
