"""`py-autotask webhooks …` and `py-autotask listen` end to end: sandbox write -> signed callout -> NDJSON line."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from py_autotask._client import AutotaskClient
from py_autotask.webhooks import sign

SRC = str(Path(__file__).resolve().parents[2] / "src")
TITLES = ["Café crème brûlée", "Tom & Jerry <3", 'say "hi" it\'s 1+1', "party 🎉 \\o/"]


class Listener:
    """`py-autotask listen` in its own process, writing to an NDJSON file."""

    def __init__(self, tmp_path: Path, secret_file: Path, port: int = 0) -> None:
        self.output = tmp_path / "events.ndjson"
        self.log = open(tmp_path / "listen.log", "wb")  # noqa: SIM115
        env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTASK_")}
        env["PYTHONPATH"] = SRC
        self.process = subprocess.Popen(
            [sys.executable, "-m", "py_autotask.cli", "listen", "--port", str(port), "--secret-file", str(secret_file),
             "-o", str(self.output)], env=env, stderr=self.log)
        self.url = self._wait_for_url()

    def _wait_for_url(self) -> str:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            found = re.search(rb"listening on (http://\S+)", Path(self.log.name).read_bytes())
            if found:
                return found.group(1).decode()
            assert self.process.poll() is None, Path(self.log.name).read_text()
            time.sleep(0.05)
        raise AssertionError("listen did not start")

    def lines(self, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.output.read_text(encoding="utf-8") if self.output.exists() else ""
            if len(text.splitlines()) >= count:
                return [json.loads(line) for line in text.splitlines()]
            time.sleep(0.05)
        raise AssertionError(f"fewer than {count} lines: {self.output.read_text() if self.output.exists() else ''}")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(15)
        self.log.close()
        return code


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "hook.secret"
    path.write_text(secrets.token_urlsafe(32) + "\n")
    return path


@pytest.fixture
def listener(tmp_path: Path, secret_file: Path) -> Iterator[Listener]:
    running = Listener(tmp_path, secret_file)
    yield running
    if running.process.poll() is None:
        running.stop()


def test_ticket_updates_arrive_as_verified_ndjson_lines(cli: Any, client: AutotaskClient, sandbox_server: Any,
                                                       listener: Listener, secret_file: Path) -> None:
    sandbox = sandbox_server.sandbox
    secret = secret_file.read_text().strip()
    code, out, err = cli("webhooks", "create", "Tickets", "--url", listener.url + "autotask", "--secret-file",
                         str(secret_file), "--field", "title", "--always-field", "Ticket Number")
    assert code == 0, err
    created = json.loads(out)
    assert secret not in out + err
    ticket = next(iter(client.tickets.query(fields=["id", "ticketNumber"], limit=1)))
    for title in TITLES:
        client.tickets.update(ticket["id"], {"title": title})
    assert sandbox.control.wait_for_webhooks(20)
    lines = listener.lines(len(TITLES))
    assert [line["fields"] for line in lines] == [{"title": t, "ticketNumber": ticket["ticketNumber"]}
                                                   for t in TITLES]
    assert {(line["entity"], line["id"], line["action"]) for line in lines} == {("Tickets", ticket["id"], "Update")}
    assert [line["sequence"] for line in lines] == [1, 2, 3, 4]
    assert {line["guid"] for line in lines} == {created["guid"]}  # the webhook's GUID

    # A retried delivery (same Guid and SequenceNumber) is written once; forgeries never.
    body = orjson.dumps({**{k: v for k, v in _callout(lines[0]).items()}, "SequenceNumber": 5})
    with httpx.Client(trust_env=False, timeout=10) as http:
        for _ in range(2):
            assert http.post(listener.url, content=body, headers={"X-Hook-Signature": sign(secret, body)}).status_code == 200
        forged = body.replace(b"Caf", b"Kaf")
        for headers in ({"X-Hook-Signature": sign(secret, body)}, {}):
            assert http.post(listener.url, content=forged, headers=headers).status_code == 401
        other = {"X-Hook-Signature": sign("a-different-webhooks-secret", body)}
        assert http.post(listener.url, content=orjson.dumps({**_callout(lines[0]), "SequenceNumber": 6}),
                         headers=other).status_code == 401
    lines = listener.lines(len(TITLES) + 1)
    time.sleep(0.3)
    lines = listener.lines(len(TITLES) + 1)
    assert len(lines) == len(TITLES) + 1 and lines[-1]["sequence"] == 5
    assert listener.stop() in (0, 130)

    code, out, _ = cli("webhooks", "list", "Tickets")
    (row,) = [json.loads(line) for line in out.splitlines()]
    assert row["id"] == created["id"] and "secretKey" not in row and secret not in out
    code, out, _ = cli("webhooks", "delete", "Tickets", str(created["id"]))
    assert code == 0 and cli("webhooks", "list", "Tickets")[1] == ""


def _callout(line: dict[str, Any]) -> dict[str, Any]:
    return {"Guid": line["guid"], "EntityType": line["entity_type"], "Id": line["id"], "EventTime": line["event_time"],
            "SequenceNumber": line["sequence"], "PersonID": line["person_id"], "Action": line["action"],
            "Fields": line["fields"]}


def test_webhook_create_refuses_bad_input(cli: Any, tmp_path: Path) -> None:
    code, _, err = cli("webhooks", "create", "Tickets", "--url", "http://127.0.0.1:9/", "--secret", "k")
    assert code == 2 and "at least one field" in err
    code, _, err = cli("webhooks", "create", "Tickets", "--url", "http://127.0.0.1:9/", "--secret", "k",
                       "--field", "titel")
    assert code == 2 and "'titel' is not a webhook field of Ticket; did you mean Title" in err
    code, _, err = cli("webhooks", "create", "Invoices", "--url", "http://127.0.0.1:9/", "--secret", "k",
                       "--field", "x")
    assert code == 2 and "no webhooks for Invoices" in err
    secret_file = tmp_path / "new.secret"
    code, out, err = cli("webhooks", "create", "Companies", "--url", "http://127.0.0.1:9/", "--secret-file",
                         str(secret_file), "--field", "companyName")
    assert code == 0 and secret_file.stat().st_mode & 0o777 == 0o600
    assert secret_file.read_text().strip() not in out + err
    code, _, err = cli("listen", "--port", "0")
    assert code == 2 and "secret key" in err
    assert cli("webhooks", "list", "Tickets")[1] == ""  # the failed creations left nothing behind


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _attempts(sandbox: Any, advance: float = 0.0) -> list[tuple[str, int]]:
    if advance:
        sandbox.control.clock.advance(advance)
    assert sandbox.control.wait_for_webhook_attempts(15)
    return [(d["status"], d["attempts"]) for d in sandbox.control.webhook_deliveries()]


def test_a_listener_down_40s_gets_the_event_and_one_down_3_minutes_finds_it_in_the_error_log(
        cli: Any, client: AutotaskClient, sandbox_server: Any, tmp_path: Path, secret_file: Path) -> None:
    sandbox = sandbox_server.sandbox
    port = _free_port()
    code, _, err = cli("webhooks", "create", "Tickets", "--url", f"http://127.0.0.1:{port}/",
                       "--secret-file", str(secret_file), "--field", "title")
    assert code == 0, err
    ticket = next(iter(client.tickets.query(fields=["id"], limit=1)))["id"]
    client.tickets.update(ticket, {"title": "Down for 40 s"})
    assert _attempts(sandbox) == [("retrying", 1)]  # nobody listening
    assert _attempts(sandbox, 30) == [("retrying", 2)]
    sandbox.control.clock.advance(10)
    listener = Listener(tmp_path, secret_file, port)  # back after 40 s on the sandbox clock
    try:
        assert _attempts(sandbox, 20) == [("delivered", 3)]
        (line,) = listener.lines(1)
        assert (line["id"], line["fields"]) == (ticket, {"title": "Down for 40 s"})
    finally:
        listener.stop()

    client.tickets.update(ticket, {"title": "Down for 3 minutes"})
    assert _attempts(sandbox)[-1] == ("retrying", 1)
    for _ in range(4):
        _attempts(sandbox, 30)
    assert _attempts(sandbox)[-1] == ("failed", 5)
    (row,) = client.entity("WebhookEventErrorLogs").query([{"op": "gte", "field": "id", "value": 0}])
    assert orjson.loads(row["payload"])["Fields"] == {"title": "Down for 3 minutes"}
    assert row["sequenceNumber"] == 2
    sandbox.control.clock.advance(60)
    listener = Listener(tmp_path, secret_file, port)  # back after 3 minutes: the event is gone
    try:
        assert sandbox.control.wait_for_webhooks(5)
        # A restarted listener still knows the events its file holds: a late repeat is not written again.
        (first,) = listener.lines(1)
        repeat = orjson.dumps(_callout(first))
        with httpx.Client(trust_env=False, timeout=10) as http:
            answer = http.post(listener.url, content=repeat,
                               headers={"X-Hook-Signature": sign(secret_file.read_text().strip(), repeat)})
        assert answer.status_code == 200 and answer.json() == {"status": "duplicate"}
        time.sleep(0.3)
        assert len(listener.lines(1)) == 1
    finally:
        listener.stop()
