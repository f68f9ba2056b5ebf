"""The command line run in this process, as the tests run it: `main()`, its exit code and what it printed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from py_autotask.cli import main

#: The source tree a child process imports (not whatever an installed copy holds).
SRC = str(Path(__file__).resolve().parents[1] / "src")


def sandbox_env(server: Any, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a child `py-autotask` aimed at a served sandbox: its credentials, no profile file
    (`tmp_path/none.toml`), none of the caller's AUTOTASK_* settings; `extra` added last."""
    creds = server.sandbox.credentials
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTASK_")}
    env.update(PYTHONPATH=SRC, AUTOTASK_USERNAME=creds["username"], AUTOTASK_SECRET=creds["secret"],
               AUTOTASK_INTEGRATION_CODE=creds["integration_code"], AUTOTASK_BASE_URL=server.base_url,
               AUTOTASK_CONFIG=str(tmp_path / "none.toml"), **extra)
    return env


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
