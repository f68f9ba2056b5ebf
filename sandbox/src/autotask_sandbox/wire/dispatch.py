"""The sans-I/O dispatch pipeline: ``Dispatcher.dispatch(WireRequest) -> WireResponse``.

It is the one place where a request is routed, authenticated, limited, faulted, handled and logged. It
never sleeps and never touches a socket: it returns the response together with the delay to wait, the
fault to enact and the thread slot to release, and each driver in :mod:`autotask_sandbox.drivers` (ASGI,
sync and async httpx transports) carries that out its own way. State changes happen under one lock, so
the sync transport may be used from many threads.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..policy.faults import FAULT_500_MESSAGE, FaultInjector, Latency
from ..policy.limits import ThreadLimiter
from ..specdata import load_routes
from . import handlers as h
from .auth import Caller
from .errors import ApiError
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

if TYPE_CHECKING:
    from ..backend.state import SandboxState
    from ..control.plane import Monitor
    from ..seed.build import ApiUser

__all__ = ["CONTROL_PREFIX", "Dispatcher"]

log = logging.getLogger("autotask_sandbox")

ZONE_OPERATION = "ZoneInformationApiIntegration_QueryZoneInformation"
VERSION_INFO_OPERATION = "ApiVersion_ApiVersionInformation"
APPROVE_OPERATION = "TimeOffRequestsApproveChild_CreateEntity"
CONTROL_PREFIX = "/_sandbox"
# A JSON string that is a whole wire datetime (stored times are all UTC without an offset).
_WIRE_DATETIME = re.compile(rb'"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,7})?)"')


def with_z(body: bytes) -> bytes:
    """A JSON body with ``Z`` after every datetime string (``SandboxConfig.datetime_form = "z"``)."""
    return _WIRE_DATETIME.sub(rb'"\1Z"', body)


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
        self.max_body_bytes = state.config.max_body_bytes
        self.datetime_z = state.config.datetime_form == "z"
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
            try:
                self.monitor.record(req, resp, seen)
            except BaseException:
                resp.finish()  # a request that fails after taking its thread slot still gives it back
                raise
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
        if len(req.body) > self.max_body_bytes:
            message = f"The request body exceeds the limit of {self.max_body_bytes} bytes."
            return _delayed(h.json_response({"errors": [message]}, 413), delay)
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
        if route.operation_id == ZONE_OPERATION:  # no auth, no limits, no faults (docs/autotask-facts.md#limits)
            return _delayed(h.zone_information(req, self.state), delay)
        if route.action in ("queryNext", "queryPrev"):
            # A POST query's cursor URL carries no ``search``: only POST (with the body) may follow it,
            # and a GET query's URL (which echoes ``search``) only GET (WYRE-AI/autotask-mcp#170).
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
        resp = self._answer(req, match, user)
        if self.datetime_z and resp.content_type == h.JSON_TYPE:
            resp.body = with_z(resp.body)
        return resp

    def _answer(self, req: h.WireRequest, match: Match, user: ApiUser) -> h.WireResponse:
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
