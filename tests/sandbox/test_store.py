"""The sandbox store's writes: server-set fields, validation messages, PATCH vs PUT, deletes, child routes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from autotask_sandbox.backend.store import Actor, Store
from autotask_sandbox.seed.build import generate
from autotask_sandbox.tenant.metadata import TenantMetadata
from autotask_sandbox.wire.errors import ApiError

NOW = datetime(2024, 1, 31, 15, 4, 5, 307000, tzinfo=timezone.utc)
NOW_WIRE = "2024-01-31T15:04:05.307"
UPDATE_TRAILER = "Error updating entity for record number [1]."


class Clock:
    """A clock the tests move by hand."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def meta() -> TenantMetadata:
    return TenantMetadata(seed=1)


@pytest.fixture(scope="module")
def seed_tables(meta: TenantMetadata) -> dict[str, list[dict]]:
    result = generate(meta, seed=1, tickets=200, now=NOW - timedelta(days=1))
    return {entity: list(records) for entity, records in result.tables.items()}


@pytest.fixture
def clock() -> Clock:
    return Clock()


def build(meta: TenantMetadata, tables: dict, clock: Clock, **options) -> Store:
    store = Store(meta, clock, **options)
    store.load(tables)
    return store


@pytest.fixture
def store(meta: TenantMetadata, seed_tables: dict, clock: Clock) -> Store:
    return build(meta, seed_tables, clock)


def first(store: Store, entity: str, *conditions: dict) -> dict:
    page = store.query(entity, {"filter": [{"op": "exist", "field": "id"}, *conditions], "MaxRecords": 1})
    assert page.items, f"the seed has no {entity} matching {conditions}"
    return page.items[0]


def eq(field: str, value) -> dict:
    return {"op": "eq", "field": field, "value": value}


def errors_of(call, *args, **kwargs) -> list[str]:
    with pytest.raises(ApiError) as caught:
        call(*args, **kwargs)
    assert caught.value.status == 500
    return caught.value.errors


@pytest.fixture
def actor(store: Store) -> Actor:
    return Actor(first(store, "Resources", eq("isActive", True))["id"])


@pytest.fixture
def ticket_body(store: Store) -> dict:
    company = first(store, "Companies", eq("isActive", True))
    return {"companyID": company["id"], "title": "Cannot print", "status": 1, "priority": 2,
            "dueDateTime": "2024-02-02T17:00:00Z"}  # fmt: skip


# -------------------------------------------------------------------------------------------- create
def test_create_assigns_ids_above_the_max_and_sets_server_fields(
    store: Store, actor: Actor, ticket_body
) -> None:
    highest = max(r["id"] for r in store.query("Tickets", {"filter": [{"op": "exist", "field": "id"}]}).items)
    new_id = store.create("Tickets", {**ticket_body, "id": 5, "ticketNumber": "mine"}, actor=actor)
    assert new_id > highest
    record = store.get("Tickets", new_id)
    assert record["createDate"] == NOW_WIRE
    assert record["lastActivityDate"] == NOW_WIRE
    assert record["lastTrackedModificationDateTime"] == NOW_WIRE
    assert record["creatorResourceID"] == actor.resource_id
    assert record["lastActivityResourceID"] == actor.resource_id
    assert record["impersonatorCreatorResourceID"] is None
    assert record["ticketNumber"].startswith("T20240131.")
    assert record["dueDateTime"] == "2024-02-02T17:00:00.000"
    errors_of(store.create, "Tickets", {**ticket_body, "priority": 99}, actor=actor)  # burns no id or number
    second = store.create("Tickets", ticket_body, actor=actor)
    assert second == new_id + 1
    day_numbers = [store.get("Tickets", i)["ticketNumber"] for i in (new_id, second)]
    assert int(day_numbers[1].split(".")[1]) == int(day_numbers[0].split(".")[1]) + 1


def test_ticket_numbers_continue_the_seeded_sequence_of_the_day(
    store: Store, actor: Actor, ticket_body
) -> None:
    numbers = [
        r["ticketNumber"]
        for r in store.query(
            "Tickets", {"filter": [{"op": "beginsWith", "field": "ticketNumber", "value": "T2024"}]}
        ).items
    ]
    created = store.get("Tickets", store.create("Tickets", ticket_body, actor=actor))["ticketNumber"]
    same_day = [int(n.split(".")[1]) for n in numbers if n.startswith("T20240131.")]
    assert created == f"T20240131.{max(same_day, default=0) + 1:04d}"


def test_impersonated_writes_record_both_resources(store: Store, actor: Actor, ticket_body) -> None:
    api_user = first(
        store, "Resources", eq("isActive", True), {"op": "noteq", "field": "id", "value": actor.resource_id}
    )
    impersonated = Actor(actor.resource_id, impersonator_id=api_user["id"])
    new_id = store.create("Tickets", ticket_body, actor=impersonated)
    record = store.get("Tickets", new_id)
    assert record["creatorResourceID"] == actor.resource_id
    assert record["impersonatorCreatorResourceID"] == api_user["id"]
    note = store.create(
        "TicketNotes",
        {"title": "n", "description": "d", "noteType": 1, "publish": 1},
        actor=impersonated,
        parent=("ticketID", new_id),
    )
    store.update(
        "TicketNotes", {"id": note, "description": "e"}, actor=impersonated, parent=("ticketID", new_id)
    )
    assert store.get("TicketNotes", note)["impersonatorUpdaterResourceID"] == api_user["id"]
    store.update("TicketNotes", {"id": note, "description": "f"}, actor=actor, parent=("ticketID", new_id))
    assert store.get("TicketNotes", note)["impersonatorUpdaterResourceID"] is None


def test_body_names_are_case_insensitive_and_strings_are_coerced(
    store: Store, actor: Actor, ticket_body
) -> None:
    body = {"CompanyID": str(ticket_body["companyID"]), "TITLE": "Coerced", "Status": "1", "priority": "2",
            "DueDateTime": "2024-02-02T19:00:00+02:00", "isVisibleToComanaged": "True",
            "colour": "blue"}  # fmt: skip
    record = store.get("Tickets", store.create("Tickets", body, actor=actor))
    assert (record["companyID"], record["title"], record["status"]) == (
        ticket_body["companyID"],
        "Coerced",
        1,
    )
    assert record["dueDateTime"] == "2024-02-02T17:00:00.000"
    assert record["isVisibleToComanaged"] is True
    assert "colour" not in record


def test_values_that_do_not_convert_are_reported(store: Store, actor: Actor, ticket_body) -> None:
    body = {**ticket_body, "priority": "high", "estimatedHours": "lots", "dueDateTime": "someday"}
    assert errors_of(store.create, "Tickets", body, actor=actor) == [
        "Error converting value \"high\" to type 'System.Int32'. Path 'priority'.",
        "Error converting value \"someday\" to type 'System.DateTime'. Path 'dueDateTime'.",
        "Error converting value \"lots\" to type 'System.Double'. Path 'estimatedHours'.",
        "dueDateTime is required.; on record number [0].",  # the live text (WYRE-AI/autotask-mcp#288)
        "Value does not reference an existing entity for priority . ",
    ]


def test_read_only_fields_are_ignored_or_refused_when_switched(
    meta: TenantMetadata, seed_tables: dict, clock: Clock, actor: Actor, ticket_body
) -> None:
    lenient = build(meta, seed_tables, clock)
    record = lenient.get(
        "Tickets", lenient.create("Tickets", {**ticket_body, "createDate": "2001-01-01"}, actor=actor)
    )
    assert record["createDate"] == NOW_WIRE
    strict = build(meta, seed_tables, clock, readonly_fields="error")
    assert errors_of(strict.create, "Tickets", {**ticket_body, "createDate": "2001-01-01"}, actor=actor) == [
        "The field createDate is read-only and cannot be set."
    ]


# ---------------------------------------------------------------------------------------- validation
def test_required_fields_and_all_problems_are_listed(store: Store, actor: Actor) -> None:
    assert errors_of(store.create, "Tickets", {"title": "x" * 256, "priority": 99}, actor=actor) == [
        "Value does not reference an existing entity for companyID . ",
        "dueDateTime is required.; on record number [0].",  # the live text (WYRE-AI/autotask-mcp#288)
        "Value does not reference an existing entity for status . ",
        "Picklist value [99] does not exist for priority.",
        "String value exceeds maximum length (field:title).",
    ]


def test_tasks_need_a_task_type(store: Store, actor: Actor) -> None:
    project = first(store, "Projects")
    body = {"title": "Plan", "status": 1}
    assert "Value does not reference an existing entity for taskType . " in errors_of(
        store.create, "Tasks", body, actor=actor, parent=("projectID", project["id"])
    )
    task_id = store.create("Tasks", {**body, "taskType": 1}, actor=actor, parent=("projectID", project["id"]))
    assert store.get("Tasks", task_id)["projectID"] == project["id"]


def test_ticket_notes_need_title_note_type_and_publish(store: Store, actor: Actor) -> None:
    ticket = first(store, "Tickets")
    messages = errors_of(
        store.create, "TicketNotes", {"description": "d"}, actor=actor, parent=("ticketID", ticket["id"])
    )
    assert messages == [
        "Value does not reference an existing entity for noteType . ",
        "Value does not reference an existing entity for publish . ",
        "Value does not exist for the required field title.",
    ]


def test_picklists_refuse_unknown_inactive_and_mismatched_dependent_values(
    store: Store, actor: Actor, meta: TenantMetadata, ticket_body
) -> None:
    issue = meta.field("Tickets", "issueType")["picklistValues"]
    sub = meta.field("Tickets", "subIssueType")["picklistValues"]
    parent_value = sub[0]["parentValue"]
    other_parent = next(v["value"] for v in issue if v["value"] != parent_value)
    ok = store.create(
        "Tickets", {**ticket_body, "issueType": parent_value, "subIssueType": sub[0]["value"]}, actor=actor
    )
    assert store.get("Tickets", ok)["subIssueType"] == int(sub[0]["value"])
    mismatch = {**ticket_body, "issueType": other_parent, "subIssueType": sub[0]["value"]}
    assert errors_of(store.create, "Tickets", mismatch, actor=actor) == [
        f"Picklist value [{sub[0]['value']}] does not exist for subIssueType."
    ]
    # changing only the parent re-checks the dependent value already stored
    assert errors_of(store.update, "Tickets", {"id": ok, "issueType": other_parent}, actor=actor) == [
        f"Picklist value [{sub[0]['value']}] does not exist for subIssueType.",
        UPDATE_TRAILER,
    ]
    inactive = [
        (f["name"], v["value"])
        for f in meta.fields("Tickets")
        if f["isPickList"] and not f["isReadOnly"] and not f["picklistParentValueField"]
        for v in f["picklistValues"] or ()
        if not v["isActive"]
    ]
    assert inactive, "the tenant metadata should carry at least one inactive ticket picklist value"
    name, value = inactive[0]
    assert errors_of(store.create, "Tickets", {**ticket_body, name: value}, actor=actor) == [
        f"Picklist value [{value}] does not exist for {name}."
    ]


def test_references_must_exist_and_resources_contacts_be_active(
    store: Store, actor: Actor, ticket_body
) -> None:
    company_id = ticket_body["companyID"]
    assert errors_of(store.create, "Tickets", {**ticket_body, "companyID": 10**9}, actor=actor) == [
        "Reference value on field: companyID of type: Account does not exist or is invalid."
    ]
    contact = store.create(
        "Contacts",
        {"firstName": "Ina", "lastName": "Active", "isActive": 0},
        actor=actor,
        parent=("companyID", company_id),
    )
    assert errors_of(store.create, "Tickets", {**ticket_body, "contactID": contact}, actor=actor) == [
        "Reference value on field: contactID of type: Contact does not exist or is invalid."
    ]
    role = first(store, "Roles")
    other = first(
        store, "Resources", eq("isActive", True), {"op": "noteq", "field": "id", "value": actor.resource_id}
    )
    store.update("Resources", {"id": other["id"], "isActive": False}, actor=actor)
    body = {**ticket_body, "assignedResourceID": other["id"], "assignedResourceRoleID": role["id"]}
    assert errors_of(store.create, "Tickets", body, actor=actor) == [
        "Reference value on field: assignedResourceID of type: Resource does not exist or is invalid."
    ]


def test_assigned_resource_needs_a_role(store: Store, actor: Actor, ticket_body) -> None:
    message = (
        "When assigning a Resource, you must assign both a assignedResourceID and assignedResourceRoleID."
    )
    assert errors_of(
        store.create, "Tickets", {**ticket_body, "assignedResourceID": actor.resource_id}, actor=actor
    ) == [message]
    role = first(store, "Roles")
    body = {**ticket_body, "assignedResourceID": actor.resource_id, "assignedResourceRoleID": role["id"]}
    new_id = store.create("Tickets", body, actor=actor)
    assert errors_of(
        store.update, "Tickets", {"id": new_id, "assignedResourceRoleID": None}, actor=actor
    ) == [
        message,
        UPDATE_TRAILER,
    ]


def test_contact_group_names_are_unique(store: Store, actor: Actor) -> None:
    store.create("ContactGroups", {"name": "Test 1 Create of Contact Group x", "isActive": True}, actor=actor)
    assert errors_of(
        store.create,
        "ContactGroups",
        {"name": "test 1 create of contact group X", "isActive": True},
        actor=actor,
    ) == [
        "A ContactGroup already exists with Name [test 1 create of contact group X]. "
        "ContactGroup names must be unique."
    ]


def test_udfs_must_exist_and_fit_their_type(
    store: Store, actor: Actor, ticket_body, meta: TenantMetadata
) -> None:
    root_cause = next(u for u in meta.udfs("Tickets") if u["isPickList"])
    inactive = next(v["value"] for v in root_cause["picklistValues"] if not v["isActive"])
    active = next(v["value"] for v in root_cause["picklistValues"] if v["isActive"])
    number = next(u["name"] for u in meta.udfs("Tickets") if u["type"] in ("double", "decimal", "integer"))
    udfs = [
        {"name": "Shoe Size", "value": "9"},
        {"name": root_cause["name"], "value": inactive},
        {"name": number, "value": "many"},
    ]
    assert errors_of(store.create, "Tickets", {**ticket_body, "userDefinedFields": udfs}, actor=actor) == [
        "Unable to find Shoe Size in the Ticket Entity",
        f"Picklist value [{inactive}] does not exist for {root_cause['name']}.",
        f'Input string was not in a correct format. Field: {number}, value: "many".',
    ]
    good = [{"name": root_cause["name"].upper(), "value": active}, {"name": number, "value": 7}]
    record = store.get(
        "Tickets", store.create("Tickets", {**ticket_body, "userDefinedFields": good}, actor=actor)
    )
    values = {u["name"]: u["value"] for u in record["userDefinedFields"]}
    assert values[root_cause["name"]] == active and values[number] == "7"
    assert set(values) == {u["name"] for u in meta.udfs("Tickets")}


# ------------------------------------------------------------------------------------ PATCH and PUT
def test_patch_changes_only_sent_fields_and_null_clears(
    store: Store, actor: Actor, ticket_body, clock
) -> None:
    new_id = store.create(
        "Tickets", {**ticket_body, "description": "keep", "purchaseOrderNumber": "PO1"}, actor=actor
    )
    clock.now = NOW + timedelta(hours=1)
    assert (
        store.update("Tickets", {"ID": new_id, "title": "Renamed", "purchaseOrderNumber": None}, actor=actor)
        == new_id
    )
    record = store.get("Tickets", new_id)
    assert (record["title"], record["description"], record["purchaseOrderNumber"]) == (
        "Renamed",
        "keep",
        None,
    )
    assert record["createDate"] == NOW_WIRE
    assert record["lastActivityDate"] == "2024-01-31T16:04:05.307"


def test_patch_updates_only_the_udfs_sent(
    store: Store, actor: Actor, ticket_body, meta: TenantMetadata
) -> None:
    names = [u["name"] for u in meta.udfs("Tickets") if not u["isPickList"] and u["type"] == "string"]
    first_udf, second_udf = names[0], names[-1] if len(names) > 1 else names[0]
    udfs = [{"name": first_udf, "value": "one"}, {"name": second_udf, "value": "two"}]
    new_id = store.create("Tickets", {**ticket_body, "userDefinedFields": udfs}, actor=actor)
    store.update(
        "Tickets", {"id": new_id, "userDefinedFields": [{"name": first_udf, "value": "uno"}]}, actor=actor
    )
    values = {u["name"]: u["value"] for u in store.get("Tickets", new_id)["userDefinedFields"]}
    assert values[first_udf] == "uno" and values[second_udf] == ("two" if second_udf != first_udf else "uno")


def test_put_sets_omitted_writable_fields_to_null(store: Store, actor: Actor, ticket_body) -> None:
    new_id = store.create("Tickets", {**ticket_body, "description": "gone after PUT"}, actor=actor)
    created = store.get("Tickets", new_id)
    assert store.replace("Tickets", {**ticket_body, "id": new_id, "title": "Replaced"}, actor=actor) == new_id
    record = store.get("Tickets", new_id)
    assert record["description"] is None and record["title"] == "Replaced"
    assert record["createDate"] == created["createDate"] and record["ticketNumber"] == created["ticketNumber"]
    assert (
        errors_of(store.replace, "Tickets", {"id": new_id, "title": "Only a title"}, actor=actor)[-1]
        == UPDATE_TRAILER
    )


def test_update_of_a_missing_record(store: Store, actor: Actor) -> None:
    message = [
        "No matching records found. The logged in Resource may not have the required permissions to update "
        "the data."
    ]
    assert errors_of(store.update, "Tickets", {"id": 10**9, "title": "x"}, actor=actor) == message
    assert errors_of(store.replace, "Tickets", {"title": "no id"}, actor=actor) == message


def test_completing_a_ticket_stamps_and_reopening_clears(
    store: Store, actor: Actor, ticket_body, clock
) -> None:
    new_id = store.create("Tickets", ticket_body, actor=actor)
    assert store.get("Tickets", new_id)["completedDate"] is None
    clock.now = NOW + timedelta(minutes=5)
    store.update("Tickets", {"id": new_id, "status": 5}, actor=actor)
    record = store.get("Tickets", new_id)
    assert record["completedDate"] == "2024-01-31T15:09:05.307"
    assert record["completedByResourceID"] == actor.resource_id
    store.update("Tickets", {"id": new_id, "status": 1}, actor=actor)
    assert store.get("Tickets", new_id)["completedDate"] is None


# ---------------------------------------------------------------------------------------------- delete
def test_delete_of_a_missing_record(store: Store, actor: Actor) -> None:
    assert errors_of(store.delete, "TimeEntries", 10**9, actor=actor) == [
        "No message. No matching records found. The logged in Resource may not have the required permissions "
        "to delete the data."
    ]


def test_deleting_a_ticket_writes_a_deleted_ticket_log(
    store: Store, actor: Actor, ticket_body, clock
) -> None:
    new_id = store.create("Tickets", ticket_body, actor=actor)
    number = store.get("Tickets", new_id)["ticketNumber"]
    clock.now = NOW + timedelta(days=1)
    assert store.delete("Tickets", new_id, actor=actor) == new_id
    assert store.get("Tickets", new_id) is None
    logs = store.query("DeletedTicketLogs", {"filter": [eq("ticketID", new_id)]}).items
    assert len(logs) == 1
    assert {
        k: logs[0][k] for k in ("ticketNumber", "ticketTitle", "deletedByResourceID", "deletedDateTime")
    } == {
        "ticketNumber": number,
        "ticketTitle": ticket_body["title"],
        "deletedByResourceID": actor.resource_id,
        "deletedDateTime": "2024-02-01T15:04:05.307",
    }
    again = store.create("Tickets", ticket_body, actor=actor)
    assert again == new_id + 1  # ids are never reused, even after the highest one is deleted


def test_deleting_time_entries_logs_activity_on_ticket_or_task(store: Store, actor: Actor) -> None:
    ticket = first(store, "Tickets")
    # a role the resource holds: a service-desk role on tickets, a department role elsewhere
    desk_role = first(store, "ResourceServiceDeskRoles", eq("resourceID", actor.resource_id))["roleID"]
    department_role = first(store, "ResourceRoleDepartments", eq("resourceID", actor.resource_id))["roleID"]
    entry = store.create(
        "TimeEntries",
        {"ticketID": ticket["id"], "resourceID": actor.resource_id, "dateWorked": "2024-01-30T22:00:00Z",
         "startDateTime": "2024-01-30T08:00:00Z", "endDateTime": "2024-01-30T09:30:00Z", "hoursWorked": 1.5,
         "summaryNotes": "fixed", "roleID": desk_role},
        actor=actor,
    )  # fmt: skip
    # dateWorked is date-only: the date as written is kept (no time-zone shift) at midnight
    assert store.get("TimeEntries", entry)["dateWorked"] == "2024-01-30T00:00:00.000"
    store.delete("TimeEntries", entry, actor=actor)
    log = store.query("DeletedTicketActivityLogs", {"filter": [eq("ticketID", ticket["id"])]}).items[-1]
    assert log["typeID"] == 2 and log["hoursWorked"] == 1.5 and log["ticketNumber"] == ticket["ticketNumber"]
    assert (
        log["startDateTime"] == "2024-01-30T08:00:00.000" and log["deletedByResourceID"] == actor.resource_id
    )
    task = first(store, "Tasks")
    entry = store.create(
        "TimeEntries",
        {"taskID": task["id"], "resourceID": actor.resource_id, "dateWorked": "2024-01-30",
         "hoursWorked": 2.0, "roleID": department_role},
        actor=actor,
    )  # fmt: skip
    store.delete("TimeEntries", entry, actor=actor)
    log = store.query("DeletedTaskActivityLogs", {"filter": [eq("taskID", task["id"])]}).items[-1]
    assert (log["taskNumber"], log["hoursWorked"], log["typeID"]) == (task["taskNumber"], 2.0, 2)


# ------------------------------------------------------------------------------------------ children
def test_child_writes_force_the_parent_and_check_membership(store: Store, actor: Actor) -> None:
    tickets = store.query("Tickets", {"filter": [{"op": "exist", "field": "id"}], "MaxRecords": 2}).items
    mine, other = tickets[0]["id"], tickets[1]["id"]
    body = {"ticketID": other, "title": "t", "description": "d", "noteType": 1, "publish": 1}
    note = store.create("TicketNotes", body, actor=actor, parent=("ticketID", mine))
    assert store.get("TicketNotes", note)["ticketID"] == mine
    assert store.get("TicketNotes", note, parent=("ticketID", other)) is None
    assert store.get("TicketNotes", note, parent=("ticketID", mine))["id"] == note
    assert errors_of(
        store.update, "TicketNotes", {"id": note, "title": "x"}, actor=actor, parent=("ticketID", other)
    )
    store.update(
        "TicketNotes", {"id": note, "ticketID": other, "title": "x"}, actor=actor, parent=("ticketID", mine)
    )
    assert store.get("TicketNotes", note)["ticketID"] == mine
    assert errors_of(store.delete, "TicketNotes", note, actor=actor, parent=("ticketID", other))
    assert errors_of(store.create, "TicketNotes", body, actor=actor, parent=("ticketID", 10**9)) == [
        "Reference value on field: ticketID of type: Ticket does not exist or is invalid."
    ]


def test_list_children_pages_exactly_the_parents_children(store: Store, actor: Actor) -> None:
    ticket = first(store, "Tickets")["id"]
    for i in range(5):
        store.create(
            "TicketNotes",
            {"title": f"n{i}", "description": "d", "noteType": 1, "publish": 1},
            actor=actor,
            parent=("ticketID", ticket),
        )
    expected = [r["id"] for r in store.query("TicketNotes", {"filter": [eq("ticketID", ticket)]}).items]
    seen, start = [], None
    while True:
        page = store.list_children("TicketNotes", "ticketID", ticket, start_id=start, page_size=2)
        seen += [r["id"] for r in page.items]
        if page.next_id is None:
            break
        start = page.next_id
    assert seen == expected and len(seen) >= 5


def test_load_normalises_seed_forms_and_stats_count_rows(meta: TenantMetadata, clock: Clock) -> None:
    store = Store(meta, clock)
    store.load({
        "TimeEntries": [
            {"id": 9, "dateWorked": "2024-01-02T00:00:00", "createDateTime": datetime(2024, 1, 2, 3, 4, 5)},
            {"id": 3, "dateWorked": "2024-01-01T00:00:00.000", "hoursWorked": 2,
             "createDateTime": "2024-01-01T10:00:00+01:00"},
        ],
    })  # fmt: skip
    items = store.query("TimeEntries", {"filter": [{"op": "exist", "field": "id"}]}).items
    assert [r["id"] for r in items] == [3, 9]
    assert items[0]["createDateTime"] == "2024-01-01T09:00:00.000" and items[0]["hoursWorked"] == 2.0
    assert items[1]["dateWorked"] == "2024-01-02T00:00:00.000"
    assert items[1]["createDateTime"] == "2024-01-02T03:04:05.000"
    assert store.stats() == {"TimeEntries": 2}


def test_deleting_notes_and_attachments_logs_their_titles(store: Store, actor: Actor) -> None:
    ticket = first(store, "Tickets")
    parent = ("ticketID", ticket["id"])
    note = store.create(
        "TicketNotes",
        {"title": "Call log", "description": "d", "noteType": 1, "publish": 1},
        actor=actor,
        parent=parent,
    )
    attachment = store.create(
        "TicketAttachments",
        {
            "title": "screenshot.png",
            "attachmentType": "FILE_ATTACHMENT",
            "fullPath": "screenshot.png",
            "publish": 1,
            "data": "iVBORw0KGgo=",  # the PNG signature, base64
        },
        actor=actor,
        parent=parent,
    )
    store.delete("TicketNotes", note, actor=actor, parent=parent)
    store.delete("TicketAttachments", attachment, actor=actor, parent=parent)
    logs = store.query("DeletedTicketActivityLogs", {"filter": [eq("ticketID", ticket["id"])]}).items[-2:]
    assert [(log["typeID"], log["noteOrAttachmentTitle"]) for log in logs] == [
        (1, "Call log"),
        (3, "screenshot.png"),
    ]
    assert all(log["createdByResourceID"] == actor.resource_id for log in logs)


def test_writing_a_column_no_row_has_used_yet(store: Store, actor: Actor, ticket_body) -> None:
    never_used = {"filter": [{"op": "exist", "field": "changeInfoField5"}]}
    assert store.count("Tickets", never_used) == 0
    assert store.query("Tickets", {**never_used, "IncludeFields": ["changeInfoField5"]}).items == []
    before = first(store, "Tickets")
    new_id = store.create("Tickets", {**ticket_body, "changeInfoField5": "rollback plan"}, actor=actor)
    assert store.get("Tickets", new_id)["changeInfoField5"] == "rollback plan"
    assert store.get("Tickets", before["id"]) == before  # older rows keep every value, null in the new column
    assert [r["id"] for r in store.query("Tickets", never_used).items] == [new_id]
    page = store.query(
        "Tickets", {"filter": [eq("id", before["id"])], "IncludeFields": ["changeInfoField5", "title"]}
    )
    assert page.items[0] == {"id": before["id"], "changeInfoField5": None, "title": before["title"],
                             "userDefinedFields": []}  # fmt: skip
