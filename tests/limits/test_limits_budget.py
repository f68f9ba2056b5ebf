"""ThresholdBudget with a fake clock: counting, pacing, refusing, waiting and when to re-read the threshold."""

from __future__ import annotations

import pytest

from py_autotask._exceptions import ThresholdBudgetExceeded
from py_autotask.limits import ThresholdBudget
from py_autotask.limits.budget import (
    REFRESH_EVERY_REQUESTS,
    REFRESH_EVERY_REQUESTS_HOT,
    REFRESH_FIRST_AFTER_REQUESTS,
    REFRESH_INTERVAL_SECONDS,
    TENANT_PACING_TARGET,
    TENANT_RECHECK_SECONDS,
)

# Pacing constant that makes a lone client settle at the target: interval = k * window / (stop - used).
TENANT_K = 9_900 / (TENANT_PACING_TARGET * 10_000) - 1


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.now += seconds


def info(count: int, threshold: int = 10_000, minutes: int = 60) -> dict[str, int]:
    return {
        "externalRequestThreshold": threshold,
        "requestThresholdTimeframe": minutes,
        "currentTimeframeRequestCount": count,
    }


def test_below_the_soft_mark_requests_go_at_once() -> None:
    clock = FakeClock()
    budget = ThresholdBudget(clock=clock)
    budget.observe(info(100))
    for _ in range(500):
        assert budget.before_request() == 0
        budget.record()
    usage = budget.usage()
    assert usage["requests"] == 500
    assert usage["tenant_estimate"] == 600
    assert usage["percent"] == 6.0
    assert usage["threshold"] == 10_000
    assert usage["window_seconds"] == 3600


def test_above_the_soft_mark_requests_are_paced_evenly() -> None:
    clock = FakeClock()
    budget = ThresholdBudget(clock=clock)
    budget.observe(info(4_500))  # 45 %: past our 40 % soft mark, short of Autotask's 50 % latency
    assert budget.before_request() == 0
    budget.record()
    interval = TENANT_K * 3600 / (9_900 - 4_501)
    assert budget.before_request() == pytest.approx(interval)
    assert budget.before_request() == pytest.approx(interval)  # asking again does not go sooner
    clock.sleep(interval / 2)
    assert budget.before_request() == pytest.approx(interval / 2)
    clock.sleep(interval / 2)
    assert budget.before_request() == 0
    assert budget.usage()["pacing_interval_seconds"] == pytest.approx(interval, abs=1e-3)


def test_pacing_slows_down_as_the_limit_nears() -> None:
    intervals = []
    for count in (4_000, 6_000, 8_000, 9_500):
        budget = ThresholdBudget(clock=FakeClock())
        budget.observe(info(count))
        assert budget.before_request() == 0
        intervals.append(budget.before_request())
    assert intervals == sorted(intervals)
    assert intervals[-1] > 10 * intervals[0]


def test_our_share_cap_refuses_with_usage() -> None:
    clock = FakeClock()
    budget = ThresholdBudget(share=0.3, soft_mark=1.0, clock=clock)
    budget.observe(info(0))
    for _ in range(3000):
        assert budget.before_request() == 0
        budget.record()
    with pytest.raises(ThresholdBudgetExceeded) as caught:
        budget.before_request()
    message = str(caught.value)
    assert "our share" in message and "3,000 of 3,000" in message and "30%" in message
    assert "the next one frees up in about 1h 00m" in message
    assert caught.value.usage["requests"] == 3000
    assert caught.value.usage["our_cap"] == 3000
    assert caught.value.usage["share"] == 0.3


def test_with_wait_the_budget_returns_the_time_until_our_oldest_request_ages_out() -> None:
    clock = FakeClock()
    budget = ThresholdBudget(share=0.001, clock=clock)  # 10 requests per hour
    for _ in range(10):
        budget.record()
        clock.sleep(60)
    delay = budget.before_request(wait=True)
    assert delay == pytest.approx(3600 - 600)
    clock.sleep(delay)
    assert budget.before_request(wait=True) == 0  # the first request left the rolling window


def test_the_tenant_stop_mark_refuses_before_autotask_suspends() -> None:
    clock = FakeClock()
    budget = ThresholdBudget(clock=clock)
    budget.observe(info(9_899))
    assert budget.before_request() == 0
    budget.record()
    with pytest.raises(ThresholdBudgetExceeded, match="tenant is at an estimated 9,900 of 10,000"):
        budget.before_request()
    assert budget.before_request(wait=True) == TENANT_RECHECK_SECONDS
    assert budget.needs_refresh()  # refusing forces a fresh reading


def test_a_threshold_429_blocks_until_a_fresh_reading() -> None:
    clock = FakeClock()
    budget = ThresholdBudget(clock=clock)
    budget.observe(info(10))
    budget.note_rate_limited(threshold_exceeded=True)
    with pytest.raises(ThresholdBudgetExceeded):
        budget.before_request()
    assert budget.needs_refresh()
    budget.observe(info(200))
    assert budget.before_request() == 0


def test_the_estimate_adds_our_requests_to_the_last_reading_and_goes_stale_after_a_window() -> None:
    clock = FakeClock()
    budget = ThresholdBudget(clock=clock)
    budget.observe(info(1_000))
    for _ in range(50):
        budget.record()
    assert budget.usage()["tenant_estimate"] == 1_050
    clock.sleep(3600)
    assert budget.usage()["tenant_estimate"] == 0  # reading and our requests have all aged out
    assert budget.usage()["requests_total"] == 50


def test_needs_refresh_schedule() -> None:
    clock = FakeClock()
    budget = ThresholdBudget(clock=clock)
    budget.record(REFRESH_FIRST_AFTER_REQUESTS - 1)
    assert not budget.needs_refresh()  # small scripts never pay for a reading
    budget.record()
    assert budget.needs_refresh()
    assert not budget.needs_refresh()  # claimed: only one caller reads at a time
    budget.refresh_failed()
    assert budget.needs_refresh()
    budget.observe(info(100))
    assert not budget.needs_refresh()

    budget.record(REFRESH_EVERY_REQUESTS - 1)
    assert not budget.needs_refresh()
    budget.record()
    assert budget.needs_refresh()
    budget.observe(info(300))

    clock.sleep(REFRESH_INTERVAL_SECONDS)
    assert not budget.needs_refresh()  # old, but we have not sent anything since
    budget.record()
    assert budget.needs_refresh()
    budget.observe(info(5_000))  # hot: above the soft mark, read more often

    budget.record(REFRESH_EVERY_REQUESTS_HOT)
    assert budget.needs_refresh()
    budget.observe(info(5_100))
    budget.note_rate_limited()
    assert budget.needs_refresh()


def test_a_forgotten_claim_expires() -> None:
    clock = FakeClock()
    budget = ThresholdBudget(clock=clock)
    budget.record(REFRESH_FIRST_AFTER_REQUESTS)
    assert budget.needs_refresh()
    assert not budget.needs_refresh()
    clock.sleep(31)
    assert budget.needs_refresh()


def test_observe_accepts_any_key_case_and_the_item_wrapper() -> None:
    budget = ThresholdBudget(clock=FakeClock())
    budget.observe(
        {
            "item": {
                "EXTERNALREQUESTTHRESHOLD": 5000,
                "requestthresholdtimeframe": 30,
                "CurrentTimeframeRequestCount": 100,
            }
        }
    )
    usage = budget.usage()
    assert (usage["threshold"], usage["window_seconds"], usage["tenant_estimate"]) == (5000, 1800, 100)
    with pytest.raises(ValueError, match="currenttimeframerequestcount"):
        budget.observe({"externalRequestThreshold": 1, "requestThresholdTimeframe": 1})
    with pytest.raises(ValueError):
        ThresholdBudget(share=0)


def test_acquire_waits_re_reads_and_records() -> None:
    clock = FakeClock()
    readings = iter([info(9_950), info(1_000)])
    calls = []

    def read_threshold() -> dict[str, int]:
        calls.append(clock.now)
        return next(readings)

    budget = ThresholdBudget(clock=clock, wait=True)
    budget.note_rate_limited(threshold_exceeded=True)  # a 429 told us the tenant is full
    slept = budget.acquire(refresh=read_threshold, sleep=clock.sleep)
    assert slept == TENANT_RECHECK_SECONDS  # first reading: still full; waited, re-read, went
    assert len(calls) == 2
    assert budget.usage()["requests_total"] == 3  # two readings + the request itself
    assert budget.usage()["tenant_estimate"] == 1_001


def test_acquire_without_wait_raises() -> None:
    budget = ThresholdBudget(share=0.0001, clock=FakeClock())  # one request per hour
    budget.acquire()
    with pytest.raises(ThresholdBudgetExceeded):
        budget.acquire()


def test_a_failing_refresh_does_not_fail_the_request() -> None:
    budget = ThresholdBudget(clock=FakeClock())
    budget.note_rate_limited()

    def broken() -> dict[str, int]:
        raise ConnectionError("no answer")

    assert budget.acquire(refresh=broken) == 0
    assert budget.usage()["requests_total"] == 2


@pytest.mark.anyio
async def test_aacquire_paces_with_an_async_sleep() -> None:
    clock = FakeClock()
    budget = ThresholdBudget(clock=clock)

    async def read_threshold() -> dict[str, int]:
        return info(4_500)

    budget.note_rate_limited()
    total = 0.0
    for _ in range(5):
        total += await budget.aacquire(refresh=read_threshold, sleep=clock.asleep)
    assert total == pytest.approx(4 * TENANT_K * 3600 / (9_900 - 4_503), rel=0.01)


def simulate(budget: ThresholdBudget, clock: FakeClock, hours: float) -> list[int]:
    """Send as fast as the budget allows for `hours`; return requests per simulated minute."""
    per_minute = [0] * int(hours * 60 + 1)
    start = clock.now
    while clock.now - start < hours * 3600:
        budget.acquire(sleep=clock.sleep)
        per_minute[int((clock.now - start) // 60)] += 1
    return per_minute


def test_a_capped_share_is_used_evenly_and_never_refused() -> None:
    clock = FakeClock()
    budget = ThresholdBudget(share=0.3, clock=clock)  # wait=False: any refusal would raise
    per_minute = simulate(budget, clock, hours=3)
    hours = [sum(per_minute[h * 60 : (h + 1) * 60]) for h in range(3)]
    assert all(2_900 <= n <= 3_000 for n in hours)
    assert max(per_minute[61:180]) <= 51  # after the first timeframe: the steady pace, no hourly echo
    assert max(sum(per_minute[m : m + 60]) for m in range(121)) <= 3_000


def test_alone_on_the_tenant_usage_settles_under_the_latency_step() -> None:
    clock = FakeClock()
    budget = ThresholdBudget(clock=clock)
    per_minute = simulate(budget, clock, hours=4)
    windows = [sum(per_minute[m : m + 60]) for m in range(len(per_minute) - 60)]
    assert max(windows) < 9_900  # pacing alone never reaches the stop mark
    late = windows[180:]
    assert all(4_300 <= n <= 4_700 for n in late)  # settles around TENANT_PACING_TARGET (45 %)


def test_re_reads_while_waiting_never_take_the_tenant_to_100_percent() -> None:
    clock = FakeClock()
    budget = ThresholdBudget(clock=clock, threshold=300)
    budget.observe(info(297, threshold=300))  # others hold the tenant at the stop mark (99 %)
    reads = 0
    for _ in range(30):  # half an hour of waiting at the stop mark, re-reading when the budget says so
        assert budget.before_request(wait=True) == TENANT_RECHECK_SECONDS
        clock.sleep(TENANT_RECHECK_SECONDS)
        if budget.needs_refresh():
            budget.record()  # the reading is a request: it counts, and Autotask counts it
            reads += 1
            budget.observe(info(297 + reads, threshold=300))
    assert reads == 2 and budget.usage()["tenant_estimate"] == 299  # one short of 100 %, and no further
    clock.sleep(3600)  # the reading went stale: the next one is allowed again
    assert budget.needs_refresh()
    budget.note_rate_limited(threshold_exceeded=True)  # at 100 % a read is refused, not counted: allowed
    assert budget.needs_refresh()
