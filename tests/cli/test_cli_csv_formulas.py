"""CSV output of the command line: text that starts like a formula gets a leading `'`, unless --csv-raw."""

from __future__ import annotations

from typing import Any

from py_autotask import AutotaskClient


def test_cli_export_and_query_csv(cli: Any, sandbox_server: Any) -> None:
    with AutotaskClient(**sandbox_server.credentials, base_url=sandbox_server.base_url, cache=False) as live:
        template = live.tickets.query(limit=1).to_list()[0]
        body = {k: template[k] for k in ("companyID", "status", "priority", "queueID", "ticketType", "source",
                                         "issueType") if template.get(k) is not None}
        ticket_id = live.tickets.create({**body, "title": "=1+2", "dueDateTime": "2026-03-01T09:00:00Z"})
    flt = f"id={ticket_id}"
    code, out, err = cli("export", "Tickets", "--filter", flt, "--fields", "id,title", "-o", "-", "-q")
    assert code == 0, err
    assert out.splitlines()[1] == f"{ticket_id},'=1+2"
    code, out, err = cli("export", "Tickets", "--filter", flt, "--fields", "id,title", "-o", "-", "-q", "--csv-raw")
    assert code == 0, err
    assert out.splitlines()[1] == f"{ticket_id},=1+2"
    code, out, err = cli("query", "Tickets", flt, "--fields", "id,title", "--format", "csv")
    assert code == 0, err
    assert out.splitlines()[1] == f"{ticket_id},'=1+2"
    code, out, err = cli("query", "Tickets", flt, "--fields", "id,title", "--format", "csv", "--csv-raw")
    assert code == 0, err
    assert out.splitlines()[1] == f"{ticket_id},=1+2"
    assert "--csv-raw" in cli("export", "--help")[1] and "--csv-raw" in cli("query", "--help")[1]
