"""`WebhookReceiver` as an ASGI app (httpx's ASGI transport, FastAPI mount), with the sandbox as the API."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import orjson
import pytest

from py_autotask import AsyncAutotaskClient, AutotaskClient
from py_autotask.webhooks import Deactivation, WebhookEvent, WebhookReceiver, create_webhook, sign

pytestmark = pytest.mark.anyio
SECRET = "receiver-secret"
GUID = "8a7f4b52-4c39-4f4e-9d3e-2a4f1c2b9e10"
BASE_URL = "https://sandbox.autotask.local/ATServicesRest/"


def payload(sequence: int = 1, record_id: int = 42, action: str = "Update", **fields: Any) -> bytes:
    return orjson.dumps({"Guid": GUID, "EntityType": "Ticket", "Id": record_id, "EventTime": "2025-06-02T09:00:00.123",
                         "SequenceNumber": sequence, "PersonID": 29682885, "Action": action,
                         "Fields": fields or {"title": "Café & \"quotes\" 🎉"}})


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {"X-Hook-Signature": sign(secret, body), "Content-Type": "application/json"}


@pytest.fixture
def sync_client(sandbox: Any) -> Iterator[AutotaskClient]:
    with AutotaskClient(**sandbox.credentials, base_url=BASE_URL, transport=sandbox.transport(), cache=False) as c:
        yield c


async def _post(app: Any, body: bytes, headers: dict[str, str] | None = None, path: str = "/hook") -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://receiver") as http:
        return await http.post(path, content=body, headers=headers or {})


async def test_verified_events_are_typed_and_acknowledged_before_the_handler_runs() -> None:
    release = asyncio.Event()
    got: list[WebhookEvent] = []

    async def handler(event: WebhookEvent) -> None:
        await release.wait()  # a slow handler: the response must not wait for it
        got.append(event)

    receiver = WebhookReceiver(SECRET, handler)
    body = payload()
    started = time.monotonic()
    response = await _post(receiver, body, signed(body))
    assert response.status_code == 200 and time.monotonic() - started < 0.5 and got == []
    release.set()
    assert await receiver.drain(5)
    (event,) = got
    assert (event.entity, event.entity_type, event.id, event.action) == ("Tickets", "Ticket", 42, "Update")
    assert event.fields == {"title": 'Café & "quotes" 🎉'} and event.key == (GUID, 1)
    assert event.event_time is not None and event.event_time.isoformat() == "2025-06-02T09:00:00.123000+00:00"
    assert event.to_dict()["event_time"] == "2025-06-02T09:00:00.123000Z" and event.person_id == 29682885


async def test_forged_missing_and_foreign_signatures_get_401_and_go_nowhere() -> None:
    got: list[WebhookEvent] = []
    receiver = WebhookReceiver(SECRET, got.append)
    body = payload()
    for headers in ({}, {"X-Hook-Signature": "sha1=Zm9yZ2Vk"}, signed(body, "another-webhooks-secret"),
                    {"X-Hook-Signature": sign(SECRET, body)[:-2] + "A="}):
        assert (await _post(receiver, body, headers)).status_code == 401
    tampered = body.replace(b"42", b"43")
    assert (await _post(receiver, tampered, signed(body))).status_code == 401
    assert await receiver.drain(5) and got == []
    assert receiver.counts["rejected"] == 5 and receiver.counts["accepted"] == 0


async def test_repeats_are_handled_once_and_sync_handlers_run_in_a_thread() -> None:
    threads: list[str] = []
    got: list[WebhookEvent] = []

    def handler(event: WebhookEvent) -> None:
        threads.append(threading.current_thread().name)
        got.append(event)

    receiver = WebhookReceiver(["old-secret", SECRET], handler)
    first, second = payload(1), payload(2, title="Second")
    for body in (first, first, second, first):
        assert (await _post(receiver, body, signed(body))).status_code == 200
    assert await receiver.drain(5)
    assert [e.sequence for e in got] == [1, 2] and receiver.counts["duplicates"] == 2
    assert threading.main_thread().name not in threads


async def test_bad_requests() -> None:
    receiver = WebhookReceiver(SECRET, max_body_bytes=100)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver), base_url="http://r") as http:
        assert (await http.get("/")).status_code == 405
        big = payload(title="x" * 200)
        assert (await http.post("/", content=big, headers=signed(big))).status_code == 413
    receiver = WebhookReceiver(SECRET)
    for body in (b'{"Guid": "g"}', b"not json"):
        assert (await _post(receiver, body, signed(body))).status_code == 400  # signed but not a callout
        assert (await _post(receiver, body)).status_code == 401
    with pytest.raises(ValueError, match="needs the webhook's secret"):
        WebhookReceiver("")
    assert SECRET not in repr(receiver)


async def test_a_full_queue_answers_503_and_the_retry_is_accepted() -> None:
    gate = asyncio.Event()

    async def handler(event: WebhookEvent) -> None:
        await gate.wait()

    receiver = WebhookReceiver(SECRET, handler, queue_size=1)
    statuses = []
    for sequence in (1, 2, 3):
        body = payload(sequence)
        statuses.append((await _post(receiver, body, signed(body))).status_code)
        await asyncio.sleep(0.01)  # let the worker take the first event off the queue
    assert statuses == [200, 200, 503]
    gate.set()
    assert await receiver.drain(5)
    body = payload(3)
    assert (await _post(receiver, body, signed(body))).status_code == 200  # not taken for a duplicate
    assert await receiver.drain(5) and receiver.counts["handled"] == 3


async def test_records_are_fetched_with_either_client(sandbox: Any, sync_client: AutotaskClient) -> None:
    ticket = next(iter(sync_client.tickets.query(fields=["id"], limit=1)))["id"]
    expected = sync_client.tickets.get(ticket)
    async with AsyncAutotaskClient(**sandbox.credentials, base_url=BASE_URL, transport=sandbox.async_transport(),
                                   cache=False) as async_client:
        for client in (sync_client, async_client):
            got: list[WebhookEvent] = []
            receiver = WebhookReceiver(SECRET, got.append, client=client, fetch_records=True)
            body = payload(record_id=ticket)
            assert (await _post(receiver, body, signed(body))).status_code == 200
            assert await receiver.drain(5)
            assert got[0].record == expected and got[0].to_dict()["record"]["id"] == ticket


async def test_a_failed_record_fetch_still_hands_the_event_on(sandbox: Any) -> None:
    with AutotaskClient(**sandbox.credentials, base_url=BASE_URL, transport=sandbox.transport(), cache=False,
                        max_retries=0) as client:
        got: list[WebhookEvent] = []
        receiver = WebhookReceiver(SECRET, got.append, client=client, fetch_records=True)
        sandbox.control.set_faults({"500": 1.0})
        try:
            body = payload()
            assert (await _post(receiver, body, signed(body))).status_code == 200
            assert await receiver.drain(5)
        finally:
            sandbox.control.set_faults({})
        assert [(e.id, e.record) for e in got] == [(42, None)] and receiver.counts["fetch_errors"] == 1


async def test_unsigned_deactivation_notices_are_only_a_hint(sandbox: Any, sync_client: AutotaskClient) -> None:
    created = create_webhook(sync_client, "Tickets", url="http://127.0.0.1:9/hook", secret=SECRET, fields=["title"])
    confirmed: list[Deactivation] = []
    receiver = WebhookReceiver(SECRET, client=sync_client, on_deactivated=confirmed.append, confirm_interval_s=0)
    notice = orjson.dumps({"Guid": created.guid, "EntityType": "Ticket", "Id": created.id, "Action": "Deactivated",
                           "EventTime": "2025-06-02T09:00:00", "SequenceNumber": 0, "Fields": {}})
    assert (await _post(receiver, notice)).status_code == 202  # unsigned: noted, not believed
    assert await receiver.drain(5)
    assert confirmed == [] and receiver.counts["deactivations_refuted"] == 1  # the API says it is active

    sync_client.entity("TicketWebhooks").update(created.id, {"isActive": False})
    assert (await _post(receiver, notice)).status_code == 202
    assert await receiver.drain(5)
    (found,) = confirmed
    assert (found.webhook_entity, found.webhook_id, found.guid) == ("TicketWebhooks", created.id, created.guid)
    # Without a client nothing can be confirmed, so nothing is reported.
    blind = WebhookReceiver(SECRET, on_deactivated=confirmed.append)
    assert (await _post(blind, notice)).status_code == 202
    assert await blind.drain(5) and len(confirmed) == 1 and blind.counts["deactivations_unconfirmed"] == 1
    # A forged *signed-looking* notice is a plain forgery: 401.
    assert (await _post(receiver, notice, {"X-Hook-Signature": "sha1=Zm9yZ2Vk"})).status_code == 401


@pytest.fixture
async def fastapi_app() -> AsyncIterator[tuple[Any, list[WebhookEvent]]]:
    fastapi = pytest.importorskip("fastapi")
    got: list[WebhookEvent] = []
    receiver = WebhookReceiver(SECRET, got.append)
    app = fastapi.FastAPI()
    app.mount("/autotask", receiver)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"ok": "yes"}

    app.state.receiver = receiver
    yield app, got


async def test_mounted_in_fastapi(fastapi_app: tuple[Any, list[WebhookEvent]]) -> None:
    app, got = fastapi_app
    body = payload()
    assert (await _post(app, body, signed(body), path="/autotask/hook")).status_code == 200
    assert (await _post(app, body, {}, path="/autotask/hook")).status_code == 401
    assert await app.state.receiver.drain(5)
    assert [e.id for e in got] == [42]
