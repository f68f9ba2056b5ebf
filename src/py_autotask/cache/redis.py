"""Redis cache layer, shared by every machine that points at the same server.

* Configured by URL (`redis://`, `rediss://` for TLS, `unix://`), password and database included; the URL
  is never logged or shown with its password.
* `redis` is an optional extra (`pip install 'py-autotask[redis]'`): it is imported only when a layer is
  built, so `import py_autotask.cache` works without it.
* A dead Redis must cost milliseconds, not seconds: short socket timeouts, one immediate reconnect
  attempt (which also heals a pooled connection broken by a Redis restart) and no backoff inside
  redis-py. After a failure the layer reports itself unavailable for `retry_after` seconds, so a down
  server is not probed on every call; then the next call tries again.
* Expiry is native (`SET … PX`), so Redis drops entries by itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from .base import CacheLayer, CacheLayerError, redact_url

__all__ = [
    "REDIS_CONNECT_TIMEOUT_SECONDS",
    "REDIS_KEY_PREFIX",
    "REDIS_RETRY_AFTER_SECONDS",
    "REDIS_SOCKET_TIMEOUT_SECONDS",
    "REDIS_URL_ENV",
    "RedisLayer",
]

#: Environment variable holding the Redis URL.
REDIS_URL_ENV = "AUTOTASK_REDIS_URL"
#: Prefix of every key we write, so a shared Redis can tell (and SCAN) ours apart.
REDIS_KEY_PREFIX = "py-autotask:"
#: Seconds to wait for a connection to Redis.
REDIS_CONNECT_TIMEOUT_SECONDS = 0.25
#: Seconds to wait for a Redis reply on an open connection.
REDIS_SOCKET_TIMEOUT_SECONDS = 0.5
#: After a failure, seconds during which the layer is skipped before Redis is probed again.
REDIS_RETRY_AFTER_SECONDS = 30.0

_SCAN_BATCH = 500
_GLOB_SPECIALS = str.maketrans({c: "\\" + c for c in "*?[]\\"})


class RedisLayer(CacheLayer):
    """Byte store in Redis with native expiry and a back-off after failures."""

    name = "redis"

    def __init__(
        self,
        url: str,
        *,
        key_prefix: str = REDIS_KEY_PREFIX,
        connect_timeout: float = REDIS_CONNECT_TIMEOUT_SECONDS,
        socket_timeout: float = REDIS_SOCKET_TIMEOUT_SECONDS,
        retry_after: float = REDIS_RETRY_AFTER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        try:
            import redis
            from redis.backoff import NoBackoff
            from redis.retry import Retry
        except ImportError:
            raise CacheLayerError(
                "a Redis URL is configured but the 'redis' package is not installed "
                "(pip install 'py-autotask[redis]')"
            ) from None
        self._display_url = redact_url(url)
        self._prefix = key_prefix
        self._retry_after = retry_after
        self._clock = clock
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._down_until: float | None = None
        self._errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        try:
            self._client: Any = redis.Redis.from_url(
                url,
                socket_connect_timeout=connect_timeout,
                socket_timeout=socket_timeout,
                retry=Retry(NoBackoff(), 1),
                health_check_interval=0,
            )
        except ValueError as exc:
            raise CacheLayerError(f"invalid Redis URL {self._display_url}: {redact_url(str(exc))}") from None

    def __repr__(self) -> str:
        return f"RedisLayer({self._display_url!r})"

    def available(self) -> bool:
        """False during the back-off after a failure."""
        with self._lock:
            return self._down_until is None or self._clock() >= self._down_until

    def get(self, key: str) -> bytes | None:
        """Return the stored record, or None."""
        data = self._call(self._client.get, self._prefix + key)
        return bytes(data) if data is not None else None

    def get_with_ttl(self, key: str) -> tuple[bytes, float | None] | None:
        """The record and its remaining lifetime by Redis's own clock (GET + PTTL in one round trip)."""

        def read() -> tuple[Any, Any]:
            pipe = self._client.pipeline(transaction=False)
            pipe.get(self._prefix + key)
            pipe.pttl(self._prefix + key)
            data, ttl_ms = pipe.execute()
            return data, ttl_ms

        data, ttl_ms = self._call(read)
        if data is None:
            return None
        # PTTL is -1 for a key without expiry (written by someone else): then trust the record's stamp.
        return bytes(data), (ttl_ms / 1000 if isinstance(ttl_ms, int) and ttl_ms >= 0 else None)

    def set(self, key: str, data: bytes, expires_at: float) -> None:
        """Store a record with a Redis-side expiry."""
        ttl_ms = int((expires_at - self._wall_clock()) * 1000)
        if ttl_ms <= 0:
            return
        self._call(self._client.set, self._prefix + key, data, px=ttl_ms)

    def delete(self, key: str) -> None:
        """Remove a key if present."""
        self._call(self._client.delete, self._prefix + key)

    def clear(self, prefix: str | None = None) -> None:
        """Remove our keys (or those starting with `prefix`) with SCAN + DEL, never FLUSHDB."""
        pattern = (self._prefix + (prefix or "")).translate(_GLOB_SPECIALS) + "*"

        def clear_matching() -> None:
            batch: list[Any] = []
            for name in self._client.scan_iter(match=pattern, count=_SCAN_BATCH):
                batch.append(name)
                if len(batch) >= _SCAN_BATCH:
                    self._client.delete(*batch)
                    batch.clear()
            if batch:
                self._client.delete(*batch)

        self._call(clear_matching)

    def ping(self) -> bool:
        """Return True if Redis answers now (ignores and does not start the back-off)."""
        try:
            return bool(self._client.ping())
        except self._errors:
            return False

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def _call(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self.available():
            raise CacheLayerError("Redis is unavailable (backing off)")
        try:
            result = func(*args, **kwargs)
        except self._errors as exc:
            with self._lock:
                self._down_until = self._clock() + self._retry_after
            raise CacheLayerError(
                f"Redis at {self._display_url} failed ({type(exc).__name__}: {redact_url(str(exc))}); "
                f"skipping it for {self._retry_after:g}s"
            ) from None
        with self._lock:
            self._down_until = None
        return result
