"""Queries against the sandbox: complete multi-page results, every operator, groups, UDFs, fields, limits."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from py_autotask import F, Page, QuerySyntaxError
from py_autotask.query import ALL_RECORDS

from .conftest import Api


def ids(rows: list[dict]) -> list[int]:
    return [r["id"] for r in rows]


@pytest.mark.parametrize(("method", "strategy"), [("POST", "next_url"), ("GET", "next_url"),
                                                  ("POST", "id_keyset")])
def test_multi_page_query_returns_exactly_the_counted_ids(api: Api, method: str, strategy: str) -> None:
    count = api(lambda c: c.tickets.count())
    assert count >= 1001  # three pages of 500 at least
    pages = api.pages(lambda c: c.tickets.query(fields=["id"], method=method, strategy=strategy))
    assert len(pages) >= 3 and all(len(p) <= 500 for p in pages)
    got = [i for p in pages for i in ids(p.items)]
    assert len(got) == len(set(got)) == count
    expected = {r["id"] for r in api.sandbox.state.store.query("Tickets", {"filter": list(ALL_RECORDS)},
                                                               page_size=100_000).items}
    assert set(got) == expected
    kinds = {(e["method"], e["action"]) for e in api.sandbox.control.request_log}
    if strategy == "next_url":
        assert any("/query/next" in e["path"] for e in api.sandbox.control.request_log)
    assert all(m == method for m, action in kinds if action and action.startswith("query"))


def test_faulted_multi_page_query_still_returns_every_id_once(api: Api) -> None:
    expected = set(ids(api.list(lambda c: c.tickets.query(fields=["id"]))))
    api.sandbox.control.set_faults({"500": 0.05, "429": 0.02, "reset": 0.01, "truncate": 0.01}, seed=11)
    for strategy in ("next_url", "id_keyset"):
        got = ids(api.list(lambda c, s=strategy: c.tickets.query(fields=["id"], page_size=100, strategy=s)))
        assert len(got) == len(set(got)) and set(got) == expected
    assert api.sandbox.control.stats()["faults"]  # faults really happened and were retried
    assert len(api.sleeps) == sum(api.sandbox.control.stats()["faults"].values())


def test_filtered_multi_page_query_matches_its_count(api_local: Api) -> None:
    flt = F.id > 100
    count = api_local(lambda c: c.tickets.count(flt))
    rows = api_local.list(lambda c: c.tickets.query(flt, page_size=250, fields=["id"]))
    assert len(rows) == count and len(set(ids(rows))) == count and min(ids(rows)) > 100


def test_limit_page_size_and_first_page(api_local: Api) -> None:
    rows = api_local.list(lambda c: c.tickets.query(limit=7))
    assert len(rows) == 7 and ids(rows) == sorted(ids(rows))
    pages = api_local.pages(lambda c: c.tickets.query(page_size=100, limit=250, fields=["id"]))
    assert [len(p) for p in pages] == [100, 100, 50]
    first = api_local.first_page(lambda c: c.tickets.query(page_size=10))
    assert isinstance(first, Page) and len(first.items) == 10 and first.next_page_url
    assert len(api_local.sandbox.control.request_log) == 5  # 1 + 3 pages + 1 first page, nothing more
    assert api_local.list(lambda c: c.tickets.query(limit=0)) == []


def test_fields_keep_id_and_resolve_snake_case(api_local: Api) -> None:
    rows = api_local.list(lambda c: c.tickets.query(fields=["title", "due_date_time"], limit=3))
    for row in rows:
        assert {"id", "title", "dueDateTime"} <= set(row) and "status" not in row


OPERATOR_CASES = [
    (lambda t: F.id == t["id"], lambda r, t: r["id"] == t["id"]),
    (lambda t: F.id != t["id"], lambda r, t: r["id"] != t["id"]),
    (lambda t: F.id > t["id"], lambda r, t: r["id"] > t["id"]),
    (lambda t: F.id >= t["id"], lambda r, t: r["id"] >= t["id"]),
    (lambda t: F.id < t["id"], lambda r, t: r["id"] < t["id"]),
    (lambda t: F.id <= t["id"], lambda r, t: r["id"] <= t["id"]),
    (lambda t: F.title.begins_with(t["title"][:4]), lambda r, t: r["title"].lower().startswith(t["title"][:4].lower())),
    (lambda t: F.title.ends_with(t["title"][-4:]), lambda r, t: r["title"].lower().endswith(t["title"][-4:].lower())),
    (lambda t: F.title.contains(t["title"][2:7]), lambda r, t: t["title"][2:7].lower() in r["title"].lower()),
    (lambda t: F.id.in_([t["id"], t["id"] + 1, 5]), lambda r, t: r["id"] in (t["id"], t["id"] + 1, 5)),
    (lambda t: F.id.not_in(list(range(t["id"] - 200, t["id"] + 200))),
     lambda r, t: not t["id"] - 200 <= r["id"] < t["id"] + 200),
    (lambda t: F.completed_date.exists(), lambda r, t: r.get("completedDate") is not None),
    (lambda t: F.completed_date.not_exists(), lambda r, t: r.get("completedDate") is None),
]


@pytest.mark.parametrize("case", range(len(OPERATOR_CASES)))
def test_every_operator_returns_exactly_the_matching_records(api_local: Api, case: int) -> None:
    build, matches = OPERATOR_CASES[case]
    everything = api_local.list(lambda c: c.tickets.query(fields=["title", "completedDate"]))
    target = everything[len(everything) // 2]
    expected = {r["id"] for r in everything if matches(r, target)}
    got = ids(api_local.list(lambda c: c.tickets.query(build(target), fields=["title", "completedDate"])))
    assert len(got) == len(set(got))
    assert set(got) == expected
    # Each case selects some records but not all, so a filter that was ignored would be caught.
    assert 0 < len(expected) < len(everything)


def test_nested_groups_and_the_three_filter_forms_agree(api_local: Api) -> None:
    everything = api_local.list(lambda c: c.tickets.query(fields=["status", "priority"]))
    expected = {r["id"] for r in everything
                if r["id"] > 200 and (r["priority"] in (1, 2) or (r["status"] == 1 and r["id"] < 900))}
    expr = (F.id > 200) & (F.priority.in_([1, 2]) | ((F.status == 1) & (F.id < 900)))
    text = "id > 200 and (priority in (1, 2) or (status = 1 and id < 900))"
    raw = [{"op": "gt", "field": "id", "value": 200},
           {"op": "or", "items": [{"op": "in", "field": "priority", "value": [1, 2]},
                                  {"op": "and", "items": [{"op": "eq", "field": "status", "value": 1},
                                                          {"op": "lt", "field": "id", "value": 900}]}]}]
    for flt in (expr, text, raw):
        assert set(ids(api_local.list(lambda c, f=flt: c.tickets.query(f, fields=["id"])))) == expected
    assert expected and len(expected) < len(everything)


def test_datetime_filter_goes_out_in_utc(api_local: Api) -> None:
    rows = api_local.list(lambda c: c.tickets.query(fields=["createDate"]))
    middle = sorted(r["createDate"] for r in rows)[len(rows) // 2]
    from py_autotask import parse_datetime

    cut = parse_datetime(middle)
    local = cut.astimezone(timezone.utc).replace(tzinfo=timezone.utc)
    got = api_local.list(lambda c: c.tickets.query(F.create_date >= local, fields=["createDate"]))
    assert {r["id"] for r in got} == {r["id"] for r in rows if parse_datetime(r["createDate"]) >= cut}
    assert isinstance(cut, datetime) and cut.tzinfo is not None


def test_udf_filter(api_local: Api) -> None:
    udfs = api_local(lambda c: c.companies.udfs())
    assert udfs, "the sandbox seeds company UDFs"
    rows = api_local.list(lambda c: c.companies.query())  # IncludeFields would leave the UDFs out
    from py_autotask import udf

    for definition in udfs:
        name = definition["name"]
        values = [udf(r, name) for r in rows if udf(r, name) not in (None, "")]
        if values:
            break
    else:
        pytest.fail("no company carries a UDF value")
    value = values[0]
    expected = {r["id"] for r in rows if udf(r, name) == value}
    got = api_local.list(lambda c: c.companies.query(F.udf(name) == value))
    assert {r["id"] for r in got} == expected and expected


def test_long_get_query_switches_to_post(api_local: Api) -> None:
    wanted = ids(api_local.list(lambda c: c.tickets.query(fields=["id"], limit=400)))
    api_local.sandbox.control.clear_log()
    rows = api_local.list(lambda c: c.tickets.query(F.id.in_(wanted), method="GET", fields=["id"]))
    assert set(ids(rows)) == set(wanted)
    methods = {e["method"] for e in api_local.sandbox.control.request_log if e["action"] in ("queryGet", "queryPost")}
    assert methods == {"POST"}


def test_short_get_query_stays_get_and_carries_the_search(api_local: Api) -> None:
    api_local.list(lambda c: c.tickets.query(F.id < 10, method="GET"))
    entry = api_local.sandbox.control.request_log[-1]
    assert entry["method"] == "GET" and "search=" in entry["query"]
    assert json.loads(__import__("urllib.parse").parse.unquote(entry["query"].split("search=", 1)[1]))


def test_bad_filters_fail_before_any_request(api_local: Api) -> None:
    with pytest.raises(QuerySyntaxError):
        api_local.client.tickets.query("status = = 1")
    with pytest.raises(QuerySyntaxError):
        api_local.client.tickets.query(F.no_such_field == 1)
    assert api_local.sandbox.control.request_log == []


def test_children_lists_one_parents_records(api_local: Api) -> None:
    notes = api_local.list(lambda c: c.ticket_notes.query(limit=50))
    ticket_id = notes[0]["ticketID"]
    expected = {n["id"] for n in api_local.list(lambda c: c.ticket_notes.query(F.ticket_id == ticket_id))}
    got = api_local.list(lambda c: c.ticket_notes.children(ticket_id))
    assert {n["id"] for n in got} == expected
    assert api_local.sandbox.control.request_log[-1]["path"].endswith(f"/Tickets/{ticket_id}/Notes")
