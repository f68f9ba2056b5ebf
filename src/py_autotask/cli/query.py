"""`py-autotask query ENTITY [FILTER]`: records as a table on a terminal, CSV/NDJSON/JSON when piped."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any

import click

from ._common import AppContext, ExitCode, fail, pass_app, stdout_console

__all__ = ["query"]

TABLE_ROWS = 100  # a terminal table without --limit shows this many rows
TABLE_COLUMNS = 10  # ... and, without --fields, at most this many columns

_EPILOG = """\b
Examples:
  py-autotask query Tickets "status=1 and priority in (1,2)" --fields id,ticketNumber,title --limit 20
  py-autotask query Companies "companyName~acme" --format ndjson | jq .companyName
  py-autotask query Contacts --format csv > contacts.csv

\b
On a terminal the default is a table of at most 100 rows and a few columns (id, the name fields,
the required fields); piped, the default is CSV with every field, streamed page by page.
"""


@click.command("query", epilog=_EPILOG)
@click.argument("entity")
@click.argument("filter_text", metavar="[FILTER]", required=False)
@click.option("--fields", metavar="A,B,…", help="Fields to show, in this order (udf:Name for a UDF).")
@click.option("--limit", type=click.IntRange(min=0), metavar="N", help="At most N records.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "ndjson"]),
              help="Output format (default: table on a terminal, csv when piped).")
@pass_app
def query(app: AppContext, entity: str, filter_text: str | None, fields: str | None, limit: int | None,
          fmt: str | None) -> None:
    """Print the ENTITY records that match FILTER (e.g. "status=1 and title~printer")."""
    from .._catalog import find_entity

    name = find_entity(entity)["name"]
    if fmt is None:
        fmt = "table" if sys.stdout.isatty() else "csv"
    ent = app.client().entity(name)
    metadata = ent.fields()
    udf_names = [str(u["name"]) for u in ent.udfs()] if find_entity(name).get("hasUdfs") else []
    chosen = [f.strip() for f in fields.split(",") if f.strip()] if fields else None
    columns, include = _columns(metadata, udf_names, chosen, table=fmt == "table")
    if fmt == "table" and limit is None:
        limit = TABLE_ROWS
    records = ent.query(filter_text or None, fields=include, limit=limit)
    if fmt == "table":
        _print_table(name, records, columns, limit)
    else:
        _stream(fmt, records, columns, udf_names)


def _columns(metadata: Sequence[Mapping[str, Any]], udf_names: Sequence[str], chosen: Sequence[str] | None,
             *, table: bool) -> tuple[list[Any], list[str] | None]:
    """The output columns and the IncludeFields to ask for (None: every field)."""
    from ..export.labels import display_fields
    from ..export.writers import Column

    types = {str(f["name"]): str(f.get("dataType") or "string") for f in metadata}
    lower = {n.lower(): n for n in types}
    udf_lower = {n.lower(): n for n in udf_names}
    if chosen:
        columns, include = [], []
        for name in chosen:
            if name.lower().startswith("udf:") and name[4:].lower() in udf_lower:
                columns.append(Column("udf:" + udf_lower[name[4:].lower()]))
                include.append(udf_lower[name[4:].lower()])
            elif name.lower() in lower:
                real = lower[name.lower()]
                columns.append(Column(real, _type(types[real])))
                include.append(real)
            else:
                close = [n for n in types if n.lower().startswith(name.lower()[:3])][:3]
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                fail(f"--fields: unknown field {name!r}{hint}", ExitCode.USAGE)
        return columns, include
    if not table:
        columns = [Column(n, _type(t)) for n, t in types.items()]
        columns += [Column("udf:" + u) for u in udf_names]
        return columns, None
    # A readable table: id, the fields that name a record, then the required ones.
    names = ["id", *display_fields(types)]
    names += [str(f["name"]) for f in metadata if f.get("isRequired") and f["name"] not in names]
    names = [n for n in names if n in types][:TABLE_COLUMNS]
    return [Column(n, _type(types[n])) for n in names], names


def _type(data_type: str) -> str:
    from ..export.writers import DATA_TYPES

    return data_type if data_type in DATA_TYPES else "string"


def _print_table(entity: str, records: Any, columns: Sequence[Any], limit: int | None) -> None:
    from rich.table import Table

    from ..export.writers import flatten_udfs

    table = Table(title=entity, header_style="bold", show_lines=False)
    for column in columns:
        table.add_column(column.name, overflow="fold",
                         justify="right" if column.data_type in ("integer", "long", "double", "decimal") else "left")
    shown = 0
    for record in records:
        row = flatten_udfs(record) if "userDefinedFields" in record else record
        table.add_row(*[_cell(row.get(c.name)) for c in columns])
        shown += 1
    console = stdout_console()
    console.print(table)
    note = f"{shown} record(s)"
    if limit is not None and shown >= limit:
        note += f" (limited to {limit}; --limit N for more, --format csv for everything)"
    click.echo(note, err=True)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)


def _stream(fmt: str, records: Any, columns: Sequence[Any], udf_names: Sequence[str]) -> None:
    from ..export.writers import flatten_udfs, open_writer

    with open_writer(fmt, "-", columns) as writer:
        batch: list[dict[str, Any]] = []
        for record in records:
            batch.append(flatten_udfs(record, udf_names) if udf_names else record)
            if len(batch) >= 500:
                writer.write_rows(batch)
                batch = []
        writer.write_rows(batch)
