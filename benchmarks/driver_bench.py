"""What the client's driver costs per record: `client.tickets.query()` against a bare httpx + orjson loop.

    python -m benchmarks.driver_bench            # 20,000 tickets, 7 repetitions of each
    python -m benchmarks.driver_bench --quick    # 20,000 tickets, 3 repetitions of each

The sandbox serves in a process of its own (pinned clock, zero latency, loopback HTTP), so the
figures count only the client side. Each repetition runs in a fresh process, alternating:
- `bare`: an `httpx.Client` POSTs `Tickets/query`, decodes each page with orjson, walks its items
  and follows `pageDetails.nextPageUrl` with the same body (what any hand-written loop must do);
- `client`: `AutotaskClient(...)` with its defaults (budget, breaker, endpoint slots) iterates
  `client.tickets.query()` -- every record, through the shared request flow and the driver.
Two CPU times per process (user + system, every thread): `process s`, the whole process from the
interpreter's start (imports and building the client included; `getrusage(RUSAGE_CHILDREN)` in the
parent), and `cpu s`, only from building the HTTP client to the last record (`RUSAGE_SELF` in the
child). The headline figure is the client's speed as a fraction of the bare loop's over whole
processes: median bare / median client (1.0 = no overhead; the target is >= 0.9). Bytecode is cached
as for an installed package (the first, unmeasured run of each loop writes it).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TICKETS = 20_000
TARGET = 0.9


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- the two measured loops (each in a child process) ----------------------------------------------------


def child(kind: str) -> None:
    """One measured run; prints {"records", "cpu_s", "wall_s"} as JSON."""
    env = os.environ
    base_url = env["AUTOTASK_BASE_URL"]
    if kind == "bare":
        import httpx
        import orjson

        headers = {"UserName": env["AUTOTASK_USERNAME"], "Secret": env["AUTOTASK_SECRET"],
                   "ApiIntegrationCode": env["AUTOTASK_INTEGRATION_CODE"], "Content-Type": "application/json"}
        body = orjson.dumps({"filter": [{"op": "gte", "field": "id", "value": 0}]})  # as the client sends
        started, wall = _cpu(), time.perf_counter()
        records = 0
        with httpx.Client(headers=headers, timeout=60) as http:
            url: str | None = f"{base_url.rstrip('/')}/V1.0/Tickets/query"
            while url:
                payload = orjson.loads(http.post(url, content=body).content)
                for _record in payload["items"]:
                    records += 1
                url = payload["pageDetails"].get("nextPageUrl")
    else:
        sys.path.insert(0, str(ROOT / "src"))
        from py_autotask import AutotaskClient

        started, wall = _cpu(), time.perf_counter()
        records = 0
        with AutotaskClient(username=env["AUTOTASK_USERNAME"], secret=env["AUTOTASK_SECRET"],
                            integration_code=env["AUTOTASK_INTEGRATION_CODE"], base_url=base_url,
                            cache=False) as client:
            for _record in client.tickets.query():
                records += 1
    cpu = _cpu() - started
    print(json.dumps({"records": records, "cpu_s": cpu, "wall_s": time.perf_counter() - wall}))


# -- the sandbox process ---------------------------------------------------------------------------------


def _sandbox_command(tickets: int) -> list[str]:
    from ._clock import SANDBOX_NOW

    return [sys.executable, "-m", "autotask_sandbox", "serve", "--port", "0", "--seed", "1", "--tickets", str(tickets),
            "--now", SANDBOX_NOW.isoformat(), "--threshold", "1000000"]


class SandboxProcess:
    """`serve` in a child process; `env` holds the AUTOTASK_* settings it printed."""

    def __init__(self, tickets: int) -> None:
        self.proc = subprocess.Popen(_sandbox_command(tickets), cwd=ROOT, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True,
                                     env={**os.environ, "PYTHONPATH": str(ROOT / "sandbox" / "src")})
        from autotask_sandbox.drivers.cli import read_environment

        assert self.proc.stdout is not None
        self.env = read_environment(self.proc.stdout)
        if "AUTOTASK_INTEGRATION_CODE" not in self.env:
            raise RuntimeError(f"the sandbox did not start (exit {self.proc.wait()})")
        # Keep reading what it prints, so a full pipe can never stall the server.
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def measure(kind: str, env: dict[str, str]) -> dict[str, Any]:
    """One repetition of `kind` in a fresh process."""
    # Bytecode is cached as an installed package's is (pip compiles it): without this, every process
    # would compile py_autotask's sources again, which is no cost of the client a user runs.
    child_env = {k: v for k, v in os.environ.items()
                 if not k.startswith("AUTOTASK_") and k != "PYTHONDONTWRITEBYTECODE"}
    child_env.update(env, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-m", "benchmarks.driver_bench", "--child", kind], env=child_env,
                          cwd=ROOT, capture_output=True, text=True, timeout=600, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    whole = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    report["process_s"] = whole  # the whole child process, interpreter start and imports included
    return report


def run(tickets: int, repetitions: int) -> dict[str, Any]:
    sandbox = SandboxProcess(tickets)
    try:
        for kind in ("bare", "client"):  # warm the server, the OS's page cache and the bytecode caches first
            measure(kind, sandbox.env)
        runs: dict[str, list[dict[str, Any]]] = {"bare": [], "client": []}
        for _ in range(repetitions):
            for kind in ("bare", "client"):
                runs[kind].append(measure(kind, sandbox.env))
    finally:
        sandbox.close()
    rows = []
    for kind, reports in runs.items():
        records = {r["records"] for r in reports}
        if len(records) != 1:
            raise RuntimeError(f"{kind}: record counts differ between repetitions: {sorted(records)}")
        count = records.pop()
        cpu = statistics.median(r["cpu_s"] for r in reports)
        process = statistics.median(r["process_s"] for r in reports)
        rows.append({"loop": kind, "records": count, "process s": round(process, 3),
                     "us/record (process)": round(process / count * 1e6, 2), "cpu s (median)": round(cpu, 3),
                     "wall s": round(statistics.median(r["wall_s"] for r in reports), 3),
                     "process s (all)": " ".join(f"{r['process_s']:.3f}" for r in reports)})
    bare, client = rows
    if bare["records"] != client["records"]:
        raise RuntimeError(f"the loops read different record counts: {bare['records']} vs {client['records']}")
    whole = bare["process s"] / client["process s"]
    per_rep = statistics.median(b["process_s"] / c["process_s"]
                                for b, c in zip(runs["bare"], runs["client"], strict=True))
    loop = bare["cpu s (median)"] / client["cpu s (median)"]
    return {"rows": rows, "ratio": whole, "ratio_per_rep": per_rep, "ratio_loop": loop}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repetitions instead of 7")
    parser.add_argument("--tickets", type=int, default=TICKETS, help=f"tickets served (default {TICKETS:,})")
    parser.add_argument("--repetitions", type=int, help="runs of each loop (default 7, or 3 with --quick)")
    parser.add_argument("--child", choices=["bare", "client"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child)
        return 0
    repetitions = args.repetitions or (3 if args.quick else 7)
    print(f"client.tickets.query() vs a bare httpx + orjson loop: {args.tickets:,} tickets over loopback, "
          f"sandbox in another process, zero latency, {repetitions} repetitions each (fresh processes)")
    result = run(args.tickets, repetitions)
    from ._text import table  # here, not above: a --child run imports this module and counts its imports

    print(table(result["rows"]))
    print(f"\nclient speed / bare loop speed, whole processes (CPU, median): {result['ratio']:.3f}  "
          f"(median of per-repetition ratios {result['ratio_per_rep']:.3f}; the loops alone, imports left out: "
          f"{result['ratio_loop']:.3f}); target >= {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
