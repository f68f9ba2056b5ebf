"""The shared request flow driven by hand with canned answers: what both clients do, without any I/O."""

from __future__ import annotations

import logging
from typing import Any

import orjson
import pytest

from py_autotask import (
    AmbiguousWriteError,
    APIConnectionError,
    AuthenticationError,
    CircuitOpenError,
    ConfigurationError,
    QueryError,
    ThresholdBudgetExceeded,
)
from py_autotask._core.config import ClientConfig
from py_autotask._core.flow import Reply, Send, Sleep, request_flow
from py_autotask._core.requests import Call, build_request
from py_autotask._core.retry import RetryPolicy, TransportFailure
from py_autotask._core.runtime import Runtime
from py_autotask.cache import LayeredCache, MemoryLayer
from py_autotask.limits import CircuitBreaker, ThresholdBudget

SECRET = "flow-test-secret-value"
ZONE_URL = "https://webservices15.autotask.net/ATServicesRest/"
LOOKUP = "https://webservices2.autotask.net/atservicesrest/v1.0/zoneInformation"


def config(base_url: str | None = None, retries: int = 3) -> ClientConfig:
    return ClientConfig.build(username="api@example.com", secret=SECRET, integration_code="CODE",
                              base_url=base_url, zone_lookup_url=None, impersonation_resource_id=None,
                              timeout=None, retry=RetryPolicy(max_retries=retries))


def runtime(cfg: ClientConfig, cache: LayeredCache | None = None, **kw: Any) -> Runtime:
    return Runtime.build(cfg, concurrency_limit=None, budget=kw.get("budget", False),
                         breaker=kw.get("breaker", False), cache=cache or False)


def ok(body: Any) -> Reply:
    return Reply(200, orjson.dumps(body), {}, "GET", "https://x")


def err(status: int, *errors: str, headers: dict | None = None) -> Reply:
    return Reply(status, orjson.dumps({"errors": list(errors)}), headers or {}, "POST", "https://x")


def drive(flow: Any, answers: list[Any]) -> tuple[Any, list[Send], list[Sleep]]:
    """Run a flow, answering each Send with the next canned answer; returns (result, sends, sleeps)."""
    sends: list[Send] = []
    sleeps: list[Sleep] = []
    result = None
    while True:
        try:
            action = flow.send(result)
        except StopIteration as stop:
            return stop.value, sends, sleeps
        if isinstance(action, Send):
            sends.append(action)
            result = answers.pop(0)
        else:
            sleeps.append(action)
            result = None


QUERY = Call("POST", "Tickets/query", kind="query", endpoint="Tickets", json={"filter": []})
CREATE = Call("POST", "Tickets", kind="create", endpoint="Tickets", json={"title": "x"})


def test_zone_is_detected_once_then_cached() -> None:
    cfg = config()
    cache = LayeredCache([MemoryLayer()])
    rt = runtime(cfg, cache)
    zone = ok({"zoneName": "America West 2", "url": ZONE_URL, "webUrl": "https://ww15.autotask.net/", "ci": 1})
    result, sends, _ = drive(request_flow(QUERY, cfg, rt), [zone, ok({"items": []})])
    assert result == {"items": []}
    assert sends[0].call.kind == "zone" and not sends[0].call.authenticated
    assert sends[0].call.path == LOOKUP and sends[0].call.params == {"user": "api@example.com"}
    assert sends[1].api_root == ZONE_URL + "V1.0/"
    assert rt.zone.zone is not None and rt.zone.zone.name == "America West 2"
    # A second client (new runtime, same cache) makes no zoneInformation call.
    rt2 = runtime(cfg, cache)
    _, sends2, _ = drive(request_flow(QUERY, cfg, rt2), [ok({"items": []})])
    assert [s.call.kind for s in sends2] == ["query"] and rt2.zone.from_cache
    # Nothing secret in what was cached.
    stored = b"".join(data for _, data in cache.layers[0]._items.values())
    assert b"webservices15" in stored and SECRET.encode() not in stored and b"CODE" not in stored


def test_zone_lookup_request_carries_no_credentials() -> None:
    cfg = config()
    rt = runtime(cfg)
    flow = request_flow(QUERY, cfg, rt)
    send = flow.send(None)
    request = build_request(send.call, cfg, send.api_root)
    assert "secret" not in request.headers and "apiintegrationcode" not in request.headers


def test_transient_failures_are_retried_with_logged_reasons(caplog: pytest.LogCaptureFixture) -> None:
    cfg = config(ZONE_URL)
    caplog.set_level(logging.DEBUG, logger="py_autotask")
    answers = [err(500, "An unexpected error occurred while processing the request. Please try again."),
               TransportFailure(APIConnectionError("reset"), sent=True),
               ok({"items": [{"id": 1}]})]
    result, sends, sleeps = drive(request_flow(QUERY, cfg, runtime(cfg)), answers)
    assert result["items"] == [{"id": 1}] and len(sends) == 3 and len(sleeps) == 2
    retries = [r.getMessage() for r in caplog.records if "retry" in r.getMessage()]
    assert len(retries) == 2 and "InternalServerError" in retries[0] and "reset" in retries[1]
    assert all(SECRET not in r.getMessage() for r in caplog.records)


def test_a_refused_query_is_raised_at_once() -> None:
    cfg = config(ZONE_URL)
    with pytest.raises(QueryError, match="Unable to find foo"):
        drive(request_flow(QUERY, cfg, runtime(cfg)), [err(500, "Unable to find foo in the Ticket Entity")])


def test_create_is_not_resent_after_it_may_have_arrived() -> None:
    cfg = config(ZONE_URL)
    for answer in (err(500, "An unexpected error occurred."), TransportFailure(APIConnectionError("x"), True)):
        answers = [answer, ok({"itemId": 5})]
        with pytest.raises(AmbiguousWriteError) as info:
            drive(request_flow(CREATE, cfg, runtime(cfg)), answers)
        assert info.value.payload == {"title": "x"}
        assert len(answers) == 1  # sent once only


def test_create_is_resent_after_a_connect_error_or_429() -> None:
    cfg = config(ZONE_URL)
    answers = [TransportFailure(APIConnectionError("refused"), sent=False),
               err(429, "thread threshold of 3 threads has been exceeded"), ok({"itemId": 5})]
    result, sends, _ = drive(request_flow(CREATE, cfg, runtime(cfg)), answers)
    assert result == {"itemId": 5} and len(sends) == 3


def test_a_resent_delete_that_finds_nothing_succeeded() -> None:
    cfg = config(ZONE_URL)
    call = Call("DELETE", "TimeEntries/77", kind="delete", endpoint="TimeEntries")
    answers = [TransportFailure(APIConnectionError("reset"), sent=True),
               err(500, "No message. No matching records found.")]
    result, _, _ = drive(request_flow(call, cfg, runtime(cfg)), answers)
    assert result == {"itemId": 77}


def test_401_on_a_detected_zone_detects_again_once() -> None:
    cfg = config()
    zone = ok({"zoneName": "Z", "url": ZONE_URL, "webUrl": "", "ci": 1})
    denied = Reply(401, orjson.dumps({"Message": "Authorization has been denied for this request."}), {},
                   "POST", "https://x")
    result, sends, _ = drive(request_flow(QUERY, cfg, runtime(cfg)), [zone, denied, zone, ok({"items": []})])
    assert [s.call.kind for s in sends] == ["zone", "query", "zone", "query"] and result == {"items": []}
    with pytest.raises(AuthenticationError):
        drive(request_flow(QUERY, cfg, runtime(cfg)), [zone, denied, zone, denied])
    cfg2 = config(ZONE_URL)  # a configured base URL is never re-detected
    with pytest.raises(AuthenticationError):
        drive(request_flow(QUERY, cfg2, runtime(cfg2)), [denied])


def test_truncated_body_is_retried() -> None:
    cfg = config(ZONE_URL)
    answers = [Reply(200, b'{"items": [{"id"', {}, "POST", "https://x"), ok({"items": []})]
    result, sends, _ = drive(request_flow(QUERY, cfg, runtime(cfg)), answers)
    assert result == {"items": []} and len(sends) == 2


def test_credentials_never_go_to_another_host() -> None:
    cfg = config(ZONE_URL)
    evil = Call("POST", "https://evil.example.com/ATServicesRest/V1.0/Tickets/query/next", kind="query",
                endpoint="Tickets")
    with pytest.raises(ConfigurationError, match="refusing to send credentials"):
        build_request(evil, cfg, ZONE_URL + "V1.0/")
    same = Call("POST", ZONE_URL + "V1.0/Tickets/query/next?paging=x", kind="query", endpoint="Tickets")
    request = build_request(same, cfg, ZONE_URL + "V1.0/")
    assert request.headers["secret"] == SECRET and request.headers["username"] == "api@example.com"


def test_impersonation_header_per_call_and_per_client() -> None:
    cfg = config(ZONE_URL).replace(impersonation_resource_id=11)
    root = ZONE_URL + "V1.0/"
    assert build_request(QUERY, cfg, root).headers["ImpersonationResourceId"] == "11"
    call = Call("POST", "Tickets", kind="create", endpoint="Tickets", json={}, impersonate=12)
    assert build_request(call, cfg, root).headers["ImpersonationResourceId"] == "12"
    assert "ImpersonationResourceId" not in build_request(QUERY, config(ZONE_URL), root).headers


def test_breaker_opens_after_repeated_transient_failures() -> None:
    cfg = config(ZONE_URL, retries=10)
    breaker = CircuitBreaker(failure_threshold=3, cooldown=60)
    rt = runtime(cfg, breaker=breaker)
    failures = [TransportFailure(APIConnectionError("reset"), sent=True)] * 5
    with pytest.raises(CircuitOpenError, match="tickets"):
        drive(request_flow(QUERY, cfg, rt), failures)
    assert len(failures) == 2  # three attempts, then fail fast


def test_budget_refuses_before_sending() -> None:
    cfg = config(ZONE_URL)
    budget = ThresholdBudget(share=0.0001, threshold=10_000)  # our cap: 1 request per hour
    rt = runtime(cfg, budget=budget)
    budget.observe({"externalRequestThreshold": 10_000, "requestThresholdTimeframe": 60,
                    "currentTimeframeRequestCount": 0})
    drive(request_flow(QUERY, cfg, rt), [ok({"items": []})])
    with pytest.raises(ThresholdBudgetExceeded):
        drive(request_flow(QUERY, cfg, rt), [ok({"items": []})])
