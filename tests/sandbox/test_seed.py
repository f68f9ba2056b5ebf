"""Seed data: determinism, referential integrity, picklist/UDF consistency, time sanity, proportions."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from autotask_sandbox.seed.build import DEFAULT_NOW, LazyTable, generate
from autotask_sandbox.tenant.metadata import TenantMetadata

TICKETS = 1500
DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?$")
CREATE_FIELDS = ("createDate", "createDateTime", "createdTime")
ACTIVITY_FIELDS = (
    "lastActivityDate",
    "lastActivityDateTime",
    "lastModifiedDate",
    "lastModifiedDateTime",
    "lastModifiedTime",
    "lastTrackedModificationDateTime",
    "lastTrackedModifiedDateTime",
    "updateDateTime",
    "lastActivity",
)
# Foreign keys that deliberately point at rows that no longer exist.
DANGLING = {("DeletedTicketLogs", "ticketID")}


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def meta() -> TenantMetadata:
    return TenantMetadata(seed=7)


@pytest.fixture(scope="module")
def seeded(meta: TenantMetadata):
    return generate(meta, seed=7, tickets=TICKETS)


@pytest.fixture(scope="module")
def tables(seeded) -> dict[str, list[dict]]:
    return {name: list(rows) for name, rows in seeded.tables.items()}


@pytest.fixture(scope="module")
def by_id(tables) -> dict[str, dict[int, dict]]:
    return {name: {r["id"]: r for r in rows} for name, rows in tables.items()}


def dump(tables: dict) -> str:
    return json.dumps({name: list(rows) for name, rows in tables.items()}, sort_keys=False)


def test_same_seed_gives_byte_identical_records(meta: TenantMetadata, tables) -> None:
    again = generate(TenantMetadata(seed=7), seed=7, tickets=TICKETS)
    # read in the opposite order: tables must not depend on each other's consumption
    reversed_order = {name: list(again.tables[name]) for name in reversed(list(again.tables))}
    assert dump({name: reversed_order[name] for name in tables}) == dump(tables)
    other = generate(meta, seed=8, tickets=TICKETS)
    assert dump(other.tables) != dump(tables)


def test_lazy_tables_are_re_iterable(seeded, tables) -> None:
    lazy = seeded.tables["TicketNotes"]
    assert isinstance(lazy, LazyTable)
    assert list(lazy) == tables["TicketNotes"]


def test_records_only_use_model_fields_with_matching_types(meta: TenantMetadata, tables) -> None:
    python_types = {
        "integer": int,
        "long": int,
        "boolean": bool,
        "double": float,
        "decimal": float,
        "string": str,
        "datetime": str,
    }
    for entity, rows in tables.items():
        fields = {f["name"]: f for f in meta.fields(entity)}
        for row in rows:
            for name, value in row.items():
                if name == "userDefinedFields":
                    assert meta.has_udfs(entity), entity
                    continue
                assert name in fields, f"{entity}.{name}"
                if value is None:
                    continue
                field = fields[name]
                expected = python_types[field["dataType"]]
                assert type(value) is expected, f"{entity}.{name}={value!r}"
                if field["dataType"] == "datetime":
                    assert DATETIME.match(value), f"{entity}.{name}={value!r}"
                if field["dataType"] == "string" and field["length"]:
                    assert len(value) <= field["length"], f"{entity}.{name}"


def test_required_fields_are_filled(meta: TenantMetadata, tables) -> None:
    for entity, rows in tables.items():
        required = [f["name"] for f in meta.fields(entity) if f["isRequired"]]
        for row in rows:
            missing = [name for name in required if row.get(name) is None]
            assert not missing, f"{entity} {row['id']} lacks {missing}"


def test_ids_are_unique_ascending_and_realistic(tables) -> None:
    for entity, rows in tables.items():
        ids = [r["id"] for r in rows]
        assert ids == sorted(set(ids)), entity
    assert tables["Companies"][0]["id"] == 0
    assert tables["Companies"][0]["companyName"] == "Sandbox MSP Pty Ltd"
    starts = {tables[e][0]["id"] for e in ("Tickets", "Contacts", "Resources", "TicketNotes", "TimeEntries")}
    assert len(starts) == 5 and min(starts) >= 10_000


def unresolved_references(meta: TenantMetadata, tables: dict[str, list[dict]]) -> tuple[list[str], Counter]:
    """Every (entity, id, field) whose reference does not resolve, and how many resolved per target."""
    by_id = {name: {r["id"] for r in rows} for name, rows in tables.items()}
    problems, checked = [], Counter()
    for entity, rows in tables.items():
        references = {
            f["name"]: meta.reference_entity(entity, f["name"])
            for f in meta.fields(entity)
            if f["isReference"]
        }
        for row in rows:
            for name, target in references.items():
                value = row.get(name)
                if value is None or (entity, name) in DANGLING:
                    continue
                if value not in by_id.get(target, ()):
                    problems.append(f"{entity} {row['id']}: {name}={value} not in {target}")
                checked[target] += 1
    return problems, checked


def test_every_reference_resolves(meta: TenantMetadata, tables, by_id) -> None:
    problems, checked = unresolved_references(meta, tables)
    assert not problems, problems[:10]
    assert checked["Companies"] and checked["Resources"] and checked["Tickets"] and checked["Roles"]
    deleted = {r["ticketID"] for r in tables["DeletedTicketLogs"]}
    assert deleted and not deleted & set(by_id["Tickets"])


@pytest.mark.parametrize("count", [1, 5, 30])
def test_tiny_tenants_are_consistent(meta: TenantMetadata, count: int) -> None:
    tables = {name: list(rows) for name, rows in generate(meta, seed=count, tickets=count).tables.items()}
    assert len(tables["Tickets"]) == count
    assert unresolved_references(meta, tables)[0] == []


def test_picklist_values_exist_and_inactive_ones_are_old(meta: TenantMetadata, seeded, tables) -> None:
    cutoff = seeded.now - timedelta(days=400)
    inactive_seen = 0
    for entity, rows in tables.items():
        picklists = {
            f["name"]: {v["value"]: v for v in f["picklistValues"]}
            for f in meta.fields(entity)
            if f["isPickList"]
        }
        for row in rows:
            for name, values in picklists.items():
                value = row.get(name)
                if value is None:
                    continue
                assert str(value) in values, f"{entity} {row['id']}: {name}={value!r}"
                if not values[str(value)]["isActive"]:
                    inactive_seen += 1
                    created = next((row[f] for f in CREATE_FIELDS if row.get(f)), None)
                    if created is not None:
                        assert parse(created) < cutoff, f"{entity} {row['id']}: recent {name}={value}"
    assert inactive_seen, "old records should still carry some retired values"


def test_sub_issue_type_matches_its_issue_type(meta: TenantMetadata, tables) -> None:
    parent = {v["value"]: v["parentValue"] for v in meta.picklist("Tickets", "subIssueType")}
    rows = [t for t in tables["Tickets"] if t.get("subIssueType") is not None]
    assert len(rows) > TICKETS // 2
    for ticket in rows:
        assert parent[str(ticket["subIssueType"])] == str(ticket["issueType"]), ticket["id"]


def test_udf_values_match_the_definitions(meta: TenantMetadata, tables) -> None:
    for entity, rows in tables.items():
        udfs = {u["name"]: u for u in meta.udfs(entity)}
        if not udfs:
            assert all("userDefinedFields" not in r for r in rows), entity
            continue
        filled = Counter()
        for row in rows:
            assert [u["name"] for u in row["userDefinedFields"]] == list(udfs), entity
            for item in row["userDefinedFields"]:
                value, udf = item["value"], udfs[item["name"]]
                if value is None:
                    continue
                filled[item["name"]] += 1
                assert isinstance(value, str)
                if udf["isPickList"]:
                    assert value in {v["value"] for v in udf["picklistValues"]}, (entity, item)
                elif udf["type"] == "double":
                    float(value)
                elif udf["type"] == "datetime":
                    assert DATETIME.match(value), (entity, item)
                else:
                    assert len(value) <= udf["length"], (entity, item)
        assert filled, entity
    for entity in ("Companies", "Contacts", "Tickets", "Projects"):
        assert meta.udfs(entity) and tables[entity]


def test_times_are_consistent(seeded, tables, by_id) -> None:
    now, start = seeded.now, seeded.now - timedelta(days=3 * 365)
    for entity, rows in tables.items():
        for row in rows:
            created = next((row[f] for f in CREATE_FIELDS if row.get(f)), None)
            if created is None:
                continue
            assert parse(created) <= now, (entity, row["id"])
            for name in ACTIVITY_FIELDS:
                if row.get(name):
                    assert row[name] >= created, (entity, row["id"], name)
    ticket_times = [parse(t["createDate"]) for t in tables["Tickets"]]
    assert min(ticket_times) >= start and max(ticket_times) <= now
    assert max(ticket_times) - min(ticket_times) > timedelta(days=900)
    for note in tables["TicketNotes"]:
        ticket = by_id["Tickets"][note["ticketID"]]
        assert ticket["createDate"] <= note["createDateTime"] <= ticket["lastActivityDate"], note["id"]
    for entry in tables["TimeEntries"]:
        if "ticketID" in entry:
            assert entry["startDateTime"] >= by_id["Tickets"][entry["ticketID"]]["createDate"], entry["id"]
        assert entry["startDateTime"] < entry["endDateTime"] <= entry["createDateTime"]
        assert entry["dateWorked"] == entry["startDateTime"][:10] + "T00:00:00"
    for ticket in tables["Tickets"]:
        if "contactID" in ticket:
            assert by_id["Contacts"][ticket["contactID"]]["createDate"] <= ticket["createDate"]
        if "contractID" in ticket:
            contract = by_id["Contracts"][ticket["contractID"]]
            assert contract["startDate"][:10] <= ticket["createDate"][:10] <= contract["endDate"][:10]
        if ticket.get("completedDate"):
            assert ticket["completedDate"] >= ticket["createDate"]


def test_ticket_numbers(tables) -> None:
    seen = set()
    for ticket in tables["Tickets"]:
        number = ticket["ticketNumber"]
        assert re.fullmatch(r"T\d{8}\.\d{4}", number)
        assert number[1:9] == ticket["createDate"][:10].replace("-", "")
        seen.add(number)
    assert len(seen) == len(tables["Tickets"])
    tasks = [t["taskNumber"] for t in tables["Tasks"]]
    assert len(set(tasks)) == len(tasks)
    assert all(re.fullmatch(r"P\d{8}\.\d{4}", p["projectNumber"]) for p in tables["Projects"])


def test_roles_and_departments_are_consistent(tables, by_id) -> None:
    holds = {(r["resourceID"], r["roleID"]) for r in tables["ResourceRoleDepartments"]}
    for resource in tables["Resources"]:
        if resource.get("defaultServiceDeskRoleID"):
            assert (resource["id"], resource["defaultServiceDeskRoleID"]) in holds
    for entity, who, role in (
        ("Tickets", "assignedResourceID", "assignedResourceRoleID"),
        ("Tasks", "assignedResourceID", "assignedResourceRoleID"),
        ("TimeEntries", "resourceID", "roleID"),
    ):
        for row in tables[entity]:
            if row.get(who) is not None:
                assert (row[who], row[role]) in holds, (entity, row["id"])
    for rrd in tables["ResourceRoleDepartments"]:
        assert rrd["departmentID"] in by_id["Departments"]


def test_proportions(tables) -> None:
    n = len(tables["Tickets"])
    assert n == TICKETS  # deleted tickets come on top and live only in DeletedTicketLogs
    assert 2.5 <= len(tables["TicketNotes"]) / n <= 3.6
    assert 1.6 <= len(tables["TimeEntries"]) / n <= 2.4
    assert len(tables["Companies"]) == TICKETS // 20
    assert 3 <= len(tables["Contacts"]) / len(tables["Companies"]) <= 7
    assert len(tables["Projects"]) == TICKETS // 100
    assert len(tables["Invoices"]) == TICKETS // 10
    for entity in (
        "DeletedTicketLogs",
        "DeletedTicketActivityLogs",
        "DeletedTaskActivityLogs",
        "Surveys",
        "SurveyResults",
        "ServiceLevelAgreementResults",
        "Quotes",
        "QuoteItems",
        "ExpenseItems",
        "ConfigurationItemTypes",
        "ContractServices",
        "Appointments",
        "Opportunities",
        "Phases",
        "TimeOffRequests",
        "UserDefinedFieldDefinitions",
        "UserDefinedFieldListItems",
    ):
        assert tables[entity], entity
    bigger = generate(TenantMetadata(seed=7), seed=7, tickets=3 * TICKETS)
    assert sum(1 for _ in bigger.tables["Companies"]) == 3 * TICKETS // 20


def test_staff_includes_former_employees(tables) -> None:
    people = [r for r in tables["Resources"] if r["licenseType"] != 7]
    assert any(not r["isActive"] for r in people) and sum(r["isActive"] for r in people) >= 6
    small = generate(TenantMetadata(seed=7), seed=3, tickets=10)
    assert any(not r["isActive"] for r in small.tables["Resources"])


def test_api_users(seeded, by_id) -> None:
    users = seeded.api_users
    assert sorted(u.access for u in users) == ["full", "readonly"]
    for user in users:
        assert re.fullmatch(r"[A-Z0-9]{27}", user.integration_code)
        assert len(user.secret) >= 20 and user.secret not in repr(user)
        assert "@" in user.username
        resource = by_id["Resources"][user.resource_id]
        assert resource["email"] == user.username and resource["isActive"]
        assert resource["licenseType"] == 7  # "API User" in the captured picklist
    again = generate(TenantMetadata(seed=7), seed=7, tickets=10).api_users
    assert [(u.secret, u.integration_code) for u in again] == [(u.secret, u.integration_code) for u in users]
    other = generate(TenantMetadata(seed=7), seed=8, tickets=10).api_users
    assert other[0].secret != users[0].secret


def test_clock_defaults_and_custom_now(meta: TenantMetadata) -> None:
    assert generate(meta, tickets=5).now == DEFAULT_NOW
    custom = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
    result = generate(meta, tickets=50, now=custom)
    assert result.now == custom
    assert max(t["createDate"] for t in result.tables["Tickets"]) <= "2025-03-01T12:00:00.000"
