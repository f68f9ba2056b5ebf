"""Entity metadata: `entityInformation`, field definitions, UDF definitions, picklists (cached).

Autotask's picklists (ticket status, priority, queue …) differ per tenant, so they are read from
`entityInformation/fields` and never hard-coded. Fetches go through the layered cache (zone and metadata
are cached by default; `force=True` refreshes). Lookups accept a field's camelCase name in any case or
its snake_case form. Picklist values are strings on the wire even for integer fields; `value()` returns
them converted to the field's data type so they can be put straight into a filter or a record.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from ._core.config import ClientConfig
from ._core.flow import Flow, cached_flow, request_flow, root_flow
from ._core.requests import Call
from ._core.routes import EntitySpec
from ._core.runtime import Runtime
from .cache import ENTITY_INFO_TTL, FIELDS_TTL, UDF_TTL, metadata_key

__all__ = ["MetadataKind", "find_field", "label_for", "metadata_flow", "picklist_values", "value_for"]

# kind -> (catalogue action, TTL, response envelope key)
#: The kinds of entity metadata: `entityInformation`, its `fields` and its `userDefinedFields`.
MetadataKind = Literal["info", "fields", "udfs"]

_KINDS = {
    "info": ("entityInformation", ENTITY_INFO_TTL, "info"),
    "fields": ("fields", FIELDS_TTL, "fields"),
    "udfs": ("userDefinedFields", UDF_TTL, "fields"),
}


def metadata_flow(spec: EntitySpec, kind: str, config: ClientConfig, rt: Runtime, *, force: bool = False) -> Flow:
    """Fetch (or read from cache) one kind of metadata of an entity: `info`, `fields` or `udfs`."""
    action, ttl, envelope = _KINDS[kind]
    route = spec.metadata_route(action)  # raises UnsupportedOperationError before any request
    yield from root_flow(config, rt)  # the cache namespace depends on the tenant's API root
    key = metadata_key(rt.namespace(config), kind, spec.name)

    def fetch() -> Flow:
        call = Call(route.method, route.path, kind="metadata", endpoint=spec.name)
        payload = yield from request_flow(call, config, rt)
        value = payload.get(envelope) if isinstance(payload, dict) else None
        return value if value is not None else ({} if kind == "info" else [])

    return (yield from cached_flow(rt, key, ttl, fetch, force=force))


def _norm(name: str) -> str:
    return name.replace("_", "").lower()


def find_field(fields: Sequence[dict[str, Any]], name: str, *, entity: str = "") -> dict[str, Any]:
    """The field definition named `name` (camelCase in any case, or snake_case); KeyError if unknown."""
    wanted = _norm(name)
    for field in fields:
        if _norm(str(field.get("name", ""))) == wanted:
            return field
    names = [str(f.get("name")) for f in fields]
    import difflib  # only for the error message

    close = difflib.get_close_matches(name, names, n=3) or difflib.get_close_matches(
        wanted, [n.lower() for n in names], n=3
    )
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise KeyError(f"{entity or 'the entity'} has no field {name!r}{hint}")


def picklist_values(field: dict[str, Any], *, active_only: bool = False) -> list[dict[str, Any]]:
    """A field's picklist entries in sort order (ValueError if the field is not a picklist)."""
    if not field.get("isPickList"):
        raise ValueError(f"field {field.get('name')!r} is not a picklist")
    values = [v for v in field.get("picklistValues") or [] if not active_only or v.get("isActive", True)]
    return sorted(values, key=lambda v: (v.get("sortOrder") or 0, str(v.get("label") or "")))


def label_for(field: dict[str, Any], value: Any) -> str | None:
    """The label of a stored picklist value (None for an empty value); KeyError if it is not in the list."""
    if value is None or value == "":
        return None
    wanted = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    for entry in picklist_values(field):
        if str(entry.get("value")) == wanted:
            return entry.get("label")
    raise KeyError(f"{value!r} is not a value of picklist {field.get('name')!r}")


def value_for(field: dict[str, Any], label: str) -> Any:
    """The value behind a picklist label (case-insensitive, active entries preferred), typed like the field."""
    wanted = label.strip().lower()
    matches = [e for e in picklist_values(field) if str(e.get("label", "")).strip().lower() == wanted]
    if not matches:
        labels = [str(e.get("label")) for e in picklist_values(field, active_only=True)]
        import difflib  # only for the error message

        close = difflib.get_close_matches(label, labels, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"{label!r} is not a label of picklist {field.get('name')!r}{hint}")
    matches.sort(key=lambda e: not e.get("isActive", True))
    return _typed(matches[0].get("value"), str(field.get("dataType") or ""))


def _typed(value: Any, data_type: str) -> Any:
    """Convert a wire picklist value (always a string) to the field's data type."""
    if value is None:
        return None
    try:
        if data_type in ("integer", "long", "short", "byte"):
            return int(value)
        if data_type in ("double", "decimal", "float"):
            return float(value)
    except (TypeError, ValueError):
        return value
    if data_type == "boolean" and isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return value
