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
