"""`py-autotask bulk` without a terminal: a status line (rows, rate, ETA, threshold) every
AUTOTASK_PROGRESS_INTERVAL seconds instead of a progress bar."""

from __future__ import annotations

import re
import subprocess
import sys
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
