"""The tenant state: metadata, store and API users, plus the shared hourly threshold; rebuilt by reset/reseed.

It is what the wire handlers, the webhook events and the control plane act on; the wiring around it
(:class:`~autotask_sandbox.app.Sandbox`) only builds it and hands it to the dispatcher.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from ..policy.clock import Clock, to_wire
from ..policy.limits import HourlyThreshold
from ..seed.build import generate
from ..specdata import load_models, load_routes
from ..tenant.metadata import TenantMetadata
from ..webhooks.events import WebhookEvents
from ..wire.auth import Authenticator, Caller
from ..wire.errors import ApiError
from .store import Actor, Store

if TYPE_CHECKING:
    from ..config import SandboxConfig
    from ..seed.build import ApiUser
    from ..wire.routing import Route

__all__ = ["SandboxState"]


@dataclass
class SandboxState:
    """The tenant (metadata, store, API users) plus the shared limiters, rebuilt by reset/reseed."""

    config: SandboxConfig
    clock: Clock
    threshold: HourlyThreshold
    # The instant the tenant is seeded at (the clock's start): the data depends on it and the seed only,
    # never on the milliseconds that pass while the sandbox is built or reset.
    start: datetime | None = None
    meta: TenantMetadata = field(init=False)
    store: Store = field(init=False)
    users: list[ApiUser] = field(init=False)
    auth: Authenticator = field(init=False)
    seed: int = field(init=False)
    tickets: int = field(init=False)
    invoice_settings: dict[int, dict] = field(default_factory=dict)
    webhooks: WebhookEvents = field(init=False)  # callouts of API writes (webhooks/events.py)

    def __post_init__(self) -> None:
        self.webhooks = WebhookEvents(self)

    def load(self, seed: int, tickets: int) -> None:
        """(Re)generate the tenant for ``seed`` with ``tickets`` tickets."""
        self.seed, self.tickets = seed, tickets
        self.meta = TenantMetadata(seed=seed)
        result = generate(self.meta, seed=seed, tickets=tickets, now=self.start or self.clock.now())
        cfg = self.config
        store = Store(
            self.meta,
            self.clock.now,
            unknown_operator=cfg.unknown_operator,
            empty_filter=cfg.empty_filter,
            noteq_matches_null=cfg.noteq_matches_null,
            readonly_fields=cfg.readonly_fields,
            attachment_limits=cfg.attachment_limits(),
        )
        store.load(result.tables)
        self.store = store
        self.users = list(result.api_users)
        self.auth = Authenticator(self.users, permission_status=self.config.permission_status)
        self.invoice_settings = {}

    def restore(self) -> None:
        """Back to the tenant as loaded: every write undone (milliseconds: only written tables work)."""
        self.store.restore()
        self.invoice_settings = {}

    def parent_field(self, route: Route) -> str | None:
        """The child's foreign key to its parent on a child route (``ticketID`` for Tickets/{id}/Notes)."""
        return _parent_fields().get((route.entity, route.parent_collection))

    def actor(self, caller: Caller) -> Actor:
        """Who a write is recorded as: the impersonated resource, with the API user as impersonator."""
        if caller.impersonated_id is not None:
            return Actor(caller.impersonated_id, impersonator_id=caller.user.resource_id)
        return Actor(caller.user.resource_id)

    def described_entities(self) -> list[str]:
        """Entities the global EntityInformation lists: those with their own entityInformation route."""
        known = set(self.meta.entities())
        return [e for e in _described_entities() if e in known]

    def knows(self, entity: str) -> bool:
        """Whether the tenant has a model for ``entity``."""
        return entity in _models()

    def approve_time_off(self, request_id: int, actor: Actor) -> None:
        """Mark a time-off request approved, as the Approve action does."""
        record = self.store.get("TimeOffRequests", request_id)
        if record is None:
            raise ApiError(500, [f"No TimeOffRequest found with id {request_id}."])
        approved = _picklist_value(self.meta, "TimeOffRequests", "status", "approved")
        changes: dict[str, Any] = {
            "id": request_id,
            "approvedDateTime": to_wire(self.clock.now()),
            "approveRejectResourceID": actor.resource_id,
        }
        if approved is not None:
            changes["status"] = approved
        parent = ("resourceID", record["resourceID"]) if record.get("resourceID") is not None else None
        self.store.update("TimeOffRequests", changes, actor=actor, parent=parent)


def _picklist_value(meta: TenantMetadata, entity: str, name: str, label: str) -> int | None:
    info = meta.field(entity, name) or {}
    for value in info.get("picklistValues") or []:
        if str(value.get("label", "")).lower() == label:
            return int(value["value"])
    return None


def _models() -> dict[str, dict]:
    return load_models()


@cache
def _parent_fields() -> dict[tuple[str, str | None], str | None]:
    return {
        (tag, parent): fk
        for tag, model in load_models().items()
        for parent, fk in (model.get("parentFields") or {}).items()
    }


@cache
def _described_entities() -> tuple[str, ...]:
    return tuple(
        sorted(
            {
                op["entity"]
                for op in load_routes()
                if op["action"] == "entityInformation"
                and not op["child"]
                and op["path"].lower() != "/v1.0/entityinformation"
            }
        )
    )

