"""Webhooks (docs/autotask-facts.md#webhooks): callouts to a real loopback receiver, signed, filtered, logged when they fail."""

from __future__ import annotations

import base64
import hashlib
import hmac
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import orjson
import pytest
from autotask_sandbox import Sandbox

SECRET = "receiver-shared-secret"
ALL = [{"op": "gte", "field": "id", "value": 0}]


class Receiver:
    """A stdlib HTTP server on loopback that records every POST (headers, raw body)."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.paths: list[str] = []
        self.status = 200
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                # Record before answering: the sender posts the next callout as soon as it has our answer,
                # and that request's handler thread must not be able to record first.
                with receiver._changed:
                    receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                    receiver.paths.append(self.path)
                    receiver._changed.notify_all()
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # keep the test output quiet
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/autotask-hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict]:
        """The first ``count`` payloads, once they have arrived (fails after ``timeout``)."""
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.received) >= count, timeout), self.received
            return [orjson.loads(body) for _, body in self.received[:count]]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    recv = Receiver()
    yield recv
    recv.close()


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """An authenticated in-process client (the project's own client is deliberately not used)."""
    with httpx.Client(
        transport=sandbox.transport(),
        base_url="https://sandbox.autotask.local/ATServicesRest/",
        headers=sandbox.headers(),
        timeout=30,
    ) as client:
        yield client


def _escaped(body: bytes) -> bytes:
    """Autotask's signed form, character by character: inside strings & < > ' + ` and non-ASCII become
    \\uXXXX (upper-case, UTF-16 units) and \\" becomes \\u0022; everything else is kept."""
    text, out, in_string, i = body.decode("utf-8"), [], False, 0
    while i < len(text):
        char = text[i]
        if in_string and char == "\\":
            pair = text[i : i + 2]
            out.append("\\u0022" if pair == '\\"' else pair)
            i += 2
            continue
        if char == '"':
            in_string = not in_string
            out.append(char)
        elif in_string and (char in "&<>'+`" or ord(char) > 127):
            code = ord(char)
            high, low = divmod(code - 0x10000, 0x400)
            units = [code] if code < 0x10000 else [0xD800 + high, 0xDC00 + low]  # a surrogate pair
            out += [f"\\u{unit:04X}" for unit in units]
        else:
            out.append(char)
        i += 1
    return "".join(out).encode("ascii")


def _signature(body: bytes, secret: str = SECRET) -> str:
    return "sha1=" + base64.b64encode(hmac.new(secret.encode(), _escaped(body), hashlib.sha1).digest()).decode()


def _ok(resp: httpx.Response) -> dict:
    assert resp.status_code == 200, resp.text
    return resp.json()


def _field_ids(api: httpx.Client, hooks: str) -> dict[str, int]:
    """Label -> fieldID from the ``<Entity>WebhookFields`` fieldID picklist, as a live client finds them."""
    fields = _ok(api.get(f"V1.0/{hooks[:-1]}Fields/entityInformation/fields"))["fields"]
    info = next(f for f in fields if f["name"] == "fieldID")
    assert info["isPickList"]
    return {v["label"]: int(v["value"]) for v in info["picklistValues"]}


def _register(
    api: httpx.Client, hooks: str, url: str, *, events: str = "CUD", fields: dict[str, str] | None = None
) -> int:
    """Create an active webhook subscribed to ``events`` (C/U/D); ``fields``: label -> "sub" | "always"."""
    body = {
        "name": f"test {hooks}",
        "webhookUrl": url,
        "deactivationUrl": url + "/deactivated",
        "secretKey": SECRET,
        "isActive": True,
        "isSubscribedToCreateEvents": "C" in events,
        "isSubscribedToUpdateEvents": "U" in events,
        "isSubscribedToDeleteEvents": "D" in events,
        "sendThresholdExceededNotification": False,
    }
    hook_id = _ok(api.post(f"V1.0/{hooks}", json=body))["itemId"]
    ids = _field_ids(api, hooks)
    for label, kind in (fields or {}).items():
        row = {
            "fieldID": ids[label],
            "isSubscribedField": kind == "sub",
            "isDisplayAlwaysField": kind == "always",
        }
        _ok(api.post(f"V1.0/{hooks}/{hook_id}/Fields", json=row))
    return hook_id


def _company(api: httpx.Client) -> int:
    query = {"filter": [{"op": "eq", "field": "isActive", "value": True}], "MaxRecords": 1}
    return _ok(api.post("V1.0/Companies/query", json=query))["items"][0]["id"]


def _new_ticket(api: httpx.Client, title: str = "Printer on fire") -> int:
    body = {
        "companyID": _company(api),
        "title": title,
        "status": 1,
        "priority": 2,
        "dueDateTime": "2030-01-01T00:00:00Z",
    }
    return _ok(api.post("V1.0/Tickets", json=body))["itemId"]


def test_ticket_callouts_carry_the_documented_payload_and_a_valid_signature(
    sandbox: Sandbox, api: httpx.Client, receiver: Receiver
) -> None:
    hook_id = _register(
        api,
        "TicketWebhooks",
        receiver.url,
        fields={"Title": "sub", "Status": "sub", "TicketNumber": "always"},
    )
    registered = _ok(api.get(f"V1.0/TicketWebhooks/{hook_id}"))["item"]
    assert registered["ownerResourceID"] == sandbox.api_user.resource_id
    assert uuid.UUID(registered["webhookGUID"])

    ticket_id = _new_ticket(api)
    _ok(api.patch("V1.0/Tickets", json={"id": ticket_id, "description": "not a subscribed field"}))
    _ok(api.patch("V1.0/Tickets", json={"id": ticket_id, "title": "Printer extinguished"}))
    created, updated = receiver.wait_for(2)
    number = _ok(api.get(f"V1.0/Tickets/{ticket_id}"))["item"]["ticketNumber"]

    for payload, sequence in ((created, 1), (updated, 2)):
        assert set(payload) == {
            "Guid", "EntityType", "Id", "EventTime", "SequenceNumber", "PersonID", "Action", "Fields"
        }  # fmt: skip
        assert uuid.UUID(payload["Guid"])
        assert payload["EntityType"] == "Ticket" and payload["Id"] == ticket_id
        assert payload["SequenceNumber"] == sequence
        assert payload["PersonID"] == sandbox.api_user.resource_id
    assert created["Action"] == "Create"
    assert created["Fields"] == {"title": "Printer on fire", "status": 1, "ticketNumber": number}
    # Only the changed subscribed field plus the display-always one; the description change sent nothing.
    assert updated["Action"] == "Update"
    assert updated["Fields"] == {"title": "Printer extinguished", "ticketNumber": number}
    assert created["Guid"] == updated["Guid"] == registered["webhookGUID"]  # the webhook's GUID

    for headers, body in receiver.received:
        assert headers["content-type"].startswith("application/json")
        assert headers["x-hook-signature"] == _signature(body)

    assert sandbox.control.wait_for_webhooks(5)
    stats = sandbox.control.stats()["webhooks"]
    assert (stats["delivered"], stats["failed"], stats["skipped_no_change"]) == (2, 0, 1)
    assert len(receiver.received) == 2


def test_callouts_are_signed_over_the_escaped_json(sandbox: Sandbox, api: httpx.Client, receiver: Receiver) -> None:
    _register(api, "TicketWebhooks", receiver.url, fields={"Title": "sub"})
    title = 'Café & "Co" <b>it\'s</b> 1+1 🎉'
    _new_ticket(api, title)
    ((headers, body),) = [receiver.received[0]] if receiver.wait_for(1) else []
    assert orjson.loads(body)["Fields"]["title"] == title
    assert "Café".encode() in body  # sent as plain UTF-8 ...
    assert headers["x-hook-signature"] == _signature(body)  # ... signed over the escaped form
    raw = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha1).digest()).decode()
    assert headers["x-hook-signature"] != f"sha1={raw}"
    assert b"\\u0026" in _escaped(body) and b"\\uD83C\\uDF89" in _escaped(body)


def test_delete_callouts_carry_the_display_always_fields(
    sandbox: Sandbox, api: httpx.Client, receiver: Receiver
) -> None:
    _register(api, "ContactWebhooks", receiver.url, events="D", fields={"LastName": "always"})
    company = _company(api)
    contact = _ok(
        api.post(
            f"V1.0/Companies/{company}/Contacts",
            json={"firstName": "Ada", "lastName": "Lovelace", "isActive": 1},
        )
    )["itemId"]
    _ok(api.delete(f"V1.0/Companies/{company}/Contacts/{contact}"))
    (payload,) = receiver.wait_for(1)
    assert (payload["EntityType"], payload["Id"], payload["Action"]) == ("Contact", contact, "Delete")
    assert payload["Fields"] == {"lastName": "Lovelace"}
    assert sandbox.control.wait_for_webhooks(5) and len(receiver.received) == 1  # not subscribed to Create


def test_excluded_resources_and_field_less_webhooks_send_nothing(
    sandbox: Sandbox, api: httpx.Client, receiver: Receiver
) -> None:
    excluded = _register(api, "TicketWebhooks", receiver.url + "/excluded", fields={"Title": "sub"})
    _ok(
        api.post(
            f"V1.0/TicketWebhooks/{excluded}/ExcludedResources",
            json={"resourceID": sandbox.api_user.resource_id},
        )
    )
    _register(api, "TicketWebhooks", receiver.url + "/no-fields")  # no callout field: unusable (docs/autotask-facts.md#webhooks)
    listening = _register(api, "TicketWebhooks", receiver.url + "/listening", fields={"Title": "sub"})
    ticket_id = _new_ticket(api)
    (payload,) = receiver.wait_for(1)
    assert payload["Id"] == ticket_id
    assert sandbox.control.wait_for_webhooks(5)
    assert receiver.paths == ["/autotask-hook/listening"]
    deliveries = sandbox.control.webhook_deliveries()
    assert [(d["webhook_id"], d["status"]) for d in deliveries] == [(listening, "delivered")]
    stats = sandbox.control.webhook_stats()
    assert (stats["suppressed_excluded"], stats["skipped_no_fields"]) == (1, 1)


def _dead_url() -> str:
    with socket.socket() as sock:  # a port nothing listens on: connections are refused at once
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/gone"


def _attempts(sandbox: Sandbox, advance: float = 0.0) -> list[tuple[str, int]]:
    """Move the sandbox clock, let every attempt now due happen, and return (status, attempts) per delivery."""
    if advance:
        sandbox.control.clock.advance(advance)
    assert sandbox.control.wait_for_webhook_attempts(15)
    return [(d["status"], d["attempts"]) for d in sandbox.control.webhook_deliveries()]


def test_failed_callouts_are_retried_every_30s_five_times_then_logged(sandbox: Sandbox, api: httpx.Client) -> None:
    dead_url = _dead_url()
    hook_id = _register(api, "CompanyWebhooks", dead_url, events="U", fields={"CompanyName": "sub"})
    company = _company(api)
    started = time.monotonic()
    _ok(api.patch("V1.0/Companies", json={"id": company, "companyName": "Renamed Ltd"}))
    assert time.monotonic() - started < 1.0  # the API request never waits for the receiver
    assert _attempts(sandbox) == [("retrying", 1)]
    assert _attempts(sandbox, 29) == [("retrying", 1)]  # not before 30 s on the sandbox clock
    for attempt in (2, 3, 4):
        assert _attempts(sandbox, 1 if attempt == 2 else 30) == [("retrying", attempt)]
    assert _ok(api.post("V1.0/WebhookEventErrorLogs/query", json={"filter": ALL}))["items"] == []
    assert _attempts(sandbox, 30) == [("failed", 5)]  # the fifth attempt, two minutes after the first
    assert sandbox.control.wait_for_webhooks(5)
    (delivery,) = sandbox.control.webhook_deliveries()
    assert delivery["http_status"] is None and "ConnectError" in delivery["error"]

    logs = _ok(api.post("V1.0/WebhookEventErrorLogs/query", json={"filter": ALL}))["items"]
    (row,) = logs
    payload = orjson.loads(row["payload"])
    assert payload["Guid"] == delivery["guid"] and payload["Action"] == "Update"
    assert payload["Fields"] == {"companyName": "Renamed Ltd"}
    assert row["sequenceNumber"] == 1 and row["accountWebhookID"] == hook_id
    assert dead_url in row["errorMessage"] and "5 attempt" in row["errorMessage"] and row["createDateTime"]

    doc = _ok(api.get("https://sandbox.autotask.local/_sandbox/webhooks"))  # the control endpoint
    assert [d["status"] for d in doc["deliveries"]] == ["failed"]
    assert (doc["stats"]["failed"], doc["stats"]["attempts"], doc["stats"]["retries"]) == (1, 5, 4)


def test_a_receiver_down_for_40s_gets_the_events_in_order(
    sandbox: Sandbox, api: httpx.Client, receiver: Receiver
) -> None:
    _register(api, "TicketWebhooks", receiver.url, fields={"Title": "sub"})
    receiver.status = 503  # down
    ticket_id = _new_ticket(api, "First")
    _ok(api.patch("V1.0/Tickets", json={"id": ticket_id, "title": "Second"}))
    assert _attempts(sandbox) == [("retrying", 1), ("pending", 0)]  # the second waits behind the first
    assert _attempts(sandbox, 30) == [("retrying", 2), ("pending", 0)]
    sandbox.control.clock.advance(10)
    receiver.status = 200  # back after 40 s
    assert _attempts(sandbox, 20) == [("delivered", 3), ("delivered", 1)]
    payloads = [orjson.loads(body) for _, body in receiver.received]
    delivered = [(p["SequenceNumber"], p["Fields"]["title"]) for p in payloads]
    assert delivered == [(1, "First"), (1, "First"), (1, "First"), (2, "Second")]  # two refused, then in order
    assert _ok(api.post("V1.0/WebhookEventErrorLogs/query", json={"filter": ALL}))["items"] == []


def test_25_consecutive_failures_deactivate_the_webhook_with_an_unsigned_notice(
    sandbox: Sandbox, api: httpx.Client, receiver: Receiver
) -> None:
    body = {
        "name": "failing", "webhookUrl": _dead_url(), "deactivationUrl": receiver.url + "/deactivated",
        "secretKey": SECRET, "isActive": True, "isSubscribedToCreateEvents": True,
        "isSubscribedToUpdateEvents": True, "isSubscribedToDeleteEvents": False,
        "sendThresholdExceededNotification": False,
    }  # fmt: skip
    hook_id = _ok(api.post("V1.0/TicketWebhooks", json=body))["itemId"]
    ids = _field_ids(api, "TicketWebhooks")
    _ok(api.post(f"V1.0/TicketWebhooks/{hook_id}/Fields",
                 json={"fieldID": ids["Title"], "isSubscribedField": True, "isDisplayAlwaysField": False}))
    ticket_id = _new_ticket(api, "t0")
    for n in range(1, 6):
        _ok(api.patch("V1.0/Tickets", json={"id": ticket_id, "title": f"t{n}"}))
    _attempts(sandbox)
    for _ in range(24):  # 5 events x 5 attempts, each event's series two minutes long
        _attempts(sandbox, 30)
    assert sandbox.control.wait_for_webhooks(10)
    (notice_headers, notice_body) = receiver.received[-1]
    notice = orjson.loads(notice_body)
    assert receiver.paths == ["/autotask-hook/deactivated"] and "x-hook-signature" not in notice_headers
    hook = _ok(api.get(f"V1.0/TicketWebhooks/{hook_id}"))["item"]
    assert (notice["Action"], notice["Guid"], notice["Id"]) == ("Deactivated", hook["webhookGUID"], hook_id)
    assert hook["isActive"] is False
    statuses = [d["status"] for d in sandbox.control.webhook_deliveries()]
    assert statuses == ["failed"] * 6 + ["delivered"]  # 5 dropped after 5 attempts, one behind them, the notice
    logs = _ok(api.post("V1.0/WebhookEventErrorLogs/query", json={"filter": ALL}))["items"]
    assert sorted(r["sequenceNumber"] for r in logs) == [1, 2, 3, 4, 5, 6]
    assert sandbox.control.webhook_stats()["deactivated"] == 1
    _ok(api.patch("V1.0/Tickets", json={"id": ticket_id, "title": "after"}))  # an inactive webhook sends nothing
    assert sandbox.control.wait_for_webhooks(5) and len(sandbox.control.webhook_deliveries()) == 7


def test_remote_urls_are_refused_unless_allowed(sandbox: Sandbox, api: httpx.Client) -> None:
    assert sandbox.config.webhook_allow_remote is False
    _register(api, "TicketWebhooks", "http://192.0.2.10/hook", fields={"Title": "sub"})  # TEST-NET-1
    _new_ticket(api)
    assert sandbox.control.wait_for_webhooks(10)
    (delivery,) = sandbox.control.webhook_deliveries()
    assert delivery["status"] == "failed" and "webhook_allow_remote" in delivery["error"]


def test_reset_forgets_deliveries_and_guids_repeat_per_seed(
    sandbox: Sandbox, api: httpx.Client, receiver: Receiver
) -> None:
    def run() -> tuple[str, str]:
        hook_id = _register(api, "TicketWebhooks", receiver.url, fields={"Title": "sub"})
        _new_ticket(api)
        assert sandbox.control.wait_for_webhooks(5)
        guid = _ok(api.get(f"V1.0/TicketWebhooks/{hook_id}"))["item"]["webhookGUID"]
        return guid, sandbox.control.webhook_deliveries()[-1]["guid"]

    first = run()
    sandbox.control.reset()
    assert sandbox.control.webhook_deliveries() == []
    assert sandbox.control.stats()["webhooks"]["queued"] == 0
    assert _ok(api.post("V1.0/TicketWebhooks/query", json={"filter": ALL}))["items"] == []
    assert run() == first
    assert len(receiver.wait_for(2)) == 2


def test_udf_callout_fields_and_ticket_notes(sandbox: Sandbox, api: httpx.Client, receiver: Receiver) -> None:
    udf_info = _ok(api.get("V1.0/TicketWebhookUdfFields/entityInformation/fields"))["fields"]
    udf_ids = {
        v["label"]: int(v["value"])
        for f in udf_info
        if f["name"] == "udfFieldID"
        for v in f["picklistValues"]
    }
    text_udf = next(u for u in _ok(api.get("V1.0/Tickets/entityInformation/userDefinedFields"))["fields"]
                    if u["type"] == "string" and not u["isPickList"])  # fmt: skip
    hook_id = _register(api, "TicketWebhooks", receiver.url, events="C")
    row = {"udfFieldID": udf_ids[text_udf["name"]], "isSubscribedField": True, "isDisplayAlwaysField": False}
    _ok(api.post(f"V1.0/TicketWebhooks/{hook_id}/UdfFields", json=row))
    _register(api, "TicketNoteWebhooks", receiver.url + "/notes", events="C", fields={"Title": "sub"})
    body = {
        "companyID": _company(api),
        "title": "With a UDF",
        "status": 1,
        "priority": 2,
        "dueDateTime": "2030-01-01T00:00:00Z",
        "userDefinedFields": [{"name": text_udf["name"], "value": "REF-42"}],
    }
    ticket_id = _ok(api.post("V1.0/Tickets", json=body))["itemId"]
    note = {"title": "Called the customer", "description": "Left a message", "noteType": 1, "publish": 1}
    note_id = _ok(api.post(f"V1.0/Tickets/{ticket_id}/Notes", json=note))["itemId"]
    ticket_payload, note_payload = receiver.wait_for(2)
    assert ticket_payload["Fields"] == {text_udf["name"]: "REF-42"}
    assert (note_payload["EntityType"], note_payload["Id"], note_payload["Action"]) == (
        "TicketNote",
        note_id,
        "Create",
    )
    assert note_payload["Fields"] == {"title": "Called the customer"}
    assert receiver.paths == ["/autotask-hook", "/autotask-hook/notes"]
