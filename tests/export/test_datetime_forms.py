"""The client reads Autotask times with or without ``Z``: against a sandbox serving each form, parsed records,
Arrow tables and exported files are the same."""

from __future__ import annotations

from pathlib import Path

from autotask_sandbox import Sandbox, SandboxConfig

from py_autotask import parse_datetimes
from py_autotask._client import AutotaskClient
from py_autotask.export.engine import ExportEngine, ExportRequest

from .._clock import SANDBOX_NOW

BASE_URL = "https://sandbox.autotask.local/ATServicesRest/"


def _client(sb: Sandbox) -> AutotaskClient:
    return AutotaskClient(**sb.credentials, base_url=BASE_URL, transport=sb.transport(), cache=False)


def test_parsed_records_and_exports_agree_across_datetime_forms(tmp_path: Path) -> None:
    outputs: dict[str, dict[str, bytes]] = {}
    parsed: dict[str, list[dict]] = {}
    arrow: dict[str, object] = {}
    for form in ("naive", "z"):
        sb = Sandbox(SandboxConfig(seed=2, tickets=120, now=SANDBOX_NOW, datetime_form=form))
        with _client(sb) as client:
            records = list(client.entity("Tickets").query())
            assert any(str(r["createDate"]).endswith("Z") for r in records) == (form == "z")
            parsed[form] = [parse_datetimes(r, "Tickets") for r in records]
            arrow[form] = client.entity("Tickets").query().to_arrow()
            since = records[len(records) // 2]["createDate"]
            files = {}
            for fmt in ("csv", "parquet"):
                out = tmp_path / form / f"Tickets.{fmt}"
                request = ExportRequest(entities=["Tickets"], outputs={"Tickets": out}, format=fmt, since=since)
                summary = ExportEngine(client, request).run()
                assert summary.entities[0].status == "ok"
                files[fmt] = out.read_bytes() if fmt == "csv" else _parquet_rows(out)
            outputs[form] = files
    assert parsed["naive"] == parsed["z"]
    assert arrow["naive"].equals(arrow["z"])  # typed tables: the same UTC instants
    assert outputs["naive"]["csv"] == outputs["z"]["csv"]
    assert outputs["naive"]["parquet"] == outputs["z"]["parquet"]


def _parquet_rows(path: Path) -> bytes:
    import pyarrow.parquet as pq

    return repr(pq.read_table(path).to_pylist()).encode()
