"""Every error class, produced by a real sandbox answer (or a real transport failure), on both clients."""

from __future__ import annotations

import threading

import pytest

from py_autotask import (
    AmbiguousWriteError,
    APIConnectionError,
    APIValidationError,
    AuthenticationError,
    CircuitOpenError,
    InternalServerError,
    MethodNotAllowedError,
    NotFoundError,
    PermissionDeniedError,
    QueryError,
    ThreadLimitError,
    ThresholdBudgetExceeded,
    ThresholdExceededError,
)
from py_autotask.limits import CircuitBreaker, ThresholdBudget

from .conftest import Api


def bad_credentials(api: Api, **change: str) -> Api:
    return api.make(**{**api.sandbox.credentials, **change}, max_retries=0)


@pytest.mark.parametrize(
    ("change", "status"),
    [({"secret": "wrong-secret"}, 401), ({"username": "nobody@example.com"}, 500),
     ({"integration_code": "NOT-A-REAL-CODE"}, 500)],
)
def test_authentication_errors(api: Api, change: dict, status: int) -> None:
    other = bad_credentials(api, **change)
    try:
        with pytest.raises(AuthenticationError) as info:
            other(lambda c: c.tickets.count())
        assert info.value.status_code == status and info.value.errors
        assert "wrong-secret" not in str(info.value)
    finally:
        other.close()


def test_permission_denied_for_a_readonly_user(api_local: Api) -> None:
    ro = api_local.make(**api_local.sandbox.readonly_credentials)
    try:
        assert ro(lambda c: c.tickets.count()) > 0  # reads are fine
        with pytest.raises(PermissionDeniedError, match="adequate permissions"):
            ro(lambda c: c.companies.update(1, {"companyName": "x"}))
    finally:
        ro.close()


def test_not_found(api_local: Api) -> None:
    assert api_local(lambda c: c.tickets.get(999_999_999)) is None
    with pytest.raises(NotFoundError):
        api_local(lambda c: c.time_entries.delete(999_999_999))
    with pytest.raises(NotFoundError):
        api_local(lambda c: c.request("GET", "NoSuchEntity/query"))


def test_method_not_allowed(api_local: Api) -> None:
    with pytest.raises(MethodNotAllowedError) as info:
        api_local(lambda c: c.request("PATCH", "Tickets/1", json={"title": "x"}))
    assert info.value.status_code == 405 and "does not support" in str(info.value)


def test_query_error(api_local: Api) -> None:
    with pytest.raises(QueryError, match="Unable to find"):
        api_local(lambda c: c.request("POST", "Tickets/query",
                                      json={"filter": [{"op": "eq", "field": "noSuchField", "value": 1}]}))


def test_validation_error_is_not_retried(api_local: Api) -> None:
    with pytest.raises(APIValidationError) as info:
        api_local(lambda c: c.tickets.create({"title": "missing everything else"}))
    assert info.value.errors and api_local.sleeps == []
    assert sum(e["method"] == "POST" for e in api_local.sandbox.control.request_log) == 1


def test_internal_server_error_after_retries(api_local: Api) -> None:
    api_local.sandbox.control.set_faults({"500": 1.0})
    with pytest.raises(InternalServerError, match="unexpected error"):
        api_local(lambda c: c.tickets.count())
    assert len(api_local.sleeps) == api_local.client.config.retry.max_retries


def test_connection_error_after_retries(api: Api) -> None:
    api.sandbox.control.set_faults({"reset": 1.0})
    other = api.make(max_retries=1)
    try:
        with pytest.raises(APIConnectionError):
            other(lambda c: c.tickets.count())
        assert len(other.sleeps) == 1
    finally:
        other.close()


def test_ambiguous_create_is_sent_once(api: Api) -> None:
    ticket_id = api.list(lambda c: c.tickets.query(limit=1))[0]["id"]
    before = api(lambda c: c.ticket_notes.count())
    api.sandbox.control.set_faults({"reset": 1.0})
    note = {"ticketID": ticket_id, "title": "t", "description": "d", "noteType": 1, "publish": 1}
    with pytest.raises(AmbiguousWriteError) as info:
        api(lambda c: c.ticket_notes.create(note))
    api.sandbox.control.set_faults({})
    assert info.value.payload == note and info.value.entity == "TicketNotes"
    assert api(lambda c: c.ticket_notes.count()) == before + 1  # the sandbox applied it, exactly once
    assert sum(e["method"] == "POST" and e["path"].endswith("/Notes") for e in api.sandbox.control.request_log) == 1


def test_truncated_answers_are_retried(api: Api) -> None:
    api.sandbox.control.set_faults({"truncate": 1.0})
    other = api.make(max_retries=1)
    try:
        with pytest.raises(APIConnectionError):
            other(lambda c: c.tickets.count())
    finally:
        other.close()
    api.sandbox.control.set_faults({"truncate": 0.5}, seed=3)
    assert api(lambda c: c.tickets.count()) > 0


def test_thread_limit_error(api_local: Api) -> None:
    api_local.sandbox.control.set_latency(150)
    unlimited = api_local.make(concurrency_limit=None, max_retries=0)
    errors: list[BaseException] = []

    def one() -> None:
        try:
            unlimited(lambda c: c.tickets.count())
        except BaseException as exc:  # collected and checked below
            errors.append(exc)

    try:
        threads = [threading.Thread(target=one) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        unlimited.close()
    assert errors and all(isinstance(e, ThreadLimitError) for e in errors)
    assert "thread threshold" in str(errors[0])


def test_our_limiter_prevents_thread_limit_errors(api_local: Api) -> None:
    api_local.sandbox.control.set_latency(100)
    limited = api_local.make(max_retries=0)
    results: list[object] = []
    try:
        threads = [threading.Thread(target=lambda: results.append(limited(lambda c: c.tickets.count())))
                   for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        limited.close()
    assert len(results) == 6
    assert api_local.sandbox.control.stats()["thread_limit_rejections"] == 0


def test_threshold_exceeded_error(api_local: Api) -> None:
    api_local.sandbox.control.set_limits(threshold=3)
    other = api_local.make(budget=False, max_retries=0)
    try:
        with pytest.raises(ThresholdExceededError):
            for _ in range(5):
                other(lambda c: c.tickets.count())
    finally:
        other.close()


def test_budget_stops_us_before_autotask_does(api_local: Api) -> None:
    # 5 of 10,000 requests per hour, no pacing before that (soft_mark=1): the 6th is refused unsent.
    other = api_local.make(budget=ThresholdBudget(share=0.0005, soft_mark=1.0))
    try:
        with pytest.raises(ThresholdBudgetExceeded, match="our share"):
            for _ in range(7):
                other(lambda c: c.tickets.count())
    finally:
        other.close()
    assert len(api_local.sandbox.control.request_log) == 5


def test_circuit_opens_after_repeated_failures(api_local: Api) -> None:
    api_local.sandbox.control.set_faults({"500": 1.0})
    other = api_local.make(breaker=CircuitBreaker(failure_threshold=3, cooldown=60), max_retries=5)
    try:
        with pytest.raises(CircuitOpenError, match="tickets"):
            other(lambda c: c.tickets.count())
        sent = len(api_local.sandbox.control.request_log)
        with pytest.raises(CircuitOpenError):
            other(lambda c: c.tickets.count())
        assert len(api_local.sandbox.control.request_log) == sent  # failed fast, nothing sent
    finally:
        other.close()
