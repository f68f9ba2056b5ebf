"""What is wrong with which file, as exit 2 and one line — never "unexpected …" — and a dry run that says why
each row is invalid; a --report or --resume that would silently start a new job is refused (issue 15, 9/10)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from autotask_sandbox import RunningServer
from click.testing import CliRunner

from py_autotask.cli.app import cli

SRC = str(Path(__file__).resolve().parents[2] / "src")
TICKET = {"companyID": 0, "title": "t", "status": "New", "priority": "Medium", "dueDateTime": "2026-03-01T09:00"}


def _writes(server: RunningServer) -> int:
    return sum(1 for e in server.sandbox.control.request_log if e["action"] in ("create", "update", "delete"))


def _spoiled(tmp_path: Path, kind: str) -> tuple[Path, str]:
    """An input file a user could really have, spoiled in one way; and what the error must say about it."""
    if kind == "corrupt xlsx":
        path = tmp_path / "people.xlsx"
        path.write_bytes(b"PK\x03\x04" + os.urandom(2000))  # a zip header, then damage
        return path, "not a readable .xlsx workbook"
    if kind == "deep json":
        path = tmp_path / "deep.json"
        path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
        return path, "JSON nested too deeply to read"
    if kind == "deep ndjson":
        path = tmp_path / "deep.ndjson"
        path.write_text(json.dumps(TICKET) + "\n" + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
        return path, "JSON nested too deeply to read"
    if kind == "huge cell":
        path = tmp_path / "big.csv"
        path.write_text("companyID,title\n0,ok\n0," + "x" * 1_000_000 + "\n", encoding="utf-8")
        return path, "line 3 has a cell longer than 131,072 characters"
    path = tmp_path / "tickets.txt"
    path.write_text("companyID,title\n0,x\n", encoding="utf-8")
    return path, "cannot tell the input format"


@pytest.mark.parametrize("kind", ["corrupt xlsx", "deep json", "deep ndjson", "huge cell", "unknown suffix"])
@pytest.mark.parametrize("mode", [[], ["--dry-run"], ["--skip-invalid"]])
def test_an_unreadable_input_file_is_exit_2_naming_it(env: RunningServer, tmp_path: Path, kind: str,
                                                      mode: list[str]) -> None:
    path, says = _spoiled(tmp_path, kind)
    before = _writes(env)
    result = CliRunner().invoke(cli, ["bulk", "create", "Tickets", str(path), *mode])
    assert result.exit_code == 2, result.output
    assert says in result.output and path.name in result.output, result.output
    assert "unexpected" not in result.output and "Traceback" not in result.output
    assert _writes(env) == before
    assert not Path(f"{path}.journal.sqlite").exists()  # the fixed file starts afresh, without --resume


@pytest.mark.parametrize("content", [b"not a database at all " * 100, b"SQLite format 3\x00" + b"\xff" * 4000],
                         ids=["not sqlite", "damaged header"])
def test_a_corrupt_journal_is_exit_2_naming_it(env: RunningServer, tmp_path: Path, content: bytes) -> None:
    source, journal = tmp_path / "t.json", tmp_path / "job.journal.sqlite"
    source.write_text(json.dumps([TICKET]), encoding="utf-8")
    journal.write_bytes(content)
    result = CliRunner().invoke(cli, ["bulk", "create", "Tickets", str(source), "--journal", str(journal),
                                      "--resume"])
    assert result.exit_code == 2, result.output
    assert f"{journal} is not a readable bulk journal" in " ".join(result.output.split())
    assert "unexpected" not in result.output


def test_a_dry_run_says_why_each_invalid_row_is_invalid(env: RunningServer, tmp_path: Path) -> None:
    rows = [dict(TICKET, title=f"t{i}", status="Bogus" if i % 2 else "New") for i in range(50)]
    rows[0]["dueDateTime"] = "next tuesday"
    source = tmp_path / "t.json"
    source.write_text(json.dumps(rows), encoding="utf-8")
    result = CliRunner().invoke(cli, ["bulk", "create", "Tickets", str(source), "--dry-run"])
    assert result.exit_code == 5, result.output
    lines = result.output.splitlines()
    shown = [line for line in lines if line.startswith("row ")]
    assert len(shown) == 20  # the first 20 invalid rows, in row order, each with its reasons
    assert shown[0].startswith("row 1: dueDateTime: expected an ISO 8601")
    assert shown[1].startswith("row 2: status: 'Bogus' is neither a value nor a label") and shown[-1].startswith("row 38:")
    assert "… and 6 more invalid rows" in result.output  # 26 invalid in all
    assert not list(tmp_path.glob("*.journal.sqlite"))


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTASK_")}
    env.update(PYTHONPATH=SRC, AUTOTASK_USERNAME="u", AUTOTASK_SECRET="s", AUTOTASK_INTEGRATION_CODE="c",
               AUTOTASK_CONFIG=str(tmp_path / "none.toml"), AUTOTASK_BASE_URL=f"http://127.0.0.1:{closed}/")
    return subprocess.run([sys.executable, "-m", "py_autotask.cli", *args], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)


def test_a_report_or_resume_that_would_start_a_new_job_is_refused_before_connecting(tmp_path: Path) -> None:
    source = tmp_path / "t.csv"
    source.write_text("companyID,title\n0,x\n", encoding="utf-8")
    # --resume, but the earlier run's journal is not where this run looks (nothing listens at the base URL:
    # a command that connected first would end with 4).
    lost = _cli(tmp_path, "bulk", "create", "Tickets", "t.csv", "--resume", "--report", "r.csv")
    assert lost.returncode == 2, lost.stderr
    assert "--resume: there is no journal at r.csv.journal.sqlite to continue" in lost.stderr
    # An earlier run without --report left its journal beside the input; a --report now would start over.
    Path(f"{source}.journal.sqlite").write_bytes(b"x")
    moved = _cli(tmp_path, "bulk", "create", "Tickets", "t.csv", "--report", "r.csv")
    assert moved.returncode == 2, moved.stderr
    assert "an earlier run of t.csv left its journal at t.csv.journal.sqlite" in moved.stderr
    assert "--journal t.csv.journal.sqlite --resume" in moved.stderr
    assert "resume=True" not in moved.stderr + lost.stderr and "format=" not in moved.stderr


@pytest.mark.parametrize("mode", [[], ["--dry-run"]])
def test_a_sheet_the_workbook_does_not_have_is_named_with_the_sheets_it_has(env: RunningServer, tmp_path: Path,
                                                                            mode: list[str]) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = "Tickets"
    book.active.append(list(TICKET))
    book.active.append(list(TICKET.values()))
    path = tmp_path / "t.xlsx"
    book.save(path)
    result = CliRunner().invoke(cli, ["bulk", "create", "Tickets", str(path), "--sheet", "Tikets", *mode])
    assert result.exit_code == 2, result.output
    assert f"{path} has no sheet 'Tikets'; its sheets: 'Tickets'" in " ".join(result.output.split())
