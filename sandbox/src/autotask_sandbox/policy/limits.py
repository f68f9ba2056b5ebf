"""Autotask's two limits: the per-database hourly request threshold and the per-endpoint thread limit.

Hourly threshold (docs/autotask-facts.md#limits): 10,000 requests per 60 minutes per database, shared by every
API user and integration. The window here is *sliding*, kept as 60 buckets of ``window/60`` seconds on
the sandbox clock, so usage falls gradually as old buckets expire (Autotask describes usage "falling"
after a suspension rather than a reset on the hour). Only accepted requests count: a rejected request
does not extend the suspension. At >= 50 % of the threshold Autotask adds 0.5 s to every call, at
>= 75 % 1 s (third-party descriptions; scalable/disable-able here), and at 100 % it answers 429.

Thread limit (same section): at most N (default 3) requests in flight per (integration code, endpoint), where
the endpoint is the collection segment (every ``/V1.0/Tickets/...`` path shares one). A request holds
its slot for its whole life, including injected latency.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from .checks import flag, integer, number

BUCKETS = 60
MAX_WINDOW_S = 7 * 86400.0

THREAD_LIMIT_MESSAGE = (
    "Thread Threshold Exceeded \u2014 The Autotask API thread threshold of {n} threads has "
    "been exceeded. (Itgenatr005)"
)
THRESHOLD_MESSAGE = (
    "The external request threshold of {limit} requests per {minutes} minutes has been "
    "exceeded for this database. API access is suspended until usage falls below the "
    "threshold."
)


@dataclass(frozen=True)
class ThresholdDecision:
    """Outcome of counting one request against the hourly threshold."""

    allowed: bool
    delay_s: float  # usage-based latency Autotask adds at >= 50 % / >= 75 % of the threshold
    count: int  # requests in the current window, including this one when allowed


class HourlyThreshold:
    """Per-database request counter over a sliding window on the sandbox clock."""

    def __init__(
        self,
        limit: int,
        window_s: float,
        now: Callable[[], float],
        *,
        latency: bool = True,
        latency_scale: float = 1.0,
    ) -> None:
        self._lock = threading.Lock()
        self._now = now
        self.configure(limit=limit, window_s=window_s, latency=latency, latency_scale=latency_scale)

    def configure(
        self,
        *,
        limit: int | None = None,
        window_s: float | None = None,
        latency: bool | None = None,
        latency_scale: float | None = None,
    ) -> None:
        """Change the limit, window or usage latency; changing the window clears the count.

        Every value is checked before any is changed (ValueError names the first bad one)."""
        limit = None if limit is None else integer(limit, "threshold", 1, 10**9)
        window_s = None if window_s is None else number(window_s, "threshold_window_s", 1.0, MAX_WINDOW_S)
        latency = None if latency is None else flag(latency, "threshold_latency")
        latency_scale = None if latency_scale is None else number(latency_scale, "threshold_latency_scale", 0, 600)
        with self._lock:
            if limit is not None:
                self.limit = limit
            if latency is not None:
                self.latency = latency
            if latency_scale is not None:
                self.latency_scale = latency_scale
            if window_s is not None:
                self.window_s = window_s
                self._bucket_s = self.window_s / BUCKETS
                self._buckets = [0] * BUCKETS
                self._bucket_ids = [-1] * BUCKETS

    def reset(self) -> None:
        """Forget every counted request."""
        with self._lock:
            self._buckets = [0] * BUCKETS
            self._bucket_ids = [-1] * BUCKETS

    def _count_locked(self, bucket_id: int) -> int:
        oldest = bucket_id - BUCKETS + 1
        return sum(c for c, b in zip(self._buckets, self._bucket_ids, strict=True) if b >= oldest)

    def current(self) -> int:
        """Requests counted in the window ending now."""
        with self._lock:
            return self._count_locked(int(self._now() // self._bucket_s))

    def hit(self) -> ThresholdDecision:
        """Count one request if the threshold allows it; say how much latency usage adds."""
        with self._lock:
            bucket_id = int(self._now() // self._bucket_s)
            used = self._count_locked(bucket_id)
            if used >= self.limit:
                return ThresholdDecision(False, 0.0, used)
            slot = bucket_id % BUCKETS
            if self._bucket_ids[slot] != bucket_id:
                self._bucket_ids[slot] = bucket_id
                self._buckets[slot] = 0
            self._buckets[slot] += 1
            used += 1
            delay = 0.0
            if self.latency and self.limit > 0:
                ratio = used / self.limit
                if ratio >= 0.75:
                    delay = 1.0 * self.latency_scale
                elif ratio >= 0.5:
                    delay = 0.5 * self.latency_scale
            return ThresholdDecision(True, delay, used)

    def message(self) -> str:
        """The 429 message for an exhausted threshold."""
        return THRESHOLD_MESSAGE.format(limit=self.limit, minutes=round(self.window_s / 60))


def check_thread_limit(value: object) -> int:
    """A thread limit a test may set: 1 to 1,000 requests in flight per key."""
    return integer(value, "thread_limit", 1, 1000)


class ThreadLimiter:
    """Counts in-flight requests per (integration code, endpoint) under a lock."""

    def __init__(self, limit: int) -> None:
        self.limit = check_thread_limit(limit)
        self._lock = threading.Lock()
        self._active: dict[tuple[str, str], int] = {}

    def acquire(self, key: tuple[str, str]) -> bool:
        """Take a slot for ``key``; False when all ``limit`` slots are in use."""
        with self._lock:
            n = self._active.get(key, 0)
            if n >= self.limit:
                return False
            self._active[key] = n + 1
            return True

    def release(self, key: tuple[str, str]) -> None:
        """Give back a slot taken by :meth:`acquire`."""
        with self._lock:
            n = self._active.get(key, 0) - 1
            if n > 0:
                self._active[key] = n
            else:
                self._active.pop(key, None)

    def in_flight(self) -> int:
        """Requests currently holding a slot, over all keys."""
        with self._lock:
            return sum(self._active.values())

    def message(self) -> str:
        """The 429 message Autotask sends when the thread limit is hit."""
        return THREAD_LIMIT_MESSAGE.format(n=self.limit)
