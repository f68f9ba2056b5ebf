"""LayeredCache: promotion, expiry across layers, get_or_set, keys, configuration from the environment."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from py_autotask._exceptions import ConfigurationError
from py_autotask.cache import (
    DiskLayer,
    LayeredCache,
    MemoryLayer,
    cache_from_env,
    metadata_key,
    namespace_prefix,
    request_key,
    request_prefix,
    tenant_namespace,
    zone_key,
)

SRC = Path(__file__).resolve().parents[2] / "src"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_disk_hit_is_promoted_to_memory_with_its_original_expiry(tmp_path: Path) -> None:
    clock = FakeClock()
    LayeredCache([DiskLayer(tmp_path, clock=clock)], clock=clock).set("k", {"v": 1}, ttl=100)
    clock.now += 40
    memory = MemoryLayer(clock=clock)
    cache = LayeredCache([memory, DiskLayer(tmp_path, clock=clock)], clock=clock)
    assert len(memory) == 0
    entry = cache.lookup("k")
    assert entry is not None and entry.value == {"v": 1}
    assert entry.expires_at == 1_700_000_100.0
    assert len(memory) == 1
    assert cache.get("k") == {"v": 1}
    assert cache.stats()["hits"] == {"memory": 1, "disk": 1}
    clock.now += 60  # the promoted copy expires when the original does, not 100 s after promotion
    assert cache.get("k") is None
    assert cache.stats()["misses"] == 1


def test_get_or_set_calls_the_factory_once_and_force_refreshes() -> None:
    cache = LayeredCache([MemoryLayer()])
    calls = []

    def factory() -> list[int]:
        calls.append(1)
        return [len(calls)]

    assert cache.get_or_set("k", 60, factory) == [1]
    assert cache.get_or_set("k", 60, factory) == [1]
    assert cache.get_or_set("k", 60, factory, force=True) == [2]
    assert cache.get("k") == [2]
    assert len(calls) == 2


def test_get_or_set_caches_none_and_not_exceptions() -> None:
    cache = LayeredCache([MemoryLayer()])
    calls = []
    assert cache.get_or_set("none", 60, lambda: calls.append(1)) is None
    assert cache.get_or_set("none", 60, lambda: calls.append(1)) is None
    assert len(calls) == 1

    def failing() -> None:
        raise RuntimeError("API down")

    with pytest.raises(RuntimeError):
        cache.get_or_set("bad", 60, failing)
    assert cache.lookup("bad") is None


def test_concurrent_get_or_set_runs_one_factory_per_key() -> None:
    cache = LayeredCache([MemoryLayer()])
    calls = []
    results = []

    def slow_factory() -> dict[str, int]:
        calls.append(1)
        time.sleep(0.05)
        return {"fields": 42}

    def reader() -> None:
        results.append(cache.get_or_set("fields", 60, slow_factory))

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert results == [{"fields": 42}] * 8
    assert len(calls) == 1


def test_delete_and_clear_reach_every_layer(tmp_path: Path) -> None:
    disk = DiskLayer(tmp_path)
    cache = LayeredCache([MemoryLayer(), disk])
    cache.set("a", 1, ttl=60)
    cache.set("b", 2, ttl=60)
    cache.delete("a")
    assert cache.get("a") is None
    assert LayeredCache([disk]).get("a") is None
    cache.clear()
    assert cache.get("b") is None
    assert list(disk.directory.iterdir()) == []


def test_caching_off_calls_the_factory_every_time() -> None:
    cache = cache_from_env({"AUTOTASK_CACHE": "off"})
    assert not cache.enabled
    cache.set("k", 1, ttl=60)
    assert cache.get("k") is None
    assert [cache.get_or_set("k", 60, lambda: "fresh") for _ in range(2)] == ["fresh", "fresh"]


def test_tenant_namespace_hashes_and_separates_tenants() -> None:
    ns = tenant_namespace("https://webservices5.autotask.net/ATServicesRest/", "Api@Example.com", "CODE1")
    assert len(ns) == 24 and int(ns, 16) >= 0
    assert ns == tenant_namespace(
        "https://WEBSERVICES5.autotask.net/ATServicesRest", "api@example.com ", "CODE1"
    )
    others = {
        tenant_namespace("https://webservices2.autotask.net/ATServicesRest/", "api@example.com", "CODE1"),
        tenant_namespace("https://webservices5.autotask.net/ATServicesRest/", "other@example.com", "CODE1"),
        tenant_namespace("https://webservices5.autotask.net/ATServicesRest/", "api@example.com", "CODE2"),
    }
    assert ns not in others and len(others) == 3
    key = metadata_key(ns, "fields", "Tickets")
    assert key == f"v1:{ns}:fields:tickets"
    assert key.startswith(namespace_prefix(ns))
    with pytest.raises(ValueError):
        metadata_key(ns, "picklists", "Tickets")
    assert "api" not in zone_key("api@example.com") and zone_key("API@example.com") == zone_key(
        "api@example.com"
    )


def test_request_keys_ignore_body_key_order() -> None:
    ns = "0" * 24
    body_a = {"filter": [{"op": "gt", "field": "id", "value": 0}], "MaxRecords": 500}
    body_b = {"MaxRecords": 500, "filter": [{"value": 0, "field": "id", "op": "gt"}]}
    key = request_key(ns, "Tickets", "post", "https://h/V1.0/Tickets/query", body_a)
    assert key == request_key(ns, "Tickets", "POST", "https://h/V1.0/Tickets/query", body_b)
    assert key.startswith(request_prefix(ns, "Tickets"))
    assert key != request_key(ns, "Tickets", "POST", "https://h/V1.0/Tickets/query", {"MaxRecords": 10})


def test_no_username_or_integration_code_in_keys_or_files(tmp_path: Path) -> None:
    username, code = "alice.sensitive@customer.example", "INTEGRATIONCODESECRET42"
    ns = tenant_namespace("https://webservices5.autotask.net/ATServicesRest/", username, code)
    cache = cache_from_env({"AUTOTASK_CACHE_DIR": str(tmp_path), "AUTOTASK_CACHE": "memory,disk"})
    keys = [zone_key(username), metadata_key(ns, "fields", "Tickets"), request_key(ns, "Tickets", "GET", "u")]
    for key in keys:
        cache.set(key, {"fields": ["id", "title"]}, ttl=60)
        assert username.lower() not in key.lower() and code.lower() not in key.lower()
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) == 3
    for path in files:
        content = path.read_bytes().lower()
        assert username.lower().encode() not in content
        assert code.lower().encode() not in content
        assert b"alice" not in path.name.encode()


def test_cache_from_env_layers(tmp_path: Path) -> None:
    default = cache_from_env({"AUTOTASK_CACHE_DIR": str(tmp_path)})
    assert [layer.name for layer in default.layers] == ["memory", "disk"]
    assert [layer.name for layer in cache_from_env({"AUTOTASK_CACHE": "memory"}).layers] == ["memory"]
    listed = cache_from_env({"AUTOTASK_CACHE": "disk + memory", "AUTOTASK_CACHE_DIR": str(tmp_path)})
    assert [layer.name for layer in listed.layers] == ["memory", "disk"]
    for word in ("off", "0", "FALSE", "none"):
        assert cache_from_env({"AUTOTASK_CACHE": word}).layers == ()
    with pytest.raises(ConfigurationError, match="memroy"):
        cache_from_env({"AUTOTASK_CACHE": "memroy,disk"})


def test_redis_asked_for_without_a_url_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="py_autotask.cache"):
        cache = cache_from_env({"AUTOTASK_CACHE": "memory,redis"})
    assert [layer.name for layer in cache.layers] == ["memory"]
    assert len(caplog.records) == 1
    assert "AUTOTASK_REDIS_URL is not set" in caplog.records[0].getMessage()


def test_an_unusable_cache_dir_leaves_the_disk_layer_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with caplog.at_level("WARNING", logger="py_autotask.cache"):
        cache = cache_from_env({"AUTOTASK_CACHE_DIR": str(blocker / "sub")})
    assert [layer.name for layer in cache.layers] == ["memory"]
    assert len(caplog.records) == 1 and "cache layer disk left out" in caplog.records[0].getMessage()
    cache.set("k", 1, ttl=60)
    assert cache.get("k") == 1


def test_the_package_imports_and_works_without_redis_installed(tmp_path: Path) -> None:
    script = f"""
import logging, sys
sys.modules["redis"] = None  # as if the optional extra were not installed
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
import py_autotask.cache as cache_pkg
cache = cache_pkg.cache_from_env({{"AUTOTASK_REDIS_URL": "redis://:hunter2pass@127.0.0.1:1/0",
                                   "AUTOTASK_CACHE_DIR": {str(tmp_path)!r}}})
cache.set("k", {{"a": 1}}, ttl=60)
assert cache.get("k") == {{"a": 1}}
print([layer.name for layer in cache.layers])
"""
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['memory', 'disk']"
    warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING")]
    assert len(warnings) == 1
    assert "redis' package is not installed" in warnings[0]
    assert "hunter2pass" not in result.stderr
