"""The command line run in this process, as the tests run it: `main()`, its exit code and what it printed."""

from __future__ import annotations

import pytest

from py_autotask.cli import main


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `py-autotask ARGS`; output captured before the run is dropped."""
    capsys.readouterr()
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err
