"""EndpointLimiter: the per-endpoint cap holds across threads, asyncio tasks and both at once."""

from __future__ import annotations

import asyncio
import threading
import time

import anyio
import pytest

from py_autotask.limits import EndpointLimiter, endpoint_key


class Meter:
    """Counts how many holders are inside a slot at once, from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = 0
        self.peak = 0
        self.entries = 0

    def enter(self) -> None:
        with self._lock:
            self.now += 1
            self.entries += 1
            self.peak = max(self.peak, self.now)

    def leave(self) -> None:
        with self._lock:
            self.now -= 1


HOLD = 0.002


def thread_worker(limiter: EndpointLimiter, meter: Meter, endpoint: str, rounds: int) -> None:
    for _ in range(rounds):
        with limiter.slot(endpoint):
            meter.enter()
            time.sleep(HOLD)
            meter.leave()


async def task_worker(limiter: EndpointLimiter, meter: Meter, endpoint: str, rounds: int) -> None:
    for _ in range(rounds):
        async with limiter.aslot(endpoint):
            meter.enter()
            await asyncio.sleep(HOLD)
            meter.leave()


def run_threads(target, count: int, *args) -> None:
    threads = [threading.Thread(target=target, args=args) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://webservices5.autotask.net/ATServicesRest/V1.0/Tickets/query?search=x", "tickets"),
        ("/ATServicesRest/V1.0/Tickets/42/Notes", "tickets"),
        ("/atservicesrest/v1.0/tickets/entityInformation/fields", "tickets"),
        ("/V1.0/Companies", "companies"),
        ("V1.0/ThresholdInformation", "thresholdinformation"),
        ("Companies/query/count", "companies"),
        ("Tickets", "tickets"),
        ("https://host/ATServicesRest/V1.0/Tickets/query/next?paging=%7B%7D", "tickets"),
    ],
)
def test_endpoint_key_is_the_first_segment_after_the_version(url: str, key: str) -> None:
    assert endpoint_key(url) == key


def test_endpoint_key_refuses_a_path_without_an_endpoint() -> None:
    with pytest.raises(ValueError):
        endpoint_key("/ATServicesRest/")


def test_threads_never_exceed_the_limit() -> None:
    limiter, meter = EndpointLimiter(), Meter()
    run_threads(thread_worker, 16, limiter, meter, "/V1.0/Tickets/query", 15)
    assert meter.entries == 16 * 15
    assert meter.peak == 3
    assert limiter.in_flight() == {}
    assert limiter.stats()["tickets"]["peak"] == 3


@pytest.mark.anyio
async def test_asyncio_tasks_never_exceed_the_limit() -> None:
    limiter, meter = EndpointLimiter(), Meter()
    async with anyio.create_task_group() as group:
        for _ in range(40):
            group.start_soon(task_worker, limiter, meter, "Companies", 5)
    assert meter.entries == 200
    assert meter.peak == 3
    assert limiter.in_flight() == {}


@pytest.mark.anyio
async def test_threads_and_tasks_of_two_loops_share_one_count() -> None:
    limiter, meter = EndpointLimiter(), Meter()

    def other_loop() -> None:
        async def main() -> None:
            await asyncio.gather(
                *(task_worker(limiter, meter, "/V1.0/Tickets/1/Notes", 6) for _ in range(10))
            )

        asyncio.run(main())

    threads = [threading.Thread(target=thread_worker, args=(limiter, meter, "Tickets", 10)) for _ in range(8)]
    threads.append(threading.Thread(target=other_loop))
    for thread in threads:
        thread.start()
    async with anyio.create_task_group() as group:
        for _ in range(10):
            group.start_soon(task_worker, limiter, meter, "/V1.0/Tickets/query", 6)
    for thread in threads:
        await anyio.to_thread.run_sync(thread.join, 30)
    assert meter.entries == 8 * 10 + 10 * 6 + 10 * 6
    assert meter.peak == 3
    assert limiter.in_flight() == {}


def test_endpoints_are_counted_separately() -> None:
    limiter = EndpointLimiter()
    inside = threading.Barrier(7)  # 3 on Tickets + 3 on Companies + the test itself
    leave = threading.Event()

    def hold(endpoint: str) -> None:
        with limiter.slot(endpoint):
            inside.wait(timeout=5)
            leave.wait(timeout=5)

    threads = [threading.Thread(target=hold, args=(e,)) for e in ["Tickets"] * 3 + ["Companies"] * 3]
    for thread in threads:
        thread.start()
    inside.wait(timeout=5)  # would time out (BrokenBarrierError) if the endpoints shared a count
    assert limiter.in_flight() == {"tickets": 3, "companies": 3}
    leave.set()
    for thread in threads:
        thread.join(timeout=5)
    assert limiter.in_flight() == {}


def test_per_endpoint_limits_and_exempt_zone_information() -> None:
    limiter = EndpointLimiter(limits={"Tickets": 1})
    meter = Meter()
    run_threads(thread_worker, 6, limiter, meter, "Tickets", 5)
    assert meter.peak == 1
    assert limiter.limit_for("/V1.0/Companies") == 3

    zone = Meter()
    run_threads(thread_worker, 6, limiter, zone, "/atservicesrest/v1.0/zoneInformation?user=x", 3)
    assert zone.peak > 3  # Autotask does not thread-limit zone discovery, so neither do we
    assert "zoneinformation" not in limiter.stats()


def test_raising_the_limit_at_run_time_wakes_waiters() -> None:
    limiter = EndpointLimiter(limit=1)
    release = threading.Event()
    meter = Meter()

    def hold() -> None:
        with limiter.slot("Tickets"):
            meter.enter()
            release.wait(timeout=5)
            meter.leave()

    threads = [threading.Thread(target=hold) for _ in range(4)]
    for thread in threads:
        thread.start()
    _wait_until(lambda: limiter.stats()["tickets"]["waiting"] == 3)
    assert meter.now == 1
    limiter.set_limit("Tickets", 4)
    _wait_until(lambda: meter.now == 4)
    release.set()
    for thread in threads:
        thread.join(timeout=5)
    assert limiter.in_flight() == {}


def test_lowering_the_limit_applies_as_slots_free() -> None:
    limiter = EndpointLimiter(limit=3)
    before, after = Meter(), Meter()
    drained = threading.Event()

    def worker() -> None:
        for _ in range(25):
            with limiter.slot("Tickets"):
                meter = after if drained.is_set() else before
                meter.enter()
                time.sleep(HOLD)
                meter.leave()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    _wait_until(lambda: before.entries >= 10)
    limiter.set_limit("Tickets", 1)
    _wait_until(lambda: limiter.in_flight().get("tickets", 0) <= 1)
    drained.set()  # from here on, holders that enter must be alone
    for thread in threads:
        thread.join(timeout=30)
    assert before.peak == 3
    assert after.entries > 10
    assert after.peak == 1
    assert limiter.stats()["tickets"]["limit"] == 1


def test_an_exception_inside_the_slot_releases_it() -> None:
    limiter = EndpointLimiter(limit=1)
    for _ in range(3):
        with pytest.raises(RuntimeError), limiter.slot("Tickets"):
            raise RuntimeError("boom")
    assert limiter.in_flight() == {}
    with limiter.slot("Tickets"):
        assert limiter.in_flight() == {"tickets": 1}


@pytest.mark.anyio
async def test_a_cancelled_waiter_leaves_no_trace() -> None:
    limiter = EndpointLimiter(limit=1)
    release = anyio.Event()

    async def holder() -> None:
        async with limiter.aslot("Tickets"):
            await release.wait()

    async with anyio.create_task_group() as group:
        group.start_soon(holder)
        await anyio.sleep(0.01)
        with anyio.move_on_after(0.02) as scope:
            async with limiter.aslot("Tickets"):
                pytest.fail("got a slot that was taken")
        assert scope.cancelled_caught
        assert limiter.stats()["tickets"]["waiting"] == 0
        release.set()
    assert limiter.in_flight() == {}
    async with limiter.aslot("Tickets"):
        assert limiter.in_flight() == {"tickets": 1}


@pytest.mark.anyio
async def test_a_waiter_cancelled_after_being_granted_gives_the_slot_back() -> None:
    limiter = EndpointLimiter(limit=1)
    entered = asyncio.Event()

    async def waiter() -> None:
        async with limiter.aslot("Tickets"):
            entered.set()

    with limiter.slot("Tickets"):
        task = asyncio.ensure_future(waiter())
        await asyncio.sleep(0.01)
        assert limiter.stats()["tickets"]["waiting"] == 1
    # The release granted the slot to the task; cancel it before it ever runs again.
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not entered.is_set()
    assert limiter.in_flight() == {}


def test_threads_are_served_in_arrival_order() -> None:
    limiter = EndpointLimiter(limit=1)
    order: list[int] = []
    started = []

    def worker(index: int) -> None:
        with limiter.slot("Tickets"):
            order.append(index)

    with limiter.slot("Tickets"):
        for index in range(5):
            thread = threading.Thread(target=worker, args=(index,))
            thread.start()
            started.append(thread)
            _wait_until(lambda n=index: limiter.stats()["tickets"]["waiting"] == n + 1)
    for thread in started:
        thread.join(timeout=5)
    assert order == [0, 1, 2, 3, 4]


def test_invalid_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        EndpointLimiter(limit=0)
    with pytest.raises(ValueError):
        EndpointLimiter().set_limit("Tickets", -1)


def _wait_until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.001)
