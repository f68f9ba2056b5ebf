"""Values that cannot be sent (beyond 64 bits, NaN, a local time the clocks skip or repeat) are invalid rows
with their number, never a crash after the journal marked the row `sent`; a journal an earlier version left
in that state resumes to the end; the client refuses such a body before sending it."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from autotask_sandbox import RunningServer, Sandbox
from click.testing import CliRunner

from py_autotask import AutotaskClient, ValidationError
from py_autotask.bulk.journal import Journal, row_hash
from py_autotask.cli.app import cli


def _ticket(prefix: str, i: int, **changes: Any) -> dict[str, Any]:
    return {"companyID": 0, "title": f"{prefix} {i}", "status": "New", "priority": "Medium",
            "dueDateTime": "2026-03-01T09:00", "externalID": f"{prefix}-{i}", **changes}


def _writes(server: RunningServer) -> int:
    return sum(1 for e in server.sandbox.control.request_log if e["action"] in ("create", "update", "delete"))


def _report(path: Path) -> dict[int, dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return {int(r["row"]): r for r in csv.DictReader(handle)}


def _states(journal: Path) -> dict[str, int]:
    with sqlite3.connect(journal) as conn:
        return dict(conn.execute("SELECT state, COUNT(*) FROM rows GROUP BY state").fetchall())


def test_unsendable_values_are_invalid_rows_and_the_rest_is_written(env: RunningServer, tmp_path: Path,
                                                                     tickets_by_key) -> None:
    rows = [_ticket("UNS", 0), _ticket("UNS", 1, companyID=2**70), _ticket("UNS", 2, estimatedHours=2**64),
            _ticket("UNS", 3, dueDateTime="2026-03-29T02:30"),  # Europe/Berlin skips 02:00-03:00 that night
            _ticket("UNS", 4, dueDateTime="2026-10-25T02:30"),  # ... and has 02:00-03:00 twice that night
            _ticket("UNS", 5, dueDateTime="2026-10-25T02:30+01:00")]
    source, report = tmp_path / "t.json", tmp_path / "r.csv"
    source.write_text(json.dumps(rows), encoding="utf-8")
    base = ["bulk", "create", "Tickets", str(source), "--key", "externalID", "--timezone", "Europe/Berlin",
            "--report", str(report)]
    before = _writes(env)
    refused = CliRunner().invoke(cli, base)
    assert refused.exit_code == 5, refused.output
    assert "nothing written: 4 rows of the input are invalid (row 2, 3, 4, 5)" in " ".join(refused.output.split())
    assert _writes(env) == before

    result = CliRunner().invoke(cli, [*base, "--skip-invalid"])
    assert result.exit_code == 5, result.output
    assert "Traceback" not in result.output and "unexpected" not in result.output
    outcomes = _report(report)
    assert {n: r["outcome"] for n, r in outcomes.items()} == {1: "created", 2: "invalid", 3: "invalid",
                                                              4: "invalid", 5: "invalid", 6: "created"}
    assert f"companyID: {2**70} is beyond the 64-bit integer range" in outcomes[2]["messages"]
    assert f"estimatedHours: {2**64} is beyond the 64-bit integer range" in outcomes[3]["messages"]
    assert "2026-03-29T02:30 does not exist in Europe/Berlin" in outcomes[4]["messages"]
    assert "(+01:00 or +02:00)" in outcomes[4]["messages"]
    assert "2026-10-25T02:30 happens twice in Europe/Berlin" in outcomes[5]["messages"]
    assert tickets_by_key("UNS") == {"UNS-0": 1, "UNS-5": 1}
    assert _states(Path(f"{report}.journal.sqlite")) == {"done": 6}  # nothing left `sent`: the job is finished


def test_a_journal_left_sent_by_an_unencodable_body_resumes_to_the_end(env: RunningServer, tmp_path: Path,
                                                                       tickets_by_key) -> None:
    # What an earlier version left behind: the row marked `sent` with a body orjson then failed to encode, so
    # no request ever left, and every --resume crashed on it again.
    bad, fixed = _ticket("OLD", 0, companyID=2**70), _ticket("OLD", 0)
    source, journal = tmp_path / "t.json", tmp_path / "job.sqlite"
    with Journal(journal, operation="create", entity="Tickets", key=["externalID"]) as old:
        old.begin([(1, row_hash(bad), ["OLD-0"])])
        old.mark_sent(1, {k: v for k, v in bad.items() if k != "externalID"} | {"externalID": "OLD-0"})
    base = ["bulk", "create", "Tickets", str(source), "--key", "externalID", "--journal", str(journal),
            "--resume", "--reconcile-delay", "0", "--report", str(tmp_path / "r.csv")]

    source.write_text(json.dumps([bad]), encoding="utf-8")
    same = CliRunner().invoke(cli, [*base, "--skip-invalid"])
    assert same.exit_code == 5, same.output
    assert "unexpected" not in same.output
    assert "beyond the 64-bit integer range" in _report(tmp_path / "r.csv")[1]["messages"]

    source.write_text(json.dumps([fixed]), encoding="utf-8")  # the user corrects the row and resumes
    done = CliRunner().invoke(cli, base)
    assert done.exit_code == 0, done.output
    assert _report(tmp_path / "r.csv")[1]["outcome"] == "created"
    assert tickets_by_key("OLD") == {"OLD-0": 1}
    assert _states(journal) == {"done": 1}


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 2**63, -(2**63) - 1])
def test_the_client_refuses_an_unsendable_body_before_sending(sandbox: Sandbox, value: float) -> None:
    with AutotaskClient(base_url="https://sandbox.autotask.local/ATServicesRest/", transport=sandbox.transport(),
                        cache=False, **sandbox.credentials) as client:
        sandbox.control.clear_log()
        body = {"companyID": 0, "title": "x", "status": 1, "priority": 2, "dueDateTime": "2026-03-01T09:00:00Z",
                "estimatedHours": value}
        with pytest.raises(ValidationError, match="estimatedHours: .*(finite number|64-bit integer range)"):
            client.tickets.create(body)
        with pytest.raises(ValueError, match="cannot be sent"):  # a ValidationError is a ValueError too
            client.tickets.update(5, {"estimatedHours": value})
        assert sandbox.control.request_log == []
        assert client.tickets.create({**body, "estimatedHours": 2**63 - 1 if isinstance(value, int) else 1.5}) > 0
