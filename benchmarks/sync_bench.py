"""`py-autotask sync` throughput and memory, against the sandbox server running in its own process.

    python -m benchmarks.sync_bench            # full: 100,000 tickets (a, b) and 1,000,000 (c) — takes a while
    python -m benchmarks.sync_bench --quick    # the same measurements on small tenants

(a) latency 250 ms per request, 3 threads per endpoint: a first sync of Tickets into DuckDB, records/s
    against the ceiling 3 × 500 / 0.25 s = 6,000/s (target ≥ 0.85 ×: the load overlaps the fetch), and
    against an export of the same records to NDJSON (the same fetch, with no load).
(b) zero latency: records/s of the same first sync against `py-autotask export Tickets` to Parquet of
    the same records (target ≥ 0.8 ×).
(c) peak RSS of the syncing process in a first sync of the large tenant (target ≤ 400 MB).

Each run is a fresh `py-autotask sync` (or export) process in a child interpreter, which reports its own
wall time and peak RSS (`resource.getrusage`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .export_bench import CEILING, LATENCY_MS, ROOT, Server, measure, server_round


def _child(argv: list[str]) -> None:
    """Child mode: one first sync of Tickets into a new DuckDB file; prints {"seconds", "rows", "rss_mb"}."""
    database, state = argv[0], argv[1]
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    from py_autotask.cli import main

    started = time.monotonic()
    try:
        main(["sync", "Tickets", "--dsn", database, "--state-dir", state, "-q", "--no-progress"])
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
    seconds = time.monotonic() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    import duckdb

    con = duckdb.connect(database, read_only=True)
    row = con.execute("SELECT count(*) FROM autotask.tickets").fetchone()
    con.close()
    print(json.dumps({"seconds": seconds, "rows": int(row[0]) if row else 0, "rss_mb": rss_mb}))


def measure_sync(server: Server, workdir: Path, label: str) -> dict[str, Any]:
    """One first sync in a child interpreter."""
    target = workdir / f"sync-{label}-{server.tickets}"
    target.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTASK_")}
    env.update(server.env, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
               AUTOTASK_CONFIG=str(workdir / "no-config.toml"), RUNTIME__DLTHUB_TELEMETRY="false")
    result = subprocess.run([sys.executable, "-m", "benchmarks.sync_bench", "--child", str(target / "m.duckdb"),
                             str(target / "state")], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=6 * 3600)
    if result.returncode != 0:
        raise RuntimeError(f"sync failed: {result.stderr[-2000:]}")
    doc = json.loads(result.stdout.strip().splitlines()[-1])
    if doc["rows"] != server.tickets:
        raise RuntimeError(f"the mirror has {doc['rows']} tickets, the sandbox {server.tickets}")
    doc["rate"] = server.tickets / doc["seconds"]
    return doc


def part_a(server: Server, workdir: Path) -> None:
    server.set_latency(LATENCY_MS)
    round_s = server_round(server)
    run = measure_sync(server, workdir, "latency")
    # The same records exported to NDJSON: the same fetch with nothing to load, so the rate a sync could
    # reach if its loads cost nothing.
    fetch = measure(server, "export", "ndjson", workdir)
    server.set_latency(0)
    effective = 3 * 500 / round_s
    print(f"\n(a) first sync of {server.tickets:,} tickets into DuckDB, {LATENCY_MS:.0f} ms latency, 3 threads")
    print(f"    sandbox alone: 3 concurrent pages take {round_s * 1000:.0f} ms -> real ceiling {effective:,.0f}/s")
    print(f"    export to NDJSON {fetch['rate']:8,.0f} records/s ({fetch['seconds']:.1f} s) = "
          f"{fetch['rate'] / CEILING:.2f} × the nominal ceiling (the fetch alone)")
    print(f"    sync             {run['rate']:8,.0f} records/s ({run['seconds']:.1f} s) = {run['rate'] / CEILING:.2f} × the "
          f"nominal ceiling {CEILING:,.0f}/s (target ≥ 0.85), {run['rate'] / effective:.2f} × the real one, "
          f"{run['rate'] / fetch['rate']:.2f} × the export; peak RSS {run['rss_mb']:.0f} MB")


def part_b(server: Server, workdir: Path) -> None:
    server.set_latency(0)
    parquet = measure(server, "export", "parquet", workdir)
    run = measure_sync(server, workdir, "zero")
    print(f"\n(b) {server.tickets:,} tickets, zero latency")
    print(f"    export to Parquet {parquet['rate']:8,.0f} records/s ({parquet['seconds']:.1f} s)")
    print(f"    sync into DuckDB  {run['rate']:8,.0f} records/s ({run['seconds']:.1f} s) = "
          f"{run['rate'] / parquet['rate']:.2f} × the export (target ≥ 0.8)")


def part_c(server: Server, workdir: Path) -> None:
    server.set_latency(0)
    run = measure_sync(server, workdir, "rss")
    print(f"\n(c) first sync of {server.tickets:,} tickets: peak RSS {run['rss_mb']:.0f} MB (target ≤ 400), "
          f"{run['rate']:,.0f} records/s ({run['seconds']:.1f} s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small tenants (10,000 and 50,000 tickets)")
    parser.add_argument("--tickets", type=int, help="tickets for (a) and (b) (default 100,000; quick 10,000)")
    parser.add_argument("--large", type=int, help="tickets for (c) (default 1,000,000; quick 50,000)")
    parser.add_argument("--parts", default="abc", help="which parts to run (default abc)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child)
        return 0
    small = args.tickets or (10_000 if args.quick else 100_000)
    large = args.large or (50_000 if args.quick else 1_000_000)
    with tempfile.TemporaryDirectory(prefix="sync-bench-") as tmp:
        workdir = Path(tmp)
        if "a" in args.parts or "b" in args.parts:
            server = Server(small)
            try:
                if "a" in args.parts:
                    part_a(server, workdir)
                if "b" in args.parts:
                    part_b(server, workdir)
            finally:
                server.close()
        if "c" in args.parts:
            server = Server(large)
            try:
                part_c(server, workdir)
            finally:
                server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
