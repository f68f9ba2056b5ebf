"""At most N requests in flight per Autotask endpoint, shared by every thread and asyncio task of one client.

Autotask limits concurrent requests per (integration code, "object endpoint") — 3 for integrations built
after release 2023.1. One `EndpointLimiter` belongs to one client (one integration code), so it only has
to count per endpoint.

What an endpoint is: the first path segment after the API version, lower-cased (paths are case-insensitive).
So `/V1.0/Tickets/query`, `/V1.0/Tickets/42` and the child route `/V1.0/Tickets/42/Notes` all count
against `tickets`. Autotask's wording ("object endpoint") does not settle whether a child route counts
against its parent or its child entity; keying on the URL's first segment matches our sandbox, is what
every public client we know of does, and errs on the side of fewer parallel requests on a busy parent.
Pass `key_func=` to key differently.

Design: one lock-protected table of counters. A waiter is queued in FIFO order and woken individually:
threads block on their own `threading.Event`; asyncio tasks await a future of their own loop, which the
releasing side (any thread) resolves through `loop.call_soon_threadsafe`, so no one polls. A release hands
the freed slot straight to the oldest waiter, so a waiting thread and a waiting task are served in
arrival order and the count can never exceed the limit.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import asyncio

__all__ = [
    "DEFAULT_ENDPOINT_LIMIT",
    "EXEMPT_ENDPOINTS",
    "EndpointLimiter",
    "endpoint_key",
]

#: Concurrent requests Autotask allows per endpoint for integrations created since release 2023.1.
DEFAULT_ENDPOINT_LIMIT = 3
#: Endpoints Autotask does not thread-limit (zone discovery); slots on them are free and uncounted.
EXEMPT_ENDPOINTS = frozenset({"zoneinformation"})

_API_ROOT_SEGMENT = "atservicesrest"


def endpoint_key(url_or_path: str) -> str:
    """Return the thread-limit key of a URL, path or endpoint name: the first segment after `V1.0`, lower-cased."""
    path = urlsplit(url_or_path).path if "://" in url_or_path else url_or_path.split("?", 1)[0]
    segments = [s for s in path.split("/") if s]
    lowered = [s.lower() for s in segments]
    for index, segment in enumerate(lowered):
        if _is_version_segment(segment) and index + 1 < len(lowered):
            return lowered[index + 1]
    rest = [s for s in lowered if s != _API_ROOT_SEGMENT]
    if not rest:
        raise ValueError(f"no endpoint in {url_or_path!r}")
    return rest[0]


def _is_version_segment(segment: str) -> bool:
    """True for `v1.0`, `v1`, `v2.5` … (the API version part of an Autotask path)."""
    if len(segment) < 2 or segment[0] != "v":
        return False
    return segment[1:].replace(".", "", 1).isdigit()


@dataclass(eq=False)
class _Waiter:
    """One blocked acquirer: a thread (event) or an asyncio task (loop + future)."""

    event: threading.Event | None = None
    loop: asyncio.AbstractEventLoop | None = None
    future: asyncio.Future[None] | None = None
    granted: bool = False

    def wake(self) -> bool:
        """Tell the waiter it owns a slot now; False if it can no longer be told (its loop is closed)."""
        if self.event is not None:
            self.event.set()
            return True
        assert self.loop is not None and self.future is not None
        try:
            self.loop.call_soon_threadsafe(_resolve, self.future)
        except RuntimeError:  # the waiter's event loop is closed: nobody will ever take this slot
            return False
        return True


def _resolve(future: asyncio.Future[None]) -> None:
    """Resolve a waiter's future on its own loop (a cancelled one is handled by the waiter itself)."""
    if not future.done():
        future.set_result(None)


@dataclass
class _Endpoint:
    limit: int
    in_flight: int = 0
    peak: int = 0
    waiters: deque[_Waiter] = field(default_factory=deque)


class EndpointLimiter:
    """Counts requests in flight per endpoint and makes callers wait for a free slot (sync and async)."""

    def __init__(
        self,
        limit: int = DEFAULT_ENDPOINT_LIMIT,
        *,
        limits: Mapping[str, int] | None = None,
        key_func: Callable[[str], str] = endpoint_key,
        exempt: frozenset[str] = EXEMPT_ENDPOINTS,
    ) -> None:
        _check_limit(limit)
        self._default_limit = limit
        self._key_func = key_func
        self._exempt = exempt
        self._lock = threading.Lock()
        self._endpoints: dict[str, _Endpoint] = {}
        for name, value in (limits or {}).items():
            self.set_limit(name, value)

    def endpoint_key(self, url_or_path: str) -> str:
        """Return the key this limiter counts `url_or_path` under."""
        return self._key_func(url_or_path)

    def limit_for(self, endpoint: str) -> int:
        """Return the current limit of an endpoint (a URL, path or key)."""
        key = self._key_func(endpoint)
        with self._lock:
            state = self._endpoints.get(key)
            return state.limit if state else self._default_limit

    def set_limit(self, endpoint: str, limit: int) -> None:
        """Change an endpoint's limit at run time; a raise wakes waiters at once, a cut applies as slots free."""
        _check_limit(limit)
        key = self._key_func(endpoint)
        with self._lock:
            state = self._state(key)
            state.limit = limit
            self._grant_waiting(state)

    @contextmanager
    def slot(self, endpoint: str) -> Iterator[str]:
        """Hold one of the endpoint's slots for the duration of the block (blocks the thread while full)."""
        key = self._key_func(endpoint)
        if key in self._exempt:
            yield key
            return
        self._acquire(key)
        try:
            yield key
        finally:
            self._release(key)

    @asynccontextmanager
    async def aslot(self, endpoint: str) -> AsyncIterator[str]:
        """Hold one of the endpoint's slots for the duration of the block (awaits while full)."""
        key = self._key_func(endpoint)
        if key in self._exempt:
            yield key
            return
        await self._aacquire(key)
        try:
            yield key
        finally:
            self._release(key)

    def in_flight(self) -> dict[str, int]:
        """Return requests in flight per endpoint (endpoints with none are left out)."""
        with self._lock:
            return {key: s.in_flight for key, s in self._endpoints.items() if s.in_flight}

    def stats(self) -> dict[str, dict[str, int]]:
        """Return limit, in-flight, waiting and peak in-flight count for every endpoint seen so far."""
        with self._lock:
            return {
                key: {"limit": s.limit, "in_flight": s.in_flight, "waiting": len(s.waiters), "peak": s.peak}
                for key, s in self._endpoints.items()
            }

    # -- internals (all counter changes happen under self._lock) --------------------------------------

    def _state(self, key: str) -> _Endpoint:
        state = self._endpoints.get(key)
        if state is None:
            state = self._endpoints[key] = _Endpoint(limit=self._default_limit)
        return state

    def _try_take(self, state: _Endpoint) -> bool:
        # Waiters exist only while the endpoint is full, so a free slot never jumps the queue.
        if state.in_flight < state.limit and not state.waiters:
            state.in_flight += 1
            state.peak = max(state.peak, state.in_flight)
            return True
        return False

    def _grant_waiting(self, state: _Endpoint) -> None:
        while state.waiters and state.in_flight < state.limit:
            waiter = state.waiters.popleft()
            state.in_flight += 1
            state.peak = max(state.peak, state.in_flight)
            waiter.granted = True
            if not waiter.wake():
                state.in_flight -= 1

    def _release(self, key: str) -> None:
        with self._lock:
            state = self._endpoints[key]
            state.in_flight -= 1
            self._grant_waiting(state)

    def _abandon(self, key: str, waiter: _Waiter) -> None:
        """Undo a wait that was interrupted: give back a slot granted meanwhile, or leave the queue."""
        with self._lock:
            state = self._endpoints[key]
            if waiter.granted:
                state.in_flight -= 1
                self._grant_waiting(state)
            else:
                state.waiters.remove(waiter)

    def _acquire(self, key: str) -> None:
        with self._lock:
            state = self._state(key)
            if self._try_take(state):
                return
            waiter = _Waiter(event=threading.Event())
            state.waiters.append(waiter)
        assert waiter.event is not None
        try:
            waiter.event.wait()
        except BaseException:  # KeyboardInterrupt while blocked: do not leak the slot or the queue entry
            self._abandon(key, waiter)
            raise

    async def _aacquire(self, key: str) -> None:
        import asyncio  # here, so a sync client never imports asyncio

        loop = asyncio.get_running_loop()
        with self._lock:
            state = self._state(key)
            if self._try_take(state):
                return
            waiter = _Waiter(loop=loop, future=loop.create_future())
            state.waiters.append(waiter)
        assert waiter.future is not None
        try:
            await waiter.future
        except BaseException:  # cancelled (timeout, task group): the slot may have been granted already
            self._abandon(key, waiter)
            raise


def _check_limit(limit: int) -> None:
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise ValueError(f"an endpoint limit must be a positive integer, not {limit!r}")
