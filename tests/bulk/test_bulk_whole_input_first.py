"""A file is read and validated whole before the first write: a bad row at the end means zero writes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from autotask_sandbox import RunningServer
from click.testing import CliRunner

from py_autotask.cli.app import cli


def _csv(path: Path, rows: list[dict]) -> None:
    columns = sorted({k for row in rows for k in row})
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)


def _writes(server: RunningServer) -> int:
    return sum(1 for entry in server.sandbox.control.request_log if entry["action"] in ("create", "update", "delete"))


def test_bad_rows_after_hundreds_of_good_ones_mean_zero_writes_and_a_report_of_each(
        env: RunningServer, tmp_path: Path, ticket_rows, tickets_by_key) -> None:
    rows, _ = ticket_rows(450, "LATE", invalid_every=0)
    rows[300]["status"] = "Bogus"
    rows[449]["title"] = "x" * 300  # the last row, well past the first chunks
    source, report = tmp_path / "tickets.csv", tmp_path / "report.csv"
    _csv(source, rows)
    before = _writes(env)
    result = CliRunner().invoke(cli, ["bulk", "create", "Tickets", str(source), "--key", "externalID",
                                      "--report", str(report)])
    assert result.exit_code == 5, result.output
    assert "nothing written: 2 rows of the input are invalid (row 301, 450)" in result.output
    assert tickets_by_key("LATE") == {} and _writes(env) == before
    with open(report, newline="", encoding="utf-8") as handle:
        outcomes = {int(r["row"]): r for r in csv.DictReader(handle)}
    assert len(outcomes) == 450
    assert outcomes[301]["outcome"] == "invalid" and "Bogus" in outcomes[301]["messages"]
    assert outcomes[450]["outcome"] == "invalid" and "300 characters" in outcomes[450]["messages"]
    assert {r["outcome"] for n, r in outcomes.items() if n not in (301, 450)} == {"skipped"}
    assert not Path(f"{report}.journal.sqlite").exists()  # the corrected file starts afresh, no --resume
    # The same file with --skip-invalid writes the 448 valid rows.
    again = CliRunner().invoke(cli, ["bulk", "create", "Tickets", str(source), "--key", "externalID",
                                     "--report", str(report), "--skip-invalid", "-q"])
    assert again.exit_code == 5, again.output
    assert tickets_by_key("LATE") == {f"LATE-{i}": 1 for i in range(450) if i not in (300, 449)}


@pytest.mark.parametrize("spoil, says", [
    (lambda p: p.write_bytes(p.read_bytes() + b"9,Caf\xe9,x,y,z,w\n"), "not UTF-8 text (a byte 0xe9)"),
    (lambda p: p.write_text(p.read_text() + "1,2,3,4,5,6,7,8,9\n"), "record 201 has 9 cells, the header 6"),
])
def test_an_unreadable_last_line_stops_the_job_before_any_write(env: RunningServer, tmp_path: Path, ticket_rows,
                                                                 tickets_by_key, spoil, says) -> None:
    rows, _ = ticket_rows(200, "TAIL", invalid_every=0)
    source = tmp_path / "tickets.csv"
    _csv(source, rows)
    spoil(source)
    result = CliRunner().invoke(cli, ["bulk", "create", "Tickets", str(source), "--key", "externalID"])
    assert result.exit_code == 2, result.output
    assert says in result.output and str(source) in result.output and "nothing was written" in result.output
    assert "Traceback" not in result.output and "unexpected" not in result.output
    assert tickets_by_key("TAIL") == {}


def test_ndjson_with_a_broken_last_line(env: RunningServer, tmp_path: Path, ticket_rows, tickets_by_key) -> None:
    rows, _ = ticket_rows(250, "NDJ", invalid_every=0)
    source = tmp_path / "t.ndjson"
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n{not json\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["bulk", "create", "Tickets", str(source), "--key", "externalID"])
    assert result.exit_code == 2 and "line 251 is not JSON" in result.output, result.output
    assert tickets_by_key("NDJ") == {}
