"""Metadata against the sandbox: entityInformation, fields, UDFs, picklists, label/value, caching."""

from __future__ import annotations

import pytest

from py_autotask.cache import LayeredCache, MemoryLayer

from .conftest import Api


def metadata_requests(api: Api) -> list[str]:
    return [e["path"] for e in api.sandbox.control.request_log if "entityInformation" in e["path"]]


def test_info_fields_and_udfs(api_local: Api) -> None:
    info = api_local(lambda c: c.tickets.info())
    assert info["canQuery"] is True and info["canCreate"] is True and info["canDelete"] is False
    assert info["hasUserDefinedFields"] is True
    fields = api_local(lambda c: c.tickets.fields())
    names = {f["name"] for f in fields}
    assert {"id", "title", "status", "priority"} <= names
    status = next(f for f in fields if f["name"] == "status")
    assert status["isPickList"] and status["picklistValues"]
    assert isinstance(api_local(lambda c: c.tickets.udfs()), list)


def test_picklist_label_and_value_round_trip(api_local: Api) -> None:
    entries = api_local(lambda c: c.tickets.picklist("status"))
    assert entries == sorted(entries, key=lambda e: (e["sortOrder"] or 0, e["label"]))
    for entry in entries[:5]:
        value = api_local(lambda c, e=entry: c.tickets.value("status", e["label"]))
        assert value == int(entry["value"])  # typed like the field (integer), not the wire string
        assert api_local(lambda c, v=value: c.tickets.label("status", v)) == entry["label"]
        assert api_local(lambda c, e=entry: c.tickets.value("Status", e["label"].upper())) == value
    assert api_local(lambda c: c.tickets.label("status", None)) is None
    with pytest.raises(KeyError, match="is not a label"):
        api_local(lambda c: c.tickets.value("status", "No Such Status"))
    with pytest.raises(KeyError, match="did you mean"):
        api_local(lambda c: c.tickets.picklist("statuss"))
    with pytest.raises(ValueError, match="not a picklist"):
        api_local(lambda c: c.tickets.picklist("title"))


def test_records_use_picklist_values_the_metadata_knows(api_local: Api) -> None:
    rows = api_local.list(lambda c: c.tickets.query(fields=["status", "priority"], limit=50))
    for row in rows:
        assert api_local(lambda c, r=row: c.tickets.label("status", r["status"]))
        assert api_local(lambda c, r=row: c.tickets.label("queue_id", r.get("queueID")) if r.get("queueID")
                         else "none")


def test_metadata_is_cached_and_force_refreshes(api_local: Api) -> None:
    cached = api_local.make(cache=LayeredCache([MemoryLayer()]))
    try:
        cached(lambda c: c.tickets.fields())
        cached(lambda c: c.tickets.fields())
        cached(lambda c: c.tickets.picklist("status"))
        cached(lambda c: c.tickets.label("priority", 1))
        assert len(metadata_requests(api_local)) == 1
        cached(lambda c: c.tickets.fields(force=True))
        assert len(metadata_requests(api_local)) == 2
        cached(lambda c: c.tickets.info())
        cached(lambda c: c.tickets.info())
        assert len(metadata_requests(api_local)) == 3
    finally:
        cached.close()


def test_udf_picklist_lookups(api_local: Api) -> None:
    definitions = api_local(lambda c: c.companies.udfs())
    picklists = [d for d in definitions if d.get("isPickList") and d.get("picklistValues")]
    if not picklists:
        pytest.skip("the sandbox tenant has no picklist UDF on Companies")
    udf_def = picklists[0]
    entry = udf_def["picklistValues"][0]
    assert api_local(lambda c: c.companies.label(udf_def["name"], entry["value"])) == entry["label"]
