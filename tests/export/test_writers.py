"""Every export format, read back with an independent reader, equals the rows written, with types."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from py_autotask._datetime import UTC, parse_datetime
from py_autotask.export.writers import (
    FORMATS,
    Column,
    MissingExtraError,
    columns_from_fields,
    flatten_udfs,
    format_from_path,
    open_writer,
)

COLUMNS = [
    Column("id", "long"),
    Column("companyID", "integer"),
    Column("title", "string"),
    Column("estimatedHours", "double"),
    Column("amount", "decimal"),
    Column("isActive", "boolean"),
    Column("createDate", "datetime"),
    Column("udf:Customer Ranking", "string"),
]

RECORDS: list[dict[str, Any]] = [
    {
        "id": 1,
        "companyID": 10,
        "title": "Printer jam, floor 2",
        "estimatedHours": 1.5,
        "amount": 12.25,
        "isActive": True,
        "createDate": "2024-01-31T15:04:05.307",
        "userDefinedFields": [{"name": "Customer Ranking", "value": "Gold"}],
        "notAColumn": "ignored",
    },
    {
        "id": 2**40,
        "companyID": -3,
        "title": 'Quotes " and\nnew lines, commas; ünïcödé 🚀',
        "estimatedHours": 0,
        "amount": None,
        "isActive": False,
        "createDate": "2018-01-23T11:00:00.00Z",
        "userDefinedFields": [],
    },
    {
        "id": 3,
        "companyID": None,
        "title": "=1+1",  # must stay text everywhere, never a formula
        "estimatedHours": None,
        "amount": 0.1,
        "isActive": None,
        "createDate": None,
        "userDefinedFields": [{"name": "Customer Ranking", "value": None}],
    },
    {"id": 4, "title": "only some keys", "createDate": "2024-06-01T00:00:00.1234567+02:00"},
]
ROWS = [flatten_udfs(record, ["Customer Ranking"]) for record in RECORDS]


def expected_rows() -> list[dict[str, Any]]:
    """The rows as typed values: missing keys are None, datetimes aware UTC (to the millisecond)."""
    out = []
    for row in ROWS:
        typed = {}
        for column in COLUMNS:
            value = row.get(column.name)
            if column.data_type == "datetime" and value is not None:
                moment = parse_datetime(value)
                value = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
            typed[column.name] = value
        out.append(typed)
    return out


def typed_text(column: Column, cell: str | None) -> Any:
    """Decode a CSV cell back to its value."""
    if cell is None or cell == "":
        return None
    if column.data_type in ("integer", "long"):
        return int(cell)
    if column.data_type in ("double", "decimal"):
        return float(cell)
    if column.data_type == "boolean":
        assert cell in ("true", "false")
        return cell == "true"
    if column.data_type == "datetime":
        assert cell.endswith("Z")
        return parse_datetime(cell)
    return cell


def write(fmt: str, target: Any, rows: list[dict[str, Any]] = ROWS, **options: Any) -> int:
    with open_writer(fmt, target, COLUMNS, **options) as writer:
        count = writer.write_rows(iter(rows))
    assert writer.rows_written == len(rows)
    return count


def test_csv_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    assert write("csv", path, escape_formulas=False) == 4  # exact values; the formula guard: test_csv_formulas.py
    with path.open(newline="", encoding="utf-8") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == [c.name for c in COLUMNS]
    back = [
        {c.name: typed_text(c, cell) for c, cell in zip(COLUMNS, line, strict=True)} for line in lines[1:]
    ]
    assert back == expected_rows()
    assert path.read_bytes().count(b"\r\n") == 5  # header + 4 records; the embedded \n stays quoted


def test_json_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    write("json", path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [list(item) for item in data] == [[c.name for c in COLUMNS]] * 4  # every column, in order
    for item in data:
        if item["createDate"] is not None:
            assert item["createDate"].endswith("Z")
            item["createDate"] = parse_datetime(item["createDate"])
    assert data == expected_rows()
    assert isinstance(data[0]["isActive"], bool) and isinstance(data[1]["id"], int)


def test_ndjson_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "t.ndjson"
    write("ndjson", path)
    lines = path.read_text(encoding="utf-8").splitlines()
    data = [json.loads(line) for line in lines]
    for item in data:
        if item["createDate"] is not None:
            item["createDate"] = parse_datetime(item["createDate"])
    assert data == expected_rows()


def test_parquet_round_trip_with_types(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    write("parquet", path)
    table = pq.read_table(path)
    assert table.schema.types == [
        pa.int64(),
        pa.int32(),
        pa.string(),
        pa.float64(),
        pa.float64(),
        pa.bool_(),
        pa.timestamp("ms", tz="UTC"),
        pa.string(),
    ]
    assert table.schema.names == [c.name for c in COLUMNS]
    back = table.to_pylist()
    for row in back:
        if row["createDate"] is not None:
            assert row["createDate"].utcoffset().total_seconds() == 0
            row["createDate"] = row["createDate"].astimezone(UTC)
    assert back == expected_rows()
    assert json.loads(table.schema.metadata[b"py_autotask.data_types"])["createDate"] == "datetime"


def test_xlsx_round_trip_with_types(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write("xlsx", path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Export"]
    sheet = book["Export"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [c.name for c in COLUMNS]
    back = []
    for line in rows[1:]:
        item = dict(zip([c.name for c in COLUMNS], line, strict=True))
        if item["createDate"] is not None:
            assert isinstance(item["createDate"], datetime)  # a real Excel date/time, in UTC
            item["createDate"] = item["createDate"].replace(tzinfo=UTC)
        back.append(item)
    expected = expected_rows()
    assert back == expected
    assert isinstance(back[0]["isActive"], bool)
    assert sheet["C4"].data_type == "s" and sheet["C4"].value == "=1+1"  # text, not a formula
    assert sheet.freeze_panes == "A2"


def test_xlsx_sheet_rollover(tmp_path: Path) -> None:
    path = tmp_path / "many.xlsx"
    rows = [{"id": i, "title": f"row {i}"} for i in range(7)]
    with open_writer("xlsx", path, COLUMNS, max_rows_per_sheet=3, sheet_name="Tickets") as writer:
        writer.write_rows(rows[:2])
        writer.write_rows(rows[2:])
    assert writer.sheets == ["Tickets", "Tickets (2)", "Tickets (3)"]
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == writer.sheets
    ids = []
    for name, size in zip(book.sheetnames, (3, 3, 1), strict=True):
        lines = list(book[name].iter_rows(values_only=True))
        assert lines[0][0] == "id"  # every sheet repeats the header
        assert len(lines) == size + 1
        ids.extend(line[0] for line in lines[1:])
    assert ids == list(range(7))
    book.close()


def test_xlsx_exactly_full_sheet_does_not_open_an_empty_one(tmp_path: Path) -> None:
    with open_writer("xlsx", tmp_path / "x.xlsx", COLUMNS, max_rows_per_sheet=2) as writer:
        writer.write_rows([{"id": 1}, {"id": 2}])
    assert writer.sheets == ["Export"]


def test_xlsx_edge_values(tmp_path: Path) -> None:
    path = tmp_path / "edge.xlsx"
    columns = [
        Column("big", "long"),
        Column("when", "datetime"),
        Column("text", "string"),
        Column("l", "array"),
    ]
    rows = [
        {"big": 2**60, "when": "not a date", "text": "x" * 40_000, "l": [1, "a"]},
        {"big": 5, "when": "1899-12-31T00:00:00", "text": "https://example.invalid/a", "l": None},
    ]
    with open_writer("xlsx", path, columns, sheet_name="a/b:c*") as writer:
        writer.write_rows(rows)
    assert writer.truncated_cells == 1
    sheet = openpyxl.load_workbook(path)["a_b_c_"]
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert values[0][0] == str(2**60)  # beyond 2^53 Excel would round it: kept exact as text
    assert values[0][1] == "not a date"
    assert len(values[0][2]) == 32_767
    assert values[0][3] == '[1,"a"]'
    assert values[1][:3] == (5, "1899-12-31T00:00:00", "https://example.invalid/a")
    assert sheet.cell(3, 3).hyperlink is None


def test_parquet_row_groups_flush_as_they_fill(tmp_path: Path) -> None:
    path = tmp_path / "g.parquet"
    rows = [{"id": i, "createDate": f"2024-01-01T00:00:{i:02d}.000"} for i in range(7)]
    writer = open_writer("parquet", path, COLUMNS, row_group_size=3)
    writer.write_rows(rows[:4])
    assert writer.row_groups == 1  # the first 3 rows are already on disk
    writer.write_rows(rows[4:])
    assert writer.row_groups == 2
    writer.close()
    assert writer.row_groups == 3
    meta = pq.ParquetFile(path).metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [3, 3, 1]
    assert pq.read_table(path).column("id").to_pylist() == list(range(7))


def test_parquet_refuses_values_its_column_cannot_hold(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"column 'companyID' \(integer → int32\).*2147483648"):
        with open_writer("parquet", tmp_path / "bad.parquet", COLUMNS) as writer:
            writer.write_rows([{"id": 1, "companyID": 2**31}])
    with pytest.raises(ValueError, match=r"column 'createDate'.*'soon'"):
        with open_writer("parquet", tmp_path / "bad2.parquet", COLUMNS) as writer:
            writer.write_rows([{"id": 1, "createDate": "soon"}])


def test_non_text_values_in_text_columns(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    columns = [Column("id", "long"), Column("s", "string"), Column("a", "array")]
    with open_writer("parquet", path, columns) as writer:
        writer.write_rows([{"id": 1, "s": 12, "a": [{"x": 1}]}])
    assert pq.read_table(path).to_pylist() == [{"id": 1, "s": "12", "a": '[{"x":1}]'}]


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_exports_are_valid_files(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"empty.{fmt}"
    assert write(fmt, path, []) == 0
    if fmt == "csv":
        assert path.read_bytes().decode() == ",".join(c.name for c in COLUMNS) + "\r\n"
    elif fmt == "json":
        assert json.loads(path.read_text()) == []
    elif fmt == "ndjson":
        assert path.read_bytes() == b""
    elif fmt == "parquet":
        table = pq.read_table(path)
        assert table.num_rows == 0 and table.schema.names == [c.name for c in COLUMNS]
    else:
        rows = list(openpyxl.load_workbook(path)["Export"].iter_rows(values_only=True))
        assert rows == [tuple(c.name for c in COLUMNS)]


@pytest.mark.parametrize("fmt", ["csv", "json", "ndjson"])
def test_stdout(fmt: str, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    write(fmt, "-")
    out = capsysbinary.readouterr().out
    if fmt == "csv":
        assert out.startswith(b"id,companyID,title")
        assert len(list(csv.reader(io.StringIO(out.decode(), newline="")))) == 5
    elif fmt == "json":
        assert len(json.loads(out)) == 4
    else:
        assert len(out.splitlines()) == 4
    assert sys.stdout.closed is False


@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
def test_binary_formats_refuse_stdout(fmt: str) -> None:
    with pytest.raises(ValueError, match="cannot be written to stdout"):
        open_writer(fmt, "-", COLUMNS)


def test_streams_stay_open_for_the_caller() -> None:
    text = io.StringIO()
    write("csv", text)
    assert not text.closed and text.getvalue().count("\r\n") == 5
    for fmt in ("json", "ndjson"):
        as_text, as_bytes = io.StringIO(), io.BytesIO()
        write(fmt, as_text)
        write(fmt, as_bytes)
        assert as_text.getvalue().encode() == as_bytes.getvalue()
    raw = io.BytesIO()
    write("csv", raw)
    assert raw.getvalue().decode() == text.getvalue()
    for fmt in ("parquet", "xlsx"):
        stream = io.BytesIO()
        write(fmt, stream)
        assert not stream.closed and len(stream.getvalue()) > 100
    assert pq.read_table(io.BytesIO(_written("parquet"))).num_rows == 4
    assert openpyxl.load_workbook(io.BytesIO(_written("xlsx")))["Export"].max_row == 5
    with pytest.raises(ValueError, match="writes bytes"):
        open_writer("parquet", io.StringIO(), COLUMNS)


def _written(fmt: str) -> bytes:
    stream = io.BytesIO()
    write(fmt, stream)
    return stream.getvalue()


def test_csv_options_and_append(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    write("csv", path, ROWS[:1], bom=True, delimiter=";")
    write("csv", path, ROWS[1:2], bom=True, delimiter=";", append=True)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfid;") and raw.count(b"\xef\xbb\xbf") == 1
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert [line[0] for line in lines] == ["id", "1", str(2**40)]
    nd = tmp_path / "a.ndjson"
    write("ndjson", nd, ROWS[:2])
    write("ndjson", nd, ROWS[2:], append=True)
    assert [json.loads(line)["id"] for line in nd.read_text().splitlines()] == [1, 2**40, 3, 4]


def test_text_formats_keep_unparsable_datetimes_as_they_came(tmp_path: Path) -> None:
    path = tmp_path / "odd.json"
    write("json", path, [{"id": 1, "createDate": "n/a"}])
    assert json.loads(path.read_text())[0]["createDate"] == "n/a"


def _many(count: int) -> Iterator[dict[str, Any]]:
    for i in range(count):
        yield {
            "id": i,
            "companyID": i % 1000,
            "title": f"ticket {i} " + "x" * 200,
            "estimatedHours": i / 7,
            "isActive": i % 2 == 0,
            "createDate": "2024-01-31T15:04:05.307",
        }


def _peak_bytes(fmt: str, path: Path, rows: int) -> int:
    options = {"row_group_size": 500} if fmt == "parquet" else {}
    tracemalloc.start()
    try:
        with open_writer(fmt, path, COLUMNS, **options) as writer:
            writer.write_rows(_many(rows))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("fmt", FORMATS)
def test_memory_stays_bounded(tmp_path: Path, fmt: str) -> None:
    """Peak Python memory does not grow with the number of rows (~250 bytes each, streamed)."""
    small = 1_000 if fmt == "xlsx" else 2_500  # Excel cells are slow to write; keep the test quick
    # Parquet holds one row group (500 rows here) as Python objects: 1.2 MB on Python 3.11, 1.4 MB on 3.10,
    # whatever the total; 20,000 rows keep that far below the data, as a writer that held them all could not.
    big = small * (4 if fmt == "xlsx" else 8)
    _peak_bytes(fmt, tmp_path / f"warm.{fmt}", 10)  # one-time costs (lazy imports, caches) out of the way
    small_peak = _peak_bytes(fmt, tmp_path / f"small.{fmt}", small)
    big_peak = _peak_bytes(fmt, tmp_path / f"big.{fmt}", big)
    assert big_peak < small_peak * 1.25 + 64_000, f"{fmt}: {small_peak} → {big_peak} bytes"
    assert big_peak < big * 250 / 2, f"{fmt}: peak {big_peak} bytes is not far below the data size"


def test_flatten_udfs() -> None:
    record = {"id": 1, "userDefinedFields": [{"name": "A", "value": "1"}, {"name": "B", "value": None}]}
    assert flatten_udfs(record) == {"id": 1, "udf:A": "1", "udf:B": None}
    assert flatten_udfs(record, ["B", "C"]) == {"id": 1, "udf:B": None, "udf:C": None}
    assert flatten_udfs({"id": 2}, ["A"], prefix="UDF_") == {"id": 2, "UDF_A": None}
    assert "userDefinedFields" in record  # the caller's record is left alone


def test_columns_from_fields() -> None:
    columns = columns_from_fields({"id": "long", "title": "string", "due": "datetime"}, ["Rank"])
    assert columns == [Column("id", "long"), Column("title"), Column("due", "datetime"), Column("udf:Rank")]


def test_column_and_writer_validation(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown data type 'money'"):
        Column("x", "money")
    assert Column("x", "DateTime").data_type == "datetime"
    with pytest.raises(ValueError, match="duplicate column names: a"):
        open_writer("csv", tmp_path / "d.csv", [Column("a"), Column("a")])
    with pytest.raises(ValueError, match="unknown export format 'xml'"):
        open_writer("xml", tmp_path / "d.xml", COLUMNS)
    with pytest.raises(TypeError):
        open_writer("json", tmp_path / "d.json", COLUMNS, row_group_size=5)
    writer = open_writer("csv", tmp_path / "c.csv", COLUMNS)
    writer.close()
    writer.close()
    with pytest.raises(ValueError, match="closed"):
        writer.write_rows([{}])


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("a.csv", "csv"),
        ("a.JSON", "json"),
        ("dir/a.ndjson", "ndjson"),
        ("a.jsonl", "ndjson"),
        ("a.xlsx", "xlsx"),
        (Path("a.parquet"), "parquet"),
        ("a.pq", "parquet"),
    ],
)
def test_format_from_path(path: str, fmt: str) -> None:
    assert format_from_path(path) == fmt


def test_format_from_path_unknown() -> None:
    with pytest.raises(ValueError, match="cannot tell the export format of 'a.txt'"):
        format_from_path("a.txt")


def test_missing_extras_name_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    monkeypatch.setitem(sys.modules, "xlsxwriter", None)
    with pytest.raises(MissingExtraError, match=r"pip install 'py-autotask\[parquet\]'"):
        open_writer("parquet", tmp_path / "x.parquet", COLUMNS)
    with pytest.raises(MissingExtraError, match=r"pip install 'py-autotask\[excel\]'"):
        open_writer("xlsx", tmp_path / "x.xlsx", COLUMNS)


def test_import_does_not_load_optional_extras() -> None:
    code = (
        "import sys\n"
        "for name in ('pyarrow', 'xlsxwriter'): sys.modules[name] = None\n"
        "import py_autotask.export, py_autotask.export.writers as w\n"
        "w.open_writer('csv', '-', [w.Column('id', 'long')]).close()\n"
        "print('ok')\n"
    )
    src = str(Path(__file__).resolve().parents[2] / "src")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": src}, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("ok\n")


def test_flush_makes_rows_visible_before_close(tmp_path: Path) -> None:
    for fmt in ("csv", "ndjson", "json"):
        path = tmp_path / f"f.{fmt}"
        writer = open_writer(fmt, path, COLUMNS)
        writer.write_rows(ROWS[:2])
        writer.flush()
        assert path.read_bytes().count(b"Printer jam") == 1
        writer.close()


def test_unwritable_targets_fail_before_any_row(tmp_path: Path) -> None:
    for fmt in FORMATS:
        with pytest.raises(OSError):
            open_writer(fmt, tmp_path / "no such dir" / f"x.{fmt}", COLUMNS)


def test_rows_written_stays_exact_when_a_row_fails(tmp_path: Path) -> None:
    def rows() -> Iterator[dict[str, Any]]:
        yield {"id": 1}
        yield {"id": 2}
        raise RuntimeError("page fetch failed")

    writer = open_writer("ndjson", tmp_path / "p.ndjson", COLUMNS)
    with pytest.raises(RuntimeError):
        writer.write_rows(rows())
    assert writer.rows_written == 2
    writer.close()
    assert len((tmp_path / "p.ndjson").read_text().splitlines()) == 2
