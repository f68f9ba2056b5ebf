"""The attachment upload budget: at most 10,000,000 bytes within any 5 minutes, kept by waiting.

Autotask refuses an attachment upload that would take the bytes uploaded in the last 5 minutes over
10,000,000, and then blocks every attachment upload for 5 minutes
(https://ww1.autotask.net/help/DeveloperHelp/Content/APIs/REST/General_Topics/REST_Thresholds_Limits.htm).
Tripping that costs far more than waiting, so :class:`UploadBudget` records what this process sent and,
before an upload that would not fit, waits until enough of the window has rolled off (plus a margin for
the clocks of client and server). Uploads from other processes are not seen; share one budget between
the clients of a process. An upload's bytes are charged when it is sent and kept even if it fails: a
request that timed out may still have been counted by the server.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable

__all__ = ["UploadBudget"]

WINDOW_BYTES = 10_000_000
WINDOW_S = 300.0


class UploadBudget:
    """A sliding-window byte budget; `acquire(n)` returns once `n` more bytes may be sent."""

    def __init__(
        self,
        window_bytes: int = WINDOW_BYTES,
        window_s: float = WINDOW_S,
        *,
        margin_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if window_bytes <= 0 or window_s <= 0:
            raise ValueError("window_bytes and window_s must be positive")
        self.window_bytes = window_bytes
        self.window_s = window_s
        self.margin_s = margin_s
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._sent: deque[tuple[float, int]] = deque()
        self.waited_s = 0.0  # total time spent waiting, for reports and tests

    def __repr__(self) -> str:
        return f"UploadBudget({self.used()}/{self.window_bytes} bytes in {self.window_s:g} s)"

    def used(self) -> int:
        """Bytes charged within the current window."""
        with self._lock:
            self._expire(self._clock())
            return sum(n for _, n in self._sent)

    def try_acquire(self, size: int) -> float:
        """Charge ``size`` bytes and return 0.0, or return the seconds to wait before they fit."""
        if size > self.window_bytes:
            raise ValueError(f"{size} bytes can never fit a budget of {self.window_bytes} bytes")
        with self._lock:
            now = self._clock()
            self._expire(now)
            excess = sum(n for _, n in self._sent) + size - self.window_bytes
            if excess <= 0:
                self._sent.append((now, size))
                return 0.0
            for sent_at, n in self._sent:  # the oldest uploads leave the window first
                excess -= n
                if excess <= 0:
                    return max(sent_at + self.window_s - now, 0.0) + self.margin_s
        raise AssertionError("unreachable: the whole window rolls off eventually")

    def acquire(self, size: int) -> float:
        """Wait (with the injected ``sleep``) until ``size`` bytes fit, charge them; returns the wait."""
        waited = 0.0
        while (delay := self.try_acquire(size)) > 0:
            self._sleep(delay)
            waited += delay
        self.waited_s += waited
        return waited

    async def acquire_async(self, size: int, sleep: Callable[[float], Awaitable[object]] | None = None) -> float:
        """`acquire` for async code: waits with ``sleep`` (default ``anyio.sleep``)."""
        if sleep is None:
            import anyio

            sleep = anyio.sleep
        waited = 0.0
        while (delay := self.try_acquire(size)) > 0:
            await sleep(delay)
            waited += delay
        self.waited_s += waited
        return waited

    def _expire(self, now: float) -> None:
        # An upload sent exactly window_s ago no longer counts (as on the server).
        while self._sent and self._sent[0][0] <= now - self.window_s:
            self._sent.popleft()
