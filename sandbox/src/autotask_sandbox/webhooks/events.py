"""Webhook callouts (docs/autotask-facts.md#webhooks): which registered webhooks a write triggers, and their payloads.

A create/update/delete through the API of a Company, Contact, ConfigurationItem, Ticket or TicketNote is
checked against the entity's ``<Entity>Webhooks`` rows (plain CRUD tables of the store). A webhook fires
when it is active, subscribed to the event, and the acting resource is not in its ``ExcludedResources``.
Choices where the public sources are silent or unverified:

* "At least one callout field (WebhookField or WebhookUdfField) must be present to make a create or
  update call" (Autotask's webhook fields help page) is read as a *delivery* rule: a webhook must exist before its ``Fields`` children
  can be added, so refusing field-less webhooks at registration is impossible. A webhook without field
  rows sends no create/update callouts; delete callouts need no fields and are still sent.
* Create callouts carry every subscribed and display-always field; update callouts only fire when a
  subscribed field changed and carry the changed subscribed fields plus the display-always ones; delete
  callouts carry the display-always fields of the deleted record.
* ``Fields`` keys are the REST model field names (UDFs: the UDF name), values as the REST API returns
  them.
* Field ids: Tickets use the fieldID picklist of a real tenant (see :data:`TICKET_FIELD_IDS`); other
  entities number their webhook-supported fields 1, 2, … in model order (:func:`field_ids`). UDF field
  ids are the tenant's UDF definition ids.
* ``Guid`` is the webhook's ``webhookGUID`` — the same in every callout of one webhook — and
  ``SequenceNumber`` counts that webhook's callouts from 1, so (Guid, SequenceNumber) names one event and
  a retried delivery repeats both: a receiver de-duplicates on that pair. ``webhookGUID`` of a new
  webhook is derived from (seed, entity, id), so a seed replays the same GUIDs.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from ..backend.write_effects import Actor
from ..policy.clock import to_wire
from ..specdata import load_models

if TYPE_CHECKING:
    from ..backend.state import SandboxState
    from .delivery import WebhookDelivery

__all__ = ["WEBHOOK_TABLES", "Callout", "WebhookEvents", "WebhookRules", "field_ids", "webhook_guid"]

# Entity tag -> its webhook registration table.
WEBHOOK_TABLES = {
    "Companies": "CompanyWebhooks",
    "Contacts": "ContactWebhooks",
    "ConfigurationItems": "ConfigurationItemWebhooks",
    "Tickets": "TicketWebhooks",
    "TicketNotes": "TicketNoteWebhooks",
}
WEBHOOK_REGISTRATIONS = frozenset(WEBHOOK_TABLES.values())
_SUBSCRIPTION = {
    "Create": "isSubscribedToCreateEvents",
    "Update": "isSubscribedToUpdateEvents",
    "Delete": "isSubscribedToDeleteEvents",
}
# The TicketWebhookFields fieldID picklist of a live tenant (spec/field-metadata/
# TicketWebhookFields.fieldID-map.n8n-derived.json), labels matched to model fields case-insensitively
# ("TicketCreateDate" is createDate). SecondaryResources (84) and TicketAdditionalContact (86) are not
# model fields and are left out.
TICKET_FIELD_IDS: dict[int, str] = {
    1: "companyID", 2: "title", 3: "contactID", 4: "description", 5: "status", 6: "priority",
    7: "source", 10: "estimatedHours", 11: "assignedResourceID", 12: "dueDateTime", 13: "billingCodeID",
    14: "queueID", 16: "contractID", 17: "assignedResourceRoleID", 18: "issueType", 19: "subIssueType",
    20: "configurationItemID", 21: "ticketCategory", 22: "ticketType", 23: "companyLocationID",
    24: "opportunityID", 25: "problemTicketId", 26: "projectID", 28: "purchaseOrderNumber",
    29: "contractServiceBundleID", 30: "contractServiceID", 31: "externalID", 32: "changeApprovalBoard",
    33: "changeApprovalStatus", 34: "changeApprovalType", 35: "changeInfoField1", 36: "changeInfoField2",
    37: "changeInfoField3", 38: "changeInfoField4", 39: "changeInfoField5", 40: "completedByResourceID",
    41: "completedDate", 44: "firstResponseDateTime", 45: "firstResponseDueDateTime",
    47: "isAssignedToComanaged", 48: "isVisibleToComanaged", 49: "lastActivityDate",
    51: "lastCustomerNotificationDateTime", 52: "lastTrackedModificationDateTime", 53: "monitorID",
    54: "monitorTypeID", 56: "resolution", 57: "resolutionPlanDateTime", 58: "resolutionPlanDueDateTime",
    59: "resolvedDateTime", 60: "resolvedDueDateTime", 61: "rmaStatus", 62: "rmaType", 63: "rmmAlertID",
    64: "serviceLevelAgreementHasBeenMet", 65: "serviceLevelAgreementID",
    76: "organizationalLevelAssociationID", 85: "ticketNumber", 87: "createDate",
    88: "createdByContactID", 89: "creatorResourceID", 90: "hoursToBeScheduled",
    91: "impersonatorCreatorResourceID", 92: "lastCustomerVisibleActivityDateTime",
}  # fmt: skip


def field_ids(meta: Any, entity: str) -> dict[int, str]:
    """fieldID -> model field name of the webhook-subscribable fields of ``entity``."""
    if entity == "Tickets":
        return dict(TICKET_FIELD_IDS)
    names = [f["name"] for f in meta.fields(entity) if f.get("isSupportedWebhookField")]
    return {i: name for i, name in enumerate(names, start=1)}


def webhook_guid(seed: int, *parts: object) -> str:
    """A GUID that is the same for the same seed and parts (random-looking, version 4 layout)."""
    digest = hashlib.sha256(":".join(map(str, ("autotask-sandbox/webhook", seed, *parts))).encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


@cache
def _legacy(entity: str) -> str:
    return str(load_models()[entity]["legacy"])


@dataclass(frozen=True)
class Callout:
    """One webhook POST to make: where, signed with what, and the JSON payload."""

    webhook_entity: str
    webhook_id: int
    url: str
    secret: str
    payload: dict[str, Any]
    deactivation_url: str | None = None

    def __repr__(self) -> str:  # the secret key never appears in reprs or logs
        return f"Callout({self.webhook_entity} {self.webhook_id} {self.payload.get('Action')} -> {self.url})"


class WebhookRules:
    """Turns one API write into the callouts it triggers (runs inside the request, under its lock)."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state  # read at each call: reseed replaces the store and the metadata
        self.clear()

    def clear(self) -> None:
        """Forget sequence numbers and counters (control.reset)."""
        self.sequences: dict[tuple[str, int], int] = {}
        self.counts = {"suppressed_excluded": 0, "skipped_no_fields": 0, "skipped_no_change": 0}

    def callouts(
        self, entity: str, action: str, record_id: int, before: dict | None, after: dict | None, actor: Actor
    ) -> list[Callout]:
        """The callouts a ``Create``/``Update``/``Delete`` of ``entity`` record ``record_id`` triggers."""
        hook_table = WEBHOOK_TABLES.get(entity)
        if hook_table is None:
            return []
        store = self.state.store
        hooks = store.query(
            hook_table, {"filter": [{"op": "eq", "field": "isActive", "value": True}], "maxRecords": 500}
        ).items
        out = []
        for hook in hooks:
            if not hook.get(_SUBSCRIPTION[action]) or not hook.get("webhookUrl"):
                continue
            if actor.resource_id in self._children(hook_table, "ExcludedResources", hook["id"], "resourceID"):
                self.counts["suppressed_excluded"] += 1
                continue
            fields = self._fields(entity, hook_table, hook["id"], action, before, after)
            if fields is None:
                continue
            key = (hook_table, hook["id"])
            self.sequences[key] = sequence = self.sequences.get(key, 0) + 1
            payload = {
                "Guid": hook.get("webhookGUID") or webhook_guid(self.state.seed, hook_table, hook["id"]),
                "EntityType": _legacy(entity),
                "Id": record_id,
                "EventTime": to_wire(self.state.clock.now()),
                "SequenceNumber": sequence,
                "PersonID": actor.resource_id,
                "Action": action,
                "Fields": fields,
            }
            out.append(
                Callout(hook_table, hook["id"], hook["webhookUrl"], hook.get("secretKey") or "", payload,
                        hook.get("deactivationUrl"))
            )
        return out

    def _children(self, hook_table: str, suffix: str, hook_id: int, column: str) -> list[Any]:
        table = hook_table[: -len("Webhooks")] + "Webhook" + suffix
        if table not in load_models():
            return []
        rows: list[Any] = []
        start = None
        while True:
            page = self.state.store.list_children(table, "webhookID", hook_id, start_id=start, page_size=500)
            rows += [row.get(column) for row in page.items] if column else page.items
            if page.next_id is None:
                return rows
            start = page.next_id

    def _fields(
        self, entity: str, hook_table: str, hook_id: int, action: str, before: dict | None, after: dict | None
    ) -> dict[str, Any] | None:
        """The payload's ``Fields`` (None: this webhook sends no callout for this event)."""
        meta = self.state.meta
        ids = field_ids(meta, entity)
        udfs = {d.id: d.name for d in meta.udf_definitions(entity)}
        subscribed: list[tuple[str, bool]] = []  # (name, is UDF) of fields whose change fires the webhook
        always: list[tuple[str, bool]] = []
        rows = [(r, False) for r in self._children(hook_table, "Fields", hook_id, "")]
        rows += [(r, True) for r in self._children(hook_table, "UdfFields", hook_id, "")]
        for row, is_udf in rows:
            name = udfs.get(row.get("udfFieldID")) if is_udf else ids.get(row.get("fieldID"))
            if name is None:
                continue
            if row.get("isSubscribedField"):
                subscribed.append((name, is_udf))
            if row.get("isDisplayAlwaysField"):
                always.append((name, is_udf))
        if action == "Delete":
            return {name: _value(before, name, udf) for name, udf in always}
        if not rows:
            self.counts["skipped_no_fields"] += 1
            return None
        if action == "Create":
            return {name: _value(after, name, udf) for name, udf in subscribed + always}
        changed = [(n, u) for n, u in subscribed if _value(before, n, u) != _value(after, n, u)]
        if not changed:
            self.counts["skipped_no_change"] += 1
            return None
        return {name: _value(after, name, udf) for name, udf in changed + always}


class WebhookEvents:
    """What the write handlers call: the rules (in the request) and the delivery worker (off it)."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.rules = WebhookRules(state)
        self.delivery: WebhookDelivery | None = None  # set by Sandbox; None: no callouts are sent

    def watches(self, entity: str) -> bool:
        """Whether writes of ``entity`` may trigger callouts."""
        return self.delivery is not None and entity in WEBHOOK_TABLES

    def snapshot(self, entity: str, record_id: Any) -> dict | None:
        """The record as it is before a write (None when callouts cannot need it)."""
        if not self.watches(entity) or type(record_id) is not int:
            return None
        return self.state.store.get(entity, record_id)

    def written(self, entity: str, action: str, record_id: int, before: dict | None, actor: Actor) -> None:
        """After a successful create/update/replace/delete (store actions): server-set fields of a new
        webhook registration, then the callouts the write triggers (delivered on the worker thread)."""
        if action == "create" and entity in WEBHOOK_REGISTRATIONS:
            guid = webhook_guid(self.state.seed, entity, record_id)
            fields = {"ownerResourceID": actor.resource_id, "webhookGUID": guid}
            self.state.store.set_system_fields(entity, record_id, fields)
        if self.delivery is None or not self.watches(entity):
            return
        event = {"create": "Create", "delete": "Delete"}.get(action, "Update")
        after = None if event == "Delete" else self.state.store.get(entity, record_id)
        for callout in self.rules.callouts(entity, event, record_id, before, after, actor):
            self.delivery.submit(callout)


def _value(record: dict | None, name: str, udf: bool) -> Any:
    if record is None:
        return None
    if not udf:
        return record.get(name)
    for item in record.get("userDefinedFields") or ():
        if item.get("name") == name:
            return item.get("value")
    return None
