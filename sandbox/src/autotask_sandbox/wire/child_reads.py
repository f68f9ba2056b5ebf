"""Reads whose answer depends on the route they came through: attachment data and time-off balances.

* Attachment ``data`` (base64 file content) is returned only by the parent-scoped GET by id,
  ``GET /Tickets/{ticketId}/Attachments/{id}``; root queries, root GET by id and the parent's list answer
  ``"data": null`` (docs/autotask-facts.md#attachments; apigrate/autotask-restapi index.js: "This is the only
  attachment endpoint that returns the base64 encoded data. Other approaches yield `null`").
* That one GET's envelope is not settled by public sources (``SandboxConfig.attachment_envelope``):

  - ``"items_list"`` (default) ``{"items": [record]}`` — what django-autotask's production download code
    reads (``response.json()['items'][0]``, ``AttachmentInfoAPIClient.document_download``); its
    ``download_attachment`` only works with this shape;
  - ``"items_object"`` ``{"items": record}`` — apigrate's README comment
    (``ticketAttachment = { items: { id: …, data: "…" } }``), the same ``items`` key, written as an object;
  - ``"item"`` ``{"item": record}`` — the swagger, which declares the bare model for this route (and, as
    evidently wrong, also for the attachment list and DELETE).

* ``GET /Resources/{id}/TimeOffBalances/{year}`` addresses the balance by *year*, not by record id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .routing import Match

if TYPE_CHECKING:
    from ..backend.state import SandboxState

ENVELOPES = ("items_list", "items_object", "item")


def is_attachment(state: SandboxState, entity: str) -> bool:
    """Whether ``entity`` is an attachment entity (its rows carry base64 ``data``)."""
    return entity in state.store.attachments.entities


def hide_data(state: SandboxState, entity: str, items: list[dict]) -> list[dict]:
    """Null the ``data`` of attachment records read anywhere but the parent-scoped GET by id."""
    if is_attachment(state, entity):
        for item in items:
            if item.get("data") is not None:
                item["data"] = None
    return items


def find(state: SandboxState, match: Match, parent: tuple[str, int] | None) -> dict | None:
    """The record a GET-by-id route names (by ``id``, or by ``year`` under a resource), or None."""
    store = state.store
    entity = match.route.entity
    if "year" in match.params:
        if parent is None:
            return None
        scope = [
            {"op": "eq", "field": parent[0], "value": parent[1]},
            {"op": "eq", "field": "year", "value": match.params["year"]},
        ]
        items = store.query(entity, {"filter": scope}, page_size=1).items
        return items[0] if items else None
    record_id = match.params.get("id")
    return store.get(entity, record_id, parent=parent) if record_id is not None else None


def envelope(state: SandboxState, match: Match, record: dict) -> dict[str, Any]:
    """The body of a successful GET by id: ``{"item": …}``, or the attachment download's own shape."""
    if not is_attachment(state, match.route.entity):
        return {"item": record}
    if not match.route.child:
        record["data"] = None
        return {"item": record}
    shape = state.config.attachment_envelope
    if shape == "items_list":
        return {"items": [record]}
    if shape == "items_object":
        return {"items": record}
    return {"item": record}
