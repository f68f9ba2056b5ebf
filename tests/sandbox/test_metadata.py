"""Tenant field metadata: capture conventions, overlay rules, picklists, UDFs, entityInformation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from autotask_sandbox.tenant.captures import captured_fields
from autotask_sandbox.tenant.metadata import TenantMetadata

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec"
SANDBOX_SPEC = ROOT / "sandbox" / "src" / "autotask_sandbox" / "spec"
FIELD_KEYS = [
    "name",
    "dataType",
    "length",
    "isRequired",
    "isReadOnly",
    "isQueryable",
    "isReference",
    "referenceEntityType",
    "isPickList",
    "picklistValues",
    "picklistParentValueField",
    "isSupportedWebhookField",
]
PICKLIST_KEYS = ["value", "label", "isDefaultValue", "sortOrder", "parentValue", "isActive", "isSystem"]
UDF_KEYS = [
    "name",
    "label",
    "type",
    "length",
    "description",
    "isRequired",
    "isReadOnly",
    "isQueryable",
    "isReference",
    "referenceEntityType",
    "isPickList",
    "picklistValues",
    "picklistParentValueField",
    "defaultValue",
    "isSupportedWebhookField",
]
WEBHOOK_ENTITIES = {"Companies", "Contacts", "ConfigurationItems", "Tickets", "TicketNotes"}


@pytest.fixture(scope="module")
def meta() -> TenantMetadata:
    return TenantMetadata(seed=1)


@pytest.fixture(scope="module")
def models() -> dict[str, dict]:
    return json.loads((SANDBOX_SPEC / "models.json").read_text())["entities"]


@pytest.mark.parametrize("entity", ["Resources", "TicketWebhooks"])
def test_embedded_captures_equal_the_spec_files(entity: str) -> None:
    captured = json.loads((SPEC / "field-metadata" / f"{entity}.entityInformation.fields.json").read_text())
    assert captured_fields(entity) == captured["fields"]


def test_resources_are_served_verbatim(meta: TenantMetadata) -> None:
    captured = json.loads((SPEC / "field-metadata" / "Resources.entityInformation.fields.json").read_text())
    assert meta.fields("Resources") == captured["fields"]
    assert meta.field("resources", "DEFAULTSERVICEDESKROLEID")["referenceEntityType"] == "Role"
    assert meta.reference_entity("Resources", "defaultServiceDeskRoleID") == "Roles"


def test_entities_are_every_model(meta: TenantMetadata, models: dict[str, dict]) -> None:
    assert meta.entities() == list(models)


def test_fields_follow_model_order(meta: TenantMetadata, models: dict[str, dict]) -> None:
    for entity, model in models.items():
        if entity in ("Resources", "TicketWebhooks"):
            continue
        expected = [name for name, kind in model["fields"].items() if not kind.startswith("array")]
        assert [f["name"] for f in meta.fields(entity)] == expected, entity


def test_every_field_uses_the_capture_conventions(meta: TenantMetadata) -> None:
    for entity in meta.entities():
        for f in meta.fields(entity):
            where = f"{entity}.{f['name']}"
            assert list(f) == FIELD_KEYS, where
            assert f["dataType"] in {
                "string",
                "integer",
                "long",
                "double",
                "decimal",
                "boolean",
                "datetime",
            }, where
            if f["dataType"] != "string":
                assert f["length"] == 0, where
            assert f["isPickList"] == (f["picklistValues"] is not None), where
            assert (f["referenceEntityType"] != "") == f["isReference"], where
            assert isinstance(f["picklistParentValueField"], str), where
            assert not (f["isReference"] and f["isPickList"]), where
            for value in f["picklistValues"] or []:
                assert list(value) == PICKLIST_KEYS, where
                assert isinstance(value["value"], str) and isinstance(value["parentValue"], str), where
            if f["isPickList"]:
                values = [v["value"] for v in f["picklistValues"]]
                assert len(values) == len(set(values)), where
                assert sum(v["isDefaultValue"] for v in f["picklistValues"]) <= 1, where


def test_types_come_from_the_swagger(meta: TenantMetadata) -> None:
    def data_type(entity: str, name: str) -> str:
        return meta.field(entity, name)["dataType"]

    assert data_type("Tickets", "id") == "long"
    assert data_type("Tickets", "companyID") == "integer"
    assert data_type("Tickets", "contractServiceID") == "long"
    assert data_type("Tickets", "createDate") == "datetime"
    assert data_type("Tickets", "estimatedHours") == "double"
    assert data_type("Tickets", "isVisibleToComanaged") == "boolean"
    assert data_type("Companies", "assetValue") == "decimal"
    assert data_type("Roles", "hourlyRate") == "decimal"
    assert data_type("Roles", "hourlyFactor") == "double"
    assert meta.field("Tickets", "title")["length"] == 255
    assert meta.field("Companies", "companyName")["length"] == 100
    assert meta.field("Contacts", "emailAddress")["length"] == 254


@pytest.mark.parametrize(
    ("entity", "required"),
    [
        ("Tickets", {"id", "companyID", "title", "status", "priority", "dueDateTime"}),
        ("Tasks", {"id", "projectID", "title", "status", "taskType"}),
        ("TicketNotes", {"id", "ticketID", "title", "noteType", "publish", "description"}),
        ("Companies", {"id", "companyName", "companyType", "phone", "ownerResourceID"}),
        ("Contacts", {"id", "firstName", "lastName", "companyID", "isActive"}),
        ("TimeEntries", {"id", "resourceID", "dateWorked"}),
        ("Phases", {"id", "projectID", "title"}),
    ],
)
def test_required_fields(meta: TenantMetadata, entity: str, required: set[str]) -> None:
    assert {f["name"] for f in meta.fields(entity) if f["isRequired"]} == required


def test_server_set_fields_are_read_only(meta: TenantMetadata) -> None:
    for entity, names in {
        "Tickets": [
            "id",
            "createDate",
            "lastActivityDate",
            "ticketNumber",
            "creatorResourceID",
            "completedDate",
            "impersonatorCreatorResourceID",
            "lastTrackedModificationDateTime",
        ],
        "TimeEntries": ["createDateTime", "lastModifiedDateTime", "impersonatorUpdaterResourceID"],
        "Contacts": ["createDate", "lastModifiedDate", "impersonatorCreatorResourceID"],
        "Tasks": ["taskNumber", "completedDateTime"],
    }.items():
        for name in names:
            assert meta.field(entity, name)["isReadOnly"], f"{entity}.{name}"
    assert not meta.field("Tickets", "title")["isReadOnly"]
    # an entity without any write route is read-only throughout
    assert all(f["isReadOnly"] for f in meta.fields("DeletedTicketLogs"))


def test_references_use_legacy_names_and_resolve(meta: TenantMetadata) -> None:
    expected = {
        ("Tickets", "companyID"): ("Account", "Companies"),
        ("Tickets", "assignedResourceID"): ("Resource", "Resources"),
        ("Tickets", "assignedResourceRoleID"): ("Role", "Roles"),
        ("Tickets", "contactID"): ("Contact", "Contacts"),
        ("Tickets", "configurationItemID"): ("InstalledProduct", "ConfigurationItems"),
        ("Tickets", "billingCodeID"): ("AllocationCode", "BillingCodes"),
        ("TicketNotes", "ticketID"): ("Ticket", "Tickets"),
        ("Tasks", "phaseID"): ("Phase", "Phases"),
        ("ExpenseItems", "expenseReportID"): ("ExpenseReport", "ExpenseReports"),
    }
    for (entity, name), (legacy, tag) in expected.items():
        assert meta.field(entity, name)["referenceEntityType"] == legacy
        assert meta.reference_entity(entity, name) == tag
    assert meta.reference_entity("Tickets", "status") is None
    for entity in meta.entities():
        for f in meta.fields(entity):
            if f["isReference"]:
                assert meta.reference_entity(entity, f["name"]) in meta.entities(), f"{entity}.{f['name']}"


def test_ticket_picklists_and_dependent_sub_issue_types(meta: TenantMetadata) -> None:
    for name in (
        "status",
        "priority",
        "queueID",
        "issueType",
        "subIssueType",
        "ticketType",
        "source",
        "serviceLevelAgreementID",
        "ticketCategory",
    ):
        assert meta.field("Tickets", name)["isPickList"], name
    status = {v["label"]: v for v in meta.picklist("Tickets", "status")}
    assert status["New"]["value"] == "1" and status["New"]["isSystem"] and status["New"]["isDefaultValue"]
    assert status["Complete"]["value"] == "5"
    assert not status["Awaiting Parts (retired)"]["isActive"]
    sub = meta.field("Tickets", "subIssueType")
    assert sub["picklistParentValueField"] == "issueType"
    issue_values = {v["value"] for v in meta.picklist("Tickets", "issueType")}
    assert all(v["parentValue"] in issue_values for v in sub["picklistValues"])
    for entity, name in [
        ("Companies", "companyType"),
        ("Companies", "classification"),
        ("Projects", "status"),
        ("Projects", "projectType"),
        ("Tasks", "status"),
        ("Tasks", "taskType"),
        ("Tasks", "priorityLabel"),
        ("TicketNotes", "noteType"),
        ("TicketNotes", "publish"),
        ("TimeEntries", "timeEntryType"),
    ]:
        assert meta.field(entity, name)["isPickList"], f"{entity}.{name}"


def test_picklists_have_inactive_and_system_values(meta: TenantMetadata) -> None:
    values = [v for f in meta.fields("Tickets") if f["isPickList"] for v in f["picklistValues"]]
    assert any(not v["isActive"] for v in values)
    assert any(v["isSystem"] for v in values) and any(not v["isSystem"] for v in values)


def test_picklist_ids_are_per_tenant(meta: TenantMetadata) -> None:
    other = TenantMetadata(seed=2)
    assert TenantMetadata(seed=1).fields("Tickets") == meta.fields("Tickets")

    def by_label(tenant: TenantMetadata, name: str) -> dict[str, str]:
        return {v["label"]: v["value"] for v in tenant.picklist("Tickets", name)}

    assert by_label(meta, "status")["Complete"] == by_label(other, "status")["Complete"] == "5"
    assert by_label(meta, "queueID")["Level II Support"] != by_label(other, "queueID")["Level II Support"]


def test_udfs(meta: TenantMetadata, models: dict[str, dict]) -> None:
    for entity, model in models.items():
        udfs = meta.udfs(entity)
        assert bool(udfs) == model["hasUdfs"], entity
        for udf in udfs:
            assert list(udf) == UDF_KEYS
            assert udf["isPickList"] == (udf["picklistValues"] is not None)
            assert udf["isSupportedWebhookField"] == (entity in WEBHOOK_ENTITIES)
    for entity in ("Companies", "Contacts", "Tickets", "Projects"):
        kinds = {(u["type"], u["isPickList"]) for u in meta.udfs(entity)}
        assert ("string", True) in kinds and ("datetime", False) in kinds, entity
        assert any(" " in u["name"] for u in meta.udfs(entity)), entity
    kinds = {
        (u["type"], u["isPickList"])
        for e in ("Companies", "Contacts", "Tickets", "Projects")
        for u in meta.udfs(e)
    }
    assert {("string", False), ("double", False), ("string", True), ("datetime", False)} <= kinds
    ranking = next(u for u in meta.udfs("Companies") if u["name"] == "Customer Ranking")
    assert any(not v["isActive"] for v in ranking["picklistValues"])
    assert meta.udfs("TimeEntries") == []


def test_entity_information_matches_the_route_table(meta: TenantMetadata, models: dict[str, dict]) -> None:
    operations = json.loads((SANDBOX_SPEC / "routes.json").read_text())["operations"]
    actions: dict[str, set[str]] = {}
    for op in operations:
        actions.setdefault(op["entity"], set()).add(op["action"])
    full = {"create": 1, "delete": 1, "query": 1, "update": 1}
    for entity, model in models.items():
        done = actions.get(entity, set())
        info = meta.entity_information(entity, full)
        assert list(info) == [
            "name",
            "canCreate",
            "canDelete",
            "canQuery",
            "canUpdate",
            "userAccessForCreate",
            "userAccessForDelete",
            "userAccessForQuery",
            "userAccessForUpdate",
            "hasUserDefinedFields",
            "supportsWebhookCallouts",
        ]
        assert info["name"] == entity
        assert info["canCreate"] == ("create" in done)
        assert info["canDelete"] == ("delete" in done)
        assert info["canUpdate"] == bool({"update", "replace"} & done)
        assert info["canQuery"] == bool({"queryGet", "queryPost"} & done)
        for kind in ("Create", "Delete", "Query", "Update"):
            assert info["userAccessFor" + kind] == (1 if info["can" + kind] else 0)
        assert info["hasUserDefinedFields"] == model["hasUdfs"]
        assert info["supportsWebhookCallouts"] == (entity in WEBHOOK_ENTITIES)


def test_entity_information_access_levels(meta: TenantMetadata) -> None:
    readonly = meta.entity_information("Tickets", {"create": 0, "delete": 0, "query": 1, "update": 0})
    assert (
        readonly["userAccessForCreate"],
        readonly["userAccessForQuery"],
        readonly["userAccessForUpdate"],
    ) == (0, 1, 0)
    restricted = meta.entity_information("TimeEntries", {"userAccessForQuery": 2, "userAccessForDelete": 1})
    assert restricted["userAccessForQuery"] == 2 and restricted["userAccessForDelete"] == 1
    # Tickets have no DELETE route: delete access is 0 whatever the user's level
    assert meta.entity_information("Tickets", {"delete": 1})["userAccessForDelete"] == 0


def test_lookups_are_case_insensitive(meta: TenantMetadata) -> None:
    assert meta.field("tickets", "COMPANYID")["name"] == "companyID"
    assert meta.field("Tickets", "noSuchField") is None
    with pytest.raises(KeyError):
        meta.fields("NoSuchEntity")
