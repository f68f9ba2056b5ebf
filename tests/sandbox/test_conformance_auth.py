"""Must-have 3: header auth with Autotask's statuses, impersonation on writes, the read-only API user."""

from __future__ import annotations

import httpx
import pytest
from autotask_sandbox import Sandbox

ALL = {"filter": [{"op": "gte", "field": "id", "value": 0}]}
NO_PERMISSION = "The logged in Resource does not have the adequate permissions to create this entity type."


def _headers(creds: dict[str, str], **override: str) -> dict[str, str]:
    headers = {
        "ApiIntegrationCode": creds["integration_code"],
        "UserName": creds["username"],
        "Secret": creds["secret"],
    }
    headers.update(override)
    return headers


def test_each_auth_failure_has_autotasks_status(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    creds = sandbox.credentials
    url = "V1.0/Tickets/query/count"
    assert wire_client.post(url, json=ALL, headers=_headers(creds)).status_code == 200
    bad_secret = wire_client.post(url, json=ALL, headers=_headers(creds, Secret="wrong"))
    assert bad_secret.status_code == 401
    assert bad_secret.json() == {"Message": "Authorization has been denied for this request."}
    for override in ({"UserName": "nobody@example.com"}, {"ApiIntegrationCode": "NOT-A-CODE"}):
        resp = wire_client.post(url, json=ALL, headers=_headers(creds, **override))
        assert resp.status_code == 500
        assert isinstance(resp.json()["errors"], list) and resp.json()["errors"]
    assert wire_client.post(url, json=ALL).status_code == 500  # no headers: unknown user
    mixed = _headers(creds, ApiIntegrationCode=sandbox.readonly_credentials["integration_code"])
    assert wire_client.post(url, json=ALL, headers=mixed).status_code == 500  # another user's code
    # Secrets never leak into answers or the request log.
    assert creds["secret"] not in bad_secret.text
    assert creds["secret"] not in str(sandbox.control.request_log)


def _note_body(client: httpx.Client, auth: dict[str, str]) -> dict:
    fields = client.get("V1.0/TicketNotes/entityInformation/fields", headers=auth).json()["fields"]
    picks = {f["name"]: f["picklistValues"] for f in fields if f["isPickList"]}
    first = {name: int(next(v["value"] for v in values if v["isActive"])) for name, values in picks.items()}
    return {
        "title": "Called the customer",
        "description": "Left a voicemail.",
        "noteType": first["noteType"],
        "publish": first["publish"],
    }


def _a_ticket(client: httpx.Client, auth: dict[str, str]) -> int:
    return client.post(
        "V1.0/Tickets/query", headers=auth, json={**ALL, "MaxRecords": 1, "IncludeFields": ["id"]}
    ).json()["items"][0]["id"]


def _active_resources(client: httpx.Client, auth: dict[str, str]) -> list[int]:
    query = {"filter": [{"op": "eq", "field": "isActive", "value": True}], "IncludeFields": ["id"]}
    return [r["id"] for r in client.post("V1.0/Resources/query", headers=auth, json=query).json()["items"]]


def test_impersonation_sets_creator_and_impersonator(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    auth = sandbox.headers()
    ticket_id = _a_ticket(wire_client, auth)
    api_resource = sandbox.api_user.resource_id
    target = next(r for r in _active_resources(wire_client, auth) if r != api_resource)
    body = _note_body(wire_client, auth)
    created = wire_client.post(
        f"V1.0/Tickets/{ticket_id}/Notes", json=body, headers={**auth, "ImpersonationResourceId": str(target)}
    )
    assert created.status_code == 200, created.text
    note = wire_client.get(f"V1.0/TicketNotes/{created.json()['itemId']}", headers=auth).json()["item"]
    assert note["ticketID"] == ticket_id
    assert note["creatorResourceID"] == target
    assert note["impersonatorCreatorResourceID"] == api_resource
    plain = wire_client.post(f"V1.0/Tickets/{ticket_id}/Notes", json=body, headers=auth).json()
    own = wire_client.get(f"V1.0/TicketNotes/{plain['itemId']}", headers=auth).json()["item"]
    assert own["creatorResourceID"] == api_resource and own["impersonatorCreatorResourceID"] is None


@pytest.mark.parametrize("who", ["999999999", "not-a-number", "inactive"])
def test_impersonating_a_missing_or_inactive_resource_fails(
    sandbox: Sandbox, wire_client: httpx.Client, who: str
) -> None:
    auth = sandbox.headers()
    if who == "inactive":
        query = {"filter": [{"op": "eq", "field": "isActive", "value": False}], "IncludeFields": ["id"]}
        inactive = wire_client.post("V1.0/Resources/query", headers=auth, json=query).json()["items"]
        assert inactive, "the seed should include an inactive resource"
        who = str(inactive[0]["id"])
    ticket_id = _a_ticket(wire_client, auth)
    resp = wire_client.post(
        f"V1.0/Tickets/{ticket_id}/Notes",
        json=_note_body(wire_client, auth),
        headers={**auth, "ImpersonationResourceId": who},
    )
    assert resp.status_code == 500
    assert "adequate permissions" in resp.json()["errors"][0]


def test_readonly_user_can_query_but_not_write(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    readonly = _headers(sandbox.readonly_credentials)
    assert wire_client.post("V1.0/Companies/query/count", json=ALL, headers=readonly).status_code == 200
    info = wire_client.get("V1.0/Companies/entityInformation", headers=readonly).json()["info"]
    assert info["userAccessForQuery"] == 1 and info["userAccessForCreate"] == 0
    resp = wire_client.post(
        "V1.0/Companies",
        headers=readonly,
        json={"companyName": "Nope Ltd", "companyType": 1, "phone": "555-0100"},
    )
    assert resp.status_code == 500 and resp.json() == {"errors": [NO_PERMISSION]}
    sandbox.control.set_permission_status(403)  # the documented status; reset() restores the config's 500
    assert wire_client.post("V1.0/Companies", headers=readonly, json={"companyName": "x"}).status_code == 403


def test_auth_failures_carry_the_live_texts(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    # apigrate/autotask-restapi README, "Error Handling": both are HTTP 500 with these exact bodies.
    creds = sandbox.credentials
    for override, text in (
        ({"UserName": "nobody@example.com"}, "Zone information could not be determined"),
        ({"ApiIntegrationCode": "NOT-A-CODE"}, "IntegrationCode is invalid."),
    ):
        for method, path, body in (("GET", "V1.0/Tickets/1", None), ("POST", "V1.0/Companies/query", ALL)):
            resp = wire_client.request(method, path, json=body, headers=_headers(creds, **override))
            assert (resp.status_code, resp.json()) == (500, {"errors": [text]})


def test_zone_information_for_an_unknown_user(wire_client: httpx.Client) -> None:
    # py-autotask 2.3.0's auth module and apigrate's README expect this body; django-autotask: "AT returns
    # 500 if username is blank or incorrect".
    for user in ("nobody@example.com", "", "  "):
        resp = wire_client.get("V1.0/zoneInformation", params={"user": user})
        assert (resp.status_code, resp.json()) == (
            500,
            {"errors": ["Zone information could not be determined"]},
        )
    assert wire_client.get("v1.0/zoneinformation").json() == {
        "errors": ["Zone information could not be determined"]
    }
