"""Living inside Autotask's limits: per-endpoint concurrency, the hourly threshold budget, circuit breakers.

* `EndpointLimiter` — at most 3 requests in flight per endpoint, shared by threads and asyncio tasks;
* `AdaptiveConcurrency` — AIMD control of one endpoint's limit for the bulk engine;
* `ThresholdBudget` — our share of the tenant's hourly request threshold (sans-I/O, injectable clock);
* `CircuitBreaker` — fail fast on an endpoint that keeps failing;
* `Limits` — a client's limiter + budget, to hand to another client (`limits=client.limits`);
* `SharedEndpointLimiter`, `SharedBudget` — the same limits kept in Redis for many processes
  (`limits="redis://…"` or `AUTOTASK_REDIS_URL`; see `options.py`).

All of them are thread-safe and take an injectable clock; none of them sends a request. The two
shared ones load on first use (PEP 562 `__getattr__`): they bring asyncio, a thread pool and the
Redis line, which a client with local limits never needs at start-up; so does `AdaptiveConcurrency`,
which only the bulk engine uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .breaker import CircuitBreaker
from .budget import ThresholdBudget
from .concurrency import DEFAULT_ENDPOINT_LIMIT, EXEMPT_ENDPOINTS, EndpointLimiter, endpoint_key
from .options import LIMITS_ENV, Limits

if TYPE_CHECKING:
    from .adaptive import AdaptiveConcurrency
    from .shared_budget import SharedBudget
    from .shared_slots import SharedEndpointLimiter

__all__ = [
    "DEFAULT_ENDPOINT_LIMIT",
    "EXEMPT_ENDPOINTS",
    "AdaptiveConcurrency",
    "CircuitBreaker",
    "EndpointLimiter",
    "LIMITS_ENV",
    "Limits",
    "SharedBudget",
    "SharedEndpointLimiter",
    "ThresholdBudget",
    "endpoint_key",
]


def __getattr__(name: str) -> Any:
    if name == "AdaptiveConcurrency":  # the bulk engine's
        from .adaptive import AdaptiveConcurrency

        return AdaptiveConcurrency
    if name == "SharedBudget":
        from .shared_budget import SharedBudget

        return SharedBudget
    if name == "SharedEndpointLimiter":
        from .shared_slots import SharedEndpointLimiter

        return SharedEndpointLimiter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
