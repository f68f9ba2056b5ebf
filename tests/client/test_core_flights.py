"""One fetch per key at a time (`_core.flights`), and the flows that use it, driven by hand."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import orjson
import pytest

from py_autotask._core.config import ClientConfig
from py_autotask._core.flights import Flights
from py_autotask._core.flow import Join, Reply, Send, cached_flow, root_flow
from py_autotask._core.retry import RetryPolicy
from py_autotask._core.runtime import Runtime

LOOKUP = "https://webservices2.autotask.net/atservicesrest/v1.0/zoneInformation"
ZONE_URL = "https://webservices15.autotask.net/ATServicesRest/"


def test_the_first_caller_leads_and_later_ones_follow_until_it_ends() -> None:
    flights = Flights()
    flight, leader = flights.begin("k")
    again, follower_leads = flights.begin("k")
    assert leader and not follower_leads and again is flight
    woken = threading.Event()
    waiter = threading.Thread(target=lambda: (flight.wait(), woken.set()))
    waiter.start()
    assert not woken.wait(0.05)
    flights.end("k", flight, ok=True, value=42)
    waiter.join(5)
    assert woken.is_set() and flight.ok and flight.value == 42
    assert flights.begin("k")[1]  # the key is free again: the next caller leads a new flight


def test_an_async_waiter_is_woken_from_another_thread() -> None:
    flights = Flights()
    flight, _ = flights.begin("k")

    async def wait() -> str:
        threading.Timer(0.05, lambda: flights.end("k", flight, ok=False)).start()
        await asyncio.wait_for(flight.wait_async(), 5)
        await flight.wait_async()  # an ended flight does not wait at all
        return "woken"

    assert asyncio.run(wait()) == "woken" and not flight.ok


def finish(flow: Any, answer: Any) -> Any:
    """Send the last answer into a flow; it must return (StopIteration), and this returns its value."""
    with pytest.raises(StopIteration) as stop:
        flow.send(answer)
    return stop.value.value


def _runtime() -> tuple[ClientConfig, Runtime]:
    config = ClientConfig.build(username="api@example.com", secret="s", integration_code="C", base_url=None,
                                zone_lookup_url=LOOKUP, impersonation_resource_id=None, timeout=None,
                                retry=RetryPolicy())
    return config, Runtime.build(config, concurrency_limit=None, budget=False, breaker=False, cache=False)


def test_a_second_zone_detection_joins_the_first() -> None:
    config, rt = _runtime()
    first, second = root_flow(config, rt), root_flow(config, rt)
    assert isinstance(next(first), Send)  # the first asks zoneInformation…
    joined = next(second)
    assert isinstance(joined, Join)  # …the second waits for it instead of asking too
    answer = Reply(200, orjson.dumps({"zoneName": "X", "url": ZONE_URL}), {}, "GET", LOOKUP)
    assert finish(first, answer) == ZONE_URL + "V1.0/"
    assert joined.flight.ok
    assert finish(second, None) == ZONE_URL + "V1.0/"


def test_a_follower_of_a_failed_fetch_fetches_itself() -> None:
    _, rt = _runtime()
    fetches: list[str] = []

    def fetch() -> Any:
        fetches.append("fetch")
        reply = yield Send(None, None)  # type: ignore[arg-type]
        if reply == "boom":
            raise RuntimeError("failed")
        return reply

    leader, follower = cached_flow(rt, "k", 60, fetch), cached_flow(rt, "k", 60, fetch)
    next(leader)
    joined = next(follower)
    assert isinstance(joined, Join)
    with pytest.raises(RuntimeError):
        leader.send("boom")
    assert not joined.flight.ok
    assert isinstance(follower.send(None), Send)  # it leads a fetch of its own now
    assert finish(follower, "value") == "value"
    assert fetches == ["fetch", "fetch"]
