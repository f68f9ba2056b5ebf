"""Coercion and validation against the sandbox tenant's real-shaped metadata (TenantMetadata)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from autotask_sandbox.tenant.metadata import TenantMetadata

from py_autotask.bulk.coerce import CoercionError, coerce, comparable
from py_autotask.bulk.readers import InputRow
from py_autotask.bulk.schema import EntitySchema, entity_for_reference
from py_autotask.bulk.validate import RowValidator


@pytest.fixture(scope="module")
def meta() -> TenantMetadata:
    return TenantMetadata(seed=1)


@pytest.fixture(scope="module")
def tickets(meta: TenantMetadata) -> EntitySchema:
    return EntitySchema("Tickets", meta.fields("Tickets"), meta.udfs("Tickets"))


def _valid_ticket(**extra: object) -> dict:
    row = {"companyID": "0", "title": "Printer jam", "status": "New", "priority": "Medium",
           "dueDateTime": "2026-03-01T09:00:00"}
    row.update(extra)
    return row


@pytest.mark.parametrize(
    ("value", "data_type", "expected"),
    [
        ("42", "integer", 42), (" +42 ", "long", 42), ("42.0", "integer", 42), (42.0, "integer", 42),
        ("12.50", "decimal", 12.5), ("7", "double", 7), (3, "double", 3),
        ("Yes", "boolean", True), ("n", "boolean", False), ("0", "boolean", False), (1, "boolean", True),
        ("2026-01-31", "datetime", "2026-01-31T00:00:00Z"),
        ("2026-01-31T09:30", "datetime", "2026-01-31T09:30:00Z"),
        ("2026-01-31T09:30:00.123+02:00", "datetime", "2026-01-31T07:30:00.123Z"),
        (datetime(2026, 1, 31, 9, 30), "datetime", "2026-01-31T09:30:00Z"),
        (date(2026, 1, 31), "datetime", "2026-01-31T00:00:00Z"),
        (1234.0, "string", "1234"), ("  keep spaces ", "string", "  keep spaces "),
    ],
)
def test_coerce_accepts(value: object, data_type: str, expected: object) -> None:
    assert coerce(value, data_type) == expected


@pytest.mark.parametrize(
    ("value", "data_type"),
    [("4,2", "integer"), ("1e3", "integer"), (True, "integer"), (42.5, "integer"), ("nan", "double"),
     ("1,000.5", "decimal"), ("maybe", "boolean"), (2, "boolean"), ("31/01/2026", "datetime"), ({}, "string")],
)
def test_coerce_refuses(value: object, data_type: str) -> None:
    with pytest.raises(CoercionError):
        coerce(value, data_type)


def test_naive_datetimes_can_mean_another_zone() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    assert coerce("2026-07-01T12:00", "datetime", naive_tz=berlin) == "2026-07-01T10:00:00Z"
    assert coerce("2026-07-01T12:00Z", "datetime", naive_tz=berlin) == "2026-07-01T12:00:00Z"
    assert coerce(datetime(2026, 7, 1, 12, tzinfo=timezone.utc), "datetime", naive_tz=berlin) == "2026-07-01T12:00:00Z"


def test_comparable_matches_server_forms() -> None:
    assert comparable("ACME ", "string") == comparable("acme", "string")
    assert comparable("1", "integer") == comparable(1.0, "long")
    assert comparable("2026-01-31T09:30:00.000", "datetime") == comparable("2026-01-31T09:30:00Z", "datetime")
    assert comparable("", "string") is None


def test_valid_create_resolves_labels_and_udfs(tickets: EntitySchema) -> None:
    validator = RowValidator(tickets, "create")
    row = _valid_ticket(status="complete", **{"udf:root cause": "user error", "Customer Impact Score": "7"})
    prepared = validator.validate(InputRow(1, row))
    assert prepared.problems == []
    body = prepared.payload()
    status = tickets.field("status")
    assert body["status"] == int(next(v.value for v in status.picklist if v.label == "Complete"))
    assert body["priority"] == int(next(v.value for v in tickets.field("priority").picklist if v.label == "Medium"))
    assert body["dueDateTime"] == "2026-03-01T09:00:00Z"
    assert {"name": "Root Cause", "value": "User Error"} in body["userDefinedFields"]
    assert {"name": "Customer Impact Score", "value": "7"} in body["userDefinedFields"]


def test_every_problem_of_a_row_is_reported(tickets: EntitySchema) -> None:
    validator = RowValidator(tickets, "create")
    row = {"companyID": "5.5", "title": "x" * 300, "status": "Awaiting Parts (retired)", "priority": "9999",
           "dueDateTime": "yesterday", "colour": "red", "isAssignedToComanaged": "maybe"}
    problems = validator.validate(InputRow(7, row)).problems
    text = "\n".join(problems)
    assert "unknown field 'colour'" in text
    assert "companyID: expected a whole number" in text
    assert "title is 300 characters long; at most 255" in text
    assert "status: 'Awaiting Parts (retired)' is inactive" in text
    assert "priority: '9999' is neither a value nor a label" in text
    assert "dueDateTime: expected an ISO 8601" in text
    assert "isAssignedToComanaged: expected true/false" in text
    assert len(problems) == 7


def test_missing_required_fields(tickets: EntitySchema) -> None:
    problems = RowValidator(tickets, "create").validate(InputRow(1, {"title": "only a title"})).problems
    assert sorted(problems) == sorted(f"{f} is required" for f in ("companyID", "status", "priority", "dueDateTime"))
    # Updates do not need them, but cannot clear them either.
    update = RowValidator(tickets, "update").validate(InputRow(1, {"id": "9", "title": None}))
    assert update.problems == ["title is required and cannot be cleared"]


def test_upsert_defers_required_fields(tickets: EntitySchema) -> None:
    prepared = RowValidator(tickets, "upsert", key=["externalID"]).validate(
        InputRow(1, {"externalID": "X-1", "title": "t"}))
    assert prepared.valid
    assert "status is required" in prepared.missing_required


def test_read_only_columns_dropped_once_or_refused(tickets: EntitySchema) -> None:
    dropping = RowValidator(tickets, "create")
    for n in (1, 2):
        prepared = dropping.validate(InputRow(n, _valid_ticket(createDate="2020-01-01", ticketNumber="T1")))
        assert prepared.valid and "createDate" not in prepared.payload() and "ticketNumber" not in prepared.payload()
    assert set(dropping.notices) == {"createDate", "ticketNumber"}
    refusing = RowValidator(tickets, "create", read_only="refuse")
    assert refusing.validate(InputRow(1, _valid_ticket(createDate="2020-01-01"))).problems == ["createDate is read-only"]


def test_dependent_picklist_checks_parent_value(tickets: EntitySchema) -> None:
    sub = tickets.field("subIssueType")
    issue = tickets.field("issueType")
    entry = sub.picklist[0]
    other_parent = next(v.value for v in issue.picklist if v.value != entry.parent_value)
    validator = RowValidator(tickets, "create")
    good = validator.validate(InputRow(1, _valid_ticket(issueType=entry.parent_value, subIssueType=entry.label)))
    assert good.valid and good.fields["subIssueType"] == int(entry.value)
    bad = validator.validate(InputRow(2, _valid_ticket(issueType=other_parent, subIssueType=entry.value)))
    assert any("does not belong to issueType" in p for p in bad.problems)
    orphan = validator.validate(InputRow(3, _valid_ticket(subIssueType=entry.value)))
    assert any("needs issueType" in p for p in orphan.problems)
    # An update may change the child alone: the record's current parent is the server's to check.
    assert RowValidator(tickets, "update").validate(InputRow(4, {"id": "1", "subIssueType": entry.value})).valid


def test_keys_must_be_present_and_unique(tickets: EntitySchema) -> None:
    validator = RowValidator(tickets, "upsert", key=["externalID", "udf:External Reference"])
    first = validator.validate(InputRow(1, {"externalID": "A", "udf:External Reference": "R1", "title": "t"}))
    assert first.valid and first.key == ("a", "r1")
    assert first.key_wire == {"externalID": "A", "udf:External Reference": "R1"}
    again = validator.validate(InputRow(2, {"externalID": "a ", "External Reference": "r1", "title": "t"}))
    assert again.problems == ["same key as row 1; each key may appear once per job"]
    empty = validator.validate(InputRow(3, {"externalID": "B", "title": "t"}))
    assert empty.problems == ["key field udf:External Reference is empty"]
    with pytest.raises(ValueError, match="not a field or UDF"):
        RowValidator(tickets, "upsert", key=["externalId2"])


def test_update_and_delete_need_an_id_or_key(tickets: EntitySchema) -> None:
    assert RowValidator(tickets, "update").validate(InputRow(1, {"title": "t"})).problems[0].startswith("no id")
    deleting = RowValidator(tickets, "delete").validate(InputRow(1, {"id": "12", "anything": "ignored?"}))
    assert deleting.record_id == 12
    by_key = RowValidator(tickets, "delete", key=["ticketNumber"]).validate(InputRow(1, {"ticketNumber": "T2024.1"}))
    assert by_key.valid and by_key.key_wire == {"ticketNumber": "T2024.1"}


def test_child_entity_parent_column(meta: TenantMetadata) -> None:
    notes = EntitySchema("TicketNotes", meta.fields("TicketNotes"), meta.udfs("TicketNotes"))
    validator = RowValidator(notes, "create", parent_field="ticketID")
    note_type = notes.field("noteType").picklist[0]
    publish = notes.field("publish").picklist[0]
    prepared = validator.validate(InputRow(1, {"ticketID": "41", "title": "t", "description": "d",
                                               "noteType": note_type.label, "publish": publish.label}))
    assert prepared.problems == [] and prepared.parent_id == 41


def test_reference_names_map_to_entities() -> None:
    assert entity_for_reference("Account") == "Companies"
    assert entity_for_reference("InstalledProduct") == "ConfigurationItems"
    assert entity_for_reference("AllocationCode") == "BillingCodes"
    assert entity_for_reference("Resource") == "Resources"
    assert entity_for_reference("") is None
