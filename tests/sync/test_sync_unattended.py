"""`py-autotask sync` without a terminal: a status line every AUTOTASK_PROGRESS_INTERVAL seconds, and a
summary of one line per entity at 80 columns."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("duckdb")

SRC = str(Path(__file__).resolve().parents[2] / "src")


def test_sync_without_a_terminal_reports_status_lines_and_fits_80_columns(sandbox_server: Any, tmp_path: Path) -> None:
    from py_autotask.cli.sync import DEFAULT_ENTITIES

    creds = sandbox_server.sandbox.credentials
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTASK_")}
    env.update(PYTHONPATH=SRC, AUTOTASK_USERNAME=creds["username"], AUTOTASK_SECRET=creds["secret"],
               AUTOTASK_INTEGRATION_CODE=creds["integration_code"], AUTOTASK_BASE_URL=sandbox_server.base_url,
               AUTOTASK_CONFIG=str(tmp_path / "none.toml"), AUTOTASK_PROGRESS_INTERVAL="0.1", COLUMNS="80",
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
