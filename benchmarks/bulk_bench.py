"""Bulk write throughput against the ceiling, and what the hourly threshold means for 10,000 creates.

    python -m benchmarks.bulk_bench            # creates and updates at 100 ms and 250 ms latency
    python -m benchmarks.bulk_bench --quick    # fewer rows per measurement

(a) Measured: `BulkEngine` creates (keyed, so each chunk of 200 rows also costs one lookup query) and
    updates (by id) against the sandbox with a fixed latency per request and Autotask's 3 threads per
    endpoint. The ceiling is 3 rows per round trip: 3 / latency rows/s (30/s at 100 ms, 12/s at 250 ms).
(b) Computed: how long 10,000 creates take on a real tenant whose threshold is 10,000 requests per
    hour. A discrete-event simulation runs the client's own `ThresholdBudget` (its pacing and its stop
    at 99 %) on a simulated clock with 3 requests in flight, and adds Autotask's usage-based latency
    (+0.5 s per call from 50 % of the threshold, +1 s from 75 %). The budget, not the latency, sets the
    pace: 10,000 creates need more than one hour's whole allowance.
"""

from __future__ import annotations

import argparse
import heapq
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
try:
    import py_autotask  # noqa: F401
except ImportError:  # run from a checkout without installing: use ./src
    sys.path.insert(0, str(ROOT / "src"))

from autotask_sandbox import Sandbox, SandboxConfig  # noqa: E402

from py_autotask._client import AutotaskClient  # noqa: E402
from py_autotask.bulk import BulkEngine  # noqa: E402
from py_autotask.cache import LayeredCache, MemoryLayer  # noqa: E402
from py_autotask.limits import ThresholdBudget  # noqa: E402

from ._clock import SANDBOX_NOW  # noqa: E402

BASE_URL = "https://sandbox.autotask.local/ATServicesRest/"
THREADS = 3
CHUNK = 200  # rows per key lookup (BulkOptions.chunk_size)


def _rows(n: int, prefix: str) -> list[dict]:
    return [{"companyID": 0, "title": f"bench {i}", "status": "New", "priority": "Medium",
             "dueDateTime": "2026-03-01T09:00", "externalID": f"{prefix}-{i}"} for i in range(n)]


def measure(sandbox: Sandbox, latency_ms: float, rows: int) -> dict[str, float]:
    """Rows/s of keyed creates and of updates by id at one latency."""
    sandbox.control.reset()
    sandbox.control.set_latency(latency_ms)
    # A memory cache, as a real run has: field metadata is read once, outside the timed part.
    cache = LayeredCache([MemoryLayer()])
    with AutotaskClient(**sandbox.credentials, base_url=BASE_URL, transport=sandbox.transport(), cache=cache) as client:
        engine = BulkEngine(client)
        client.entity("Tickets").fields()
        client.entity("Tickets").udfs()
        sandbox.control.clear_log()
        started = time.perf_counter()
        created = [r for r in engine.create("Tickets", _rows(rows, f"B{latency_ms:g}"), key=["externalID"],
                                            reconcile_delay=0) if r.outcome == "created"]
        create_s = time.perf_counter() - started
        changes = [{"id": r.id, "title": f"bench {r.row_number} (updated)"} for r in created]
        started = time.perf_counter()
        updated = engine.update("Tickets", changes).wait()
        update_s = time.perf_counter() - started
    stats = sandbox.control.stats()
    assert len(created) == rows and updated.counts["updated"] == rows, (len(created), updated.counts)
    requests = len(sandbox.control.request_log)
    return {"create": rows / create_s, "update": rows / update_s, "thread_rejections": stats["thread_limit_rejections"],
            "requests_per_row": requests / (2 * rows)}


def simulate_budget(creates: int = 10_000, *, latency: float = 0.25, threshold: int = 10_000,
                    window: float = 3600.0) -> dict[str, float]:
    """Simulated wall time for `creates` keyed creates under the hourly threshold (tenant otherwise idle)."""
    now = [0.0]
    budget = ThresholdBudget(wait=True, threshold=threshold, timeframe=window, clock=lambda: now[0])
    sent: list[float] = []  # start times of every request, for the tenant's rolling count
    free = [0.0] * THREADS  # when each of the 3 slots is free again
    heapq.heapify(free)
    requests = creates + -(-creates // CHUNK) + 2  # creates, one key lookup per chunk, fields + udfs
    extra = {"threshold_reads": 0}

    def tenant_count(t: float) -> int:
        while sent and sent[0] <= t - window:
            sent.pop(0)
        return len(sent)

    def send(at: float) -> float:
        """Start one request no earlier than `at`; returns its finish time."""
        t = at
        while True:
            now[0] = t
            if budget.needs_refresh():  # the client reads ThresholdInformation: one more request
                extra["threshold_reads"] += 1
                budget.record()
                sent.append(t)
                budget.observe({"externalRequestThreshold": threshold, "requestThresholdTimeframe": window / 60,
                                "currentTimeframeRequestCount": tenant_count(t)})
            delay = budget.before_request()
            if delay <= 0:
                break
            t += delay
        budget.record()
        usage = tenant_count(t) / threshold
        sent.append(t)
        penalty = 1.0 if usage >= 0.75 else 0.5 if usage >= 0.5 else 0.0
        return t + latency + penalty

    finish = 0.0
    half_at = None
    for n in range(requests):
        slot = heapq.heappop(free)
        done = send(slot)
        heapq.heappush(free, done)
        finish = max(finish, done)
        if half_at is None and n >= requests // 2:
            half_at = done
    total = requests + extra["threshold_reads"]
    # Even spending the whole allowance at full speed, requests beyond the threshold wait for the window.
    floor = window + (total - threshold) * latency / THREADS if total > threshold else total * latency / THREADS
    return {"requests": total, "seconds": finish, "unthrottled_seconds": requests * latency / THREADS,
            "half_seconds": half_at or 0.0, "floor_seconds": floor}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rows per measurement")
    args = parser.parse_args(argv)
    sandbox = Sandbox(SandboxConfig(seed=1, tickets=200, now=SANDBOX_NOW))
    print("bulk write throughput (sandbox, 3 threads per endpoint; ceiling = 3 rows per round trip)")
    print(f"{'latency':>8} {'ceiling':>9} {'creates/s':>10} {'% ceil':>7} {'updates/s':>10} {'% ceil':>7}")
    for latency_ms in (100.0, 250.0):
        ceiling = THREADS / (latency_ms / 1000)
        rows = int(ceiling * (4 if args.quick else 10))
        result = measure(sandbox, latency_ms, rows)
        assert result["thread_rejections"] == 0
        print(f"{latency_ms:>6.0f}ms {ceiling:>7.1f}/s {result['create']:>10.1f} {result['create'] / ceiling:>7.0%} "
              f"{result['update']:>10.1f} {result['update'] / ceiling:>7.0%}   ({rows} rows each, "
              f"{result['requests_per_row']:.3f} requests per row)")
    print()
    print("10,000 creates on a real tenant (threshold 10,000 requests/hour, otherwise idle; simulated with the")
    print("client's ThresholdBudget, 3 in flight, Autotask's +0.5 s / +1 s latency from 50 % / 75 % usage):")
    for latency in (0.1, 0.25):
        sim = simulate_budget(latency=latency)
        print(f"  at {latency * 1000:.0f} ms: {sim['requests']:,.0f} requests; "
              f"without a threshold {sim['unthrottled_seconds'] / 60:.1f} min, "
              f"with it {sim['seconds'] / 60:.1f} min (half done after {sim['half_seconds'] / 60:.1f} min; "
              f"bare minimum {sim['floor_seconds'] / 60:.1f} min)")


if __name__ == "__main__":
    main()
