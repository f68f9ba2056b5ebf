"""`client.entity()` takes every spelling a user has: tag, snake_case, URL collection, legacy name."""

from __future__ import annotations

from typing import Any

import pytest

from py_autotask import UnsupportedOperationError
from py_autotask._catalog import find_entity


@pytest.mark.parametrize(("spelling", "entity"), [
    ("TicketNotes", "TicketNotes"), ("ticketnotes", "TicketNotes"), ("ticket_notes", "TicketNotes"),
    ("OrganizationalLevel1", "OrganizationalLevel1"), ("OrganizationalLevel1s", "OrganizationalLevel1"),
    ("organizational_level1s", "OrganizationalLevel1"), ("BusinessDivision", "OrganizationalLevel1"),
    ("Ticket", "Tickets"), ("Account", "Companies"), ("InstalledProduct", "ConfigurationItems"),
    ("Companies", "Companies"),
])
def test_every_spelling_finds_the_entity(spelling: str, entity: str) -> None:
    assert find_entity(spelling)["name"] == entity


def test_client_entity_accepts_the_collection_name(sandbox: Any) -> None:
    from py_autotask import AutotaskClient

    with AutotaskClient(**sandbox.credentials, base_url="https://sandbox.autotask.local",
                        transport=sandbox.transport(), cache=False) as client:
        assert client.entity("OrganizationalLevel1s").name == "OrganizationalLevel1"
        assert client.entity("organizational_level1s").count() == client.entity("OrganizationalLevel1").count()


def test_unknown_names_still_fail_with_suggestions() -> None:
    with pytest.raises(UnsupportedOperationError, match="did you mean"):
        find_entity("Tickts")
