"""Output files: an unknown extension is a usage error, and nothing a user already has is overwritten silently."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from py_autotask.cli._common import ExitCode


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
