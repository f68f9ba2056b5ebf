"""`py-autotask … | head`: a reader that goes away ends the command quietly with exit 0, as it ends `cat`.

Real pipes: the command runs as its own process, its stdout a pipe whose read end the test closes after
a few lines, as `head` does.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .._cli import sandbox_env


def _env(sandbox_server: Any, tmp_path: Path) -> dict[str, str]:
    return sandbox_env(sandbox_server, tmp_path)


def _head(args: list[str], env: dict[str, str], lines: int = 3) -> tuple[int, bytes, list[bytes]]:
    """Run the CLI with its stdout into a pipe, read `lines` lines, close the pipe: (exit code, stderr, lines)."""
    with subprocess.Popen([sys.executable, "-m", "py_autotask.cli", *args], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) as process:
        try:
            assert process.stdout is not None and process.stderr is not None
            got = [process.stdout.readline() for _ in range(lines)]
            process.stdout.close()  # what `head` does once it has its lines
            err = process.stderr.read()
            process.wait(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
    return process.returncode, err, got


@pytest.mark.parametrize("fmt", ["csv", "ndjson", "json"])
def test_export_to_stdout_into_head_exits_quietly(sandbox_server: Any, tmp_path: Path, fmt: str) -> None:
    sandbox = sandbox_server.sandbox
    sandbox.control.set_latency(20)
    pages = sandbox.config.tickets // 20
    code, err, lines = _head(["export", "Tickets", "-o", "-", "--format", fmt, "--page-size", "20"],
                             _env(sandbox_server, tmp_path))
    assert all(lines), "rows arrived before the reader left"
    assert (code, err.decode()) == (0, "")
    # The export stopped when its reader left instead of fetching every page for nobody.
    fetched = [e for e in sandbox.control.request_log if "Tickets/query" in e["path"] and "count" not in e["path"]]
    assert len(fetched) < pages / 2, f"{len(fetched)} of {pages} pages fetched"


@pytest.mark.parametrize("args", [["query", "Tickets"], ["query", "Tickets", "--format", "ndjson"]])
def test_query_into_head_exits_quietly(sandbox_server: Any, tmp_path: Path, args: list[str]) -> None:
    code, err, lines = _head(args, _env(sandbox_server, tmp_path), lines=2)
    assert all(lines)
    assert (code, err.decode()) == (0, "")


def test_incremental_export_into_head_keeps_its_state(sandbox_server: Any, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    args = ["export", "Tickets", "-o", "-", "--incremental", "--state", str(state), "--page-size", "50"]
    env = _env(sandbox_server, tmp_path)
    code, err, lines = _head(args, env)
    assert all(lines) and (code, err.decode()) == (0, "")
    # The reader took three lines: no watermark may claim that the other tickets were delivered.
    assert json.loads(state.read_text())["entities"] == {}
    done = subprocess.run([sys.executable, "-m", "py_autotask.cli", *args], env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    ids = [int(row["id"]) for row in csv.DictReader(io.StringIO(done.stdout.decode()))]
    assert len(ids) == len(set(ids)) == sandbox_server.sandbox.config.tickets
    assert "Tickets" in json.loads(state.read_text())["entities"]
