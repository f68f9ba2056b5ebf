"""Output files: an unknown extension is a usage error, and nothing a user already has is overwritten silently."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from py_autotask import AutotaskClient
from py_autotask.cli._common import ExitCode
from py_autotask.export import ProgressEvent, export


def test_an_unknown_output_extension_is_a_usage_error_before_any_request(cli: Any, sandbox_server: Any,
                                                                          tmp_path: Path) -> None:
    control = sandbox_server.sandbox.control
    control.clear_log()
    code, out, err = cli("export", "Tickets", "-o", "tickets.xml")
    assert code == ExitCode.USAGE and out == ""
    assert err.count("\n") == 1 and "tickets.xml" in err and ".xml" in err and "Traceback" not in err
    assert not (tmp_path / "tickets.xml").exists()  # not made into a directory
    assert control.request_log == []
    # A directory name with a dot in it is still a directory when it is one, or when it ends with /.
    (tmp_path / "dump.2024").mkdir()
    code, _, err = cli("export", "Companies", "-o", "dump.2024", "-q")
    assert code == 0, err
    assert (tmp_path / "dump.2024" / "Companies.csv").is_file()
    code, _, err = cli("export", "Companies", "-o", "new.v2/", "-q")
    assert code == 0, err
    assert (tmp_path / "new.v2" / "Companies.csv").is_file()


# --- no silent overwrite ---------------------------------------------------------------------------------


def test_export_never_replaces_an_existing_file_without_force(cli: Any, sandbox_server: Any, tmp_path: Path) -> None:
    control = sandbox_server.sandbox.control
    assert cli("export", "Companies", "-o", "companies.csv", "-q")[0] == 0
    mine = tmp_path / "companies.csv"
    mine.write_text("my own spreadsheet\n")  # a file the user has, by the same name
    control.clear_log()
    code, out, err = cli("export", "Companies", "-o", "companies.csv", "-q")
    assert code == ExitCode.USAGE and out == ""
    assert err == "py-autotask: error: companies.csv exists already: --force overwrites it, or choose another -o\n"
    assert mine.read_text() == "my own spreadsheet\n" and control.request_log == []
    code, _, err = cli("export", "Companies", "-o", "companies.csv", "-q", "--force")
    assert code == 0, err
    assert mine.read_text().startswith("id,")
    # A directory: each entity's file counts; nothing is written when any of them exists.
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "Contacts.csv").write_text("keep\n")
    code, _, err = cli("export", "Companies,Contacts", "-o", "out", "-q")
    assert code == ExitCode.USAGE and "Contacts.csv exists already" in err
    assert not (tmp_path / "out" / "Companies.csv").exists() and (tmp_path / "out" / "Contacts.csv").read_text() == (
        "keep\n")


def test_an_interrupted_export_is_resumed_or_forced_never_silently_restarted(cli: Any, client: AutotaskClient,
                                                                             tmp_path: Path) -> None:
    stop = threading.Event()

    def stop_after_some(event: ProgressEvent) -> None:
        if event.kind == "advance" and event.completed >= 200:
            stop.set()  # as Ctrl-C would

    first = export(client, "TimeEntries", tmp_path / "out", page_size=100, threads=1, progress=stop_after_some,
                   stop=stop)
    assert first.entities[0].status == "interrupted"
    assert list((tmp_path / "out" / ".py-autotask" / "checkpoints").iterdir())
    code, _, err = cli("export", "TimeEntries", "-o", "out", "--page-size", "100", "-q")
    assert code == ExitCode.USAGE
    assert "interrupted export to out/TimeEntries.csv" in err and "--resume" in err and "--force" in err
    code, _, err = cli("export", "TimeEntries", "-o", "out", "--page-size", "100", "-q", "--resume")
    assert code == 0, err
    # Complete now: running it again (even with --resume, which has nothing left to continue) replaces nothing.
    code, _, err = cli("export", "TimeEntries", "-o", "out", "--page-size", "100", "-q", "--resume")
    assert code == ExitCode.USAGE and "exists already" in err


def test_bulk_report_never_replaces_the_input_or_an_earlier_report(cli: Any, sandbox_server: Any,
                                                                    tmp_path: Path) -> None:
    control = sandbox_server.sandbox.control
    source = tmp_path / "companies.csv"
    text = "companyName,companyType,phone,ownerResourceID\nContoso,1,555-0100,29682885\n"
    source.write_text(text)
    control.clear_log()
    for report in ("companies.csv", "./companies.csv", str(source)):
        code, _, err = cli("bulk", "create", "Companies", "companies.csv", "--report", report, "--dry-run", "--force")
        assert code == ExitCode.USAGE and "is the input file" in err, err
    code, _, err = cli("bulk", "create", "Companies", "companies.csv", "--journal", "companies.csv")
    assert code == ExitCode.USAGE and "is the input file" in err
    assert source.read_text() == text and control.request_log == []
    (tmp_path / "r.csv").write_text("an earlier job's report\n")
    code, _, err = cli("bulk", "create", "Companies", "companies.csv", "--report", "r.csv", "--dry-run")
    assert code == ExitCode.USAGE and err.count("\n") == 1
    assert "r.csv exists already" in err and "--force" in err and "--resume" in err
    assert (tmp_path / "r.csv").read_text() == "an earlier job's report\n" and control.request_log == []
    code, _, err = cli("bulk", "create", "Companies", "companies.csv", "--report", "r.csv", "--dry-run", "--force",
                       "-q")
    assert code == 0, err
    assert (tmp_path / "r.csv").read_text().startswith("row,outcome,id,messages")
    # A dry run's report records no write: the real run writes its own over it (the journal guards the job).
    code, _, err = cli("bulk", "create", "Companies", "companies.csv", "--report", "r.csv", "-q")
    assert code == 0, err
    assert "created" in (tmp_path / "r.csv").read_text()
    # That report records a create: a new job must not replace it silently.
    (tmp_path / "r.csv.journal.sqlite").unlink()
    code, _, err = cli("bulk", "create", "Companies", "companies.csv", "--report", "r.csv", "-q")
    assert code == ExitCode.USAGE and "r.csv exists already" in err
