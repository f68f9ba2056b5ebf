"""`py-autotask bulk …` over real loopback HTTP: SIGKILL mid-run and --resume, dry runs, reports, exit codes."""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from autotask_sandbox import RunningServer
from click.testing import CliRunner

from py_autotask.cli.app import cli

SRC = Path(__file__).resolve().parents[2] / "src"


def _env(server: RunningServer, tmp_path: Path) -> dict[str, str]:
    creds = server.sandbox.credentials
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTASK_")}
    env.update({
        "AUTOTASK_USERNAME": creds["username"], "AUTOTASK_SECRET": creds["secret"],
        "AUTOTASK_INTEGRATION_CODE": creds["integration_code"], "AUTOTASK_BASE_URL": server.base_url,
        "AUTOTASK_CONFIG": str(tmp_path / "no-config.toml"), "AUTOTASK_CACHE": "off",
        "PYTHONPATH": str(SRC) + os.pathsep + env.get("PYTHONPATH", ""),
    })
    return env


def _write_csv(path: Path, rows: list[dict]) -> None:
    columns = sorted({k for row in rows for k in row})
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)


def _report(path: Path) -> dict[int, dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return {int(r["row"]): r for r in csv.DictReader(handle)}


def _states(journal: Path) -> dict[str, int]:
    if not journal.exists():
        return {}
    conn = sqlite3.connect(f"file:{journal}?mode=ro", uri=True, timeout=5)
    try:
        return dict(conn.execute("SELECT state, COUNT(*) FROM rows GROUP BY state").fetchall())
    except sqlite3.OperationalError:  # the child has not created the table yet
        return {}
    finally:
        conn.close()


def test_sigkill_mid_run_then_resume_gives_one_record_per_row(sandbox_server: RunningServer, tmp_path: Path,
                                                              ticket_rows, tickets_by_key) -> None:
    sandbox = sandbox_server.sandbox
    sandbox.control.set_latency(15)
    sandbox.control.set_faults({"reset": 0.03, "500": 0.03}, seed=5)
    rows, invalid = ticket_rows(400, "KILL")
    source, report = tmp_path / "tickets.csv", tmp_path / "report.csv"
    journal = Path(f"{report}.journal.sqlite")
    _write_csv(source, rows)
    command = [sys.executable, "-m", "py_autotask.cli", "bulk", "create", "Tickets", str(source),
               "--key", "externalID", "--report", str(report), "--reconcile-delay", "0", "--skip-invalid"]
    env = _env(sandbox_server, tmp_path)
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while _states(journal).get("done", 0) < 120:
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the bulk job made no progress"
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.communicate()
    assert child.returncode == -signal.SIGKILL
    at_kill = _states(journal)
    assert at_kill.get("done", 0) >= 120 and sum(at_kill.values()) < 400 + 1

    resumed = subprocess.run([*command, "--resume"], env=env, capture_output=True, text=True, timeout=120)
    sandbox.control.set_faults({})
    sandbox.control.set_latency(0)
    assert resumed.returncode == 5, resumed.stderr  # the invalid rows make it a partial success
    assert "finished in an earlier run" in resumed.stderr and "resumed the journal" in resumed.stderr
    results = _report(report)
    assert sorted(results) == list(range(1, 401))
    outcomes = Counter(r["outcome"] for r in results.values())
    assert outcomes["invalid"] == len(invalid)
    assert outcomes["created"] + outcomes["reconciled"] == 400 - len(invalid), outcomes
    for number, reason in invalid.items():
        # An empty CSV cell means "not given", so a cleared priority reads as a missing one here.
        assert reason.replace(" and cannot be cleared", "") in results[number]["messages"]
    counts = tickets_by_key("KILL")
    assert len(counts) == 400 - len(invalid) and set(counts.values()) == {1}
    assert _states(journal) == {"done": 400}


def test_dry_run_reads_only_and_prints_requests(sandbox_server: RunningServer, tmp_path: Path, ticket_rows,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox = sandbox_server.sandbox
    rows, invalid = ticket_rows(60, "DRY", invalid_every=10)
    source = tmp_path / "tickets.json"
    source.write_text(__import__("json").dumps(rows), encoding="utf-8")
    for key, value in _env(sandbox_server, tmp_path).items():
        if key.startswith("AUTOTASK_"):
            monkeypatch.setenv(key, value)
    sandbox.control.clear_log()
    result = CliRunner().invoke(cli, ["bulk", "upsert", "Tickets", str(source), "--key", "externalID", "--dry-run",
                                      "--report", str(tmp_path / "dry.csv")])
    assert result.exit_code == 5, result.output  # invalid rows
    assert "DRY RUN (nothing was written)" in result.output
    assert "API calls:" in result.output and "HTTP requests" in result.output
    actions = Counter(entry["action"] for entry in sandbox.control.request_log)
    assert not {"create", "update", "replace", "delete"} & set(actions), actions
    assert actions["queryPost"] >= 1
    report = _report(tmp_path / "dry.csv")
    assert Counter(r["outcome"] for r in report.values()) == {"created": 60 - len(invalid), "invalid": len(invalid)}
    assert all("dry run: would create" in r["messages"] for r in report.values() if r["outcome"] == "created")
    assert not (tmp_path / "dry.csv.journal.sqlite").exists()


def test_exit_codes_and_usage_errors(sandbox_server: RunningServer, tmp_path: Path, ticket_rows,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in _env(sandbox_server, tmp_path).items():
        if key.startswith("AUTOTASK_"):
            monkeypatch.setenv(key, value)
    rows, _ = ticket_rows(10, "EXIT", invalid_every=0)
    source = tmp_path / "ok.ndjson"
    source.write_text("\n".join(__import__("json").dumps(r) for r in rows), encoding="utf-8")
    runner = CliRunner()
    ok = runner.invoke(cli, ["bulk", "create", "Tickets", str(source), "--key", "externalID", "-q"])
    assert ok.exit_code == 0, ok.output
    again = runner.invoke(cli, ["bulk", "create", "Tickets", str(source), "--key", "externalID", "-q"])
    assert again.exit_code == 2 and "pass --resume" in again.output  # the journal beside the input exists
    assert runner.invoke(cli, ["bulk", "upsert", "Tickets", str(source)]).exit_code == 2
    bad_key = runner.invoke(cli, ["bulk", "update", "Tickets", str(source), "--key", "externalId2", "--journal",
                                  str(tmp_path / "other.sqlite")])
    assert bad_key.exit_code == 2 and "not a field or UDF of Tickets" in bad_key.output
