"""`py-autotask sandbox serve` delegates to autotask-sandbox's own CLI; without the sandbox it says what to install."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from py_autotask.cli import main

SRC = str(Path(__file__).resolve().parents[2] / "src")


def test_sandbox_serve_is_autotask_sandbox_serve(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["sandbox", "serve", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "usage: autotask-sandbox serve" in out
    for option in ("--port", "--seed", "--tickets", "--now", "--faults", "--allow-remote"):
        assert option in out


@pytest.mark.parametrize("args", [["sandbox", "serve"], ["--sandbox", "count", "Tickets"]])
def test_without_the_sandbox_distribution_the_cli_prints_the_install_hint(args: list[str]) -> None:
    code = f"""
        import sys
        sys.modules["autotask_sandbox"] = None   # as if autotask-sandbox were not installed
        from py_autotask.cli import main
        main({args!r})
    """
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": SRC}, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "pip install 'py-autotask[sandbox]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_sandbox_serve_reports_a_port_in_use_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as exc:
            main(["sandbox", "serve", "--port", str(port)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and f"127.0.0.1:{port}: address already in use" in err
