"""Per-endpoint slots shared through Redis by every process and machine working for one tenant.

`SharedEndpointLimiter` is an `EndpointLimiter` (same `slot()`/`aslot()`), keyed in Redis by tenant,
integration code (hashed) and endpoint. A request passes two gates:

1. the local gate — the inherited in-process limiter, FIFO across threads and asyncio tasks — which lets
   at most `limit` of this process's requests per endpoint go on to Redis (no process needs more), and
   at most ONE while Redis is down;
2. a Redis slot: a lease in a sorted set, taken by one script call when free; otherwise the request joins
   the endpoint's queue in Redis and waits for its hand-off (see `lua.py`), re-checking every `poll`
   seconds in case a dead process's lease ran out. Release is one script call that hands the slot on.

Redis unreachable (`redis_link.py` warns once): the local gate drops to 1 per endpoint, waiters leave the
Redis queue and pass the local gate again, and requests go without a Redis slot — the first one only after
the requests other processes had in flight have had time to end, since nobody can ask Redis about them:
twice the longest request this limiter saw lately, or, before it has seen any, one whole lease (a guess
of 0.2 s let a process that had sent nothing yet join three requests of the others still running on a
slow or loaded server). That wait ends early if Redis answers again: the request then takes a Redis slot.
A thread that passed the gate just before it narrowed goes round again rather than exceed the fallback.
When Redis answers again the requests that went during the outage and are still running are entered as
holders (by the link's helper thread within a tick, not only when this process next asks for a slot),
and the local gate stays at 1 for `grace` seconds more, so processes that have not noticed yet (they
probe every second) cannot meet an endpoint already filled by the others. Then the gate goes back to `limit`.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from functools import partial

from .concurrency import DEFAULT_ENDPOINT_LIMIT, EXEMPT_ENDPOINTS, EndpointLimiter, endpoint_key
from .redis_link import KEY_PREFIX, RedisDown, RedisLink, logger

__all__ = ["FALLBACK_ENDPOINT_LIMIT", "RECOVERY_GRACE_SECONDS", "SharedEndpointLimiter", "scope_key"]

#: Requests per endpoint one process may have in flight while Redis is unreachable.
FALLBACK_ENDPOINT_LIMIT = 1
#: After Redis comes back, keep the local gate at the fallback limit this long (other processes probe
#: every second; this leaves them time to notice and to enter their running requests as holders).
RECOVERY_GRACE_SECONDS = 3.0


def scope_key(tenant: str, integration_code: str) -> str:
    """`<tenant>:<hash of the integration code>` — the part of every key shared by one tenant + integration."""
    digest = hashlib.sha256(integration_code.encode()).hexdigest()[:16]
    return f"{tenant}:{digest}"


class SharedEndpointLimiter(EndpointLimiter):
    """`limit` requests in flight per endpoint across every process using the same Redis, tenant and code."""

    def __init__(
        self,
        link: RedisLink,
        scope: Callable[[], str],
        limit: int = DEFAULT_ENDPOINT_LIMIT,
        *,
        key_func: Callable[[str], str] = endpoint_key,
        exempt: frozenset[str] = EXEMPT_ENDPOINTS,
        grace: float = RECOVERY_GRACE_SECONDS,
    ) -> None:
        super().__init__(limit, key_func=key_func, exempt=exempt)
        self.link = link
        self.shared_limit = limit
        self._scope = scope
        self._grace = grace
        self._mode_lock = threading.Lock()
        self._cut = False  # local gate at the fallback limit
        self._unshared: dict[str, int] = {}  # endpoint → requests running without a Redis slot
        self._adopted: dict[str, list[str]] = {}  # endpoint → tokens entered for them after an outage
        self._cut_at = 0.0
        self._durations: deque[float] = deque(maxlen=64)  # recent requests' seconds in their slot
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=partial(_reset_after_fork, weakref.ref(self)))
        # After an outage, requests still running unshared must be entered in Redis before any process
        # widens its gate; a thread of ours may be the next to ask for a slot only after they end.
        link.add_heartbeat(self._heartbeat)

    def _after_fork(self) -> None:
        """In a forked child: the parent's requests in flight are not ours; start with an empty gate."""
        self._lock = threading.Lock()
        self._endpoints = {}
        self._mode_lock = threading.Lock()
        self._unshared = {}
        self._adopted = {}

    def __repr__(self) -> str:
        return f"SharedEndpointLimiter({self.link.display_url!r}, limit={self.shared_limit})"

    def keys(self, endpoint: str) -> list[str]:
        """Redis keys of an endpoint's slots: holders, queue, waiter expiries, arrival counter."""
        base = f"{KEY_PREFIX}slots:{self._scope()}:{endpoint}"
        return [f"{base}:holders", f"{base}:queue", f"{base}:qexp", f"{base}:seq"]

    # -- the two gates ------------------------------------------------------------------------------

    @contextmanager
    def slot(self, endpoint: str) -> Iterator[str]:
        key = self._key_func(endpoint)
        if key in self._exempt:
            yield key
            return
        while True:
            self._follow_link()
            with super().slot(key):
                narrow = self._cut
                token = self._acquire_shared(key) if self.link.up else None
                if token is None and (self.link.up or not narrow or self._over_fallback(key)):
                    continue  # Redis went down while we waited: pass the (now narrow) local gate again
                if token is None:
                    if self.link.wait_up(self._drain_left()):
                        continue  # Redis is back before the others' requests could end: take a Redis slot
                    self._note_unshared(key)
                started = time.monotonic()
                try:
                    yield key
                finally:
                    self._durations.append(time.monotonic() - started)
                    self._release_shared(key, token)
                return

    @asynccontextmanager
    async def aslot(self, endpoint: str) -> AsyncIterator[str]:
        key = self._key_func(endpoint)
        if key in self._exempt:
            yield key
            return
        while True:
            self._follow_link()
            async with super().aslot(key):
                narrow = self._cut
                token = (await self._aacquire_shared(key)) if self.link.up else None
                if token is None and (self.link.up or not narrow or self._over_fallback(key)):
                    continue
                if token is None:
                    if await self._await_drain():
                        continue
                    self._note_unshared(key)
                started = time.monotonic()
                try:
                    yield key
                finally:
                    self._durations.append(time.monotonic() - started)
                    self._release_shared(key, token, background=True)
                return

    def _drain_left(self) -> float:
        """Seconds still to wait, after an outage began, for the other processes' requests to end.

        Their requests are as long as ours: twice our longest lately. Before we have seen one end we know
        nothing of how long they take here, so the whole lease (the most the design ever waits for a
        holder that says nothing)."""
        durations = list(self._durations)
        drain = min(self.link.lease, max(0.2, 2 * max(durations))) if durations else self.link.lease
        return max(0.0, self._cut_at + drain - time.monotonic())

    async def _await_drain(self) -> bool:
        """`_drain_left()` on the event loop; True as soon as Redis answers again (the wait is then over)."""
        # The link's "up again" event is a thread's; check it every 0.1 s (only during an outage's drain).
        while (left := self._drain_left()) > 0:
            if self.link.up:
                return True
            await asyncio.sleep(min(left, 0.1))
        return self.link.up

    def _over_fallback(self, key: str) -> bool:
        """True when more of our requests hold the local gate than the fallback allows: this one passed it
        before it narrowed, and must queue again instead of going without a Redis slot."""
        with self._lock:
            state = self._endpoints.get(key)
            return state is not None and state.in_flight > FALLBACK_ENDPOINT_LIMIT

    def _heartbeat(self, _redis: object) -> None:
        """On the link's helper thread while Redis is up: adopt unshared requests, widen after the grace."""
        self._follow_link()

    def _follow_link(self) -> None:
        """Narrow the local gate during an outage; after one, adopt unshared requests, then widen it."""
        up = self.link.up
        with self._mode_lock:
            changed = True
            if not up and not self._cut:
                self._cut = True
                self._cut_at = time.monotonic()
            elif up and self._cut and self.link.up_for >= self._grace:
                self._cut = False
            else:
                changed = False
                if up and self._cut and self._unadopted():
                    self._adopt()
            cut = self._cut
        if not changed:
            return
        limit = FALLBACK_ENDPOINT_LIMIT if cut else self.shared_limit
        with self._lock:  # endpoints not seen yet start at the same limit
            self._default_limit = limit
        endpoints = list(self.stats())
        for name in endpoints:
            self.set_limit(name, limit)
        logger.debug("shared limits: local gate %s to %d (%s)", "narrowed" if cut else "widened", limit,
                     ", ".join(endpoints) or "no endpoint yet")

    def _unadopted(self) -> dict[str, int]:
        """Requests per endpoint running without a Redis slot and not yet entered as holders (mode lock held)."""
        missing = {e: n - len(self._adopted.get(e, ())) for e, n in self._unshared.items()}
        return {e: n for e, n in missing.items() if n > 0}

    def _adopt(self) -> None:
        """Enter the requests running since the outage as holders (called with the mode lock held)."""
        try:
            seconds, micros = self.link.call(self.link.redis.time)
        except RedisDown:
            return
        expiry = int(seconds) * 1000 + int(micros) // 1000 + int(self.link.lease * 1000)
        for endpoint, count in self._unadopted().items():
            keys = self.keys(endpoint)
            tokens = [self.link.new_token() for _ in range(count)]
            try:
                self.link.call(self.link.redis.zadd, keys[0], {t: expiry for t in tokens})
            except RedisDown:
                return
            for token in tokens:
                self.link.hold(token, keys[0])
            self._adopted.setdefault(endpoint, []).extend(tokens)
            logger.debug("shared limits: %d request(s) on %s sent during the outage entered as holders", count, endpoint)

    # -- Redis slot: sync ---------------------------------------------------------------------------

    def _script_args(self, key: str, token: str) -> tuple[list[str], list[object]]:
        lease_ms = int(self.link.lease * 1000)
        waiter_ttl_ms = int(self.link.poll * 3000)
        return self.keys(key), [token, self.shared_limit, lease_ms, waiter_ttl_ms, self.link.wake_prefix]

    def _try(self, key: str, token: str) -> bool:
        keys, args = self._script_args(key, token)
        granted = bool(self.link.call(self.link.acquire_script, keys=keys, args=args))
        if granted:
            self.link.hold(token, keys[0])
        return granted

    def _acquire_shared(self, key: str) -> str | None:
        """A Redis slot's token, or None if Redis is (or went) down."""
        token = self.link.new_token()
        event = threading.Event()
        answer: list[bool] = []

        def grant(ok: bool) -> None:
            answer.append(ok)
            event.set()

        self.link.wait_for(token, grant)
        try:
            while True:
                try:
                    if self._try(key, token):
                        return token
                except RedisDown:
                    return None
                if event.wait(self.link.poll):
                    if answer and answer[0]:
                        self.link.hold(token, self.keys(key)[0])
                        return token
                    return None
        except BaseException:  # KeyboardInterrupt while queued: leave the queue (or give the slot back)
            self._release_token(key, token)
            raise
        finally:
            self.link.stop_waiting(token)

    def _release_token(self, key: str, token: str) -> None:
        self.link.drop(token)
        if not self.link.up:
            return
        keys = self.keys(key)
        lease_ms = int(self.link.lease * 1000)
        try:
            self.link.call(
                self.link.release_script, keys=keys[:3],
                args=[token, self.shared_limit, lease_ms, self.link.wake_prefix],
            )
        except RedisDown:
            pass

    def _release_shared(self, key: str, token: str | None, *, background: bool = False) -> None:
        if token is None:  # a request that went without a Redis slot; give back its adopted token, if any
            with self._mode_lock:
                self._unshared[key] = max(0, self._unshared.get(key, 0) - 1)
                adopted = self._adopted.get(key)
                token = adopted.pop() if adopted else None
                if not any(self._unshared.values()):
                    self._unshared.clear()
                    self._adopted.clear()
            if token is None:
                return
        if background:
            self.link.executor.submit(self._release_token, key, token)
        else:
            self._release_token(key, token)

    # -- Redis slot: async (Redis calls in the link's thread pool) ---------------------------------

    async def _aacquire_shared(self, key: str) -> str | None:
        loop = asyncio.get_running_loop()
        token = self.link.new_token()
        answer: asyncio.Future[bool] = loop.create_future()

        def grant(ok: bool) -> None:
            try:
                loop.call_soon_threadsafe(_settle, answer, ok)
            except RuntimeError:  # the loop is closed; the waiter is gone
                pass

        self.link.wait_for(token, grant)
        try:
            while True:
                attempt = loop.run_in_executor(self.link.executor, self._try, key, token)
                try:
                    granted = await asyncio.shield(attempt)
                except RedisDown:
                    return None
                except asyncio.CancelledError:
                    attempt.add_done_callback(lambda _: self.link.executor.submit(self._release_token, key, token))
                    raise
                if granted:
                    return token
                try:
                    ok = await asyncio.wait_for(asyncio.shield(answer), self.link.poll)
                except asyncio.TimeoutError:
                    continue
                if ok:
                    self.link.hold(token, self.keys(key)[0])
                    return token
                return None
        except asyncio.CancelledError:
            self.link.executor.submit(self._release_token, key, token)
            raise
        finally:
            self.link.stop_waiting(token)

    def _note_unshared(self, key: str) -> None:
        with self._mode_lock:
            self._unshared[key] = self._unshared.get(key, 0) + 1


def _reset_after_fork(ref: weakref.ref[SharedEndpointLimiter]) -> None:
    limiter = ref()
    if limiter is not None:
        limiter._after_fork()


def _settle(future: asyncio.Future[bool], ok: bool) -> None:
    if not future.done():
        future.set_result(ok)

