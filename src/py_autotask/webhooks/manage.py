"""Register, list and delete webhooks through the API (what `py-autotask webhooks …` runs).

A webhook is a ``<Entity>Webhooks`` record plus children: ``Fields`` (which fields trigger an update
callout — "subscribed" — and which are always sent — "display always"), ``UdfFields`` (the same for
user-defined fields; TicketNotes have none) and ``ExcludedResources`` (resources whose changes send
nothing). Autotask marks a webhook ready only once it has a callout field
(https://ww1.autotask.net/help/DeveloperHelp/Content/APIs/Webhooks/REST_WebhookFieldsEntity.htm), so
:func:`create_webhook` refuses to create one without, and deletes the webhook again if adding a child
fails — no half-configured webhook is left behind. Field names are matched against the tenant's
``fieldID`` / ``udfFieldID`` picklists by label, ignoring case, spaces and underscores ("ticketNumber",
"Ticket Number" and "TicketNumber" are the same field); numbers are taken as field ids.
"""

from __future__ import annotations

import difflib
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._catalog import find_entity
from .events import WEBHOOK_ENTITIES

__all__ = ["CreatedWebhook", "create_webhook", "delete_webhook", "generate_secret", "list_webhooks",
           "webhook_entity"]

EVENTS = ("Create", "Update", "Delete")
SECRET_KEY_LENGTH = 64  # the secretKey field's maximum length


@dataclass(frozen=True)
class CreatedWebhook:
    """A new webhook: its id and GUID (the ``Guid`` of its callouts), and the secret it signs with."""

    entity: str
    webhook_entity: str
    id: int
    guid: str | None
    secret: str = field(repr=False)
    field_ids: tuple[int, ...] = ()
    udf_field_ids: tuple[int, ...] = ()


def webhook_entity(entity: str) -> str:
    """The webhook registration entity of a watched entity ("Tickets" -> "TicketWebhooks")."""
    tag = str(find_entity(entity)["name"])
    if tag in WEBHOOK_ENTITIES.values():
        return tag
    found = WEBHOOK_ENTITIES.get(tag)
    if found is None:
        raise ValueError(f"Autotask sends no webhooks for {tag}; it does for {', '.join(WEBHOOK_ENTITIES)}")
    return found


def generate_secret() -> str:
    """A random secret key (URL-safe, 43 characters: 256 bits)."""
    return secrets.token_urlsafe(32)


def _norm(label: object) -> str:
    return re.sub(r"[\s_]", "", str(label)).lower()


def _resolve(client: Any, child: str, picklist_field: str, names: Iterable[str | int]) -> list[int]:
    wanted = list(names)
    if not wanted:
        return []
    entries = client.entity(child).picklist(picklist_field)
    by_label = {_norm(e["label"]): int(e["value"]) for e in entries}
    ids = []
    for name in wanted:
        text = str(name).strip()
        if text.isdigit():
            ids.append(int(text))
            continue
        value = by_label.get(_norm(text))
        if value is None:
            close = difflib.get_close_matches(_norm(text), list(by_label), n=3)
            labels = {_norm(e["label"]): e["label"] for e in entries}
            hint = f"; did you mean {', '.join(labels[c] for c in close)}?" if close else ""
            raise ValueError(f"{text!r} is not a webhook field of {child[: -len('WebhookFields')] or child}{hint}")
        ids.append(value)
    return ids


def create_webhook(
    client: Any,
    entity: str,
    *,
    url: str,
    fields: Sequence[str | int] = (),
    always_fields: Sequence[str | int] = (),
    udf_fields: Sequence[str | int] = (),
    excluded_resources: Sequence[int] = (),
    secret: str | None = None,
    name: str | None = None,
    deactivation_url: str | None = None,
    events: Sequence[str] = EVENTS,
    notification_email: str | None = None,
    active: bool = True,
) -> CreatedWebhook:
    """Create an active webhook with its fields and excluded resources (sync client)."""
    hooks = webhook_entity(entity)
    stem = hooks[: -len("Webhooks")]
    bad = [e for e in events if e not in EVENTS]
    if bad or not events:
        raise ValueError(f"events must be among {', '.join(EVENTS)} (got {', '.join(events) or 'none'})")
    if not (fields or always_fields or udf_fields):
        raise ValueError("a webhook needs at least one field (subscribed, display-always or UDF) "
                         "before Autotask marks it ready")
    if secret is not None and not 1 <= len(secret) <= SECRET_KEY_LENGTH:
        raise ValueError(f"the secret key must be 1 to {SECRET_KEY_LENGTH} characters")
    # Resolve every name before creating anything: a typo must not leave a webhook behind.
    subscribed = _resolve(client, f"{stem}WebhookFields", "fieldID", fields)
    always = _resolve(client, f"{stem}WebhookFields", "fieldID", always_fields)
    udfs = _resolve(client, f"{stem}WebhookUdfFields", "udfFieldID", udf_fields) if udf_fields else []
    key = secret or generate_secret()
    body = {
        "name": (name or f"py-autotask {stem} webhook")[:50],
        "webhookUrl": url,
        "deactivationUrl": deactivation_url or url,
        "secretKey": key,
        "isActive": active,
        "isSubscribedToCreateEvents": "Create" in events,
        "isSubscribedToUpdateEvents": "Update" in events,
        "isSubscribedToDeleteEvents": "Delete" in events,
        "sendThresholdExceededNotification": bool(notification_email),
    }
    if notification_email:
        body["notificationEmailAddress"] = notification_email
    hook_id = int(client.entity(hooks).create(body))
    try:
        for field_id in dict.fromkeys(subscribed + always):
            client.entity(f"{stem}WebhookFields").create(
                {"fieldID": field_id, "isSubscribedField": field_id in subscribed,
                 "isDisplayAlwaysField": field_id in always}, parent_id=hook_id)
        for udf_id in udfs:
            client.entity(f"{stem}WebhookUdfFields").create(
                {"udfFieldID": udf_id, "isSubscribedField": True, "isDisplayAlwaysField": False}, parent_id=hook_id)
        for resource_id in excluded_resources:
            client.entity(f"{stem}WebhookExcludedResources").create({"resourceID": int(resource_id)},
                                                                  parent_id=hook_id)
    except Exception:
        client.entity(hooks).delete(hook_id)
        raise
    created = client.entity(hooks).get(hook_id) or {}
    watched = next(tag for tag, table in WEBHOOK_ENTITIES.items() if table == hooks)
    return CreatedWebhook(watched, hooks, hook_id, created.get("webhookGUID"), key,
                          tuple(dict.fromkeys(subscribed + always)), tuple(udfs))


def list_webhooks(client: Any, entity: str) -> list[dict[str, Any]]:
    """The webhooks registered for ``entity`` (the secret key left out)."""
    hooks = webhook_entity(entity)
    rows = client.entity(hooks).query([{"op": "gte", "field": "id", "value": 0}])
    return [{k: v for k, v in row.items() if k != "secretKey"} for row in rows]


def delete_webhook(client: Any, entity: str, webhook_id: int) -> int:
    """Delete one webhook (its fields and excluded resources go with it)."""
    return int(client.entity(webhook_entity(entity)).delete(int(webhook_id)))
