"""Webhook delivery on Autotask's published policy, timed by the sandbox's controllable clock.

Autotask's "Webhook error handling" page
(https://ww1.autotask.net/help/DeveloperHelp/Content/APIs/Webhooks/Webhooks_Error_Handling.htm) and the
choices where it is silent (†):

* Each attempt waits at most ``timeout_s`` (10 s) for the receiver; a non-2xx answer, a refused connection
  or a timeout fails the attempt.
* A failed event is retried ``retry_after_s`` (30 s) later, up to ``max_attempts`` (5) attempts within two
  minutes: attempts are due at 0, 30, 60, 90 and 120 s *after the first one* on the sandbox clock (†: so an
  attempt that ran into the timeout does not push the series past two minutes). Then the event is dropped
  and a ``WebhookEventErrorLogs`` row written (errorMessage, payload, sequenceNumber, createDateTime;
  accountWebhookID / contactWebhookID for Company / Contact webhooks, the only owners that model has).
* Events of one webhook are queued in order: while its oldest event waits for a retry, its later events
  wait behind it. Webhooks do not wait for each other's events (one worker thread serves them all, †).
* After ``disable_after`` (25) consecutive failed attempts of one webhook (†: attempts, not events — five
  dropped events) the webhook is deactivated (``isActive`` false), its queued events are dropped to the
  error log, and one *unsigned* notice is POSTed to its ``deactivationUrl``: the callout envelope with
  ``"Action": "Deactivated"``, ``Guid`` the webhook's GUID, ``Id`` the webhook's id, empty ``Fields`` (†:
  the notice's shape is not published). It is sent once, without retries.
* The body is the payload serialized once (UTF-8, unescaped); ``X-Hook-Signature`` signs its escaped form
  (:mod:`.signing`).

Retries follow the sandbox clock: ``control.clock.advance(30)`` makes the next attempt due at once (the
worker looks every ``poll_s``), so a test crosses the two-minute policy in milliseconds. Sandbox guards
that are no Autotask behaviour fail an event at once, without retries: a non-http(s) URL, and URLs off
loopback unless ``allow_remote``. ``clear()`` (control.reset) drops every queued event and forgets the
delivery log; the result of an attempt in flight is then discarded.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from ..policy.clock import to_wire
from .events import Callout
from .signing import signature

__all__ = ["WebhookDelivery", "is_loopback_url", "signature"]

log = logging.getLogger("autotask_sandbox.webhooks")

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})
OWNER_COLUMNS = {"CompanyWebhooks": "accountWebhookID", "ContactWebhooks": "contactWebhookID"}
Lane = tuple[str, int]  # (webhook entity, webhook id)


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` is http(s) on a loopback host (no DNS lookups: names other than localhost fail)."""
    host = (urlsplit(url).hostname or "").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _wire(timestamp: float) -> str:
    return to_wire(datetime.fromtimestamp(timestamp, timezone.utc))


@dataclass
class _Event:
    generation: int
    entry: dict[str, Any]
    callout: Callout
    body: bytes
    first_at: float | None = None  # sandbox-clock time of the first attempt
    due: float = float("-inf")
    attempts: int = 0


class WebhookDelivery:
    """Per-webhook queues, the worker that drains them, and the recent-deliveries log."""

    def __init__(
        self,
        record_error: Callable[[dict[str, Any], Callable[[], bool]], None],
        now: Callable[[], str],
        clock: Callable[[], float],
        *,
        deactivate: Callable[[Callout], dict[str, Any] | None] | None = None,
        queue_size: int = 1000,
        timeout_s: float = 10.0,
        retry_after_s: float = 30.0,
        max_attempts: int = 5,
        disable_after: int = 25,
        allow_remote: bool = False,
        log_size: int = 1000,
        poll_s: float = 0.05,
    ) -> None:
        # record_error inserts a WebhookEventErrorLogs row when its second argument still answers True; it
        # takes the dispatcher's lock (which control.reset holds while calling clear()), so it is never
        # called with this object's lock held. deactivate(callout) marks the webhook inactive and returns
        # the notice to send ({"url", "payload"}) or None.
        self._record_error = record_error
        self._deactivate = deactivate
        self._now = now
        self._clock = clock
        self.queue_size = queue_size
        self.timeout_s = timeout_s
        self.retry_after_s = retry_after_s
        self.max_attempts = max_attempts
        self.disable_after = disable_after
        self.allow_remote = allow_remote
        self.poll_s = poll_s
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._lanes: dict[Lane, deque[_Event]] = {}
        self._failures: Counter[Lane] = Counter()
        self._busy = 0  # events queued or in flight
        self._in_flight = False
        self._generation = 0
        self._worker: threading.Thread | None = None
        self._closed = False
        self._log: deque[dict[str, Any]] = deque(maxlen=log_size)
        self._counts: Counter[str] = Counter()

    # -- the request side ------------------------------------------------------------------------------
    def submit(self, callout: Callout) -> None:
        """Queue one callout behind its webhook's earlier ones (never blocks; a full queue drops it)."""
        entry = self._entry(callout)
        event = _Event(0, entry, callout, orjson.dumps(callout.payload))
        with self._lock:
            self._log.append(entry)
            self._counts["queued"] += 1
            event.generation = generation = self._generation
            if self._busy >= self.queue_size:
                entry["status"], entry["error"] = "dropped", "delivery queue full"
                self._counts["dropped"] += 1
                dropped = True
            else:
                self._lanes.setdefault((callout.webhook_entity, callout.webhook_id), deque()).append(event)
                self._busy += 1
                dropped = False
                self._ensure_worker()
                self._changed.notify_all()
        if dropped:
            row = self._error_row(callout, "The delivery queue is full; callout dropped.", event.body)
            self._record_error(row, lambda: not self._stale(generation))

    def _entry(self, callout: Callout) -> dict[str, Any]:
        payload = callout.payload
        return {
            "guid": payload["Guid"], "webhook_entity": callout.webhook_entity, "webhook_id": callout.webhook_id,
            "url": callout.url, "entity_type": payload["EntityType"], "id": payload["Id"],
            "action": payload["Action"], "sequence": payload["SequenceNumber"], "status": "pending",
            "attempts": 0, "http_status": None, "error": None, "queued_at": self._now(), "next_attempt_at": None,
        }  # fmt: skip

    def _ensure_worker(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            self._closed = False
            self._worker = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
            self._worker.start()

    # -- control -----------------------------------------------------------------------------------------
    def clear(self) -> None:
        """Drop queued callouts, forget the log, counters and failure streaks; an attempt in flight is not
        recorded."""
        with self._lock:
            self._generation += 1
            self._lanes.clear()
            self._failures.clear()
            self._busy = 0
            self._log.clear()
            self._counts.clear()
            self._changed.notify_all()

    def close(self, timeout: float = 2.0) -> None:
        """Stop the worker (queued callouts are dropped)."""
        self.clear()
        with self._lock:
            self._closed = True
            self._changed.notify_all()
            worker = self._worker
        if worker is not None:
            worker.join(timeout)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is queued or in flight (retries due later included); False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: self._busy <= 0, timeout)

    def wait_settled(self, timeout: float = 10.0) -> bool:
        """Wait until every attempt due by now on the sandbox clock was made (later retries keep waiting)."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._in_flight and self._next_due() is None, timeout)

    def deliveries(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The newest ``limit`` deliveries (all kept when None), oldest first, with their status."""
        with self._lock:
            items = [dict(e) for e in self._log]
        return items[-limit:] if limit else items

    def stats(self) -> dict[str, Any]:
        """Counts: queued, delivered, failed, dropped, attempts, retries, deactivated, pending."""
        with self._lock:
            keys = ("queued", "delivered", "failed", "dropped", "attempts", "retries", "deactivated")
            doc: dict[str, Any] = {k: self._counts.get(k, 0) for k in keys}
            doc["pending"] = max(0, self._busy)
        return doc

    # -- the worker ----------------------------------------------------------------------------------------
    def _next_due(self) -> _Event | None:
        """The lane head due soonest, if it is due now (called with the lock held)."""
        now = self._clock()
        heads = [lane[0] for lane in self._lanes.values() if lane]
        best = min(heads, key=lambda e: e.due, default=None)
        return best if best is not None and best.due <= now else None

    def _run(self) -> None:
        # trust_env=False: a proxy from the environment must not see (or break) loopback callouts.
        with httpx.Client(timeout=self.timeout_s, trust_env=False) as client:
            while True:
                with self._changed:
                    if self._closed:
                        return
                    event = self._next_due()
                    if event is None:
                        self._changed.wait(self.poll_s if self._busy > 0 else None)
                        continue
                    self._in_flight = True
                    if event.first_at is None:
                        event.first_at = self._clock()
                try:
                    error, status = self._attempt(client, event.callout.url, event.body,
                                                  {"X-Hook-Signature": signature(event.callout.secret, event.body)})
                    self._settle(client, event, error, status)
                finally:
                    with self._changed:
                        self._in_flight = False
                        self._changed.notify_all()

    def _settle(self, client: httpx.Client, event: _Event, error: str | None, status: int | None) -> None:
        """Record one attempt's outcome: delivered, retry later, dropped, and perhaps the webhook disabled."""
        callout, entry = event.callout, event.entry
        lane: Lane = (callout.webhook_entity, callout.webhook_id)
        dropped: list[tuple[_Event, str]] = []
        deactivating = False
        with self._lock:
            if event.generation != self._generation:
                return
            event.attempts += 1
            self._counts["attempts"] += 1
            self._counts["retries"] += int(event.attempts > 1)
            entry.update(attempts=event.attempts, http_status=status, error=error)
            queue = self._lanes[lane]
            if error is None:
                entry.update(status="delivered", next_attempt_at=None)
                self._counts["delivered"] += 1
                self._failures[lane] = 0
                self._finish(queue)
                return
            guard = error.startswith("sandbox:")
            if not guard:
                self._failures[lane] += 1
            if guard or event.attempts >= self.max_attempts:
                dropped.append((event, f"failed after {event.attempts} attempt(s): {error}"))
                self._finish(queue)
            else:
                assert event.first_at is not None
                event.due = event.first_at + event.attempts * self.retry_after_s
                entry.update(status="retrying", next_attempt_at=_wire(event.due))
            if self._failures[lane] >= self.disable_after:
                deactivating = True
                self._counts["deactivated"] += 1
                while queue:  # the webhook's other queued events go to the error log too
                    dropped.append((queue[0], "the webhook was deactivated"))
                    self._finish(queue)
                self._failures[lane] = 0
            generation = event.generation
            for gone, _ in dropped:
                gone.entry["status"] = "failed"
                self._counts["failed"] += 1
        for gone, why in dropped:
            message = f"Webhook callout to {gone.callout.url} {why}"
            self._record_error(self._error_row(gone.callout, message, gone.body),
                               lambda: not self._stale(generation))
        if deactivating and self._deactivate is not None:
            notice = self._deactivate(callout)
            if notice is not None and not self._stale(generation):
                self._notify_deactivated(client, callout, notice)

    def _finish(self, queue: deque[_Event]) -> None:
        queue.popleft()
        self._busy -= 1

    def _notify_deactivated(self, client: httpx.Client, callout: Callout, notice: dict[str, Any]) -> None:
        """POST the unsigned Deactivated notice once; logged like a delivery."""
        payload = notice["payload"]
        entry = {**self._entry(Callout(callout.webhook_entity, callout.webhook_id, notice["url"], "", payload)),
                 "status": "pending"}
        with self._lock:
            self._log.append(entry)
        error, status = self._attempt(client, notice["url"], orjson.dumps(payload), {})
        with self._lock:
            entry.update(attempts=1, http_status=status, error=error,
                         status="delivered" if error is None else "failed")

    def _attempt(self, client: httpx.Client, url: str, body: bytes,
                 headers: dict[str, str]) -> tuple[str | None, int | None]:
        """One POST → (error or None, HTTP status or None)."""
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            return "sandbox: only http and https webhook URLs are supported", None
        if not self.allow_remote and not is_loopback_url(url):
            return "sandbox: remote webhook URLs are disabled (SandboxConfig.webhook_allow_remote)", None
        try:
            resp = client.post(url, content=body,
                               headers={"Content-Type": "application/json; charset=utf-8", **headers})
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}", None
        if 200 <= resp.status_code < 300:
            return None, resp.status_code
        return f"HTTP {resp.status_code}", resp.status_code

    def _stale(self, generation: int) -> bool:
        with self._lock:
            return generation != self._generation or self._closed

    def _error_row(self, callout: Callout, message: str, body: bytes) -> dict[str, Any]:
        row = {
            "createDateTime": self._now(),
            "errorMessage": message[:1000],
            "payload": body.decode("utf-8"),
            "sequenceNumber": callout.payload["SequenceNumber"],
        }
        owner = OWNER_COLUMNS.get(callout.webhook_entity)
        if owner is not None:
            row[owner] = callout.webhook_id
        return row
