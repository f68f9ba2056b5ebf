"""Every command against the sandbox over real loopback HTTP, in-process through `main()`: output and exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from py_autotask._client import AutotaskClient
from py_autotask.cli._common import ExitCode


def test_count(cli: Any, client: AutotaskClient) -> None:
    code, out, _ = cli("count", "Tickets", "status=1")
    assert code == 0 and int(out) == client.tickets.count("status=1") > 0


def test_query_streams_csv_when_piped_and_json_when_asked(cli: Any, client: AutotaskClient) -> None:
    code, out, _ = cli("query", "Tickets", "status=1")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == client.tickets.count("status=1")
    assert {"id", "title", "status", "udf:Root Cause"} <= set(rows[0])
    code, out, _ = cli("query", "Companies", "--fields", "id,companyName", "--limit", "5", "--format", "json")
    records = json.loads(out)
    assert code == 0 and len(records) == 5 and all(list(r) == ["id", "companyName"] for r in records)
    code, out, _ = cli("query", "Companies", "--limit", "2", "--format", "ndjson")
    assert code == 0 and len(out.splitlines()) == 2


def test_query_table(cli: Any) -> None:
    code, out, err = cli("query", "Companies", "--format", "table", "--limit", "3")
    assert code == 0 and "companyName" in out and "3 record(s)" in err


def test_inspect_shows_fields_picklists_and_routes(cli: Any) -> None:
    code, out, _ = cli("inspect", "Tickets", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["entity"] == "Tickets" and "query" in doc["capabilities"]
    fields = {f["name"]: f for f in doc["fields"]}
    assert fields["status"]["isPickList"] and fields["companyID"]["isReference"]
    assert any(f.get("picklistParentValueField") for f in doc["fields"])
    assert {c["child"] for c in doc["childRoutes"]} >= {"TicketNotes"}
    code, out, _ = cli("inspect", "TicketNotes", "--format", "text")
    assert code == 0 and "under parent Tickets: /V1.0/Tickets/{parentId}/Notes" in out
    code, out, _ = cli("inspect", "Tickets", "--format", "text")
    assert "depends on" in out and "user-defined fields" in out


def test_entities_lists_and_filters_without_credentials(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUTOTASK_SECRET")
    code, out, _ = cli("entities", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 241
    code, out, _ = cli("entities", "Ticket*", "--can", "create", "--format", "json")
    names = [r["entity"] for r in json.loads(out)]
    assert "Tickets" in names and all(n.startswith("Ticket") for n in names)


def test_connection_test_report(cli: Any) -> None:
    code, out, _ = cli("test")
    assert code == 0
    for text in ("zone", "API version", "authenticated yes", "threshold", "read access", "Tickets: all"):
        assert text in out


def test_export_to_stdout(cli: Any, client: AutotaskClient) -> None:
    code, out, err = cli("export", "Tickets", "-o", "-", "--format", "ndjson", "--filter", "status=1", "-q")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and err == ""
    assert sorted(r["id"] for r in lines) == sorted(t["id"] for t in client.tickets.query("status=1", fields=["id"]))


def test_export_summary_and_files(cli: Any, tmp_path: Path, client: AutotaskClient) -> None:
    code, _, err = cli("export", "Companies,Contacts", "-o", "out", "--format", "csv", "--labels")
    assert code == 0
    assert "Companies" in err and "records" in err and "requests" in err and "threshold" in err
    with (tmp_path / "out" / "Contacts.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == client.contacts.count() and "companyID_label" in rows[0]


# --- one exit code per failure class ---------------------------------------------------------------------


def test_auth_failure_exits_3(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOTASK_SECRET", "wrong")
    code, _, err = cli("count", "Tickets")
    assert code == ExitCode.AUTH
    assert err.count("\n") == 1 and "check the username, secret" in err and "wrong" not in err


def test_api_error_exits_4_with_autotasks_message(cli: Any) -> None:
    code, _, err = cli("count", "Tickets", 'udf:"No Such UDF"=1')
    assert code == ExitCode.API
    assert "Unable to find No Such UDF in the Ticket Entity" in err and "Traceback" not in err
    code, _, err = cli("-v", "count", "Tickets", 'udf:"No Such UDF"=1')
    assert code == ExitCode.API and "Traceback" in err


def test_partial_failure_exits_5(cli: Any) -> None:
    code, _, err = cli("export", "Companies,Tickets", "-o", "out", "--filter", "companyName~a")
    assert code == ExitCode.PARTIAL
    assert "Tickets" in err and "companyName" in err


def test_threshold_exhausted_exits_6(cli: Any, sandbox_server: Any) -> None:
    control = sandbox_server.sandbox.control
    control.set_limits(threshold=control.stats()["hourly_usage"]["current"] + 3)
    code, _, err = cli("export", "TimeEntries", "-o", "out", "--page-size", "100")
    assert code == ExitCode.LIMIT
    assert "--resume" in err


def test_local_file_problem_exits_1(cli: Any) -> None:
    code, _, err = cli("export", "Companies", "-o", "/dev/null/Companies.csv")
    assert code == ExitCode.ERROR
    assert err == "py-autotask: error: cannot write /dev/null/Companies.csv: /dev/null is a file, not a directory\n"


def test_entities_can_create_includes_entities_created_under_a_parent(cli: Any) -> None:
    code, out, err = cli("entities", "--can", "create", "--format", "json")
    rows = {r["entity"]: r for r in json.loads(out)}
    assert code == 0 and {"Tickets", "Contacts", "TicketNotes", "TicketAttachments"} <= set(rows)
    assert rows["TicketNotes"]["parent_only"] == ["create", "replace", "update"] and rows["Tickets"]["parent_only"] == []
    code, out, _ = cli("entities", "--can", "create", "--format", "csv")
    contacts = next(r for r in csv.DictReader(io.StringIO(out)) if r["entity"] == "Contacts")
    assert contacts["create"] == "under parent" and contacts["query"] == "yes"


def test_inspect_names_references_by_todays_entity_names(cli: Any) -> None:
    code, out, _ = cli("inspect", "Contacts", "--format", "text", "--no-picklists")
    assert code == 0 and "→ Companies" in out and "→ Account" not in out
    code, out, _ = cli("inspect", "Contacts", "--format", "json")
    company = next(f for f in json.loads(out)["fields"] if f["name"] == "companyID")
    assert company["referenceEntity"] == "Companies" and company["referenceEntityType"] == "Account"
