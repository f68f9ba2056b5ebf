"""`py-autotask sync` on the command line: summary, clear errors, and a kill -9 in the middle."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from py_autotask import AutotaskClient

from ..cli.conftest import Run, cli  # noqa: F401  (the in-process runner fixture)
from .conftest import assert_mirror_equal, duckdb_reader, postgres_reader

pytest.importorskip("duckdb")


def _client(server: Any) -> AutotaskClient:
    creds = server.sandbox.credentials
    return AutotaskClient(username=creds["username"], secret=creds["secret"],
                          integration_code=creds["integration_code"], base_url=server.base_url, cache=False)


def test_sync_command_prints_a_summary_and_mirrors(cli: Run, sandbox_server: Any, tmp_path: Path) -> None:  # noqa: F811
    code, _, err = cli("sync", "Tickets,Companies", "--dsn", "m.duckdb", "--no-progress")
    assert code == 0, err
    assert "inserted" in err and "Tickets" in err and "mass-delete guard: 50%" in err
    with _client(sandbox_server) as client:
        assert_mirror_equal(client, duckdb_reader(tmp_path / "m.duckdb"), ["Tickets", "Companies"])
    code, _, err = cli("sync", "Tickets,Companies", "--dsn", "m.duckdb", "--no-progress")
    assert code == 0 and "incremental" in err


@pytest.mark.parametrize(("args", "message"), [
    (("sync", "Nope"), "unknown Autotask entity"),
    (("sync", "Tickets", "--dsn", "autotask.duckdb"), "named like the dataset"),
    (("sync", "Tickets", "--destination", "postgres"), "needs --dsn"),
    (("sync", "Tickets", "--all"), "not both"),
])
def test_bad_input_is_a_usage_error(cli: Run, args: tuple[str, ...], message: str) -> None:  # noqa: F811
    code, _, err = cli(*args)
    assert code == 2 and message in err, err


@pytest.mark.slow
@pytest.mark.parametrize("destination", ["duckdb", "postgres"])
def test_kill_9_mid_sync_then_rerun_is_exact(sandbox_server: Any, tmp_path: Path, destination: str,
                                             request: pytest.FixtureRequest) -> None:
    creds = sandbox_server.sandbox.credentials
    env = {**os.environ, "AUTOTASK_USERNAME": creds["username"], "AUTOTASK_SECRET": creds["secret"],
           "AUTOTASK_INTEGRATION_CODE": creds["integration_code"], "AUTOTASK_BASE_URL": sandbox_server.base_url,
           "AUTOTASK_CONFIG": str(tmp_path / "none.toml"), "RUNTIME__DLTHUB_TELEMETRY": "false"}
    if destination == "postgres":
        dsn = request.getfixturevalue("pg_database")
        read = postgres_reader(dsn)
    else:
        dsn = "k.duckdb"
        read = duckdb_reader(tmp_path / "k.duckdb")
    command = [sys.executable, "-m", "py_autotask.cli", "sync", "Tickets,TicketNotes,TimeEntries", "--destination",
               destination, "--dsn", dsn, "--chunk-rows", "300", "--no-progress"]
    sandbox_server.sandbox.control.set_latency(40)
    proc = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Wait until at least one chunk is loaded, then kill it without warning.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            loaded = list((tmp_path / ".py-autotask" / "dlt").glob("*/load/loaded/*"))
            if loaded:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the sync finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    sandbox_server.sandbox.control.set_latency(0)
    with _client(sandbox_server) as client:
        client.tickets.update(client.tickets.query(limit=1).to_list()[0]["id"], {"title": "Changed between runs"})
    rerun = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    with _client(sandbox_server) as client:
        assert_mirror_equal(client, read, ["Tickets", "TicketNotes", "TimeEntries"])
