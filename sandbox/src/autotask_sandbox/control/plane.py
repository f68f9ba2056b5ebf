"""The control plane: request log and stats, reset/reseed, faults, latency, limits and the clock.

Reachable from Python (``sb.control``) and over HTTP under ``/_sandbox/…`` — a prefix no Autotask path
can start with, so the control API can never shadow a real route. Control requests are not counted,
limited, delayed, faulted or logged.

HTTP API (JSON in, JSON out):
    GET  /_sandbox/stats                 the stats document
    POST /_sandbox/reset                 back to the freshly seeded state (data, counters, log, clock)
    POST /_sandbox/reseed                {"seed": n, "tickets": n} → new tenant (credentials may change)
    GET|POST /_sandbox/faults            {"rates": {"500": .05, ...}, "seed": n, "slow_s": s}
    GET|POST /_sandbox/latency           {"latency_ms": n, "jitter_ms": n}
    GET|POST /_sandbox/clock             {"advance": seconds} | {"set": "2024-01-31T00:00:00Z"}
                                         | {"freeze": bool}
    GET|POST /_sandbox/limits            {"threshold", "threshold_window_s", "threshold_latency",
                                          "threshold_latency_scale", "thread_limit", "max_url_length"}
    GET|DELETE /_sandbox/requests        the request log (``?limit=N``), or clear it
    GET  /_sandbox/credentials           the full and read-only API users' credentials
    GET  /_sandbox/webhooks              recent webhook deliveries with status (``?limit=N``) and counts
    POST /_sandbox/delete                {"entity": "Tickets", "id": n, "resourceID": n?} → delete the record
                                         as a person does in the UI (children and deletion logs included)
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..backend.ui_delete import delete_like_ui
from ..backend.write_effects import Actor
from ..policy.checks import integer
from ..policy.clock import Clock, to_wire
from ..policy.limits import check_thread_limit
from ..wire.handlers import WireRequest, WireResponse

if TYPE_CHECKING:
    from ..app import Sandbox
    from ..wire.dispatch import _Seen


# The largest tenant reseed may ask for (the CLI serves 1,000,000 tickets in about 3.6 GB).
MAX_TICKETS = 10_000_000


class Monitor:
    """Request log (bounded) and counters behind the stats document."""

    def __init__(self, size: int, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.log: deque[dict[str, Any]] = deque(maxlen=size)
        self.clear()

    def clear(self) -> None:
        """Forget every logged request and counter."""
        with self._lock:
            self.log.clear()
            self.seq = 0
            self.by_status: Counter[str] = Counter()
            self.by_endpoint: dict[str, Counter[str]] = {}
            self.faults: Counter[str] = Counter()
            self.thread_rejections = 0
            self.threshold_rejections = 0
            self.internal_errors = 0

    def record(self, req: WireRequest, resp: WireResponse, seen: _Seen) -> None:
        """Log one answered API request and count it."""
        status = str(resp.status)
        with self._lock:
            self.seq += 1
            self.by_status[status] += 1
            self.by_endpoint.setdefault(seen.endpoint or "(none)", Counter())[status] += 1
            if seen.fault:
                self.faults[seen.fault] += 1
            if seen.rejected == "thread":
                self.thread_rejections += 1
            elif seen.rejected == "threshold":
                self.threshold_rejections += 1
            route = seen.route
            self.log.append(
                {
                    "seq": self.seq,
                    "time": to_wire(self._clock.now()),
                    "method": req.method,
                    "path": req.path,
                    "query": req.raw_query,
                    "status": resp.status,
                    "endpoint": seen.endpoint,
                    "entity": route.entity if route else None,
                    "action": route.action if route else None,
                    "user": seen.user,
                    "fault": seen.fault,
                    "delay_ms": round(resp.delay_s * 1000, 3),
                }
            )

    def snapshot(self) -> dict[str, Any]:
        """Counters as plain JSON-able data."""
        with self._lock:
            return {
                "requests": self.seq,
                "by_status": dict(self.by_status),
                "by_endpoint": {k: dict(v) for k, v in sorted(self.by_endpoint.items())},
                "faults": dict(self.faults),
                "thread_limit_rejections": self.thread_rejections,
                "threshold_rejections": self.threshold_rejections,
                "internal_errors": self.internal_errors,
            }

    def entries(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The newest ``limit`` log entries (all when None), oldest first."""
        with self._lock:
            items = list(self.log)
        return items[-limit:] if limit else items


class Control:
    """Test controls of one :class:`~autotask_sandbox.Sandbox` (``sb.control``)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sb = sandbox
        self.seed = sandbox.config.seed
        self.tickets = sandbox.config.tickets

    @property
    def sandbox(self) -> Sandbox:
        """The sandbox these controls act on."""
        return self._sb

    def http(self, req: WireRequest) -> WireResponse:
        """Serve ``/_sandbox/<name>`` (see :mod:`.http`)."""
        from .http import serve

        return serve(self, req)

    @property
    def clock(self) -> Clock:
        """The sandbox clock (``advance(seconds)``, ``set(datetime)``, ``freeze()``)."""
        return self._sb.clock

    @property
    def request_log(self) -> list[dict[str, Any]]:
        """Every logged API request, oldest first (method, path, query, status, endpoint, user, fault...)."""
        return self._sb.monitor.entries()

    def clear_log(self) -> None:
        """Empty the request log and the counters."""
        self._sb.monitor.clear()

    def reset(self, *, data: bool | None = None) -> None:
        """Back to the freshly seeded state: data, threshold usage, log, stats, clock, faults, latency,
        webhook deliveries (pending callouts are dropped, a callout in flight is not recorded).

        Writes are undone from the store's restore point (each written table set its loaded rows aside),
        which takes milliseconds. ``data=True`` regenerates the tenant instead (after changing table rows
        behind the store's back); ``data=False`` leaves the data alone.
        """
        sb, cfg = self._sb, self._sb.config
        state = sb.state
        with sb.dispatcher.lock:
            sb.clock.freeze(False)
            sb.clock.set(sb.start_time)
            reseeded = (state.seed, state.tickets) != (self.seed, self.tickets)
            if data or (data is None and reseeded):
                state.load(self.seed, self.tickets)
            elif data is None:
                state.restore()
            state.auth.permission_status = cfg.permission_status
            sb.state.threshold.configure(
                limit=cfg.threshold,
                window_s=cfg.threshold_window_s,
                latency=cfg.threshold_latency,
                latency_scale=cfg.threshold_latency_scale,
            )
            sb.state.threshold.reset()
            sb.dispatcher.faults.configure(cfg.faults, seed=cfg.fault_seed, slow_s=cfg.slow_s)
            sb.dispatcher.latency.configure(cfg.latency_ms, cfg.jitter_ms)
            sb.dispatcher.threads.limit = cfg.thread_limit
            sb.dispatcher.max_url_length = cfg.max_url_length
            sb.monitor.clear()
            state.webhooks.rules.clear()
            if state.webhooks.delivery is not None:
                state.webhooks.delivery.clear()

    def delete(self, entity: str, record_id: int, *, resource_id: int | None = None) -> dict[str, Any]:
        """Delete a record as a person does in Autotask's UI: its children go with it, and it leaves the
        deletion-log row an API delete leaves (see :mod:`autotask_sandbox.backend.ui_delete`).

        ``resource_id`` is who deletes it (default: the full API user's resource). Returns
        ``{"deleted": {entity: [ids]}}``; raises ``ValueError`` for an unknown entity or a non-integer id,
        ``ApiError(404)`` for a missing record (nothing is changed either way).
        """
        sb = self._sb
        if not isinstance(entity, str) or not sb.state.knows(entity):
            raise ValueError(f"unknown entity {entity!r}")
        if not isinstance(record_id, int) or isinstance(record_id, bool):
            raise ValueError(f"id must be an integer, not {record_id!r}")
        if resource_id is not None and (not isinstance(resource_id, int) or isinstance(resource_id, bool)):
            raise ValueError(f"resourceID must be an integer, not {resource_id!r}")
        actor = Actor(sb.api_user.resource_id if resource_id is None else resource_id)
        hooks = sb.state.webhooks

        def on_delete(tag: str, rid: int) -> Callable[[], None]:
            before = hooks.snapshot(tag, rid)
            return lambda: hooks.written(tag, "delete", rid, before, actor)

        with sb.dispatcher.lock:
            return {"deleted": delete_like_ui(sb.state.store, entity, record_id, actor, on_delete)}

    def reseed(self, seed: int | None = None, tickets: int | None = None) -> None:
        """Generate a new tenant (later resets return to it); read ``sb.credentials`` again afterwards."""
        seed = self.seed if seed is None else integer(seed, "seed", 0, 2**63 - 1)
        tickets = self.tickets if tickets is None else integer(tickets, "tickets", 0, MAX_TICKETS)
        self.seed, self.tickets = seed, tickets
        self.reset()

    def set_faults(
        self, rates: dict[str, float] | None = None, *, seed: int | None = None, slow_s: float | None = None
    ) -> dict[str, Any]:
        """Replace the fault rates, e.g. ``{"500": .05, "429": .02, "reset": .01, "truncate": .01}``."""
        faults = self._sb.dispatcher.faults
        faults.configure(rates if rates is not None else faults.rates, seed=seed, slow_s=slow_s)
        return {"rates": dict(faults.rates), "seed": faults.seed, "slow_s": faults.slow_s}

    def set_latency(self, latency_ms: float, jitter_ms: float = 0.0) -> dict[str, float]:
        """Fixed latency plus uniform jitter (ms) on every API response."""
        latency = self._sb.dispatcher.latency
        latency.configure(latency_ms, jitter_ms)
        return {"latency_ms": latency.latency_ms, "jitter_ms": latency.jitter_ms}

    def set_limits(
        self,
        *,
        threshold: int | None = None,
        threshold_window_s: float | None = None,
        threshold_latency: bool | None = None,
        threshold_latency_scale: float | None = None,
        thread_limit: int | None = None,
        max_url_length: int | None = None,
    ) -> dict[str, Any]:
        """Change the hourly threshold, its latency, the thread limit or the URL length limit.

        Every value is checked before any is changed (ValueError names the first bad one)."""
        sb = self._sb
        threads = None if thread_limit is None else check_thread_limit(thread_limit)
        url_length = None if max_url_length is None else integer(max_url_length, "max_url_length", 1, 10**6)
        sb.state.threshold.configure(
            limit=threshold,
            window_s=threshold_window_s,
            latency=threshold_latency,
            latency_scale=threshold_latency_scale,
        )
        if threads is not None:
            sb.dispatcher.threads.limit = threads
        if url_length is not None:
            sb.dispatcher.max_url_length = url_length
        return self.limits()

    def set_permission_status(self, status: int) -> None:
        """Status of "adequate permissions" errors: 500 as the live API answers, or 403 as the docs say."""
        self._sb.state.auth.permission_status = int(status)

    def limits(self) -> dict[str, Any]:
        """The current limit settings."""
        t = self._sb.state.threshold
        return {
            "threshold": t.limit,
            "threshold_window_s": t.window_s,
            "threshold_latency": t.latency,
            "threshold_latency_scale": t.latency_scale,
            "thread_limit": self._sb.dispatcher.threads.limit,
            "max_url_length": self._sb.dispatcher.max_url_length,
        }

    def stats(self) -> dict[str, Any]:
        """Requests by endpoint and status, rejections, faults, hourly usage, rows per entity."""
        sb = self._sb
        doc = sb.monitor.snapshot()
        t = sb.state.threshold
        doc["hourly_usage"] = {"current": t.current(), "threshold": t.limit, "window_s": t.window_s}
        doc["in_flight"] = sb.dispatcher.threads.in_flight()
        doc["clock"] = to_wire(sb.clock.now())
        doc["webhooks"] = self.webhook_stats()
        with sb.dispatcher.lock:
            doc["rows"] = sb.state.store.stats()
        return doc

    def webhook_stats(self) -> dict[str, Any]:
        """Webhook callout counts: queued, delivered, failed, dropped, attempts, retries, pending, and
        callouts not made (excluded resource, no callout fields, no subscribed field changed)."""
        state = self._sb.state
        delivery = state.webhooks.delivery
        doc: dict[str, Any] = {"enabled": delivery is not None}
        if delivery is not None:
            doc.update(delivery.stats())
        doc.update(state.webhooks.rules.counts)
        return doc

    def webhook_deliveries(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Recent webhook deliveries, oldest first: guid, webhook, url, action, status, attempts, error."""
        delivery = self._sb.state.webhooks.delivery
        return [] if delivery is None else delivery.deliveries(limit)

    def wait_for_webhook_attempts(self, timeout: float = 10.0) -> bool:
        """Wait until every callout attempt due by now on the sandbox clock was made (retries scheduled
        later keep waiting: advance the clock to make them due); False on timeout."""
        delivery = self._sb.state.webhooks.delivery
        return True if delivery is None else delivery.wait_settled(timeout)

    def wait_for_webhooks(self, timeout: float = 10.0) -> bool:
        """Wait until no webhook callout is queued or in flight; False on timeout."""
        delivery = self._sb.state.webhooks.delivery
        return True if delivery is None else delivery.wait_idle(timeout)

    def credentials(self) -> dict[str, dict[str, str]]:
        """The full and read-only API users' credentials."""
        return {"credentials": self._sb.credentials, "readonly_credentials": self._sb.readonly_credentials}
