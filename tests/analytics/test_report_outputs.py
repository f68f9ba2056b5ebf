"""`py-autotask report` files: formula-like text stays inert (CSV: a leading '; XLSX: text), and no file is
replaced without --force."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from .._cli import run_main
from .._clock import SANDBOX_NOW
from .conftest import Tenant

AS_OF = SANDBOX_NOW.strftime("%Y-%m-%dT%H:%M:%S")
EVIL = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture
def poisoned(tenant: Tenant, tmp_path: Path) -> Path:
    """The exported tenant with every company renamed to start like a formula."""
    directory = tmp_path / "export"
    shutil.copytree(tenant.directory, directory)
    companies = pq.read_table(directory / "Companies.parquet")
    names = [f"{EVIL} {n}" for n in companies.column("companyName").to_pylist()]
    column = companies.schema.get_field_index("companyName")
    pq.write_table(companies.set_column(column, "companyName", pa.array(names, pa.string())),
                   directory / "Companies.parquet")
    return directory


def test_report_csv_and_xlsx_keep_formula_text_inert(poisoned: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    source = ("--source", str(poisoned), "--as-of", AS_OF)
    code, out, err = run_main(capsys, "report", "ar-aging", "--by", "company", "--format", "csv", "-o", "-", *source)
    assert code == 0, err
    companies = [r["company"] for r in csv.DictReader(io.StringIO(out))]
    assert companies and all(c.startswith("'" + EVIL) for c in companies)
    code, out, err = run_main(capsys, "report", "ar-aging", "--by", "company", "--format", "csv", "-o", "-", "--csv-raw",
                         *source)
    assert code == 0, err
    assert all(r["company"].startswith(EVIL) for r in csv.DictReader(io.StringIO(out)))
    code, _, err = run_main(capsys, "report", "ar-aging", "--by", "company", "-o", str(tmp_path / "r.xlsx"), *source)
    assert code == 0, err
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx").worksheets[0]
    header = [c.value for c in sheet[1]]
    cells = [row[header.index("company")] for row in sheet.iter_rows(min_row=2)]
    assert cells and all(c.data_type == "s" and str(c.value).startswith(EVIL) for c in cells)


def test_report_never_replaces_an_existing_file_without_force(tenant: Tenant, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    source = ("--source", str(tenant.directory), "--as-of", AS_OF)
    mine = tmp_path / "volume.html"
    mine.write_text("my notes")
    code, out, err = run_main(capsys, "report", "volume", "-o", str(mine), *source)
    assert code == 2 and out == "" and err.count("\n") == 1 and f"{mine} exists already" in err and "--force" in err
    assert mine.read_text() == "my notes"
    code, _, err = run_main(capsys, "report", "volume", "-o", str(mine), "--force", *source)
    assert code == 0, err
    assert mine.read_text().startswith("<!DOCTYPE html>") or "<html" in mine.read_text()
    folder = tmp_path / "csvs"
    folder.mkdir()
    (folder / "volume-month.csv").write_text("keep")
    code, _, err = run_main(capsys, "report", "all", "--format", "csv", "-o", str(folder), *source)
    assert code == 2 and "volume-month.csv exists already" in err
    assert [p.name for p in folder.iterdir()] == ["volume-month.csv"] and (folder / "volume-month.csv").read_text() == (
        "keep")
    code, _, err = run_main(capsys, "report", "all", "--format", "csv", "-o", str(folder), "--force", *source)
    assert code == 0, err
    assert (folder / "volume-month.csv").read_text() != "keep"
