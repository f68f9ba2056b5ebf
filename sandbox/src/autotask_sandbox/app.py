"""The wiring: :class:`Sandbox` builds the tenant state, the control plane and the dispatcher from a
:class:`~autotask_sandbox.config.SandboxConfig` and hands them to the drivers (in-process transports, ASGI,
uvicorn). The state lives in :mod:`.backend.state`, the request pipeline in :mod:`.wire.dispatch`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .backend.state import SandboxState
from .config import SandboxConfig, with_overrides
from .control.plane import Control, Monitor
from .policy.clock import Clock, to_wire
from .policy.faults import FaultInjector, Latency
from .policy.limits import HourlyThreshold, ThreadLimiter
from .webhooks.delivery import WebhookDelivery
from .webhooks.events import Callout
from .wire import handlers as h
from .wire.dispatch import Dispatcher

if TYPE_CHECKING:
    from .drivers.server import RunningServer
    from .drivers.transports import AsyncSandboxTransport, SandboxTransport
    from .seed.build import ApiUser

__all__ = ["Sandbox", "SandboxConfig", "credentials_of"]


def credentials_of(user: ApiUser) -> dict[str, str]:
    """The three auth values of an API user, as the public ``credentials`` dicts expose them."""
    return {"username": user.username, "secret": user.secret, "integration_code": user.integration_code}



class Sandbox:
    """A local Autotask tenant answering the REST API: in-process, over ASGI or over real HTTP."""

    def __init__(self, config: SandboxConfig | None = None, **overrides: Any) -> None:
        cfg = with_overrides(config, overrides) if overrides else (config or SandboxConfig())
        self.config = cfg
        self.start_time = cfg.now or datetime.now(timezone.utc)
        self.clock = Clock(self.start_time)
        threshold = HourlyThreshold(
            cfg.threshold,
            cfg.threshold_window_s,
            self.clock.timestamp,
            latency=cfg.threshold_latency,
            latency_scale=cfg.threshold_latency_scale,
        )
        self.state = SandboxState(cfg, self.clock, threshold, start=self.start_time)
        self.state.load(cfg.seed, cfg.tickets)
        self.monitor = Monitor(cfg.request_log_size, self.clock)
        self.control = Control(self)
        self.dispatcher = Dispatcher(
            self.state,
            self.monitor,
            self.control.http,
            faults=FaultInjector(cfg.faults, seed=cfg.fault_seed, slow_s=cfg.slow_s),
            latency=Latency(cfg.latency_ms, cfg.jitter_ms, seed=cfg.fault_seed),
            threads=ThreadLimiter(cfg.thread_limit),
        )
        if cfg.webhooks:
            self.state.webhooks.delivery = WebhookDelivery(
                self._record_webhook_error,
                lambda: to_wire(self.clock.now()),
                self.clock.timestamp,
                deactivate=self._deactivate_webhook,
                queue_size=cfg.webhook_queue_size,
                timeout_s=cfg.webhook_timeout_s,
                retry_after_s=cfg.webhook_retry_after_s,
                max_attempts=cfg.webhook_attempts,
                disable_after=cfg.webhook_disable_after,
                allow_remote=cfg.webhook_allow_remote,
            )

    def _record_webhook_error(self, row: dict, still_current: Callable[[], bool]) -> None:
        # Under the dispatcher's lock, like every write; control.reset holds it while clearing deliveries.
        with self.dispatcher.lock:
            if still_current():
                self.state.store.insert_system("WebhookEventErrorLogs", row)

    def _deactivate_webhook(self, callout: Callout) -> dict[str, Any] | None:
        """Mark a failing webhook inactive; the unsigned Deactivated notice to send (None: nowhere to send)."""
        with self.dispatcher.lock:
            hook = self.state.store.get(callout.webhook_entity, callout.webhook_id)
            if hook is None:
                return None
            self.state.store.set_system_fields(callout.webhook_entity, callout.webhook_id, {"isActive": False})
        url = hook.get("deactivationUrl")
        if not url:
            return None
        payload = {
            "Guid": hook.get("webhookGUID") or callout.payload["Guid"],
            "EntityType": callout.payload["EntityType"],
            "Id": callout.webhook_id,
            "EventTime": to_wire(self.clock.now()),
            "SequenceNumber": 0,
            "PersonID": None,
            "Action": "Deactivated",
            "Fields": {},
        }
        return {"url": url, "payload": payload}

    def _user(self, access: str) -> ApiUser:
        for user in self.state.users:
            if user.access == access:
                return user
        raise LookupError(f"the seed produced no {access} API user")

    @property
    def api_user(self) -> ApiUser:
        """The full-access API user (its ``resource_id`` is the resource writes are recorded as)."""
        return self._user("full")

    @property
    def readonly_api_user(self) -> ApiUser:
        """The read-only API user."""
        return self._user("readonly")

    @property
    def credentials(self) -> dict[str, str]:
        """``{"username", "secret", "integration_code"}`` of the full-access API user."""
        return credentials_of(self._user("full"))

    @property
    def readonly_credentials(self) -> dict[str, str]:
        """The same for the read-only API user (queries only; writes fail with a permission error)."""
        return credentials_of(self._user("readonly"))

    def headers(self, *, readonly: bool = False) -> dict[str, str]:
        """The three Autotask auth headers for the full (or read-only) API user."""
        creds = self.readonly_credentials if readonly else self.credentials
        return {
            "ApiIntegrationCode": creds["integration_code"],
            "UserName": creds["username"],
            "Secret": creds["secret"],
        }

    @cached_property
    def asgi(self) -> Any:
        """The ASGI 3 application (what uvicorn serves)."""
        from .drivers.asgi import AsgiApp

        return AsgiApp(self.dispatcher)

    def transport(self) -> SandboxTransport:
        """An in-process sync ``httpx`` transport with real latency and thread-limit semantics."""
        from .drivers.transports import SandboxTransport

        return SandboxTransport(self.dispatcher)

    def async_transport(self) -> AsyncSandboxTransport:
        """An in-process async ``httpx`` transport."""
        from .drivers.transports import AsyncSandboxTransport

        return AsyncSandboxTransport(self.dispatcher)

    def serve(self, host: str = "127.0.0.1", port: int = 0, *, log_level: str = "warning") -> RunningServer:
        """uvicorn on a background thread; use as ``with sb.serve() as server: server.base_url``."""
        from .drivers.server import RunningServer

        server = RunningServer(self.asgi, host, port, log_level=log_level)
        server.sandbox = self
        return server

    def build_all(self) -> None:
        """Build every seed table now; otherwise each is built when a request first needs it (a tenant of
        a million tickets answers after seconds, and its first Tickets query takes about ten more)."""
        with self.dispatcher.lock:
            self.state.store.build_all()

    def dispatch(self, request: h.WireRequest) -> h.WireResponse:
        """Answer one already-parsed request (the sans-I/O core every driver uses)."""
        return self.dispatcher.dispatch(request)

    def __repr__(self) -> str:
        return f"Sandbox(seed={self.control.seed}, tickets={self.control.tickets})"
