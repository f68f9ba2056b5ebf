"""``POST /_sandbox/delete`` / ``sb.control.delete``: deleting a record the way Autotask's UI does.

Tickets cannot be deleted through the API, yet people delete them in the UI and the deletion logs are the
only trace. The control removes the record with its children and writes the log row an API delete of the
same record writes (docs/sandbox.md, "Deleting like a person").
"""

from __future__ import annotations

import httpx
import orjson
from autotask_sandbox import Sandbox

# An absolute URL: the control plane lives beside /ATServicesRest/, not under it.
CONTROL_DELETE = "https://sandbox.autotask.local/_sandbox/delete"


def _eq(field: str, value: object) -> str:
    return orjson.dumps({"filter": [{"op": "eq", "field": field, "value": value}]}).decode()


def _count(client: httpx.Client, entity: str, field: str, value: object) -> int:
    resp = client.get(f"V1.0/{entity}/query/count", params={"search": _eq(field, value)})
    resp.raise_for_status()
    return int(resp.json()["queryCount"])


def _items(client: httpx.Client, entity: str, field: str, value: object) -> list[dict]:
    resp = client.get(f"V1.0/{entity}/query", params={"search": _eq(field, value)})
    resp.raise_for_status()
    return list(resp.json()["items"])


def _ticket_with_children(client: httpx.Client) -> int:
    """A seeded ticket that has notes, time entries and attachments."""
    attachments = client.get("V1.0/TicketAttachments/query",
                             params={"search": '{"filter":[{"op":"exist","field":"id"}]}'}).json()["items"]
    for attachment in attachments:
        ticket_id = attachment["parentID"] if attachment.get("ticketID") is None else attachment["ticketID"]
        if _count(client, "TicketNotes", "ticketID", ticket_id) and _count(client, "TimeEntries", "ticketID", ticket_id):
            return int(ticket_id)
    raise AssertionError("the seed has no ticket with notes, time entries and attachments")


def test_deleting_a_ticket_logs_it_and_takes_its_notes_time_entries_and_attachments(
    sandbox: Sandbox, sandbox_client: httpx.Client
) -> None:
    ticket_id = _ticket_with_children(sandbox_client)
    ticket = sandbox_client.get(f"V1.0/Tickets/{ticket_id}").json()["item"]
    activity_before = _count(sandbox_client, "DeletedTicketActivityLogs", "ticketID", ticket_id)
    children = {entity: [r["id"] for r in _items(sandbox_client, entity, "ticketID", ticket_id)]
                for entity in ("TicketNotes", "TimeEntries", "TicketAttachments")}
    assert all(children.values())

    resp = sandbox_client.post(CONTROL_DELETE, json={"entity": "Tickets", "id": ticket_id})

    assert resp.status_code == 200, resp.text
    deleted = resp.json()["deleted"]
    assert deleted["Tickets"] == [ticket_id]
    for entity, ids in children.items():
        assert sorted(deleted[entity]) == sorted(ids)
        assert _count(sandbox_client, entity, "ticketID", ticket_id) == 0
    assert sandbox_client.get(f"V1.0/Tickets/{ticket_id}").status_code == 404
    [log] = _items(sandbox_client, "DeletedTicketLogs", "ticketID", ticket_id)
    assert log["ticketNumber"] == ticket["ticketNumber"] and log["ticketTitle"] == ticket["title"]
    assert log["deletedByResourceID"] == sandbox.api_user.resource_id
    assert log["deletedDateTime"][:16] == sandbox.clock.now().strftime("%Y-%m-%dT%H:%M")
    # What goes with the ticket leaves no activity rows of its own: the ticket's log row stands for it.
    assert _count(sandbox_client, "DeletedTicketActivityLogs", "ticketID", ticket_id) == activity_before


def test_deleting_a_note_or_a_task_time_entry_writes_the_activity_log_an_api_delete_writes(
    sandbox: Sandbox, sandbox_client: httpx.Client
) -> None:
    note = sandbox_client.get("V1.0/TicketNotes/query",
                              params={"search": '{"filter":[{"op":"exist","field":"id"}]}'}).json()["items"][0]
    entry = next(r for r in sandbox_client.get(
        "V1.0/TimeEntries/query", params={"search": '{"filter":[{"op":"exist","field":"taskID"}]}'}
    ).json()["items"])

    result = sandbox.control.delete("TicketNotes", note["id"], resource_id=sandbox.readonly_api_user.resource_id)
    assert result == {"deleted": {"TicketNotes": [note["id"]]}}
    sandbox.control.delete("TimeEntries", entry["id"])

    note_log = _items(sandbox_client, "DeletedTicketActivityLogs", "ticketID", note["ticketID"])[-1]
    assert note_log["noteOrAttachmentTitle"] == note["title"]
    assert note_log["deletedByResourceID"] == sandbox.readonly_api_user.resource_id
    task_log = _items(sandbox_client, "DeletedTaskActivityLogs", "taskID", entry["taskID"])[-1]
    assert task_log["hoursWorked"] == entry["hoursWorked"]
    assert task_log["deletedByResourceID"] == sandbox.api_user.resource_id
    assert sandbox_client.get(f"V1.0/TicketNotes/{note['id']}").status_code == 404


def test_deleting_a_company_takes_its_child_route_records(sandbox: Sandbox, sandbox_client: httpx.Client) -> None:
    contact = sandbox_client.get("V1.0/Contacts/query",
                                 params={"search": '{"filter":[{"op":"exist","field":"id"}]}'}).json()["items"][0]
    company_id = contact["companyID"]
    contacts = sorted(r["id"] for r in _items(sandbox_client, "Contacts", "companyID", company_id))

    deleted = sandbox.control.delete("Companies", company_id)["deleted"]

    assert deleted["Companies"] == [company_id] and sorted(deleted["Contacts"]) == contacts
    assert _count(sandbox_client, "Contacts", "companyID", company_id) == 0
    sandbox.control.reset()
    assert _count(sandbox_client, "Contacts", "companyID", company_id) == len(contacts)


def test_bad_delete_requests_answer_400_or_404_and_change_nothing(
    sandbox: Sandbox, sandbox_client: httpx.Client
) -> None:
    before = sandbox_client.get("V1.0/Tickets/query/count",
                                params={"search": '{"filter":[{"op":"exist","field":"id"}]}'}).json()
    for body, status in (
        ({"entity": "Tickets"}, 400),
        ({"entity": "Tickets", "id": "7"}, 400),
        ({"entity": "NoSuchThings", "id": 1}, 400),
        ({"entity": "Tickets", "id": 10**9}, 404),
        ([1, 2], 400),
    ):
        resp = sandbox_client.post(CONTROL_DELETE, json=body)
        assert resp.status_code == status, (body, resp.text)
        assert resp.json()["errors"]
    after = sandbox_client.get("V1.0/Tickets/query/count",
                               params={"search": '{"filter":[{"op":"exist","field":"id"}]}'}).json()
    assert after == before
