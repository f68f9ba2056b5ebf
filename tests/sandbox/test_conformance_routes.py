"""Must-have 1: every swagger operation answers, with Autotask's 404/405 shapes and case-insensitivity."""

from __future__ import annotations

import time

import httpx
from autotask_sandbox import Sandbox
from autotask_sandbox.specdata import load_routes
from autotask_sandbox.wire.routing import Router

ALL = {"filter": [{"op": "gte", "field": "id", "value": 0}]}


def _concrete(path: str) -> str:
    return "/".join("1" if seg.startswith("{") else seg for seg in path.split("/")).lstrip("/")


def test_every_operation_answers_in_process(sandbox: Sandbox, sandbox_client: httpx.Client) -> None:
    sandbox.control.set_limits(threshold=100_000)  # 3,009 calls must not reach the usage latency
    unanswered = []
    for op in load_routes():
        resp = sandbox_client.request(
            op["method"],
            _concrete(op["path"]),
            params={
                "search": '{"filter":[{"op":"gte","field":"id","value":0}]}',
                "user": sandbox.credentials["username"],
            },
        )
        # A route exists when the answer is neither the HTML 404 nor the 405 of a missing verb.
        if resp.headers["content-type"].startswith("text/html") or resp.status_code == 405:
            unanswered.append((op["method"], op["path"], resp.status_code))
    assert unanswered == []
    assert sandbox.control.stats()["internal_errors"] == 0


def test_sampled_operations_answer_over_http(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    ops = load_routes()[::97]
    for op in ops:
        resp = wire_client.request(
            op["method"],
            _concrete(op["path"]),
            headers=sandbox.headers(),
            params={"search": '{"filter":[{"op":"gte","field":"id","value":0}]}'},
        )
        assert not resp.headers["content-type"].startswith("text/html"), op
        assert resp.status_code != 405, op


def test_paths_headers_and_query_keys_are_case_insensitive(
    sandbox: Sandbox, wire_client: httpx.Client
) -> None:
    creds = sandbox.credentials
    odd_headers = {
        "APIIntegrationcode": creds["integration_code"],
        "USERNAME": creds["username"],
        "secret": creds["secret"],
    }
    canonical = wire_client.post("V1.0/Tickets/query/count", json=ALL, headers=sandbox.headers()).json()
    for path in ("V1.0/Tickets/query/count", "v1.0/tickets/QUERY/Count"):
        resp = wire_client.post(
            path, json={"Filter": [{"op": "gte", "field": "ID", "value": 0}]}, headers=odd_headers
        )
        assert resp.status_code == 200 and resp.json() == canonical
    root = str(wire_client.base_url).replace("/ATServicesRest/", "/atservicesrest/")
    lower = wire_client.get(f"{root}v1.0/version", headers=odd_headers)
    assert lower.status_code == 200 and set(lower.json()) == {
        "majorVersion",
        "minorVersion",
        "build",
        "customerType",
    }
    page = wire_client.post(
        "V1.0/Tickets/query",
        headers=sandbox.headers(),
        json={"MaxRecords": 3, "IncludeFields": ["ID", "Title"], "FILTER": ALL["filter"]},
    )
    assert page.status_code == 200
    assert page.json()["pageDetails"]["requestCount"] == 3 and len(page.json()["items"]) == 3


def test_405_and_404_shapes(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    auth = sandbox.headers()
    patch = wire_client.patch("V1.0/Tickets/1", json={"id": 1}, headers=auth)
    assert patch.status_code == 405
    assert patch.json() == {"Message": "The requested resource does not support http method 'PATCH'."}
    bare = wire_client.get("V1.0/Contacts", headers=auth)
    assert bare.status_code == 405
    assert bare.json() == {"Message": "The requested resource does not support http method 'GET'."}
    delete = wire_client.delete("V1.0/Tickets/1", headers=auth)  # Tickets have no DELETE at all
    assert delete.status_code == 405 and "'DELETE'" in delete.json()["Message"]
    for method, path in (
        ("PATCH", "V1.0/Contacts"),
        ("POST", "V1.0/Tasks"),
        ("GET", "V1.0/NoSuchEntity/1"),
        ("GET", "V2.0/Tickets/1"),
        ("GET", "V1.0/Tickets/1/Nope"),
    ):
        resp = wire_client.request(method, path, headers=auth, json={} if method != "GET" else None)
        assert resp.status_code == 404, (method, path)
        assert resp.headers["content-type"].startswith("text/html")
        assert "404 - File or directory not found." in resp.text
    outside = wire_client.get(str(wire_client.base_url).replace("/ATServicesRest/", "/elsewhere"))
    assert outside.status_code == 404 and outside.headers["content-type"].startswith("text/html")


def test_global_entity_information_and_version_information(
    sandbox: Sandbox, wire_client: httpx.Client
) -> None:
    versions = wire_client.get("VersionInformation")  # no auth needed
    assert versions.status_code == 200 and versions.json() == {"apiVersions": ["V1.0"]}
    described = wire_client.get("V1.0/EntityInformation", headers=sandbox.headers())
    assert described.status_code == 200
    infos = [entry["info"] for entry in described.json()["entityDescriptions"]]
    names = {info["name"] for info in infos}
    assert {"Tickets", "Companies", "Contacts", "TicketNotes", "Resources"} <= names
    tickets = next(info for info in infos if info["name"] == "Tickets")
    assert tickets["canQuery"] and tickets["canCreate"] and not tickets["canDelete"]


def test_route_matching_does_not_scan_the_table() -> None:
    router = Router(load_routes())
    assert len(router.routes) > 3009  # every operation plus the query/next|prev cursor routes
    start = time.perf_counter()
    for _ in range(20_000):
        router.match("GET", "V1.0/Tickets/query/next")
        router.match("GET", "V1.0/ZoneInformation")
    # A regex scan of ~3,900 routes costs milliseconds per request; a trie walk costs microseconds.
    assert time.perf_counter() - start < 1.5


def test_generated_coverage_document_is_current() -> None:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "tools" / "sandbox_coverage.py"
    spec = importlib.util.spec_from_file_location("sandbox_coverage", path)
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.main(["--check"]) == 0, "run: python tools/sandbox_coverage.py"
