"""Webhook delivery: a background worker POSTs signed callouts so API requests never wait for receivers.

* One daemon thread drains a bounded queue (``webhook_queue_size``); a full queue drops the callout
  (recorded as "dropped" and as a WebhookEventErrorLogs row), it never blocks the API request.
* Each attempt has a timeout (``webhook_timeout_s``, default 5 s). A non-2xx answer, a refused connection
  or a timeout is retried ``webhook_retries`` times (default 2) after ``webhook_backoff_s`` × 2^n
  (0.2 s, 0.4 s). Autotask's own retry policy is not public (docs/autotask-facts.md#webhooks): this one is the sandbox's choice.
* A callout that still fails leaves a ``WebhookEventErrorLogs`` row (errorMessage, payload,
  sequenceNumber, createDateTime; accountWebhookID / contactWebhookID for Company / Contact webhooks,
  the only owners that model has columns for).
* Only http(s) URLs on loopback hosts are called unless ``webhook_allow_remote`` is set.
* The body is the payload serialized once; ``X-Hook-Signature: sha1=<base64 HMAC-SHA1(secretKey, body)>``
  signs exactly those bytes.
* ``clear()`` (control.reset) empties the queue, forgets the delivery log, and makes the result of a
  callout already in flight be discarded.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import logging
import queue
import threading
from collections import Counter, deque
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from .events import Callout

__all__ = ["WebhookDelivery", "is_loopback_url", "signature"]

log = logging.getLogger("autotask_sandbox.webhooks")

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})
OWNER_COLUMNS = {"CompanyWebhooks": "accountWebhookID", "ContactWebhooks": "contactWebhookID"}


def signature(secret: str, body: bytes) -> str:
    """The ``X-Hook-Signature`` value of ``body``: ``sha1=<base64 HMAC-SHA1(secret, body)>``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha1).digest()
    return "sha1=" + base64.b64encode(digest).decode("ascii")


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` is http(s) on a loopback host (no DNS lookups: names other than localhost fail)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class WebhookDelivery:
    """The delivery worker, its queue and the recent-deliveries log."""

    def __init__(
        self,
        record_error: Callable[[dict, Callable[[], bool]], None],
        now: Callable[[], str],
        *,
        queue_size: int = 1000,
        timeout_s: float = 5.0,
        retries: int = 2,
        backoff_s: float = 0.2,
        allow_remote: bool = False,
        log_size: int = 1000,
    ) -> None:
        # Inserts a WebhookEventErrorLogs row when the second argument still answers True, checked under
        # the dispatcher's lock, which control.reset also holds: a reset never sees a stale row appear.
        self._record_error = record_error
        self._now = now
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self.allow_remote = allow_remote
        self._queue: queue.Queue[tuple[int, dict, Callout]] = queue.Queue(maxsize=queue_size)
        self._lock = threading.Lock()
        self._wake = threading.Event()  # set by clear()/close() to cut a backoff wait short
        self._idle = threading.Condition(self._lock)
        self._busy = 0  # callouts queued or in flight
        self._generation = 0
        self._worker: threading.Thread | None = None
        self._closed = False
        self._log: deque[dict[str, Any]] = deque(maxlen=log_size)
        self._counts: Counter[str] = Counter()

    # -- the request side ------------------------------------------------------------------------------

    def submit(self, callout: Callout) -> None:
        """Queue one callout (never blocks; a full queue drops it)."""
        entry = {
            "guid": callout.payload["Guid"],
            "webhook_entity": callout.webhook_entity,
            "webhook_id": callout.webhook_id,
            "url": callout.url,
            "entity_type": callout.payload["EntityType"],
            "id": callout.payload["Id"],
            "action": callout.payload["Action"],
            "sequence": callout.payload["SequenceNumber"],
            "status": "pending",
            "attempts": 0,
            "http_status": None,
            "error": None,
            "queued_at": self._now(),
        }
        with self._lock:
            self._log.append(entry)
            self._counts["queued"] += 1
            generation = self._generation
            try:
                self._queue.put_nowait((generation, entry, callout))
            except queue.Full:
                entry["status"], entry["error"] = "dropped", "delivery queue full"
                self._counts["dropped"] += 1
                dropped = True
            else:
                self._busy += 1
                dropped = False
                self._ensure_worker()
        if dropped:
            row = self._error_row(callout, "The delivery queue is full; callout dropped.")
            self._record_error(row, lambda: not self._stale(generation))

    def _ensure_worker(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            self._closed = False
            self._worker = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
            self._worker.start()

    # -- control -----------------------------------------------------------------------------------------

    def clear(self) -> None:
        """Drop pending callouts, forget the log and counters; a callout in flight is not recorded."""
        with self._lock:
            self._generation += 1
            while True:
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
            self._busy = 0  # a callout in flight belongs to the old generation and is no longer counted
            self._log.clear()
            self._counts.clear()
            self._wake.set()
            self._idle.notify_all()

    def close(self, timeout: float = 2.0) -> None:
        """Stop the worker (pending callouts are dropped)."""
        self.clear()
        with self._lock:
            self._closed = True
            worker = self._worker
        if worker is None:
            return
        try:
            self._queue.put((-1, {}, None), timeout=timeout)  # type: ignore[arg-type]  # wakes the worker
        except queue.Full:
            return  # a racing submit refilled the queue; the daemon thread dies with the process
        worker.join(timeout)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is queued or in flight; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy <= 0, timeout)

    def deliveries(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The newest ``limit`` deliveries (all kept when None), oldest first, with their status."""
        with self._lock:
            items = [dict(e) for e in self._log]
        return items[-limit:] if limit else items

    def stats(self) -> dict[str, Any]:
        """Counts: queued, delivered, failed, dropped, attempts, retries, pending."""
        with self._lock:
            doc = {k: self._counts.get(k, 0) for k in ("queued", "delivered", "failed", "dropped")}
            doc.update(
                attempts=self._counts.get("attempts", 0),
                retries=self._counts.get("retries", 0),
                pending=max(0, self._busy),
            )
        return doc

    # -- the worker ----------------------------------------------------------------------------------------

    def _run(self) -> None:
        # trust_env=False: a proxy from the environment must not see (or break) loopback callouts.
        with httpx.Client(timeout=self.timeout_s, trust_env=False) as client:
            while True:
                generation, entry, callout = self._queue.get()
                if callout is None:
                    return
                try:
                    self._deliver(client, generation, entry, callout)
                finally:
                    with self._lock:
                        if generation == self._generation:
                            self._busy -= 1
                        self._idle.notify_all()

    def _deliver(self, client: httpx.Client, generation: int, entry: dict, callout: Callout) -> None:
        body = orjson.dumps(callout.payload)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Hook-Signature": signature(callout.secret, body),
        }
        self._wake.clear()
        error, status = None, None
        for attempt in range(self.retries + 1):
            if attempt:
                if self._wake.wait(self.backoff_s * 2 ** (attempt - 1)) or self._stale(generation):
                    return
                self._count("retries")
            error, status = self._attempt(client, callout.url, body, headers)
            self._count("attempts")
            with self._lock:
                if generation != self._generation:
                    return
                entry["attempts"], entry["http_status"] = attempt + 1, status
                if error is None:
                    entry["status"], entry["error"] = "delivered", None
                    self._counts["delivered"] += 1
                    return
                entry["error"] = error
        with self._lock:
            if generation != self._generation:
                return
            entry["status"] = "failed"
            self._counts["failed"] += 1
        message = f"Webhook callout to {callout.url} failed after {self.retries + 1} attempts: {error}"
        self._record_error(self._error_row(callout, message, body), lambda: not self._stale(generation))

    def _attempt(
        self, client: httpx.Client, url: str, body: bytes, headers: dict[str, str]
    ) -> tuple[str | None, int | None]:
        """One POST → (error or None, HTTP status or None)."""
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            return "only http and https webhook URLs are supported", None
        if not self.allow_remote and not is_loopback_url(url):
            return "remote webhook URLs are disabled (SandboxConfig.webhook_allow_remote)", None
        try:
            resp = client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}", None
        if 200 <= resp.status_code < 300:
            return None, resp.status_code
        return f"HTTP {resp.status_code}", resp.status_code

    def _stale(self, generation: int) -> bool:
        with self._lock:
            return generation != self._generation or self._closed

    def _count(self, key: str) -> None:
        with self._lock:
            self._counts[key] += 1

    def _error_row(self, callout: Callout, message: str, body: bytes | None = None) -> dict:
        row = {
            "createDateTime": self._now(),
            "errorMessage": message[:1000],
            "payload": (body or orjson.dumps(callout.payload)).decode("utf-8"),
            "sequenceNumber": callout.payload["SequenceNumber"],
        }
        owner = OWNER_COLUMNS.get(callout.webhook_entity)
        if owner is not None:
            row[owner] = callout.webhook_id
        return row
