"""Cache calls that may block (disk, Redis) run off the async client's event loop; memory-only ones inline."""

from __future__ import annotations

import threading
import time
from typing import Any

import anyio
import pytest
from anyio.from_thread import BlockingPortal

from py_autotask import AsyncAutotaskClient, AutotaskClient
from py_autotask._core.config import ClientConfig
from py_autotask._core.flow import Blocking, Flow, Send, cached_flow, root_flow
from py_autotask._core.retry import RetryPolicy
from py_autotask._core.runtime import Runtime
from py_autotask.cache import CacheLayer, LayeredCache, MemoryLayer

from .conftest import SANDBOX_BASE_URL, Api

LOOKUP = SANDBOX_BASE_URL + "V1.0/zoneInformation"
SLOW = 0.2  # seconds per call of the slow layer: a sluggish network disk, a far-away Redis


class SlowLayer(CacheLayer):
    """A byte store that takes `delay` seconds per call and records which thread made each call."""

    name = "slow"

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.calls: list[tuple[str, int]] = []
        self._items: dict[str, bytes] = {}

    def _pause(self, operation: str) -> None:
        self.calls.append((operation, threading.get_ident()))
        time.sleep(self.delay)  # blocks the calling thread, as a real disk or socket read does

    def get(self, key: str) -> bytes | None:
        self._pause("get")
        return self._items.get(key)

    def set(self, key: str, data: bytes, expires_at: float) -> None:
        self._pause("set")
        self._items[key] = data

    def delete(self, key: str) -> None:
        self._pause("delete")
        self._items.pop(key, None)

    def clear(self, prefix: str | None = None) -> None:
        self._pause("clear")
        for key in [k for k in self._items if prefix is None or k.startswith(prefix)]:
            del self._items[key]


def requests_to(sandbox: Any, fragment: str) -> int:
    return sum(fragment in e["path"].lower() for e in sandbox.control.request_log)


def test_the_event_loop_keeps_ticking_while_a_slow_layer_is_read(sandbox: Any, portal: BlockingPortal) -> None:
    slow = SlowLayer(SLOW)
    cache = LayeredCache([slow])

    async def scenario() -> tuple[list[float], int]:
        ticks = [time.perf_counter()]  # from before the heartbeat starts: a stall at the start counts too
        done = anyio.Event()

        async def heartbeat() -> None:
            while True:
                await anyio.sleep(0.01)
                ticks.append(time.perf_counter())
                if done.is_set():  # checked after the tick, so a stall lasting to the end counts too
                    return

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(heartbeat)
            # The first client misses and writes the zone and the field metadata; the second reads both back.
            for _ in range(2):
                async with AsyncAutotaskClient(**sandbox.credentials, zone_lookup_url=LOOKUP, cache=cache,
                                               transport=sandbox.async_transport()) as client:
                    zone = await client.detect_zone()
                    assert zone.url == SANDBOX_BASE_URL
                    assert any(field["name"] == "status" for field in await client.tickets.fields())
            done.set()
        return [later - earlier for earlier, later in zip(ticks, ticks[1:], strict=False)], threading.get_ident()

    gaps, loop_thread = portal.call(scenario)
    operations = [operation for operation, _ in slow.calls]
    assert operations.count("get") >= 4 and operations.count("set") >= 2  # the slow layer was really used
    assert max(gaps) < SLOW / 2, f"event loop stalled for {max(gaps):.3f}s"
    assert len(gaps) >= 6 * SLOW / 0.02  # roughly one tick per 10 ms through the ≥ 6 slow calls
    assert all(thread != loop_thread for _, thread in slow.calls)
    # The second client was served from the slow layer: one zoneInformation, one fields call in all.
    assert requests_to(sandbox, "zoneinformation") == 1
    assert requests_to(sandbox, "tickets/entityinformation/fields") == 1


def test_the_sync_client_reads_a_slow_layer_inline(sandbox: Any) -> None:
    slow = SlowLayer(0)
    cache = LayeredCache([slow])
    for _ in range(2):
        with AutotaskClient(**sandbox.credentials, zone_lookup_url=LOOKUP, cache=cache,
                            transport=sandbox.transport()) as client:
            assert client.detect_zone().url == SANDBOX_BASE_URL
    assert requests_to(sandbox, "zoneinformation") == 1
    assert [operation for operation, _ in slow.calls] == ["get", "set", "get"]
    assert {thread for _, thread in slow.calls} == {threading.get_ident()}


def _runtime(cache: LayeredCache) -> tuple[ClientConfig, Runtime]:
    config = ClientConfig.build(username="api@example.com", secret="s", integration_code="C", base_url=None,
                                zone_lookup_url=LOOKUP, impersonation_resource_id=None, timeout=None,
                                retry=RetryPolicy())
    return config, Runtime.build(config, concurrency_limit=None, budget=False, breaker=False, cache=cache)


@pytest.mark.parametrize(("layers", "blocking"), [((), False), ((MemoryLayer(),), False),
                                                  ((MemoryLayer(), SlowLayer(0)), True)])
def test_only_a_cache_beyond_memory_is_called_through_blocking(layers: tuple, blocking: bool) -> None:
    config, rt = _runtime(LayeredCache(layers))
    first = next(root_flow(config, rt))
    if blocking:
        assert isinstance(first, Blocking) and first.fn() is None  # the zone cache read: a miss
    else:
        assert isinstance(first, Send) and first.call.kind == "zone"  # read inline, straight to the lookup


def test_a_failing_blocking_call_is_raised_inside_the_flow(api_local: Api) -> None:
    other = api_local.make(cache=LayeredCache([SlowLayer(0)]))
    runtime = other.client._runtime

    def unstorable() -> Flow:
        yield from ()
        return {"a set is not JSON"}

    try:
        with pytest.raises(TypeError):
            other(lambda c: c.drive(cached_flow(runtime, "k", 60, unstorable)))
        # The flow's own clean-up ran: the key is free for the next fetch.
        flight, leader = runtime.flights.begin("k")
        assert leader
        runtime.flights.end("k", flight, ok=False)
    finally:
        other.close()
