"""The request flows, written once as generators and driven by `drive.run_sync` / `drive.run_async`.

The flows speak the action set of `drive.py` (`Send`, `Sleep`, `Join`, `Blocking`). A request is
layered the way httpx layers auth -> redirects -> a single request (`httpx/_client.py`, `_send_handling_auth`
-> `_send_handling_redirects` -> `_send_single_request`):

1. `request_flow`: the retry policy -- repeat after failures the policy retries (`retry.decide`), detect
   the zone again once when a cached or detected zone turns out stale, and treat a re-sent DELETE's
   "not found" as success;
2. `_exchange`: one attempt through the gates -- the API root (zone detection, cached), the circuit
   breaker, the hourly budget (pacing, ThresholdInformation reads) -- then one `Send`;
3. `classify`: the answer as a decoded body or a failure (pure).

A cache whose layers all live in memory is called directly (a hit costs about 6 us; a hop to a worker
thread and back, about 80 us); any other cache is called through `Blocking`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

import orjson

from .._constants import LOGGER_NAME
from .._exceptions import (
    APIConnectionError,
    AuthenticationError,
    AutotaskError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    ThresholdExceededError,
)
from ..cache import ZONE_TTL, LayeredCache, MemoryLayer
from .config import ClientConfig, api_url
from .drive import Action, Blocking, Flow, Join, Reply, Send, Sleep
from .errors import make_status_error
from .requests import Call
from .retry import TransportFailure, decide
from .runtime import Runtime
from .zones import parse_zone, zone_lookup_call

__all__ = [
    "Action",
    "Blocking",
    "Flow",
    "Join",
    "Reply",
    "Send",
    "Sleep",
    "cached_flow",
    "classify",
    "request_flow",
    "root_flow",
]

log = logging.getLogger(LOGGER_NAME)

THRESHOLD_CALL = Call("GET", "ThresholdInformation", kind="raw", endpoint="ThresholdInformation")


def _cache_call(rt: Runtime, fn: Callable[[], Any]) -> Flow:
    """`fn()` (an operation on `rt.cache`): directly for a memory-only cache, else as a `Blocking` action."""
    if _memory_only(rt.cache):
        return fn()
    return (yield Blocking(fn))


def _memory_only(cache: LayeredCache) -> bool:
    return all(isinstance(layer, MemoryLayer) for layer in cache.layers)


def root_flow(config: ClientConfig, rt: Runtime, *, force: bool = False) -> Flow:
    """The versioned API root; detects the zone (cache first, then zoneInformation) when unknown.

    `force` forgets a detected zone (and its cache entry) first. Callers that find the zone unknown
    while another one is detecting it wait for that detection.
    """
    if force:
        yield from _forget_zone(config, rt, "asked to detect it again")
    while True:
        root = rt.zone.api_root  # read once: another caller may forget the zone at any moment
        if root is not None:
            return root
        key = rt.zone_cache_key(config)
        flight, leader = rt.flights.begin(key)
        if not leader:
            yield Join(flight)
            continue  # the leader's zone, or (if it failed) a detection of our own
        ok = False
        try:
            # A leader that finished between our read and our begin() has set the zone already.
            root = rt.zone.api_root or (yield from _detect_zone(config, rt, key))
            ok = True
        finally:
            rt.flights.end(key, flight, ok=ok)
        return root


def _detect_zone(config: ClientConfig, rt: Runtime, key: str) -> Flow:
    """The API root from the zone cache, or from zoneInformation (then cached)."""
    cached = yield from _cache_call(rt, partial(rt.cache.get, key))
    if isinstance(cached, dict) and isinstance(cached.get("url"), str):
        zone = parse_zone(cached)
        rt.zone.set(zone, from_cache=True)
        log.debug("zone from cache: %s", zone.url)
        return api_url(zone.url)
    payload = yield from request_flow(zone_lookup_call(config), config, rt)
    zone = parse_zone(payload)
    log.debug("zone detected: %s -> %s", zone.name or "(unnamed)", zone.url)
    rt.zone.set(zone)
    yield from _cache_call(rt, partial(rt.cache.set, key, zone.to_json(), ZONE_TTL))
    return api_url(zone.url)


def cached_flow(rt: Runtime, key: str, ttl: float, fetch: Callable[[], Flow], *, force: bool = False) -> Flow:
    """A cached value, or `fetch()`'s result stored for `ttl` seconds; `force` skips the read.

    One caller fetches a key at a time; others asking meanwhile get its result (even with caching off).
    """
    while True:
        if not force:
            hit = yield from _cache_call(rt, partial(rt.cache.lookup, key))
            if hit is not None:
                return hit.value
        flight, leader = rt.flights.begin(key)
        if not leader:
            yield Join(flight)
            if flight.ok:
                return flight.value
            continue  # the other fetch failed: try ourselves
        ok, value = False, None
        try:
            # A leader that finished between our lookup and our begin() has cached the value already.
            hit = None if force else (yield from _cache_call(rt, partial(rt.cache.lookup, key)))
            if hit is not None:
                value = hit.value
            else:
                value = yield from fetch()
                yield from _cache_call(rt, partial(rt.cache.set, key, value, ttl))
            ok = True
            return value
        finally:
            rt.flights.end(key, flight, ok=ok, value=value)


def _budget_flow(config: ClientConfig, rt: Runtime, root: str) -> Flow:
    """Wait for the hourly budget (reading ThresholdInformation when due), then count the request."""
    budget = rt.budget
    if budget is None:
        return None
    while True:
        if budget.needs_refresh():
            budget.record()  # the read counts against the threshold too
            reply = yield Send(THRESHOLD_CALL, root)
            if isinstance(reply, Reply) and reply.status == 200:
                try:
                    budget.observe(orjson.loads(reply.content))
                except (orjson.JSONDecodeError, ValueError, TypeError):
                    budget.refresh_failed()
            else:
                budget.refresh_failed()
        delay = budget.take()  # counts the request when it may go; raises when over budget and not waiting
        if delay <= 0:
            return None
        yield Sleep(delay, "pacing to stay within the hourly request threshold")


def request_flow(call: Call, config: ClientConfig, rt: Runtime) -> Flow:
    """Send `call` with retries; returns the decoded JSON body of the successful answer.

    The retry layer: each attempt is one `_exchange`; this decides what a failed attempt means.
    """
    attempt = 0
    redetected = False  # the zone is detected again at most once per request
    sent_before = False  # an earlier attempt may have been acted on by the server
    while True:
        outcome = yield from _exchange(call, config, rt)
        if not isinstance(outcome, (TransportFailure, AutotaskError)):
            rt.reached = True
            _report(rt, call, None)
            return outcome
        failure = outcome
        if not isinstance(failure, TransportFailure):
            rt.reached = True  # an error answer is an answer: something listens there
        if call.authenticated and not redetected and _stale_zone(failure, rt):
            redetected = True
            forgotten = yield from _forget_zone(config, rt, _error_of(failure))
            if forgotten or isinstance(failure, TransportFailure):
                continue
        if isinstance(failure, NotFoundError) and call.kind == "delete" and sent_before:
            # The earlier attempt deleted it; the record being gone is what the caller asked for.
            log.debug("DELETE re-sent after an unanswered attempt found nothing: treating as done")
            _report(rt, call, None)
            return {"itemId": _deleted_id(call)}
        if isinstance(failure, RateLimitError) and rt.budget is not None:
            rt.budget.note_rate_limited(threshold_exceeded=isinstance(failure, ThresholdExceededError))
        _report(rt, call, failure)
        decision = decide(
            config.retry, attempt, failure, is_create=call.kind == "create", payload=call.json, entity=call.endpoint
        )
        if not decision.retry:
            raise decision.error
        if isinstance(failure, TransportFailure) and not failure.sent and not rt.reached and attempt >= 1:
            # Nothing at this address has ever answered: a wrong base URL or no network, not a blip that
            # the full backoff (7.5 s) would ride out. One retry, then say so.
            raise failure.error
        # Only an unanswered send or a bare 5xx may have been acted on; a 429 was refused outright.
        sent_before = sent_before or isinstance(failure, InternalServerError) or (
            isinstance(failure, TransportFailure) and failure.sent
        )
        attempt += 1
        log.debug(
            "retry %d/%d of %s %s in %.2fs: %s",
            attempt, config.retry.max_retries, call.method, _where(call), decision.delay, decision.reason,
        )
        yield Sleep(decision.delay, decision.reason)


def _exchange(call: Call, config: ClientConfig, rt: Runtime) -> Flow:
    """One attempt: the gates (API root, circuit breaker, hourly budget), one `Send`, its outcome.

    Returns the decoded body, or the failure (`TransportFailure` or the mapped `AutotaskError`).
    zoneInformation is outside the gates: it takes no credentials, threshold or thread slot.
    """
    root = None
    if call.authenticated:
        root = rt.zone.api_root
        if root is None:
            root = yield from root_flow(config, rt)
        if rt.breaker is not None:
            rt.breaker.before(call.path)  # raises CircuitOpenError during a cool-down
        if rt.budget is not None:
            yield from _budget_flow(config, rt, root)
    reply = yield Send(call, root)
    return classify(call, reply)


def classify(call: Call, reply: Reply | TransportFailure) -> Any:
    """An answer as the decoded JSON body, or as the failure it is (no I/O)."""
    if isinstance(reply, TransportFailure):
        return reply
    if reply is None:
        raise RuntimeError("driver answered a Send with nothing")
    if 200 <= reply.status < 300:
        try:
            return orjson.loads(reply.content)
        except orjson.JSONDecodeError:
            # A 200 whose body is not JSON was cut off in transit: treat it like a reset.
            error = APIConnectionError(
                f"response body truncated or not JSON ({len(reply.content)} bytes)",
                method=reply.method,
                url=reply.url,
            )
            return TransportFailure(error, sent=True)
    return make_status_error(
        reply.status, reply.content, reply.headers, method=reply.method, url=reply.url, kind=call.kind
    )


def _stale_zone(failure: TransportFailure | AutotaskError, rt: Runtime) -> bool:
    """A cached zone that refuses connections, or credentials refused on a detected zone."""
    if isinstance(failure, TransportFailure):
        return not failure.sent and rt.zone.from_cache
    return isinstance(failure, AuthenticationError)


def _error_of(failure: TransportFailure | AutotaskError) -> str:
    if isinstance(failure, TransportFailure):
        return f"cached zone unreachable: {failure.error}"
    return f"authentication refused on a detected zone: {failure}"


def _report(rt: Runtime, call: Call, failure: TransportFailure | AutotaskError | None) -> None:
    """Tell the breaker: only transient faults (no answer, bare 5xx) count as failures."""
    if rt.breaker is None or not call.authenticated:
        return
    if isinstance(failure, TransportFailure) or isinstance(failure, InternalServerError):
        reason = str(failure.error if isinstance(failure, TransportFailure) else failure)
        rt.breaker.failure(call.path, reason[:200],
                           unreachable=isinstance(failure, TransportFailure) and not failure.sent)
    else:
        rt.breaker.success(call.path)


def _forget_zone(config: ClientConfig, rt: Runtime, why: str) -> Flow:
    """Forget a detected zone and its cache entry; returns False when there was none to forget."""
    if not rt.zone.invalidate():
        return False
    key = rt.zone_cache_key(config)
    yield from _cache_call(rt, partial(rt.cache.delete, key))
    log.debug("zone forgotten, detecting it again (%s)", why)
    return True


def _where(call: Call) -> str:
    return call.path.split("?", 1)[0]


def _deleted_id(call: Call) -> int | None:
    tail = call.path.rstrip("/").rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else None



