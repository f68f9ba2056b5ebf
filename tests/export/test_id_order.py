"""Parquet and XLSX exports hold each entity's rows in id order, however the parallel ranges' pages arrived,
and the XLSX sheet is named after the entity."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow.parquet as pq
import pytest

from py_autotask import AutotaskClient
from py_autotask.export.engine import ExportEngine, ExportRequest
from py_autotask.export.progress import ExportProgress

BASE_URL = "https://sandbox.autotask.local/ATServicesRest/"


@pytest.fixture
def client(sandbox: Any) -> Iterator[AutotaskClient]:
    with AutotaskClient(**sandbox.credentials, base_url=BASE_URL, transport=sandbox.transport(), cache=False) as c:
        yield c


def read_ids(path: Path, fmt: str) -> tuple[list[int], list[str]]:
    """The id column in file order, and the sheet names (xlsx) or row-group count (parquet) as text."""
    if fmt == "parquet":
        parquet = pq.ParquetFile(path)
        return parquet.read(columns=["id"]).column("id").to_pylist(), [str(parquet.num_row_groups)]
    book = openpyxl.load_workbook(path, read_only=True)
    ids = [int(row[0]) for sheet in book.worksheets for row in sheet.iter_rows(min_row=2, max_col=1, values_only=True)]
    names = list(book.sheetnames)
    book.close()
    return ids, names


class _StopAfter(ExportProgress):
    def __init__(self, stop: threading.Event, rows: int) -> None:
        super().__init__()
        self.stop, self.rows, self.seen = stop, rows, 0

    def advance(self, entity: str, records: int) -> None:
        self.seen += records
        if self.seen >= self.rows:
            self.stop.set()


@pytest.mark.parametrize("fmt", ["parquet", "xlsx"])
def test_rows_are_in_id_order_across_parallel_ranges(client: AutotaskClient, sandbox: Any, tmp_path: Path,
                                                     fmt: str) -> None:
    sandbox.control.set_latency(3)  # pages of the parallel ranges interleave as they would against Autotask
    out = tmp_path / f"Tickets.{fmt}"
    request = ExportRequest(entities=["Tickets"], outputs={"Tickets": out}, format=fmt, page_size=50, workers=4)
    summary = ExportEngine(client, request).run()
    assert summary.entities[0].status == "ok"
    count = client.tickets.count()
    assert summary.records == count > 20 * 50  # many pages, so several ranges ran at once
    ids, names = read_ids(out, fmt)
    assert len(ids) == count
    assert all(a < b for a, b in zip(ids, ids[1:], strict=False)), "strictly increasing ids"
    if fmt == "xlsx":
        assert names == ["Tickets"]


@pytest.mark.parametrize("fmt", ["parquet", "xlsx"])
def test_a_resumed_export_is_in_id_order_too(client: AutotaskClient, sandbox: Any, tmp_path: Path, fmt: str) -> None:
    sandbox.control.set_latency(3)
    out = tmp_path / f"Tickets.{fmt}"
    request = ExportRequest(entities=["Tickets"], outputs={"Tickets": out}, format=fmt, page_size=50, workers=4,
                            checkpoint_every=0.0)
    stop = threading.Event()
    first = ExportEngine(client, request, progress=_StopAfter(stop, 500), stop=stop).run()
    assert first.entities[0].status == "interrupted" and not out.exists()
    summary = ExportEngine(client, ExportRequest(**{**request.__dict__, "resume": True})).run()
    assert summary.entities[0].status == "ok" and summary.entities[0].mode == "resumed"
    ids, names = read_ids(out, fmt)
    assert len(ids) == client.tickets.count() > 500
    assert all(a < b for a, b in zip(ids, ids[1:], strict=False)), "strictly increasing ids"
    if fmt == "xlsx":
        assert names == ["Tickets"]
