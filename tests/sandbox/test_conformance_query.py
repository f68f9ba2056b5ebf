"""Must-have 4: GET/POST queries and counts, pageDetails with absolute keyset cursor URLs, method-bound
next pages, lenient ``search`` JSON, the URL length limit and paged child lists."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import httpx
from autotask_sandbox import Sandbox

FILTER = [
    {"op": "gte", "field": "id", "value": 0},
    {"op": "noteq", "field": "title", "value": "no such title"},
]
QUERY = {"filter": FILTER}
UPPER_ESCAPE = re.compile(r"%[0-9A-F][A-F]|%[A-F][0-9A-F]")


def _keyset_ids(client: httpx.Client, auth: dict[str, str]) -> list[int]:
    """The docs' own alternative to nextPageUrl: loop on ``id > last seen`` (an independent check)."""
    ids: list[int] = []
    last = -1
    while True:
        body = {
            "MaxRecords": 500,
            "IncludeFields": ["id"],
            "filter": [*FILTER, {"op": "gt", "field": "id", "value": last}],
        }
        items = client.post("V1.0/Tickets/query", json=body, headers=auth).json()["items"]
        if not items:
            return ids
        ids += [item["id"] for item in items]
        last = ids[-1]


def test_multi_page_get_query(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    auth = sandbox.headers()
    search = json.dumps(QUERY, separators=(",", ":"))
    count = wire_client.get("V1.0/Tickets/query/count", params={"search": search}, headers=auth).json()
    resp = wire_client.get("V1.0/Tickets/query", params={"search": search}, headers=auth)
    pages, ids = [], []
    while True:
        assert resp.status_code == 200, resp.text
        body = resp.json()
        pages.append(body["pageDetails"])
        ids += [item["id"] for item in body["items"]]
        if body["pageDetails"]["nextPageUrl"] is None:
            break
        resp = wire_client.get(body["pageDetails"]["nextPageUrl"], headers=auth)  # GET query → GET next
    assert len(pages) >= 3
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert count == {"queryCount": len(ids)}
    assert ids == _keyset_ids(wire_client, auth)
    first, second = pages[0], pages[1]
    assert first["count"] == first["requestCount"] == 500 and first["prevPageUrl"] is None
    root = str(wire_client.base_url)
    assert first["nextPageUrl"].startswith(
        f"{root}V1.0/Tickets/query/next?paging=%7b%22pageSize%22%3a500"
        f"%2c%22previousIds%22%3a%5b-1%5d%2c%22nextIds%22%3a%5b"
    )
    assert not UPPER_ESCAPE.search(first["nextPageUrl"])
    params = parse_qs(urlsplit(first["nextPageUrl"]).query)
    assert json.loads(params["search"][0]) == QUERY
    assert json.loads(params["paging"][0]) == {"pageSize": 500, "previousIds": [-1], "nextIds": [ids[500]]}
    assert second["prevPageUrl"].startswith(f"{root}V1.0/Tickets/query/prev?paging=")
    back = wire_client.get(second["prevPageUrl"], headers=auth).json()
    assert [item["id"] for item in back["items"]] == ids[:500] and back["pageDetails"]["prevPageUrl"] is None


def test_multi_page_post_query_and_method_binding(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    auth = sandbox.headers()
    body = {**QUERY, "MaxRecords": 400}
    resp = wire_client.post("V1.0/Tickets/query", json=body, headers=auth)
    ids, next_urls = [], []
    while True:
        page = resp.json()
        ids += [item["id"] for item in page["items"]]
        url = page["pageDetails"]["nextPageUrl"]
        if url is None:
            break
        assert "&search=" not in url and page["pageDetails"]["requestCount"] == 400
        next_urls.append(url)
        resp = wire_client.post(url, json=body, headers=auth)  # POST query → POST next, same body
    assert len(next_urls) >= 2
    assert wire_client.post("V1.0/Tickets/query/count", json=body, headers=auth).json() == {
        "queryCount": len(ids)
    }
    assert ids == _keyset_ids(wire_client, auth)
    wrong = wire_client.get(next_urls[0], headers=auth)
    assert wrong.status_code == 405
    assert wrong.json() == {"Message": "The requested resource does not support http method 'GET'."}
    search = json.dumps(QUERY)
    get_next = wire_client.get("V1.0/Tickets/query", params={"search": search}, headers=auth).json()[
        "pageDetails"
    ]["nextPageUrl"]
    wrong = wire_client.post(get_next, json=QUERY, headers=auth)
    assert wrong.status_code == 405
    assert wrong.json() == {"Message": "The requested resource does not support http method 'POST'."}


def test_single_quoted_search_and_count_forms(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    auth = sandbox.headers()
    search = "{'filter':[{'op':'exist','field':'title'}]}"
    page = wire_client.get("V1.0/Tickets/query", params={"search": search}, headers=auth)
    assert page.status_code == 200 and page.json()["pageDetails"]["nextPageUrl"].endswith(
        "&search=%7b%27filter%27%3a%5b%7b%27op%27%3a%27exist%27%2c%27field%27%3a%27title%27%7d%5d%7d"
    )
    by_get = wire_client.get("V1.0/Tickets/query/count", params={"search": search}, headers=auth).json()
    by_post = wire_client.post(
        "V1.0/Tickets/query/count", json={"filter": [{"op": "exist", "field": "title"}]}, headers=auth
    ).json()
    assert by_get == by_post and by_get["queryCount"] > 1000
    broken = wire_client.get("V1.0/Tickets/query", params={"search": "{filter:"}, headers=auth)
    assert broken.status_code == 500 and broken.json()["errors"]
    unknown = wire_client.post(
        "V1.0/Tickets/query",
        headers=auth,
        json={"filter": [{"op": "eq", "field": "noSuchField", "value": 1}]},
    )
    assert unknown.status_code == 500 and "noSuchField" in unknown.json()["errors"][0]


def test_long_get_urls_are_iis_404s(sandbox: Sandbox, wire_client: httpx.Client) -> None:
    auth = sandbox.headers()
    values = list(range(1000, 1450))
    search = json.dumps({"filter": [{"op": "in", "field": "id", "value": values}]})
    assert len(search) > 2048
    resp = wire_client.get("V1.0/Tickets/query", params={"search": search}, headers=auth)
    assert resp.status_code == 404 and resp.headers["content-type"].startswith("text/html")
    assert wire_client.post("V1.0/Tickets/query", json=json.loads(search), headers=auth).status_code == 200
    sandbox.control.set_limits(max_url_length=100_000)  # † switchable
    assert wire_client.get("V1.0/Tickets/query", params={"search": search}, headers=auth).status_code == 200


def test_child_list_pages_like_a_query(
    sandbox: Sandbox, sandbox_client: httpx.Client, wire_client: httpx.Client
) -> None:
    auth = sandbox.headers()
    ticket_id = sandbox_client.post("V1.0/Tickets/query", json={**QUERY, "MaxRecords": 1}).json()["items"][0][
        "id"
    ]
    fields = sandbox_client.get("V1.0/TicketNotes/entityInformation/fields").json()["fields"]
    picks = {
        f["name"]: int(f["picklistValues"][0]["value"])
        for f in fields
        if f["name"] in ("noteType", "publish")
    }
    existing = sandbox_client.post(
        "V1.0/TicketNotes/query/count",
        json={"filter": [{"op": "eq", "field": "ticketID", "value": ticket_id}]},
    )
    for n in range(max(0, 501 - existing.json()["queryCount"])):
        created = sandbox_client.post(
            f"V1.0/Tickets/{ticket_id}/Notes", json={"title": f"note {n}", "description": "x", **picks}
        )
        assert created.status_code == 200, created.text
    ids, resp, pages = [], wire_client.get(f"V1.0/Tickets/{ticket_id}/Notes", headers=auth), 0
    while True:
        body = resp.json()
        pages += 1
        ids += [item["id"] for item in body["items"]]
        assert all(item["ticketID"] == ticket_id for item in body["items"])
        if body["pageDetails"]["nextPageUrl"] is None:
            break
        resp = wire_client.get(body["pageDetails"]["nextPageUrl"], headers=auth)
    assert pages >= 2 and ids == sorted(ids)
    count = wire_client.post(
        "V1.0/TicketNotes/query/count",
        headers=auth,
        json={"filter": [{"op": "eq", "field": "ticketID", "value": ticket_id}]},
    ).json()
    assert count == {"queryCount": len(ids)}
    assert body["pageDetails"]["prevPageUrl"] is not None
