"""Must-have 7: the per-(integration code, endpoint) thread limit and the hourly request threshold."""

from __future__ import annotations

import threading

import anyio
import httpx
import pytest
from autotask_sandbox import Sandbox

ALL = {"filter": [{"op": "gte", "field": "id", "value": 0}]}
THREAD_MESSAGE = "thread threshold of 3 threads has been exceeded"


def _concurrently(
    client: httpx.Client, calls: list[tuple[str, str, dict | None]], auth: dict
) -> list[httpx.Response]:
    barrier = threading.Barrier(len(calls))
    results: list[httpx.Response | None] = [None] * len(calls)

    def run(i: int, method: str, url: str, body: dict | None) -> None:
        barrier.wait()
        results[i] = client.request(method, url, json=body, headers=auth)

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [r for r in results if r is not None]


def test_fourth_concurrent_request_on_an_endpoint_gets_429(
    sandbox: Sandbox, wire_client: httpx.Client
) -> None:
    auth = sandbox.headers()
    sandbox.control.set_latency(500)
    count = ("POST", "V1.0/Tickets/query/count", ALL)
    calls = [
        count,
        count,
        ("GET", "V1.0/Tickets/entityInformation", None),
        count,
        ("POST", "V1.0/Companies/query/count", ALL),
    ]  # another endpoint: its own 3 slots
    responses = _concurrently(wire_client, calls, auth)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 200, 200, 200, 429]
    rejected = next(r for r in responses if r.status_code == 429)
    assert THREAD_MESSAGE in rejected.json()["errors"][0] and "Itgenatr005" in rejected.json()["errors"][0]
    assert rejected.json()["errors"][0].startswith("Thread Threshold Exceeded")
    assert sandbox.control.stats()["thread_limit_rejections"] == 1
    # Slots come back once the requests finish, and zoneInformation is never limited.
    assert all(r.status_code == 200 for r in _concurrently(wire_client, [count] * 3, auth))
    user = sandbox.credentials["username"]
    zone = [("GET", f"V1.0/zoneInformation?user={user}", None)] * 6
    assert all(r.status_code == 200 for r in _concurrently(wire_client, zone, {}))


@pytest.mark.anyio
async def test_thread_limit_in_process_async(sandbox: Sandbox) -> None:
    sandbox.control.set_latency(300)
    statuses: list[int] = []
    async with httpx.AsyncClient(
        transport=sandbox.async_transport(),
        headers=sandbox.headers(),
        base_url="https://sandbox.local/ATServicesRest/",
    ) as client:

        async def one() -> None:
            statuses.append((await client.post("V1.0/Tickets/query/count", json=ALL)).status_code)

        async with anyio.create_task_group() as tg:
            for _ in range(4):
                tg.start_soon(one)
    assert sorted(statuses) == [200, 200, 200, 429]


def test_hourly_threshold_latency_and_suspension(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    auth = sandbox.headers()
    sandbox.control.set_limits(threshold=20, threshold_latency_scale=0.02)  # 0.5 s → 10 ms, 1 s → 20 ms
    for _ in range(19):
        assert wire_client.post("V1.0/Tickets/query/count", json=ALL, headers=auth).status_code == 200
    info = wire_client.get("V1.0/ThresholdInformation", headers=auth).json()  # the 20th request
    assert info == {
        "externalRequestThreshold": 20,
        "requestThresholdTimeframe": 60,
        "currentTimeframeRequestCount": 20,
    }
    delays = [entry["delay_ms"] for entry in sandbox.control.request_log]
    assert delays[:9] == [0] * 9 and delays[9:14] == [10] * 5 and delays[14:] == [20] * 6
    over = wire_client.post("V1.0/Tickets/query/count", json=ALL, headers=auth)
    assert over.status_code == 429 and "threshold" in over.json()["errors"][0]
    assert sandbox.control.stats()["threshold_rejections"] == 1
    assert sandbox.control.stats()["hourly_usage"]["current"] == 20
    sandbox.control.clock.advance(1800)
    assert wire_client.post("V1.0/Tickets/query/count", json=ALL, headers=auth).status_code == 429
    sandbox.control.clock.advance(1801)  # the sliding hour has passed
    assert wire_client.post("V1.0/Tickets/query/count", json=ALL, headers=auth).status_code == 200
    # zoneInformation does not count and is never suspended.
    user = sandbox.credentials["username"]
    assert wire_client.get("V1.0/zoneInformation", params={"user": user}).status_code == 200
    assert sandbox.control.stats()["hourly_usage"]["current"] == 1
