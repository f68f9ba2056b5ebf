"""Issue #13 in one process, against a private redis-server: fair, leased slots at one script call per
acquire and release; one budget for several "processes" (each a `RedisLink` of its own, which is all a
process has); the fallback while Redis is down; sync + async clients on one limiter; many tenants apart.

Multi-process runs against a sandbox server are in test_scale_out.py.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from autotask_sandbox import Sandbox, SandboxConfig

from py_autotask import AsyncAutotaskClient, AutotaskClient, ConfigurationError, ThresholdBudgetExceeded
from py_autotask.limits import SharedBudget, SharedEndpointLimiter
from py_autotask.limits.options import resolve_limits
from py_autotask.limits.redis_link import KEY_PREFIX, RedisLink
from py_autotask.tenants import TenantClients

from .._clock import SANDBOX_NOW
from .._redis import RedisServer

SCOPE = "ci4242:test"


@pytest.fixture
def make_link(redis_server: RedisServer) -> Iterator[Any]:
    """Links to the test's Redis, one per simulated process; closed afterwards."""
    made: list[RedisLink] = []

    def make(**kwargs: Any) -> RedisLink:
        link = RedisLink(redis_server.url, **kwargs)
        made.append(link)
        return link

    yield make
    with ThreadPoolExecutor(max(1, len(made))) as pool:  # each close waits up to one BLPOP tick
        list(pool.map(RedisLink.close, made))


def queued(redis_server: RedisServer, endpoint: str) -> int:
    with redis_server.client() as direct:
        return int(direct.zcard(f"{KEY_PREFIX}slots:{SCOPE}:{endpoint}:queue"))


def test_waiters_are_served_in_arrival_order_across_processes(make_link: Any, redis_server: RedisServer) -> None:
    limiters = [SharedEndpointLimiter(make_link(), lambda: SCOPE, 1) for _ in range(5)]
    served: list[int] = []
    holder_in = threading.Event()
    release_holder = threading.Event()

    def hold() -> None:
        with limiters[0].slot("Tickets/query"):
            holder_in.set()
            release_holder.wait(10)

    def wait_turn(i: int) -> None:
        with limiters[i].slot("Tickets/query"):
            served.append(i)

    threads = [threading.Thread(target=hold)]
    threads[0].start()
    assert holder_in.wait(10)
    for i in range(1, 5):  # each joins the queue before the next one comes
        threads.append(threading.Thread(target=wait_turn, args=(i,)))
        threads[-1].start()
        deadline = time.monotonic() + 10
        while queued(redis_server, "tickets") < i:
            assert time.monotonic() < deadline
            time.sleep(0.005)
    started = time.monotonic()
    release_holder.set()
    for thread in threads:
        thread.join(10)
    assert served == [1, 2, 3, 4]
    assert time.monotonic() - started < 0.9  # handed on by wake-ups, not found by the 1 s re-check


def test_uncontended_acquire_and_release_are_one_script_call_each(make_link: Any, redis_server: RedisServer) -> None:
    limiter = SharedEndpointLimiter(make_link(lease=60.0), lambda: SCOPE, 3)
    with limiter.slot("Companies"):
        pass  # scripts loaded, helper thread started
    with redis_server.client() as direct:
        direct.config_resetstat()
        for _ in range(20):
            with limiter.slot("Companies/query"):
                pass
        stats = direct.info("commandstats")
    calls = {name: value["calls"] for name, value in stats.items()}
    assert calls.get("cmdstat_evalsha") == 40  # (the scripts' own commands are counted too, by name)
    assert "cmdstat_script" not in calls and "cmdstat_eval" not in calls


def test_slots_of_a_process_that_stops_renewing_free_up_after_the_lease(make_link: Any) -> None:
    dead = SharedEndpointLimiter(make_link(lease=1.0, poll=0.2), lambda: SCOPE, 1)
    alive = SharedEndpointLimiter(make_link(lease=1.0, poll=0.2), lambda: SCOPE, 1)
    context = dead.slot("Tickets")
    context.__enter__()  # taken, never released
    dead.link.close()  # no more renewals: as if killed with -9
    started = time.monotonic()
    with alive.slot("Tickets"):
        waited = time.monotonic() - started
    assert 0.3 < waited < 1.0 + 0.2 + 0.5


def test_one_budget_for_several_processes(make_link: Any) -> None:
    budgets = [SharedBudget(make_link(), lambda: SCOPE, share=0.002, soft_mark=1.0) for _ in range(3)]  # cap 20
    for i in range(20):
        assert budgets[i % 3].take() == 0.0
    with pytest.raises(ThresholdBudgetExceeded, match="our share of the request threshold is used up: 20 of 20"):
        budgets[1].take()
    assert {b.usage()["requests"] for b in budgets} == {20}
    # The ThresholdInformation read that came due was claimed by exactly one of them …
    assert [b.needs_refresh() for b in budgets].count(True) == 1
    # … and what one of them reads, all of them know.
    budgets[2].observe({"externalRequestThreshold": 10_000, "requestThresholdTimeframe": 60,
                        "currentTimeframeRequestCount": 5_000})
    assert {b.usage()["tenant_observed"] for b in budgets} == {5_000}


def test_redis_down_means_one_warning_one_slot_a_smaller_share_then_sharing_again(
    make_link: Any, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    link = make_link(retry_after=0.2)
    limiter = SharedEndpointLimiter(link, lambda: SCOPE, 3, grace=0.5)
    budget = SharedBudget(link, lambda: SCOPE, share=0.5)
    peak, running, lock = 0, 0, threading.Lock()

    def request() -> None:
        nonlocal peak, running
        with limiter.slot("Tickets"):
            budget.take()
            with lock:
                running += 1
                peak = max(peak, running)
            time.sleep(0.05)
            with lock:
                running -= 1

    def burst() -> int:
        nonlocal peak
        peak = 0
        with ThreadPoolExecutor(6) as pool:
            list(pool.map(lambda _: request(), range(12)))
        return peak

    assert burst() == 3 and budget.usage()["shared"]
    redis_server.kill()
    with caplog.at_level(logging.WARNING, logger="py_autotask.limits"):
        assert burst() == 1 and burst() == 1
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "unreachable" in warnings[0].getMessage()
    assert redis_server.password not in warnings[0].getMessage()
    usage = budget.usage()
    assert not usage["shared"] and usage["share"] == 0.25 and usage["requests"] >= 24

    redis_server.start()
    deadline = time.monotonic() + 5
    while not link.up:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.6)  # the grace period
    assert burst() == 3
    usage = budget.usage()
    assert usage["shared"] and usage["requests"] >= 24 + 12  # the outage's requests joined the window


def test_sync_and_async_clients_in_one_process_share_one_limiter(sandbox_server: Any, redis_server: RedisServer) -> None:
    sandbox = sandbox_server.sandbox
    sandbox.control.set_latency(100)
    settings = {**sandbox.credentials, "base_url": sandbox_server.base_url, "cache": False}

    def run_both(sync: AutotaskClient, make_async: Any) -> None:
        async def tasks() -> None:
            async with make_async() as client:
                await asyncio.gather(*(client.tickets.count() for _ in range(12)))

        with ThreadPoolExecutor(5) as pool:
            futures = [pool.submit(asyncio.run, tasks())]
            futures += [pool.submit(sync.tickets.count) for _ in range(12)]
            for future in futures:
                future.result()

    with AutotaskClient(**settings, limits="local") as sync:  # in-process: hand the limits over
        run_both(sync, lambda: AsyncAutotaskClient(**settings, limits=sync.limits))
    assert sandbox.control.stats()["thread_limit_rejections"] == 0

    with AutotaskClient(**settings, limits=redis_server.url) as sync:  # through Redis: the same one by itself
        assert AsyncAutotaskClient(**settings, limits=redis_server.url).limits.limiter is sync.limits.limiter
        run_both(sync, lambda: AsyncAutotaskClient(**settings, limits=redis_server.url))
    assert sandbox.control.stats()["thread_limit_rejections"] == 0

    with AutotaskClient(**settings, limits="local") as sync:  # the control: two limiters, six in flight
        run_both(sync, lambda: AsyncAutotaskClient(**settings, limits="local"))
    assert sandbox.control.stats()["thread_limit_rejections"] > 0


def test_limits_option_errors_are_specific_and_keep_passwords_out() -> None:
    common: dict[str, Any] = {"username": "u@example.com", "integration_code": "CODE", "tenant_ci": lambda: None,
                              "concurrency_limit": 3, "budget": None}
    with pytest.raises(ConfigurationError, match="use 'local', 'redis' or a redis://") as caught:
        resolve_limits("http://:hunter2@example.com", **common, environ={})
    assert "hunter2" not in str(caught.value)
    with pytest.raises(ConfigurationError, match="AUTOTASK_REDIS_URL is not set"):
        resolve_limits(None, **common, environ={"AUTOTASK_LIMITS": "redis"})
    assert not resolve_limits(None, **common, environ={}).shared
    assert not resolve_limits(None, **common, environ={"AUTOTASK_REDIS_URL": "redis://x", "AUTOTASK_LIMITS": "local"}).shared


def test_two_tenants_in_one_process_keep_credentials_and_limits_apart(redis_server: RedisServer) -> None:
    tenants = {name: Sandbox(SandboxConfig(seed=seed, ci=ci, tickets=300, now=SANDBOX_NOW, latency_ms=100))
               for name, seed, ci in (("acme", 31, 7001), ("globex", 32, 7002))}
    with tenants["acme"].serve() as acme, tenants["globex"].serve() as globex:
        servers = {"acme": acme, "globex": globex}
        settings = {name: {**sb.credentials, "zone_lookup_url": servers[name].zone_lookup_url}
                    for name, sb in tenants.items()}
        with TenantClients(settings.__getitem__, limits=redis_server.url, cache=False) as clients:
            assert clients["acme"] is clients["acme"] and clients["acme"] is not clients["globex"]
            clients["globex"].tickets.count()  # zone detected: globex's limits are keyed by its ci
            busy = threading.Event()

            def hammer() -> None:
                while not busy.is_set():
                    clients["acme"].tickets.count()

            acme_limiter = clients["acme"].limits.limiter
            assert acme_limiter is not None
            with ThreadPoolExecutor(6) as pool:
                try:
                    for _ in range(6):
                        pool.submit(hammer)
                    deadline = time.monotonic() + 20
                    while not acme_limiter.stats().get("tickets", {}).get("waiting"):
                        assert time.monotonic() < deadline
                        time.sleep(0.01)
                    took = []
                    for _ in range(5):  # while acme's callers queue for its slots, globex goes straight through
                        started = time.monotonic()
                        clients["globex"].tickets.count()
                        took.append(time.monotonic() - started)
                    assert acme_limiter.stats()["tickets"]["waiting"]
                finally:
                    busy.set()
            assert max(took) < 0.1 + 0.15
            with redis_server.client() as direct:  # one hourly budget per tenant
                keys = {k.decode().split(":")[3] for k in direct.scan_iter(match=f"{KEY_PREFIX}budget:*:state")}
            assert keys == {"ci7001", "ci7002"}
        # Same user name, different secrets and integration codes: a request that carried the other tenant's
        # secret would have been refused (401) by the sandbox it reached.
        acme_creds, globex_creds = tenants["acme"].credentials, tenants["globex"].credentials
        assert acme_creds["secret"] != globex_creds["secret"]
        assert acme_creds["integration_code"] != globex_creds["integration_code"]
        for sandbox in tenants.values():
            log = [entry for entry in sandbox.control.request_log if "zoneinformation" not in entry["path"].lower()]
            assert log and all(e["status"] == 200 and e["user"] == sandbox.credentials["username"] for e in log)


def _child_takes_turn(url: str, parent_id: str, out: Any) -> None:
    limiter = CHILD_LIMITER[0]
    started = time.monotonic()
    with limiter.slot("Tickets"):
        out.put((limiter.link.process_id != parent_id, time.monotonic() - started))


CHILD_LIMITER: list[SharedEndpointLimiter] = []


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # fork() with threads running (3.12+ warns)
def test_a_forked_worker_gets_a_process_id_and_a_helper_thread_of_its_own(
    make_link: Any, redis_server: RedisServer
) -> None:
    import multiprocessing

    limiter = SharedEndpointLimiter(make_link(), lambda: SCOPE, 1)
    CHILD_LIMITER[:] = [limiter]
    with limiter.slot("Tickets"):
        pass  # the parent's helper thread runs
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    with limiter.slot("Tickets"):  # the parent holds the only slot while the child starts waiting
        child = context.Process(target=_child_takes_turn, args=(redis_server.url, limiter.link.process_id, out))
        child.start()
        deadline = time.monotonic() + 10
        while queued(redis_server, "tickets") < 1:
            assert time.monotonic() < deadline
            time.sleep(0.005)
    fresh_id, waited = out.get(timeout=10)
    child.join(10)
    assert child.exitcode == 0 and fresh_id
    assert waited < 0.9  # woken by its own helper thread, not found by the 1 s re-check
