"""Picklist labels in command-line filters (`py-autotask count Tickets "status=Complete"`), over loopback HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from py_autotask._client import AutotaskClient
from py_autotask.cli._common import ExitCode

Run = Callable[..., tuple[int, str, str]]


def test_count_and_query_take_picklist_labels(cli: Run, client: AutotaskClient) -> None:
    complete = client.tickets.value("status", "Complete")
    expected = client.tickets.count(f"status={complete}")
    code, out, _ = cli("count", "Tickets", "status=Complete")
    assert code == 0 and int(out) == expected > 0
    code, out, _ = cli("count", "Tickets", 'status="In Progress" or priority in (High, Critical)')
    assert code == 0 and int(out) == client.tickets.count(
        f"status={client.tickets.value('status', 'In Progress')} or priority in "
        f"({client.tickets.value('priority', 'High')},{client.tickets.value('priority', 'Critical')})"
    )
    code, out, _ = cli("query", "Tickets", "status=complete", "--fields", "id,status", "--format", "json")
    records = json.loads(out)
    assert code == 0 and len(records) == expected and {r["status"] for r in records} == {complete}


def test_unknown_label_is_a_usage_error_listing_the_labels(cli: Run) -> None:
    code, out, err = cli("count", "Tickets", "status=Completed")
    assert code == ExitCode.USAGE and out == ""
    assert "neither a value nor a picklist label" in err and "Complete" in err and "In Progress" in err
    code, _, err = cli("query", "Tickets", "priority=Urgent", "--format", "json")
    assert code == ExitCode.USAGE and "High" in err


def test_export_filter_takes_picklist_labels(cli: Run, client: AutotaskClient, tmp_path: Path) -> None:
    complete = client.tickets.value("status", "Complete")
    expected = {row["id"] for row in client.tickets.query(f"status={complete}", fields=["id"])}
    out_file = tmp_path / "complete.ndjson"
    code, _, err = cli("export", "Tickets", "--filter", "status=Complete", "-o", str(out_file), "--no-progress", "-q")
    assert code == 0, err
    rows = [json.loads(line) for line in out_file.read_text().splitlines()]
    assert {row["id"] for row in rows} == expected and expected
    assert {row["status"] for row in rows} == {complete}


def test_query_labels_match_export_labels(cli: Run, client: AutotaskClient, tmp_path: Path) -> None:
    fields = "id,status,companyID,udf:Root Cause,title"
    code, out, err = cli("query", "Tickets", "priority=High", "--fields", fields, "--labels", "--format", "ndjson")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows and list(rows[0]) == ["id", "status", "status_label", "companyID", "companyID_label",
                                      "udf:Root Cause", "title"]
    assert all(r["status_label"] == client.tickets.label("status", r["status"]) for r in rows)
    names = {c["id"]: c["companyName"] for c in client.companies.query(fields=["companyName"])}
    assert all(r["companyID_label"] == names.get(r["companyID"]) for r in rows)
    # the same columns and values as `export --labels` writes
    code, _, err = cli("export", "Tickets", "--filter", "priority=High", "--fields", fields, "--labels",
                       "-o", str(tmp_path / "t.ndjson"), "--no-progress", "-q")
    assert code == 0, err
    exported = [json.loads(line) for line in (tmp_path / "t.ndjson").read_text().splitlines()]
    assert sorted(rows, key=lambda r: r["id"]) == sorted(exported, key=lambda r: r["id"])

    code, out, _ = cli("query", "Tickets", "priority=High", "--fields", "id,priority", "--labels", "--format", "csv")
    assert code == 0 and out.splitlines()[0] == "id,priority,priority_label"
    assert all(line.endswith(",High") for line in out.splitlines()[1:])


def test_query_fields_are_checked_by_the_library(cli: Run) -> None:
    code, out, err = cli("query", "Tickets", "--fields", "id,titel", "--format", "csv")
    assert code == ExitCode.USAGE and out == "" and "Tickets has no field 'titel'; did you mean title?" in err
    code, out, err = cli("query", "Tickets", "--fields", "id,Root Cause", "--limit", "2", "--format", "csv")
    assert code == 0 and out.splitlines()[0] == "id,udf:Root Cause"  # a bare UDF name, as query(fields=) takes it


def test_export_fields_are_checked_as_query_checks_them(cli: Run, tmp_path: Path) -> None:
    # One check (query.resolve_fields) for both commands: the same refusal, word for word, before any file is
    # made; and the same names accepted (any case, snake_case, a bare UDF name).
    refused = {}
    for names in ("id,titel", "id,udf:Nope", "id,companyName", "id,title,ID"):
        query = cli("query", "Tickets", "--fields", names, "--format", "csv")
        out_file = tmp_path / "refused.csv"
        export = cli("export", "Tickets", "--fields", names, "-o", str(out_file), "--no-progress")
        assert query[0] == export[0] == ExitCode.USAGE and query[1] == export[1] == ""
        assert export[2] == query[2] and export[2].count("\n") == 1, (query, export)
        assert not out_file.exists() and not (tmp_path / ".py-autotask").exists()
        refused[names] = export[2]
    assert refused["id,titel"] == "py-autotask: error: --fields: Tickets has no field 'titel'; did you mean title?\n"

    names = "ID,due_date_time,Root Cause"
    code, out, err = cli("query", "Tickets", "--fields", names, "--limit", "3", "--format", "csv")
    assert code == 0, err
    code, _, err = cli("export", "Tickets", "--fields", names, "-o", str(tmp_path / "t.csv"), "--no-progress", "-q")
    assert code == 0, err
    assert (tmp_path / "t.csv").read_text().splitlines()[0] == out.splitlines()[0] == "id,dueDateTime,udf:Root Cause"
