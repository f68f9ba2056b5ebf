"""Issue #4 end to end: zone and metadata cached in memory → disk → Redis, shared with other processes,
surviving Redis dying mid-run, and a cached zone that answers 401 forgotten and detected again once.

Requests are counted from the sandbox's own request log; the second processes are real subprocesses
(`cache_probe.py`) talking to the sandbox over loopback HTTP.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from autotask_sandbox import Sandbox

from py_autotask import AsyncAutotaskClient, AuthenticationError, AutotaskClient, AutotaskError
from py_autotask.cache import ZONE_TTL, DiskLayer, LayeredCache, MemoryLayer, cache_from_env

from .._clock import SANDBOX_NOW
from .conftest import REDIS_PASSWORD, RedisServer, log_entries, no_async_sleep, no_sleep

ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("cache_probe.py")
FIRST = ["Tickets", "Companies", "Contacts", "TicketNotes", "Resources"]
LATER = ["Projects", "Tasks", "Contracts"]


def zone_calls(sandbox: Sandbox) -> int:
    return len(log_entries(sandbox, "/zoneinformation"))


def field_calls(sandbox: Sandbox) -> list[str]:
    """Entities whose field metadata was fetched from the sandbox (in order)."""
    return [e["entity"] for e in log_entries(sandbox, "/entityinformation/fields")]


def run_probe(server: Any, entities: list[str], **cache_env: str) -> tuple[dict[str, Any], list[str]]:
    """Run cache_probe.py in a new process; returns its JSON report and its warning lines."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTASK_")}
    creds = server.sandbox.credentials
    env.update(
        AUTOTASK_USERNAME=creds["username"],
        AUTOTASK_SECRET=creds["secret"],
        AUTOTASK_INTEGRATION_CODE=creds["integration_code"],
        AUTOTASK_ZONE_LOOKUP_URL=server.base_url + "V1.0/zoneInformation",
        AUTOTASK_LIMITS="local",  # the cache is under test; shared limits have test_scale_out.py
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")]),
        **cache_env,
    )
    done = subprocess.run([sys.executable, str(PROBE), *entities], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("WARNING")]
    return json.loads(done.stdout.strip().splitlines()[-1]), warnings


def test_zone_and_metadata_shared_through_disk_and_redis_and_redis_dying_mid_run(
    sandbox_server: Any, redis_server: RedisServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox = sandbox_server.sandbox
    disk = tmp_path / "cache"
    cache = cache_from_env({"AUTOTASK_CACHE_DIR": str(disk), "AUTOTASK_REDIS_URL": redis_server.url})
    assert [layer.name for layer in cache.layers] == ["memory", "disk", "redis"]
    client = AutotaskClient(**sandbox.credentials, zone_lookup_url=sandbox_server.base_url + "V1.0/zoneInformation",
                            cache=cache, sleep=no_sleep)
    with client:
        for name in FIRST:
            client.entity(name).fields()
        assert len(client.tickets.query(limit=10).to_list()) == 10
        assert zone_calls(sandbox) == 1 and field_calls(sandbox) == FIRST
        stored = [key.decode() for key in redis_server.dump()]
        assert sum(":zone:" in key for key in stored) == 1
        assert sorted(k.rsplit(":", 1)[1] for k in stored if ":fields:" in k) == sorted(n.lower() for n in FIRST)
        files = [p for p in disk.rglob("*") if p.is_file()]
        assert files and all(p.stat().st_mode & 0o077 == 0 for p in files)  # readable by the owner only
        assert all(sandbox.credentials["username"] not in key for key in stored)

        # A second process with an empty disk cache of its own finds zone and metadata in Redis…
        sandbox.control.clear_log()
        report, warnings = run_probe(sandbox_server, FIRST, AUTOTASK_CACHE_DIR=str(tmp_path / "elsewhere"),
                                     AUTOTASK_REDIS_URL=redis_server.url)
        assert report["zone"] == client.base_url and report["layers"] == ["memory", "disk", "redis"]
        assert zone_calls(sandbox) == 0 and field_calls(sandbox) == [] and not warnings
        assert report["stats"]["hits"]["redis"] >= 1 + len(FIRST)
        # …and one without Redis finds them on disk.
        report, warnings = run_probe(sandbox_server, FIRST, AUTOTASK_CACHE="memory,disk",
                                     AUTOTASK_CACHE_DIR=str(disk))
        assert report["layers"] == ["memory", "disk"] and report["stats"]["hits"]["disk"] >= 1 + len(FIRST)
        assert zone_calls(sandbox) == 0 and field_calls(sandbox) == [] and not warnings

        # Redis dies mid-run: the client carries on with memory and disk, and says so once.
        redis_server.kill()
        caplog.clear()
        caplog.set_level(logging.WARNING)
        for name in LATER:
            assert client.entity(name).fields()  # misses everywhere: fetched, cached without Redis
        for name in FIRST:
            client.entity(name).fields(force=True)  # refreshed: written to the layers still alive
        assert client.tickets.count() > 0 and len(client.companies.query(limit=5).to_list()) == 5
        problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(problems) == 1 and problems[0].name == "py_autotask.cache", problems
        assert "redis" in problems[0].getMessage() and REDIS_PASSWORD not in problems[0].getMessage()
        assert field_calls(sandbox) == LATER + FIRST and zone_calls(sandbox) == 0

    # A later process still pointed at the dead Redis works from disk without a zone call; the one entity
    # it meets for the first time misses down to Redis, which costs one warning and nothing else.
    sandbox.control.clear_log()
    report, warnings = run_probe(sandbox_server, [*FIRST, *LATER, "Opportunities"], AUTOTASK_CACHE_DIR=str(disk),
                                 AUTOTASK_REDIS_URL=redis_server.url)
    assert report["zone"] == client.base_url and report["stats"]["errors"]["redis"] >= 1
    assert len(warnings) == 1 and "redis" in warnings[0] and REDIS_PASSWORD not in warnings[0], warnings
    assert zone_calls(sandbox) == 0 and field_calls(sandbox) == ["Opportunities"]


def test_a_401_on_a_cached_zone_forgets_it_and_detects_again_once(sandbox_server: Any, tmp_path: Path) -> None:
    home = sandbox_server.sandbox
    lookup = sandbox_server.base_url + "V1.0/zoneInformation"
    # The zone an earlier run cached: another server, where this user's secret is not valid (401).
    with Sandbox(seed=2, tickets=50, now=SANDBOX_NOW).serve() as old_zone:
        cache = LayeredCache([MemoryLayer(), DiskLayer(tmp_path)])
        with AutotaskClient(**home.credentials, zone_lookup_url=lookup, cache=cache, sleep=no_sleep) as client:
            key = client.runtime.zone_cache_key(client.config)
            cache.set(key, {"zoneName": "before the move", "url": old_zone.base_url}, ZONE_TTL)
            assert client.tickets.count() > 0
            assert client.base_url == sandbox_server.base_url
        stale = old_zone.sandbox.control.request_log
        assert [e["status"] for e in stale] == [401]  # one try on the stale zone
        assert zone_calls(home) == 1  # one detection
        assert LayeredCache([DiskLayer(tmp_path)]).get(key)["url"] == sandbox_server.base_url  # re-cached

        # When the detected zone refuses too (a wrong secret), it is detected again once, then the error stands.
        home.control.clear_log()
        wrong = {**home.credentials, "secret": home.credentials["secret"] + "-old"}
        with AutotaskClient(**wrong, zone_lookup_url=lookup, cache=cache, sleep=no_sleep) as client:
            with pytest.raises(AuthenticationError):
                client.tickets.count()
        assert zone_calls(home) == 1
        assert [e["status"] for e in home.control.request_log if e["endpoint"] == "Tickets"] == [401, 401]


def _start_together(client: Any, n: int, call: Any) -> list[Any]:
    """`call(client)` from n threads released at the same moment; returns results or exceptions."""
    barrier = threading.Barrier(n)

    def one(_: int) -> Any:
        barrier.wait()
        try:
            return call(client)
        except AutotaskError as exc:
            return exc

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def test_a_crowd_starting_together_detects_the_zone_and_reads_metadata_once(sandbox_server: Any) -> None:
    sandbox = sandbox_server.sandbox
    sandbox.control.set_latency(30)  # the first detection is still in flight when the others ask
    lookup = sandbox_server.base_url + "V1.0/zoneInformation"
    with AutotaskClient(**sandbox.credentials, zone_lookup_url=lookup, cache=LayeredCache([MemoryLayer()]),
                        sleep=no_sleep) as client:
        results = _start_together(client, 16, lambda c: len(c.tickets.fields()))
    assert len(set(results)) == 1 and isinstance(results[0], int)
    assert zone_calls(sandbox) == 1 and field_calls(sandbox) == ["Tickets"]

    sandbox.control.clear_log()

    async def crowd() -> list[Any]:
        async with AsyncAutotaskClient(**sandbox.credentials, zone_lookup_url=lookup, cache=False,
                                       sleep=no_async_sleep) as aclient:
            return await asyncio.gather(*(aclient.companies.fields() for _ in range(16)))

    fields = asyncio.run(crowd())
    assert all(f == fields[0] for f in fields)  # even with caching off, one fetch served all sixteen
    assert zone_calls(sandbox) == 1 and field_calls(sandbox) == ["Companies"]


def test_when_the_first_of_a_crowd_fails_the_others_try_for_themselves(sandbox_server: Any) -> None:
    sandbox = sandbox_server.sandbox
    sandbox.control.set_latency(30)
    lookup = sandbox_server.base_url + "V1.0/zoneInformation"
    with AutotaskClient(**{**sandbox.credentials, "username": "nobody@example.com"}, zone_lookup_url=lookup,
                        cache=False, max_retries=0, sleep=no_sleep) as client:
        results = _start_together(client, 6, lambda c: c.tickets.count())
    assert all(isinstance(r, AuthenticationError) for r in results)  # nobody hangs on a failed leader
    assert 1 <= zone_calls(sandbox) <= 6
    sandbox.control.clear_log()
    with AutotaskClient(**sandbox.credentials, base_url=sandbox_server.base_url, cache=False, max_retries=0,
                        breaker=False, sleep=no_sleep) as client:
        sandbox.control.set_faults({"500": 1.0})  # every metadata fetch fails: each waiter tries in turn
        first = _start_together(client, 4, lambda c: c.contacts.fields())
        assert all(isinstance(r, AutotaskError) for r in first)
        sandbox.control.set_faults({})
        assert client.contacts.fields()
    assert field_calls(sandbox) == ["Contacts"] * 5
