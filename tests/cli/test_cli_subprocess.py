"""`py-autotask` as a separate process against the sandbox: killed and resumed, interrupted, zero-config --sandbox."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from py_autotask._client import AutotaskClient

from .._cli import SRC, sandbox_env


def _env(sandbox_server: Any, tmp_path: Path) -> dict[str, str]:
    return sandbox_env(sandbox_server, tmp_path)


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "py_autotask.cli", *args]


def _wait_for_checkpoint(path: Path, rows: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the export ended before it could be interrupted: {process.stderr.read() if process.stderr else ''}")
        try:
            if json.loads(path.read_text()).get("rows", 0) >= rows:
                return
        except (FileNotFoundError, json.JSONDecodeError):
            pass
        time.sleep(0.05)
    pytest.fail("no checkpoint appeared")


def _expected_ids(sandbox_server: Any, entity: str) -> list[int]:
    creds = sandbox_server.sandbox.credentials
    with AutotaskClient(username=creds["username"], secret=creds["secret"], integration_code=creds["integration_code"],
                        base_url=sandbox_server.base_url, cache=False) as client:
        return sorted(r["id"] for r in client.entity(entity).query(fields=["id"]))


@pytest.mark.parametrize(("kill", "fmt"), [(signal.SIGKILL, "csv"), (signal.SIGKILL, "xlsx"), (signal.SIGINT, "json"),
                                         (signal.SIGKILL, "parquet"), (signal.SIGINT, "parquet")])
def test_killed_export_resumes_to_the_exact_id_set(sandbox_server: Any, tmp_path: Path, kill: int, fmt: str) -> None:
    env = _env(sandbox_server, tmp_path)
    out = tmp_path / f"TicketNotes.{fmt}"
    checkpoint = tmp_path / ".py-autotask" / "checkpoints" / f"{out.name}.json"
    sandbox_server.sandbox.control.set_latency(60)
    args = _cli("export", "TicketNotes", "-o", str(out), "--page-size", "100", "--threads", "2")
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_for_checkpoint(checkpoint, 400, process)
        process.send_signal(kill)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    if kill == signal.SIGINT:
        assert process.returncode == 130
        assert b"continue with --resume" in err
    else:
        assert process.returncode == -signal.SIGKILL
    assert not out.exists()
    sandbox_server.sandbox.control.set_latency(0)
    done = subprocess.run([*args, "--resume"], env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert b"resumed" in done.stderr
    if fmt == "csv":
        with out.open(newline="") as handle:
            ids = [int(r["id"]) for r in csv.DictReader(handle)]
    elif fmt == "json":
        ids = [r["id"] for r in json.loads(out.read_bytes())]
    elif fmt == "parquet":
        import pyarrow.parquet as pq

        ids = pq.read_table(out, columns=["id"]).column("id").to_pylist()
    else:
        import openpyxl

        book = openpyxl.load_workbook(out, read_only=True)
        ids = [row[0] for sheet in book.worksheets for row in sheet.iter_rows(min_row=2, values_only=True)]
        book.close()
    assert len(ids) == len(set(ids)), "no row twice"
    assert sorted(ids) == _expected_ids(sandbox_server, "TicketNotes"), "no row lost"
    assert not checkpoint.exists()


def test_zero_configuration_sandbox(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTASK_")}
    env.update(PYTHONPATH=SRC, AUTOTASK_CONFIG=str(tmp_path / "none.toml"))
    result = subprocess.run(_cli("--sandbox", "--sandbox-tickets", "150", "export", "Tickets,Companies", "-o",
                                 str(tmp_path), "--format", "parquet"), env=env, capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    import pyarrow.parquet as pq

    assert pq.ParquetFile(tmp_path / "Tickets.parquet").metadata.num_rows > 100
    assert pq.ParquetFile(tmp_path / "Companies.parquet").metadata.num_rows > 0
    result = subprocess.run(_cli("--sandbox", "--sandbox-tickets", "50", "test"), env=env, capture_output=True,
                            timeout=120)
    assert result.returncode == 0 and b"authenticated yes" in result.stdout


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_query_exits_130(sandbox_server: Any, tmp_path: Path, signum: int) -> None:
    env = _env(sandbox_server, tmp_path)
    sandbox_server.sandbox.control.set_latency(200)
    process = subprocess.Popen(_cli("query", "Tickets", "--fields", "id", "--format", "ndjson"), env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert process.stdout is not None and process.stdout.readline()  # streaming: a page arrived
        process.send_signal(signum)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
        sandbox_server.sandbox.control.set_latency(0)
    assert process.returncode == 130, err.decode()
    assert b"interrupted" in err
