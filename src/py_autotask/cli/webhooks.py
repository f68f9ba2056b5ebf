"""`py-autotask webhooks create|list|delete` and `py-autotask listen`: Autotask webhooks end to end.

Secrets stay out of terminal output: `--secret-file FILE` reads the webhook's secret key from FILE, or —
when FILE does not exist yet — generates one and writes it there (mode 0600) for `listen` to read.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path
from typing import IO, Any

import click

from ._common import AppContext, ExitCode, fail, pass_app

__all__ = ["listen", "webhooks"]

SERVE_HINT = "pip install 'py-autotask[webhooks]'"
SECRET_ENV = "AUTOTASK_WEBHOOK_SECRET"


def _secret_from_file(path: Path, *, create: bool) -> tuple[str, bool]:
    """(secret, generated) from ``path``; a missing file is created with a new secret when ``create``."""
    from ..webhooks import generate_secret

    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        if not create:
            fail(f"no secret file at {path}", ExitCode.USAGE)
        secret = generate_secret()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secret + "\n")
        return secret, True
    if not text:
        fail(f"the secret file {path} is empty", ExitCode.USAGE)
    return text, False


@click.group("webhooks", epilog=(
    "Example: py-autotask webhooks create Tickets --url https://hooks.example.com/autotask "
    "--field status --field title --always-field ticketNumber --secret-file ticket-hook.secret"))
def webhooks() -> None:
    """Register, list and delete Autotask webhooks (Companies, Contacts, ConfigurationItems, Tickets, TicketNotes)."""


@webhooks.command("create")
@click.argument("entity")
@click.option("--url", required=True, help="Callout URL (https in production).")
@click.option("--secret-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Read the secret key from FILE, or generate one into FILE (mode 0600) if it does not exist.")
@click.option("--secret", envvar=SECRET_ENV, help=f"The secret key itself (env {SECRET_ENV}); prefer --secret-file.")
@click.option("--field", "fields", multiple=True, metavar="NAME",
              help="Subscribed field: its change triggers an update callout (repeatable).")
@click.option("--always-field", "always", multiple=True, metavar="NAME", help="Field sent with every callout.")
@click.option("--udf-field", "udfs", multiple=True, metavar="NAME", help="Subscribed user-defined field.")
@click.option("--exclude-resource", "excluded", multiple=True, type=int, metavar="RESOURCE_ID",
              help="Resource whose changes send no callout (repeatable).")
@click.option("--deactivation-url", help="Where Autotask reports the webhook's deactivation (default: --url).")
@click.option("--events", default="create,update,delete", show_default=True, help="Which events to send.")
@click.option("--name", help="Webhook name (at most 50 characters).")
@click.option("--notification-email", help="Address told when the threshold is exceeded.")
@pass_app
def create(app: AppContext, entity: str, url: str, secret_file: Path | None, secret: str | None,
           fields: tuple[str, ...], always: tuple[str, ...], udfs: tuple[str, ...], excluded: tuple[int, ...],
           deactivation_url: str | None, events: str, name: str | None, notification_email: str | None) -> None:
    """Create a webhook for ENTITY with at least one field; prints its id and GUID as JSON."""
    from ..webhooks import create_webhook

    if secret and secret_file:
        raise click.BadParameter("give --secret or --secret-file, not both", param_hint="--secret")
    if not (secret or secret_file):
        fail("give --secret-file FILE (a new secret is generated there) or --secret", ExitCode.USAGE)
    if not (fields or always or udfs):
        fail("a webhook needs at least one field (--field, --always-field or --udf-field) "
             "before Autotask marks it ready", ExitCode.USAGE)
    generated = False
    if secret_file is not None:
        secret, generated = _secret_from_file(secret_file, create=True)
    chosen = [e.strip().capitalize() for e in events.split(",") if e.strip()]
    try:
        created = create_webhook(app.client(), entity, url=url, secret=secret, fields=fields, always_fields=always,
                                 udf_fields=udfs, excluded_resources=excluded, name=name,
                                 deactivation_url=deactivation_url, events=chosen,
                                 notification_email=notification_email)
    except ValueError as exc:
        if generated and secret_file is not None:
            secret_file.unlink(missing_ok=True)
        fail(str(exc), ExitCode.USAGE)
    click.echo(json.dumps({"entity": created.entity, "webhook_entity": created.webhook_entity, "id": created.id,
                           "guid": created.guid, "field_ids": list(created.field_ids),
                           "udf_field_ids": list(created.udf_field_ids)}))
    if generated:
        click.echo(f"secret key written to {secret_file} (give it to `py-autotask listen --secret-file`)", err=True)


@webhooks.command("list")
@click.argument("entity")
@pass_app
def list_(app: AppContext, entity: str) -> None:
    """Print ENTITY's webhooks as NDJSON (never their secret keys)."""
    from ..webhooks import list_webhooks

    try:
        rows = list_webhooks(app.client(), entity)
    except ValueError as exc:
        fail(str(exc), ExitCode.USAGE)
    for row in rows:
        click.echo(json.dumps(row, ensure_ascii=False, default=str))


@webhooks.command("delete")
@click.argument("entity")
@click.argument("webhook_ids", nargs=-1, required=True, type=int)
@pass_app
def delete(app: AppContext, entity: str, webhook_ids: tuple[int, ...]) -> None:
    """Delete webhooks of ENTITY by id (their fields and exclusions go with them)."""
    from ..webhooks import delete_webhook

    for webhook_id in webhook_ids:
        try:
            click.echo(delete_webhook(app.client(), entity, webhook_id))
        except ValueError as exc:
            fail(str(exc), ExitCode.USAGE)


def _seen_keys(path: Path) -> list[tuple[str, int]]:
    """(guid, sequence) of the events an earlier run already wrote, so a restart does not repeat them."""
    keys = []
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                try:
                    doc = json.loads(line)
                    keys.append((str(doc["guid"]), int(doc["sequence"])))
                except (ValueError, KeyError, TypeError):
                    continue
    except FileNotFoundError:
        pass
    return keys


@click.command("listen", epilog="Example: py-autotask listen --port 8080 --secret-file ticket-hook.secret -o events.ndjson")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (0.0.0.0: all).")
@click.option("--port", type=click.IntRange(0, 65535), required=True, help="Port (0: any free port).")
@click.option("--secret-file", "secret_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File holding a webhook's secret key (repeatable: one per webhook).")
@click.option("--secret", "secrets", multiple=True, help=f"A secret key itself (env {SECRET_ENV}).")
@click.option("-o", "--output", default="-", show_default=True, help="NDJSON file to append events to, or - for stdout.")
@click.option("--fetch-records", is_flag=True, help="Add each event's full record (uses the API credentials).")
@click.option("--confirm-deactivations", is_flag=True,
              help="Check Deactivated notices with the API and write confirmed ones (uses the API credentials).")
@pass_app
def listen(app: AppContext, host: str, port: int, secret_files: tuple[Path, ...], secrets: tuple[str, ...],
           output: str, fetch_records: bool, confirm_deactivations: bool) -> None:
    """Receive Autotask webhook callouts and write one verified event per line (NDJSON).

    Unverified callouts are answered 401 and never written; repeats of an event are written once."""
    try:
        import uvicorn
    except ImportError:
        fail(f"listen needs an ASGI server: {SERVE_HINT}", ExitCode.ERROR)
    from ..webhooks import Deactivation, Deduplicator, WebhookEvent, WebhookReceiver

    keys = list(secrets) or [s for s in os.environ.get(SECRET_ENV, "").split() if s]
    keys += [_secret_from_file(path, create=False)[0] for path in secret_files]
    if not keys:
        fail(f"give the webhook's secret key: --secret-file FILE, --secret or {SECRET_ENV}", ExitCode.USAGE)
    dedupe = Deduplicator()
    sink: IO[str]
    if output == "-":
        sink = sys.stdout
    else:
        for key in _seen_keys(Path(output)):
            dedupe.first_time(key)
        sink = open(output, "a", encoding="utf-8")  # noqa: SIM115  (closed when the server stops)

    def write(doc: dict[str, Any]) -> None:
        sink.write(json.dumps(doc, ensure_ascii=False, default=str) + "\n")
        sink.flush()

    def on_event(event: WebhookEvent) -> None:
        write(event.to_dict())

    def on_deactivated(found: Deactivation) -> None:
        write({"entity": found.entity, "action": "Deactivated", "webhook_entity": found.webhook_entity,
               "webhook_id": found.webhook_id, "guid": found.guid, "name": found.name, "confirmed": True})

    client = app.client() if (fetch_records or confirm_deactivations) else None
    receiver = WebhookReceiver(keys, on_event, client=client, fetch_records=fetch_records,
                               on_deactivated=on_deactivated if confirm_deactivations else None, dedupe=dedupe)
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)  # connections queue from here on, before the server loop has started
    bound = sock.getsockname()[1]
    click.echo(f"listening on http://{host}:{bound}/ (Ctrl-C to stop)", err=True)
    server = uvicorn.Server(uvicorn.Config(receiver, log_level="warning", lifespan="on", access_log=False))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        if sink is not sys.stdout:
            sink.close()
