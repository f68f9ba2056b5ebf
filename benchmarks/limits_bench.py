"""What sharing Autotask's limits through Redis costs, and what several processes get together (issue #13).

    python -m benchmarks.limits_bench            # 5,000 slot cycles; 6,000 tickets
    python -m benchmarks.limits_bench --quick    # 1,000 slot cycles; 2,000 tickets

(a) Overhead per request, Redis on loopback (a private redis-server): one uncontended slot cycle
    (acquire + release: two script calls) and one budget decision (`take()`: one script call), against
    the same with the in-process limiter and budget. Target: slot + budget ≤ 1 ms median.
(b) Aggregate throughput. A sandbox over loopback HTTP with 100 ms latency and the thread limit on;
    each exporting process runs three partitions of its entity side by side (the per-endpoint ceiling
    is 3 requests in flight, 3,000 records/s at 100 records a page). One process exporting one entity,
    then three processes exporting three different entities at once, all with limits shared through
    Redis: their rates (records / own seconds, summed) should add up to about three times the one,
    since their endpoints do not share slots — as far as the machine's cores allow.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
try:
    import py_autotask  # noqa: F401
except ImportError:  # run from a checkout without installing: use ./src
    sys.path.insert(0, str(ROOT / "src"))

from autotask_sandbox import Sandbox, SandboxConfig  # noqa: E402

from py_autotask import AutotaskClient  # noqa: E402
from py_autotask.limits import EndpointLimiter, ThresholdBudget  # noqa: E402
from py_autotask.limits.redis_link import RedisLink  # noqa: E402
from py_autotask.limits.shared_budget import SharedBudget  # noqa: E402
from py_autotask.limits.shared_slots import SharedEndpointLimiter  # noqa: E402

from ._clock import SANDBOX_NOW  # noqa: E402

ENTITIES = ["Tickets", "TicketNotes", "Contacts"]
LATENCY_MS = 100
PAGE_SIZE = 100
PARTITIONS = 3


def start_redis(workdir: str) -> tuple[subprocess.Popen[bytes], str]:
    """A private redis-server on a free loopback port."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server not found on PATH (apt-get install redis-server)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", workdir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    probe = redis.Redis(port=port)
    for _ in range(200):
        try:
            probe.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.02)
    probe.close()
    return proc, f"redis://127.0.0.1:{port}/0"


# -- (a) overhead ----------------------------------------------------------------------------------------


def timings_ms(step: Callable[[], object], rounds: int) -> list[float]:
    for _ in range(min(100, rounds)):  # warm up: scripts loaded, connections open, helper thread up
        step()
    out = []
    for _ in range(rounds):
        started = time.perf_counter()
        step()
        out.append((time.perf_counter() - started) * 1000)
    return out


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered), 3),
        "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))], 3),
        "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 3),
    }


def overhead(url: str, rounds: int) -> dict[str, dict[str, float]]:
    link = RedisLink(url)
    shared = SharedEndpointLimiter(link, lambda: "bench:scope", 3)
    shared_budget = SharedBudget(link, lambda: "bench:scope", threshold=10**9)
    local, local_budget = EndpointLimiter(3), ThresholdBudget(threshold=10**9)

    def cycle(limiter: EndpointLimiter) -> Callable[[], None]:
        def step() -> None:
            with limiter.slot("Tickets/query"):
                pass
        return step

    def request(limiter: EndpointLimiter, budget: ThresholdBudget) -> Callable[[], None]:
        def step() -> None:
            budget.take()
            with limiter.slot("Tickets/query"):
                pass
        return step

    try:
        return {
            "redis slot (acquire+release)": summary(timings_ms(cycle(shared), rounds)),
            "redis budget take": summary(timings_ms(shared_budget.take, rounds)),
            "redis per request (slot + budget)": summary(timings_ms(request(shared, shared_budget), rounds)),
            "local per request (slot + budget)": summary(timings_ms(request(local, local_budget), rounds)),
        }
    finally:
        link.close()


# -- (b) aggregate throughput ----------------------------------------------------------------------------


def child_export(entity: str) -> None:
    """One exporting process: PARTITIONS id ranges of `entity` side by side; prints records and seconds."""
    with AutotaskClient.from_env(cache=False) as client:
        count = client.entity(entity).count()
        ids = sorted(r["id"] for r in client.entity(entity).query(fields=["id"], page_size=500))  # not timed
        edges = [ids[0] - 1, *[ids[len(ids) * k // PARTITIONS - 1] for k in range(1, PARTITIONS)], ids[-1]]

        def part(k: int) -> int:
            filt = [{"op": "gt", "field": "id", "value": edges[k]}, {"op": "lte", "field": "id", "value": edges[k + 1]}]
            return sum(1 for _ in client.entity(entity).query(filt, fields=["id"], page_size=PAGE_SIZE))

        started = time.perf_counter()
        with ThreadPoolExecutor(PARTITIONS) as pool:
            got = sum(pool.map(part, range(PARTITIONS)))
        elapsed = time.perf_counter() - started
    print(json.dumps({"entity": entity, "records": got, "expected": count, "seconds": elapsed}))


def run_exports(server: object, sandbox: Sandbox, url: str, entities: list[str]) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTASK_")}
    creds = sandbox.credentials
    env.update(AUTOTASK_USERNAME=creds["username"], AUTOTASK_SECRET=creds["secret"],
               AUTOTASK_INTEGRATION_CODE=creds["integration_code"], AUTOTASK_LIMITS=url,
               AUTOTASK_ZONE_LOOKUP_URL=server.zone_lookup_url)  # type: ignore[attr-defined]
    sandbox.control.reset(data=False)
    sandbox.control.set_latency(LATENCY_MS)
    procs = [subprocess.Popen([sys.executable, "-m", "benchmarks.limits_bench", "--child-export", e], env=env,
                              cwd=ROOT, stdout=subprocess.PIPE, text=True) for e in entities]
    reports = [json.loads(p.communicate(timeout=600)[0].strip().splitlines()[-1]) for p in procs]
    for report in reports:
        assert report["records"] == report["expected"], report
    rates = [r["records"] / r["seconds"] for r in reports]
    return {
        "entities": entities,
        "records": sum(r["records"] for r in reports),
        "records_per_s": round(sum(rates), 1),  # the processes ran side by side: their rates add up
        "per_process_records_per_s": [round(rate, 1) for rate in rates],
        "thread_limit_rejections": sandbox.control.stats()["thread_limit_rejections"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer slot cycles, a smaller tenant")
    parser.add_argument("--child-export", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_export:
        child_export(args.child_export)
        return 0
    rounds, tickets = (1000, 2000) if args.quick else (5000, 6000)
    with tempfile.TemporaryDirectory() as workdir:
        redis_proc, url = start_redis(workdir)
        try:
            print("(a) overhead per request, Redis on loopback:")
            for name, figures in overhead(url, rounds).items():
                print(f"    {name:36} {figures}")
            sandbox = Sandbox(SandboxConfig(seed=13, tickets=tickets, now=SANDBOX_NOW))
            with sandbox.serve() as server:
                one = run_exports(server, sandbox, url, ENTITIES[:1])
                three = run_exports(server, sandbox, url, ENTITIES)
            print(f"(b) one process, one entity:      {one}")
            print(f"    three processes, three entities: {three}")
            ceiling = PARTITIONS * PAGE_SIZE / (LATENCY_MS / 1000)
            print(f"    ratio: {three['records_per_s'] / one['records_per_s']:.2f}x "  # type: ignore[operator]
                  f"(ceiling {len(ENTITIES)}x: endpoints do not share slots; one endpoint's ceiling is "
                  f"{PARTITIONS} in flight x {PAGE_SIZE} records / {LATENCY_MS} ms = {ceiling:.0f} records/s)")
        finally:
            redis_proc.kill()
            redis_proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
