"""Paging decisions on canned Autotask page bodies (no I/O)."""

from __future__ import annotations

import json

import pytest

from py_autotask import APIConnectionError
from py_autotask._core.paging import IdKeysetPager, NextUrlPager, page_from_payload
from py_autotask._core.requests import Call, get_fits, query_body, resolve_field_names, search_params

ROOT = "https://webservices15.autotask.net/ATServicesRest/V1.0/"
NEXT = ROOT + 'Companies/query/next?paging={"pageSize":2,"previousIds":[-1],"nextIds":[3]}'


def page(ids: list[int], next_url: str | None) -> dict:
    return {"items": [{"id": i} for i in ids],
            "pageDetails": {"count": len(ids), "requestCount": 2, "prevPageUrl": None, "nextPageUrl": next_url}}


def post_call(body: dict | None = None) -> Call:
    return Call("POST", "Companies/query", kind="query", endpoint="Companies",
                json=body or query_body(None, max_records=2))


def test_post_query_follows_next_page_url_with_post_and_the_same_body() -> None:
    first = post_call()
    pager = NextUrlPager(first)
    assert pager.next_call() is first
    assert [r["id"] for r in pager.feed(page([1, 2], NEXT)).items] == [1, 2]
    nxt = pager.next_call()
    assert nxt is not None
    assert (nxt.method, nxt.path, nxt.json, nxt.params) == ("POST", NEXT, first.json, None)
    pager.feed(page([3], None))
    assert pager.next_call() is None and pager.done


def test_get_query_follows_next_page_url_with_get_and_no_body() -> None:
    body = query_body(None)
    first = Call("GET", "Companies/query", kind="query", endpoint="Companies", params=search_params(body))
    pager = NextUrlPager(first)
    pager.feed(page([1, 2], NEXT))
    nxt = pager.next_call()
    assert nxt is not None and (nxt.method, nxt.path, nxt.json, nxt.params) == ("GET", NEXT, None, None)


def test_limit_cuts_the_page_and_stops() -> None:
    pager = NextUrlPager(post_call(), limit=3)
    assert len(pager.feed(page([1, 2], NEXT)).items) == 2
    assert len(pager.feed(page([3, 4], NEXT + "x")).items) == 1
    assert pager.next_call() is None
    assert NextUrlPager(post_call(), limit=0).next_call() is None


def test_a_repeated_cursor_is_refused_instead_of_looping() -> None:
    pager = NextUrlPager(post_call())
    pager.feed(page([1, 2], NEXT))
    with pytest.raises(APIConnectionError, match="same nextPageUrl"):
        pager.feed(page([3, 4], NEXT))


def test_malformed_page_body_is_an_error() -> None:
    with pytest.raises(APIConnectionError):
        page_from_payload({"item": {}})
    assert page_from_payload({"items": []}).page_details == {}


def test_id_keyset_adds_id_greater_than_last_and_stops_on_a_short_page() -> None:
    body = query_body([{"op": "eq", "field": "isActive", "value": True}], include_fields=["id", "companyName"])
    pager = IdKeysetPager(post_call(body), page_size=2)
    first = pager.next_call()
    assert first is not None and first.json["maxRecords"] == 2
    assert first.json["filter"] == [{"op": "eq", "field": "isActive", "value": True}]
    pager.feed(page([10, 12], NEXT))
    second = pager.next_call()
    assert second is not None
    assert second.json["filter"][-1] == {"op": "gt", "field": "id", "value": 12}
    assert second.json["filter"][0] == {"op": "eq", "field": "isActive", "value": True}
    assert body["filter"] == [{"op": "eq", "field": "isActive", "value": True}]  # not mutated
    pager.feed(page([15], None))
    assert pager.next_call() is None and pager.last_id == 15


def test_id_keyset_stops_when_autotask_says_nothing_follows() -> None:
    pager = IdKeysetPager(post_call(), page_size=2)
    pager.next_call()
    pager.feed(page([1, 2], None))
    assert pager.next_call() is None


def test_id_keyset_get_form_and_limit() -> None:
    body = query_body(None)
    first = Call("GET", "Companies/query", kind="query", endpoint="Companies", params=search_params(body))
    pager = IdKeysetPager(first, limit=3, page_size=2)
    call = pager.next_call()
    assert call is not None and call.json is None and json.loads(call.params["search"])["maxRecords"] == 2
    pager.feed(page([1, 2], NEXT))
    call = pager.next_call()
    assert call is not None and json.loads(call.params["search"])["maxRecords"] == 1
    pager.feed(page([3], NEXT))
    assert pager.next_call() is None


def test_id_keyset_needs_ids() -> None:
    pager = IdKeysetPager(post_call(), page_size=2)
    pager.next_call()
    with pytest.raises(APIConnectionError, match="needs 'id'"):
        pager.feed({"items": [{"name": "x"}], "pageDetails": {}})


def test_query_body_defaults_to_the_all_records_filter() -> None:
    assert query_body(None) == {"filter": [{"op": "gte", "field": "id", "value": 0}]}
    assert query_body([]) == {"filter": [{"op": "gte", "field": "id", "value": 0}]}
    with pytest.raises(ValueError):
        query_body(None, max_records=501)


def test_include_fields_resolve_names_and_always_keep_id() -> None:
    fields = {"id": "long", "companyName": "string", "ownerResourceID": "integer"}
    assert resolve_field_names(["company_name", "OWNERRESOURCEID"], fields) == [
        "id", "companyName", "ownerResourceID"]
    assert resolve_field_names(["Id", "Customer Ranking"], fields) == ["id", "Customer Ranking"]


def test_long_get_queries_do_not_fit() -> None:
    short = query_body([{"op": "in", "field": "id", "value": list(range(10))}])
    long = query_body([{"op": "in", "field": "id", "value": list(range(100_000, 100_400))}])
    assert get_fits("Tickets/query", short)
    assert not get_fits("Tickets/query", long)
