"""The Redis layer against a real redis-server of our own (never the shared one on 6379), killed mid-run."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from py_autotask.cache import DiskLayer, LayeredCache, MemoryLayer, RedisLayer, cache_from_env

from .._redis import REDIS_SERVER, RedisServer, free_port

redis = pytest.importorskip("redis", reason="the optional 'redis' package is not installed")

PASSWORD = "redis-pass-do-not-log-7f3a"

pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server binary not found on PATH")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    instance = RedisServer(tmp_path, PASSWORD)
    instance.start()
    try:
        yield instance
    finally:
        instance.kill()


def test_expiry_follows_redis_not_the_writers_clock(server: RedisServer) -> None:
    # Two machines sharing one Redis whose clocks disagree by a year: the record the writer stamped
    # lives for its TTL by Redis's clock, never "already expired" (or immortal) on the reader's.
    year = 365 * 86400.0
    writer = LayeredCache([RedisLayer(server.url, wall_clock=lambda: time.time() - year)],
                          clock=lambda: time.time() - year)
    reader_layer = RedisLayer(server.url)
    reader = LayeredCache([MemoryLayer(), reader_layer])
    try:
        writer.set("v1:ns:zone:x", {"url": "https://a"}, ttl=120)
        entry = reader.lookup("v1:ns:zone:x")
        assert entry is not None and entry.value == {"url": "https://a"}
        assert 110 < entry.expires_at - time.time() <= 120  # re-stamped on the reader's clock
        raw = reader_layer.get_with_ttl("v1:ns:zone:x")
        assert raw is not None and raw[1] is not None and 110 < raw[1] <= 120
    finally:
        writer.close()
        reader.close()


class MonotonicClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_round_trip_with_native_expiry_and_our_prefix(server: RedisServer) -> None:
    layer = RedisLayer(server.url)
    cache = LayeredCache([layer])
    direct = server.client()
    try:
        cache.set("v1:ns:fields:tickets", {"fields": ["id"]}, ttl=120)
        assert cache.get("v1:ns:fields:tickets") == {"fields": ["id"]}
        assert 110_000 < direct.pttl("py-autotask:v1:ns:fields:tickets") <= 120_000
        direct.set("someone-else:key", b"x")
        cache.set("v1:other:info:tickets", 1, ttl=60)
        cache.clear(prefix="v1:ns:")
        assert cache.get("v1:ns:fields:tickets") is None
        assert cache.get("v1:other:info:tickets") == 1
        cache.clear()
        assert direct.keys("py-autotask:*") == []
        assert direct.get("someone-else:key") == b"x"  # never FLUSHDB a shared Redis
    finally:
        cache.close()
        direct.close()


def test_a_redis_hit_fills_memory_and_disk(server: RedisServer, tmp_path: Path) -> None:
    writer = LayeredCache([MemoryLayer(), RedisLayer(server.url)])
    writer.set("k", {"zone": "webservices5"}, ttl=300)
    memory, disk = MemoryLayer(), DiskLayer(tmp_path / "other-machine")
    reader = LayeredCache([memory, disk, RedisLayer(server.url)])
    try:
        assert reader.get("k") == {"zone": "webservices5"}
        assert reader.stats()["hits"] == {"memory": 0, "disk": 0, "redis": 1}
        assert len(memory) == 1 and disk.path_for("k").exists()
        assert reader.get("k") == {"zone": "webservices5"}
        assert reader.stats()["hits"]["memory"] == 1
    finally:
        writer.close()
        reader.close()


def test_killing_redis_mid_run_costs_one_warning_and_no_errors(
    server: RedisServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = MonotonicClock()
    redis_layer = RedisLayer(server.url, retry_after=30.0, clock=clock)
    cache = LayeredCache([MemoryLayer(), DiskLayer(tmp_path / "disk"), redis_layer])
    try:
        for index in range(5):
            cache.set(f"k{index}", {"i": index}, ttl=600)
        server.kill()

        with caplog.at_level(logging.DEBUG, logger="py_autotask.cache"):
            started = time.perf_counter()
            for index in range(5):
                assert cache.get(f"k{index}") == {"i": index}  # from memory
            for index in range(5, 200):
                cache.set(f"k{index}", {"i": index}, ttl=600)
                assert cache.get(f"k{index}") == {"i": index}
            assert cache.get_or_set("fresh", 600, lambda: "computed") == "computed"
            cache.delete("k0")
            cache.clear(prefix="nothing:")
            elapsed = time.perf_counter() - started
        # A second process start (empty memory) is still served from disk.
        assert LayeredCache([MemoryLayer(), DiskLayer(tmp_path / "disk"), redis_layer]).get("k7") == {"i": 7}

        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1, [r.getMessage() for r in warnings]
        message = warnings[0].getMessage()
        assert "cache layer redis unavailable" in message and "continuing with memory, disk" in message
        assert all(r.exc_info is None for r in caplog.records)  # no traceback spam
        assert PASSWORD not in caplog.text and PASSWORD not in repr(redis_layer)
        assert elapsed < 1.0  # a dead Redis is skipped during its back-off, not probed on every call
        assert cache.stats()["errors"]["redis"] == 1

        # Restart Redis (empty): nothing is sent to it until the back-off has passed …
        server.start()
        cache.set("after-restart", 1, ttl=600)
        direct = server.client()
        try:
            assert direct.keys("py-autotask:*") == []
            clock.now += 30.0
            with caplog.at_level(logging.INFO, logger="py_autotask.cache"):
                cache.set("after-backoff", 2, ttl=600)
            assert direct.exists("py-autotask:after-backoff") == 1
            assert "cache layer redis is reachable again" in caplog.text
            fresh_reader = LayeredCache([RedisLayer(server.url)])
            assert fresh_reader.get("after-backoff") == 2
            fresh_reader.close()
        finally:
            direct.close()
        assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1
    finally:
        cache.close()


def test_redis_that_was_never_there_costs_milliseconds(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0"
    with caplog.at_level(logging.WARNING, logger="py_autotask.cache"):
        cache = cache_from_env({"AUTOTASK_REDIS_URL": url, "AUTOTASK_CACHE_DIR": str(tmp_path)})
        assert [layer.name for layer in cache.layers] == ["memory", "disk", "redis"]
        started = time.perf_counter()
        cache.set("k", 1, ttl=60)
        assert cache.get("k") == 1
        assert time.perf_counter() - started < 0.5
    cache.close()
    assert len(caplog.records) == 1
    assert PASSWORD not in caplog.text
    assert "redis://***@127.0.0.1" in caplog.text


def test_a_wrong_password_is_a_failover_not_an_error(
    server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = server.url.replace(PASSWORD, "not-the-password")
    cache = LayeredCache([MemoryLayer(), RedisLayer(wrong)])
    with caplog.at_level(logging.WARNING, logger="py_autotask.cache"):
        cache.set("k", 1, ttl=60)
        assert cache.get("k") == 1
    cache.close()
    assert len(caplog.records) == 1
    assert "not-the-password" not in caplog.text
