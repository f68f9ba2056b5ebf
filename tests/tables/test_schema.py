"""The schema layer: the tenant's metadata → typed Arrow columns, and records → values checked one by one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from py_autotask import AutotaskClient
from py_autotask._datetime import UTC, parse_datetime
from py_autotask.export.engine import ExportEngine, ExportRequest
from py_autotask.query import QuerySyntaxError
from py_autotask.tables import TableSchema, column_array, schema_for

from .._clock import SANDBOX_NOW

BASE_URL = "https://sandbox.autotask.local/ATServicesRest/"
TS = pa.timestamp("ms", tz="UTC")


@pytest.fixture
def client(sandbox: Any) -> Iterator[AutotaskClient]:
    with AutotaskClient(**sandbox.credentials, base_url=BASE_URL, transport=sandbox.transport(), cache=False) as c:
        yield c


def test_tickets_schema_is_typed_from_the_tenant_metadata(client: AutotaskClient) -> None:
    schema = schema_for(client, "Tickets", labels=True)
    types = dict(zip(schema.arrow.names, schema.arrow.types, strict=True))
    fields = {f["name"]: f for f in client.tickets.fields()}
    assert schema.names[0] == "id" and types["id"] == pa.int64()
    for name, meta in fields.items():
        expected = {"integer": pa.int32(), "long": pa.int64(), "double": pa.float64(), "decimal": pa.float64(),
                    "boolean": pa.bool_(), "datetime": TS, "string": pa.string()}[meta["dataType"]]
        assert types[name] == expected, name
        if meta["isPickList"] and meta["picklistValues"]:
            assert types[name + "_label"] == pa.string()
            assert schema.names.index(name + "_label") == schema.names.index(name) + 1
    udfs = {u["name"]: u["type"] for u in client.tickets.udfs()}
    assert types["udf:Customer Impact Score"] == pa.float64() and udfs["Customer Impact Score"] == "double"
    assert types["udf:Follow Up Date"] == TS and udfs["Follow Up Date"] == "datetime"
    assert types["udf:Root Cause"] == pa.string()
    assert schema.names[-len(udfs):] == [f"udf:{n}" for n in udfs], "UDF columns come last, in metadata order"
    assert "status_label" not in schema_for(client, "Tickets").names, "labels only when asked"


def test_records_convert_value_by_value(client: AutotaskClient) -> None:
    schema = schema_for(client, "Tickets", labels=True)
    records = client.tickets.query().to_list()
    table = schema.to_arrow(records)
    assert table.schema == schema.arrow and table.num_rows == len(records) == 1200
    rows = table.to_pylist()
    status_labels = {str(e["value"]): e["label"] for e in client.tickets.picklist("status")}
    kinds = schema.data_types
    seen = {"udf_double": 0, "udf_datetime": 0, "datetime": 0, "bool": 0, "double": 0}
    for record, row in zip(records, rows, strict=True):
        udfs = {u["name"]: u["value"] for u in record["userDefinedFields"]}
        for name, value in row.items():
            if name.endswith("_label"):
                source = record[name[: -len("_label")]]
                if name == "status_label":
                    assert value == status_labels[str(source)]
                continue
            raw = udfs.get(name[4:]) if name.startswith("udf:") else record.get(name)
            kind = kinds[name]
            if raw is None:
                assert value is None, name
            elif kind == "datetime":
                assert value == parse_datetime(raw), name
                seen["udf_datetime" if name.startswith("udf:") else "datetime"] += 1
            elif kind in ("double", "decimal"):
                assert isinstance(value, float) and value == float(raw), name
                seen["udf_double" if name.startswith("udf:") else "double"] += 1
            elif kind == "boolean":
                assert value is raw
                seen["bool"] += 1
            else:
                assert value == raw, name
    assert all(seen.values()), seen  # every family really occurred in the data


def test_decimal_columns_of_projects(client: AutotaskClient) -> None:
    schema = schema_for(client, "Projects")
    decimals = [c.name for c in schema.columns if c.data_type == "decimal"]
    assert decimals and all(schema.arrow.field(n).type == pa.float64() for n in decimals)
    records = client.projects.query().to_list()
    table = schema.to_arrow(records)
    for name in decimals:
        assert table.column(name).to_pylist() == [None if r[name] is None else float(r[name]) for r in records]
    billable = table.column("udf:Billable Percentage").to_pylist()
    assert any(v is not None for v in billable) and all(v is None or isinstance(v, float) for v in billable)


FIELDS = [
    {"name": "id", "dataType": "long"},
    {"name": "dueDate", "dataType": "date"},
    {"name": "stamp", "dataType": "datetime"},
    {"name": "kind", "dataType": "integer", "isPickList": True,
     "picklistValues": [{"value": "1", "label": "One"}, {"value": "2", "label": "Two"}]},
    {"name": "ok", "dataType": "boolean"},
]
UDFS = [{"name": "Score", "type": "double"}, {"name": "When", "type": "datetime"}, {"name": "Flag", "type": "boolean"}]


def test_dates_offsets_and_wire_strings_convert_exactly() -> None:
    schema = TableSchema.from_metadata("Things", FIELDS, UDFS, labels=True)
    assert schema.names == ["id", "dueDate", "stamp", "kind", "kind_label", "ok", "udf:Score", "udf:When", "udf:Flag"]
    records = [
        {"id": 1, "dueDate": "2024-02-29", "stamp": "2024-01-31T15:04:05.307", "kind": 2, "ok": True,
         "userDefinedFields": [{"name": "Score", "value": "7.5"}, {"name": "When", "value": "2024-03-01T00:00:00"},
                               {"name": "Flag", "value": "true"}]},
        {"id": 2, "dueDate": "2024-03-01T00:00:00", "stamp": "2018-01-23T11:00:00.00Z", "kind": None, "ok": None,
         "userDefinedFields": [{"name": "Score", "value": ""}, {"name": "When", "value": None}]},
        {"id": 3, "dueDate": None, "stamp": "2024-06-01T00:00:00.1234567+02:00", "kind": 1.0, "ok": False},
    ]
    table = schema.to_arrow(records)
    assert table.schema.field("dueDate").type == pa.date32()
    assert table.to_pylist() == [
        {"id": 1, "dueDate": date(2024, 2, 29), "stamp": datetime(2024, 1, 31, 15, 4, 5, 307000, UTC), "kind": 2,
         "kind_label": "Two", "ok": True, "udf:Score": 7.5, "udf:When": datetime(2024, 3, 1, tzinfo=UTC),
         "udf:Flag": True},
        {"id": 2, "dueDate": date(2024, 3, 1), "stamp": datetime(2018, 1, 23, 11, tzinfo=UTC), "kind": None,
         "kind_label": None, "ok": None, "udf:Score": None, "udf:When": None, "udf:Flag": None},
        {"id": 3, "dueDate": None, "stamp": datetime(2024, 5, 31, 22, 0, 0, 123000, UTC), "kind": 1,
         "kind_label": "One", "ok": False, "udf:Score": None, "udf:When": None, "udf:Flag": None},
    ]
    assert schema.to_arrow([]).num_rows == 0 and schema.empty().schema == schema.arrow


def test_fields_pick_and_order_columns_and_bad_names_are_named() -> None:
    schema = TableSchema.from_metadata("Things", FIELDS, UDFS, fields=["udf:score", "KIND", "id"], labels=True)
    assert schema.names == ["udf:Score", "kind", "kind_label", "id"]
    with pytest.raises(ValueError, match=r"Things has no field 'stmp'; did you mean stamp\?"):
        TableSchema.from_metadata("Things", FIELDS, UDFS, fields=["stmp"])
    with pytest.raises(ValueError, match=r"no user-defined field 'Nope' \(UDFs: Score, When, Flag\)"):
        TableSchema.from_metadata("Things", FIELDS, UDFS, fields=["udf:Nope"])


def test_fields_take_the_names_query_fields_takes(client: AutotaskClient) -> None:
    # The one check (query.resolve_fields): a bare UDF name, snake_case, any case; refusals word for word.
    names = ["ID", "due_date_time", "Root Cause", "udf:root cause"]
    schema = schema_for(client, "Tickets", fields=names)
    assert schema.names == ["id", "dueDateTime", "udf:Root Cause"]
    assert set(client.tickets.query(fields=names, limit=1).to_list()[0]) >= {"id", "dueDateTime"}
    for bad in (["titel"], ["udf:Nope"]):
        with pytest.raises(QuerySyntaxError) as by_query:
            client.tickets.query(fields=bad, limit=1).to_list()
        with pytest.raises(QuerySyntaxError) as by_schema:
            schema_for(client, "Tickets", fields=bad)
        assert str(by_schema.value) == str(by_query.value)


def test_a_value_a_column_cannot_hold_is_named() -> None:
    with pytest.raises(ValueError, match=r"column 'udf:Score' \(double .*'many'"):
        column_array(["1.5", "many"], "double", name="udf:Score")
    with pytest.raises(ValueError, match=r"column 'stamp' .*'soon'"):
        column_array(["2024-01-01T00:00:00", "soon"], "datetime", name="stamp")


def test_parquet_export_types_udfs_by_their_declared_type(client: AutotaskClient, tmp_path: Path) -> None:
    out = tmp_path / "Tickets.parquet"
    summary = ExportEngine(client, ExportRequest(["Tickets"], {"Tickets": out}, "parquet")).run()
    assert summary.entities[0].status == "ok"
    table = pq.read_table(out)
    assert table.schema.field("udf:Customer Impact Score").type == pa.float64()
    assert table.schema.field("udf:Follow Up Date").type == TS
    assert table.schema == schema_for(client, "Tickets").arrow.remove_metadata().with_metadata(table.schema.metadata)
    by_id = {r["id"]: r for r in client.tickets.query()}
    scores = {row["id"]: row["udf:Customer Impact Score"] for row in table.select(["id", "udf:Customer Impact Score"])
              .to_pylist()}
    for record_id, record in by_id.items():
        raw = next(u["value"] for u in record["userDefinedFields"] if u["name"] == "Customer Impact Score")
        assert scores[record_id] == (None if raw is None else float(raw))


@pytest.mark.parametrize("form", ["naive", "z"])
def test_both_datetime_wire_forms_give_the_same_instants(form: str) -> None:
    """Autotask sends zone-less UTC times; a `Z` on every time (SandboxConfig.datetime_form) changes nothing."""
    from autotask_sandbox import Sandbox, SandboxConfig

    sandbox = Sandbox(SandboxConfig(seed=4, tickets=600, now=SANDBOX_NOW, datetime_form=form))
    with AutotaskClient(**sandbox.credentials, base_url=BASE_URL, transport=sandbox.transport(), cache=False) as c:
        records = c.tickets.query().to_list()
        table = c.tickets.query().to_arrow()
    assert table.num_rows == len(records) == 600
    assert all(r["createDate"].endswith("Z") == (form == "z") for r in records)
    assert table.column("createDate").to_pylist() == [parse_datetime(r["createDate"]) for r in records]
    follow = [next(u["value"] for u in r["userDefinedFields"] if u["name"] == "Follow Up Date") for r in records]
    assert table.column("udf:Follow Up Date").to_pylist() == [None if v is None else parse_datetime(v) for v in follow]
