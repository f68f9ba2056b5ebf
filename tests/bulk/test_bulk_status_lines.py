"""`py-autotask bulk` without a terminal: a status line (rows, rate, ETA, threshold) every
AUTOTASK_PROGRESS_INTERVAL seconds instead of a progress bar; Ctrl-C that stops at once while rows wait
for the hourly threshold."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from autotask_sandbox import RunningServer

from .test_bulk_cli import _env, _write_csv


def test_bulk_without_a_terminal_reports_status_lines(sandbox_server: RunningServer, tmp_path: Path,
                                                      ticket_rows) -> None:
    rows, _ = ticket_rows(40, "STATUS", invalid_every=0)
    source = tmp_path / "tickets.csv"
    _write_csv(source, rows)
    sandbox_server.sandbox.control.set_latency(50)
    env = {**_env(sandbox_server, tmp_path), "AUTOTASK_PROGRESS_INTERVAL": "0.1", "COLUMNS": "80"}
    done = subprocess.run([sys.executable, "-m", "py_autotask.cli", "bulk", "create", "Tickets", str(source),
                           "--key", "externalID"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    status = [line for line in done.stderr.splitlines()
              if re.match(r"create Tickets \d+:\d\d: \d+/40 rows \(\d+%\)", line)]
    assert status and any("threshold" in line for line in status), done.stderr
    assert all(len(line) <= 80 for line in status)


def test_ctrl_c_stops_a_paced_bulk_run_at_once_and_resume_writes_each_row_once(
        sandbox_server: RunningServer, tmp_path: Path, ticket_rows, tickets_by_key) -> None:
    sandbox = sandbox_server.sandbox
    rows, _ = ticket_rows(150, "PACED", invalid_every=0)
    source = tmp_path / "tickets.csv"
    _write_csv(source, rows)
    # 100 requests an hour: from 40 on, the client spaces requests by over a minute (limits/budget.py).
    sandbox.control.set_limits(threshold=100)
    sandbox.control.set_latency(100)
    command = [sys.executable, "-m", "py_autotask.cli", "bulk", "create", "Tickets", str(source), "--key", "externalID",
               "--reconcile-delay", "0"]
    env = {**_env(sandbox_server, tmp_path), "AUTOTASK_PROGRESS_INTERVAL": "0"}
    with subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as child:
        deadline = time.monotonic() + 60
        while sandbox.control.stats()["hourly_usage"]["current"] < 40:
            assert child.poll() is None and time.monotonic() < deadline, "the job never reached pacing"
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
    assert "continue with --resume" in err
    sandbox.control.set_limits(threshold=10_000)
    sandbox.control.set_latency(0)
    done = subprocess.run([*command, "--resume"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert tickets_by_key("PACED") == {f"PACED-{i}": 1 for i in range(150)}
