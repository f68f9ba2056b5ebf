"""The mutable state one client family shares: zone, limits, breaker, cache, fetches in flight (no I/O here).

A client and every `with_options()` copy of it share one `Runtime`, so they count against the same
per-endpoint slots and hourly budget, see one circuit state, and detect the zone once.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

from ..cache import LayeredCache, tenant_namespace, zone_key
from ..limits import CircuitBreaker, EndpointLimiter, ThresholdBudget
from ..limits.options import Limits, resolve_limits
from .config import ClientConfig, api_url
from .flights import Flights
from .zones import Zone, zone_for_url

__all__ = ["Runtime", "ZoneState"]


class ZoneState:
    """Where the API lives: configured (fixed) or detected (may be forgotten and detected again)."""

    def __init__(self, base_url: str | None) -> None:
        self.configured = base_url is not None
        known = zone_for_url(base_url) if base_url else None
        self.zone: Zone | None = Zone(known.name if known else "", base_url) if base_url else None
        self.from_cache = False
        self.lock = threading.Lock()

    @property
    def api_root(self) -> str | None:
        """`…/ATServicesRest/V1.0/`, or None until detection."""
        return api_url(self.zone.url) if self.zone else None

    def set(self, zone: Zone, *, from_cache: bool = False) -> None:
        """Adopt a detected (or cached) zone."""
        self.zone = zone
        self.from_cache = from_cache

    def invalidate(self) -> bool:
        """Forget a detected zone (a configured base URL is kept); True if something was forgotten."""
        if self.configured or self.zone is None:
            return False
        self.zone = None
        self.from_cache = False
        return True


@dataclasses.dataclass
class Runtime:
    """Shared state of a client family; any of limiter, budget, breaker may be None (switched off)."""

    zone: ZoneState
    limiter: EndpointLimiter | None
    budget: ThresholdBudget | None
    breaker: CircuitBreaker | None
    cache: LayeredCache
    flights: Flights = dataclasses.field(default_factory=Flights)  # zone and metadata fetches in progress
    # Per entity, the UDF definitions last read: a `fields=` naming only these UDFs, or a write setting only
    # their active values, needs no new read (exports query page by page, bulk writes row by row, also with
    # caching off); anything else is checked against a fresh read before it is refused.
    udfs: dict[str, tuple[dict[str, Any], ...]] = dataclasses.field(default_factory=dict)
    reached: bool = False  # some request got an HTTP answer (see request_flow: connect failures before that)

    @classmethod
    def build(
        cls,
        config: ClientConfig,
        *,
        concurrency_limit: int | None,
        budget: ThresholdBudget | bool | None,
        breaker: CircuitBreaker | bool | None,
        cache: LayeredCache | bool | None,
        limits: str | Limits | None = None,
    ) -> Runtime:
        """Defaults: 3 slots per endpoint, a full-share budget (shared through Redis when `limits` or the
        environment says so, see `py_autotask.limits.options`), a breaker, the cache from the environment."""
        if cache is None or cache is True:
            from ..cache import cache_from_env

            cache = cache_from_env()
        elif cache is False:
            cache = LayeredCache()  # no layers: caching off
        zone = ZoneState(config.base_url)
        chosen = resolve_limits(
            limits,
            username=config.credentials.username,
            integration_code=config.credentials.integration_code,
            tenant_ci=lambda: zone.zone.ci if zone.zone else None,
            concurrency_limit=concurrency_limit,
            budget=budget,
        )
        return cls(
            zone=zone,
            limiter=chosen.limiter,
            budget=chosen.budget,
            breaker=_default(breaker, CircuitBreaker),
            cache=cache,
        )

    def zone_cache_key(self, config: ClientConfig) -> str:
        """Cache key of this user's zone; the lookup URL is part of it (a sandbox is not production)."""
        return zone_key(f"{config.credentials.username}\x1f{config.zone_lookup_url}")

    def namespace(self, config: ClientConfig) -> str:
        """Cache namespace of this tenant + API user (a hash; no credential in clear)."""
        creds = config.credentials
        root = self.zone.zone.url if self.zone.zone else ""
        return tenant_namespace(root, creds.username, creds.integration_code)


def _default(value: Any, factory: Any) -> Any:
    if value is None or value is True:
        return factory()
    return value or None
