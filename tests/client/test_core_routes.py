"""Route and capability decisions from the generated catalogue (no I/O)."""

from __future__ import annotations

import pytest

from py_autotask import AutotaskClient, UnsupportedOperationError
from py_autotask._catalog import entity_names, find_entity, load_zones
from py_autotask._core.routes import EntitySpec, NeedsParent, Route, lookup_key


def test_catalogue_has_every_entity_and_zone() -> None:
    assert len(entity_names()) == 241
    assert len(load_zones()) == 22
    for name in entity_names():
        spec = EntitySpec.load(name)
        assert spec.name == name


def test_every_entity_is_a_typed_client_attribute() -> None:
    client = AutotaskClient(username="u", secret="s", integration_code="c", cache=False,
                            base_url="https://webservices15.autotask.net")
    for name in entity_names():
        attr = find_entity(name)["attr"]
        assert getattr(client, attr) is client.entity(name)


@pytest.mark.parametrize("spelling", ["TicketNotes", "ticketnotes", "ticket_notes", "TICKET_NOTES"])
def test_entity_lookup_accepts_tag_and_attribute_forms(spelling: str) -> None:
    assert EntitySpec.load(spelling).name == "TicketNotes"


def test_unknown_entity_suggests_close_names() -> None:
    with pytest.raises(UnsupportedOperationError, match="did you mean Tickets"):
        EntitySpec.load("Tickts")


def test_root_entity_routes() -> None:
    t = EntitySpec.load("Tickets")
    assert t.query_route("POST") == Route("POST", "Tickets/query")
    assert t.query_route("GET") == Route("GET", "Tickets/query")
    assert t.count_route() == Route("POST", "Tickets/query/count")
    assert t.get_route(7) == Route("GET", "Tickets/7")
    assert t.write_route("create", {"title": "x"}, None) == Route("POST", "Tickets")
    assert t.write_route("update", {"id": 7}, None, 7) == Route("PATCH", "Tickets")
    assert t.write_route("replace", {"id": 7}, None, 7) == Route("PUT", "Tickets")
    assert t.metadata_route("fields") == Route("GET", "Tickets/entityInformation/fields")
    assert t.metadata_route("userDefinedFields") == Route("GET", "Tickets/entityInformation/userDefinedFields")


def test_unsupported_operation_names_what_is_supported() -> None:
    with pytest.raises(UnsupportedOperationError, match=r"Tickets does not support delete.*supports: .*query"):
        EntitySpec.load("Tickets").write_route("delete", None, None, 5)
    with pytest.raises(UnsupportedOperationError, match="Resources does not support create"):
        EntitySpec.load("Resources").write_route("create", {}, None)
    with pytest.raises(UnsupportedOperationError):
        EntitySpec.load("Tickets").children_route(5)


def test_child_writes_go_to_the_parent_route() -> None:
    notes = EntitySpec.load("TicketNotes")
    assert notes.write_route("create", {"ticketID": 42, "title": "t"}, None) == Route(
        "POST", "Tickets/42/Notes", 42
    )
    assert notes.write_route("create", {"TICKETID": "42"}, None).path == "Tickets/42/Notes"
    assert notes.write_route("create", {"title": "t"}, 9) == Route("POST", "Tickets/9/Notes", 9)
    assert notes.write_route("update", {"id": 3, "ticketID": 42}, None, 3).path == "Tickets/42/Notes"
    assert notes.children_route(42) == Route("GET", "Tickets/42/Notes", 42)
    # Reads stay at the root.
    assert notes.query_route("POST").path == "TicketNotes/query"
    assert notes.get_route(3).path == "TicketNotes/3"
    assert notes.get_route(3, parent_id=42).path == "Tickets/42/Notes/3"


def test_child_write_without_parent_needs_a_lookup_or_fails_clearly() -> None:
    notes = EntitySpec.load("TicketNotes")
    assert notes.write_route("update", {"id": 3, "title": "x"}, None, 3) == NeedsParent(3, "ticketID")
    with pytest.raises(UnsupportedOperationError, match="ticketID field or parent_id"):
        notes.write_route("create", {"title": "t"}, None)
    contacts = EntitySpec.load("Contacts")
    assert contacts.write_route("delete", None, 12, 5) == Route("DELETE", "Companies/12/Contacts/5", 12)
    assert contacts.write_route("delete", None, None, 5) == NeedsParent(5, "companyID")
    assert contacts.write_route("create", {"companyID": 12}, None).path == "Companies/12/Contacts"


def test_parent_fields_that_are_not_parent_id() -> None:
    assert EntitySpec.load("ExpenseItems").write_route("create", {"expenseReportID": 4}, None).path == (
        "Expenses/4/Items"
    )
    assert EntitySpec.load("ArticlePlainTextContent").write_route("update", {"id": 8}, None, 8).path == (
        "KnowledgeBaseArticles/8/PlainTextContent"
    )


def test_root_write_preferred_unless_a_parent_is_given() -> None:
    task_notes = EntitySpec.load("TaskNotes")
    assert task_notes.write_route("create", {"taskID": 5}, None).path == "TaskNotes"
    assert task_notes.write_route("create", {"taskID": 5}, 5).path == "Tasks/5/Notes"


def test_special_endpoints_have_no_record_operations() -> None:
    spec = EntitySpec.load("ThresholdApiIntegration")
    assert spec.capabilities() == []
    with pytest.raises(UnsupportedOperationError):
        spec.query_route("POST")


def test_lookup_key_is_case_insensitive() -> None:
    assert lookup_key({"TicketID": 5}, "ticketID") == 5
    assert lookup_key({"ticketID": 5}, "ticketID") == 5
    assert lookup_key({}, "ticketID") is None
