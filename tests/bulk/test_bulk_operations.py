"""Upsert, update, delete, child routes, reference checks, metering and the async engine, on the sandbox."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from autotask_sandbox import Sandbox

from py_autotask import AsyncAutotaskClient
from py_autotask._client import AutotaskClient
from py_autotask.bulk import AsyncBulkEngine, BulkEngine
from py_autotask.bulk.metering import Metering


def _writes(sandbox: Sandbox) -> list[tuple[str, str]]:
    return [(e["method"], e["path"]) for e in sandbox.control.request_log
            if e["action"] in ("create", "update", "replace", "delete")]


def test_upsert_by_udf_key_creates_then_skips_then_updates(sandbox: Sandbox, client: AutotaskClient) -> None:
    rows = [{"udf:External Reference": f"CASE-{i}", "companyID": 0, "title": f"Vendor case {i}", "status": "New",
             "priority": "High", "dueDateTime": "2026-05-01", "udf:Root Cause": "vendor issue"} for i in range(12)]
    engine = BulkEngine(client)
    first = Counter(r.outcome for r in engine.upsert("Tickets", rows, key=["udf:External Reference"]))
    assert first == {"created": 12}
    sandbox.control.clear_log()
    second = Counter(r.outcome for r in engine.upsert("Tickets", rows, key=["udf:External Reference"]))
    assert second == {"unchanged": 12} and _writes(sandbox) == []
    rows[3]["status"] = "Complete"
    rows[4]["udf:Root Cause"] = "User Error"
    third = {r.row_number: r for r in engine.upsert("Tickets", rows, key=["udf:External Reference"])}
    assert Counter(r.outcome for r in third.values()) == {"unchanged": 10, "updated": 2}
    patches = [e for e in sandbox.control.request_log if e["action"] == "update"]
    assert len(patches) == 2
    ticket = client.entity("Tickets").get(third[4].id)
    complete = client.entity("Tickets").value("status", "Complete")
    assert ticket["status"] == complete
    udfs = {u["name"]: u["value"] for u in client.entity("Tickets").get(third[5].id)["userDefinedFields"]}
    assert udfs["Root Cause"] == "User Error"


def test_child_entity_rows_go_to_their_parent_route(sandbox: Sandbox, client: AutotaskClient) -> None:
    tickets = client.entity("Tickets").query(limit=2, fields=["id"]).to_list()
    rows = [{"ticketID": t["id"], "title": f"Note {n}", "description": "Called the customer", "noteType": nt,
             "publish": "1"} for n, (t, nt) in enumerate([(tickets[0], 1), (tickets[1], 1), (tickets[0], 1)])]
    rows.append({"title": "orphan", "description": "no ticket", "noteType": 1, "publish": "1"})
    sandbox.control.clear_log()
    results = {r.row_number: r for r in BulkEngine(client).create("TicketNotes", rows)}
    assert Counter(r.outcome for r in results.values()) == {"created": 3, "invalid": 1}, results
    assert results[4].messages == ("ticketID is required",)
    paths = Counter(path for method, path in _writes(sandbox))
    assert paths == {f"/ATServicesRest/V1.0/Tickets/{tickets[0]['id']}/Notes": 2,
                     f"/ATServicesRest/V1.0/Tickets/{tickets[1]['id']}/Notes": 1}


def test_contacts_upsert_update_and_delete_by_key(sandbox: Sandbox, client: AutotaskClient) -> None:
    company = client.entity("Companies").query(limit=1, fields=["id"]).to_list()[0]["id"]
    people = [{"companyID": company, "firstName": f"Ada{i}", "lastName": "Lovelace", "isActive": "1",
               "externalID": f"HR-{i}", "udf:Preferred Contact Method": "email"} for i in range(6)]
    engine = BulkEngine(client)
    assert engine.upsert("Contacts", people, key=["externalID"]).wait().counts == {"created": 6}
    changes = [{"externalID": f"HR-{i}", "lastName": "Byron"} for i in range(3)] + [{"externalID": "HR-99",
                                                                                      "lastName": "Nobody"}]
    updated = {r.row_number: r for r in engine.update("Contacts", changes, key=["externalID"])}
    assert [updated[n].outcome for n in (1, 2, 3, 4)] == ["updated", "updated", "updated", "failed"]
    assert "no Contacts record has externalID='HR-99'" in updated[4].messages[0]
    assert client.entity("Contacts").get(updated[1].id)["lastName"] == "Byron"
    sandbox.control.clear_log()
    gone = Counter(r.outcome for r in engine.delete("Contacts", [{"externalID": f"HR-{i}"} for i in range(6)],
                                                    key=["externalID"]))
    assert gone == {"deleted": 6}
    assert all(path.startswith(f"/ATServicesRest/V1.0/Companies/{company}/Contacts/")
               for method, path in _writes(sandbox))
    left = client.entity("Contacts").query([{"op": "beginsWith", "field": "externalID", "value": "HR-"}]).to_list()
    assert left == []


def test_update_by_id_and_rows_without_changes(client: AutotaskClient) -> None:
    ids = [t["id"] for t in client.entity("Tickets").query(limit=2, fields=["id"]).to_list()]
    rows = [{"id": ids[0], "title": "Renamed by bulk"}, {"id": ids[1]}, {"title": "no id"}]
    results = {r.row_number: r for r in BulkEngine(client).update("Tickets", rows)}
    assert results[1].outcome == "updated" and results[1].id == ids[0]
    assert results[2].outcome == "invalid" and results[2].messages == ("no field to change",)
    assert results[3].outcome == "invalid" and results[3].messages[0].startswith("no id")
    assert client.entity("Tickets").get(ids[0])["title"] == "Renamed by bulk"


def test_reference_checks_are_batched_and_cached(sandbox: Sandbox, client: AutotaskClient, ticket_rows) -> None:
    rows, _ = ticket_rows(30, "REF", invalid_every=0)
    for row in rows[::10]:
        row["companyID"] = 987654
    run = BulkEngine(client).create("Tickets", rows, key=["externalID"], check_references=True, dry_run=True)
    results = {r.row_number: r for r in run}
    assert [n for n, r in results.items() if r.outcome == "invalid"] == [1, 11, 21]
    assert results[1].messages == ("companyID 987654 does not exist in Companies",)
    companies = [e for e in sandbox.control.request_log if e["entity"] == "Companies" and e["action"] == "queryPost"]
    assert len(companies) == 1  # one batched `in` query for both company ids of the chunk


def test_xlsx_input_with_labels_and_timezone(client: AutotaskClient, tmp_path: Path, tickets_by_key) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["externalID", "companyID", "Title", "STATUS", "priority", "dueDateTime"])
    sheet.append(["XL-1", 0, "From Excel", "in progress", "critical", "2026-07-01 12:00"])
    book.save(tmp_path / "in.xlsx")
    results = list(BulkEngine(client).create("Tickets", tmp_path / "in.xlsx", key=["externalID"],
                                             timezone="Europe/Berlin"))
    assert results[0].outcome == "created", results
    ticket = client.entity("Tickets").get(results[0].id)
    assert ticket["dueDateTime"].startswith("2026-07-01T10:00:00")  # 12:00 in Berlin (summer) is 10:00 UTC
    assert ticket["status"] == client.entity("Tickets").value("status", "In Progress")
    assert tickets_by_key("XL") == {"XL-1": 1}


def test_metering_halves_on_429_and_restores(client: AutotaskClient) -> None:
    limiter = client.runtime.limiter
    metering = Metering(client, ["Tickets"])
    assert metering.ceiling == 3 and metering.limits() == {"tickets": 3}
    metering.on_throttled("https://x/ATServicesRest/V1.0/Tickets/query")
    assert limiter.limit_for("tickets") == 1 and metering.throttled == 1
    for _ in range(40):
        metering.on_success("Tickets")
    assert 1 < limiter.limit_for("tickets") <= 3
    metering.restore()
    assert limiter.limit_for("tickets") == 3


@pytest.mark.anyio
async def test_async_engine_exactly_once_with_faults(sandbox: Sandbox, ticket_rows, tickets_by_key,
                                                     tmp_path: Path) -> None:
    rows, invalid = ticket_rows(300, "ASYNC")
    sandbox.control.set_faults({"reset": 0.04, "500": 0.04, "429": 0.02}, seed=9)

    async def no_sleep(seconds: float) -> None:
        return None

    async with AsyncAutotaskClient(**sandbox.credentials, base_url="https://sandbox.autotask.local/ATServicesRest/",
                                   transport=sandbox.async_transport(), cache=False, sleep=no_sleep) as aclient:
        run = AsyncBulkEngine(aclient, sleep=no_sleep).create("Tickets", rows, key=["externalID"], reconcile_delay=0,
                                                              journal=tmp_path / "async.sqlite")
        results = [r async for r in run]
    stats = sandbox.control.stats()
    sandbox.control.set_faults({})
    outcomes = Counter(r.outcome for r in results)
    assert outcomes["invalid"] == len(invalid) and outcomes["created"] + outcomes["reconciled"] == 300 - len(invalid)
    assert stats["thread_limit_rejections"] == 0
    counts = tickets_by_key("ASYNC")
    assert len(counts) == 300 - len(invalid) and set(counts.values()) == {1}
