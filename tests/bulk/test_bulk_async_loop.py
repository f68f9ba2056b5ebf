"""The asyncio bulk engine keeps the event loop free: input reading, validation and journal commits
(SQLite with synchronous=FULL) are synchronous work, so they run in worker threads, not on the loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from py_autotask import AsyncAutotaskClient
from py_autotask.bulk import AsyncBulkEngine

BLOCK_S = 0.1  # how long each row takes to read from a slow source (a network share, say)


def slow_rows(n: int, reads: list[tuple[float, float]]) -> Iterator[dict[str, Any]]:
    for i in range(n):
        started = time.monotonic()
        time.sleep(BLOCK_S)
        reads.append((started, time.monotonic()))
        yield {"companyID": 0, "title": f"LOOP ticket {i}", "status": "New", "priority": "Medium",
               "dueDateTime": "2026-03-01T09:00", "externalID": f"LOOP-{i}"}


@pytest.mark.anyio
async def test_async_bulk_does_not_block_the_event_loop(sandbox: Any, tmp_path: Path) -> None:
    ticks: list[float] = []
    reads: list[tuple[float, float]] = []
    done = asyncio.Event()

    async def heartbeat() -> None:
        while not done.is_set():
            await asyncio.sleep(0.005)
            ticks.append(time.monotonic())

    async with AsyncAutotaskClient(**sandbox.credentials, base_url="https://sandbox.autotask.local/ATServicesRest/",
                                   transport=sandbox.async_transport(), cache=False) as aclient:
        beat = asyncio.create_task(heartbeat())
        try:
            summary = await AsyncBulkEngine(aclient).create("Tickets", slow_rows(5, reads), key=["externalID"],
                                                            chunk_size=1, journal=tmp_path / "j.sqlite").wait()
        finally:
            done.set()
            await beat
    assert summary.counts.get("created") == 5
    # The loop kept running while each row was being read (a blocked loop ticks zero times meanwhile).
    assert len(reads) == 5
    assert all(any(start < t < end for t in ticks) for start, end in reads)
