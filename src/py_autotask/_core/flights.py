"""One fetch per key at a time: callers that want what another caller is already fetching wait for it.

Sixteen threads (or tasks) starting on one fresh client all need the zone and, often, the same entity
metadata. Without coordination each sends its own zoneInformation and `…/entityInformation/fields`
request: sixteen requests where one will do, every one counting against the endpoint's thread limit
and the tenant's hourly threshold. A `Flight` lets the first caller fetch while the others wait for
its result (or, if it fails, try themselves).

The flows stay sans-I/O: a follower yields `Join(flight)` and its driver waits — the sync client on a
`threading.Event`, the async client on a future of its own loop that the finishing caller resolves
with `call_soon_threadsafe` (whichever thread or loop that caller runs on), so nobody polls.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

__all__ = ["Flight", "Flights"]


class Flight:
    """One fetch in progress; `value` is set when it succeeded, `ok` says whether it did."""

    def __init__(self) -> None:
        self.ok = False
        self.value: Any = None
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    def finish(self, *, ok: bool, value: Any = None) -> None:
        """Record the outcome and wake every waiter (sync and async)."""
        with self._lock:
            self.ok, self.value = ok, value
            self._done.set()
            waiters, self._waiters = self._waiters, []
        for loop, future in waiters:
            try:
                loop.call_soon_threadsafe(_resolve, future)
            except RuntimeError:  # that waiter's loop is closed: nobody is left to wake
                pass

    def wait(self) -> None:
        """Block the calling thread until the fetch has finished."""
        self._done.wait()

    async def wait_async(self) -> None:
        """Wait in the running event loop until the fetch has finished."""
        import asyncio

        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if self._done.is_set():
                return
            self._waiters.append((loop, future))
        await future


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Flights:
    """The fetches in progress of one client family, by key (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: dict[str, Flight] = {}

    def begin(self, key: str) -> tuple[Flight, bool]:
        """The flight for `key` and whether the caller leads it (fetches) or follows (waits)."""
        with self._lock:
            flight = self._active.get(key)
            if flight is not None:
                return flight, False
            flight = self._active[key] = Flight()
            return flight, True

    def end(self, key: str, flight: Flight, *, ok: bool, value: Any = None) -> None:
        """Finish the flight the caller led; later callers start a new one."""
        with self._lock:
            if self._active.get(key) is flight:
                del self._active[key]
        flight.finish(ok=ok, value=value)
