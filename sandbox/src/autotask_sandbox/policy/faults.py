"""Injected latency and faults, deterministic for a given seed so a failing test replays exactly.

Fault kinds and where they strike:
- ``500`` / ``429``: answered *instead of* handling the request (no side effects), with Autotask's
  error envelope; the 429 carries the thread-threshold message clients key their retries on.
- ``reset``: the request is handled (a write is applied), then the connection is dropped without a
  response, like a socket closed mid-flight; the caller cannot know whether the write happened.
- ``truncate``: handled, then only part of the body is sent while Content-Length promises all of it.
- ``slow``: handled, answered after an extra ``slow_s`` seconds (well beyond normal latency).
Faults never touch ``/_sandbox`` or ``zoneInformation``.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping

from .checks import integer, number

# The longest delay a test may inject (latency, jitter, a "slow" fault): ten minutes.
MAX_DELAY_S = 600.0
FAULT_KINDS = ("500", "429", "reset", "truncate", "slow")

FAULT_500_MESSAGE = "An unexpected error occurred while processing the request. Please try again."


def parse_fault_spec(spec: str) -> dict[str, float]:
    """Parse ``500=0.05,429=0.02,reset=0.01`` into a rates mapping."""
    rates: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        kind, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"fault {part!r} is not kind=rate")
        rates[kind.strip()] = float(value)
    return validate_rates(rates)


def validate_rates(rates: Mapping[str, float] | None) -> dict[str, float]:
    """Check kinds and rates (each in [0, 1], summing to at most 1)."""
    clean: dict[str, float] = {}
    for kind, rate in (rates or {}).items():
        kind = str(kind).lower()
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {', '.join(FAULT_KINDS)}")
        rate = number(rate, f"fault rate for {kind}", 0.0, 1.0)
        if rate:
            clean[kind] = rate
    if sum(clean.values()) > 1.0 + 1e-9:
        raise ValueError("fault rates add up to more than 1")
    return clean


class FaultInjector:
    """Draws at most one fault per request from a seeded generator."""

    def __init__(
        self, rates: Mapping[str, float] | None = None, *, seed: int = 0, slow_s: float = 3.0
    ) -> None:
        self._lock = threading.Lock()
        self.configure(rates, seed=seed, slow_s=slow_s)

    def configure(
        self, rates: Mapping[str, float] | None, *, seed: int | None = None, slow_s: float | None = None
    ) -> None:
        """Replace the rates (and optionally reseed the generator or change the slow delay)."""
        clean = validate_rates(rates)
        seed = None if seed is None else integer(seed, "fault seed", -(2**63), 2**63 - 1)
        slow_s = None if slow_s is None else number(slow_s, "slow_s", 0.0, MAX_DELAY_S)
        with self._lock:
            self.rates = clean
            if seed is not None:
                self.seed = seed
                self._rng = random.Random(self.seed)
            if slow_s is not None:
                self.slow_s = slow_s

    def draw(self) -> str | None:
        """The fault for the next request, or None."""
        if not self.rates:
            return None
        with self._lock:
            roll = self._rng.random()
        edge = 0.0
        for kind in FAULT_KINDS:
            edge += self.rates.get(kind, 0.0)
            if roll < edge:
                return kind
        return None


class Latency:
    """Fixed latency plus uniform jitter in ``[0, jitter_ms]``, drawn from a seeded generator."""

    def __init__(self, latency_ms: float = 0.0, jitter_ms: float = 0.0, *, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self.configure(latency_ms, jitter_ms)

    def configure(self, latency_ms: float, jitter_ms: float = 0.0) -> None:
        """Set the fixed part and the jitter, in milliseconds (each at most ten minutes)."""
        latency = number(latency_ms, "latency_ms", 0.0, MAX_DELAY_S * 1000)
        jitter = number(jitter_ms, "jitter_ms", 0.0, MAX_DELAY_S * 1000)
        self.latency_ms, self.jitter_ms = latency, jitter

    def draw(self) -> float:
        """Seconds to wait before answering the next request."""
        if not self.jitter_ms:
            return self.latency_ms / 1000.0
        with self._lock:
            extra = self._rng.uniform(0.0, self.jitter_ms)
        return (self.latency_ms + extra) / 1000.0
