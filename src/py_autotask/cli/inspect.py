"""`py-autotask inspect ENTITY`: fields, picklists, UDFs, capabilities and routes of one entity."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any

import click

from .._catalog import capabilities
from ._common import AppContext, pass_app, stdout_console
from .test_cmd import access_label

__all__ = ["inspect"]


@click.command("inspect", epilog="Example: py-autotask inspect Tickets --picklists")
@click.argument("entity")
@click.option("--picklists/--no-picklists", default=True, show_default=True, help="List every picklist value.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]),
              help="Output format (default: text on a terminal, json when piped).")
@pass_app
def inspect(app: AppContext, entity: str, picklists: bool, fmt: str | None) -> None:
    """Describe ENTITY: fields (type, required, read-only, reference), picklists, UDFs, capabilities, routes."""
    from .._catalog import find_entity, load_catalog
    from ..export.labels import reference_entity

    entry = find_entity(entity)
    name = entry["name"]
    ent = app.client().entity(name)
    has_metadata = "fields" in entry.get("ops", ())
    # Each reference also names today's entity (Companies) beside the legacy name the metadata carries (Account).
    fields = [({**f, "referenceEntity": reference_entity(str(f["referenceEntityType"]), load_catalog())}
               if f.get("isReference") and f.get("referenceEntityType") else f)
              for f in (ent.fields() if has_metadata else [])]
    udfs = ent.udfs() if entry.get("hasUdfs") and "userDefinedFields" in entry.get("ops", ()) else []
    info = ent.info() if "entityInformation" in entry.get("ops", ()) else {}
    parents = entry.get("children", [])
    children = [{"child": other["name"], "path": route["path"]} for other in load_catalog().values()
                for route in other.get("children", []) if route.get("parent") == name]
    if fmt is None:
        fmt = "text" if sys.stdout.isatty() else "json"
    if fmt == "json":
        import json

        click.echo(json.dumps({"entity": name, "legacy": entry.get("legacy"), "path": entry.get("path"),
                               "capabilities": capabilities(entry), "info": info, "fields": fields, "udfs": udfs,
                               "parentRoutes": parents, "childRoutes": children}, indent=2, default=str))
        return
    _print_text(name, entry, info, fields, udfs, parents, children, picklists)


def _print_text(name: str, entry: Mapping[str, Any], info: Mapping[str, Any], fields: Sequence[Mapping[str, Any]],
                udfs: Sequence[Mapping[str, Any]], parents: Sequence[Mapping[str, Any]],
                children: Sequence[Mapping[str, Any]], picklists: bool) -> None:
    from rich.table import Table

    console = stdout_console()
    console.print(f"[bold]{name}[/bold]  (legacy name {entry.get('legacy')}, {entry.get('path')})")
    console.print(f"capabilities: {', '.join(capabilities(entry)) or 'none'}")
    if info:
        access = ", ".join(f"{kind} {access_label(info.get('userAccessFor' + kind.title()))}"
                           for kind in ("query", "create", "update", "delete"))
        console.print(f"this API user may: {access}; webhooks: {'yes' if info.get('supportsWebhookCallouts') else 'no'}")
    for route in parents:
        console.print(f"under parent {route['parent']}: {route['path']} ({', '.join(route.get('ops', []))})")
    for route in children:
        console.print(f"child {route['child']}: {route['path']}")

    by_name = {str(f.get("name")): f for f in fields}
    table = Table(title=f"{len(fields)} fields", header_style="bold")
    for header in ("field", "type", "req", "ro", "query", "reference / picklist"):
        table.add_column(header)
    for field in fields:
        extra = ""
        if field.get("isReference"):
            extra = f"→ {field.get('referenceEntity') or field.get('referenceEntityType')}"
        elif field.get("isPickList"):
            count = len(field.get("picklistValues") or [])
            parent = field.get("picklistParentValueField")
            extra = f"picklist ({count})" + (f", depends on {parent}" if parent else "")
        table.add_row(str(field.get("name")), str(field.get("dataType")), _flag(field.get("isRequired")),
                      _flag(field.get("isReadOnly")), _flag(field.get("isQueryable")), extra)
    console.print(table)
    if picklists:
        for field in fields:
            if field.get("isPickList") and field.get("picklistValues"):
                console.print(_picklist_table(field, by_name))
    if udfs:
        table = Table(title=f"{len(udfs)} user-defined fields", header_style="bold")
        for header in ("name", "label", "type", "req", "picklist"):
            table.add_column(header)
        for udf in udfs:
            values = udf.get("picklistValues") or []
            table.add_row(str(udf.get("name")), str(udf.get("label") or ""), str(udf.get("type") or udf.get("dataType")),
                          _flag(udf.get("isRequired")), ", ".join(str(v.get("label")) for v in values[:8])
                          + (" …" if len(values) > 8 else ""))
        console.print(table)


def _picklist_table(field: Mapping[str, Any], by_name: Mapping[str, Mapping[str, Any]]) -> Any:
    """A picklist's values; a dependent picklist is grouped under its parent's labels."""
    from rich.table import Table

    values = sorted(field.get("picklistValues") or [], key=lambda v: (str(v.get("parentValue") or ""),
                                                                     v.get("sortOrder") or 0))
    parent_name = str(field.get("picklistParentValueField") or "")
    parent = next((f for n, f in by_name.items() if n.lower() == parent_name.lower()), None)
    parent_labels = {str(v.get("value")): str(v.get("label")) for v in (parent or {}).get("picklistValues") or []}
    title = f"{field.get('name')} picklist" + (f" (under {parent.get('name')})" if parent else "")
    table = Table(title=title, header_style="bold", title_justify="left")
    if parent:
        table.add_column(str(parent.get("name")))
    for header in ("value", "label", "active", "default"):
        table.add_column(header)
    previous = None
    for value in values:
        cells = [str(value.get("value")), str(value.get("label")), _flag(value.get("isActive")),
                 _flag(value.get("isDefaultValue"))]
        if parent:
            key = str(value.get("parentValue") or "")
            shown = f"{parent_labels.get(key, key)} ({key})" if key != previous else ""
            previous = key
            cells.insert(0, shown)
        table.add_row(*cells)
    return table


def _flag(value: Any) -> str:
    return "✓" if value else ""
