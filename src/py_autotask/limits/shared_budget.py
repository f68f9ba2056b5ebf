"""The hourly budget shared through Redis: one window, one pacing and one ThresholdInformation reading
for every process and machine working for one tenant with one integration code.

`SharedBudget` is a `ThresholdBudget` whose state lives in Redis: the requests of the rolling window (a
sorted set), the last reading and the pacing anchor (a hash). Every decision is the same arithmetic as
`budget.py`, run inside one Lua script (`lua.BUDGET`), so `take()` — decide and count — is one round
trip and two processes can never both take the last request of the share. A due ThresholdInformation
read is claimed by whichever process's `take()` notices it first; that process reads it before its next
request and `observe()` shares the answer, so N processes make one read, not N.

Redis unreachable (the link warns once): decisions fall back to a local `ThresholdBudget` with a smaller
share — ours divided by the number of processes seen sharing it (at least 2) — seeded with the last
shared reading and this process's part of the window's requests, so an outage is never a fresh, full
budget. When Redis answers again, the requests made during the outage are added to the shared window.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from .._exceptions import ThresholdBudgetExceeded
from .budget import (
    _AGE_OUT_MARGIN,
    _THRESHOLD_KEYS,
    DEFAULT_SHARE,
    DEFAULT_THRESHOLD,
    DEFAULT_TIMEFRAME_SECONDS,
    REFRESH_CLAIM_TIMEOUT_SECONDS,
    REFRESH_EVERY_REQUESTS,
    REFRESH_EVERY_REQUESTS_HOT,
    REFRESH_FIRST_AFTER_REQUESTS,
    REFRESH_INTERVAL_SECONDS,
    SOFT_MARK,
    TENANT_PACING_TARGET,
    TENANT_RECHECK_SECONDS,
    TENANT_STOP_MARK,
    ThresholdBudget,
    blocked_message,
    parse_threshold_info,
)
from .redis_link import KEY_PREFIX, RedisDown, RedisLink

__all__ = ["SharedBudget"]


class SharedBudget(ThresholdBudget):
    """A `ThresholdBudget` kept in Redis (the inherited local state is unused while Redis answers)."""

    def __init__(
        self,
        link: RedisLink,
        scope: Callable[[], str],
        *,
        share: float = DEFAULT_SHARE,
        soft_mark: float = SOFT_MARK,
        stop_mark: float = TENANT_STOP_MARK,
        wait: bool = False,
        threshold: int = DEFAULT_THRESHOLD,
        timeframe: float = DEFAULT_TIMEFRAME_SECONDS,
        refresh_every: int = REFRESH_EVERY_REQUESTS,
        refresh_interval: float = REFRESH_INTERVAL_SECONDS,
    ) -> None:
        super().__init__(share=share, soft_mark=soft_mark, stop_mark=stop_mark, wait=wait, threshold=threshold,
                         timeframe=timeframe, refresh_every=refresh_every, refresh_interval=refresh_interval)
        self.link = link
        self._scope = scope
        self._defaults = (threshold, timeframe)
        self._claims = 0  # refreshes claimed in Redis by this object's take(), not yet handed out
        self._claims_lock = threading.Lock()
        self._fallback: ThresholdBudget | None = None
        self._participants = 1
        self._last_reading: dict[str, int] | None = None
        self._last_ours = 0
        link.add_heartbeat(self._heartbeat)

    @classmethod
    def like(cls, link: RedisLink, scope: Callable[[], str], budget: ThresholdBudget) -> SharedBudget:
        """A shared budget with the settings of a local one (share, marks, wait, refresh cadence)."""
        return cls(link, scope, share=budget.share, soft_mark=budget.soft_mark, stop_mark=budget.stop_mark,
                   wait=budget.wait, refresh_every=budget._refresh_every, refresh_interval=budget._refresh_interval)

    def __repr__(self) -> str:
        return f"SharedBudget({self.link.display_url!r}, share={self.share})"

    def keys(self) -> list[str]:
        base = f"{KEY_PREFIX}budget:{self._scope()}"
        return [f"{base}:state", f"{base}:requests"]

    # -- one script call per operation, or the local fallback -----------------------------------------

    def _run(self, op: str, *args: object) -> list[str] | None:
        """The script's answer, or None when Redis is down (then use `self._local()`)."""
        if not self.link.up:
            return None
        self._rejoin()
        threshold, window = self._defaults
        try:
            answer = self.link.call(self.link.budget_script, keys=self.keys(), args=[op, threshold, window, *args])
        except RedisDown:
            return None
        return [a.decode() if isinstance(a, bytes) else str(a) for a in answer]

    def _decision_args(self, commit: bool) -> list[object]:
        return [self.share, self.soft_mark, self.stop_mark, int(self.wait), int(commit), self._refresh_every,
                self._refresh_interval, REFRESH_FIRST_AFTER_REQUESTS, REFRESH_EVERY_REQUESTS_HOT,
                REFRESH_CLAIM_TIMEOUT_SECONDS, TENANT_RECHECK_SECONDS, TENANT_PACING_TARGET, _AGE_OUT_MARGIN]

    def _local(self) -> ThresholdBudget:
        """The fallback budget for an outage: a smaller share, seeded with what we last knew."""
        with self._claims_lock:
            if self._fallback is None:
                fallback = ThresholdBudget(
                    share=self.share / max(2, self._participants), soft_mark=self.soft_mark,
                    stop_mark=self.stop_mark, wait=self.wait, threshold=self._threshold, timeframe=self._window,
                    refresh_every=self._refresh_every, refresh_interval=self._refresh_interval,
                )
                if self._last_reading is not None:
                    fallback.observe(self._last_reading)
                if self._last_ours:
                    fallback.record(max(1, self._last_ours // max(1, self._participants)))
                self._fallback = fallback
            return self._fallback

    def _rejoin(self) -> None:
        """Back from an outage: add the requests made meanwhile to the shared window."""
        with self._claims_lock:
            fallback, self._fallback = self._fallback, None
        if fallback is None:
            return
        made = int(fallback.usage()["requests_total"])
        threshold, window = self._defaults
        try:
            self.link.call(self.link.budget_script, keys=self.keys(), args=["record", threshold, window, made])
        except RedisDown:
            with self._claims_lock:
                self._fallback = fallback

    # -- the ThresholdBudget interface ----------------------------------------------------------------

    def observe(self, threshold_info: Mapping[str, Any]) -> None:
        threshold, minutes, count = parse_threshold_info(threshold_info)
        self._threshold, self._window = threshold, minutes * 60.0
        self._last_reading = dict(zip(_THRESHOLD_KEYS, (threshold, minutes, count), strict=True))
        if self._run("observe", threshold, minutes * 60, count) is None:
            self._local().observe(threshold_info)

    def record(self, n: int = 1) -> None:
        if self._run("record", n) is None:
            self._local().record(n)

    def note_rate_limited(self, *, threshold_exceeded: bool = False) -> None:
        if self._run("limited", int(threshold_exceeded)) is None:
            self._local().note_rate_limited(threshold_exceeded=threshold_exceeded)

    def refresh_failed(self) -> None:
        if self._run("failed") is None:
            self._local().refresh_failed()

    def needs_refresh(self) -> bool:
        """True once for each read that `take()` claimed in Redis (no round trip of its own)."""
        if not self.link.up and self._fallback is not None:
            return self._fallback.needs_refresh()
        with self._claims_lock:
            if self._claims:
                self._claims -= 1
                return True
            return False

    def before_request(self, *, wait: bool | None = None) -> float:
        return self._decide(commit=False, wait=wait)

    def take(self, *, wait: bool | None = None) -> float:
        return self._decide(commit=True, wait=wait)

    def _decide(self, *, commit: bool, wait: bool | None) -> float:
        wait = self.wait if wait is None else wait
        answer = self._run("take", *self._decision_args(commit))
        if answer is None:
            local = self._local()
            return local.take(wait=wait) if commit else local.before_request(wait=wait)
        status, delay, claimed = int(answer[0]), float(answer[1]), answer[2] == "1"
        ours, cap, tenant = int(float(answer[3])), int(float(answer[4])), int(float(answer[5]))
        self._threshold, self._window = int(float(answer[6])), float(answer[7])
        self._last_ours = ours
        if claimed:
            with self._claims_lock:
                self._claims += 1
        if status == 2 and not wait:
            frees_in = float(answer[8])
            stop = max(1, int(self.stop_mark * self._threshold))
            message = blocked_message(
                ours=ours, cap=cap, share=self.share, threshold=self._threshold, window=self._window,
                ours_frees_in=frees_in if frees_in >= 0 else None, tenant=tenant if tenant + 1 > stop else None,
            )
            raise ThresholdBudgetExceeded(message, usage=self.usage())
        return delay if status else 0.0

    def usage(self) -> dict[str, Any]:
        threshold, window = self._defaults
        try:
            answer = None if not self.link.up else self.link.call(
                self.link.budget_script, keys=self.keys(),
                args=["usage", threshold, window, *self._decision_args(False)],
            )
        except RedisDown:
            answer = None
        if answer is None:
            return {**self._local().usage(), "shared": False}
        ours, total, cap, tenant, observed, age, threshold_now, window_now, pacing = (
            float(a.decode() if isinstance(a, bytes) else a) for a in answer
        )
        return {
            "requests": int(ours),
            "requests_total": int(total),
            "our_cap": int(cap),
            "share": self.share,
            "our_percent": round(100.0 * ours / cap, 1),
            "tenant_estimate": int(tenant),
            "tenant_observed": None if observed < 0 else int(observed),
            "observed_age_seconds": None if age < 0 else round(age, 1),
            "threshold": int(threshold_now),
            "window_seconds": window_now,
            "percent": round(100.0 * tenant / threshold_now, 1),
            "pacing_interval_seconds": round(pacing, 3),
            "shared": True,
            "participants": self._participants,
        }

    # -- who else is sharing (for the fallback share) -------------------------------------------------

    def _heartbeat(self, redis: Any) -> None:
        """On the link's thread: say this process takes part, and count who else does."""
        key = f"{KEY_PREFIX}budget:{self._scope()}:processes"
        seconds, micros = redis.time()
        now_ms = int(seconds) * 1000 + int(micros) // 1000
        lease_ms = int(self.link.lease * 1000)
        pipe = redis.pipeline(transaction=False)
        pipe.zadd(key, {self.link.process_id: now_ms + lease_ms})
        pipe.zremrangebyscore(key, "-inf", now_ms)
        pipe.zcard(key)
        pipe.pexpire(key, 4 * lease_ms)
        self._participants = max(1, int(pipe.execute()[2]))
