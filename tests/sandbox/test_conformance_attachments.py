"""Attachments: computed fields, data only on the parent-scoped GET, upload limits, the AttachmentInfo index.

docs/autotask-facts.md#limits (limits) and #attachments (data only from ``GET /Tickets/{id}/Attachments/{aid}``);
the envelope of that one GET is a SandboxConfig switch (see ``child_reads.py``).
"""

from __future__ import annotations

import base64

import httpx
import pytest
from autotask_sandbox import Sandbox

ALL = {"filter": [{"op": "gte", "field": "id", "value": 0}]}
INVALID_BASE64 = (
    "The input is not a valid Base-64 string as it contains a non-base 64 character, more than two padding "
    "characters, or an illegal character among the padding characters."
)


def _ticket(client: httpx.Client, auth: dict[str, str]) -> int:
    body = {**ALL, "MaxRecords": 1, "IncludeFields": ["id"]}
    return client.post("V1.0/Tickets/query", headers=auth, json=body).json()["items"][0]["id"]


def _upload(
    client: httpx.Client, auth: dict[str, str], ticket_id: int, payload: bytes, name: str = "notes.txt"
) -> httpx.Response:
    body = {
        "attachmentType": "FILE_ATTACHMENT",
        "fullPath": name,
        "title": name,
        "publish": 1,
        "data": base64.b64encode(payload).decode(),
        # read-only, computed by the server: these values must be ignored
        "fileSize": 1,
        "contentType": "x/fake",
        "parentID": 1,
    }
    return client.post(f"V1.0/Tickets/{ticket_id}/Attachments", headers=auth, json=body)


def _info(client: httpx.Client, auth: dict[str, str], field: str, value: int) -> list[dict]:
    query = {"filter": [{"op": "eq", "field": field, "value": value}]}
    return client.post("V1.0/AttachmentInfo/query", headers=auth, json=query).json()["items"]


def test_upload_gets_server_computed_fields(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    auth = sandbox.headers()
    sandbox.control.clock.freeze()  # reset() restarts it
    ticket_id = _ticket(wire_client, auth)
    created = _upload(wire_client, auth, ticket_id, b"%PDF-1.4 tiny", name="scans/Report.PDF")
    assert created.status_code == 200, created.text
    record = wire_client.get(f"V1.0/TicketAttachments/{created.json()['itemId']}", headers=auth).json()[
        "item"
    ]
    fields = wire_client.get("V1.0/TicketAttachments/entityInformation/fields", headers=auth).json()["fields"]
    ticket_type = next(
        int(v["value"])
        for f in fields
        if f["name"] == "parentType"
        for v in f["picklistValues"]
        if v["label"] == "Ticket"
    )
    assert record["fileSize"] == len(b"%PDF-1.4 tiny")
    assert record["contentType"] == "application/pdf"
    assert (record["parentID"], record["parentType"], record["ticketID"]) == (
        ticket_id,
        ticket_type,
        ticket_id,
    )
    assert record["attachedByResourceID"] == sandbox.api_user.resource_id and record["creatorType"] == 1
    assert record["attachDate"] == sandbox.control.stats()["clock"]
    assert record["data"] is None  # root GET by id: metadata only


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        ("items_list", lambda record: {"items": [record]}),
        ("items_object", lambda record: {"items": record}),
        ("item", lambda record: {"item": record}),
    ],
)
def test_data_only_on_the_parent_scoped_get(
    sandbox: Sandbox, sandbox_client: httpx.Client, monkeypatch: pytest.MonkeyPatch, shape: str, expected
) -> None:
    monkeypatch.setattr(sandbox.config, "attachment_envelope", shape)
    ticket_id = _ticket(sandbox_client, {})
    payload = b"hello from the conformance suite"
    attachment_id = _upload(sandbox_client, {}, ticket_id, payload).json()["itemId"]
    body = sandbox_client.get(f"V1.0/Tickets/{ticket_id}/Attachments/{attachment_id}").json()
    record = body["items"][0] if shape == "items_list" else body.get("items") or body["item"]
    assert body == expected(record)
    assert base64.b64decode(record["data"]) == payload
    # every other read of the same attachment answers "data": null
    root = sandbox_client.get(f"V1.0/TicketAttachments/{attachment_id}").json()["item"]
    query = {"filter": [{"op": "eq", "field": "id", "value": attachment_id}]}
    queried = sandbox_client.post("V1.0/TicketAttachments/query", json=query).json()["items"][0]
    listed = sandbox_client.get(f"V1.0/Tickets/{ticket_id}/Attachments").json()["items"]
    assert root["data"] is None and queried["data"] is None
    assert [a["data"] for a in listed if a["id"] == attachment_id] == [None]
    assert {**root, "data": record["data"]} == record


def test_default_envelope_is_an_items_list(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    auth = sandbox.headers()
    ticket_id = _ticket(wire_client, auth)
    attachment_id = _upload(wire_client, auth, ticket_id, b"x").json()["itemId"]
    body = wire_client.get(f"V1.0/Tickets/{ticket_id}/Attachments/{attachment_id}", headers=auth).json()
    assert list(body) == ["items"] and isinstance(body["items"], list) and body["items"][0]["data"] == "eA=="


def test_invalid_base64_and_missing_data_are_refused(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    auth = sandbox.headers()
    ticket_id = _ticket(wire_client, auth)
    bad = {
        "attachmentType": "FILE_ATTACHMENT",
        "fullPath": "a.txt",
        "title": "a",
        "publish": 1,
        "data": "no!",
    }
    resp = wire_client.post(f"V1.0/Tickets/{ticket_id}/Attachments", headers=auth, json=bad)
    assert resp.status_code == 500 and resp.json() == {"errors": [INVALID_BASE64]}
    missing = {k: v for k, v in bad.items() if k != "data"}
    resp = wire_client.post(f"V1.0/Tickets/{ticket_id}/Attachments", headers=auth, json=missing)
    assert resp.status_code == 500 and resp.json()["errors"] == [
        "Value does not exist for the required field data."
    ]
    # a link needs no data
    link = {"attachmentType": "URL", "fullPath": "https://example.com/kb/1", "title": "KB", "publish": 1}
    assert (
        wire_client.post(f"V1.0/Tickets/{ticket_id}/Attachments", headers=auth, json=link).status_code == 200
    )


def test_size_limits_and_lockout_on_the_sandbox_clock(sandbox: Sandbox, sandbox_client: httpx.Client) -> None:
    ticket_id = _ticket(sandbox_client, {})
    too_big = _upload(sandbox_client, {}, ticket_id, b"\0" * (6 * 1024 * 1024 + 1), name="dump.bin")
    assert too_big.status_code == 500 and "at most 6291456 bytes" in too_big.json()["errors"][0]
    # 10,000,000 bytes within five minutes are accepted; one more byte blocks attachments for five minutes
    for _ in range(2):
        assert _upload(sandbox_client, {}, ticket_id, b"\1" * 5_000_000, name="big.bin").status_code == 200
    over = _upload(sandbox_client, {}, ticket_id, b"!")
    assert over.status_code == 500 and "10000000 bytes" in over.json()["errors"][0]
    sandbox.control.clock.advance(299)
    blocked = _upload(sandbox_client, {}, ticket_id, b"!")
    assert blocked.status_code == 500 and "blocked until" in blocked.json()["errors"][0]
    sandbox.control.clock.advance(2)
    assert _upload(sandbox_client, {}, ticket_id, b"!").status_code == 200


def test_attachment_info_indexes_seeded_created_and_deleted(
    sandbox: Sandbox, wire_client: httpx.Client
) -> None:
    auth = sandbox.headers()
    seeded = wire_client.post("V1.0/TicketAttachments/query", headers=auth, json=ALL).json()["items"]
    assert seeded and any(a["attachmentType"] == "FILE_ATTACHMENT" for a in seeded)
    index = {
        a["id"]: a
        for a in wire_client.post("V1.0/AttachmentInfo/query", headers=auth, json=ALL).json()["items"]
    }
    assert {a["id"] for a in seeded} <= set(index)
    for attachment in seeded:
        assert index[attachment["id"]]["fullPath"] == attachment["fullPath"]
        assert index[attachment["id"]]["parentID"] == attachment["ticketID"]
    ticket_id = _ticket(wire_client, auth)
    first = _upload(wire_client, auth, ticket_id, b"one").json()["itemId"]
    assert [a["id"] for a in _info(wire_client, auth, "parentID", ticket_id) if a["id"] == first] == [first]
    assert first > max(index)  # one id sequence for every attachment
    # a ticket note's attachment is the ticket's too: AttachmentInfo finds it by ticketID
    note = {"title": "Photo", "description": "d", "noteType": 1, "publish": 1}
    note_id = wire_client.post(f"V1.0/Tickets/{ticket_id}/Notes", headers=auth, json=note).json()["itemId"]
    body = {
        "attachmentType": "FILE_ATTACHMENT",
        "fullPath": "photo.png",
        "title": "p",
        "publish": 1,
        "data": "iVBORw==",
    }
    second = wire_client.post(f"V1.0/TicketNotes/{note_id}/Attachments", headers=auth, json=body).json()[
        "itemId"
    ]
    assert second > first
    row = next(a for a in _info(wire_client, auth, "ticketID", ticket_id) if a["id"] == second)
    assert (row["ticketNoteID"], row["parentID"], row["contentType"]) == (note_id, note_id, "image/png")
    # deleting drops the index row
    assert wire_client.delete(f"V1.0/Tickets/{ticket_id}/Attachments/{first}", headers=auth).json() == {
        "itemId": first
    }
    assert wire_client.get(f"V1.0/AttachmentInfo/{first}", headers=auth).status_code == 404
    assert not [a for a in _info(wire_client, auth, "parentID", ticket_id) if a["id"] == first]
