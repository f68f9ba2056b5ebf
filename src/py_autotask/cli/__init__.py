"""The `py-autotask` command line (the `cli` extra: click + rich).

`main()` is the console-script entry point. Importing this package imports nothing heavy: click loads
in `main()`, and each command loads what it needs (httpx, rich, pyarrow …) when it runs.
"""

from __future__ import annotations

import importlib.util
import signal
import sys
from collections.abc import Sequence
from typing import NoReturn

__all__ = ["main"]

INSTALL_HINT = "pip install 'py-autotask[cli]'"


def _missing_extras() -> list[str]:
    missing = []
    for name in ("click", "rich"):
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):  # e.g. blocked with sys.modules[name] = None
            found = False
        if not found:
            missing.append(name)
    return missing


def _interrupt(signum: int, frame: object) -> None:
    # Ctrl-C, and SIGTERM like it: checkpoints are kept and the exit code is 130. STOPPING also ends the
    # sleeps of worker threads, which the KeyboardInterrupt (main thread only) cannot reach.
    from ._common import STOPPING

    STOPPING.set()
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run the command line; exits with the code table in `py_autotask.cli._common`."""
    missing = _missing_extras()
    if missing:
        print(f"py-autotask: the command line needs {' and '.join(missing)}: {INSTALL_HINT}", file=sys.stderr)
        sys.exit(1)
    from ._common import STOPPING, flush_stdout
    from .app import cli

    STOPPING.clear()
    # Only where nobody chose otherwise: `nohup` or a shell's background job ignore SIGINT, and keep doing so.
    for signum, default in ((signal.SIGTERM, signal.SIG_DFL), (signal.SIGINT, signal.default_int_handler)):
        if signal.getsignal(signum) is default:
            signal.signal(signum, _interrupt)
    # click's standalone mode prints usage errors (exit 2); every other failure, Ctrl-C included, is
    # reported by the app itself (`LazyGroup.invoke`) with the table's exit code.
    try:
        cli.main(args=list(sys.argv[1:] if argv is None else argv), prog_name="py-autotask")
    finally:
        # Output still buffered when the command ended: its reader may be gone (`query … | head`).
        flush_stdout()
