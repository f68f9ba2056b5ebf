"""Shared pieces of the end-to-end tests of issue #4: fault mix, virtual time, raw listings, a Redis server.

Everything here talks to the sandbox the way an outsider would (plain httpx on its wire, its control
plane) so that what the client returns can be checked against something that is not the client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .._redis import REDIS_SERVER, RedisServer

# The origin the in-process transports answer for (any host works; zoneInformation echoes it back).
SANDBOX_BASE_URL = "https://sandbox.autotask.local/ATServicesRest/"
SANDBOX_API = SANDBOX_BASE_URL + "V1.0/"
# Issue #4's "Done means": 5 % bare 500s, 2 % 429s, 1 % connection resets.
FAULTS = {"500": 0.05, "429": 0.02, "reset": 0.01}
ALL_RECORDS = [{"op": "gte", "field": "id", "value": 0}]

REDIS_PASSWORD = "redis-pass-e2e-4b9c"


def no_sleep(seconds: float) -> None:
    """Retries' and pacing's sleeps, injected as zero (the sandbox has no latency to wait out)."""


async def no_async_sleep(seconds: float) -> None:
    """The async client's sleep, injected as zero."""


class Recorder:
    """A sleep that records what it was asked to wait (sync and async), without waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(0)


class VirtualTime:
    """One virtual clock for the client's budget and the sandbox: the client's sleeps move both."""

    def __init__(self, sandbox: Any, *, move_sandbox: bool = True) -> None:
        self.now = 0.0
        self.slept = 0.0
        self.sandbox = sandbox
        self.move_sandbox = move_sandbox
        sandbox.control.clock.freeze()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds
        if self.move_sandbox:
            self.sandbox.control.clock.advance(seconds)

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)
        await asyncio.sleep(0)


def raw_client(sandbox: Any, *, readonly: bool = False) -> httpx.Client:
    """A plain httpx client on the in-process sandbox with its auth headers (no py_autotask involved)."""
    return httpx.Client(
        transport=sandbox.transport(), base_url=SANDBOX_API, headers=sandbox.headers(readonly=readonly), timeout=60
    )


def listed_ids(sandbox: Any, entity: str, filters: list[dict] | None = None) -> list[int]:
    """Every id of `entity` matching `filters`, read with raw `id > last` queries (call with faults off)."""
    ids: list[int] = []
    last = -1
    with raw_client(sandbox) as http:
        while True:
            body = {
                "filter": [*(filters or []), {"op": "gt", "field": "id", "value": last}],
                "includeFields": ["id"],
                "maxRecords": 500,
            }
            answer = http.post(f"{entity}/query", json=body)
            answer.raise_for_status()
            items = answer.json()["items"]
            if not items:
                return ids
            ids.extend(int(item["id"]) for item in items)
            last = max(int(item["id"]) for item in items)


def raw_count(sandbox: Any, entity: str, filters: list[dict] | None = None) -> int:
    """`/query/count` answered by the sandbox to a raw request (call with faults off)."""
    with raw_client(sandbox) as http:
        answer = http.post(f"{entity}/query/count", json={"filter": filters or ALL_RECORDS})
        answer.raise_for_status()
        return int(answer.json()["queryCount"])


def hourly_usage(sandbox: Any) -> int:
    """The tenant's request count in the sandbox's current hourly window."""
    return int(sandbox.control.stats()["hourly_usage"]["current"])


def log_entries(sandbox: Any, needle: str, method: str | None = None) -> list[dict]:
    """Request-log entries whose path contains `needle` (case-insensitive), optionally of one method."""
    needle = needle.lower()
    return [
        e for e in sandbox.control.request_log
        if needle in e["path"].lower() and (method is None or e["method"] == method)
    ]


# -- a throw-away redis-server ------------------------------------------------------------------------


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A fresh redis-server for one test (skipped when the binary or the package is missing)."""
    pytest.importorskip("redis", reason="the optional 'redis' package is not installed")
    if REDIS_SERVER is None:
        pytest.skip("redis-server binary not found on PATH")
    workdir = tmp_path / "redis"
    workdir.mkdir()
    server = RedisServer(workdir, REDIS_PASSWORD)
    server.start()
    try:
        yield server
    finally:
        from py_autotask.limits.options import forget_redis

        forget_redis(server.url)  # clients' shared limits: no helper thread left probing a dead server
        server.kill()
