"""Print the PASS/FAIL table of a foreign-client run from the drivers' ``<out>/<client>.json`` files.

Usage: ``python report_table.py <out-dir> <client>=<exit-status> ...`` (standard library only).
Exit status 1 when any check is FAIL or any driver exited abnormally, else 0.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

VERDICTS = ("PASS", "FAIL", "CLIENT", "SKIP", "NOTE")


def main(argv: list[str]) -> int:
    """Print one row per client, then every FAIL with its wire evidence."""
    out = Path(argv[0])
    statuses = dict(arg.split("=", 1) for arg in argv[1:])
    rows, failures, bad = [], [], False
    for client, status in statuses.items():
        path = out / f"{client}.json"
        results = json.loads(path.read_text())["results"] if path.exists() else []
        counts = {v: sum(r["verdict"] == v for r in results) for v in VERDICTS}
        crashed = status not in ("0", "1") or not results
        verdict = "FAIL" if counts["FAIL"] or crashed else "PASS"
        bad = bad or verdict == "FAIL"
        rows.append((client, verdict, counts, f"driver crashed (exit {status})" if crashed else ""))
        failures += [(client, r) for r in results if r["verdict"] == "FAIL"]
    width = max(len(r[0]) for r in rows) if rows else 10
    print()
    print(f"{'client'.ljust(width)}  result  " + "  ".join(f"{v:>6}" for v in VERDICTS))
    print("-" * (width + 10 + 8 * len(VERDICTS)))
    for client, verdict, counts, note in rows:
        print(f"{client.ljust(width)}  {verdict:6}  " + "  ".join(f"{counts[v]:>6}" for v in VERDICTS)
              + (f"  {note}" if note else ""))
    print("\nCLIENT = the client's own bug (the sandbox answered as Autotask); NOTE = live behaviour unknown.")
    if failures:
        print("\nSandbox discrepancies (FAIL):")
        for client, r in failures:
            print(f"- [{client}] {r['check']}: {r['detail']}")
            for line in r["wire"][:3]:
                print(f"      {line[:300]}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
