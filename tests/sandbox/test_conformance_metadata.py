"""Must-have 6: entityInformation, /fields and /userDefinedFields at root and child base paths."""

from __future__ import annotations

import httpx
from autotask_sandbox import Sandbox

INFO_KEYS = {
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
}
FIELD_KEYS = {
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
}


def test_entity_information_root_and_child(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    auth = sandbox.headers()
    root = wire_client.get("V1.0/TicketNotes/entityInformation", headers=auth)
    child = wire_client.get("V1.0/Tickets/123/Notes/entityInformation", headers=auth)
    assert root.status_code == child.status_code == 200
    assert set(root.json()) == {"info"} and set(root.json()["info"]) == INFO_KEYS
    assert root.json() == child.json()
    tickets = wire_client.get("V1.0/Tickets/entityInformation", headers=auth).json()["info"]
    assert tickets["name"] == "Tickets" and tickets["canCreate"] and not tickets["canDelete"]
    assert tickets["userAccessForCreate"] == 1 and tickets["supportsWebhookCallouts"] is True


def test_fields_and_udfs(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    auth = sandbox.headers()
    fields = wire_client.get("V1.0/Tickets/entityInformation/fields", headers=auth)
    assert fields.status_code == 200 and set(fields.json()) == {"fields"}
    by_name = {f["name"]: f for f in fields.json()["fields"]}
    assert all(set(f) == FIELD_KEYS for f in by_name.values())
    assert by_name["id"]["dataType"] == "long"
    status = by_name["status"]
    assert status["isPickList"] and all(isinstance(v["value"], str) for v in status["picklistValues"])
    assert by_name["title"]["picklistValues"] is None
    child = wire_client.get("V1.0/Companies/1/Contacts/entityInformation/fields", headers=auth).json()
    root = wire_client.get("V1.0/Contacts/entityInformation/fields", headers=auth).json()
    assert child == root and root["fields"]
    udfs = wire_client.get("V1.0/Tickets/entityInformation/userDefinedFields", headers=auth)
    assert udfs.status_code == 200 and set(udfs.json()) == {"fields"}
    for udf in udfs.json()["fields"]:
        assert {"name", "label", "type", "isRequired", "isPickList", "defaultValue"} <= set(udf)
    none = wire_client.get("V1.0/ActionTypes/entityInformation/userDefinedFields", headers=auth).json()
    assert none == {"fields": []}
