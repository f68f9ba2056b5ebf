"""The sandbox application: configuration, tenant state and the sans-I/O dispatch pipeline.

``Dispatcher.dispatch(WireRequest) -> WireResponse`` is the one place where a request is routed,
authenticated, limited, faulted, handled and logged. It never sleeps and never touches a socket: it
returns the response together with the delay to wait, the fault to enact and the thread slot to release,
and each driver in :mod:`.server` (ASGI, sync and async httpx transports) carries that out its own way.
State changes happen under one lock, so the sync transport may be used from many threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from . import handlers as h
from .attachments import AttachmentLimits
from .auth import Authenticator, Caller
from .child_reads import ENVELOPES
from .clock import Clock, to_wire
from .control import Control, Monitor
from .errors import ApiError
from .faults import FAULT_500_MESSAGE, FaultInjector, Latency, validate_rates
from .limits import HourlyThreshold, ThreadLimiter
from .metadata import TenantMetadata
from .routing import (
    BadParameter,
    Match,
    MethodNotAllowed,
    NotFound,
    Route,
    Router,
    endpoint_of,
    split_api_path,
)
from .seed import generate
from .specdata import load_models, load_routes
from .store import Actor, Store
from .webhook_delivery import WebhookDelivery
from .webhooks import WebhookEvents

if TYPE_CHECKING:
    from .seed import ApiUser
    from .server import AsyncSandboxTransport, RunningServer, SandboxTransport

log = logging.getLogger("py_autotask.sandbox")

ZONE_OPERATION = "ZoneInformationApiIntegration_QueryZoneInformation"
VERSION_INFO_OPERATION = "ApiVersion_ApiVersionInformation"
APPROVE_OPERATION = "TimeOffRequestsApproveChild_CreateEntity"
CONTROL_PREFIX = "/_sandbox"


@dataclass
class SandboxConfig:
    """Everything that shapes a sandbox; every field can also be changed later through ``sb.control``."""

    seed: int = 1
    tickets: int = 2000
    now: datetime | None = None  # the sandbox clock's start (default: real UTC now)
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    faults: dict[str, float] = field(default_factory=dict)  # {"500": .05, "429": .02, "reset": .01, ...}
    fault_seed: int = 0
    slow_s: float = 3.0  # extra delay of a "slow" fault
    threshold: int = 10_000  # requests per window per database
    threshold_window_s: float = 3600.0
    threshold_latency: bool = True  # add 0.5 s / 1 s at >= 50 % / 75 % of the threshold
    threshold_latency_scale: float = 1.0
    thread_limit: int = 3  # concurrent requests per (integration code, endpoint)
    max_url_length: int = 2048  # longer URLs get IIS's HTML 404 (†)
    lenient_search: bool = True  # accept single-quoted pseudo-JSON in ``search`` (†)
    prev_page_urls: bool = True  # emit ``…/query/prev?paging=`` prevPageUrls (form inferred, †)
    permission_status: int = 500  # status of "adequate permissions" errors (Autotask: 500; docs: 403)
    zone_name: str = "America East 2"
    web_url: str | None = None  # zoneInformation webUrl; default: the sandbox's own origin
    ci: int = 29683
    request_log_size: int = 10_000
    # Query/write behaviours the store makes switchable (see store.py): unknown filter operators are
    # ignored like the live API does (†), a missing filter is refused, noteq/notIn skip nulls, read-only
    # fields in a write body are silently ignored (†).
    unknown_operator: str = "ignore"  # or "error"
    empty_filter: str = "error"  # or "all"
    noteq_matches_null: bool = False
    readonly_fields: str = "ignore"  # or "error"
    # The body of GET /{Parent}/{id}/Attachments/{id}, the one read that returns attachment data: sources
    # disagree (†, see child_reads.py): "items_list" {"items": [record]} (django-autotask's production
    # code), "items_object" {"items": record} (apigrate's README), "item" {"item": record} (swagger).
    attachment_envelope: str = "items_list"
    # Attachment upload limits (D-THR): per file, and per window on the sandbox clock, then a lockout.
    attachment_max_bytes: int = 6 * 1024 * 1024
    attachment_window_bytes: int = 10_000_000
    attachment_window_s: float = 300.0
    attachment_lockout_s: float = 300.0
    # Webhook callouts (webhooks.py, webhook_delivery.py): per-attempt timeout, retries after a failure
    # with backoff_s * 2^n between them (Autotask's policy is not public, †), the bounded delivery queue,
    # and whether URLs off loopback may be called.
    webhooks: bool = True
    webhook_timeout_s: float = 5.0
    webhook_retries: int = 2
    webhook_backoff_s: float = 0.2
    webhook_queue_size: int = 1000
    webhook_allow_remote: bool = False

    def __post_init__(self) -> None:
        self.faults = validate_rates(self.faults)
        if self.attachment_envelope not in ENVELOPES:
            raise ValueError(f"attachment_envelope must be one of {', '.join(ENVELOPES)}")

    def attachment_limits(self) -> AttachmentLimits:
        """The upload limits the store enforces."""
        return AttachmentLimits(
            self.attachment_max_bytes,
            self.attachment_window_bytes,
            self.attachment_window_s,
            self.attachment_lockout_s,
        )


@dataclass
class SandboxState:
    """The tenant (metadata, store, API users) plus the shared limiters, rebuilt by reset/reseed."""

    config: SandboxConfig
    clock: Clock
    threshold: HourlyThreshold
    meta: TenantMetadata = field(init=False)
    store: Store = field(init=False)
    users: list[ApiUser] = field(init=False)
    auth: Authenticator = field(init=False)
    seed: int = field(init=False)
    tickets: int = field(init=False)
    invoice_settings: dict[int, dict] = field(default_factory=dict)
    webhooks: WebhookEvents = field(init=False)  # callouts of API writes (webhooks.py)

    def __post_init__(self) -> None:
        self.webhooks = WebhookEvents(self)

    def load(self, seed: int, tickets: int) -> None:
        """(Re)generate the tenant for ``seed`` with ``tickets`` tickets."""
        self.seed, self.tickets = seed, tickets
        self.meta = TenantMetadata(seed=seed)
        result = generate(self.meta, seed=seed, tickets=tickets, now=self.clock.now())
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


@dataclass
class _Seen:
    """What the pipeline learned about a request, for the log and the stats."""

    route: Route | None = None
    endpoint: str = ""
    user: str | None = None
    fault: str | None = None
    rejected: str | None = None  # "thread" | "threshold"


class Dispatcher:
    """Routes, authenticates, limits, faults, handles and logs one request (no I/O)."""

    def __init__(
        self,
        state: SandboxState,
        monitor: Monitor,
        control_api: Callable[[h.WireRequest], h.WireResponse],
        *,
        faults: FaultInjector,
        latency: Latency,
        threads: ThreadLimiter,
    ) -> None:
        self.state = state
        self.monitor = monitor
        self.control_api = control_api
        self.faults = faults
        self.latency = latency
        self.threads = threads
        self.router = Router(load_routes())
        self.max_url_length = state.config.max_url_length
        self.lock = threading.RLock()
        self._entity = h.EntityHandlers(state)
        self._actions = self._entity.table()
        self._specials = h.SpecialHandlers(state).table()

    def dispatch(self, req: h.WireRequest) -> h.WireResponse:
        """Answer one request; the caller waits ``delay_s``, enacts ``fault`` and calls ``finish()``."""
        if req.path[: len(CONTROL_PREFIX)].lower() == CONTROL_PREFIX:
            return self.control_api(req)
        seen = _Seen()
        arrived = time.perf_counter()
        with self.lock:
            try:
                resp = self._pipeline(req, seen)
            except ApiError as err:
                resp = h.error_response(err)
            except Exception:  # a sandbox bug: answer like ASP.NET does, and keep the traceback visible
                log.exception("sandbox error handling %s %s", req.method, req.path)
                resp = h.json_response({"Message": "An error has occurred."}, 500)
                self.monitor.internal_errors += 1
            self.monitor.record(req, resp, seen)
        if resp.delay_s > 0:
            # Latency means "answered no sooner than arrival + latency", as a remote server's response
            # time is: time spent queueing for the lock and handling counts towards it, rather than
            # being added on top (which would cap concurrent clients below latency's own ceiling).
            resp.delay_s = max(0.0, resp.delay_s - (time.perf_counter() - arrived))
        return resp

    def _pipeline(self, req: h.WireRequest, seen: _Seen) -> h.WireResponse:
        delay = self.latency.draw()
        if req.url_length > self.max_url_length:
            return _delayed(h.html_404(), delay)
        rel = split_api_path(req.path)
        result = self.router.match(req.method, rel) if rel is not None else NotFound()
        seen.endpoint = endpoint_of(rel) if rel is not None else ""
        if isinstance(result, NotFound):
            return _delayed(h.html_404(), delay)
        if isinstance(result, MethodNotAllowed):
            return _delayed(h.method_not_allowed(req.method), delay)
        if isinstance(result, BadParameter):
            return _delayed(h.json_response({"Message": "The request is invalid."}, 400), delay)
        assert isinstance(result, Match)
        route = seen.route = result.route
        seen.endpoint = route.path.split("/")[2] if route.path.count("/") >= 2 else route.path.strip("/")
        if route.operation_id == ZONE_OPERATION:  # no auth, no limits, no faults (D-THREAD)
            return _delayed(h.zone_information(req, self.state), delay)
        if route.action in ("queryNext", "queryPrev"):
            # A POST query's cursor URL carries no ``search``: only POST (with the body) may follow it,
            # and a GET query's URL (which echoes ``search``) only GET (C-WYRE #170).
            wants = "GET" if "search" in req.query else "POST"
            if req.method != wants:
                return _delayed(h.method_not_allowed(req.method), delay)
        if route.operation_id == VERSION_INFO_OPERATION:
            return self._faulted(req, seen, delay, None, lambda: h.version_information())
        try:
            user = self.state.auth.authenticate(req.headers)
        except ApiError as err:
            return _delayed(h.error_response(err), delay)
        seen.user = user.username
        key = (user.integration_code, seen.endpoint.lower())
        if not self.threads.acquire(key):
            seen.rejected = "thread"
            return _delayed(h.json_response({"errors": [self.threads.message()]}, 429), delay)
        release = _releaser(self.threads, key)
        try:
            decision = self.state.threshold.hit()
            if not decision.allowed:
                seen.rejected = "threshold"
                resp = h.json_response({"errors": [self.state.threshold.message()]}, 429)
                resp.delay_s, resp.release = delay, release
                return resp
            delay += decision.delay_s
            return self._faulted(req, seen, delay, release, lambda: self._handle(req, result, user))
        except BaseException:
            release()
            raise

    def _faulted(
        self,
        req: h.WireRequest,
        seen: _Seen,
        delay: float,
        release: Callable[[], None] | None,
        handle: Callable[[], h.WireResponse],
    ) -> h.WireResponse:
        fault = seen.fault = self.faults.draw()
        if fault == "500":
            resp = h.json_response({"errors": [FAULT_500_MESSAGE]}, 500)
        elif fault == "429":
            resp = h.json_response({"errors": [self.threads.message()]}, 429)
        else:
            try:
                resp = handle()
            except ApiError as err:
                resp = h.error_response(err)
            if fault == "slow":
                delay += self.faults.slow_s
            elif fault in ("reset", "truncate"):
                resp.fault = fault
        resp.delay_s, resp.release = delay, release
        return resp

    def _handle(self, req: h.WireRequest, match: Match, user: ApiUser) -> h.WireResponse:
        route = match.route
        caller = Caller(user)
        writes = (
            h.is_write(route)
            or route.operation_id == APPROVE_OPERATION
            or (route.action == "special" and req.method != "GET")
        )
        if writes:
            caller = self.state.auth.impersonation(
                user, req.headers, lambda rid: self.state.store.get("Resources", rid)
            )
        if route.action == "special" or route.entity == "MetadataApiIntegration":
            handler = self._specials.get(route.operation_id)
            if handler is None:
                raise ApiError(500, [f"{route.operation_id} is not available in the sandbox."])
            return handler(req, match, caller)
        if not self.state.knows(route.entity):
            return self._unmodelled(route, caller)
        return self._actions[route.action](req, match, caller)

    def _unmodelled(self, route: Route, caller: Caller) -> h.WireResponse:
        # The route table has a few operations whose model the spec extract lacks; answer them with
        # empty but well-formed bodies rather than a server error.
        if route.action == "entityInformation":
            caps = {
                a: any(r.entity == route.entity and r.action in acts for r in self.router.routes)
                for a, acts in (
                    ("create", ("create",)),
                    ("update", ("update", "replace")),
                    ("delete", ("delete",)),
                    ("query", ("queryGet", "listByParent")),
                )
            }
            info = {
                "name": route.entity,
                "canCreate": caps["create"],
                "canDelete": caps["delete"],
                "canQuery": caps["query"],
                "canUpdate": caps["update"],
            }
            for kind in ("create", "delete", "query", "update"):
                info["userAccessFor" + kind.capitalize()] = caller.access[kind] if caps[kind] else 0
            info.update(hasUserDefinedFields=False, supportsWebhookCallouts=False)
            return h.json_response({"info": info})
        if route.action in ("fields", "userDefinedFields"):
            return h.json_response({"fields": []})
        if route.action == "listByParent":
            return h.json_response(
                {
                    "items": [],
                    "pageDetails": {
                        "count": 0,
                        "requestCount": h.DEFAULT_PAGE_SIZE,
                        "prevPageUrl": None,
                        "nextPageUrl": None,
                    },
                }
            )
        return h.json_response({"item": None}, 404)


def _delayed(resp: h.WireResponse, delay: float) -> h.WireResponse:
    resp.delay_s = delay
    return resp


def _releaser(threads: ThreadLimiter, key: tuple[str, str]) -> Callable[[], None]:
    def release() -> None:
        threads.release(key)

    return release


def credentials_of(user: ApiUser) -> dict[str, str]:
    """The three auth values of an API user, as the public ``credentials`` dicts expose them."""
    return {"username": user.username, "secret": user.secret, "integration_code": user.integration_code}


def with_overrides(config: SandboxConfig | None, overrides: dict[str, Any]) -> SandboxConfig:
    """A config with keyword overrides applied (``Sandbox(tickets=1200)``)."""
    return replace(config or SandboxConfig(), **overrides)


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
        self.state = SandboxState(cfg, self.clock, threshold)
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
                queue_size=cfg.webhook_queue_size,
                timeout_s=cfg.webhook_timeout_s,
                retries=cfg.webhook_retries,
                backoff_s=cfg.webhook_backoff_s,
                allow_remote=cfg.webhook_allow_remote,
            )

    def _record_webhook_error(self, row: dict, still_current: Callable[[], bool]) -> None:
        # Under the dispatcher's lock, like every write; control.reset holds it while clearing deliveries.
        with self.dispatcher.lock:
            if still_current():
                self.state.store.insert_system("WebhookEventErrorLogs", row)

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
        from .server import AsgiApp

        return AsgiApp(self.dispatcher)

    def transport(self) -> SandboxTransport:
        """An in-process sync ``httpx`` transport with real latency and thread-limit semantics."""
        from .server import SandboxTransport

        return SandboxTransport(self.dispatcher)

    def async_transport(self) -> AsyncSandboxTransport:
        """An in-process async ``httpx`` transport."""
        from .server import AsyncSandboxTransport

        return AsyncSandboxTransport(self.dispatcher)

    def serve(self, host: str = "127.0.0.1", port: int = 0, *, log_level: str = "warning") -> RunningServer:
        """uvicorn on a background thread; use as ``with sb.serve() as server: server.base_url``."""
        from .server import RunningServer

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
