"""`WebhookReceiver`: a plain ASGI app that takes Autotask callouts, verifies them, and hands them on.

    from py_autotask.webhooks import WebhookReceiver

    async def on_event(event):            # or a plain function: it runs in a worker thread
        print(event.entity, event.id, event.action, event.fields)

    app = WebhookReceiver(secret="…", handler=on_event)        # uvicorn module:app
    fastapi_app.mount("/autotask", app)                          # or inside FastAPI / Starlette

What it does with each POST, in order:

1. Reads at most ``max_body_bytes`` (413 beyond) and verifies ``X-Hook-Signature`` against the escaped and
   the raw body with every configured secret (:mod:`.signature`). Unverified → **401**, and the body goes
   no further. The one exception is an *unsigned* ``"Action": "Deactivated"`` notice — Autotask sends
   those without a signature, and n8n's trust in them let anyone switch its signature check off
   (https://github.com/advisories/GHSA-hh59-fgrr-93hf). Here such a notice is only a hint: answered 202,
   and, when an API client was given, the webhook is looked up by its GUID; ``on_deactivated`` runs only if
   the API says the webhook is really inactive (one lookup per webhook per minute, so forged notices
   cannot make it spend the API budget). A signed Deactivated notice takes the same path.
2. Drops a repeat of an event already accepted — same (Guid, SequenceNumber) — with a 200, so Autotask
   stops retrying it.
3. Queues the event and answers **200** at once (a full queue answers 503 and forgets the event, so
   Autotask's retry is accepted later). Handlers never run on the request path: Autotask gives a
   receiver 10 seconds and disables a webhook after 25 failures in a row.
4. One worker task per receiver takes events in arrival order, optionally fetches the full record with
   the client (``fetch_records=True``; sync or async client; if that fails the event comes without it,
   ``record`` None), and calls the handler (``async def`` is
   awaited, a plain function runs in a thread). A handler's exception is logged and counted; the event
   was already acknowledged, so it is not redelivered.

The worker starts on the first request (or at ASGI lifespan startup) and is drained at lifespan shutdown
(`drain()` does the same when the app is mounted inside another).
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from .events import WEBHOOK_ENTITIES, Deduplicator, WebhookEvent, entity_tag, parse_event
from .signature import SIGNATURE_HEADER, verify

__all__ = ["Deactivation", "WebhookReceiver"]

log = logging.getLogger("py_autotask.webhooks")

Handler = Callable[[WebhookEvent], Awaitable[object] | object]
Scope = Mapping[str, Any]
Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]
CONFIRM_INTERVAL_S = 60.0


@dataclass(frozen=True)
class Deactivation:
    """A webhook the API confirms is inactive, after a Deactivated notice named it."""

    entity: str  # the watched entity, e.g. "Tickets"
    webhook_entity: str  # e.g. "TicketWebhooks"
    webhook_id: int
    guid: str
    name: str | None
    notice: dict[str, Any]


class WebhookReceiver:
    """ASGI app receiving Autotask webhook callouts (see the module docstring)."""

    def __init__(
        self,
        secret: str | Iterable[str],
        handler: Handler | None = None,
        *,
        client: Any = None,
        fetch_records: bool = False,
        on_deactivated: Callable[[Deactivation], Awaitable[object] | object] | None = None,
        dedupe: Deduplicator | None = None,
        max_body_bytes: int = 1_000_000,
        queue_size: int = 10_000,
        confirm_interval_s: float = CONFIRM_INTERVAL_S,
    ) -> None:
        self._secrets = [secret] if isinstance(secret, str) else [s for s in secret]
        if not any(self._secrets):
            raise ValueError("a webhook receiver needs the webhook's secret key to verify callouts")
        if fetch_records and client is None:
            raise ValueError("fetch_records=True needs client= (an AutotaskClient or AsyncAutotaskClient)")
        self.handler = handler
        self.client = client
        self.fetch_records = fetch_records
        self.on_deactivated = on_deactivated
        self.dedupe = dedupe if dedupe is not None else Deduplicator()
        self.max_body_bytes = max_body_bytes
        self.queue_size = queue_size
        self.confirm_interval_s = confirm_interval_s
        self.counts: Counter[str] = Counter()
        self._queue: asyncio.Queue[tuple[str, Any]] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._checked: dict[str, float] = {}

    def __repr__(self) -> str:  # the secrets never appear
        return f"WebhookReceiver({len(self._secrets)} secret(s), fetch_records={self.fetch_records})"

    # -- ASGI ------------------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if scope.get("method") != "POST":
            await _respond(send, 405, {"error": "webhook callouts are POSTed"}, [(b"allow", b"POST")])
            return
        body = await _read_body(receive, self.max_body_bytes)
        if body is None:
            self.counts["too_large"] += 1
            await _respond(send, 413, {"error": f"body over {self.max_body_bytes} bytes"})
            return
        header = _header(scope, SIGNATURE_HEADER.encode())
        status, doc = self.accept(body, header)
        await _respond(send, status, doc)

    def accept(self, body: bytes, signature: str | None) -> tuple[int, dict[str, Any]]:
        """Judge one callout (status, response body); verified new events are queued. Needs a running loop."""
        self.counts["received"] += 1
        verified = verify(body, signature, self._secrets)
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            payload = None
        action = payload.get("Action") if isinstance(payload, dict) else None
        if action == "Deactivated" and (verified or not signature):
            self.counts["deactivation_hints"] += 1
            self._enqueue(("deactivated", payload))
            return 202, {"status": "deactivation notice noted; it is checked with the API"}
        if not verified:
            self.counts["rejected"] += 1
            log.warning("webhook callout rejected: %s signature", "invalid" if signature else "missing")
            return 401, {"error": "invalid or missing X-Hook-Signature"}
        try:
            event = parse_event(payload)
        except ValueError as exc:
            self.counts["malformed"] += 1
            return 400, {"error": str(exc)}
        if not self.dedupe.first_time(event.key):
            self.counts["duplicates"] += 1
            return 200, {"status": "duplicate"}
        if not self._enqueue(("event", event)):
            self.dedupe.forget(event.key)
            self.counts["queue_full"] += 1
            return 503, {"error": "receiver busy; retry"}
        self.counts["accepted"] += 1
        return 200, {"status": "accepted"}

    # -- queue and worker ------------------------------------------------------------------------------
    def _enqueue(self, item: tuple[str, Any]) -> bool:
        if self._queue is None:
            self._queue = asyncio.Queue(self.queue_size)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._work(self._queue))
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            return False
        return True

    async def drain(self, timeout: float = 10.0) -> bool:
        """Wait until every queued event was handled; False on timeout."""
        if self._queue is None:
            return True
        try:
            await asyncio.wait_for(self._queue.join(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    async def _work(self, queue: asyncio.Queue[tuple[str, Any]]) -> None:
        while True:
            kind, item = await queue.get()
            try:
                if kind == "event":
                    await self._handle(item)
                else:
                    await self._check_deactivation(item)
            except Exception:  # a handler's bug must not stop the worker
                self.counts["handler_errors"] += 1
                log.exception("webhook handler failed")
            finally:
                queue.task_done()

    async def _handle(self, event: WebhookEvent) -> None:
        if self.fetch_records and event.action != "Delete":
            try:
                record = await self._call_client(lambda c: c.entity(event.entity).get(event.id))
            except Exception as exc:  # the event still reaches the handler, without its record
                self.counts["fetch_errors"] += 1
                log.warning("could not fetch %s %s for a webhook event: %s", event.entity, event.id, exc)
            else:
                event = dataclasses.replace(event, record=record)
        if self.handler is not None:
            await _call(self.handler, event)
        self.counts["handled"] += 1

    async def _call_client(self, fn: Callable[[Any], Any]) -> Any:
        if inspect.iscoroutinefunction(getattr(self.client, "request", None)):
            return await fn(self.client)
        return await asyncio.to_thread(fn, self.client)

    async def _check_deactivation(self, notice: dict[str, Any]) -> None:
        guid = str(notice.get("Guid") or "").lower()
        entity = entity_tag(str(notice.get("EntityType") or ""))
        webhook_entity = WEBHOOK_ENTITIES.get(entity)
        if self.client is None or webhook_entity is None or not guid:
            self.counts["deactivations_unconfirmed"] += 1
            log.warning("Deactivated notice for %s %s not confirmed (no API client or unknown entity)", entity, guid)
            return
        now = time.monotonic()
        last = self._checked.get(guid)
        if last is not None and now - last < self.confirm_interval_s:
            self.counts["deactivations_unconfirmed"] += 1
            return
        self._checked[guid] = now
        flt = [{"op": "eq", "field": "webhookGUID", "value": guid}]
        rows = await self._call_client(lambda c: _collect(c.entity(webhook_entity).query(flt, limit=1)))
        if not rows or rows[0].get("isActive"):
            self.counts["deactivations_refuted"] += 1
            log.warning("Deactivated notice for %s %s ignored: the API shows the webhook %s", entity, guid,
                        "active" if rows else "does not exist")
            return
        self.counts["deactivations_confirmed"] += 1
        row = rows[0]
        if self.on_deactivated is not None:
            await _call(self.on_deactivated, Deactivation(entity, webhook_entity, int(row["id"]), guid,
                                                          row.get("name"), notice))

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.drain()
                if self._worker is not None:
                    self._worker.cancel()
                await send({"type": "lifespan.shutdown.complete"})
                return


def _collect(paginator: Any) -> Any:
    if hasattr(paginator, "to_list"):
        return paginator.to_list()
    return list(paginator)


async def _call(fn: Callable[..., Any], *args: Any) -> Any:
    if inspect.iscoroutinefunction(fn):
        return await fn(*args)
    result = await asyncio.to_thread(fn, *args)
    if inspect.isawaitable(result):
        return await result
    return result


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


async def _respond(send: Send, status: int, doc: dict[str, Any], extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = orjson.dumps(doc)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
