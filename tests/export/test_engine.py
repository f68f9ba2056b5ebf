"""The export engine against the in-process sandbox: every format read back equals the API's records,
an interrupted export resumes to the exact id set, incremental runs fetch only changes and deletions."""

from __future__ import annotations

import csv
import json
import threading
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from py_autotask._client import AutotaskClient
from py_autotask._datetime import to_epoch_ms
from py_autotask._exceptions import ThresholdBudgetExceeded, ThresholdExceededError
from py_autotask._formulas import FORMULA_TRIGGERS
from py_autotask.export.engine import ExportEngine, ExportRequest
from py_autotask.export.progress import ExportProgress
from py_autotask.export.state import Checkpoint
from py_autotask.export.writers import flatten_udfs

BASE_URL = "https://sandbox.autotask.local/ATServicesRest/"
FORMATS = ["csv", "json", "ndjson", "xlsx", "parquet"]


def new_client(sandbox: Any, **options: Any) -> AutotaskClient:
    """A client on the in-process sandbox (a fresh one per process, as each CLI run has)."""
    creds = sandbox.credentials
    return AutotaskClient(username=creds["username"], secret=creds["secret"], integration_code=creds["integration_code"],
                          base_url=BASE_URL, transport=sandbox.transport(), cache=False, **options)


@pytest.fixture
def client(sandbox: Any) -> Iterator[AutotaskClient]:
    with new_client(sandbox) as c:
        yield c


# --- reading files back -----------------------------------------------------------------------------


def read_back(path: Path, fmt: str) -> list[dict[str, Any]]:
    """Rows of an exported file, with each format's own reader."""
    if fmt == "csv":
        with path.open(newline="", encoding="utf-8") as handle:
            # As a spreadsheet shows it: the ' that keeps "+61 2 9933" from running as a formula is hidden.
            return [{k: unquote(v) for k, v in row.items()} for row in csv.DictReader(handle)]
    if fmt == "json":
        return json.loads(path.read_bytes())
    if fmt == "ndjson":
        return [json.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    rows: list[dict[str, Any]] = []
    for sheet in book.worksheets:
        values = sheet.iter_rows(values_only=True)
        header = next(values)
        rows.extend(dict(zip(header, row, strict=False)) for row in values)
    book.close()
    return rows


def unquote(cell: str) -> str:
    """A CSV cell without the leading ' the writer puts before text that starts like a formula."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in FORMULA_TRIGGERS else cell


def canon(value: Any, data_type: str) -> Any:
    """One comparable form per value, whatever the format made of it."""
    if value is None or value == "":
        return None
    if data_type in ("datetime", "date"):
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)  # Excel cells carry no zone; they are UTC
        if isinstance(value, date) and not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
        return round(to_epoch_ms(value) / 10)  # Excel keeps ~1 ms; compare at 10 ms
    if data_type in ("integer", "long", "short"):
        return int(float(value))
    if data_type in ("double", "decimal"):
        return round(float(value), 6)
    if data_type == "boolean":
        return value if isinstance(value, bool) else {"true": True, "false": False}[str(value).lower()]
    return str(value)


def api_records(client: AutotaskClient, entity: str) -> tuple[dict[int, dict[str, Any]], dict[str, str]]:
    """The entity's records as the API serves them (followed by nextPageUrl, not by the engine's ranges)."""
    ent = client.entity(entity)
    types = {f["name"]: f["dataType"] for f in ent.fields()}
    udf_metadata = ent.udfs()
    udfs = [u["name"] for u in udf_metadata]
    types.update({f"udf:{u['name']}": u["type"] for u in udf_metadata})  # UDFs keep their declared types
    records = {r["id"]: flatten_udfs(r, udfs) for r in ent.query()}
    return records, types


def export(client: AutotaskClient, tmp_path: Path, entities: list[str], fmt: str, **options: Any) -> Any:
    request = ExportRequest(entities=entities, outputs={e: tmp_path / f"{e}.{fmt}" for e in entities}, format=fmt,
                            **options)
    return ExportEngine(client, request).run()


# --- every format, exactly -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_reads_back_as_the_api_records(client: AutotaskClient, tmp_path: Path, fmt: str) -> None:
    summary = export(client, tmp_path, ["Tickets", "Companies"], fmt)
    assert [e.status for e in summary.entities] == ["ok", "ok"]
    for entity in ("Tickets", "Companies"):
        expected, types = api_records(client, entity)
        rows = read_back(tmp_path / f"{entity}.{fmt}", fmt)
        assert len(rows) == len(expected) > 0
        got = {canon(r["id"], "long"): r for r in rows}
        assert set(got) == set(expected), "every id exactly once"
        header = list(rows[0])
        assert header[0] == "id" and set(types) <= set(header)
        for record_id, record in expected.items():
            for name, data_type in types.items():
                assert canon(got[record_id][name], data_type) == canon(record.get(name), data_type), (entity, record_id, name)
    assert not (tmp_path / ".py-autotask").exists(), "a successful run leaves no checkpoints behind"


def test_labels_fields_and_filters(client: AutotaskClient, tmp_path: Path) -> None:
    summary = export(client, tmp_path, ["Tickets"], "ndjson", labels=True, filter="status=1",
                     fields=["ticketNumber", "status", "companyID", "udf:Root Cause"], since="2020-01-01")
    assert summary.entities[0].status == "ok"
    rows = read_back(tmp_path / "Tickets.ndjson", "ndjson")
    assert rows and list(rows[0]) == ["ticketNumber", "status", "status_label", "companyID", "companyID_label",
                                      "udf:Root Cause"]
    assert {r["status"] for r in rows} == {1}
    new_label = client.tickets.label("status", 1)
    assert {r["status_label"] for r in rows} == {new_label}
    companies = {c["id"]: c["companyName"] for c in client.companies.query(fields=["companyName"])}
    expected = client.tickets.query("status=1", fields=["companyID"]).to_list()
    assert sorted((r["companyID"], r["companyID_label"]) for r in rows) == sorted(
        (t["companyID"], companies.get(t["companyID"])) for t in expected)


# --- interrupted and resumed ----------------------------------------------------------------------------


class _StopAfter(ExportProgress):
    """Progress that asks the engine to stop (as Ctrl-C does) once enough rows were written."""

    def __init__(self, stop: threading.Event, rows: int) -> None:
        super().__init__()
        self.stop, self.rows, self.seen = stop, rows, 0

    def advance(self, entity: str, records: int) -> None:
        self.seen += records
        if self.seen >= self.rows:
            self.stop.set()


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_stopped_export_resumes_to_the_exact_id_set(client: AutotaskClient, sandbox: Any, tmp_path: Path,
                                                    fmt: str) -> None:
    sandbox.control.set_latency(10)
    out = tmp_path / f"Tickets.{fmt}"
    request = ExportRequest(entities=["Tickets"], outputs={"Tickets": out}, format=fmt, checkpoint_every=0.0,
                            page_size=100)
    stop = threading.Event()
    summary = ExportEngine(client, request, progress=_StopAfter(stop, 300), stop=stop).run()
    assert summary.entities[0].status == "interrupted"
    assert not out.exists()
    checkpoint = Checkpoint.load(tmp_path / ".py-autotask" / "checkpoints" / f"{out.name}.json")
    assert checkpoint is not None and checkpoint.rows >= 300 and checkpoint.ranges
    summary = ExportEngine(client, ExportRequest(**{**request.__dict__, "resume": True})).run()
    assert summary.entities[0].status == "ok" and summary.entities[0].mode == "resumed"
    ids = [canon(r["id"], "long") for r in read_back(out, fmt)]
    expected, _ = api_records(client, "Tickets")
    assert len(ids) == len(set(ids)) == len(expected)
    assert set(ids) == set(expected)


def test_failure_mid_export_is_reported_and_resume_completes(client: AutotaskClient, sandbox: Any,
                                                            tmp_path: Path) -> None:
    out = tmp_path / "Tickets.ndjson"
    request = ExportRequest(entities=["Tickets"], outputs={"Tickets": out}, format="ndjson", checkpoint_every=0.0,
                            page_size=50)
    used = sandbox.control.stats()["hourly_usage"]["current"]
    # The tenant's hourly threshold runs out after a few pages. The client's own budget is off here: near
    # the limit it would pace requests over the rest of the hour rather than fail.
    sandbox.control.set_limits(threshold=used + 16, threshold_latency=False)
    with new_client(sandbox, budget=False, sleep=lambda seconds: None) as unbudgeted:
        summary = ExportEngine(unbudgeted, request).run()
    entity = summary.entities[0]
    assert entity.status == "failed"
    assert isinstance(entity.exception, (ThresholdExceededError, ThresholdBudgetExceeded))
    assert 0 < entity.records < 1200
    sandbox.control.set_limits(threshold=100_000)
    with new_client(sandbox) as later:  # the next run, an hour later
        summary = ExportEngine(later, ExportRequest(**{**request.__dict__, "resume": True})).run()
    assert summary.entities[0].status == "ok"
    ids = [r["id"] for r in read_back(out, "ndjson")]
    expected, _ = api_records(client, "Tickets")
    assert sorted(ids) == sorted(expected) and len(ids) == len(set(ids))


def test_resume_with_other_options_starts_over(client: AutotaskClient, sandbox: Any, tmp_path: Path) -> None:
    out = tmp_path / "Tickets.csv"
    request = ExportRequest(entities=["Tickets"], outputs={"Tickets": out}, format="csv", checkpoint_every=0.0,
                            page_size=100)
    sandbox.control.set_latency(10)
    stop = threading.Event()
    assert ExportEngine(client, request, progress=_StopAfter(stop, 200), stop=stop).run().entities[0].status == (
        "interrupted")
    sandbox.control.set_latency(0)
    changed = ExportRequest(**{**request.__dict__, "resume": True, "filter": "status=1"})
    engine = ExportEngine(client, changed)
    summary = engine.run()
    assert summary.entities[0].status == "ok" and summary.entities[0].mode != "resumed"
    assert any("other options" in w for w in engine.warnings)
    assert {r["status"] for r in read_back(out, "csv")} == {"1"}


# --- incremental ---------------------------------------------------------------------------------------


def run_file(summary: Any, name: str) -> Path:
    """The file of `name` (an entity or a deletion log) that this run wrote."""
    files = [Path(f) for e in summary.entities for f in e.files]
    return next(f for f in files if f.name.split(".")[0] == name)


def test_incremental_fetches_only_changes_and_records_deletions(client: AutotaskClient, sandbox: Any,
                                                                 tmp_path: Path) -> None:
    entities = ["Tickets", "TimeEntries"]
    first = export(client, tmp_path, entities, "ndjson", incremental=True)
    assert [e.status for e in first.entities] == ["ok", "ok"]
    assert first.entities[0].records == client.tickets.count()
    assert run_file(first, "DeletedTicketLogs").exists()

    sandbox.control.clock.advance(120)
    tickets = client.tickets.query(fields=["id"], limit=3).to_list()
    for ticket in tickets:
        client.tickets.update(ticket["id"], {"title": f"changed {ticket['id']}"})
    entry = client.time_entries.query(fields=["id"], limit=2).to_list()
    client.time_entries.delete(entry[0]["id"])
    client.time_entries.update(entry[1]["id"], {"summaryNotes": "changed"})

    second = export(client, tmp_path, entities, "ndjson", incremental=True)
    assert [e.mode for e in second.entities] == ["incremental", "incremental"]
    changed = read_back(run_file(second, "Tickets"), "ndjson")
    assert sorted(r["id"] for r in changed) == sorted(t["id"] for t in tickets)
    assert {r["title"] for r in changed} == {f"changed {t['id']}" for t in tickets}
    assert [r["id"] for r in read_back(run_file(second, "TimeEntries"), "ndjson")] == [entry[1]["id"]]
    deleted = read_back(run_file(second, "DeletedTicketActivityLogs"), "ndjson") + read_back(
        run_file(second, "DeletedTaskActivityLogs"), "ndjson")
    assert len(deleted) == 1

    third = export(client, tmp_path, entities, "ndjson", incremental=True)
    assert [e.records for e in third.entities] == [0, 0]
    assert read_back(run_file(third, "DeletedTicketActivityLogs"), "ndjson") == []


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_an_incremental_run_never_touches_an_earlier_runs_files(client: AutotaskClient, sandbox: Any,
                                                                tmp_path: Path, fmt: str) -> None:
    entities = ["Tickets", "TimeEntries"]
    first = export(client, tmp_path, entities, fmt, incremental=True)
    assert first.entities[0].status == "ok"
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert len(read_back(run_file(first, "Tickets"), fmt)) == client.tickets.count()
    assert {"DeletedTicketLogs", "DeletedTicketActivityLogs", "Tickets", "TimeEntries"} <= {
        n.split(".")[0] for n in before}

    sandbox.control.clock.advance(120)
    ticket = client.tickets.query(fields=["id"], limit=1).to_list()[0]["id"]
    client.tickets.update(ticket, {"title": "changed between runs"})
    entry = client.time_entries.query(fields=["id"], limit=1).to_list()[0]["id"]
    client.time_entries.delete(entry)

    second = export(client, tmp_path, entities, fmt, incremental=True)
    assert [e.mode for e in second.entities] == ["incremental", "incremental"]
    for name, data in before.items():
        assert (tmp_path / name).read_bytes() == data, f"{name} was changed by the second run"
    assert [int(r["id"]) for r in read_back(run_file(second, "Tickets"), fmt)] == [ticket]
    new_logs = [run_file(second, log) for log in ("DeletedTicketActivityLogs", "DeletedTaskActivityLogs")]
    assert sum(len(read_back(f, fmt)) for f in new_logs) == 1
    assert all(f.name not in before for f in new_logs)
    stamps = sorted({n.split(".")[1] for n in [*before, *(p.name for p in tmp_path.iterdir() if p.is_file())]})
    assert len(stamps) == 2, "one stamp per run, shared by its files"
