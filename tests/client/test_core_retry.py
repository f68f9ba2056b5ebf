"""The retry policy as pure decisions (no I/O, no sleeping)."""

from __future__ import annotations

import pytest

from py_autotask import (
    AmbiguousWriteError,
    APIConnectionError,
    APIValidationError,
    InternalServerError,
    NotFoundError,
    QueryError,
    ThreadLimitError,
)
from py_autotask._core.retry import RetryPolicy, TransportFailure, decide, parse_retry_after

POLICY = RetryPolicy(max_retries=3, initial_delay=0.5, max_delay=4.0, jitter=0.25)
PAYLOAD = {"title": "printer on fire", "companyID": 1}


def status(cls: type, code: int = 500, message: str = "boom", retry_after: float | None = None):
    return cls(code, [message], method="POST", url="https://h/ATServicesRest/V1.0/Tickets", retry_after=retry_after)


def reset(sent: bool) -> TransportFailure:
    return TransportFailure(APIConnectionError("connection reset", method="POST", url="https://h/x"), sent=sent)


def test_backoff_is_exponential_capped_and_jittered() -> None:
    mid = [POLICY.backoff(n, rand=lambda: 0.5) for n in range(6)]
    assert mid == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert POLICY.backoff(1, rand=lambda: 0.0) == pytest.approx(0.75)
    assert POLICY.backoff(1, rand=lambda: 1.0) == pytest.approx(1.25)


@pytest.mark.parametrize(
    "failure",
    [reset(False), reset(True), status(InternalServerError), status(ThreadLimitError, 429)],
)
def test_transient_failures_of_reads_are_retried(failure: object) -> None:
    decision = decide(POLICY, 0, failure, is_create=False)
    assert decision.retry and decision.delay > 0 and decision.reason


@pytest.mark.parametrize("cls", [APIValidationError, QueryError, NotFoundError])
def test_answers_about_the_request_are_never_retried(cls: type) -> None:
    error = status(cls)
    decision = decide(POLICY, 0, error, is_create=False)
    assert not decision.retry and decision.error is error


def test_create_is_retried_only_when_nothing_can_have_happened() -> None:
    assert decide(POLICY, 0, reset(False), is_create=True, payload=PAYLOAD).retry
    assert decide(POLICY, 0, status(ThreadLimitError, 429), is_create=True, payload=PAYLOAD).retry
    for failure in (reset(True), status(InternalServerError)):
        decision = decide(POLICY, 0, failure, is_create=True, payload=PAYLOAD, entity="Tickets")
        assert not decision.retry
        assert isinstance(decision.error, AmbiguousWriteError)
        assert decision.error.payload == PAYLOAD and decision.error.entity == "Tickets"
        assert "was not re-sent" in str(decision.error)


def test_retries_stop_at_max_retries_with_the_last_error() -> None:
    error = status(InternalServerError)
    assert decide(POLICY, 2, error, is_create=False).retry
    final = decide(POLICY, 3, error, is_create=False)
    assert not final.retry and final.error is error and "giving up after 4 attempts" in final.reason
    assert not decide(RetryPolicy(max_retries=0), 0, error, is_create=False).retry


def test_retry_after_wins_unless_it_is_too_long() -> None:
    assert decide(POLICY, 0, status(ThreadLimitError, 429, retry_after=7.0), is_create=False).delay == 7.0
    decision = decide(POLICY, 0, status(ThreadLimitError, 429, retry_after=3600.0), is_create=False)
    assert not decision.retry and "too long" in decision.reason


def test_parse_retry_after() -> None:
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=lambda: 1445412470.0) == pytest.approx(10.0)
    assert parse_retry_after("-5") == 0.0


def test_policy_validation() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_retries=-1)
    with pytest.raises(ValueError):
        RetryPolicy(jitter=2)
