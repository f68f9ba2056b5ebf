"""Must-have 8: latency, deterministic faults (500/429/reset/truncate/slow), request log, stats, reset,
reseed and clock — from Python (``sb.control``) and over the ``/_sandbox`` HTTP API."""

from __future__ import annotations

import time

import httpx
import pytest
from autotask_sandbox import Sandbox

ALL = {"filter": [{"op": "gte", "field": "id", "value": 0}]}


def _control(client: httpx.Client, path: str) -> str:
    return str(client.base_url).replace("/ATServicesRest/", f"/_sandbox/{path}")


def _statuses(client: httpx.Client, auth: dict, n: int) -> list[object]:
    out: list[object] = []
    for _ in range(n):
        try:
            out.append(client.post("V1.0/Tickets/query/count", json=ALL, headers=auth).status_code)
        except httpx.TransportError as exc:
            out.append(type(exc).__name__)
    return out


def test_faults_are_deterministic_and_spare_control_and_zone(
    sandbox: Sandbox, wire_client: httpx.Client
) -> None:
    auth = sandbox.headers()
    rates = {"500": 0.3, "429": 0.2, "reset": 0.1, "truncate": 0.1}
    sandbox.control.set_faults(rates, seed=42)
    first = _statuses(wire_client, auth, 40)
    sandbox.control.set_faults(rates, seed=42)
    assert _statuses(wire_client, auth, 40) == first
    assert {500, 429, 200, "RemoteProtocolError"} <= set(first)
    sandbox.control.set_faults({"500": 1.0})
    failed = wire_client.post("V1.0/Tickets/query/count", json=ALL, headers=auth)
    assert failed.status_code == 500 and failed.json()["errors"]
    user = sandbox.credentials["username"]
    assert wire_client.get("V1.0/zoneInformation", params={"user": user}).status_code == 200
    assert wire_client.get(_control(wire_client, "stats")).status_code == 200
    assert sandbox.control.stats()["faults"]["500"] >= 1


def test_reset_fault_drops_the_connection_after_applying_the_write(
    sandbox: Sandbox, wire_client: httpx.Client
) -> None:
    auth = sandbox.headers()
    company = wire_client.post("V1.0/Companies/query", headers=auth, json={**ALL, "MaxRecords": 1}).json()[
        "items"
    ][0]["id"]
    count = {"filter": [{"op": "eq", "field": "companyID", "value": company}]}
    before = wire_client.post("V1.0/Contacts/query/count", json=count, headers=auth).json()["queryCount"]
    sandbox.control.set_faults({"reset": 1.0})
    with pytest.raises(httpx.RemoteProtocolError):
        wire_client.post(
            f"V1.0/Companies/{company}/Contacts",
            headers=auth,
            json={"firstName": "Lost", "lastName": "Response", "isActive": True},
        )
    sandbox.control.set_faults({})
    after = wire_client.post("V1.0/Contacts/query/count", json=count, headers=auth).json()["queryCount"]
    assert after == before + 1  # the client cannot know the write happened: why POSTs are not retried blindly


def test_truncate_and_slow_faults_and_latency(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    auth = sandbox.headers()
    sandbox.control.set_faults({"truncate": 1.0})
    with pytest.raises(httpx.RemoteProtocolError):
        wire_client.post("V1.0/Tickets/query", json={**ALL, "MaxRecords": 50}, headers=auth)
    with wire_client.stream("POST", "V1.0/Tickets/query", json=ALL, headers=auth) as resp:
        assert int(resp.headers["content-length"]) > 0
        with pytest.raises(httpx.RemoteProtocolError):
            resp.read()
    sandbox.control.set_faults({"slow": 1.0}, slow_s=0.3)
    start = time.perf_counter()
    assert wire_client.post("V1.0/Tickets/query/count", json=ALL, headers=auth).status_code == 200
    assert time.perf_counter() - start >= 0.3
    sandbox.control.set_faults({})
    sandbox.control.set_latency(100, 50)
    start = time.perf_counter()
    wire_client.post("V1.0/Tickets/query/count", json=ALL, headers=auth)
    assert 0.1 <= time.perf_counter() - start < 1.0
    assert 100 <= sandbox.control.request_log[-1]["delay_ms"] <= 150


def test_request_log_and_stats(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    auth = sandbox.headers()
    wire_client.post("V1.0/Tickets/query/count", json=ALL, headers=auth)
    wire_client.get("V1.0/Tickets/1", headers={**auth, "Secret": "wrong"})
    wire_client.get("V1.0/Companies/entityInformation", headers=auth)
    log = wire_client.get(_control(wire_client, "requests")).json()["requests"]
    assert [(e["method"], e["status"], e["endpoint"]) for e in log] == [
        ("POST", 200, "Tickets"),
        ("GET", 401, "Tickets"),
        ("GET", 200, "Companies"),
    ]
    assert log[0]["action"] == "countPost" and log[0]["user"] == sandbox.credentials["username"]
    assert log == sandbox.control.request_log
    stats = wire_client.get(_control(wire_client, "stats")).json()
    assert stats["requests"] == 3 and stats["by_status"] == {"200": 2, "401": 1}
    assert stats["by_endpoint"]["Tickets"] == {"200": 1, "401": 1}
    assert stats["hourly_usage"]["current"] == 2 and stats["rows"]["Tickets"] >= 1200
    assert wire_client.delete(_control(wire_client, "requests")).status_code == 200
    assert sandbox.control.request_log == []


def test_reset_reseed_and_clock_over_http(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    auth = sandbox.headers()
    tickets = wire_client.post("V1.0/Tickets/query/count", json=ALL, headers=auth).json()["queryCount"]
    company = wire_client.post("V1.0/Companies/query", headers=auth, json={**ALL, "MaxRecords": 1}).json()[
        "items"
    ][0]["id"]
    created = wire_client.post(
        f"V1.0/Companies/{company}/Contacts",
        headers=auth,
        json={"firstName": "Temp", "lastName": "Contact", "isActive": True},
    ).json()
    assert wire_client.post(_control(wire_client, "reset")).json() == {"reset": True}
    assert wire_client.get(f"V1.0/Contacts/{created['itemId']}", headers=auth).status_code == 404
    assert sandbox.control.stats()["hourly_usage"]["current"] == 1
    before = wire_client.get(_control(wire_client, "clock")).json()["now"]
    moved = wire_client.post(_control(wire_client, "clock"), json={"advance": 86_400}).json()["now"]
    assert moved[:10] > before[:10]
    bad = wire_client.post(_control(wire_client, "faults"), json={"rates": {"explode": 1}})
    assert bad.status_code == 400 and bad.json()["errors"]
    assert (
        wire_client.post(_control(wire_client, "latency"), json={"latency_ms": 5}).json()["latency_ms"] == 5
    )
    assert wire_client.get(_control(wire_client, "nope")).status_code == 404
    try:
        reseeded = wire_client.post(_control(wire_client, "reseed"), json={"seed": 2, "tickets": 600}).json()
        auth2 = sandbox.headers()
        assert reseeded["credentials"] == sandbox.credentials  # may differ from seed 1's
        count = wire_client.post("V1.0/Tickets/query/count", json=ALL, headers=auth2).json()["queryCount"]
        assert count == 600 != tickets
    finally:
        sandbox.control.reseed(1, 1200)
    assert (
        wire_client.post("V1.0/Tickets/query/count", json=ALL, headers=sandbox.headers()).json()["queryCount"]
        == tickets
    )
