"""Per-endpoint circuit breaker: after repeated failures, fail fast for a cool-down instead of piling on.

States per endpoint:
* closed — requests pass; consecutive failures are counted, any success resets the count;
* open — `failure_threshold` failures in a row: `before()` raises `CircuitOpenError` until `cooldown`
  seconds have passed;
* half-open — after the cool-down one trial request is let through (others still fail fast); its
  success closes the circuit, its failure opens it for another cool-down. A trial that never reports
  back frees the trial slot after one more cool-down.

What counts as a failure is the caller's decision: transient faults (no answer, timeouts, 5xx without
an Autotask validation message). Validation errors, 404s and 429s are answers from a working server —
report them as `success()` (429s belong to the budget and the concurrency limiter, not the breaker).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from .._exceptions import CircuitOpenError
from .concurrency import endpoint_key

__all__ = [
    "CLOSED",
    "DEFAULT_COOLDOWN_SECONDS",
    "DEFAULT_FAILURE_THRESHOLD",
    "HALF_OPEN",
    "HALF_OPEN_RETRY_AFTER_SECONDS",
    "OPEN",
    "CircuitBreaker",
]

logger = logging.getLogger("py_autotask.limits")

#: Consecutive failures that open an endpoint's circuit.
DEFAULT_FAILURE_THRESHOLD = 5
#: Seconds an open circuit fails fast before a trial request is allowed.
DEFAULT_COOLDOWN_SECONDS = 30.0
#: `retry_after` told to callers turned away while a half-open trial is still in flight.
HALF_OPEN_RETRY_AFTER_SECONDS = 1.0

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half-open"


@dataclass
class _Circuit:
    failures: int = 0
    opened_at: float | None = None
    trial_started: float | None = None
    last_error: str | None = None
    unreachable: bool = False  # the last failure was a connection that never got through


class CircuitBreaker:
    """Tracks consecutive failures per endpoint and turns requests away while an endpoint's circuit is open."""

    def __init__(
        self,
        failure_threshold: int = DEFAULT_FAILURE_THRESHOLD,
        cooldown: float = DEFAULT_COOLDOWN_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
        key_func: Callable[[str], str] = endpoint_key,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError(f"failure_threshold must be at least 1, got {failure_threshold}")
        if cooldown < 0:
            raise ValueError(f"cooldown must not be negative, got {cooldown}")
        self.failure_threshold = failure_threshold
        self.cooldown = cooldown
        self._clock = clock
        self._key_func = key_func
        self._lock = threading.Lock()
        self._circuits: dict[str, _Circuit] = {}

    def before(self, endpoint: str) -> None:
        """Let a request through, or raise `CircuitOpenError` while the endpoint's circuit is open."""
        key = self._key_func(endpoint)
        with self._lock:
            circuit = self._circuits.get(key)
            if circuit is None or circuit.opened_at is None:
                return
            now = self._clock()
            remaining = circuit.opened_at + self.cooldown - now
            if remaining > 0:
                raise CircuitOpenError(key, remaining, circuit.last_error, unreachable=circuit.unreachable)
            trial_busy = circuit.trial_started is not None and now - circuit.trial_started < self.cooldown
            if trial_busy:
                raise CircuitOpenError(key, HALF_OPEN_RETRY_AFTER_SECONDS, circuit.last_error,
                                       unreachable=circuit.unreachable)
            circuit.trial_started = now
            logger.info("circuit for %s half-open: letting one trial request through", key)

    def success(self, endpoint: str) -> None:
        """Report an answer from a working server: closes the circuit and resets the failure count."""
        key = self._key_func(endpoint)
        with self._lock:
            circuit = self._circuits.get(key)
            if circuit is None:
                return
            if circuit.opened_at is not None:
                logger.info("circuit for %s closed again after a successful trial", key)
            del self._circuits[key]

    def failure(self, endpoint: str, reason: str | None = None, *, unreachable: bool = False) -> None:
        """Report a transient failure; the threshold-th in a row (or a failed trial) opens the circuit.

        `unreachable`: the request never got through (connection refused, unknown host)."""
        key = self._key_func(endpoint)
        with self._lock:
            circuit = self._circuits.setdefault(key, _Circuit())
            circuit.last_error = reason
            circuit.unreachable = unreachable
            circuit.failures += 1
            trial_failed = circuit.trial_started is not None
            if trial_failed or (circuit.opened_at is None and circuit.failures >= self.failure_threshold):
                circuit.opened_at = self._clock()
                circuit.trial_started = None
                logger.warning(
                    "circuit for %s opened after %d consecutive failures (last: %s); failing fast for %.1fs",
                    key,
                    circuit.failures,
                    reason or "unknown",
                    self.cooldown,
                )

    def state(self, endpoint: str) -> str:
        """Return `closed`, `open` or `half-open` for an endpoint."""
        key = self._key_func(endpoint)
        with self._lock:
            circuit = self._circuits.get(key)
            if circuit is None or circuit.opened_at is None:
                return CLOSED
            if self._clock() < circuit.opened_at + self.cooldown:
                return OPEN
            return HALF_OPEN

    def reset(self, endpoint: str | None = None) -> None:
        """Close one endpoint's circuit, or every circuit."""
        with self._lock:
            if endpoint is None:
                self._circuits.clear()
            else:
                self._circuits.pop(self._key_func(endpoint), None)
