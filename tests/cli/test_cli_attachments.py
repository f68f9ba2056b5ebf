"""`py-autotask attachments download|upload|list` against the sandbox: files, manifest, resume after kill -9."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from py_autotask._client import AutotaskClient
from py_autotask.attachments import MANIFEST, Attachments

from .._cli import sandbox_env

NAMES = ["Überweisung & Co.pdf", 'say "hi" <now>.txt', "party 🎉.png", "CON.txt", "a/b\\c:d?.csv"]


def _manifest(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (directory / MANIFEST).read_text(encoding="utf-8").splitlines()]


def _local_client(sandbox: Any) -> AutotaskClient:
    return AutotaskClient(**sandbox.credentials, base_url="https://sandbox.autotask.local/ATServicesRest/",
                          transport=sandbox.transport(), cache=False)


def test_upload_then_download_tree_with_safe_names_and_manifest(cli: Any, client: AutotaskClient,
                                                                 tmp_path: Path) -> None:
    ticket = next(iter(client.tickets.query(fields=["id"], limit=1)))["id"]
    sources = []
    for n, name in enumerate(NAMES):
        path = tmp_path / f"src{n}" / name.replace("/", "_").replace("\\", "_")
        path.parent.mkdir()
        path.write_bytes(os.urandom(100 + n))
        sources.append(path)
    code, out, err = cli("attachments", "upload", "Tickets", str(ticket), *map(str, sources))
    assert code == 0, err
    new_ids = [int(line.split("\t")[0]) for line in out.splitlines()]
    assert len(new_ids) == len(NAMES)

    code, out, _ = cli("attachments", "list", "Tickets", "--id", str(ticket))
    listed = {r["attachment_id"]: r for r in map(json.loads, out.splitlines())}
    assert code == 0 and set(new_ids) <= set(listed)

    code, _, err = cli("attachments", "download", "Tickets", "--id", str(ticket), "-o", "files", "-q")
    assert code == 0, err
    entries = {e["attachment_id"]: e for e in _manifest(tmp_path / "files")}
    for new_id, source in zip(new_ids, sources, strict=True):
        entry = entries[new_id]
        saved = tmp_path / "files" / entry["path"]
        assert saved.parent.name == str(ticket) and saved.name.startswith(f"{new_id}-")
        assert saved.read_bytes() == source.read_bytes()
        assert entry["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
        assert (entry["parent"], entry["parent_id"], entry["size"]) == ("Tickets", ticket, source.stat().st_size)
        assert entry["name"] == source.name and entry["content_type"]
        assert not set('<>:"\\|?*') & set(saved.name) and not saved.name.upper().startswith(f"{new_id}-CON.")
    assert (tmp_path / "files" / str(ticket) / f"{new_ids[3]}-_CON.txt").is_file()
    code, _, err = cli("attachments", "download", "Tickets", "--id", str(ticket), "-o", "files")
    assert code == 0 and f"0 downloaded (0 bytes), {len(entries)} already present" in err


def test_download_invoice_pdfs(cli: Any, client: AutotaskClient, tmp_path: Path) -> None:
    invoices = [r["id"] for r in client.invoices.query(fields=["id"], limit=2)]
    code, _, err = cli("attachments", "download", "Invoices", "--id", ",".join(map(str, invoices)), "-o", "pdfs")
    assert code == 0, err
    entries = _manifest(tmp_path / "pdfs")
    assert sorted(e["parent_id"] for e in entries) == sorted(invoices)
    for entry in entries:
        assert (tmp_path / "pdfs" / entry["path"]).read_bytes().startswith(b"%PDF")


def test_bad_input_is_refused_with_a_usage_code(cli: Any, client: AutotaskClient, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(b"\0" * (6 * 1024 * 1024 + 1))
    ticket = next(iter(client.tickets.query(fields=["id"], limit=1)))["id"]
    code, _, err = cli("attachments", "upload", "Tickets", str(ticket), str(big))
    assert code == 2 and "attachment limit, nothing sent" in err
    code, _, err = cli("attachments", "download", "Contracts", "-o", "x")
    assert code == 2 and "Contracts records have no attachments" in err


@pytest.mark.slow
def test_200_tickets_within_the_thread_limit_resume_after_kill_9(sandbox_server: Any, cli: Any,
                                                                tmp_path: Path) -> None:
    sandbox = sandbox_server.sandbox
    with _local_client(sandbox) as local:
        tickets = [r["id"] for r in local.tickets.query(fields=["id"], limit=200)]
        files = Attachments(local)
        for ticket in tickets:
            files.upload("Tickets", ticket, f"notes of {ticket}\n".encode() * 50, name=f"t{ticket}.txt")
        expected = [r for r in files.list("Tickets", tickets) if r.is_file]
    assert len(expected) >= 200
    sandbox.control.set_latency(40)  # long enough that three downloads overlap, short enough for the suite
    sandbox.control.clear_log()

    env = sandbox_env(sandbox_server, tmp_path)
    ids = ",".join(map(str, tickets))
    out = tmp_path / "files"
    with open(tmp_path / "stderr.txt", "wb") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "py_autotask.cli", "attachments", "download", "Tickets",
                                    "--id", ids, "-o", str(out), "-q"], env=env, stderr=stderr)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if (out / MANIFEST).is_file() and len((out / MANIFEST).read_bytes().splitlines()) >= 40:
            break
        time.sleep(0.02)
    assert process.poll() is None, (tmp_path / "stderr.txt").read_text()
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    first = {e["attachment_id"] for e in _manifest(out)}
    assert 40 <= len(first) < len(expected)

    sandbox.control.clear_log()
    code, _, err = cli("attachments", "download", "Tickets", "--id", ids, "-o", str(out), "-q")
    assert code == 0, err
    assert f"{len(first)} already present" in err
    fetched = {int(e["path"].rsplit("/", 1)[-1]) for e in sandbox.control.request_log
               if e["method"] == "GET" and "/Attachments/" in e["path"]}
    assert not fetched & first  # nothing finished before the kill was fetched again
    assert fetched | first == {r.id for r in expected}
    entries = _manifest(out)
    assert sorted(e["attachment_id"] for e in entries) == sorted(r.id for r in expected)
    for entry in entries:
        assert hashlib.sha256((out / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
    assert sandbox.control.stats()["thread_limit_rejections"] == 0
