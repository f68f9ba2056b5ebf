"""`py-autotask report`: stable column names, every output format, and clear errors with their exit codes."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from py_autotask import analytics

from .._cli import run_main
from .._clock import SANDBOX_NOW
from .conftest import Tenant

AS_OF = SANDBOX_NOW.strftime("%Y-%m-%dT%H:%M:%S")


def test_csat_by_month_csv_has_the_documented_columns(tenant: Tenant, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(capsys, "report", "csat", "--by", "month", "--format", "csv", "-o", "-",
                       "--source", str(tenant.directory), "--as-of", AS_OF)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0])[:3] == ["month", "surveys", "avg_survey_rating"]
    with analytics.open_source(tenant.directory, now=SANDBOX_NOW) as source:
        table = analytics.csat(source, by="month")
    assert [r["month"] for r in rows] == table.column("month").to_pylist()
    assert [int(r["surveys"]) for r in rows] == table.column("surveys").to_pylist()


def test_sla_by_priority_csv_has_the_documented_columns(tenant: Tenant, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(capsys, "report", "sla", "--by", "priority", "--format", "csv", "-o", "-",
                       "--source", str(tenant.directory), "--as-of", AS_OF)
    assert code == 0
    header = next(csv.reader(io.StringIO(out)))
    assert header[:2] == ["priority", "tickets"]
    assert {"first_response_met_pct", "resolution_met_pct"} <= set(header)
    assert {"Critical", "High", "Medium", "Low"} <= {r["priority"] for r in csv.DictReader(io.StringIO(out))}


def test_json_xlsx_html_and_terminal(tenant: Tenant, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = ("--source", str(tenant.directory), "--as-of", AS_OF)
    code, out, _ = run_main(capsys, "report", "backlog", "--format", "json", "-o", "-", *source)
    assert code == 0 and json.loads(out)[0].keys() >= {"queue", "open_tickets", "avg_age_days"}
    code, _, _ = run_main(capsys, "report", "volume", "-o", str(tmp_path / "v.xlsx"), *source)
    openpyxl = pytest.importorskip("openpyxl")
    sheet = openpyxl.load_workbook(tmp_path / "v.xlsx").worksheets[0]
    assert code == 0 and [c.value for c in sheet[1]][:4] == ["month", "created", "completed", "kill_rate"]
    code, _, _ = run_main(capsys, "report", "response", "--by", "queue", "-o", str(tmp_path / "r.html"), *source)
    page = (tmp_path / "r.html").read_text()
    assert code == 0 and "<svg" in page and "Level I Support" in page and "http" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    code, out, _ = run_main(capsys, "report", "first-touch", *source)
    assert code == 0 and "first_touch_pct" in out


def test_report_all_writes_one_page_and_explains_what_it_skipped(tenant: Tenant, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    partial = tmp_path / "partial"
    partial.mkdir()
    for name in ("Tickets", "ServiceLevelAgreementResults", "picklist_values"):
        if (tenant.directory / f"{name}.parquet").exists():
            shutil.copy(tenant.directory / f"{name}.parquet", partial)
    code, _, err = run_main(capsys, "report", "all", "-o", str(tmp_path / "all.html"), "--source", str(partial),
                       "--as-of", AS_OF)
    assert code == 0
    page = (tmp_path / "all.html").read_text()
    assert page.count("<svg") >= 5
    assert "Not computed: CSAT needs SurveyResults" in page
    assert "export it: py-autotask export SurveyResults" in err


@pytest.mark.parametrize(("args", "code", "message"), [
    (("report", "nope"), 2, "no report 'nope'"),
    (("report", "sla", "--by", "colour"), 2, "cannot be grouped by 'colour'"),
    (("report", "sla", "--tz", "Mars/Olympus"), 2, "not an IANA time zone"),
    (("report", "all", "--format", "csv"), 2, "give -o DIRECTORY"),
])
def test_bad_options_exit_2(tenant: Tenant, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], code: int,
                            message: str) -> None:
    got, _, err = run_main(capsys, *args, "--source", str(tenant.directory), "--as-of", AS_OF)
    assert got == code and message in err


def test_missing_source_and_missing_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_main(capsys, "report", "sla", "--source", str(tmp_path / "absent.duckdb"))
    assert code == 2 and "no analytics source" in err
    code, _, err = run_main(capsys, "report", "csat", "--source", str(tmp_path))
    assert code == 1 and "CSAT needs SurveyResults" in err and "py-autotask export SurveyResults" in err
