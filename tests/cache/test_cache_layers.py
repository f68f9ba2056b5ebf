"""Memory and disk layers on their own, and through a LayeredCache with only that layer."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest

from py_autotask.cache import CacheLayerError, DiskLayer, Entry, LayeredCache, MemoryLayer, default_cache_dir
from py_autotask.cache.disk import ENTRIES_SUBDIR


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def test_memory_round_trip_and_isolation() -> None:
    cache = LayeredCache([MemoryLayer()])
    value = {"fields": [{"name": "id", "isRequired": True}], "n": 1.5, "none": None}
    cache.set("k", value, ttl=60)
    got = cache.get("k")
    assert got == value
    got["fields"].append("mutated")  # a caller changing its copy must not change the cache
    assert cache.get("k") == value
    assert cache.get("missing") is None


def test_memory_expiry() -> None:
    clock = FakeClock()
    layer = MemoryLayer(clock=clock)
    cache = LayeredCache([layer], clock=clock)
    cache.set("k", [1, 2], ttl=10)
    clock.now += 9.9
    assert cache.get("k") == [1, 2]
    clock.now += 0.1
    assert cache.get("k") is None
    assert len(layer) == 0


def test_memory_evicts_least_recently_used() -> None:
    layer = MemoryLayer(max_entries=3)
    cache = LayeredCache([layer])
    for key in "abc":
        cache.set(key, key, ttl=60)
    assert cache.get("a") == "a"  # touch a: b is now the oldest
    cache.set("d", "d", ttl=60)
    assert [cache.get(k) for k in "abcd"] == ["a", None, "c", "d"]

    small = MemoryLayer(max_bytes=300)
    cache = LayeredCache([small])
    cache.set("x", "x" * 100, ttl=60)
    cache.set("y", "y" * 100, ttl=60)
    cache.set("z", "z" * 100, ttl=60)
    assert cache.get("x") is None and cache.get("z") == "z" * 100


def test_values_must_be_plain_json() -> None:
    import datetime

    cache = LayeredCache([MemoryLayer()])
    with pytest.raises(TypeError):
        cache.set("k", {"when": datetime.datetime(2024, 1, 1)}, ttl=60)
    with pytest.raises(TypeError):
        cache.set("k", {1, 2}, ttl=60)
    with pytest.raises(ValueError):
        cache.set("k", 1, ttl=0)
    with pytest.raises(ValueError):
        cache.set("k", 1, ttl=float("inf"))


def test_disk_round_trip_survives_a_new_process(tmp_path: Path) -> None:
    LayeredCache([DiskLayer(tmp_path)]).set("v1:ns:fields:tickets", {"fields": ["id"]}, ttl=3600)
    fresh = LayeredCache([DiskLayer(tmp_path)])  # what a second process start sees
    assert fresh.get("v1:ns:fields:tickets") == {"fields": ["id"]}
    assert fresh.lookup("v1:ns:fields:tickets").ttl == 3600


def test_disk_directory_and_files_are_private_even_with_a_loose_umask(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    old = os.umask(0)
    try:
        layer = DiskLayer(root)
        LayeredCache([layer]).set("k", "v", ttl=60)
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(root).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(layer.directory).st_mode) == 0o700
    files = list(layer.directory.iterdir())
    assert len(files) == 1
    assert stat.S_IMODE(os.stat(files[0]).st_mode) == 0o600


def test_disk_tightens_an_existing_loose_entries_directory(tmp_path: Path) -> None:
    (tmp_path / ENTRIES_SUBDIR).mkdir(mode=0o755)
    os.chmod(tmp_path / ENTRIES_SUBDIR, 0o755)
    DiskLayer(tmp_path)
    assert stat.S_IMODE(os.stat(tmp_path / ENTRIES_SUBDIR).st_mode) == 0o700


def test_disk_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    layer = DiskLayer(tmp_path)
    cache = LayeredCache([layer])
    for index in range(20):
        cache.set("same-key", {"i": index}, ttl=60)
    assert [p.name.startswith(".tmp-") for p in layer.directory.iterdir()] == [False]
    assert cache.get("same-key") == {"i": 19}


@pytest.mark.parametrize(
    "garbage",
    [b"", b"{not json", b'{"k": "other"}', b"[1, 2, 3]", b'{"k": "key", "e": "soon", "t": 1, "v": 1}'],
)
def test_a_corrupt_file_is_a_miss_and_is_removed(tmp_path: Path, garbage: bytes) -> None:
    layer = DiskLayer(tmp_path)
    cache = LayeredCache([layer])
    cache.set("key", {"ok": True}, ttl=60)
    path = layer.path_for("key")
    expiry = path.stat().st_mtime
    path.write_bytes(garbage)
    os.utime(path, (expiry, expiry))  # keep the expiry stamp, so only the content is wrong
    assert cache.get("key") is None
    assert not path.exists()
    assert cache.get_or_set("key", 60, lambda: {"ok": "again"}) == {"ok": "again"}
    assert Entry.decode(path.read_bytes()).value == {"ok": "again"}


def test_disk_expiry_and_prune(tmp_path: Path) -> None:
    clock = FakeClock()
    layer = DiskLayer(tmp_path, clock=clock)
    cache = LayeredCache([layer], clock=clock)
    cache.set("short", 1, ttl=10)
    cache.set("long", 2, ttl=1000)
    clock.now += 11
    assert cache.get("short") is None
    assert not layer.path_for("short").exists()
    cache.set("short2", 3, ttl=10)
    clock.now += 11
    assert layer.prune() == 1
    assert sorted(p.name for p in layer.directory.iterdir()) == [layer.path_for("long").name]
    assert cache.get("long") == 2


def test_disk_clear_by_prefix(tmp_path: Path) -> None:
    layer = DiskLayer(tmp_path)
    cache = LayeredCache([layer])
    for key in ("v1:aaa:fields:tickets", "v1:aaa:info:tickets", "v1:bbb:fields:tickets"):
        cache.set(key, key, ttl=60)
    cache.clear(prefix="v1:aaa:")
    assert cache.get("v1:aaa:fields:tickets") is None
    assert cache.get("v1:aaa:info:tickets") is None
    assert cache.get("v1:bbb:fields:tickets") == "v1:bbb:fields:tickets"
    cache.clear()
    assert list(layer.directory.iterdir()) == []


def test_default_cache_dir_honours_the_environment(tmp_path: Path) -> None:
    assert default_cache_dir({"AUTOTASK_CACHE_DIR": str(tmp_path)}) == tmp_path
    assert default_cache_dir({}).name == "py-autotask"


def test_a_broken_disk_layer_falls_back_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    disk = DiskLayer(tmp_path)
    cache = LayeredCache([MemoryLayer(), disk])
    cache.set("before", 1, ttl=60)
    shutil.rmtree(disk.directory)
    disk.directory.write_text("a file where the directory was")  # every disk operation now fails
    with caplog.at_level("DEBUG", logger="py_autotask.cache"):
        for index in range(10):
            cache.set(f"k{index}", index, ttl=60)
            assert cache.get(f"k{index}") == index
        assert cache.get("before") == 1
        assert cache.get_or_set("new", 60, lambda: "made") == "made"
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1
    assert "cache layer disk unavailable" in warnings[0].getMessage()
    assert "continuing with memory" in warnings[0].getMessage()
    assert all(r.exc_info is None for r in caplog.records)
    assert cache.stats()["errors"]["disk"] >= 10


def test_a_symlinked_or_foreign_entries_directory_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "attacker"
    elsewhere.mkdir()
    root = tmp_path / "root"
    root.mkdir()
    (root / ENTRIES_SUBDIR).symlink_to(elsewhere)
    with pytest.raises(CacheLayerError, match="not a directory"):
        DiskLayer(root)
    if os.geteuid() != 0:
        return  # handing a directory to another user needs root
    other = tmp_path / "other"
    (other / ENTRIES_SUBDIR).mkdir(parents=True, mode=0o700)
    os.chown(other / ENTRIES_SUBDIR, 65534, 65534)
    with pytest.raises(CacheLayerError, match="belongs to another user"):
        DiskLayer(other)


def test_prune_ignores_entries_another_process_removed_meanwhile(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # Processes share the cache directory; one may delete an expired entry while another's prune has it listed.
    # That entry is gone either way: the prune goes on, and the disk layer stays in use.
    clock = FakeClock()
    layer = DiskLayer(tmp_path, clock=clock)
    cache = LayeredCache([layer], clock=clock)
    for key in ("a", "b", "c"):
        cache.set(key, key, ttl=10)
    clock.now += 11
    listing = os.scandir

    def listed_then_removed(path: Any) -> Any:
        entries = list(listing(path))
        os.unlink(layer.path_for("b"))  # the other process, between the listing and the look at each file
        return contextlib.nullcontext(iter(entries))

    monkeypatch.setattr(os, "scandir", listed_then_removed)
    assert layer.prune() == 2
    monkeypatch.undo()
    assert list(layer.directory.iterdir()) == []
