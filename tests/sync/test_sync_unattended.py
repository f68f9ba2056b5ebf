"""`py-autotask sync` without a terminal: a status line every AUTOTASK_PROGRESS_INTERVAL seconds, a
summary of one line per entity at 80 columns, and Ctrl-C that stops at once while requests wait for the
hourly threshold."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from .._cli import sandbox_env

pytest.importorskip("duckdb")



def test_sync_without_a_terminal_reports_status_lines_and_fits_80_columns(sandbox_server: Any, tmp_path: Path) -> None:
    from py_autotask.cli.sync import DEFAULT_ENTITIES

    env = sandbox_env(sandbox_server, tmp_path, AUTOTASK_PROGRESS_INTERVAL="0.1", COLUMNS="80",
                      RUNTIME__DLTHUB_TELEMETRY="false")
    sandbox_server.sandbox.control.set_latency(30)  # long enough for a few status lines
    done = subprocess.run([sys.executable, "-m", "py_autotask.cli", "sync", "--dsn", "m.duckdb"], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    status = [line for line in lines if re.match(r"sync \d+:\d\d: [\d,]+(/[\d,]+)? records", line)]
    assert status and any("threshold" in line for line in status), lines
    assert all(len(line) <= 80 for line in lines), [line for line in lines if len(line) > 80]
    for entity in DEFAULT_ENTITIES:  # ServiceLevelAgreementResults is the longest name
        rows = [line for line in lines if line.split()[:1] == [entity]]
        assert len(rows) == 1 and re.search(r"\d\s+\d+\s+\d+$", rows[0]), (entity, lines)


def test_ctrl_c_stops_a_paced_sync_at_once_and_the_next_sync_completes(sandbox_server: Any, tmp_path: Path) -> None:
    from py_autotask import AutotaskClient

    from .conftest import assert_mirror_equal, duckdb_reader

    sandbox = sandbox_server.sandbox
    # 100 requests an hour: from 40 on, the client spaces requests by over a minute (limits/budget.py).
    sandbox.control.set_limits(threshold=100)
    sandbox.control.set_latency(250)
    creds = sandbox.credentials
    env = sandbox_env(sandbox_server, tmp_path, AUTOTASK_PROGRESS_INTERVAL="0", RUNTIME__DLTHUB_TELEMETRY="false")
    command = [sys.executable, "-m", "py_autotask.cli", "sync", "--dsn", "m.duckdb"]  # the default entities
    with subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True) as child:
        deadline = time.monotonic() + 60
        while sandbox.control.stats()["hourly_usage"]["current"] < 40:
            assert child.poll() is None and time.monotonic() < deadline, "the sync never reached pacing"
            time.sleep(0.05)
        time.sleep(1.0)  # its threads are asleep, waiting for the budget
        started = time.monotonic()
        child.send_signal(signal.SIGINT)
        try:
            _, err = child.communicate(timeout=30)  # without the fix: until the pacing sleeps end (~70 s)
        finally:
            if child.poll() is None:
                child.kill()
        took = time.monotonic() - started
    assert child.returncode == 130, err
    assert took < 4.0, f"Ctrl-C took {took:.1f}s"  # a bound for a loaded machine
    assert err.splitlines()[-1] == "py-autotask: interrupted — the next sync continues from the last completed load"
    sandbox.control.set_limits(threshold=10_000)
    sandbox.control.set_latency(0)
    done = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with AutotaskClient(username=creds["username"], secret=creds["secret"], integration_code=creds["integration_code"],
                        base_url=sandbox_server.base_url, cache=False) as client:
        assert_mirror_equal(client, duckdb_reader(tmp_path / "m.duckdb"), ["Tickets", "TicketNotes", "Companies"])
