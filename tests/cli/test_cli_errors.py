"""Errors follow the README's exit-code table, each one line naming what is wrong (issue 15, items 3 and 9)."""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .._cli import sandbox_env
from .conftest import Run

SRC = str(Path(__file__).resolve().parents[2] / "src")

BIG = "99999999999999999999"  # 2**66 and a bit: no Autotask id, and orjson cannot encode it


@pytest.mark.parametrize("args", [["query", "Tickets", f"id={BIG}"], ["count", "Tickets", f"id={BIG}"],
                                  ["export", "Tickets", "--filter", f"id={BIG}", "-o", "-"],
                                  ["query", "Tickets", f"id in (1, {BIG})"]])
def test_an_integer_beyond_64_bits_in_a_filter_is_a_usage_error(cli: Run, sandbox_server: Any,
                                                                args: list[str]) -> None:
    code, out, err = cli(*args)
    assert code == 2, err
    assert f"{BIG} is beyond the 64-bit integer range" in err
    assert "unexpected" not in err and "Traceback" not in err and out == ""


@pytest.mark.parametrize("flt", [f"id={BIG}", "statuz=1"])
def test_a_filter_every_entity_refuses_is_said_without_a_summary_table(cli: Run, sandbox_server: Any,
                                                                       tmp_path: Path, flt: str) -> None:
    code, out, err = cli("export", "Tickets,Companies", "--filter", flt, "-o", str(tmp_path) + "/")
    assert code == 2, err
    assert "records in" not in err and not any(line.startswith("entity") for line in err.splitlines()), err
    assert [line.split(":")[2].strip() for line in err.splitlines() if line.startswith("py-autotask:")] == [
        "Tickets", "Companies"], err
    assert not list(tmp_path.glob("*.csv"))


# --- as a user runs it: a separate process, exit code and stderr -------------------------------------

def _closed_port() -> int:
    with socket.socket() as probe:  # bound then closed: nothing listens there afterwards
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(tmp_path: Path, base_url: str, *args: str, timeout: float = 60,
         username: str | None = "user@example.com") -> tuple[int, str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTASK_")}
    env.update(PYTHONPATH=SRC, AUTOTASK_SECRET="not-a-secret", AUTOTASK_INTEGRATION_CODE="CODE",
               AUTOTASK_CONFIG=str(tmp_path / "none.toml"), AUTOTASK_CACHE="off")
    if username is not None:
        env["AUTOTASK_USERNAME"] = username
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "py_autotask.cli", "--base-url", base_url, *args], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=timeout)
    return done.returncode, done.stderr, time.monotonic() - started


@pytest.mark.parametrize(("args", "says"), [
    (["export", "Tickets", "--since", "yesterday", "-o", "t.csv"], "since 'yesterday' is not a date or date-time"),
    (["export", "Tickets", "--since", "2025-13-01", "-o", "t.csv"], "since '2025-13-01' is not a date"),
    (["export", "Tickets", "--since", "2025-02-01", "--until", "2025-01-01", "-o", "t.csv"],
     "since 2025-02-01 is not before until 2025-01-01"),
    (["export", "Tickets", "--fields", "id,title,ID", "-o", "t.csv"], "'ID' is given twice"),
    (["query", "Tickets", "--fields", "id,title,Title"], "--fields: 'Title' is given twice"),
])
def test_usage_errors_are_exit_2_before_connecting(tmp_path: Path, args: list[str], says: str) -> None:
    # Nothing listens at the base URL: a command that connected first would fail with 4 (or 6) instead.
    code, err, _ = _run(tmp_path, f"http://127.0.0.1:{_closed_port()}/ATServicesRest/", *args)
    assert code == 2, err
    assert says in err and err.count("\n") == 1, err


@pytest.mark.parametrize("args", [["export", "Tickets", "-o", "t.csv"], ["export", "Tickets,Companies", "-o", "out/"],
                                  ["query", "Tickets"], ["count", "Tickets"]])
def test_nothing_listening_at_the_base_url_is_exit_4_in_seconds_with_one_line(tmp_path: Path,
                                                                               args: list[str]) -> None:
    port = _closed_port()
    code, err, seconds = _run(tmp_path, f"http://127.0.0.1:{port}/ATServicesRest/", *args)
    assert code == 4, err
    lines = err.splitlines()
    assert len(lines) == 1 and "Connection refused" in lines[0] and "check the network and --base-url" in lines[0]
    assert "circuit" not in err and "unexpected" not in err
    assert seconds < 6  # one retry of the connect (0.5 s), not the full backoff (7.5 s) plus a circuit


class _NotAutotask(http.server.BaseHTTPRequestHandler):
    """A web server that is not Autotask: an HTML 404 page for every request."""

    def _page(self) -> None:
        body = b"<html><head><title>404 Not Found</title></head><body>nothing here</body></html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _page

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def not_autotask() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotAutotask)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/ATServicesRest/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("args", [["export", "Tickets,Companies", "-o", "out/"], ["query", "Tickets"],
                                  ["count", "Tickets"]])
def test_a_web_server_that_is_not_autotask_is_exit_4_with_one_line(tmp_path: Path, not_autotask: str,
                                                                   args: list[str]) -> None:
    code, err, seconds = _run(tmp_path, not_autotask, *args)
    assert code == 4, err
    lines = err.splitlines()
    assert len(lines) == 1 and "answered 404" in lines[0] and "HTML page (404 Not Found), not Autotask's JSON" in err
    assert "check --base-url" in err and seconds < 6


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 160 KiB tmpfs: a real full disk (ENOSPC from real writes); needs root, as CI and this machine have."""
    place = tmp_path / "tiny"
    place.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=160k", "tmpfs", str(place)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield place
    finally:
        subprocess.run(["umount", "-l", str(place)], check=False)


@pytest.mark.parametrize("fmt", ["xlsx", "parquet", "csv"])
def test_an_export_onto_a_full_disk_is_one_line_naming_the_file_without_a_traceback(
        sandbox_server: Any, tmp_path: Path, tiny_disk: Path, fmt: str) -> None:
    target = tiny_disk / f"Tickets.{fmt}"
    env = sandbox_env(sandbox_server, tmp_path)
    done = subprocess.run([sys.executable, "-m", "py_autotask.cli", "export", "Tickets", "-o", str(target), "-q"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr  # a local file problem (README table)
    assert done.stderr.splitlines() == [done.stderr.strip()], done.stderr
    assert "No space left on device" in done.stderr and f"(writing {target})" in done.stderr
    assert "Traceback" not in done.stderr and "unexpected" not in done.stderr


@pytest.mark.parametrize("damaged", ["checkpoint", "watermarks"])
def test_a_damaged_export_state_file_is_named_not_unexpected(cli: Run, tmp_path: Path, damaged: str) -> None:
    state = tmp_path / ".py-autotask"
    if damaged == "checkpoint":
        target, args = state / "checkpoints" / "Tickets.csv.json", ["export", "Tickets", "-o", "Tickets.csv", "--resume"]
    else:
        target, args = state / "watermarks.json", ["export", "Tickets", "-o", "inc/", "--incremental"]
        state = tmp_path / "inc" / ".py-autotask"
        target = state / "watermarks.json"
    target.parent.mkdir(parents=True)
    target.write_text('{"version": 1, "entities": {', encoding="utf-8")  # cut off mid-write by an old version
    code, _, err = cli(*args)
    assert code == 2, err
    assert f"{target.relative_to(tmp_path)} is damaged" in err, err  # the path as given (-o is relative here)
    assert "unexpected" not in err and "Traceback" not in err


def test_sync_says_what_failed_with_the_tables_exit_code(tmp_path: Path) -> None:
    pytest.importorskip("dlt")
    base = f"http://127.0.0.1:{_closed_port()}/ATServicesRest/"
    code, err, _ = _run(tmp_path, base, "sync", "Tickets", "--dsn", str(tmp_path / "m.duckdb"))
    assert code == 4, err  # was 1 with "[Errno 111] Connection refused": httpx's cause, not our error
    assert "sync failed: connection failed" in err and "check the network and --base-url" in err
    assert err.count("\n") == 1
    code, err, _ = _run(tmp_path, base, "sync", "Tickets", "--dsn", str(tmp_path / "m.duckdb"), username=None)
    assert code == 3 and "missing Autotask credentials" in err, err  # was 1
