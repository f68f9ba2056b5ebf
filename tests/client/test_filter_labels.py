"""Picklist labels in string filters (`status=Complete`) against the sandbox, sync and async."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from py_autotask import QuerySyntaxError
from py_autotask.cache import LayeredCache, MemoryLayer

from .conftest import Api


def actions(api: Api) -> list[str]:
    return [str(e["action"]) for e in api.sandbox.control.request_log]


@pytest.fixture
def cached(api_local: Api) -> Iterator[Api]:
    """The same flavour of client, with a memory cache, so a metadata read is made once."""
    made = api_local.make(cache=LayeredCache([MemoryLayer()]))
    try:
        yield made
    finally:
        made.close()


def value_of(api: Api, field: str, label: str) -> int:
    return int(api(lambda c: c.tickets.value(field, label)))


def test_labels_in_string_filters_mean_their_values(api_local: Api) -> None:
    complete = value_of(api_local, "status", "Complete")
    in_progress = value_of(api_local, "status", "In Progress")
    high, critical = value_of(api_local, "priority", "High"), value_of(api_local, "priority", "Critical")
    by_value = api_local(lambda c: c.tickets.count(f"status={complete}"))
    assert by_value > 0
    assert api_local(lambda c: c.tickets.count("status=Complete")) == by_value
    assert api_local(lambda c: c.tickets.count("STATUS = complete")) == by_value  # labels ignore case
    rows = api_local.list(lambda c: c.tickets.query("status=Complete", fields=["id", "status"]))
    assert len(rows) == by_value and {r["status"] for r in rows} == {complete}

    quoted = api_local.list(lambda c: c.tickets.query('status="In Progress"', fields=["id"]))
    assert {r["id"] for r in quoted} == {
        r["id"] for r in api_local.list(lambda c: c.tickets.query(f"status={in_progress}", fields=["id"]))
    }
    listed = api_local.list(lambda c: c.tickets.query("priority in (High, Critical) and status != Complete",
                                                      fields=["id", "priority", "status"]))
    numeric = api_local.list(lambda c: c.tickets.query(f"priority in ({high},{critical}) and status!={complete}",
                                                       fields=["id"]))
    assert listed and {r["id"] for r in listed} == {r["id"] for r in numeric}
    assert {r["priority"] for r in listed} <= {high, critical}


@pytest.mark.parametrize(("method", "strategy"), [("GET", "next_url"), ("POST", "id_keyset")])
def test_labels_work_with_every_query_form(api_local: Api, method: str, strategy: str) -> None:
    complete = value_of(api_local, "status", "Complete")
    rows = api_local.list(lambda c: c.tickets.query("status=Complete", fields=["id", "status"], method=method,
                                                    strategy=strategy, page_size=20))
    assert len(rows) == api_local(lambda c: c.tickets.count(f"status={complete}")) > 20
    assert {r["status"] for r in rows} == {complete}
    assert api_local.first_page(lambda c: c.tickets.query("status=Complete", limit=3)).items


def test_numbers_need_no_metadata_and_labels_read_it_once(cached: Api) -> None:
    cached(lambda c: c.tickets.count("status=5 and priority in (1, 2)"))
    cached.list(lambda c: c.tickets.query("status=5", limit=3))
    cached(lambda c: c.tickets.count("title~Complete"))  # a string operator sends the word as text
    assert "fields" not in actions(cached)

    cached(lambda c: c.tickets.count("status=Complete"))
    cached.list(lambda c: c.tickets.query("priority=High", limit=3))
    cached(lambda c: c.tickets.build_filter("status in (New, Complete)"))
    assert actions(cached).count("fields") == 1  # one read of the field metadata, then the cache


def test_inactive_labels_resolve_for_old_records(api_local: Api) -> None:
    entries = api_local(lambda c: c.tickets.picklist("status"))
    retired = next(e for e in entries if not e["isActive"])
    built = api_local(lambda c: c.tickets.build_filter(f'status="{retired["label"]}"'))
    assert built == [{"op": "eq", "field": "status", "value": int(retired["value"])}]
    assert api_local(lambda c: c.tickets.count(f'status="{retired["label"]}"')) == api_local(
        lambda c: c.tickets.count(f"status={retired['value']}")
    )


def test_unknown_label_lists_the_valid_labels(api_local: Api) -> None:
    with pytest.raises(QuerySyntaxError, match="neither a value nor a picklist label") as caught:
        api_local(lambda c: c.tickets.count("status=Completed"))
    assert "Complete" in str(caught.value) and "In Progress" in str(caught.value)
    assert caught.value.position == len("status=")
    with pytest.raises(QuerySyntaxError, match="High, Medium, Low"):
        api_local.list(lambda c: c.tickets.query("priority in (High, Urgent)"))


def test_other_filter_errors_raise_before_any_request(api_local: Api) -> None:
    with pytest.raises(QuerySyntaxError, match="unknown field 'zzz'"):
        api_local(lambda c: c.tickets.query("status=Complete and zzz=1"))
    with pytest.raises(QuerySyntaxError, match="not a date"):
        api_local(lambda c: c.tickets.query("status=Complete and createDate>=yesterday"))
    assert actions(api_local) == []
    with pytest.raises(QuerySyntaxError, match="not an integer"):  # id is no picklist: the metadata says so
        api_local(lambda c: c.tickets.count("id=abc"))
    assert "countPost" not in actions(api_local)


@pytest.fixture
def duplicate_complete(api_local: Api) -> Iterator[dict[str, Any]]:
    """A tenant whose ticket status picklist has a second, inactive "Complete" (as admins leave behind)."""
    status = next(f for f in api_local.sandbox.state.meta.fields("Tickets") if f["name"] == "status")
    original = next(e for e in status["picklistValues"] if e["label"] == "Complete")
    extra = {**original, "value": "991", "label": "complete", "isActive": False, "sortOrder": 99}
    status["picklistValues"].append(extra)
    try:
        yield extra
    finally:
        status["picklistValues"].remove(extra)


def test_ambiguous_label_names_both_values(api_local: Api, duplicate_complete: dict[str, Any]) -> None:
    complete = value_of(api_local, "status", "Complete")
    with pytest.raises(QuerySyntaxError, match="ambiguous") as caught:
        api_local(lambda c: c.tickets.count("priority=High and status=Complete"))
    message = str(caught.value)
    assert f"{complete} ('Complete')" in message and "991 ('complete', inactive)" in message
    assert caught.value.position == len("priority=High and status=")
    with pytest.raises(QuerySyntaxError, match="ambiguous"):
        api_local.list(lambda c: c.tickets.query("status in (New, Complete)"))
    # Other labels of the same picklist, and the values themselves, still work.
    assert api_local(lambda c: c.tickets.count("status=New")) == api_local(
        lambda c: c.tickets.count(f"status={value_of(api_local, 'status', 'New')}")
    )
    assert api_local(lambda c: c.tickets.count("status=991")) == 0


# -- F expressions: a str on a picklist (number) field is a label, an int a value --------------------------------

def queries(api: Api) -> list[str]:
    return [a for a in actions(api) if a.startswith(("query", "count"))]


def test_f_expressions_take_labels_like_string_filters(api: Api) -> None:
    from py_autotask import F

    complete, new = value_of(api, "status", "Complete"), value_of(api, "status", "New")
    assert api(lambda c: c.tickets.count(F.status == "Complete")) == api(
        lambda c: c.tickets.count("status=Complete")) == api(lambda c: c.tickets.count(F.status == complete)) > 0
    rows = api.list(lambda c: c.tickets.query(F.status.in_(["new", complete]) & (F.priority != "High"),
                                              fields=["id", "status"]))
    assert rows and {r["status"] for r in rows} == {new, complete}
    assert api(lambda c: c.tickets.build_filter(F.status.not_in(["Complete", 1]))) == [
        {"op": "notIn", "field": "status", "value": [complete, 1]}]
    # raw filter JSON is Python values too
    assert api(lambda c: c.tickets.build_filter({"op": "eq", "field": "status", "value": "Complete"})) == [
        {"op": "eq", "field": "status", "value": complete}]


def test_f_expression_unknown_label_names_close_ones_before_any_query(api_local: Api) -> None:
    from py_autotask import F

    with pytest.raises(QuerySyntaxError, match="did you mean Complete") as caught:
        api_local.list(lambda c: c.tickets.query(F.status == "Completed"))
    assert "not a picklist label" in str(caught.value)
    with pytest.raises(QuerySyntaxError, match="'5' is not a picklist label"):  # a str is a label, 5 a value
        api_local(lambda c: c.tickets.count(F.status == "5"))
    with pytest.raises(QuerySyntaxError, match="not an integer"):  # not a picklist at all
        api_local(lambda c: c.tickets.count(F.id == "abc"))
    assert queries(api_local) == []


def test_f_expression_ambiguous_label_names_both_values(api_local: Api, duplicate_complete: dict[str, Any]) -> None:
    from py_autotask import F

    complete = value_of(api_local, "status", "Complete")
    with pytest.raises(QuerySyntaxError, match="ambiguous") as caught:
        api_local.list(lambda c: c.tickets.query((F.priority == "High") & F.status.in_(["New", "Complete"])))
    assert f"{complete} ('Complete')" in str(caught.value) and "991 ('complete', inactive)" in str(caught.value)
    assert queries(api_local) == []


# -- fields=: names are checked before any query ----------------------------------------------------------------

def test_unknown_field_names_raise_before_any_query(api: Api) -> None:
    from py_autotask import F

    with pytest.raises(QuerySyntaxError, match=r"Tickets has no field 'titel'; did you mean title\?"):
        api.list(lambda c: c.tickets.query(F.status == 1, fields=["id", "titel"]))
    with pytest.raises(QuerySyntaxError, match="has no user-defined field 'Root Caus'.*Root Cause"):
        api.list(lambda c: c.tickets.query(fields=["udf:Root Caus"]))
    with pytest.raises(QuerySyntaxError, match="has no field 'companyNmae'; did you mean companyName"):
        api.first_page(lambda c: c.companies.query(fields=["companyNmae"], limit=1))
    with pytest.raises(QuerySyntaxError, match="ContractServices has no field 'nmae'"):  # no UDFs: no request
        api.list(lambda c: c.contract_services.query(fields=["nmae"]))
    assert queries(api) == [] and "userDefinedFields" in actions(api)  # UDF names: one metadata read

    rows = api.list(lambda c: c.tickets.query(F.status == 1, fields=["TITLE", "due_date_time", "udf:root cause",
                                                                       "Customer Impact Score"], limit=2))
    assert len(rows) == 2 and set(rows[0]) >= {"id", "title", "dueDateTime"}
    assert {u["name"] for u in rows[0]["userDefinedFields"]} >= {"Root Cause", "Customer Impact Score"}
    reads = actions(api).count("userDefinedFields")
    for _ in range(3):  # page by page, as exports query: known UDF names need no new read (the cache is off here)
        api.first_page(lambda c: c.tickets.query(fields=["id", "Root Cause"], limit=1))
    assert actions(api).count("userDefinedFields") == reads
