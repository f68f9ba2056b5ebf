"""The one action set every flow speaks, and the two trampolines that drive flows: `run_sync`, `run_async`.

A *flow* is a generator that yields actions and receives their results, the way `httpx.Auth.auth_flow`
yields requests and receives responses (https://github.com/encode/httpx/blob/master/httpx/_auth.py):
- `Send(call, api_root)` -> the driver transmits it (inside the endpoint's concurrency slot) and sends
  back a `Reply` or a `TransportFailure`;
- `Sleep(seconds, reason)` -> the driver sleeps through its injectable sleep and sends back None;
- `Join(flight)` -> the driver waits until another caller's fetch of the same thing (the zone, one
  entity's metadata) has finished and sends back None (see `flights.py`);
- `Blocking(fn)` -> the driver runs `fn` (a disk or Redis cache call, a journal commit, anything that
  may block) and sends back its result, or throws its exception into the flow: inline in `run_sync`, in
  a worker thread in `run_async`, so a slow disk or a dead Redis never stalls the event loop.

Everything else (zone detection, retries, paging, bulk bookkeeping) happens inside the flows, with no
sockets and no sleeping, so the sync and the async client behave identically by construction. The
clients, the paginators and both bulk engines all drive their flows through these two functions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from .retry import TransportFailure

if TYPE_CHECKING:
    pass

if TYPE_CHECKING:
    from .config import ClientConfig
    from .flights import Flight
    from .requests import Call
    from .retry import RetryPolicy
    from .runtime import Runtime

__all__ = [
    "Action",
    "AsyncFlowClient",
    "AsyncTransmit",
    "Blocking",
    "Flow",
    "FlowClient",
    "Join",
    "Reply",
    "Send",
    "Sleep",
    "SyncFlowClient",
    "SyncTransmit",
    "off_loop",
    "run_async",
    "run_sync",
]


class Send(NamedTuple):
    """Transmit `call`; relative paths are joined onto `api_root` (`…/ATServicesRest/V1.0/`)."""

    call: Call
    api_root: str | None


class Sleep(NamedTuple):
    """Wait before going on."""

    seconds: float
    reason: str


class Join(NamedTuple):
    """Wait until `flight` (another caller's fetch of what this flow needs) has finished."""

    flight: Flight


class Blocking(NamedTuple):
    """Run `fn`, which may block on disk or the network, and send back what it returns."""

    fn: Callable[[], Any]


class Reply(NamedTuple):
    """An HTTP answer, fully read."""

    status: int
    content: bytes
    headers: Mapping[str, str]
    method: str
    url: str


Action = Send | Sleep | Join | Blocking
#: A flow: yields actions, is sent a Reply/TransportFailure (Send), a result (Blocking) or None, returns its value.
Flow = Generator[Action, Any, Any]
SyncTransmit = Callable[[Send], Reply | TransportFailure]
AsyncTransmit = Callable[[Send], Awaitable[Reply | TransportFailure]]


def run_sync(flow: Flow, transmit: SyncTransmit, sleep: Callable[[float], object]) -> Any:
    """Drive `flow` to its end on the calling thread; returns its value or raises its error."""
    send = flow.send
    result: Any = None
    try:
        while True:
            try:
                action = send(result)
            except StopIteration as stop:
                return stop.value
            # A loop rather than recursion, so an error thrown in may be answered by another action.
            while True:
                if isinstance(action, Send):
                    result = transmit(action)
                elif isinstance(action, Blocking):
                    try:
                        result = action.fn()
                    except Exception as exc:  # the flow decides what a failed blocking call means
                        try:
                            action = flow.throw(exc)
                        except StopIteration as stop:
                            return stop.value
                        continue
                elif isinstance(action, Join):
                    action.flight.wait()
                    result = None
                elif isinstance(action, Sleep):
                    sleep(action.seconds)
                    result = None
                else:
                    raise TypeError(f"a flow yielded {action!r}, which is not an action")
                break
    finally:
        flow.close()


async def run_async(flow: Flow, transmit: AsyncTransmit, sleep: Callable[[float], Awaitable[object]]) -> Any:
    """Drive `flow` to its end in the running event loop; `Blocking` calls run in worker threads."""
    send = flow.send
    result: Any = None
    try:
        while True:
            try:
                action = send(result)
            except StopIteration as stop:
                return stop.value
            while True:
                if isinstance(action, Send):
                    result = await transmit(action)
                elif isinstance(action, Blocking):
                    try:
                        result = await off_loop(action.fn)
                    except Exception as exc:
                        try:
                            action = flow.throw(exc)
                        except StopIteration as stop:
                            return stop.value
                        continue
                elif isinstance(action, Join):
                    await action.flight.wait_async()
                    result = None
                elif isinstance(action, Sleep):
                    await sleep(action.seconds)
                    result = None
                else:
                    raise TypeError(f"a flow yielded {action!r}, which is not an action")
                break
    finally:
        flow.close()


async def off_loop(fn: Callable[[], Any]) -> Any:
    """`fn()` in a worker thread; if cancelled meanwhile, let it finish before re-raising.

    The call may be a journal commit or a cache write inside a flow: it must end before anyone closes
    (or re-enters) the flow.
    """
    import asyncio  # here, so a sync client never imports asyncio

    future = asyncio.ensure_future(asyncio.to_thread(fn))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        await asyncio.wait([future])
        raise



class FlowClient(Protocol):
    """What entities, paginators and engines need of a client: its settings, shared state and entities."""

    @property
    def config(self) -> ClientConfig:
        """The client's immutable settings."""
        ...

    @property
    def runtime(self) -> Runtime:
        """Zone, limits, budget, breaker, cache and fetches in flight, shared with `with_options()` copies."""
        ...

    def entity(self, name: str) -> Any:
        """One entity's accessor by name."""
        ...

    def with_options(self, *, retry_policy: RetryPolicy | None = None) -> Any:
        """A copy with other settings sharing pool, zone, limits and cache."""
        ...


class SyncFlowClient(FlowClient, Protocol):
    """A client that drives flows on the calling thread (`AutotaskClient`)."""

    def drive(self, flow: Flow, *, sleep: Callable[[float], object] | None = None) -> Any:
        """Run `flow` to its end; returns its value."""
        ...


class AsyncFlowClient(FlowClient, Protocol):
    """A client that drives flows in the event loop (`AsyncAutotaskClient`)."""

    def drive(self, flow: Flow, *, sleep: Callable[[float], Awaitable[object]] | None = None) -> Awaitable[Any]:
        """Run `flow` to its end; awaits its value."""
        ...
