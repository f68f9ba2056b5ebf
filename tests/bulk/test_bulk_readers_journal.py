"""Input readers (CSV, JSON, NDJSON, XLSX, DataFrame, iterables) and the SQLite journal."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from py_autotask._exceptions import ConfigurationError
from py_autotask.bulk.journal import Journal, JournalError, default_journal_path, row_hash
from py_autotask.bulk.readers import InputRow, format_from_path, read_rows
from py_autotask.bulk.results import RowResult, write_report


def test_csv_rows_numbered_from_first_record(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("\ufefftitle,status,udf:Root Cause\nFirst,New,\n,,\n\"multi\nline\",Complete,User Error\n",
                    encoding="utf-8")
    rows = list(read_rows(path))
    assert rows == [
        InputRow(1, {"title": "First", "status": "New"}),  # empty cell = not given
        InputRow(3, {"title": "multi\nline", "status": "Complete", "udf:Root Cause": "User Error"}),
    ]


def test_csv_header_problems(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("title,Title\na,b\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="appears twice"):
        list(read_rows(path))


def test_json_and_ndjson_keep_explicit_nulls(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps({"items": [{"id": 1, "title": None}, {"id": 2}]}))
    (tmp_path / "b.ndjson").write_text('{"id": 1, "title": null}\n\n{"id": 2}\n')
    for name in ("a.json", "b.ndjson"):
        assert list(read_rows(tmp_path / name)) == [InputRow(1, {"id": 1, "title": None}), InputRow(2, {"id": 2})]
    (tmp_path / "bad.ndjson").write_text('{"id": 1}\n[1, 2]\n')
    with pytest.raises(ConfigurationError, match="record 2 is a list"):
        list(read_rows(tmp_path / "bad.ndjson"))


def test_xlsx_read_only(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "title", "dueDateTime", "estimatedHours", None])
    sheet.append([42.0, "Disk full", datetime(2026, 1, 2, 3, 4), 1.5])
    sheet.append([None, None, None, None])
    sheet.append([43, None, None, 2])
    book.save(tmp_path / "in.xlsx")
    assert list(read_rows(tmp_path / "in.xlsx")) == [
        InputRow(1, {"id": 42, "title": "Disk full", "dueDateTime": datetime(2026, 1, 2, 3, 4), "estimatedHours": 1.5}),
        InputRow(3, {"id": 43, "estimatedHours": 2}),
    ]


def test_dataframe_and_iterables() -> None:
    import pandas as pd

    frame = pd.DataFrame({"id": [1, 2], "hours": [1.5, float("nan")], "when": pd.to_datetime(["2026-01-01", None])})
    rows = list(read_rows(frame))
    assert rows[0] == InputRow(1, {"id": 1, "hours": 1.5, "when": datetime(2026, 1, 1)})
    assert rows[1] == InputRow(2, {"id": 2})
    assert type(rows[0].data["id"]) is int
    assert list(read_rows(iter([{"a": 1}]))) == [InputRow(1, {"a": 1})]
    with pytest.raises(TypeError):
        list(read_rows({"a": 1}))


def test_format_from_path() -> None:
    assert format_from_path("x.JSONL") == "ndjson"
    with pytest.raises(ConfigurationError, match="cannot tell the input format"):
        format_from_path("x.txt")


def test_journal_lifecycle_and_resume(tmp_path: Path) -> None:
    path = tmp_path / "job.journal.sqlite"
    with Journal(path, operation="create", entity="Tickets", key=["externalID"]) as journal:
        journal.begin([(1, "h1", ["A"]), (2, "h2", ["B"]), (3, "h3", ["C"])])
        journal.mark_sent(1, {"title": "a"})
        journal.finish(RowResult(1, "created", 101))
        journal.mark_sent(2, {"title": "b"})
        journal.mark_sent(3, {"title": "c"})
        journal.mark_pending(3)
        assert journal.states() == {"done": 1, "sent": 1, "pending": 1}
    conn = sqlite3.connect(path)
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    conn.close()
    assert mode == "wal"
    with pytest.raises(JournalError, match="pass --resume"):
        Journal(path, operation="create", entity="Tickets", key=["externalID"])
    with pytest.raises(JournalError, match="belongs to `create Tickets`"):
        Journal(path, operation="upsert", entity="Tickets", key=["externalID"], resume=True)
    with Journal(path, operation="create", entity="Tickets", key=["externalID"], resume=True) as journal:
        assert journal.resumed
        entries = journal.entries([1, 2, 3, 4])
        assert set(entries) == {1, 2, 3}
        assert entries[1].result() == RowResult(1, "created", 101, (), from_journal=True)
        assert entries[2].state == "sent" and entries[2].payload == {"title": "b"} and entries[2].attempts == 1
        journal.begin([(1, "changed", None)])  # already journaled: untouched
        assert journal.entries([1])[1].row_hash == "h1"


def test_row_hash_and_paths(tmp_path: Path) -> None:
    assert row_hash({"Title": "a", "id": 1}) == row_hash({"id": 1, "title": "a"})
    assert row_hash({"title": "a"}) != row_hash({"title": "b"})
    assert default_journal_path(tmp_path / "r.csv", tmp_path / "in.csv") == tmp_path / "r.csv.journal.sqlite"
    assert default_journal_path(None, "in.csv") == Path("in.csv.journal.sqlite")


def test_report_is_in_row_order(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    write_report([RowResult(2, "failed", None, ("a", "b")), RowResult(1, "created", 7)], target)
    assert target.read_text().splitlines() == ["row,outcome,id,messages", "1,created,7,", "2,failed,,a | b"]


def test_public_names_are_pinned() -> None:
    import py_autotask.bulk as bulk

    assert bulk.__all__ == [
        "OUTCOMES", "SUCCESS_OUTCOMES", "AsyncBulkEngine", "AsyncBulkRun", "BulkEngine", "BulkOptions", "BulkRun",
        "BulkSummary", "InputFileError", "InputRow", "Journal", "JournalError", "Outcome", "RowResult", "default_journal_path",
        "read_rows", "write_report",
    ]
    assert all(hasattr(bulk, name) for name in bulk.__all__)
