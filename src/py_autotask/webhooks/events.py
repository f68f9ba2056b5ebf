"""Typed webhook events, and the de-duplication Autotask's retries make necessary.

A callout body is ``{"Guid", "EntityType", "Id", "EventTime", "SequenceNumber", "PersonID", "Action",
"Fields"}``. ``EntityType`` is the entity's legacy name ("Account" for Companies, "InstalledProduct" for
ConfigurationItems …); :class:`WebhookEvent` also carries the REST tag. ``Guid`` is the *webhook's* GUID
(its ``webhookGUID``), the same for every event of that webhook, and ``SequenceNumber`` counts that
webhook's events — so (Guid, SequenceNumber) names one event, and a retried delivery repeats both.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .._catalog import load_catalog
from .._datetime import parse_datetime

__all__ = ["ACTIONS", "WEBHOOK_ENTITIES", "Deduplicator", "WebhookEvent", "entity_tag", "parse_event"]

ACTIONS = ("Create", "Update", "Delete", "Deactivated")
# The entities Autotask sends callouts for -> their webhook registration entity.
WEBHOOK_ENTITIES = {
    "Companies": "CompanyWebhooks",
    "Contacts": "ContactWebhooks",
    "ConfigurationItems": "ConfigurationItemWebhooks",
    "Tickets": "TicketWebhooks",
    "TicketNotes": "TicketNoteWebhooks",
}


@functools.cache
def _legacy_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for tag, entry in load_catalog().items():
        for name in (tag, entry.get("legacy")):
            if name:
                index.setdefault(str(name).lower(), tag)
    return index


def entity_tag(entity_type: str) -> str:
    """The REST entity tag of a callout's ``EntityType`` ("Account" -> "Companies"); unknown ones unchanged."""
    return _legacy_index().get(str(entity_type).lower(), str(entity_type))


@dataclass(frozen=True)
class WebhookEvent:
    """One verified callout: what changed (entity, id, action, fields), when, by whom, and its identity."""

    guid: str
    sequence: int
    entity: str  # REST tag, e.g. "Tickets"
    entity_type: str  # as sent, e.g. "Ticket"
    id: int
    action: str
    fields: dict[str, Any]
    event_time: datetime | None
    person_id: int | None
    payload: dict[str, Any] = field(repr=False, compare=False)
    record: dict[str, Any] | None = field(default=None, repr=False, compare=False)  # the full record, if fetched

    @property
    def key(self) -> tuple[str, int]:
        """(Guid, SequenceNumber): the same for a retried delivery of this event."""
        return self.guid, self.sequence

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (one NDJSON line of `py-autotask listen`)."""
        doc: dict[str, Any] = {
            "entity": self.entity,
            "entity_type": self.entity_type,
            "id": self.id,
            "action": self.action,
            "fields": self.fields,
            "event_time": self.event_time.isoformat().replace("+00:00", "Z") if self.event_time else None,
            "person_id": self.person_id,
            "guid": self.guid,
            "sequence": self.sequence,
        }
        if self.record is not None:
            doc["record"] = self.record
        return doc


def _get(payload: dict[str, Any], name: str) -> Any:
    if name in payload:
        return payload[name]
    lowered = name.lower()
    return next((v for k, v in payload.items() if k.lower() == lowered), None)


def parse_event(payload: Any) -> WebhookEvent:
    """A `WebhookEvent` from a decoded callout body; ValueError naming what is missing or malformed."""
    if not isinstance(payload, dict):
        raise ValueError("a webhook callout body is a JSON object")
    problems = []
    guid, entity_type, action = _get(payload, "Guid"), _get(payload, "EntityType"), _get(payload, "Action")
    record_id, sequence = _get(payload, "Id"), _get(payload, "SequenceNumber")
    if not isinstance(guid, str) or not guid:
        problems.append("Guid")
    if not isinstance(entity_type, str) or not entity_type:
        problems.append("EntityType")
    if action not in ACTIONS:
        problems.append("Action")
    if isinstance(record_id, bool) or not isinstance(record_id, int):
        problems.append("Id")
    if isinstance(sequence, bool) or not isinstance(sequence, int):
        problems.append("SequenceNumber")
    fields = _get(payload, "Fields")
    if fields is None:
        fields = {}
    if not isinstance(fields, dict):
        problems.append("Fields")
    when = _get(payload, "EventTime")
    event_time = None
    if when is not None:
        try:
            event_time = parse_datetime(str(when))
        except ValueError:
            problems.append("EventTime")
    person = _get(payload, "PersonID")
    if problems:
        raise ValueError(f"webhook callout with missing or malformed {', '.join(problems)}")
    return WebhookEvent(
        guid=guid.lower(),
        sequence=sequence,
        entity=entity_tag(entity_type),
        entity_type=entity_type,
        id=record_id,
        action=action,
        fields=fields,
        event_time=event_time,
        person_id=person if isinstance(person, int) and not isinstance(person, bool) else None,
        payload=payload,
    )


class Deduplicator:
    """Remembers the last ``max_entries`` event keys; thread-safe."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self.max_entries = max_entries
        self._keys: OrderedDict[tuple[str, int], None] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._keys)

    def first_time(self, key: tuple[str, int]) -> bool:
        """True (and remembered) the first time ``key`` is offered; False for a repeat."""
        with self._lock:
            if key in self._keys:
                self._keys.move_to_end(key)
                return False
            self._keys[key] = None
            if len(self._keys) > self.max_entries:
                self._keys.popitem(last=False)
            return True

    def forget(self, key: tuple[str, int]) -> None:
        """Drop ``key`` (an event that could not be queued must be accepted when it is retried)."""
        with self._lock:
            self._keys.pop(key, None)
