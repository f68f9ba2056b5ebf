"""Fixtures shared by the command-line tests: run `main()` in-process against the sandbox over loopback HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from py_autotask._client import AutotaskClient

from .._cli import run_main

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(sandbox_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Run:
    """run(*args) -> (exit code, stdout, stderr), credentials from the environment."""
    creds = sandbox_server.sandbox.credentials
    monkeypatch.setenv("AUTOTASK_USERNAME", creds["username"])
    monkeypatch.setenv("AUTOTASK_SECRET", creds["secret"])
    monkeypatch.setenv("AUTOTASK_INTEGRATION_CODE", creds["integration_code"])
    monkeypatch.setenv("AUTOTASK_BASE_URL", sandbox_server.base_url)
    monkeypatch.setenv("AUTOTASK_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.delenv("AUTOTASK_PROFILE", raising=False)
    # In-process, stderr is captured (not a terminal): a slow run must not print status lines into the
    # output a test compares (they have their own tests, as separate processes: test_cli_unattended.py).
    monkeypatch.setenv("AUTOTASK_PROGRESS_INTERVAL", "0")
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> tuple[int, str, str]:
        return run_main(capsys, *args)

    return run


@pytest.fixture
def client(sandbox_server: Any) -> Iterator[AutotaskClient]:
    """Our own client on the same sandbox, to compute what the commands should print."""
    creds = sandbox_server.sandbox.credentials
    with AutotaskClient(username=creds["username"], secret=creds["secret"], integration_code=creds["integration_code"],
                        base_url=sandbox_server.base_url, cache=False) as c:
        yield c
