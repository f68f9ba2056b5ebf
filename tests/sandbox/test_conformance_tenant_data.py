"""Tenant data third-party clients rely on: role/queue associations, to-dos, time-off balances, the
time-entry role rule, CompanyToDos metadata and the ticket due-date message."""

from __future__ import annotations

import httpx
from autotask_sandbox import Sandbox

ALL = {"filter": [{"op": "gte", "field": "id", "value": 0}]}
ROLE_NOT_HELD = "The specified AssignedResourceID and AssignedRoleID combination is not currently defined"


def _all(client: httpx.Client, auth: dict[str, str], entity: str, *conditions: dict) -> list[dict]:
    """Every record of ``entity`` matching ``conditions`` (id-cursor loop, 500 per page)."""
    found: list[dict] = []
    last = -1
    while True:
        query = {"filter": [*conditions, {"op": "gt", "field": "id", "value": last}]}
        page = client.post(f"V1.0/{entity}/query", headers=auth, json=query).json()["items"]
        found += page
        if len(page) < 500:
            return found
        last = page[-1]["id"]


def _eq(field: str, value: object) -> dict:
    return {"op": "eq", "field": field, "value": value}


def test_role_and_queue_associations_are_seeded_consistently(
    sandbox: Sandbox, sandbox_client: httpx.Client
) -> None:
    desk = _all(sandbox_client, {}, "ResourceServiceDeskRoles")
    departments = _all(sandbox_client, {}, "ResourceRoleDepartments")
    assert desk and {(r["resourceID"], r["roleID"]) for r in desk} == {
        (r["resourceID"], r["roleID"]) for r in departments
    }
    held = {(r["resourceID"], r["roleID"]) for r in desk if r["isActive"]}
    assigned = _all(sandbox_client, {}, "Tickets", {"op": "exist", "field": "assignedResourceID"})
    assert assigned and all((t["assignedResourceID"], t["assignedResourceRoleID"]) in held for t in assigned)
    queues = _all(sandbox_client, {}, "ResourceRoleQueues")
    fields = sandbox_client.get("V1.0/Tickets/entityInformation/fields").json()["fields"]
    picklist = next(f["picklistValues"] for f in fields if f["name"] == "queueID")
    active = {int(v["value"]) for v in picklist if v["isActive"]}
    members = {q["queueID"] for q in queues}
    assert queues and members <= active
    used = {t["queueID"] for t in _all(sandbox_client, {}, "Tickets", {"op": "exist", "field": "queueID"})}
    assert used & active <= members  # every active queue tickets use has someone working it
    one = queues[0]["resourceID"]
    mine = sandbox_client.get(f"V1.0/Resources/{one}/RoleQueues").json()["items"]
    assert mine and all(q["resourceID"] == one for q in mine)


def test_resource_roles_follow_the_department_and_queue_associations(
    sandbox: Sandbox, sandbox_client: httpx.Client
) -> None:
    roles = _all(sandbox_client, {}, "ResourceRoles")
    departments = _all(sandbox_client, {}, "ResourceRoleDepartments")
    queues = _all(sandbox_client, {}, "ResourceRoleQueues")
    # One department role per ResourceRoleDepartments row, one queue role per ResourceRoleQueues row.
    by_department = {(r["resourceID"], r["roleID"], r["departmentID"], r["isActive"])
                     for r in roles if r["departmentID"] is not None}
    assert by_department == {(r["resourceID"], r["roleID"], r["departmentID"], r["isActive"]) for r in departments}
    by_queue = [r for r in roles if r["queueID"] is not None]
    assert sorted((r["resourceID"], r["queueID"]) for r in by_queue) == sorted(
        (q["resourceID"], q["queueID"]) for q in queues
    )
    held = {(r["resourceID"], r["roleID"]) for r in departments}
    assert all((r["resourceID"], r["roleID"]) in held for r in by_queue)
    assert len(roles) == len(departments) + len(queues) and len({r["id"] for r in roles}) == len(roles)
    # The child route lists a resource's roles, and each one is a role its time entries may carry.
    resource = queues[0]["resourceID"]
    mine = sandbox_client.get(f"V1.0/Resources/{resource}/Roles").json()["items"]
    assert sorted(r["id"] for r in mine) == sorted(r["id"] for r in roles if r["resourceID"] == resource)
    one = sandbox_client.get(f"V1.0/Resources/{resource}/Roles/{mine[0]['id']}").json()["item"]
    assert one == mine[0]
    ticket = _all(sandbox_client, {}, "Tickets", _eq("status", 1))[0]["id"]
    entry = {"ticketID": ticket, "resourceID": resource, "roleID": mine[0]["roleID"], "dateWorked": "2025-05-05",
             "hoursWorked": 1.0, "summaryNotes": "role from Resources/{id}/Roles"}  # fmt: skip
    created = sandbox_client.post("V1.0/TimeEntries", json=entry)
    assert created.status_code == 200, created.text


def test_time_entry_role_must_be_held_by_the_resource(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    auth = sandbox.headers()
    pair = _all(wire_client, auth, "ResourceServiceDeskRoles", _eq("isDefault", True))[0]
    resource, role = pair["resourceID"], pair["roleID"]
    held = {
        r["roleID"] for r in _all(wire_client, auth, "ResourceRoleDepartments", _eq("resourceID", resource))
    }
    other = next(r["id"] for r in _all(wire_client, auth, "Roles") if r["id"] not in held)
    ticket = _all(wire_client, auth, "Tickets", _eq("status", 1))[0]["id"]
    entry = {"ticketID": ticket, "resourceID": resource, "dateWorked": "2026-01-05", "hoursWorked": 1.0,
             "summaryNotes": "conformance"}  # fmt: skip
    refused = wire_client.post("V1.0/TimeEntries", headers=auth, json={**entry, "roleID": other})
    assert (refused.status_code, refused.json()) == (500, {"errors": [ROLE_NOT_HELD]})
    accepted = wire_client.post("V1.0/TimeEntries", headers=auth, json={**entry, "roleID": role})
    assert accepted.status_code == 200, accepted.text
    # PATCHing the role to one the resource lacks is refused too
    patch = {"id": accepted.json()["itemId"], "roleID": other}
    assert ROLE_NOT_HELD in wire_client.patch("V1.0/TimeEntries", headers=auth, json=patch).json()["errors"]
    # an inactive service-desk role no longer counts on tickets
    deactivate = {"id": pair["id"], "isActive": False}
    resp = wire_client.patch(f"V1.0/Resources/{resource}/ServiceDeskRoles", headers=auth, json=deactivate)
    assert resp.status_code == 200, resp.text
    again = wire_client.post("V1.0/TimeEntries", headers=auth, json={**entry, "roleID": role})
    assert again.json() == {"errors": [ROLE_NOT_HELD]}


def test_company_todos_metadata_matches_the_live_capture(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    auth = sandbox.headers()
    fields = {
        f["name"]: f
        for f in wire_client.get("V1.0/CompanyToDos/entityInformation/fields", headers=auth).json()["fields"]
    }
    action = fields["actionType"]
    assert (action["dataType"], action["isRequired"], action["isPickList"], action["isReference"]) == (
        "integer", True, True, False
    )  # fmt: skip
    labels = {v["value"]: v["label"] for v in action["picklistValues"]}
    assert labels["0"] == "Opportunity Update" and labels["1"] == "Phone Call"
    assert fields["activityDescription"]["length"] == 32000
    assert fields["completedDate"]["isReadOnly"] is False  # "Setting completedDate completes the to-do"
    todos = _all(wire_client, auth, "CompanyToDos")
    assert todos and all(str(t["actionType"]) in labels for t in todos)
    company = todos[0]["companyID"]
    body = {"actionType": 1, "assignedToResourceID": todos[0]["assignedToResourceID"], "activityDescription": "x",
            "startDateTime": "2026-06-15", "endDateTime": "2026-06-16"}  # fmt: skip
    created = wire_client.post(f"V1.0/Companies/{company}/ToDos", headers=auth, json=body)
    assert created.status_code == 200, created.text
    missing = {k: v for k, v in body.items() if k != "actionType"}
    refused = wire_client.post(f"V1.0/Companies/{company}/ToDos", headers=auth, json=missing)
    assert refused.json() == {"errors": ["Value does not reference an existing entity for actionType . "]}


def test_time_off_balances_per_resource_and_year(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    auth = sandbox.headers()
    approved = next(
        v["value"]
        for f in wire_client.get("V1.0/TimeOffRequests/entityInformation/fields", headers=auth).json()[
            "fields"
        ]
        if f["name"] == "status"
        for v in f["picklistValues"]
        if v["label"] == "Approved"
    )
    requests = _all(wire_client, auth, "TimeOffRequests", _eq("status", int(approved)))
    taker = requests[0]["resourceID"]
    balances = wire_client.get(f"V1.0/Resources/{taker}/TimeOffBalances", headers=auth).json()["items"]
    assert balances and all(b["resourceID"] == taker for b in balances)
    year = int(requests[0]["requestDate"][:4])
    by_year = wire_client.get(f"V1.0/Resources/{taker}/TimeOffBalances/{year}", headers=auth).json()["item"]
    assert by_year["year"] == year and by_year in balances
    used = sum(
        b[f"{kind}Used"] + b[f"{kind}Planned"] for b in [by_year] for kind in
        ("vacationTime", "sickTime", "personalTime", "floatingHoliday")
    )  # fmt: skip
    assert used > 0
    assert by_year["vacationTimeBalance"] == round(
        by_year["vacationTimeAnnualAllowance"] - by_year["vacationTimeUsed"] - by_year["vacationTimePlanned"],
        2,
    )
    assert wire_client.get(f"V1.0/Resources/{taker}/TimeOffBalances/1990", headers=auth).status_code == 404
    names = [f["name"] for f in wire_client.get("V1.0/ResourceTimeOffBalances/entityInformation/fields",
                                                   headers=auth).json()["fields"]]  # fmt: skip
    assert names[:2] == ["id", "resourceID"] and "vacationTimeBalance" in names and "year" in names
    approve = wire_client.get("V1.0/TimeOffRequestsApprove/entityInformation/fields", headers=auth).json()[
        "fields"
    ]
    assert [f["name"] for f in approve] == ["id", "timeOffRequestID"]


def test_ticket_due_date_message_is_the_live_one(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    auth = sandbox.headers()
    company = _all(wire_client, auth, "Companies", _eq("isActive", True))[1]["id"]
    body = {"companyID": company, "title": "No due date", "status": 1, "priority": 2}
    resp = wire_client.post("V1.0/Tickets", headers=auth, json=body)
    assert (resp.status_code, resp.json()) == (
        500,
        {"errors": ["dueDateTime is required.; on record number [0]."]},
    )
