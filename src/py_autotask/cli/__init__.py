"""The `py-autotask` command line (the `cli` extra: click + rich).

`main()` is the console-script entry point. Importing this package imports nothing heavy: click loads
in `main()`, and each command loads what it needs (httpx, rich, pyarrow …) when it runs.
"""

from __future__ import annotations

import importlib.util
import signal
import sys
from collections.abc import Sequence

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


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line; exits with the code table in `py_autotask.cli._common`."""
    missing = _missing_extras()
    if missing:
        print(f"py-autotask: the command line needs {' and '.join(missing)}: {INSTALL_HINT}", file=sys.stderr)
        sys.exit(1)
    from ._common import reporting_errors
    from .app import cli

    args = list(sys.argv[1:] if argv is None else argv)
    verbose = sum(a.count("v") for a in args if a.startswith("-") and not a.startswith("--") and set(a[1:]) <= {"v"})
    verbose += args.count("--verbose")
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminate)
    import click

    with reporting_errors(verbose):
        # Not click's standalone mode: it turns Ctrl-C and SIGTERM into "Aborted!" and exit code 1, while
        # the table promises 130; `reporting_errors` maps click.Abort (what Ctrl-C becomes) to 130.
        try:
            result = cli.main(args=args, prog_name="py-autotask", standalone_mode=False)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
    sys.exit(result if isinstance(result, int) else 0)
