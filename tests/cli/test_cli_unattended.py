"""Runs without a terminal (cron, CI, `2> log`): status lines instead of bars, pacing announced, Ctrl-C
that stops at once even while requests wait for the hourly threshold, a summary that fits 80 columns.

Each test runs `py-autotask` as its own process with stderr a pipe (so: no terminal) against the sandbox
served over loopback HTTP.
"""

from __future__ import annotations

import csv
import json
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from py_autotask._client import AutotaskClient

from .._cli import sandbox_env

# Status lines: `export 0:04: 733/3,820 records (19%), eta 0:15, threshold 40%, pacing +1.2s/req`
STATUS = re.compile(r"^export \d+:\d\d: [\d,]+/[\d,]+ records \(\d+%\), eta [\d:?]+, threshold \d+%")
# Entities with few records in the seeded tenant, exported before TicketNotes (3,820 notes).
SMALL = ["Departments", "Countries", "TicketCategories", "ConfigurationItemTypes", "Services", "BillingCodes", "Roles",
         "Projects", "Resources", "Quotes", "Products", "ResourceRoleDepartments", "ResourceServiceDeskRoles",
         "ExpenseItems", "ResourceRoleQueues", "Opportunities", "CompanyToDos", "Phases", "ResourceRoles",
         "QuoteItems", "Appointments", "Companies", "Holidays", "Tasks", "Contracts"]


def _env(sandbox_server: Any, tmp_path: Path, **extra: str) -> dict[str, str]:
    return sandbox_env(sandbox_server, tmp_path, COLUMNS="80", **extra)


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "py_autotask.cli", *args]


class _Run:
    """The CLI as a process whose stderr lines are collected as they come (a thread reads the pipe)."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.process = subprocess.Popen(args, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, predicate: Any, what: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if self.process.poll() is not None:
                self._reader.join(5)
                pytest.fail(f"ended before {what}: {self.lines}")
            if time.monotonic() > deadline:
                pytest.fail(f"no {what} within {timeout}s: {self.lines}")
            time.sleep(0.05)

    def __enter__(self) -> _Run:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.end(timeout=30)

    def end(self, timeout: float) -> int:
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        finally:
            self._reader.join(10)
            if self.process.stderr is not None:
                self.process.stderr.close()
        return code


def _ids(sandbox_server: Any, entity: str) -> list[int]:
    creds = sandbox_server.sandbox.credentials
    with AutotaskClient(username=creds["username"], secret=creds["secret"], integration_code=creds["integration_code"],
                        base_url=sandbox_server.base_url, cache=False, budget=False) as client:
        return sorted(r["id"] for r in client.entity(entity).query(fields=["id"]))


def _paced(sandbox: Any) -> None:
    # A tenant threshold of 100 requests an hour: from 40 of them on, the client spaces requests by over a
    # minute each (limits/budget.py), so every worker thread soon sleeps in pacing.
    sandbox.control.set_limits(threshold=100)
    sandbox.control.set_latency(250)


def _hourly_usage(sandbox: Any) -> int:
    return int(sandbox.control.stats()["hourly_usage"]["current"])


def test_ctrl_c_stops_a_paced_export_at_once_and_it_resumes(sandbox_server: Any, tmp_path: Path) -> None:
    sandbox = sandbox_server.sandbox
    _paced(sandbox)
    out = tmp_path / "TicketNotes.csv"
    checkpoint = tmp_path / ".py-autotask" / "checkpoints" / "TicketNotes.csv.json"
    args = _cli("export", "TicketNotes", "-o", str(out), "--page-size", "20")
    with _Run(args, _env(sandbox_server, tmp_path, AUTOTASK_PROGRESS_INTERVAL="0"), tmp_path) as run:
        run.wait_for(lambda: _hourly_usage(sandbox) >= 40, "pacing")
        time.sleep(1.0)  # the workers are asleep, waiting for the budget
        started = time.monotonic()
        run.process.send_signal(signal.SIGINT)
        code = run.end(timeout=30)  # without the fix: about 70 s, until the pacing sleeps end
        took = time.monotonic() - started
    assert code == 130, run.lines
    assert took < 4.0, f"Ctrl-C took {took:.1f}s to end the export"  # a bound for a loaded machine; ~0.2s idle
    assert run.lines == ["py-autotask: interrupted — continue with --resume"]
    assert json.loads(checkpoint.read_text())["ranges"], "a checkpoint to resume from"

    sandbox.control.set_limits(threshold=10_000)
    sandbox.control.set_latency(0)
    done = subprocess.run([*args, "--resume"], env=_env(sandbox_server, tmp_path), cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with out.open(newline="", encoding="utf-8") as handle:
        ids = [int(row["id"]) for row in csv.DictReader(handle)]
    assert sorted(ids) == _ids(sandbox_server, "TicketNotes") and len(ids) == len(set(ids))


def test_status_lines_without_a_terminal_announce_pacing(sandbox_server: Any, tmp_path: Path) -> None:
    sandbox = sandbox_server.sandbox
    _paced(sandbox)
    args = _cli("export", "TicketNotes", "-o", str(tmp_path / "TicketNotes.csv"), "--page-size", "20")
    with _Run(args, _env(sandbox_server, tmp_path, AUTOTASK_PROGRESS_INTERVAL="0.2"), tmp_path) as run:
        run.wait_for(lambda: bool(run.lines) and "pacing +" in run.lines[-1], "status line while pacing")
        run.process.send_signal(signal.SIGINT)
        assert run.end(timeout=30) == 130, run.lines
    pacing = [line for line in run.lines if line.startswith("export: pacing")]
    assert len(pacing) == 1, run.lines  # announced once, when it starts
    assert re.fullmatch(r"export: pacing: 4\d% of the hourly threshold used, each request now waits \+\d+:\d\d",
                        pacing[0]), pacing
    statuses = [line for line in run.lines if STATUS.match(line)]
    assert len(statuses) >= 3 and statuses[-1].endswith("/req"), run.lines  # e.g. "threshold 41%, pacing +1:12/req"
    assert all(len(line) <= 80 for line in run.lines), [line for line in run.lines if len(line) > 80]
    assert run.lines[-1] == "py-autotask: interrupted — continue with --resume"


def test_summary_fits_80_columns_one_line_per_entity(sandbox_server: Any, tmp_path: Path) -> None:
    sandbox = sandbox_server.sandbox
    sandbox.control.set_latency(100)
    out = tmp_path / "a-directory-with-a-rather-long-name" / "and-another-one-below-it"
    args = _cli("export", ",".join([*SMALL, "TicketNotes"]), "-o", f"{out}/", "--parallel", "1", "--page-size", "20")
    env = _env(sandbox_server, tmp_path, AUTOTASK_PROGRESS_INTERVAL="0.2")
    checkpoint = out / ".py-autotask" / "checkpoints" / "TicketNotes.csv.json"
    # TicketNotes takes ~190 pages: seconds after its first checkpoint, it is still under way.
    with _Run(args, env, tmp_path) as run:  # the small entities are done and TicketNotes is under way: interrupt
        run.wait_for(checkpoint.exists, "TicketNotes checkpoint")
        run.process.send_signal(signal.SIGINT)
        assert run.end(timeout=60) == 130, run.lines
    assert any(STATUS.match(line) for line in run.lines), run.lines
    sandbox.control.set_latency(0)
    done = subprocess.run([*args, "--resume"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert all(len(line) <= 80 for line in lines), [line for line in lines if len(line) > 80]
    assert f"{len(SMALL)} more entities complete from an earlier run" in done.stderr
    header = next(line for line in lines if line.startswith("entity")).split()
    notes = next(line for line in lines if line.startswith("TicketNotes"))
    assert header == ["entity", "status", "records", "seconds", "files"]
    assert notes.split()[:3] == ["TicketNotes", "ok", "(resumed)"] and notes.split()[-1] == "TicketNotes.csv"
    assert not any(line.startswith(tuple(SMALL)) for line in lines), "entities done earlier are counted, not listed"
    assert "files in a-directory-with-a-rather-long-name/and-another-one-below-it/" in lines
