"""Writes against the sandbox: root and child routes, PATCH vs PUT, delete, impersonation, UDFs."""

from __future__ import annotations

import pytest

from py_autotask import F, UnsupportedOperationError, set_udf, udf

from .conftest import Api


def writes(api: Api) -> list[tuple[str, str]]:
    return [(e["method"], e["path"]) for e in api.sandbox.control.request_log if e["method"] != "GET"
            and not e["path"].endswith(("/query", "/query/count"))]


def a_ticket(api: Api) -> dict:
    return api.list(lambda c: c.tickets.query(limit=1))[0]


def new_note(ticket_id: int, title: str = "Called the customer") -> dict:
    return {"ticketID": ticket_id, "title": title, "description": "Left a voicemail.", "noteType": 1,
            "publish": 1}


def test_child_create_update_replace_go_to_the_parent_route(api_local: Api) -> None:
    ticket_id = a_ticket(api_local)["id"]
    note_id = api_local(lambda c: c.ticket_notes.create(new_note(ticket_id)))
    assert isinstance(note_id, int)
    assert writes(api_local)[-1] == ("POST", f"/ATServicesRest/V1.0/Tickets/{ticket_id}/Notes")
    stored = api_local(lambda c: c.ticket_notes.get(note_id))
    assert stored["title"] == "Called the customer" and stored["ticketID"] == ticket_id

    # PATCH with only the id: the parent is found with one GET of the note.
    assert api_local(lambda c: c.ticket_notes.update(note_id, {"title": "Called again"})) == note_id
    assert writes(api_local)[-1] == ("PATCH", f"/ATServicesRest/V1.0/Tickets/{ticket_id}/Notes")
    assert api_local(lambda c: c.ticket_notes.get(note_id))["title"] == "Called again"

    # PUT the full record back with a change.
    record = dict(api_local(lambda c: c.ticket_notes.get(note_id)), description="Spoke to Ann.")
    assert api_local(lambda c: c.ticket_notes.replace(record)) == note_id
    assert writes(api_local)[-1] == ("PUT", f"/ATServicesRest/V1.0/Tickets/{ticket_id}/Notes")
    after = api_local(lambda c: c.ticket_notes.get(note_id))
    assert after["description"] == "Spoke to Ann." and after["title"] == "Called again"


def test_child_create_with_explicit_parent_id(api_local: Api) -> None:
    ticket_id = a_ticket(api_local)["id"]
    body = new_note(ticket_id)
    del body["ticketID"]
    note_id = api_local(lambda c: c.ticket_notes.create(body, parent_id=ticket_id))
    assert api_local(lambda c: c.ticket_notes.get(note_id))["ticketID"] == ticket_id


def test_child_delete_finds_its_parent(api_local: Api) -> None:
    company_id = api_local.list(lambda c: c.companies.query(limit=1))[0]["id"]
    contact = {"companyID": company_id, "firstName": "Ada", "lastName": "Lovelace", "isActive": 1,
               "emailAddress": "ada@example.com"}
    contact_id = api_local(lambda c: c.contacts.create(contact))
    assert writes(api_local)[-1] == ("POST", f"/ATServicesRest/V1.0/Companies/{company_id}/Contacts")
    assert api_local(lambda c: c.contacts.delete(contact_id)) == contact_id
    assert writes(api_local)[-1] == ("DELETE", f"/ATServicesRest/V1.0/Companies/{company_id}/Contacts/{contact_id}")
    assert api_local(lambda c: c.contacts.get(contact_id)) is None


def test_root_update_patch_keeps_other_fields(api_local: Api) -> None:
    ticket = a_ticket(api_local)
    assert api_local(lambda c: c.tickets.update(ticket["id"], {"title": "Printer on fire"})) == ticket["id"]
    assert writes(api_local)[-1] == ("PATCH", "/ATServicesRest/V1.0/Tickets")
    after = api_local(lambda c: c.tickets.get(ticket["id"]))
    assert after["title"] == "Printer on fire" and after["status"] == ticket["status"]
    # update(record) form: the id travels in the body
    assert api_local(lambda c: c.tickets.update({"id": ticket["id"], "title": "Fixed"})) == ticket["id"]
    assert api_local(lambda c: c.tickets.get(ticket["id"]))["title"] == "Fixed"


def test_create_and_delete_at_the_root(api_local: Api) -> None:
    # Copy who/what from an existing ticket time entry, so the new one passes the tenant's rules.
    model = api_local.list(lambda c: c.time_entries.query(F.ticket_id.exists(), limit=1))[0]
    entry = {k: model[k] for k in ("ticketID", "resourceID", "roleID", "billingCodeID") if model.get(k)}
    entry.update({"dateWorked": "2024-01-31T00:00:00", "hoursWorked": 1.5, "summaryNotes": "Replaced toner",
                  "startDateTime": "2024-01-31T09:00:00", "endDateTime": "2024-01-31T10:30:00"})
    before = api_local(lambda c: c.time_entries.count())
    entry_id = api_local(lambda c: c.time_entries.create(entry))
    assert writes(api_local)[-1] == ("POST", "/ATServicesRest/V1.0/TimeEntries")
    assert api_local(lambda c: c.time_entries.count()) == before + 1
    assert api_local(lambda c: c.time_entries.delete(entry_id)) == entry_id
    assert writes(api_local)[-1] == ("DELETE", f"/ATServicesRest/V1.0/TimeEntries/{entry_id}")
    assert api_local(lambda c: c.time_entries.get(entry_id)) is None


def test_unsupported_operations_send_nothing(api_local: Api) -> None:
    with pytest.raises(UnsupportedOperationError, match="Tickets does not support delete"):
        api_local(lambda c: c.tickets.delete(1))
    with pytest.raises(UnsupportedOperationError, match="ticketID"):
        api_local(lambda c: c.ticket_notes.create({"title": "orphan"}))
    with pytest.raises(UnsupportedOperationError):
        api_local.client.entity("ThresholdApiIntegration").query()
    assert api_local.sandbox.control.request_log == []


def test_impersonated_write_records_both_resources(api_local: Api) -> None:
    ticket_id = a_ticket(api_local)["id"]
    resources = api_local.list(lambda c: c.resources.query(F.is_active == True, limit=5))  # noqa: E712
    other = resources[-1]["id"]
    note_id = api_local(lambda c: c.ticket_notes.create(new_note(ticket_id), impersonate=other))
    note = api_local(lambda c: c.ticket_notes.get(note_id))
    assert note["creatorResourceID"] == other
    assert note["impersonatorCreatorResourceID"] not in (None, other)
    # The client-wide default works the same way.
    imp = api_local.make(impersonation_resource_id=other)
    try:
        note2 = imp(lambda c: c.ticket_notes.create(new_note(ticket_id)))
        assert api_local(lambda c: c.ticket_notes.get(note2))["creatorResourceID"] == other
    finally:
        imp.close()


def test_udf_read_and_write_by_name(api_local: Api) -> None:
    definitions = api_local(lambda c: c.companies.udfs())
    text_udf = next(d for d in definitions if not d.get("isPickList") and d.get("type") in ("string", "String", 1, None)
                    and not d.get("isReadOnly"))
    company = api_local.list(lambda c: c.companies.query(limit=1))[0]
    changes = set_udf({}, text_udf["name"], "Gold")
    api_local(lambda c: c.companies.update(company["id"], changes))
    after = api_local(lambda c: c.companies.get(company["id"]))
    assert udf(after, text_udf["name"]) == "Gold"
    assert udf(after, text_udf["name"].upper()) == "Gold"
