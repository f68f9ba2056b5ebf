"""`py_autotask.export.export()`: the CLI's export as a Python call, against the in-process sandbox."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from py_autotask import AutotaskClient, QuerySyntaxError
from py_autotask.export import ProgressEvent, export

BASE_URL = "https://sandbox.autotask.local/ATServicesRest/"


@pytest.fixture
def client(sandbox: Any) -> Iterator[AutotaskClient]:
    with AutotaskClient(**sandbox.credentials, base_url=BASE_URL, transport=sandbox.transport(), cache=False) as c:
        yield c


def ndjson_ids(path: Path) -> list[int]:
    return [json.loads(line)["id"] for line in path.read_bytes().splitlines() if line.strip()]


def test_several_entities_with_a_progress_callback(client: AutotaskClient, tmp_path: Path) -> None:
    events: list[ProgressEvent] = []
    result = export(client, "Tickets,Companies", tmp_path, format="ndjson", progress=events.append)
    assert result.ok and not result.failed and result.records == client.tickets.count() + client.companies.count()
    for entity, ent in (("Tickets", client.tickets), ("Companies", client.companies)):
        path = tmp_path / f"{entity}.ndjson"
        assert result.files[entity] == [str(path)]
        ids = ndjson_ids(path)
        assert len(ids) == len(set(ids)) == ent.count()
        mine = [e for e in events if e.entity == entity]
        assert mine[0].kind == "start" and mine[0].total == len(ids)
        assert sum(e.records for e in mine if e.kind == "advance") == len(ids)
        assert mine[-1].kind == "finish" and mine[-1].status == "ok" and mine[-1].completed == len(ids)


def test_filter_fields_and_labels(client: AutotaskClient, tmp_path: Path) -> None:
    result = export(client, ["tickets"], tmp_path / "open.csv", filter="status=1", fields="id,status,title",
                    labels=True)
    assert result.ok
    lines = (tmp_path / "open.csv").read_text().splitlines()
    assert lines[0] == "id,status,status_label,title"
    assert len(lines) - 1 == client.tickets.count("status=1") > 0


def test_bad_arguments_fail_before_any_request(client: AutotaskClient, sandbox: Any, tmp_path: Path) -> None:
    sandbox.control.clear_log()
    with pytest.raises(ValueError, match="name at least one entity"):
        export(client, [], tmp_path)
    with pytest.raises(ValueError, match="resume needs a file output"):
        export(client, "Tickets", "-", resume=True)
    with pytest.raises(ValueError, match="stdout"):
        export(client, "Tickets", "-", format="parquet")
    with pytest.raises(ValueError, match="2 entities"):
        export(client, "Tickets,Companies", tmp_path / "t.csv")
    with pytest.raises(ValueError, match="page_size"):
        export(client, "Tickets", tmp_path, page_size=0)
    with pytest.raises(QuerySyntaxError):
        export(client, "Tickets", tmp_path, filter="status=")
    assert sandbox.control.request_log == []
    assert list(tmp_path.iterdir()) == []


def test_a_stop_event_interrupts_and_resume_finishes_exactly(client: AutotaskClient, tmp_path: Path) -> None:
    stop = threading.Event()

    def stop_after_some(event: ProgressEvent) -> None:
        if event.kind == "advance" and event.completed >= 300:
            stop.set()

    out = tmp_path / "Tickets.parquet"
    first = export(client, "Tickets", out, page_size=100, threads=1, progress=stop_after_some, stop=stop)
    assert [e.status for e in first.failed] == ["interrupted"] and not out.exists()
    second = export(client, "Tickets", out, page_size=100, resume=True)
    assert second.ok and second.entities[0].mode == "resumed"
    ids = pq.read_table(out, columns=["id"]).column("id").to_pylist()
    assert len(ids) == len(set(ids)) and sorted(ids) == sorted(t["id"] for t in client.tickets.query(fields=["id"]))
