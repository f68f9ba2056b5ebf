"""Staying inside Autotask's limits during a bulk job: adaptive concurrency, pauses, and when to stop.

The client already keeps each endpoint within its thread limit (`EndpointLimiter`), paces against the
hourly budget and trips a circuit breaker; the bulk engine adds, per endpoint the job uses:
- AIMD: an `AdaptiveConcurrency` halves the endpoint's limit on a 429 and grows it back by one after
  a run of successes, never above the limit the client had (the ceiling); the limit is restored when
  the job ends. The engine's calls run with a retry policy that leaves every 429 to this module
  (`RetryPolicy.retry_rate_limited=False`), so each 429 is seen here, once, and handled by one policy.
- Decisions on errors that escape the client, all about calls Autotask did not act on:
  an open circuit → wait out its cool-down and repeat the call (a few times, then stop the job);
  a 429 → lower the endpoint's concurrency, back off (Retry-After when given) and repeat; the hourly
  threshold, our budget, refused credentials or permissions → stop the job (remaining rows are
  `skipped`, resumable).
"""

from __future__ import annotations

import threading
from typing import Any

from .._exceptions import (
    AuthenticationError,
    CircuitOpenError,
    PermissionDeniedError,
    RateLimitError,
    ThresholdBudgetExceeded,
    ThresholdExceededError,
)
from ..limits import DEFAULT_ENDPOINT_LIMIT, AdaptiveConcurrency, endpoint_key

__all__ = ["MAX_CIRCUIT_WAITS", "MAX_THROTTLE_RETRIES", "Metering", "StopJob", "http_total"]

#: Cool-downs of an open circuit waited out for one call before the job stops.
MAX_CIRCUIT_WAITS = 5
#: Repeats of a call refused with 429 before the job stops.
MAX_THROTTLE_RETRIES = 5
_THROTTLE_BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)


class StopJob(Exception):
    """A condition that stops the whole job (the remaining rows are skipped, the journal kept)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class Metering:
    """AIMD controllers for the endpoints of one job, plus the retry-or-stop decisions."""

    def __init__(self, client: Any, endpoints: list[str]) -> None:
        runtime = getattr(client, "runtime", None)
        self._limiter = getattr(runtime, "limiter", None)
        self._lock = threading.Lock()
        self.throttled = 0
        self._controllers: dict[str, AdaptiveConcurrency] = {}
        self._original: dict[str, int] = {}
        if self._limiter is not None:
            for endpoint in dict.fromkeys(endpoint_key(e) for e in endpoints):
                ceiling = self._limiter.limit_for(endpoint)
                self._original[endpoint] = ceiling
                self._controllers[endpoint] = AdaptiveConcurrency(self._limiter, endpoint, ceiling=ceiling)

    @property
    def ceiling(self) -> int:
        """The most requests the job may have in flight on any one endpoint."""
        if not self._controllers:
            return DEFAULT_ENDPOINT_LIMIT
        return max(c.ceiling for c in self._controllers.values())

    def limits(self) -> dict[str, int]:
        """Current adaptive limit per endpoint."""
        return {name: c.limit for name, c in self._controllers.items()}

    def on_success(self, endpoint: str) -> None:
        """A call on `endpoint` succeeded."""
        controller = self._controllers.get(endpoint_key(endpoint))
        if controller is not None:
            controller.on_success()

    def on_throttled(self, url: str) -> None:
        """A 429 was answered for `url`."""
        with self._lock:
            self.throttled += 1
        try:
            controller = self._controllers.get(endpoint_key(url))
        except ValueError:
            return
        if controller is not None:
            controller.on_throttled()

    def decide(self, exc: Exception, attempt: int) -> float | None:
        """Seconds to wait before repeating a call that raised `exc`; None = hand it to the row; or StopJob."""
        if isinstance(exc, (ThresholdBudgetExceeded, ThresholdExceededError)):
            raise StopJob(f"hourly request threshold: {exc}")
        if isinstance(exc, (AuthenticationError, PermissionDeniedError)):
            raise StopJob(f"{type(exc).__name__}: {exc}")
        if isinstance(exc, CircuitOpenError):
            if attempt >= MAX_CIRCUIT_WAITS:
                raise StopJob(str(exc))
            return max(0.05, exc.retry_after)
        if isinstance(exc, RateLimitError):
            self.on_throttled(exc.url or "")
            if attempt >= MAX_THROTTLE_RETRIES:
                raise StopJob(f"Autotask kept refusing calls with 429: {exc}")
            return exc.retry_after if exc.retry_after is not None else _THROTTLE_BACKOFF[attempt]
        return None

    def restore(self) -> None:
        """Give the endpoints back the limits they had before the job."""
        if self._limiter is not None:
            for endpoint, limit in self._original.items():
                self._limiter.set_limit(endpoint, limit)


def http_total(client: Any) -> int | None:
    """Requests the client has sent so far (every attempt), from its budget; None without a budget."""
    budget = getattr(getattr(client, "runtime", None), "budget", None)
    return None if budget is None else int(budget.usage()["requests_total"])
