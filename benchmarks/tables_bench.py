"""Memory of `query().to_arrow()`: one page of records plus the table, against holding every record.

    python -m benchmarks.tables_bench            # 100,000 tickets
    python -m benchmarks.tables_bench --quick    # 10,000 tickets

Each measurement runs in a fresh child interpreter against the sandbox server (its own process) and
reports the child's peak RSS above its RSS after imports and the metadata read, and its wall time:

    to_list()    every record as a dict, all at once (what converting "the easy way" needs)
    to_arrow()   pages converted into record batches as they arrive; the dicts of a page are dropped
    to_pandas()  the same table, then a DataFrame

to_arrow()'s extra memory should be about the Arrow table's own size (`table.nbytes`) plus one page.
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

from .export_bench import ROOT, Server


def _child(mode: str) -> None:
    from py_autotask import AutotaskClient

    with AutotaskClient.from_env() as client:
        client.tickets.query(limit=1).to_arrow()  # imports, metadata, connection: out of the measurement
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.monotonic()
        query = client.tickets.query()
        if mode == "to_list":
            rows, nbytes = len(query.to_list()), 0
        elif mode == "to_arrow":
            table = query.to_arrow()
            rows, nbytes = table.num_rows, table.nbytes
        else:
            frame = query.to_pandas()
            rows, nbytes = len(frame), int(frame.memory_usage(deep=False).sum())
        seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "seconds": seconds, "extra_mb": peak - base, "data_mb": nbytes / 2**20}))


def measure(server: Server, mode: str, workdir: Path) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTASK_")}
    env.update(server.env, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
               AUTOTASK_CONFIG=str(workdir / "no-config.toml"), AUTOTASK_CACHE_DIR=str(workdir / "cache"))
    result = subprocess.run([sys.executable, "-m", "benchmarks.tables_bench", "--child", mode], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        raise RuntimeError(f"{mode} failed: {result.stderr[-2000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; prints what it measured."""
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "--child":
        _child(args[1])
        return 0
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tables_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 tickets instead of 100,000")
    options = parser.parse_args(args)
    server = Server(10_000 if options.quick else 100_000)
    try:
        with tempfile.TemporaryDirectory(prefix="tables-bench-") as tmp:
            print(f"{server.tickets:,} tickets, zero latency; peak RSS above the warmed-up client")
            for mode in ("to_list", "to_arrow", "to_pandas"):
                doc = measure(server, mode, Path(tmp))
                data = f", data {doc['data_mb']:6.1f} MB" if doc["data_mb"] else ""
                print(f"    {mode:10} {doc['extra_mb']:7.1f} MB extra{data}  ({doc['rows']:,} rows in "
                      f"{doc['seconds']:.1f} s)")
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
