"""`py-autotask entities`: every entity of the API with what it supports (from the catalogue; no request)."""

from __future__ import annotations

import fnmatch
import sys
from typing import Any

import click

from .._catalog import capabilities, parent_only
from ._common import stdout_console

__all__ = ["entities"]

_KINDS = ("query", "count", "get", "create", "update", "replace", "delete", "under-parent")


@click.command("entities", epilog="Examples: py-autotask entities 'Ticket*'   py-autotask entities --can create --can delete")
@click.argument("pattern", required=False)
@click.option("--can", "needs", multiple=True, type=click.Choice(_KINDS),
              help="Only entities that support this (repeat for several).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]),
              help="Output format (default: table on a terminal, csv when piped).")
def entities(pattern: str | None, needs: tuple[str, ...], fmt: str | None) -> None:
    """List the API's entities (optionally matching PATTERN, e.g. 'Contract*') with their capabilities."""
    from .._catalog import load_catalog

    rows: list[dict[str, Any]] = []
    for name, entry in sorted(load_catalog().items()):
        if pattern and not fnmatch.fnmatchcase(name.lower(), pattern.lower()):
            continue
        caps = capabilities(entry)
        if not set(needs) <= set(caps):
            continue
        parents = sorted({c["parent"] for c in entry.get("children", [])})
        rows.append({"entity": name, "capabilities": caps, "parent_only": sorted(parent_only(entry)),
                     "udfs": bool(entry.get("hasUdfs")), "parents": parents})
    if fmt is None:
        fmt = "table" if sys.stdout.isatty() else "csv"
    if fmt == "json":
        import json

        click.echo(json.dumps(rows, indent=2))
    elif fmt == "csv":
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["entity", *_KINDS, "udfs", "parents"])
        for row in rows:
            writer.writerow([row["entity"], *(_mark(row, k, "yes", "under parent") for k in _KINDS),
                             "yes" if row["udfs"] else "", " ".join(row["parents"])])
    else:
        from rich.table import Table

        table = Table(header_style="bold", title=f"{len(rows)} entities")
        table.add_column("entity")
        for kind in _KINDS:
            table.add_column(kind if kind != "under-parent" else "parent", justify="center")
        table.add_column("udfs", justify="center")
        for row in rows:
            table.add_row(row["entity"], *(_mark(row, k, "✓", "↳") for k in _KINDS[:-1]),
                          ", ".join(row["parents"]), "✓" if row["udfs"] else "")
        stdout_console().print(table)
        if any(row["parent_only"] for row in rows):
            click.echo("↳ only under a parent: pass the parent's id (parent_id=, or its foreign key in the "
                       "record), e.g. /Tickets/{id}/Notes", err=True)


def _mark(row: dict, kind: str, yes: str, under_parent: str) -> str:
    if kind not in row["capabilities"]:
        return ""
    return under_parent if kind in row["parent_only"] else yes
