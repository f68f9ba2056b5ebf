"""Must-have 2: zoneInformation, VersionInformation, Version, ThresholdInformation, Modules and the
swagger's special actions (invoice markup/PDF, invoiceSettings, Authenticate, TimeOffRequests Approve)."""

from __future__ import annotations

import base64

import httpx
from autotask_sandbox import Sandbox

ALL = {"filter": [{"op": "gte", "field": "id", "value": 0}]}


def test_zone_information_needs_no_auth_and_points_at_the_sandbox(
    sandbox: Sandbox, wire_client: httpx.Client
) -> None:
    user = sandbox.credentials["username"]
    for path in ("V1.0/zoneInformation", "v1.0/ZONEINFORMATION"):
        resp = wire_client.get(path, params={"user": user})
        assert resp.status_code == 200
        body = resp.json()
        assert set(body) == {"zoneName", "url", "webUrl", "ci"}
        assert body["url"] == str(wire_client.base_url)  # <scheme>://<host>/ATServicesRest/
        assert body["url"].endswith("/ATServicesRest/") and isinstance(body["ci"], int)
    # The url follows the Host header the client used (what a proxy or another hostname would send).
    other = wire_client.get(
        "V1.0/zoneInformation", params={"user": user}, headers={"Host": "api.example:8443"}
    )
    assert other.json()["url"].endswith("://api.example:8443/ATServicesRest/")
    for bad in ("", "   ", "nobody@example.com"):
        assert wire_client.get("V1.0/zoneInformation", params={"user": bad}).status_code == 500
    assert wire_client.get("V1.0/zoneInformation").status_code == 500


def test_version_threshold_modules_and_authenticate(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    auth = sandbox.headers()
    assert wire_client.get("VersionInformation").json() == {"apiVersions": ["V1.0"]}
    version = wire_client.get("V1.0/Version", headers=auth).json()
    assert all(isinstance(version[k], str) for k in ("majorVersion", "minorVersion", "build", "customerType"))
    first = wire_client.get("V1.0/ThresholdInformation", headers=auth).json()
    second = wire_client.get("V1.0/ThresholdInformation", headers=auth).json()
    assert first["externalRequestThreshold"] == 10_000 and first["requestThresholdTimeframe"] == 60
    assert (
        second["currentTimeframeRequestCount"] == first["currentTimeframeRequestCount"] + 1
    )  # counts itself
    modules = wire_client.get("V1.0/Modules", headers=auth).json()["modules"]
    assert modules and all(isinstance(m["key"], int) and isinstance(m["value"], bool) for m in modules)
    token = wire_client.get("V1.0/Authenticate", headers=auth).json()
    assert set(token) == {"authToken", "expiration"} and len(token["authToken"]) >= 32


def _first_id(client: httpx.Client, auth: dict, entity: str) -> int:
    resp = client.post(
        f"V1.0/{entity}/query", headers=auth, json={**ALL, "MaxRecords": 1, "IncludeFields": ["id"]}
    )
    items = resp.json()["items"]
    assert items, f"the seed has no {entity}"
    return items[0]["id"]


def test_invoice_markup_and_pdf(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    auth = sandbox.headers()
    invoice_id = _first_id(wire_client, auth, "Invoices")
    html = wire_client.get(f"V1.0/Invoices/{invoice_id}/InvoiceMarkupHtml", headers=auth)
    assert html.status_code == 200 and html.json()["invoiceMarkup"].startswith("<html>")
    xml = wire_client.get(f"V1.0/Invoices/{invoice_id}/InvoiceMarkupXml", headers=auth)
    assert xml.json()["invoiceMarkup"].startswith("<?xml")
    pdf = wire_client.get(f"V1.0/Invoices/{invoice_id}/InvoicePdf", headers=auth).json()
    data = base64.b64decode(pdf["data"])
    assert (
        pdf["contentType"] == "application/pdf" and pdf["fileSize"] == len(data) and pdf["id"] == invoice_id
    )
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    missing = wire_client.get("V1.0/Invoices/999999999/InvoicePdf", headers=auth)
    assert missing.status_code == 404 and missing.json()["errors"]


def test_company_invoice_settings(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    auth = sandbox.headers()
    company_id = _first_id(wire_client, auth, "Companies")
    url = f"V1.0/Companies/{company_id}/invoiceSettings"
    settings = wire_client.get(url, headers=auth).json()
    assert set(settings) == {
        "taxExempt",
        "taxRegionId",
        "taxId",
        "invoiceEmailingEnabled",
        "contactRecipients",
        "resourceRecipients",
        "otherEmails",
    }
    put = wire_client.put(
        url, headers=auth, json={"invoiceEmailingEnabled": True, "otherEmails": "ap@x.test"}
    )
    assert put.json() == {"itemId": company_id}
    assert wire_client.get(url, headers=auth).json()["invoiceEmailingEnabled"] is True
    resource_id = _first_id(wire_client, auth, "Resources")
    added = wire_client.post(f"{url}/resourceRecipients", headers=auth, json={"items": [resource_id]})
    assert added.json() == {"resourceRecipients": [resource_id]}
    removed = wire_client.delete(f"{url}/resourceRecipients/{resource_id}", headers=auth)
    assert removed.json() == {"itemId": resource_id}
    again = wire_client.delete(f"{url}/resourceRecipients/{resource_id}", headers=auth)
    assert again.status_code == 500 and "No matching records found" in again.json()["errors"][0]


def test_time_off_request_approve(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    auth = sandbox.headers()
    request_id = _first_id(wire_client, auth, "TimeOffRequests")
    resp = wire_client.get(f"V1.0/TimeOffRequests/{request_id}/Approve", headers=auth)
    assert resp.status_code == 200 and resp.json() == {"itemId": request_id}
    record = wire_client.get(f"V1.0/TimeOffRequests/{request_id}", headers=auth).json()["item"]
    assert record["approvedDateTime"] is not None
    assert record["approveRejectResourceID"] is not None
