"""Attachment data comes only from the parent-scoped GET by id, in whatever envelope the tenant sends."""

from __future__ import annotations

import base64

import pytest


@pytest.mark.parametrize("envelope", ["items_list", "items_object", "item"])
def test_parent_scoped_get_returns_the_attachment_with_its_data(api_local, envelope: str) -> None:
    api_local.sandbox.control.reset()
    api_local.sandbox.config.attachment_envelope = envelope
    try:
        ticket_id = api_local.list(lambda c: c.tickets.query(fields=["id"], limit=1))[0]["id"]
        payload = base64.b64encode(b"hello from the sandbox").decode()
        new_id = api_local(lambda c: c.ticket_attachments.create(
            {"attachmentType": "FILE_ATTACHMENT", "fullPath": "hello.txt", "title": "hello",
             "publish": 1, "data": payload}, parent_id=ticket_id))

        root = api_local(lambda c: c.ticket_attachments.get(new_id))
        assert root["id"] == new_id and root["data"] is None  # root reads never carry the bytes

        raw = api_local(lambda c: c.request("GET", f"Tickets/{ticket_id}/Attachments/{new_id}"))
        expected_key = "item" if envelope == "item" else "items"
        assert list(raw) == [expected_key]  # the sandbox really answered in this envelope

        child = api_local(lambda c: c.ticket_attachments.get(new_id, parent_id=ticket_id))
        assert child["id"] == new_id
        assert base64.b64decode(child["data"]) == b"hello from the sandbox"
    finally:
        api_local.sandbox.config.attachment_envelope = "items_list"
