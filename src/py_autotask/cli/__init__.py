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


def _terminate(signum: int, frame: object) -> None:
    # SIGTERM ends a command like Ctrl-C does: checkpoints are kept and the exit code is 130.
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run the command line; exits with the code table in `py_autotask.cli._common`."""
    missing = _missing_extras()
    if missing:
        print(f"py-autotask: the command line needs {' and '.join(missing)}: {INSTALL_HINT}", file=sys.stderr)
        sys.exit(1)
    from ._common import flush_stdout
    from .app import cli

    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminate)
    # click's standalone mode prints usage errors (exit 2); every other failure, Ctrl-C included, is
    # reported by the app itself (`LazyGroup.invoke`) with the table's exit code.
    try:
        cli.main(args=list(sys.argv[1:] if argv is None else argv), prog_name="py-autotask")
    finally:
        # Output still buffered when the command ended: its reader may be gone (`query … | head`).
        flush_stdout()
