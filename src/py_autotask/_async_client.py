"""`AsyncAutotaskClient`: the asynchronous client — an httpx.AsyncClient pool driving the shared flows.

    async with AsyncAutotaskClient(username=..., secret=..., integration_code=...) as client:
        async for ticket in client.tickets.query("status=1"):
            ...

Same flows as `AutotaskClient` (see `_core.flow`); only the transport, the sleep and the concurrency
slot are awaited here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

import httpx

from ._catalog.accessors import AsyncEntityAccessors
from ._constants import LOGGER_NAME
from ._core.base import BaseClient, build_config, raw_call
from ._core.config import env_settings
from ._core.drive import Flow, Reply, Send, run_async
from ._core.errors import map_httpx_errors, request_was_sent
from ._core.flow import request_flow, root_flow
from ._core.requests import build_request, display_url
from ._core.retry import RetryPolicy, TransportFailure
from ._core.runtime import Runtime
from ._core.zones import Zone
from ._entity import AsyncEntity
from ._exceptions import APIConnectionError, ConfigurationError
from ._types import NOT_GIVEN, NotGiven
from .cache import LayeredCache
from .limits import DEFAULT_ENDPOINT_LIMIT, CircuitBreaker, Limits, ThresholdBudget

if TYPE_CHECKING:
    from .bulk import AsyncBulkEngine

__all__ = ["AsyncAutotaskClient"]

log = logging.getLogger(LOGGER_NAME)


class AsyncAutotaskClient(BaseClient, AsyncEntityAccessors):
    """Asynchronous Autotask REST client; every entity is an attribute (`client.tickets`)."""

    _entity_class = AsyncEntity

    def __init__(
        self,
        *,
        username: str,
        secret: str,
        integration_code: str,
        base_url: str | None = None,
        impersonation_resource_id: int | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        zone_lookup_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
        concurrency_limit: int | None = DEFAULT_ENDPOINT_LIMIT,
        budget: ThresholdBudget | bool | None = None,
        breaker: CircuitBreaker | bool | None = None,
        cache: LayeredCache | bool | None = None,
        limits: str | Limits | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        """Create a client; arguments as for `AutotaskClient` (with an async transport and sleep)."""
        if transport is not None and http_client is not None:
            raise ConfigurationError("pass either transport= or http_client=, not both")
        config = build_config(
            username=username,
            secret=secret,
            integration_code=integration_code,
            base_url=base_url,
            zone_lookup_url=zone_lookup_url,
            impersonation_resource_id=impersonation_resource_id,
            timeout=timeout,
            max_retries=max_retries,
            retry_policy=retry_policy,
        )
        runtime = Runtime.build(
            config, concurrency_limit=concurrency_limit, budget=budget, breaker=breaker, cache=cache,
            limits=limits,
        )
        super().__init__(config, runtime)
        # Redirects are never followed: a redirect could carry the credential headers to another host.
        self._http = http_client or httpx.AsyncClient(
            transport=transport, timeout=config.timeout, follow_redirects=False
        )
        self._owns_http = http_client is None
        self._sleep = sleep or asyncio.sleep

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> AsyncAutotaskClient:
        """A client from the AUTOTASK_* environment variables (see `AutotaskClient.from_env`)."""
        return cls(**{**env_settings(environ), **overrides})

    def with_options(
        self,
        *,
        max_retries: int | None = None,
        timeout: float | httpx.Timeout | None = None,
        impersonation_resource_id: int | None | NotGiven = NOT_GIVEN,
        retry_policy: RetryPolicy | None = None,
    ) -> AsyncAutotaskClient:
        """A copy with other settings that shares the pool, zone, limits, breaker and cache."""
        return self._derived(**self._options(max_retries=max_retries, timeout=timeout,
                                             impersonation_resource_id=impersonation_resource_id,
                                             retry_policy=retry_policy))

    # -- lifecycle ---------------------------------------------------------------------------------
    async def aclose(self) -> None:
        """Close the connection pool (if this client created it)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncAutotaskClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- client-level calls ------------------------------------------------------------------------
    async def detect_zone(self, *, force: bool = False) -> Zone:
        """The tenant's zone (detected via zoneInformation unless a base URL was configured)."""
        await self.drive(root_flow(self._config, self._runtime, force=force))
        zone = self._runtime.zone.zone
        assert zone is not None
        return zone

    async def request(self, method: str, path: str, *, json: Any = None,
                      params: Mapping[str, str] | None = None, impersonate: int | None = None) -> Any:
        """Call any API path under `…/V1.0/` (e.g. "Companies/5/invoiceSettings"); returns the JSON body."""
        call = raw_call(method, path, json=json, params=params, impersonate=impersonate)
        return await self.drive(request_flow(call, self._config, self._runtime))

    async def threshold_information(self) -> dict[str, Any]:
        """The tenant's hourly request threshold and current usage (also feeds the budget)."""
        info = await self.request("GET", "ThresholdInformation")
        if self._runtime.budget is not None and isinstance(info, dict):
            with contextlib.suppress(ValueError):
                self._runtime.budget.observe(info)
        return info

    @property
    def bulk(self) -> AsyncBulkEngine:
        """Bulk create/update/upsert/delete over this client: validated, metered, resumable, exactly once."""
        from .bulk import AsyncBulkEngine

        return AsyncBulkEngine(self)

    # -- the driver --------------------------------------------------------------------------------
    async def drive(self, flow: Flow, *, sleep: Callable[[float], Awaitable[object]] | None = None) -> Any:
        """Run a sans-I/O flow (see `py_autotask._core.drive`) on this client's pool; returns its value.

        Entities, paginators and the bulk engine run every operation through here; blocking calls
        (disk or Redis cache, bulk journal) go to a worker thread. `sleep` replaces the client's own for
        this flow's waits.
        """
        return await run_async(flow, self._transmit, sleep or self._sleep)

    async def _transmit(self, send: Send) -> Reply | TransportFailure:
        request = build_request(send.call, self._config, send.api_root)
        shown = display_url(request.url)
        limiter = self._runtime.limiter
        slot = limiter.aslot(send.call.path) if limiter is not None else contextlib.nullcontext()
        try:
            async with slot:
                with map_httpx_errors(request.method, shown):
                    # Per request too: a caller's own http_client may follow redirects (see AutotaskClient).
                    response = await self._http.send(request, follow_redirects=False)
        except APIConnectionError as exc:
            log.debug("%s %s -> no answer: %s", request.method, shown, exc)
            return TransportFailure(exc, sent=request_was_sent(exc))
        log.debug("%s %s -> %d", request.method, shown, response.status_code)
        return Reply(response.status_code, response.content, response.headers, request.method, shown)
