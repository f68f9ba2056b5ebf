"""In-process cache layer: an LRU of encoded records, bounded by entry count and total bytes.

Records stay encoded so every read hands out a fresh copy: a caller mutating a returned dict cannot
change what the next caller sees.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from .base import CacheLayer

__all__ = ["DEFAULT_MEMORY_MAX_BYTES", "DEFAULT_MEMORY_MAX_ENTRIES", "MemoryLayer"]

#: Most entries the memory layer keeps before evicting the least recently used.
DEFAULT_MEMORY_MAX_ENTRIES = 4096
#: Most bytes (encoded records) the memory layer keeps before evicting the least recently used.
DEFAULT_MEMORY_MAX_BYTES = 64 * 1024 * 1024


class MemoryLayer(CacheLayer):
    """Thread-safe LRU byte store living as long as the process."""

    name = "memory"

    def __init__(
        self,
        *,
        max_entries: int = DEFAULT_MEMORY_MAX_ENTRIES,
        max_bytes: int = DEFAULT_MEMORY_MAX_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._clock = clock
        self._lock = threading.Lock()
        self._items: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str) -> bytes | None:
        """Return the record if present and not expired (an expired one is dropped)."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            expires_at, data = item
            if expires_at <= self._clock():
                self._drop(key)
                return None
            self._items.move_to_end(key)
            return data

    def set(self, key: str, data: bytes, expires_at: float) -> None:
        """Store a record, evicting least recently used ones past the size bounds."""
        if len(data) > self.max_bytes:
            return  # would evict everything else and still not fit
        with self._lock:
            self._drop(key)
            self._items[key] = (expires_at, data)
            self._bytes += len(data)
            while len(self._items) > self.max_entries or self._bytes > self.max_bytes:
                self._drop(next(iter(self._items)))

    def delete(self, key: str) -> None:
        """Remove a key if present."""
        with self._lock:
            self._drop(key)

    def clear(self, prefix: str | None = None) -> None:
        """Remove every key, or those starting with `prefix`."""
        with self._lock:
            doomed = [k for k in self._items if prefix is None or k.startswith(prefix)]
            for key in doomed:
                self._drop(key)

    def _drop(self, key: str) -> None:
        item = self._items.pop(key, None)
        if item is not None:
            self._bytes -= len(item[1])
