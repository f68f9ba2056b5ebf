"""Export throughput and memory, measured against the sandbox server running in its own process.

    python -m benchmarks.export_bench            # full: 100,000 and 1,000,000 tickets (takes a while)
    python -m benchmarks.export_bench --quick    # the same measurements on small tenants

(a) latency 250 ms per request and 3 threads per endpoint (Autotask's limit): the parallel export's
    records/s against the ceiling 3 × 500 / 0.25 s = 6,000/s, and against one client following
    `nextPageUrl` (one request at a time, as most Autotask tools do).
(b) peak RSS of the exporting process (`resource.getrusage` in that process) writing Parquet and CSV,
    at the small and the large tenant: it should stay flat as the export grows tenfold.
(c) zero latency: records/s per format (CSV, JSON, NDJSON, Excel, Parquet).
(d) latency 250 ms: the wall time of a whole `py-autotask export Tickets -o t.parquet` process (start-up
    to exit, timed from outside) against the same export to NDJSON; target ≤ 1.05 ×. Parquet pages are
    converted to Arrow as they arrive (into a journal); the file is written from it in id order at the end.

Every export runs as a fresh `py-autotask export` process (in-process `main()` of a child interpreter,
which reports its own wall time and peak RSS), so one measurement cannot warm or bloat the next.
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
import urllib.request
from pathlib import Path
from typing import Any

from ._clock import SANDBOX_NOW

ROOT = Path(__file__).resolve().parents[1]
try:
    import py_autotask  # noqa: F401
except ImportError:  # run from a checkout without installing: use ./src
    sys.path.insert(0, str(ROOT / "src"))

LATENCY_MS = 250.0
THREADS = 3
PAGE = 500
CEILING = THREADS * PAGE / (LATENCY_MS / 1000)  # records/s at 3 pages in flight, every 250 ms
FORMATS = ("csv", "json", "ndjson", "xlsx", "parquet")


# --- the sandbox server, in its own process ------------------------------------------------------------


class Server:
    """`python -m autotask_sandbox serve` with N tickets; environment for clients; latency control."""

    def __init__(self, tickets: int) -> None:
        from autotask_sandbox.drivers.cli import read_environment

        self.tickets = tickets
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "sandbox" / "src"), os.environ.get("PYTHONPATH", "")])}
        started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autotask_sandbox", "serve", "--port", "0", "--tickets", str(tickets), "--now", SANDBOX_NOW.isoformat(),
             "--threshold", str(10**9), "--thread-limit", str(THREADS)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        assert self.process.stdout is not None
        self.env = read_environment(self.process.stdout)
        if "AUTOTASK_INTEGRATION_CODE" not in self.env:
            raise RuntimeError("the sandbox server did not start")
        self.build_seconds = time.monotonic() - started
        root = self.env["AUTOTASK_BASE_URL"].split("/ATServicesRest", 1)[0]
        self.control = root + "/_sandbox/"

    def set_latency(self, ms: float) -> None:
        """Latency on every API response."""
        body = json.dumps({"latency_ms": ms}).encode()
        request = urllib.request.Request(self.control + "latency", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback only)
            response.read()

    def close(self) -> None:
        """Stop the server."""
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


# --- one measured export, in a child interpreter --------------------------------------------------------


def _child(argv: list[str]) -> None:
    """Child mode: run one export (or the sequential follower) and print {"seconds", "rows", "rss_mb"}."""
    mode, fmt, out = argv[0], argv[1], Path(argv[2])
    rows = 0
    if mode == "export":
        from py_autotask.cli import main

        started = time.monotonic()
        try:
            main(["export", "Tickets", "-o", str(out), "--format", fmt, "-q", "--force"])  # (b) re-exports (c)'s paths
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise
        rows = _rows(out, fmt)
    else:  # one client following nextPageUrl, one request at a time, writing the same CSV
        from py_autotask._client import AutotaskClient
        from py_autotask.export.writers import columns_from_fields, flatten_udfs, open_writer

        started = time.monotonic()
        with AutotaskClient.from_env() as client:
            ent = client.tickets
            udfs = [u["name"] for u in ent.udfs()]
            columns = columns_from_fields({f["name"]: f["dataType"] for f in ent.fields()}, udfs)
            with open_writer("csv", out, columns) as writer:
                for page in ent.query(page_size=PAGE).pages():
                    rows += writer.write_rows(flatten_udfs(r, udfs) for r in page.items)
    seconds = time.monotonic() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"seconds": seconds, "rows": rows, "rss_mb": rss_mb}))


def _rows(path: Path, fmt: str) -> int:
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    if fmt in ("csv", "ndjson"):
        with path.open("rb") as handle:
            return sum(1 for _ in handle) - (1 if fmt == "csv" else 0)  # no embedded newlines in sandbox CSV rows
    if fmt == "json":
        with path.open("rb") as handle:
            return sum(1 for line in handle if line.startswith(b"{"))  # one record per line, each opening with {
    return -1  # xlsx: counted by the export's own summary; reading 100k rows back costs more than the export


def measure(server: Server, mode: str, fmt: str, workdir: Path) -> dict[str, Any]:
    """Run one child measurement against `server`."""
    out = workdir / f"{mode}-{server.tickets}-{fmt}" / f"Tickets.{fmt}"
    out.parent.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTASK_")}
    # The child runs as `-m benchmarks.export_bench` (a package module: it imports benchmarks/_clock.py).
    path = [str(ROOT), str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]
    env.update(server.env, PYTHONPATH=os.pathsep.join(path), AUTOTASK_CONFIG=str(workdir / "no-config.toml"))
    result = subprocess.run([sys.executable, "-m", "benchmarks.export_bench", "--child", mode, fmt, str(out)],
                            env=env, capture_output=True, text=True, timeout=6 * 3600, cwd=ROOT)
    if result.returncode != 0:
        raise RuntimeError(f"{mode} {fmt} failed: {result.stderr[-2000:]}")
    doc = json.loads(result.stdout.strip().splitlines()[-1])
    doc["rate"] = server.tickets / doc["seconds"]
    doc["bytes"] = out.stat().st_size
    return doc


# --- the three parts ---------------------------------------------------------------------------------------


def server_round(server: Server, rounds: int = 6) -> float:
    """Seconds for THREADS concurrent 500-ticket pages, straight over HTTP: the sandbox's own time per round.

    The sandbox adds its latency on top of the time it takes to build and send a page, so its real
    ceiling is below the nominal one; this measures it, without any py-autotask code involved.
    """
    import threading

    import httpx

    env = server.env
    headers = {"UserName": env["AUTOTASK_USERNAME"], "Secret": env["AUTOTASK_SECRET"],
               "ApiIntegrationCode": env["AUTOTASK_INTEGRATION_CODE"]}
    url = env["AUTOTASK_BASE_URL"] + "V1.0/Tickets/query"
    with httpx.Client(timeout=60) as client:
        def fetch(n: int) -> None:
            body = {"filter": [{"op": "gte", "field": "id", "value": 0}], "maxRecords": PAGE}
            for _ in range(rounds):
                client.post(url, json=body, headers=headers).raise_for_status()

        fetch(0)  # warm up
        started = time.monotonic()
        threads = [threading.Thread(target=fetch, args=(n,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return (time.monotonic() - started) / rounds


def part_a(server: Server, workdir: Path) -> None:
    server.set_latency(LATENCY_MS)
    round_s = server_round(server)
    parallel = measure(server, "export", "csv", workdir)
    sequential = measure(server, "sequential", "csv", workdir)
    server.set_latency(0)
    effective = THREADS * PAGE / round_s
    print(f"\n(a) {server.tickets:,} tickets, {LATENCY_MS:.0f} ms latency, {THREADS} threads per endpoint, CSV")
    print(f"    sandbox alone: {THREADS} concurrent pages take {round_s * 1000:.0f} ms per round "
          f"-> its real ceiling is {effective:,.0f} records/s")
    print(f"    parallel export     {parallel['rate']:8,.0f} records/s  ({parallel['seconds']:.1f} s)"
          f"  = {parallel['rate'] / CEILING:.2f} × the nominal ceiling {CEILING:,.0f}/s,"
          f" {parallel['rate'] / effective:.2f} × the sandbox's real one")
    print(f"    nextPageUrl, 1 at a time {sequential['rate']:5,.0f} records/s  ({sequential['seconds']:.1f} s)")
    print(f"    speed-up            {parallel['rate'] / sequential['rate']:8.2f} ×  (rows: {parallel['rows']:,} / "
          f"{sequential['rows']:,})")


def part_b(servers: list[Server], workdir: Path) -> None:
    print("\n(b) peak RSS of the exporting process (zero latency)")
    for fmt in ("parquet", "csv"):
        cells = []
        for server in servers:
            doc = measure(server, "export", fmt, workdir)
            cells.append(f"{server.tickets:>9,} tickets: {doc['rss_mb']:6.0f} MB ({doc['seconds']:.0f} s)")
        print(f"    {fmt:8} " + "   ".join(cells))


def part_c(server: Server, workdir: Path) -> None:
    print(f"\n(c) zero latency, {server.tickets:,} tickets: records/s per format")
    for fmt in FORMATS:
        doc = measure(server, "export", fmt, workdir)
        print(f"    {fmt:8} {doc['rate']:8,.0f} records/s  ({doc['seconds']:.1f} s, {doc['bytes'] / 2**20:,.1f} MiB, "
              f"peak RSS {doc['rss_mb']:.0f} MB)")


def whole_process(server: Server, fmt: str, workdir: Path, run: int) -> tuple[float, int, float]:
    """Wall seconds of one `python -m py_autotask.cli export` process, the rows it wrote, its CPU seconds."""
    out = workdir / f"whole-{fmt}-{run}" / f"Tickets.{fmt}"
    out.parent.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTASK_")}
    env.update(server.env, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
               AUTOTASK_CONFIG=str(workdir / "no-config.toml"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "py_autotask.cli", "export", "Tickets", "-o", str(out), "-q"],
                            env=env, capture_output=True, text=True, timeout=6 * 3600)
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        raise RuntimeError(f"export to {fmt} failed: {result.stderr[-2000:]}")
    return seconds, _rows(out, fmt), cpu


def part_d(server: Server, workdir: Path, repeats: int) -> None:
    server.set_latency(LATENCY_MS)
    times: dict[str, list[float]] = {"ndjson": [], "parquet": []}
    cpu: dict[str, list[float]] = {"ndjson": [], "parquet": []}
    try:
        for run in range(repeats):  # alternating, so a busy spell of the machine hits both
            for fmt in ("ndjson", "parquet") if run % 2 == 0 else ("parquet", "ndjson"):
                seconds, rows, used = whole_process(server, fmt, workdir, run)
                if rows != server.tickets:
                    raise RuntimeError(f"{fmt}: {rows:,} rows, expected {server.tickets:,}")
                times[fmt].append(seconds)
                cpu[fmt].append(used)
    finally:
        server.set_latency(0)
    ndjson, parquet = min(times["ndjson"]), min(times["parquet"])
    print(f"\n(d) {server.tickets:,} tickets, {LATENCY_MS:.0f} ms latency: whole `py-autotask export` process, "
          f"best of {repeats}")
    for fmt, best in (("ndjson", ndjson), ("parquet", parquet)):
        print(f"    {fmt:8} {best:6.1f} s   (runs: {', '.join(f'{t:.1f}' for t in times[fmt])}; CPU s: "
              f"{', '.join(f'{c:.1f}' for c in cpu[fmt])})")
    print(f"    parquet / ndjson = {parquet / ndjson:.3f}  (target ≤ 1.05); CPU, best runs: "
          f"{min(cpu['parquet']) / min(cpu['ndjson']):.3f}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; prints what it measured."""
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "--child":
        _child(args[1:])
        return 0
    parser = argparse.ArgumentParser(prog="python -m benchmarks.export_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small tenants (10k and 50k tickets)")
    parser.add_argument("--parts", default="abcd", help="which parts to run (default: abcd)")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each format in part d (default: 2)")
    options = parser.parse_args(args)
    small, large = (10_000, 50_000) if options.quick else (100_000, 1_000_000)
    with tempfile.TemporaryDirectory(prefix="export-bench-") as tmp:
        workdir = Path(tmp)
        server = Server(small)
        print(f"sandbox with {small:,} tickets built in {server.build_seconds:.0f} s")
        try:
            if "a" in options.parts:
                part_a(server, workdir)
            if "c" in options.parts:
                part_c(server, workdir)
            if "d" in options.parts:
                part_d(server, workdir, options.repeats)
            if "b" in options.parts:
                big = Server(large)
                print(f"\nsandbox with {large:,} tickets built in {big.build_seconds:.0f} s")
                try:
                    part_b([server, big], workdir)
                finally:
                    big.close()
        finally:
            server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
