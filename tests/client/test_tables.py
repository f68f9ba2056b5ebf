"""`query().to_arrow()/.to_pandas()/.to_polars()` on both clients, in-process and over HTTP, against the sandbox."""

from __future__ import annotations

import sys
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from py_autotask._datetime import parse_datetime
from py_autotask.tables import MissingExtraError

TS = pa.timestamp("ms", tz="UTC")


def udf(record: dict[str, Any], name: str) -> Any:
    return next((u["value"] for u in record.get("userDefinedFields") or () if u["name"] == name), None)


def test_to_arrow_has_every_record_and_every_type_family(api: Any) -> None:
    count = api(lambda c: c.tickets.count())
    pages = api.pages(lambda c: c.tickets.query())
    assert len(pages) >= 3 and count == sum(len(p.items) for p in pages)
    table = api(lambda c: c.tickets.query().to_arrow(labels=True))
    assert table.num_rows == count
    types = dict(zip(table.schema.names, table.schema.types, strict=True))
    assert types["id"] == pa.int64() and types["priority"] == pa.int32()  # long, integer
    assert types["estimatedHours"] == pa.float64() and types["isVisibleToComanaged"] == pa.bool_()
    assert types["createDate"] == TS and types["status_label"] == pa.string()
    assert types["udf:Customer Impact Score"] == pa.float64() and types["udf:Follow Up Date"] == TS
    records = {r["id"]: r for r in api.list(lambda c: c.tickets.query())}
    rows = table.to_pylist()
    assert {row["id"] for row in rows} == set(records), "every id exactly once"
    labels = {str(e["value"]): e["label"] for e in api(lambda c: c.tickets.picklist("status"))}
    for row in rows:
        record = records[row["id"]]
        assert row["priority"] == record["priority"] and row["estimatedHours"] == record["estimatedHours"]
        assert row["isVisibleToComanaged"] is record["isVisibleToComanaged"]
        assert row["createDate"] == parse_datetime(record["createDate"])
        assert row["status_label"] == labels[str(record["status"])]
        score, follow = udf(record, "Customer Impact Score"), udf(record, "Follow Up Date")
        assert row["udf:Customer Impact Score"] == (None if score is None else float(score))
        assert row["udf:Follow Up Date"] == (None if follow is None else parse_datetime(follow))
    assert sum(r["udf:Follow Up Date"] is not None for r in rows) > 0
    assert sum(r["udf:Customer Impact Score"] is not None for r in rows) > 0


def test_decimals_and_filters_and_fields(api: Any) -> None:
    table = api(lambda c: c.projects.query().to_arrow())
    decimals = [f["name"] for f in api(lambda c: c.projects.fields()) if f["dataType"] == "decimal"]
    records = {r["id"]: r for r in api.list(lambda c: c.projects.query())}
    assert decimals and table.num_rows == len(records) == api(lambda c: c.projects.count())
    for row in table.to_pylist():
        for name in decimals:
            expected = records[row["id"]][name]
            assert row[name] == (None if expected is None else float(expected))
    picked = api(lambda c: c.tickets.query("status=1", fields=["id", "ticket_number", "createDate"]).to_arrow())
    assert picked.schema.names == ["id", "ticketNumber", "createDate"]
    assert picked.num_rows == api(lambda c: c.tickets.count("status=1")) > 0


def test_to_pandas_and_to_polars(api: Any) -> None:
    count = api(lambda c: c.tickets.count())
    frame = api(lambda c: c.tickets.query().to_pandas(labels=True))
    assert isinstance(frame, pd.DataFrame) and len(frame) == count
    assert str(frame["createDate"].dtype) == "datetime64[ms, UTC]"
    assert isinstance(frame["companyID"].dtype, pd.Int32Dtype)  # nullable ints stay ints
    assert isinstance(frame["isVisibleToComanaged"].dtype, pd.BooleanDtype)
    assert frame["udf:Customer Impact Score"].dtype == "float64"
    polars = api(lambda c: c.tickets.query().to_polars())
    assert isinstance(polars, pl.DataFrame) and polars.height == count
    assert polars.schema["createDate"] == pl.Datetime("ms", "UTC")
    assert polars.schema["udf:Follow Up Date"] == pl.Datetime("ms", "UTC")
    assert polars.schema["id"] == pl.Int64
    assert sorted(polars["id"].to_list()) == sorted(frame["id"].tolist())


def test_an_empty_query_is_an_empty_typed_table(api_local: Any) -> None:
    table = api_local(lambda c: c.tickets.query("id<0").to_arrow())
    assert table.num_rows == 0 and table.schema.field("createDate").type == TS


def test_a_missing_extra_names_it_before_any_request(api_local: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    api_local(lambda c: c.tickets.fields())  # metadata cached; the next call would only query
    api_local.sandbox.control.clear_log()
    monkeypatch.setitem(sys.modules, "polars", None)
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(MissingExtraError, match=r"to_polars\(\) needs the 'polars' package: pip install "
                                                 r"'py-autotask\[polars\]'"):
        api_local(lambda c: c.tickets.query().to_polars())
    with pytest.raises(MissingExtraError, match=r"pip install 'py-autotask\[pandas\]'"):
        api_local(lambda c: c.tickets.query().to_pandas())
    assert api_local.sandbox.control.request_log == []

