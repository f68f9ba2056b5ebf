"""Autotask webhooks: a receiver you can trust, typed events, and webhook management.

* `WebhookReceiver` — an ASGI app (uvicorn, or mounted in FastAPI/Starlette) that verifies
  ``X-Hook-Signature`` the way Autotask really signs, rejects everything unverified with 401, treats
  unsigned "Deactivated" notices as a hint to check with the API, acknowledges at once and runs your
  handler off the request path, once per (Guid, SequenceNumber).
* `WebhookEvent` / `parse_event` — entity, id, action, changed fields, event time.
* `sign` / `verify` / `autotask_form` — the signature scheme on its own.
* `create_webhook` / `list_webhooks` / `delete_webhook` — registration through the API.

Serving needs an ASGI server: ``pip install 'py-autotask[webhooks]'`` (uvicorn); the app itself has no
dependency beyond the core.
"""

from __future__ import annotations

from .events import ACTIONS, WEBHOOK_ENTITIES, Deduplicator, WebhookEvent, entity_tag, parse_event
from .manage import (
    CreatedWebhook,
    create_webhook,
    delete_webhook,
    generate_secret,
    list_webhooks,
    webhook_entity,
)
from .receiver import Deactivation, WebhookReceiver
from .signature import SIGNATURE_HEADER, autotask_form, sign, verify

__all__ = [
    "ACTIONS",
    "SIGNATURE_HEADER",
    "WEBHOOK_ENTITIES",
    "CreatedWebhook",
    "Deactivation",
    "Deduplicator",
    "WebhookEvent",
    "WebhookReceiver",
    "autotask_form",
    "create_webhook",
    "delete_webhook",
    "entity_tag",
    "generate_secret",
    "list_webhooks",
    "parse_event",
    "sign",
    "verify",
    "webhook_entity",
]
