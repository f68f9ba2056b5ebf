"""Must-have 5: create/update/replace/delete at the root and on child routes, with Autotask's answers."""

from __future__ import annotations

import httpx
from autotask_sandbox import Sandbox

ALL = {"filter": [{"op": "gte", "field": "id", "value": 0}]}


def _first(client: httpx.Client, auth: dict[str, str], entity: str, *conditions: dict) -> dict:
    body = {"filter": list(conditions) or ALL["filter"], "MaxRecords": 1}
    items = client.post(f"V1.0/{entity}/query", json=body, headers=auth).json()["items"]
    assert items, f"the seed has no matching {entity}"
    return items[0]


def test_root_create_get_patch_put_delete(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    auth = sandbox.headers()
    resource = _first(wire_client, auth, "Resources", {"op": "eq", "field": "isActive", "value": True})
    body = {
        "resourceID": resource["id"],
        "title": "Quarterly review",
        "description": "Agenda to follow",
        "startDateTime": "2030-01-15T09:00:00Z",
        "endDateTime": "2030-01-15T10:00:00Z",
    }
    created = wire_client.post("V1.0/Appointments", json=body, headers=auth)
    assert created.status_code == 200, created.text
    new_id = created.json()["itemId"]
    assert set(created.json()) == {"itemId"} and isinstance(new_id, int)
    item = wire_client.get(f"V1.0/Appointments/{new_id}", headers=auth).json()["item"]
    assert item["id"] == new_id and item["title"] == "Quarterly review"
    patched = wire_client.patch(
        "V1.0/Appointments", json={"id": new_id, "title": "Moved review"}, headers=auth
    )
    assert patched.json() == {"itemId": new_id}
    item = wire_client.get(f"V1.0/Appointments/{new_id}", headers=auth).json()["item"]
    assert item["title"] == "Moved review" and item["description"] == "Agenda to follow"  # PATCH is partial
    replaced = wire_client.put(
        "V1.0/Appointments",
        headers=auth,
        json={k: v for k, v in {**body, "id": new_id}.items() if k != "description"},
    )
    assert replaced.json() == {"itemId": new_id}
    item = wire_client.get(f"V1.0/Appointments/{new_id}", headers=auth).json()["item"]
    assert item["title"] == "Quarterly review" and item["description"] is None  # PUT nulls the omitted
    assert wire_client.delete(f"V1.0/Appointments/{new_id}", headers=auth).json() == {"itemId": new_id}
    gone = wire_client.get(f"V1.0/Appointments/{new_id}", headers=auth)
    assert gone.status_code == 404 and gone.json() == {"item": None}
    again = wire_client.delete(f"V1.0/Appointments/{new_id}", headers=auth)
    assert again.status_code == 500 and "No matching records found" in again.json()["errors"][0]


def test_child_routes_force_the_parent_and_root_writes_404(
    sandbox: Sandbox, wire_client: httpx.Client
) -> None:
    auth = sandbox.headers()
    companies = wire_client.post(
        "V1.0/Companies/query", headers=auth, json={**ALL, "MaxRecords": 2, "IncludeFields": ["id"]}
    ).json()["items"]
    company, other = companies[0]["id"], companies[1]["id"]
    contact = {"firstName": "Ada", "lastName": "Lovelace", "isActive": True, "companyID": other}
    root = wire_client.post(
        "V1.0/Contacts", json=contact, headers=auth
    )  # create exists only on the child route
    assert root.status_code == 404 and root.headers["content-type"].startswith("text/html")
    created = wire_client.post(f"V1.0/Companies/{company}/Contacts", json=contact, headers=auth)
    assert created.status_code == 200, created.text
    contact_id = created.json()["itemId"]
    item = wire_client.get(f"V1.0/Companies/{company}/Contacts/{contact_id}", headers=auth).json()["item"]
    assert item["companyID"] == company  # the route's parent wins
    assert wire_client.get(f"V1.0/Contacts/{contact_id}", headers=auth).json()["item"]["id"] == contact_id
    assert wire_client.get(f"V1.0/Companies/{other}/Contacts/{contact_id}", headers=auth).status_code == 404
    patched = wire_client.patch(
        f"V1.0/Companies/{company}/Contacts", headers=auth, json={"id": contact_id, "lastName": "King"}
    )
    assert patched.json() == {"itemId": contact_id}
    listed = wire_client.get(f"V1.0/Companies/{company}/Contacts", headers=auth).json()["items"]
    assert any(c["id"] == contact_id and c["lastName"] == "King" for c in listed)


def test_bad_bodies_and_validation_errors(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    auth = {**sandbox.headers(), "Content-Type": "application/json"}
    broken = wire_client.post("V1.0/Appointments", content=b'{"title": "unterminated', headers=auth)
    assert broken.status_code == 500 and isinstance(broken.json()["errors"], list)
    empty = wire_client.patch("V1.0/Appointments", content=b"", headers=auth)
    assert empty.status_code == 500 and empty.json()["errors"]
    missing = wire_client.post("V1.0/Appointments", json={"title": "no resource"}, headers=auth)
    assert missing.status_code == 500 and missing.json()["errors"]
    assert wire_client.get("V1.0/Tickets/999999999", headers=auth).status_code == 404
