"""CSV formula injection: text that a spreadsheet would run as a formula gets a leading `'` (OWASP's rule).

A ticket title such as `=HYPERLINK("http://evil","click")` typed by a customer must not become a live
formula when someone opens the export in Excel. Numbers stay numbers (-5 is data); `csv_raw=True`
(`--csv-raw`) writes the values exactly, for programs that read the CSV; XLSX stores such text as
text (never as a formula) in every mode.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from py_autotask import AutotaskClient
from py_autotask.bulk import write_report
from py_autotask.bulk.results import RowResult
from py_autotask.export import export
from py_autotask.export.writers import Column, open_writer

BASE_URL = "https://sandbox.autotask.local/ATServicesRest/"
DANGEROUS = ['=HYPERLINK("http://evil.example","click")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
             "\tleading tab", "\rleading CR"]


@pytest.fixture
def client(sandbox: Any) -> Iterator[AutotaskClient]:
    with AutotaskClient(**sandbox.credentials, base_url=BASE_URL, transport=sandbox.transport(), cache=False) as c:
        yield c


@pytest.fixture
def dangerous_tickets(client: AutotaskClient) -> dict[int, str]:
    """Tickets whose titles start with each character a spreadsheet treats as a formula; id -> title."""
    template = client.tickets.query(limit=1).to_list()[0]
    body = {k: template[k] for k in ("companyID", "status", "priority", "queueID", "ticketType", "source",
                                     "issueType") if template.get(k) is not None}
    made = {}
    for title in [*DANGEROUS, "plain title", "it's fine = fine"]:
        ticket_id = client.tickets.create({**body, "title": title, "dueDateTime": "2026-03-01T09:00:00Z"})
        made[int(ticket_id)] = title
    return made


def _id_filter(ids: dict[int, str]) -> str:
    return f"id in ({','.join(str(i) for i in ids)})"


def test_export_csv_neutralises_formulas_by_default_and_csv_raw_keeps_them(
        client: AutotaskClient, dangerous_tickets: dict[int, str], tmp_path: Path) -> None:
    safe = export(client, "Tickets", tmp_path / "safe.csv", filter=_id_filter(dangerous_tickets),
                  fields="id,title,priority")
    raw = export(client, "Tickets", tmp_path / "raw.csv", filter=_id_filter(dangerous_tickets),
                 fields="id,title,priority", csv_raw=True)
    assert safe.ok and raw.ok
    with open(tmp_path / "safe.csv", newline="", encoding="utf-8") as handle:
        safe_rows = {int(r["id"]): r for r in csv.DictReader(handle)}
    with open(tmp_path / "raw.csv", newline="", encoding="utf-8") as handle:
        raw_rows = {int(r["id"]): r for r in csv.DictReader(handle)}
    assert set(safe_rows) == set(raw_rows) == set(dangerous_tickets)
    for ticket_id, title in dangerous_tickets.items():
        expected = "'" + title if title in DANGEROUS else title
        assert safe_rows[ticket_id]["title"] == expected
        assert raw_rows[ticket_id]["title"] == title
        assert safe_rows[ticket_id]["priority"] == raw_rows[ticket_id]["priority"]  # numbers untouched


def test_numbers_stay_numbers_and_text_that_looks_like_one_is_neutralised(tmp_path: Path) -> None:
    columns = [Column("n", "long"), Column("x", "double"), Column("udf:Amount", "double"), Column("text"),
               Column("udf:=Evil")]
    rows = [{"n": -5, "x": -1.5, "udf:Amount": "-7.25", "text": "-5", "udf:=Evil": "@x"},
            {"n": 3, "x": 2.0, "udf:Amount": "-1+cmd", "text": "a-b", "udf:=Evil": None}]
    buffer = io.StringIO()
    with open_writer("csv", buffer, columns) as writer:
        writer.write_rows(rows)
    lines = buffer.getvalue().splitlines()
    assert lines == ["n,x,udf:Amount,text,udf:=Evil",
                     "-5,-1.5,-7.25,'-5,'@x",  # a numeric column's number is data; a text field's "-5" is text
                     "3,2.0,'-1+cmd,a-b,"]
    raw = io.StringIO()
    with open_writer("csv", raw, columns, escape_formulas=False) as writer:
        writer.write_rows(rows)
    assert raw.getvalue().splitlines()[1] == "-5,-1.5,-7.25,-5,@x"
    header = io.StringIO()
    open_writer("csv", header, [Column("=cmd"), Column("ok")]).close()  # a caller's column names are text too
    assert header.getvalue() == "'=cmd,ok\r\n"


def test_xlsx_stores_formula_text_as_text(client: AutotaskClient, dangerous_tickets: dict[int, str],
                                         tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    assert export(client, "Tickets", out, filter=_id_filter(dangerous_tickets), fields="id,title").ok
    sheet = openpyxl.load_workbook(out).worksheets[0]
    cells = {int(row[0].value): row[1] for row in sheet.iter_rows(min_row=2)}
    assert set(cells) == set(dangerous_tickets)
    for ticket_id, title in dangerous_tickets.items():
        assert cells[ticket_id].data_type == "s"  # a string, not a formula ("f")
        # Excel shows text as it is (no ' needed); xlsx stores a CR as _x000D_, which openpyxl leaves escaped.
        assert cells[ticket_id].value.replace("_x000D_", "\r") == title


def test_bulk_report_cells_are_neutralised(tmp_path: Path) -> None:
    report = tmp_path / "report.csv"
    write_report([RowResult(1, "failed", None, ("=cmd|' /C calc'!A0", "second")),
                  RowResult(2, "created", 42)], report)
    with open(report, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["messages"] == "'=cmd|' /C calc'!A0 | second"
    assert rows[1]["id"] == "42"
