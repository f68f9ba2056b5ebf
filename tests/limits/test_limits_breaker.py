"""CircuitBreaker and AdaptiveConcurrency with fake clocks."""

from __future__ import annotations

import logging

import pytest

from py_autotask._exceptions import CircuitOpenError
from py_autotask.limits import AdaptiveConcurrency, CircuitBreaker, EndpointLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def test_the_circuit_opens_after_the_threshold_and_fails_fast() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=5, cooldown=30.0, clock=clock)
    for _ in range(4):
        breaker.before("/V1.0/Tickets/query")
        breaker.failure("/V1.0/Tickets/query", "500 Internal Server Error")
    assert breaker.state("Tickets") == "closed"
    breaker.before("Tickets")
    breaker.failure("Tickets", "connection reset")
    assert breaker.state("Tickets") == "open"
    clock.now += 10
    with pytest.raises(CircuitOpenError) as caught:
        breaker.before("/V1.0/Tickets/42")
    assert caught.value.endpoint == "tickets"
    assert caught.value.retry_after == pytest.approx(20.0)
    assert caught.value.last_error == "connection reset"
    assert "failing fast for another 20.0s" in str(caught.value)
    breaker.before("Companies")  # other endpoints are unaffected


def test_a_success_resets_the_consecutive_count() -> None:
    breaker = CircuitBreaker(failure_threshold=3, clock=FakeClock())
    for _ in range(5):
        breaker.failure("Tickets")
        breaker.failure("Tickets")
        breaker.success("Tickets")
    assert breaker.state("Tickets") == "closed"


def test_half_open_lets_one_trial_through_and_its_success_closes() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=2, cooldown=30.0, clock=clock)
    breaker.failure("Tickets")
    breaker.failure("Tickets")
    clock.now += 30
    assert breaker.state("Tickets") == "half-open"
    breaker.before("Tickets")  # the trial
    with pytest.raises(CircuitOpenError) as caught:
        breaker.before("Tickets")  # everyone else still fails fast while it runs
    assert caught.value.retry_after == 1.0
    breaker.success("Tickets")
    assert breaker.state("Tickets") == "closed"
    breaker.before("Tickets")
    breaker.before("Tickets")


def test_a_failed_trial_opens_the_circuit_for_another_cooldown(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=2, cooldown=30.0, clock=clock)
    breaker.failure("Tickets")
    with caplog.at_level(logging.WARNING, logger="py_autotask.limits"):
        breaker.failure("Tickets", "timeout")
    assert "circuit for tickets opened" in caplog.text
    clock.now += 31
    breaker.before("Tickets")
    breaker.failure("Tickets", "timeout again")
    assert breaker.state("Tickets") == "open"
    with pytest.raises(CircuitOpenError) as caught:
        breaker.before("Tickets")
    assert caught.value.retry_after == pytest.approx(30.0)
    assert caught.value.last_error == "timeout again"


def test_a_trial_that_never_reports_frees_the_trial_slot_after_a_cooldown() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, cooldown=5.0, clock=clock)
    breaker.failure("Tickets")
    clock.now += 5
    breaker.before("Tickets")
    with pytest.raises(CircuitOpenError):
        breaker.before("Tickets")
    clock.now += 5
    breaker.before("Tickets")  # a new trial


def test_reset_closes_circuits() -> None:
    breaker = CircuitBreaker(failure_threshold=1, clock=FakeClock())
    breaker.failure("Tickets")
    breaker.failure("Companies")
    breaker.reset("Tickets")
    assert breaker.state("Tickets") == "closed"
    assert breaker.state("Companies") == "open"
    breaker.reset()
    assert breaker.state("Companies") == "closed"


def test_adaptive_concurrency_halves_on_429_and_grows_back() -> None:
    clock = FakeClock()
    limiter = EndpointLimiter()
    aimd = AdaptiveConcurrency(
        limiter, "/V1.0/Tickets/query", ceiling=4, grow_after=5, cooldown=2.0, clock=clock
    )
    assert limiter.limit_for("Tickets") == 4
    assert aimd.on_throttled() == 2
    assert aimd.on_throttled() == 2  # same burst: no second cut within the cool-down
    clock.now += 2
    assert aimd.on_throttled() == 1
    clock.now += 2
    assert aimd.on_throttled() == 1  # never below the floor
    assert limiter.limit_for("Tickets") == 1
    for _ in range(4):
        aimd.on_success()
    assert aimd.limit == 1
    assert aimd.on_success() == 2
    for _ in range(20):
        aimd.on_success()
    assert aimd.limit == 4  # capped at the ceiling
    assert limiter.limit_for("Tickets") == 4
    assert limiter.limit_for("Companies") == 3


def test_adaptive_concurrency_validates_its_bounds() -> None:
    with pytest.raises(ValueError):
        AdaptiveConcurrency(EndpointLimiter(), "Tickets", floor=3, ceiling=2)
    with pytest.raises(ValueError):
        AdaptiveConcurrency(EndpointLimiter(), "Tickets", decrease_factor=1.0)
