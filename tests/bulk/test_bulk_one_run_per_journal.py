"""One run per journal: a second bulk run on a journal in use is refused at once and writes nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from autotask_sandbox import RunningServer
from click.testing import CliRunner

from py_autotask.bulk import Journal, JournalError
from py_autotask.cli.app import cli

SRC = Path(__file__).resolve().parents[2] / "src"


def test_a_second_run_on_a_journal_in_use_is_refused_and_sends_nothing(
        env: RunningServer, tmp_path: Path, ticket_rows, tickets_by_key) -> None:
    rows, _ = ticket_rows(30, "LOCK", invalid_every=0)
    source = tmp_path / "rows.ndjson"
    source.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    journal = tmp_path / "job.sqlite"
    args = ["bulk", "create", "Tickets", str(source), "--key", "externalID", "--journal", str(journal), "-q"]
    runner = CliRunner()
    # The first run holds the journal (as a run in progress does); the second, even with --resume, is refused.
    with Journal(journal, operation="create", entity="Tickets", key=["externalID"]):
        second = runner.invoke(cli, [*args, "--resume"])
        assert second.exit_code == 2, second.output
        assert "in use by another run" in second.output and str(journal) in second.output
        assert "Traceback" not in second.output
        assert tickets_by_key("LOCK") == {}
        with pytest.raises(JournalError, match="in use by another run"):
            Journal(journal, operation="create", entity="Tickets", key=["externalID"], resume=True)
    finished = runner.invoke(cli, [*args, "--resume"])
    assert finished.exit_code == 0, finished.output
    assert tickets_by_key("LOCK") == {f"LOCK-{i}": 1 for i in range(30)}  # every row exactly once
    assert not Path(f"{journal}.lock").exists()


def test_a_journal_held_by_a_killed_process_is_free_again(tmp_path: Path) -> None:
    journal = tmp_path / "job.sqlite"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from py_autotask.bulk import Journal\n"
         f"j = Journal({str(journal)!r}, operation='create', entity='Tickets')\n"
         "print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(SRC)})
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(JournalError, match="in use by another run"):
            Journal(journal, operation="create", entity="Tickets", resume=True)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        if holder.stdout is not None:
            holder.stdout.close()
    started = time.monotonic()
    with Journal(journal, operation="create", entity="Tickets", resume=True) as again:
        assert again.resumed
    assert time.monotonic() - started < 5
