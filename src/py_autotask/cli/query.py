"""`py-autotask query ENTITY [FILTER]`: records as a table on a terminal, CSV/NDJSON/JSON when piped."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
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
  py-autotask query Tickets "status=Complete" --fields id,status,companyID --labels

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
@click.option("--labels", is_flag=True, help="Add <field>_label beside picklist and reference fields (as export does).")
@click.option("--csv-raw", is_flag=True, help="CSV: write text exactly, even when it starts with =, +, -, @, "
              "tab or CR (by default such cells get a leading ' so spreadsheets do not run them as formulas).")
@pass_app
def query(app: AppContext, entity: str, filter_text: str | None, fields: str | None, limit: int | None,
          fmt: str | None, labels: bool, csv_raw: bool) -> None:
    """Print the ENTITY records that match FILTER (e.g. "status=1 and title~printer")."""
    from .._catalog import find_entity
    from ..query import QuerySyntaxError, check_repeats

    name = find_entity(entity)["name"]
    if fmt is None:
        fmt = "table" if sys.stdout.isatty() else "csv"
    chosen = [f.strip() for f in fields.split(",") if f.strip()] if fields else None
    try:  # before connecting, like every usage error; export --fields checks the same
        check_repeats(chosen or ())
    except QuerySyntaxError as exc:
        fail(f"--fields: {exc}", ExitCode.USAGE)
    ent = app.client().entity(name)
    metadata = ent.fields()
    udf_names = [str(u["name"]) for u in ent.udfs()] if find_entity(name).get("hasUdfs") else []
    columns, include = _columns(name, metadata, udf_names, chosen, table=fmt == "table")
    if fmt == "table" and limit is None:
        limit = TABLE_ROWS
    records: Iterable[dict[str, Any]] = ent.query(filter_text or None, fields=include, limit=limit)
    warnings: list[str] = []
    if labels:
        columns, records = _labelled(app, metadata, columns, records, warnings)
    if fmt == "table":
        _print_table(name, records, columns, limit)
    else:
        _stream(fmt, records, columns, udf_names, {"escape_formulas": False} if fmt == "csv" and csv_raw else {})
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)


def _labelled(app: AppContext, metadata: Sequence[Mapping[str, Any]], columns: list[Any],
              records: Iterable[dict[str, Any]], warnings: list[str]) -> tuple[list[Any], Iterator[dict[str, Any]]]:
    """Export's `--labels`: a `<field>_label` column after each picklist and reference column, filled a page at a time."""
    from .._catalog import load_catalog
    from ..export.labels import LabelResolver, ReferenceCache
    from ..export.writers import Column

    client = app.client()

    def fetch(entity: str, fields: Sequence[str], ids: list[int]) -> list[dict[str, Any]]:
        flt = [{"op": "in", "field": "id", "value": ids}]  # one request per 500 ids never seen before
        return client.entity(entity).query(flt, fields=["id", *fields], page_size=500).to_list()

    cache = ReferenceCache(fetch)
    resolver = LabelResolver(metadata, [c.name for c in columns], load_catalog(), cache)
    with_labels: list[Any] = []
    for column in columns:
        with_labels.append(column)
        if column.name in resolver.label_of:
            with_labels.append(Column(resolver.label_of[column.name], "string"))

    def labelled() -> Iterator[dict[str, Any]]:
        batch: list[dict[str, Any]] = []
        for record in records:
            batch.append(record)
            if len(batch) >= 500:
                resolver.apply(batch)
                yield from batch
                batch = []
        resolver.apply(batch)
        yield from batch
        warnings.extend(cache.warnings)

    return with_labels, labelled()


def _columns(entity: str, metadata: Sequence[Mapping[str, Any]], udf_names: Sequence[str],
             chosen: Sequence[str] | None, *, table: bool) -> tuple[list[Any], list[str] | None]:
    """The output columns and the IncludeFields to ask for (None: every field)."""
    from ..export.labels import display_fields
    from ..export.writers import Column
    from ..query import QuerySyntaxError, resolve_fields

    types = {str(f["name"]): str(f.get("dataType") or "string") for f in metadata}
    if chosen:
        try:  # the library's own check, so `--fields` and `query(fields=…)` accept and refuse the same names
            picked = resolve_fields(chosen, types, udf_names, entity=entity)
        except QuerySyntaxError as exc:
            fail(f"--fields: {exc}", ExitCode.USAGE)
        columns = [Column("udf:" + n.name) if n.udf else Column(n.name, _type(types[n.name])) for n in picked]
        return columns, [n.name for n in picked]
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


def _stream(fmt: str, records: Any, columns: Sequence[Any], udf_names: Sequence[str],
            options: Mapping[str, Any]) -> None:
    from ..export.writers import flatten_udfs, open_writer

    with open_writer(fmt, "-", columns, **options) as writer:
        batch: list[dict[str, Any]] = []
        for record in records:
            batch.append(flatten_udfs(record, udf_names) if udf_names else record)
            if len(batch) >= 500:
                writer.write_rows(batch)
                batch = []
        writer.write_rows(batch)
