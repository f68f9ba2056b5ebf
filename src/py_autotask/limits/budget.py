"""Our share of the tenant's hourly request threshold: count, pace, and stop before Autotask does (sans-I/O).

Autotask allows a database (tenant) 10,000 requests per 60-minute timeframe, shared with every other
integration. It adds 0.5 s of latency to every call from 50 % of that, 1 s from 75 %, and refuses calls
(429, then a temporary suspension) at 100 %. `GET /V1.0/ThresholdInformation` reports the tenant's count
and itself counts as a request.

The model, and why:
* The timeframe is treated as *rolling*: each of our requests counts for one timeframe after it was made.
  Autotask does not say whether its timeframe is rolling or fixed; rolling is the cautious reading.
* Tenant estimate = the count from the last `ThresholdInformation` read + our requests since, as long as
  that read is younger than one timeframe; otherwise only our own requests are known.
* `share` caps our own requests per timeframe (e.g. 0.3 → 3,000 of 10,000), so a long export leaves room
  for the tenant's other integrations.
* Pacing, tenant: above `soft_mark` (40 %) of the tenant threshold — before Autotask's own 50 % latency
  step — requests are spaced by `interval = k × timeframe / (stop − tenant)`: the closer to the stop mark,
  the slower. In a rolling window such pacing settles where `used = stop / (1 + k)`; `k` is chosen so
  that, alone on the tenant, we settle at `TENANT_PACING_TARGET` (45 %). (Right after a burst the first
  timeframe can run higher — about 74 % from a standing start — but never reaches the stop mark.)
* Pacing, our share: above `soft_mark` of our cap, what is left of the share is spread evenly until our
  oldest request ages out (`interval = time until it frees / (cap − ours)`), and never faster than the
  steady pace `timeframe / cap`; a long job thus uses its whole share at an even pace (after the first
  timeframe: exactly `cap` per timeframe) and never runs into the cap. The share is the strict tool:
  `share=0.45` keeps our own usage under Autotask's 50 % latency step in every timeframe, the first too.
* Stop: a request that would take us over our cap, or the tenant over `stop_mark` (99 %) of its
  threshold, is refused with `ThresholdBudgetExceeded` — or, with `wait=True`, delayed until the window
  frees up (our oldest request ages out; for the tenant, until a fresh read is due). The re-reads while
  waiting count too, so none is made that would itself take the tenant to 100 %: at one request short
  of the threshold the budget waits for its reading to go stale (one timeframe) instead.

Nothing here sleeps or does I/O; `acquire()`/`aacquire()` are the two thin drivers that do.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from .._exceptions import ThresholdBudgetExceeded

if TYPE_CHECKING:
    pass

__all__ = [
    "DEFAULT_SHARE",
    "DEFAULT_THRESHOLD",
    "DEFAULT_TIMEFRAME_SECONDS",
    "REFRESH_CLAIM_TIMEOUT_SECONDS",
    "REFRESH_EVERY_REQUESTS",
    "REFRESH_EVERY_REQUESTS_HOT",
    "REFRESH_FIRST_AFTER_REQUESTS",
    "REFRESH_INTERVAL_SECONDS",
    "SOFT_MARK",
    "TENANT_PACING_TARGET",
    "TENANT_RECHECK_SECONDS",
    "TENANT_STOP_MARK",
    "ThresholdBudget",
]

#: Autotask's documented hourly threshold, assumed until ThresholdInformation says otherwise.
DEFAULT_THRESHOLD = 10_000
#: Autotask's documented timeframe (60 minutes), assumed until ThresholdInformation says otherwise.
DEFAULT_TIMEFRAME_SECONDS = 3600.0
#: Fraction of the tenant threshold we may use ourselves (1.0 = no cap beyond the tenant's own).
DEFAULT_SHARE = 1.0
#: Start pacing at this fraction of the tenant threshold (or of our cap): below Autotask's 50 % latency step.
SOFT_MARK = 0.40
#: Where tenant pacing settles when we are the tenant's only client: under Autotask's 50 % latency step.
TENANT_PACING_TARGET = 0.45
#: Refuse requests that would take the tenant past this fraction; leaves slack for the estimate's lag.
TENANT_STOP_MARK = 0.99
#: Without any ThresholdInformation read yet, read it once we have made this many requests.
REFRESH_FIRST_AFTER_REQUESTS = 10
#: Re-read ThresholdInformation after this many of our requests …
REFRESH_EVERY_REQUESTS = 250
#: … or after this many once the tenant is above the soft mark (the estimate matters more there) …
REFRESH_EVERY_REQUESTS_HOT = 50
#: … or when the last read is older than this and we have made requests since.
REFRESH_INTERVAL_SECONDS = 300.0
#: A claimed refresh that never reported back (`observe`/`refresh_failed`) may be claimed again after this.
REFRESH_CLAIM_TIMEOUT_SECONDS = 30.0
#: When the tenant (not our own usage) is at the stop mark, wait this long and re-read before trying again.
TENANT_RECHECK_SECONDS = 60.0

logger = logging.getLogger("py_autotask.limits")

# Waits that end when a request ages out end this much later, so float rounding cannot wake us a hair early.
_AGE_OUT_MARGIN = 0.001
# A pacing wait this short is float noise from the caller's sleep arithmetic: go.
_NEGLIGIBLE_WAIT = 1e-6

_THRESHOLD_KEYS = ("externalrequestthreshold", "requestthresholdtimeframe", "currenttimeframerequestcount")


def parse_threshold_info(threshold_info: Mapping[str, Any]) -> tuple[int, int, int]:
    """(threshold, timeframe minutes, current count) from a ThresholdInformation answer.

    Keys are case-insensitive and a `{"item": …}` wrapper is accepted; a missing or implausible
    value is a ValueError rather than a budget that silently believes it.
    """
    if "item" in threshold_info and isinstance(threshold_info["item"], Mapping):
        threshold_info = threshold_info["item"]
    lowered = {str(k).lower(): v for k, v in threshold_info.items()}
    missing = [k for k in _THRESHOLD_KEYS if lowered.get(k) is None]
    if missing:
        raise ValueError(f"ThresholdInformation answer lacks {', '.join(missing)}")
    threshold, minutes, count = (int(lowered[k]) for k in _THRESHOLD_KEYS)
    if threshold <= 0 or minutes <= 0 or count < 0:
        raise ValueError(f"implausible ThresholdInformation: {threshold=}, {minutes=}, {count=}")
    return threshold, minutes, count


class ThresholdBudget:
    """Tracks our requests against the tenant's hourly threshold and decides when the next one may go."""

    def __init__(
        self,
        *,
        share: float = DEFAULT_SHARE,
        soft_mark: float = SOFT_MARK,
        stop_mark: float = TENANT_STOP_MARK,
        wait: bool = False,
        threshold: int = DEFAULT_THRESHOLD,
        timeframe: float = DEFAULT_TIMEFRAME_SECONDS,
        refresh_every: int = REFRESH_EVERY_REQUESTS,
        refresh_interval: float = REFRESH_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < share <= 1:
            raise ValueError(f"share must be in (0, 1], got {share}")
        if not 0 < soft_mark <= 1 or not 0 < stop_mark <= 1:
            raise ValueError("soft_mark and stop_mark must be in (0, 1]")
        self.share = share
        self.soft_mark = soft_mark
        self.stop_mark = stop_mark
        self.wait = wait
        self._threshold = threshold
        self._window = timeframe
        self._refresh_every = refresh_every
        self._refresh_interval = refresh_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._ours: deque[float] = deque()
        self._total = 0
        self._observed_count: int | None = None
        self._observed_at: float | None = None
        self._total_at_observe = 0
        self._last_go: float | None = None
        self._refresh_forced = False
        self._claimed_at: float | None = None

    # -- feeding it ------------------------------------------------------------------------------------

    def observe(self, threshold_info: Mapping[str, Any]) -> None:
        """Take a ThresholdInformation answer (keys case-insensitive; a `{"item": …}` wrapper is accepted)."""
        threshold, minutes, count = parse_threshold_info(threshold_info)
        with self._lock:
            self._threshold = threshold
            self._window = minutes * 60.0
            self._observed_count = count
            self._observed_at = self._clock()
            self._total_at_observe = self._total
            self._refresh_forced = False
            self._claimed_at = None

    def record(self, n: int = 1) -> None:
        """Count `n` requests we sent (every attempt, retries and ThresholdInformation reads included)."""
        now = self._clock()
        with self._lock:
            self._ours.extend([now] * n)
            self._total += n

    def note_rate_limited(self, *, threshold_exceeded: bool = False) -> None:
        """Report a 429: force a re-read; if it was the hourly threshold, assume the tenant is at 100 % meanwhile."""
        with self._lock:
            self._refresh_forced = True
            self._claimed_at = None
            if threshold_exceeded:
                self._observed_count = self._threshold
                self._observed_at = self._clock()
                self._total_at_observe = self._total

    # -- deciding --------------------------------------------------------------------------------------

    def before_request(self, *, wait: bool | None = None) -> float:
        """Return seconds to wait before the next request (0 = go now); raise if over budget and not waiting.

        Call it again after waiting: only a call that returns 0 lets a request go (and anchors the pacing).
        """
        wait = self.wait if wait is None else wait
        with self._lock:
            now = self._clock()
            self._prune(now)
            ours, tenant = len(self._ours), self._tenant_estimate(now)
            blocked: list[float] = []
            cap, stop = self._our_cap(), self._tenant_stop()
            ours_frees_in: float | None = None
            if ours + 1 > cap:
                ours_frees_in = max(0.0, self._ours[ours - cap] + self._window + _AGE_OUT_MARGIN - now)
                blocked.append(ours_frees_in)
            if tenant + 1 > stop:
                self._refresh_forced = True
                blocked.append(TENANT_RECHECK_SECONDS)
            if blocked:
                if not wait:
                    message = blocked_message(
                        ours=ours, cap=cap, share=self.share, threshold=self._threshold, window=self._window,
                        ours_frees_in=ours_frees_in, tenant=tenant if tenant + 1 > stop else None,
                    )
                    raise ThresholdBudgetExceeded(message, usage=self._usage(now))
                return max(blocked)
            if self._last_go is not None:
                go_at = self._next_go(ours, tenant, now, anchor=self._last_go)
                if go_at - now > _NEGLIGIBLE_WAIT:
                    return go_at - now
            self._last_go = now
            return 0.0

    def take(self, *, wait: bool | None = None) -> float:
        """`before_request()`, and when it says go, count the request too (one step for a shared budget)."""
        delay = self.before_request(wait=wait)
        if delay <= 0:
            self.record()
        return delay

    def needs_refresh(self) -> bool:
        """True when ThresholdInformation should be read now; claims the read, so one caller at a time gets True.

        Report back with `observe()` (success) or `refresh_failed()`.
        """
        with self._lock:
            now = self._clock()
            if self._claimed_at is not None and now - self._claimed_at < REFRESH_CLAIM_TIMEOUT_SECONDS:
                return False
            if self._refresh_forced:
                due = True
            elif self._observed_at is None:
                due = self._total >= REFRESH_FIRST_AFTER_REQUESTS
            else:
                since = self._total - self._total_at_observe
                hot = self._tenant_estimate(now) >= self.soft_mark * self._threshold
                every = min(REFRESH_EVERY_REQUESTS_HOT, self._refresh_every) if hot else self._refresh_every
                due = since >= every or (since > 0 and now - self._observed_at >= self._refresh_interval)
            if due and self._observation_fresh(now) and self._tenant_estimate(now) == self._threshold - 1:
                # The reading is a request too, and this one would take the tenant to 100 %: while waiting
                # at the stop mark, re-reads would otherwise climb there one per recheck. Wait for the
                # reading to go stale instead. (At or over 100 % a read is refused, not counted: allowed.)
                due = False
            if due:
                self._claimed_at = now
            return due

    def refresh_failed(self) -> None:
        """Release a claimed refresh whose ThresholdInformation read failed, so a later request retries it."""
        with self._lock:
            self._claimed_at = None

    # -- reporting -------------------------------------------------------------------------------------

    def usage(self) -> dict[str, Any]:
        """Return our usage and the tenant estimate, for logs and the CLI."""
        with self._lock:
            now = self._clock()
            self._prune(now)
            return self._usage(now)

    # -- drivers ---------------------------------------------------------------------------------------

    def acquire(
        self,
        *,
        refresh: Callable[[], Mapping[str, Any]] | None = None,
        wait: bool | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> float:
        """Block until a request may go, then record it; return the seconds slept.

        `refresh` reads ThresholdInformation (it is recorded as a request and skips the budget check, so
        a full budget can still be re-checked); it is called whenever `needs_refresh()` says so.
        """
        slept = 0.0
        while True:
            if refresh is not None and self.needs_refresh():
                self._refresh_with(refresh)
            delay = self.take(wait=wait)
            if delay <= 0:
                return slept
            sleep(delay)
            slept += delay

    async def aacquire(
        self,
        *,
        refresh: Callable[[], Awaitable[Mapping[str, Any]]] | None = None,
        wait: bool | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> float:
        """Await until a request may go, then record it; return the seconds slept (async `refresh`)."""
        if sleep is None:
            import asyncio  # here, so a sync client never imports asyncio

            sleep = asyncio.sleep
        slept = 0.0
        while True:
            if refresh is not None and self.needs_refresh():
                self.record()
                try:
                    self.observe(await refresh())
                except Exception as exc:  # a failed read must not fail the request it was guarding
                    self._refresh_error(exc)
            delay = self.take(wait=wait)
            if delay <= 0:
                return slept
            await sleep(delay)
            slept += delay

    def _refresh_with(self, refresh: Callable[[], Mapping[str, Any]]) -> None:
        self.record()
        try:
            self.observe(refresh())
        except Exception as exc:  # a failed read must not fail the request it was guarding
            self._refresh_error(exc)

    def _refresh_error(self, exc: Exception) -> None:
        logger.debug(
            "ThresholdInformation read failed (%s); keeping the current estimate", type(exc).__name__
        )
        self.refresh_failed()

    # -- internals (called with self._lock held) -------------------------------------------------------

    def _prune(self, now: float) -> None:
        horizon = now - self._window
        while self._ours and self._ours[0] <= horizon:
            self._ours.popleft()

    def _our_cap(self) -> int:
        return max(1, int(self.share * self._threshold))

    def _tenant_stop(self) -> int:
        return max(1, int(self.stop_mark * self._threshold))

    def _observation_fresh(self, now: float) -> bool:
        return self._observed_at is not None and now - self._observed_at < self._window

    def _tenant_estimate(self, now: float) -> int:
        ours = len(self._ours)
        if not self._observation_fresh(now):
            return ours
        assert self._observed_count is not None
        return max(ours, self._observed_count + self._total - self._total_at_observe)

    def _pacing_interval(self, ours: int, tenant: int, now: float) -> float:
        """Seconds between requests that pacing asks for right now (0 below the soft marks)."""
        return max(0.0, self._next_go(ours, tenant, now, anchor=now) - now)

    def _next_go(self, ours: int, tenant: int, now: float, anchor: float) -> float:
        """Earliest time the next request may go, pacing from the previous one sent at `anchor`."""
        go_at = anchor
        if tenant >= self.soft_mark * self._threshold:
            stop = self._tenant_stop()
            k = max(0.0, stop / (TENANT_PACING_TARGET * self._threshold) - 1)
            go_at = max(go_at, anchor + k * self._window / max(1, stop - tenant))
        cap = self._our_cap()
        if ours and ours >= self.soft_mark * cap:
            # Spread what is left of our share evenly up to when our oldest request ages out; with one
            # request left that is exactly the moment a slot frees, so pacing alone never hits the cap.
            # Never faster than the steady pace (cap per timeframe), or a burst that ages out all at
            # once would be repeated in the next timeframe.
            frees_at = self._ours[0] + self._window + _AGE_OUT_MARGIN
            spacing = max(max(0.0, frees_at - anchor) / max(1, cap - ours), self._window / cap)
            go_at = max(go_at, anchor + spacing)
        return go_at

    def _usage(self, now: float) -> dict[str, Any]:
        ours, tenant = len(self._ours), self._tenant_estimate(now)
        cap = self._our_cap()
        return {
            "requests": ours,
            "requests_total": self._total,
            "our_cap": cap,
            "share": self.share,
            "our_percent": round(100.0 * ours / cap, 1),
            "tenant_estimate": tenant,
            "tenant_observed": self._observed_count,
            "observed_age_seconds": None if self._observed_at is None else round(now - self._observed_at, 1),
            "threshold": self._threshold,
            "window_seconds": self._window,
            "percent": round(100.0 * tenant / self._threshold, 1),
            "pacing_interval_seconds": round(self._pacing_interval(ours, tenant, now), 3),
        }


def blocked_message(
    *, ours: int, cap: int, share: float, threshold: int, window: float, ours_frees_in: float | None,
    tenant: int | None,
) -> str:
    """Why a request may not go: our share used up (`ours_frees_in` set) and/or the tenant at the stop mark."""
    reasons = []
    if ours_frees_in is not None:
        reasons.append(
            f"our share of the request threshold is used up: {ours:,} of {cap:,} requests "
            f"({share:.0%} of {threshold:,} per {window / 60:g} min); "
            f"the next one frees up in about {_duration(ours_frees_in)}"
        )
    if tenant is not None:
        reasons.append(
            f"the tenant is at an estimated {tenant:,} of {threshold:,} requests per "
            f"{window / 60:g} min ({tenant / threshold:.0%}); stopping before Autotask "
            f"suspends the API at 100 % (usage is read again in about {_duration(TENANT_RECHECK_SECONDS)})"
        )
    return "; ".join(reasons)


def _duration(seconds: float) -> str:
    """Format seconds as `1h 02m`, `12m 30s` or `4.5s`."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"
