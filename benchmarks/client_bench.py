"""What the client's caches and retries cost and save, counted by the sandbox (issue #4).

    python -m benchmarks.client_bench            # 34,000 tickets: a 107k-record faulted export
    python -m benchmarks.client_bench --quick    # 6,000 tickets: a 19k-record one

(a) Cold vs warm start. Two separate processes, one after the other, share a disk cache directory; each
    detects the zone (no base URL configured), reads `fields()` of five entities and runs one query.
    Requests are counted from the sandbox's request log, by kind.
(b) The faulted export. Every ticket note, over loopback HTTP, whole records, once fault-free and once
    with 5 % bare 500s, 2 % 429s and 1 % connection resets (seeded). Retry sleeps are recorded instead of
    slept, so the wall time is the work; the backoff a real run would add is shown next to it. 'exact'
    compares the ids with a raw fault-free `id > last` listing made before the runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
try:
    import py_autotask  # noqa: F401
except ImportError:  # run from a checkout without installing: use ./src
    sys.path.insert(0, str(ROOT / "src"))

from autotask_sandbox import Sandbox, SandboxConfig  # noqa: E402

from py_autotask import AsyncAutotaskClient, AutotaskClient  # noqa: E402

from ._clock import SANDBOX_NOW  # noqa: E402
from ._text import table  # noqa: E402

START_ENTITIES = ["Tickets", "Companies", "Contacts", "TicketNotes", "Resources"]
FAULTS = {"500": 0.05, "429": 0.02, "reset": 0.01}
EXPORT_ENTITY = "TicketNotes"
START_LATENCY_MS = 50


# -- (a) cold vs warm start ----------------------------------------------------------------------------


def child_start() -> None:
    """The measured start, in its own process: zone + metadata of five entities + one query."""
    started = time.perf_counter()
    with AutotaskClient.from_env() as client:
        for name in START_ENTITIES:
            client.entity(name).fields()
        rows = client.tickets.query(limit=100).to_list()
    print(json.dumps({"rows": len(rows), "ms": round((time.perf_counter() - started) * 1000, 1)}))


def _kind(entry: dict[str, Any]) -> str:
    path = entry["path"].lower()
    if path.endswith("/zoneinformation"):
        return "zone"
    if "/entityinformation" in path:
        return "metadata"
    if path.endswith("/thresholdinformation"):
        return "threshold"
    return "query" if "/query" in path else "other"


def start(server: Any, cache_dir: Path) -> dict[str, Any]:
    """Run one child start against `server`; returns its requests by kind and its wall time."""
    sandbox = server.sandbox
    creds = sandbox.credentials
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTASK_")}
    env.update(
        AUTOTASK_USERNAME=creds["username"],
        AUTOTASK_SECRET=creds["secret"],
        AUTOTASK_INTEGRATION_CODE=creds["integration_code"],
        AUTOTASK_ZONE_LOOKUP_URL=server.base_url + "V1.0/zoneInformation",
        AUTOTASK_CACHE="memory,disk",
        AUTOTASK_CACHE_DIR=str(cache_dir),
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")]),
    )
    sandbox.control.clear_log()
    done = subprocess.run([sys.executable, "-m", "benchmarks.client_bench", "--child-start"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    kinds = Counter(_kind(e) for e in sandbox.control.request_log)
    return {"requests": sum(kinds.values()), **kinds, "ms": report["ms"]}


def cold_vs_warm(tickets: int) -> list[dict[str, Any]]:
    # 50 ms per request, a fast real tenant, so the wall times say what the saved round trips are worth.
    sandbox = Sandbox(SandboxConfig(seed=1, tickets=tickets, now=SANDBOX_NOW, latency_ms=START_LATENCY_MS))
    with sandbox.serve() as server, tempfile.TemporaryDirectory(prefix="client-bench-") as tmp:
        cold = start(server, Path(tmp))
        warm = start(server, Path(tmp))
    return [{"start": "cold (empty disk cache)", **cold}, {"start": "warm (same disk cache)", **warm}]


# -- (b) the faulted export ----------------------------------------------------------------------------


class Recorder:
    """Sleeps recorded, not slept."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.delays.append(seconds)


def export(server: Any, flavour: str, strategy: str) -> tuple[list[int], Recorder, float]:
    sleep = Recorder()
    settings = {**server.sandbox.credentials, "base_url": server.base_url, "cache": False}
    method = "POST" if strategy == "next_url" else "GET"
    started = time.perf_counter()
    if flavour == "sync":
        with AutotaskClient(**settings, sleep=sleep) as client:
            ids = [r["id"] for r in client.entity(EXPORT_ENTITY).query(method=method, strategy=strategy)]
    else:
        async def run() -> list[int]:
            async with AsyncAutotaskClient(**settings, sleep=sleep.asleep) as client:
                query = client.entity(EXPORT_ENTITY).query(method=method, strategy=strategy)
                return [r["id"] async for r in query]

        ids = asyncio.run(run())
    return ids, sleep, time.perf_counter() - started


def listed_ids(server: Any) -> set[int]:
    """Every id of the export entity from raw `id > last` queries (the truth, and the sandbox's warm-up)."""
    ids: set[int] = set()
    last = -1
    with httpx.Client(base_url=server.base_url + "V1.0/", headers=server.sandbox.headers(), timeout=60) as http:
        while True:
            body = {"filter": [{"op": "gt", "field": "id", "value": last}], "includeFields": ["id"],
                    "maxRecords": 500}
            items = http.post(f"{EXPORT_ENTITY}/query", json=body).raise_for_status().json()["items"]
            if not items:
                return ids
            ids.update(item["id"] for item in items)
            last = max(item["id"] for item in items)


def faulted_export(tickets: int) -> list[dict[str, Any]]:
    sandbox = Sandbox(SandboxConfig(seed=4, tickets=tickets, now=SANDBOX_NOW, request_log_size=50_000))
    control = sandbox.control
    rows = []
    with sandbox.serve() as server:
        truth = listed_ids(server)
        for seed, (flavour, strategy) in enumerate((("sync", "next_url"), ("async", "id_keyset")), start=7):
            for faults in ({}, FAULTS):
                control.reset()
                control.set_faults(faults, seed=seed)
                ids, sleep, wall = export(server, flavour, strategy)
                stats = control.stats()
                rows.append({
                    "run": f"{flavour} {strategy} {'faulted' if faults else 'fault-free'}",
                    "records": len(ids),
                    "exact": len(ids) == len(truth) and set(ids) == truth,
                    "requests": stats["requests"],
                    "retries": len(sleep.delays),
                    "faults": " ".join(f"{k}:{v}" for k, v in sorted(stats["faults"].items())) or "-",
                    "wall s": round(wall, 2),
                    "backoff s": round(sum(sleep.delays), 1),
                })
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller export (6,000 tickets)")
    parser.add_argument("--child-start", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_start:
        child_start()
        return 0
    print("(a) cold vs warm start: zone + fields() of 5 entities + one query, two processes, one disk cache, "
          f"{START_LATENCY_MS} ms per request")
    print(table(cold_vs_warm(500 if args.quick else 2000)))
    tickets = 6_000 if args.quick else 34_000
    print(f"\n(b) {EXPORT_ENTITY} export over loopback HTTP ({tickets:,} tickets), faults 500 5 % / 429 2 % / "
          "reset 1 %.\n'faults' counts those on ThresholdInformation reads too (not retried: the budget reads "
          "again later);\n'backoff s' is what a real run would sleep on top of 'wall s'")
    print(table(faulted_export(tickets)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
