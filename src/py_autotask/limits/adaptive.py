"""AIMD concurrency for long jobs: halve an endpoint's limit on a 429, grow it back by one while healthy.

The bulk engine drives one `AdaptiveConcurrency` per endpoint it hammers: `on_success()` after each good
answer, `on_throttled()` after a 429 (thread or threshold). The new limit is pushed into the shared
`EndpointLimiter`, so every thread and task of the client slows down together.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .concurrency import DEFAULT_ENDPOINT_LIMIT, EndpointLimiter

__all__ = [
    "AdaptiveConcurrency",
    "DECREASE_FACTOR",
    "GROW_AFTER_SUCCESSES",
    "THROTTLE_COOLDOWN_SECONDS",
]

#: Multiplicative decrease applied to the limit on a 429.
DECREASE_FACTOR = 0.5
#: Consecutive successes (since the last change) before the limit grows by one.
GROW_AFTER_SUCCESSES = 20
#: Further 429s within this many seconds of a cut belong to the same burst and do not cut again.
THROTTLE_COOLDOWN_SECONDS = 2.0


class AdaptiveConcurrency:
    """Additive-increase / multiplicative-decrease controller for one endpoint's limit."""

    def __init__(
        self,
        limiter: EndpointLimiter,
        endpoint: str,
        *,
        ceiling: int = DEFAULT_ENDPOINT_LIMIT,
        floor: int = 1,
        start: int | None = None,
        grow_after: int = GROW_AFTER_SUCCESSES,
        decrease_factor: float = DECREASE_FACTOR,
        cooldown: float = THROTTLE_COOLDOWN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 1 <= floor <= ceiling:
            raise ValueError(f"need 1 <= floor <= ceiling, got floor={floor}, ceiling={ceiling}")
        if not 0 < decrease_factor < 1:
            raise ValueError(f"decrease_factor must be between 0 and 1, got {decrease_factor}")
        self._limiter = limiter
        self.endpoint = limiter.endpoint_key(endpoint)
        self.ceiling = ceiling
        self.floor = floor
        self._grow_after = max(1, grow_after)
        self._decrease_factor = decrease_factor
        self._cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._limit = min(ceiling, max(floor, start if start is not None else ceiling))
        self._successes = 0
        self._last_cut: float | None = None
        limiter.set_limit(self.endpoint, self._limit)

    @property
    def limit(self) -> int:
        """The limit currently applied to the endpoint."""
        return self._limit

    def on_success(self) -> int:
        """Count a good answer; every `grow_after` of them in a row raise the limit by one (up to the ceiling)."""
        with self._lock:
            self._successes += 1
            if self._successes >= self._grow_after and self._limit < self.ceiling:
                self._successes = 0
                self._apply(self._limit + 1)
            return self._limit

    def on_throttled(self) -> int:
        """Count a 429: cut the limit (at most once per cool-down) and restart the success streak."""
        with self._lock:
            now = self._clock()
            self._successes = 0
            if self._last_cut is not None and now - self._last_cut < self._cooldown:
                return self._limit
            self._last_cut = now
            self._apply(max(self.floor, int(self._limit * self._decrease_factor)))
            return self._limit

    def _apply(self, limit: int) -> None:
        if limit != self._limit:
            self._limit = limit
            self._limiter.set_limit(self.endpoint, limit)
