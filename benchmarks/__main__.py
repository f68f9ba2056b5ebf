"""Every benchmark's quick mode, one after another: ``python -m benchmarks`` (what ``make bench`` runs).

Each ``benchmarks/*_bench.py`` module runs as ``python -m benchmarks.<name> --quick`` in its own
process, so one benchmark's memory and warm caches cannot colour the next one's figures. The full-size
runs take minutes each; start them one by one (``python -m benchmarks.sandbox_bench``, ...).
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def modules() -> list[str]:
    """The benchmark modules, by name."""
    return sorted(info.name for info in pkgutil.iter_modules([str(HERE)]) if info.name.endswith("_bench"))


def main(argv: list[str] | None = None) -> int:
    """Run every benchmark's quick mode (or those named on the command line); returns the exit status."""
    wanted = sys.argv[1:] if argv is None else argv
    names = [name for name in modules() if not wanted or name in wanted]
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(modules())}", file=sys.stderr)
        return 2
    failed = []
    for name in names:
        print(f"\n=== {name} --quick", flush=True)
        started = time.perf_counter()
        status = subprocess.call([sys.executable, "-m", f"benchmarks.{name}", "--quick"], cwd=HERE.parent)
        print(
            f"=== {name}: {'ok' if status == 0 else f'FAILED (exit {status})'} "
            f"in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        if status != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
