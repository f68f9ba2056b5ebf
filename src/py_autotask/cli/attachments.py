"""`py-autotask attachments download|upload|list`: attachments (and invoice PDFs) as files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._common import AppContext, ExitCode, fail, pass_app

if TYPE_CHECKING:
    from .._client import AutotaskClient

__all__ = ["attachments"]


def _ids(values: tuple[str, ...]) -> list[int]:
    found = []
    for value in values:
        for part in value.replace(" ", ",").split(","):
            if part:
                try:
                    found.append(int(part))
                except ValueError:
                    raise click.BadParameter(f"{part!r} is not a record id", param_hint="--id") from None
    return found


def _parent_ids(client: AutotaskClient, parent: str, filter_text: str | None, ids: list[int]) -> list[int]:
    """The parent records to take: the given ids (narrowed by the filter if both), else the filter's matches."""
    if ids and not filter_text:
        return ids
    records = client.entity(parent).query(filter_text or [{"op": "gte", "field": "id", "value": 0}], fields=["id"])
    matched = [int(r["id"]) for r in records]
    return [i for i in matched if i in set(ids)] if ids else matched


@click.group("attachments", epilog="Example: py-autotask attachments download Tickets --filter 'status=1' -o files/")
def attachments() -> None:
    """Download, upload and list attachments (and invoice PDFs)."""


@attachments.command("download", epilog=(
    "Layout: DIR/<parent id>/<attachment id>-<name>, and DIR/manifest.ndjson (parent, attachment id, name, "
    "content type, size, sha256). Run it again to resume: listed files are not fetched again. "
    "PARENT_ENTITY Invoices saves each invoice's PDF."))
@click.argument("parent_entity")
@click.option("--filter", "filter_text", metavar="FILTER", help="Which parent records (default: all).")
@click.option("--id", "ids", multiple=True, metavar="ID[,ID…]", help="Parent record ids (repeatable).")
@click.option("-o", "--output", "output", required=True, type=click.Path(file_okay=False), help="Target directory.")
@click.option("--workers", type=click.IntRange(1, 3), default=3, show_default=True,
              help="Parallel downloads (Autotask allows 3 concurrent requests per endpoint).")
@click.option("-q", "--quiet", is_flag=True, help="No per-file lines on stderr.")
@pass_app
def download(app: AppContext, parent_entity: str, filter_text: str | None, ids: tuple[str, ...], output: str,
             workers: int, quiet: bool) -> None:
    """Save the attachments of PARENT_ENTITY records into one folder per parent."""
    from .._catalog import find_entity
    from ..attachments import Attachments, FolderDownload, attachment_jobs, attachment_route, invoice_jobs

    parent = find_entity(parent_entity)["name"]
    if parent != "Invoices":
        attachment_route(parent)  # unknown parent types fail before any request
    client = app.client()
    files = Attachments(client)
    parents = _parent_ids(client, parent, filter_text, _ids(ids))
    jobs = invoice_jobs(files, parents) if parent == "Invoices" else attachment_jobs(files, files.iter(parent, parents))

    def report(job: Any, entry: dict[str, Any] | None, error: str | None) -> None:
        if error:
            click.echo(f"failed {job.entity} {job.item_id} of {job.parent} {job.parent_id}: {error}", err=True)
        elif not quiet and entry:
            click.echo(f"{entry['path']}  {entry['size']} bytes", err=True)

    result = FolderDownload(output, workers=workers, on_file=report).run(jobs)
    click.echo(f"{result.downloaded} downloaded ({result.bytes} bytes), {result.skipped} already present, "
               f"{len(result.failed)} failed, from {len(parents)} {parent} -> {Path(output)}", err=True)
    if result.failed:
        fail(f"{len(result.failed)} file(s) failed; run the command again to retry them", ExitCode.PARTIAL)


@attachments.command("upload")
@click.argument("parent_entity")
@click.argument("parent_id", type=int)
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--title", help="Title of the attachment (default: the file name; one FILE only).")
@click.option("--publish", type=int, default=1, show_default=True, help="Publish picklist value (1: all users).")
@pass_app
def upload(app: AppContext, parent_entity: str, parent_id: int, files: tuple[Path, ...], title: str | None,
           publish: int) -> None:
    """Attach FILE… to one PARENT_ENTITY record; prints each new attachment id and file name.

    Every file's size is checked before the first is sent; uploads wait when Autotask's 10,000,000 bytes
    per 5 minutes would be crossed."""
    from ..attachments import MAX_FILE_BYTES, Attachments, attachment_route

    route = attachment_route(parent_entity)
    if title and len(files) > 1:
        raise click.BadParameter("--title needs exactly one FILE", param_hint="--title")
    too_big = [f"{p} ({p.stat().st_size} bytes)" for p in files if p.stat().st_size > MAX_FILE_BYTES]
    if too_big:
        fail(f"over the {MAX_FILE_BYTES}-byte attachment limit, nothing sent: {', '.join(too_big)}", ExitCode.USAGE)
    uploader = Attachments(app.client())
    for path in files:
        new_id = uploader.upload(route.parent, parent_id, path, title=title, publish=publish)
        click.echo(f"{new_id}\t{path.name}")


@attachments.command("list")
@click.argument("parent_entity")
@click.option("--filter", "filter_text", metavar="FILTER", help="Which parent records (default: all).")
@click.option("--id", "ids", multiple=True, metavar="ID[,ID…]", help="Parent record ids (repeatable).")
@pass_app
def list_(app: AppContext, parent_entity: str, filter_text: str | None, ids: tuple[str, ...]) -> None:
    """Print the attachments of PARENT_ENTITY records as NDJSON (no file data)."""
    import json

    from ..attachments import Attachments, attachment_route

    route = attachment_route(parent_entity)
    client = app.client()
    parents = _parent_ids(client, route.parent, filter_text, _ids(ids))
    for ref in Attachments(client).iter(route.parent, parents):
        click.echo(json.dumps({"parent": ref.parent, "parent_id": ref.parent_id, "attachment_id": ref.id,
                               "name": ref.file_name, "title": ref.title, "content_type": ref.content_type,
                               "size": ref.size, "attach_date": ref.attach_date}, ensure_ascii=False))
