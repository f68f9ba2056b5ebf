"""Issue #13 end to end: worker processes against one sandbox (100 ms latency, thread limit 3) sharing
Autotask's limits through a private redis-server — and the control runs without sharing.

Every worker is a real process (`scaleout_worker.py`) that exports Tickets page by page; what they got is
compared with a raw listing of the sandbox, and the limits are judged on the sandbox's own books (its
thread-limit rejections, its request log) and on the Redis keys, never on what the client says.
Sizes are small on purpose (the machine is shared): 2,000 tickets, pages of 100.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from autotask_sandbox import Sandbox, SandboxConfig

from py_autotask.limits.redis_link import KEY_PREFIX, LEASE_SECONDS, POLL_SECONDS

from .._clock import SANDBOX_NOW
from .._redis import RedisServer
from .conftest import listed_ids, log_entries, raw_count

pytestmark = pytest.mark.slow

WORKER = Path(__file__).with_name("scaleout_worker.py")
ENTITY = "Tickets"
TICKETS = 2000
LATENCY_MS = 100


class Farm:
    def __init__(self, sandbox: Sandbox, server: Any) -> None:
        self.sandbox = sandbox
        self.server = server
        self.ids = sorted(listed_ids(sandbox, ENTITY))
        assert len(self.ids) == raw_count(sandbox, ENTITY) == TICKETS

    def reset(self) -> None:
        self.sandbox.control.reset(data=False)
        self.sandbox.control.set_latency(LATENCY_MS)

    def stats(self) -> dict[str, Any]:
        return self.sandbox.control.stats()

    def start(self, count: int, limits: str, *args: str) -> list[subprocess.Popen[str]]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTASK_")}
        creds = self.sandbox.credentials
        env.update(
            AUTOTASK_USERNAME=creds["username"], AUTOTASK_SECRET=creds["secret"],
            AUTOTASK_INTEGRATION_CODE=creds["integration_code"],
            AUTOTASK_ZONE_LOOKUP_URL=self.server.zone_lookup_url, AUTOTASK_LIMITS=limits,
            AUTOTASK_CACHE="off",
        )
        command = [sys.executable, str(WORKER), ENTITY, *args]
        return [
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(count)
        ]


@pytest.fixture(scope="module")
def farm() -> Iterator[Farm]:
    sandbox = Sandbox(SandboxConfig(seed=13, tickets=TICKETS, now=SANDBOX_NOW, thread_limit=3))
    with sandbox.serve() as server:
        yield Farm(sandbox, server)


def first_line(proc: subprocess.Popen[str]) -> dict[str, Any]:
    assert proc.stdout is not None
    return json.loads(proc.stdout.readline())


def finish(procs: list[subprocess.Popen[str]], timeout: float = 120) -> list[tuple[dict[str, Any], list[str]]]:
    """Each worker's last JSON line and its WARNING lines (workers must exit 0)."""
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=timeout)
        assert proc.returncode == 0, err[-2000:]
        results.append((json.loads(out.strip().splitlines()[-1]), [ln for ln in err.splitlines() if "WARNING" in ln]))
    return results


def holders(redis: RedisServer) -> dict[str, list[str]]:
    """Tokens holding a slot right now, per holders key."""
    with redis.client() as direct:
        return {
            key.decode(): [t.decode() for t in direct.zrange(key, 0, -1)]
            for key in direct.scan_iter(match=f"{KEY_PREFIX}slots:*:holders")
        }


def wait_until(condition: Any, timeout: float, step: float = 0.02) -> float:
    """Seconds it took `condition()` to hold; fails after `timeout`."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout, "condition not met in time"
        time.sleep(step)
    return time.monotonic() - start


def threshold_reads(farm: Farm) -> int:
    return len(log_entries(farm.sandbox, "ThresholdInformation"))


def api_requests(farm: Farm) -> int:
    """Requests the sandbox counted against the tenant (zone lookups are outside the threshold)."""
    return len([e for e in farm.sandbox.control.request_log if "zoneinformation" not in e["path"].lower()])


def test_eight_processes_share_slots_and_budget_and_without_sharing_get_rejected(
    farm: Farm, redis_server: RedisServer
) -> None:
    farm.reset()
    farm.sandbox.control.set_latency(LATENCY_MS)
    results = finish(farm.start(8, redis_server.url))
    stats = farm.stats()
    assert stats["thread_limit_rejections"] == 0
    for report, warnings in results:
        assert [sorted(run) for run in report["runs"]] == [farm.ids] and not warnings
    # One hourly budget for all eight: one ThresholdInformation read between them, and the last worker to
    # finish saw every request the sandbox counted in its window.
    assert threshold_reads(farm) == 1
    assert max(report["budget"]["requests_total"] for report, _ in results) == api_requests(farm)
    assert all(report["budget"]["shared"] for report, _ in results)

    # The control: the same eight processes, each with limits of its own.
    farm.reset()
    results = finish(farm.start(8, "local"))
    assert farm.stats()["thread_limit_rejections"] > 0
    for report, _ in results:  # the retries still get everything
        assert [sorted(run) for run in report["runs"]] == [farm.ids]
    assert threshold_reads(farm) >= 8  # each process reads the tenant's usage for itself (more after 429s)


def test_budget_share_holds_for_all_processes_together(farm: Farm, redis_server: RedisServer) -> None:
    share, cap = 0.003, 30  # 30 of the tenant's 10,000 requests per hour, pacing off, refusing beyond
    farm.reset()
    results = finish(farm.start(3, redis_server.url, "--share", str(share), "--page-size", "50"))
    pages = sum(report["pages"] for report, _ in results)
    assert api_requests(farm) <= cap and pages == cap - threshold_reads(farm)
    assert farm.stats()["thread_limit_rejections"] == 0

    farm.reset()
    results = finish(farm.start(3, "local", "--share", str(share), "--page-size", "50"))
    assert api_requests(farm) > cap  # each process spent a whole share of its own


def test_kill_minus_nine_frees_slots_within_the_lease(farm: Farm, redis_server: RedisServer) -> None:
    farm.reset()
    procs = farm.start(8, redis_server.url)
    victim = procs[0]
    victim_id = first_line(victim)["process"]
    assert victim_id

    def victim_tokens() -> list[str]:
        return [t for tokens in holders(redis_server).values() for t in tokens if t.startswith(victim_id + "|")]

    wait_until(lambda: bool(victim_tokens()), timeout=60, step=0.005)
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=10)  # reaps it and closes its pipes
    freed_after = wait_until(lambda: not victim_tokens(), timeout=LEASE_SECONDS + 5)
    assert freed_after <= LEASE_SECONDS + POLL_SECONDS
    for report, warnings in finish(procs[1:]):
        assert [sorted(run) for run in report["runs"]] == [farm.ids] and not warnings
    assert farm.stats()["thread_limit_rejections"] == 0


def test_redis_stopped_mid_run_falls_back_then_shares_again(farm: Farm, redis_server: RedisServer) -> None:
    farm.reset()
    procs = farm.start(3, redis_server.url, "--passes", "2", "--threads", "2", "--page-size", "50")
    ids = [first_line(proc)["process"] for proc in procs]
    wait_until(lambda: any(holders(redis_server).values()), timeout=60)
    timeline = [("kill", farm.stats()["clock"])]
    redis_server.kill()
    time.sleep(1.5)
    in_flight_during_outage = farm.stats()["in_flight"]
    timeline.append(("start", farm.stats()["clock"]))
    redis_server.start()  # an empty server on the same port: the leases and the window start afresh
    wait_until(lambda: any(holders(redis_server).values()), timeout=10)  # sharing resumed
    timeline.append(("resumed", farm.stats()["clock"]))
    resumed_by = {t.split("|")[0] for tokens in holders(redis_server).values() for t in tokens}
    assert resumed_by <= set(ids)
    results = finish(procs)
    rejected = [e["time"] for e in farm.sandbox.control.request_log if e["status"] == 429]
    assert farm.stats()["thread_limit_rejections"] == 0, (timeline, rejected)
    assert in_flight_during_outage <= 3
    for report, warnings in results:
        assert [sorted(run) for run in report["runs"]] == [farm.ids] * 2
        assert len(warnings) == 1 and "unreachable" in warnings[0]
        assert redis_server.password not in warnings[0]


def test_redis_lost_before_any_request_ended_waits_for_the_others_requests(
    farm: Farm, redis_server: RedisServer
) -> None:
    """Redis dies while the first three requests of the run hold every slot, and one process holds none.

    That process has seen no request end, so it cannot know how long the others' take; it must not go
    without a Redis slot while they may still run (it used to, after a guessed 0.2 s: a slow server --
    here 1.5 s per request, under load a few hundred ms -- then saw a fourth request and refused it).
    """
    farm.reset()
    farm.sandbox.control.set_latency(1500)
    procs = farm.start(3, redis_server.url, "--passes", "2", "--threads", "2", "--page-size", "500")
    for proc in procs:
        first_line(proc)

    def lopsided() -> bool:  # every Tickets slot taken, and some process holds none of them
        tokens = [t for key, found in holders(redis_server).items() if key.endswith(":tickets:holders") for t in found]
        return len(tokens) == 3 and len({t.split("|")[0] for t in tokens}) < 3

    wait_until(lopsided, timeout=60, step=0.005)
    redis_server.kill()
    peak, until = 0, time.monotonic() + 3
    while time.monotonic() < until:
        peak = max(peak, farm.stats()["in_flight"])
        time.sleep(0.01)
    redis_server.start()
    results = finish(procs)
    rejected = [(e["time"], e["path"]) for e in farm.sandbox.control.request_log if e["status"] == 429]
    assert farm.stats()["thread_limit_rejections"] == 0, rejected
    assert peak <= 3
    for report, warnings in results:
        assert [sorted(run) for run in report["runs"]] == [farm.ids] * 2
        assert len(warnings) == 1 and "unreachable" in warnings[0]
