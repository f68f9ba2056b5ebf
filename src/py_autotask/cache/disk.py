"""On-disk cache layer: one JSON file per key in the user cache directory, private to the owner.

* Location: `AUTOTASK_CACHE_DIR`, else `platformdirs.user_cache_dir("py-autotask")`; entries live in a
  versioned subdirectory so a future format can sit next to this one.
* The directories are 0700 (an existing root chosen by the user is left as it is; the entries directory
  is always tightened) and every file 0600 (created by `mkstemp`, which opens them that way), so other
  users on the machine cannot read tenant metadata.
* File names are the sha256 of the key: keys never appear in names, and any key is a safe name.
* Writes are atomic (temporary file + `os.replace`), so a reader sees the old record or the new one,
  never half of one. A file's mtime is set to its expiry, so pruning expired files needs only `stat`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import platformdirs

from .base import CacheLayer, CacheLayerError, CorruptEntryError, Entry

__all__ = ["CACHE_DIR_ENV", "ENTRIES_SUBDIR", "DiskLayer", "default_cache_dir"]

#: Environment variable overriding the cache directory.
CACHE_DIR_ENV = "AUTOTASK_CACHE_DIR"
#: Subdirectory holding this format's entries.
ENTRIES_SUBDIR = "entries-v1"
#: Temporary files older than this are leftovers of a crashed writer and are removed when pruning.
STALE_TEMP_SECONDS = 600.0

_SUFFIX = ".json"
_TEMP_PREFIX = ".tmp-"


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """Return `AUTOTASK_CACHE_DIR` if set, else the platform's user cache directory for py-autotask."""
    env = os.environ if env is None else env
    override = env.get(CACHE_DIR_ENV, "").strip()
    return Path(override).expanduser() if override else Path(platformdirs.user_cache_dir("py-autotask"))


class DiskLayer(CacheLayer):
    """Byte store of one private file per key, shared by every process of the same user."""

    name = "disk"

    def __init__(
        self, directory: str | os.PathLike[str] | None = None, *, clock: Callable[[], float] = time.time
    ):
        self.root = Path(directory).expanduser() if directory is not None else default_cache_dir()
        self.directory = self.root / ENTRIES_SUBDIR
        self._clock = clock
        try:
            # The root may be a directory the user chose (even their home): create it private, but only
            # tighten the entries directory, which is ours alone.
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
            _ensure_private_dir(self.directory)
        except OSError as exc:
            raise CacheLayerError(f"cache directory {self.root} is unusable: {exc.strerror or exc}") from None
        # Expired entries are pruned before this layer's first write, not here: a process that only reads
        # (most starts, once the zone and metadata are cached) never scans the directory.
        self._pruned = False

    def __repr__(self) -> str:
        return f"DiskLayer({str(self.root)!r})"

    def path_for(self, key: str) -> Path:
        """Return the file that holds `key`."""
        return self.directory / (hashlib.sha256(key.encode()).hexdigest()[:40] + _SUFFIX)

    def get(self, key: str) -> bytes | None:
        """Return the file's bytes, or None if absent or expired (an expired file is removed)."""
        path = self.path_for(key)
        try:
            if os.stat(path).st_mtime <= self._clock():
                _unlink(path)
                return None
            return path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise CacheLayerError(f"reading {path.name} failed: {exc.strerror or exc}") from None

    def set(self, key: str, data: bytes, expires_at: float) -> None:
        """Write the record atomically into a 0600 file whose mtime is its expiry."""
        if not self._pruned:
            self._pruned = True
            self.prune()
        path = self.path_for(key)
        temp: str | None = None
        try:
            fd, temp = tempfile.mkstemp(dir=self.directory, prefix=_TEMP_PREFIX, suffix=_SUFFIX)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.utime(temp, (self._clock(), expires_at))
            os.replace(temp, path)
            temp = None
        except OSError as exc:
            raise CacheLayerError(f"writing {path.name} failed: {exc.strerror or exc}") from None
        finally:
            if temp is not None:
                _unlink(Path(temp))

    def delete(self, key: str) -> None:
        """Remove a key's file if present."""
        try:
            _unlink(self.path_for(key))
        except OSError as exc:
            raise CacheLayerError(f"deleting a cache file failed: {exc.strerror or exc}") from None

    def clear(self, prefix: str | None = None) -> None:
        """Remove every entry, or those whose key starts with `prefix` (unreadable files go too)."""
        try:
            for path in self._files():
                if prefix is not None:
                    key = _key_of(path)
                    if key is not None and not key.startswith(prefix):
                        continue
                _unlink(path)
        except OSError as exc:
            raise CacheLayerError(f"clearing the cache failed: {exc.strerror or exc}") from None

    def prune(self) -> int:
        """Remove expired entries and stale temporary files; return how many files went."""
        now = self._clock()
        removed = 0
        try:
            with os.scandir(self.directory) as entries:
                for item in entries:
                    try:
                        if not item.is_file(follow_symlinks=False):
                            continue
                        mtime = item.stat(follow_symlinks=False).st_mtime
                    except FileNotFoundError:
                        continue  # another process sharing the directory removed it since the listing
                    stale_temp = item.name.startswith(_TEMP_PREFIX) and mtime < now - STALE_TEMP_SECONDS
                    expired = item.name.endswith(_SUFFIX) and not item.name.startswith(_TEMP_PREFIX)
                    if stale_temp or (expired and mtime <= now):
                        _unlink(Path(item.path))
                        removed += 1
        except OSError as exc:
            raise CacheLayerError(f"pruning the cache failed: {exc.strerror or exc}") from None
        return removed

    def _files(self) -> list[Path]:
        return [p for p in self.directory.glob("*" + _SUFFIX) if not p.name.startswith(_TEMP_PREFIX)]


def _key_of(path: Path) -> str | None:
    """Return the key recorded in a cache file, or None if it cannot be read as a record."""
    try:
        return Entry.decode(path.read_bytes()).key
    except (OSError, CorruptEntryError):
        return None


def _ensure_private_dir(path: Path) -> None:
    """Create `path` as 0700, or accept an existing one only if it is a real directory of ours (tightened)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name != "posix":
        return
    # Cached zone URLs decide where credentials go, so the entries must be ours alone: no symlink, no
    # directory planted by another user, no parent in which another user could swap the directory.
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode):
        raise NotADirectoryError(f"{path} is not a directory")
    if info.st_uid != os.getuid():
        raise PermissionError(f"{path} belongs to another user")
    if stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(path, 0o700)
    parent = os.stat(path.parent)
    others_can_swap = parent.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not parent.st_mode & stat.S_ISVTX
    if others_can_swap and parent.st_uid != os.getuid():
        raise PermissionError(f"{path.parent} is writable by other users")


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
