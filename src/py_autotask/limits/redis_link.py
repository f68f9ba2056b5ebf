"""One process's line to the Redis that holds the shared limits: scripts, up/down state, and one helper thread.

A process has one `RedisLink` per Redis URL (`link_for(url)`), shared by every client, limiter and budget
in it. The link:
* runs the Lua scripts of `lua.py` (each acquire, release or budget decision is one EVALSHA);
* knows whether Redis answers. The first failure marks it down and logs ONE warning for the outage
  (the URL's password redacted); while down nobody calls Redis — limiters and budgets fall back to
  their local, conservative limits — and the helper thread probes it every `retry_after` seconds; when
  it answers again the link is up and the limits are shared again (logged at INFO);
* owns the helper thread, which blocks on this process's wake-up list (`BLPOP`, so waiting costs no
  polling), hands each grant to the thread or task waiting for it, renews the leases of the slots this
  process holds every `lease / 3` seconds, and runs the registered heartbeats;
* owns a small thread pool for the async clients' Redis calls, so a slow Redis never stalls an event loop;
* starts afresh in a forked child (a Celery prefork worker): new process id, thread and pool.

Nothing here knows about endpoints or budgets; `shared_slots.py` and `shared_budget.py` use it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..cache.base import redact_url
from .lua import ACQUIRE, BUDGET, RELEASE, RENEW

__all__ = [
    "KEY_PREFIX",
    "LEASE_SECONDS",
    "POLL_SECONDS",
    "RETRY_AFTER_SECONDS",
    "RedisDown",
    "RedisLink",
    "close_link",
    "link_for",
]

logger = logging.getLogger("py_autotask.limits")

#: Prefix of every key the shared limits write (the cache uses `py-autotask:` + its own namespaces).
KEY_PREFIX = "py-autotask:limits:"
#: A slot's lease: a process killed with -9 stops renewing, and its slots are free again this much later.
LEASE_SECONDS = 6.0
#: Waiters re-check the queue this often even without a wake-up (a lease that ran out frees a slot silently).
POLL_SECONDS = 1.0
#: While Redis is down, probe it this often.
RETRY_AFTER_SECONDS = 1.0
#: Seconds to wait for a connection to Redis, and for a reply on an open one.
CONNECT_TIMEOUT_SECONDS = 0.25
SOCKET_TIMEOUT_SECONDS = 1.0
#: The helper thread's BLPOP timeout; it renews leases and runs heartbeats between two waits.
_TICK_SECONDS = 0.5

Grant = Callable[[bool], None]  # told True (the slot is yours) or False (Redis went down: fall back)


class RedisDown(Exception):
    """Redis did not answer; the caller falls back to its local limits."""


class RedisLink:
    """Scripts, availability and the helper thread for one Redis URL in this process."""

    def __init__(
        self,
        url: str,
        *,
        lease: float = LEASE_SECONDS,
        poll: float = POLL_SECONDS,
        retry_after: float = RETRY_AFTER_SECONDS,
        connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
        socket_timeout: float = SOCKET_TIMEOUT_SECONDS,
    ) -> None:
        try:
            import redis
            from redis.backoff import NoBackoff
            from redis.retry import Retry
        except ImportError:
            from .._exceptions import ConfigurationError

            raise ConfigurationError(
                "shared limits need the 'redis' package (pip install 'py-autotask[redis]')"
            ) from None
        self.display_url = redact_url(url)
        self.lease = lease
        self.poll = poll
        self.retry_after = retry_after
        self.process_id = uuid.uuid4().hex[:16]
        self.wake_prefix = KEY_PREFIX + "wake:"
        self._errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)

        def connect(read_timeout: float) -> Any:
            # One immediate reconnect heals a pooled connection broken by a Redis restart; no backoff.
            return redis.Redis.from_url(
                url, socket_connect_timeout=connect_timeout, socket_timeout=read_timeout,
                retry=Retry(NoBackoff(), 1), health_check_interval=0,
            )

        try:
            self.redis: Any = connect(socket_timeout)
            self._blocking: Any = connect(_TICK_SECONDS + socket_timeout)
        except ValueError as exc:
            from .._exceptions import ConfigurationError

            raise ConfigurationError(f"invalid Redis URL {self.display_url}: {redact_url(str(exc))}") from None
        self.acquire_script = self.redis.register_script(ACQUIRE)
        self.release_script = self.redis.register_script(RELEASE)
        self.renew_script = self.redis.register_script(RENEW)
        self.budget_script = self.redis.register_script(BUDGET)
        self._lock = threading.Lock()
        self._up = True
        self._up_again = threading.Event()  # set while up: outage waits end early when Redis returns
        self._up_again.set()
        self._up_since = time.monotonic()
        self._outages = 0
        self._tokens = 0
        self._waiting: dict[str, Grant] = {}
        self._held: dict[str, str] = {}  # token → holders key, for lease renewal
        self._heartbeats: list[weakref.WeakMethod[Callable[[Any], None]]] = []
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="py-autotask-limits")
        if hasattr(os, "register_at_fork"):  # a worker forked from a process that already used the link
            os.register_at_fork(after_in_child=self._after_fork)

    def _after_fork(self) -> None:
        """In a forked child: a process id, a helper thread and a pool of its own; nothing held or waited for."""
        self.process_id = uuid.uuid4().hex[:16]
        self._lock = threading.Lock()
        self._up_again = threading.Event()
        if self._up:
            self._up_again.set()
        self._waiting = {}
        self._held = {}
        self._thread = None
        self._stop = threading.Event()
        self.executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="py-autotask-limits")

    def __repr__(self) -> str:
        return f"RedisLink({self.display_url!r}, up={self._up})"

    # -- state -------------------------------------------------------------------------------------

    @property
    def up(self) -> bool:
        """True while Redis answers (the limits are shared); False during an outage."""
        return self._up

    @property
    def up_for(self) -> float:
        """Seconds since Redis last came (back) up; 0 while down."""
        return time.monotonic() - self._up_since if self._up else 0.0

    def wait_up(self, timeout: float) -> bool:
        """Block until Redis answers again (True) or `timeout` seconds pass while it does not (False)."""
        return self._up_again.wait(timeout)

    @property
    def outages(self) -> int:
        """Outages seen by this process so far."""
        return self._outages

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run one Redis command or script; on failure mark the link down and raise `RedisDown`."""
        if not self._up:
            raise RedisDown(self.display_url)
        self._ensure_thread()
        try:
            return fn(*args, **kwargs)
        except self._errors as exc:
            self.mark_down(exc)
            raise RedisDown(self.display_url) from None

    def mark_down(self, exc: BaseException) -> None:
        """Note an outage: warn once for it, and tell every waiter to fall back to local limits."""
        with self._lock:
            if not self._up:
                return
            self._up = False
            self._up_again.clear()
            self._outages += 1
            waiting = list(self._waiting.values())
            self._waiting.clear()
            self._held.clear()
        logger.warning(
            "shared limits: Redis at %s is unreachable (%s); using local limits (1 request per endpoint, "
            "a smaller share of the hourly budget) until it answers again",
            self.display_url, type(exc).__name__,
        )
        for grant in waiting:
            grant(False)

    def _mark_up(self) -> None:
        with self._lock:
            self._up = True
            self._up_since = time.monotonic()
            self._up_again.set()
        logger.info("shared limits: Redis at %s answers again; limits are shared again", self.display_url)

    # -- tokens, waiters, held slots ---------------------------------------------------------------

    def new_token(self) -> str:
        """A token unique to this process; the part before `|` names the process's wake-up list."""
        with self._lock:
            self._tokens += 1
            return f"{self.process_id}|{self._tokens}"

    def wait_for(self, token: str, grant: Grant) -> None:
        """Register a waiter before its acquire script runs, so a hand-off cannot be missed."""
        with self._lock:
            self._waiting[token] = grant

    def stop_waiting(self, token: str) -> None:
        with self._lock:
            self._waiting.pop(token, None)

    def hold(self, token: str, holders_key: str) -> None:
        """Renew this slot's lease until `drop()`."""
        with self._lock:
            self._held[token] = holders_key

    def drop(self, token: str) -> None:
        with self._lock:
            self._held.pop(token, None)

    def add_heartbeat(self, beat: Callable[[Any], None]) -> None:
        """Run the bound method `beat(redis)` on the helper thread every lease / 3 seconds while Redis is up,
        for as long as its object lives."""
        with self._lock:
            self._heartbeats.append(weakref.WeakMethod(beat))

    # -- the helper thread -------------------------------------------------------------------------

    def _ensure_thread(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="py-autotask-limits-link", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        wake_key = self.wake_prefix + self.process_id
        next_renewal = time.monotonic() + self.lease / 3
        while not self._stop.is_set():
            if not self._up:
                if self._stop.wait(self.retry_after):
                    return
                try:
                    self.redis.ping()
                except self._errors:
                    continue
                self._mark_up()
                continue
            try:
                popped = self._blocking.blpop([wake_key], timeout=_TICK_SECONDS)
                if popped is not None:
                    self._granted(popped[1])
                    rest = self._blocking.lpop(wake_key, 100) or []
                    for token in rest:
                        self._granted(token)
                if time.monotonic() >= next_renewal:
                    self._renew()
                    next_renewal = time.monotonic() + self.lease / 3
            except self._errors as exc:
                self.mark_down(exc)
            except Exception:  # a bug must not kill the thread that renews every lease of this process
                logger.exception("shared limits: helper thread error")
                self._stop.wait(self.poll)

    def _granted(self, raw: bytes | str) -> None:
        token = raw.decode() if isinstance(raw, bytes) else raw
        with self._lock:
            grant = self._waiting.pop(token, None)
        if grant is not None:  # else the waiter has gone; it released the token itself
            grant(True)

    def _renew(self) -> None:
        with self._lock:
            held = list(self._held.items())
            self._heartbeats = [ref for ref in self._heartbeats if ref() is not None]
            beats = [beat for beat in (ref() for ref in self._heartbeats) if beat is not None]
        if held:
            self.renew_script(
                keys=[key for _, key in held], args=[int(self.lease * 1000), *[token for token, _ in held]]
            )
        for beat in beats:
            beat(self.redis)

    def close(self) -> None:
        """Stop the helper thread and the pool (tests; a process normally keeps its link)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.executor.shutdown(wait=True)
        self.redis.close()
        self._blocking.close()


_LINKS: dict[str, RedisLink] = {}
_LINKS_LOCK = threading.Lock()


def close_link(url: str) -> None:
    """Stop and forget this process's link to `url` (its clients must not be used afterwards)."""
    with _LINKS_LOCK:
        link = _LINKS.pop(url, None)
    if link is not None:
        link.close()


def link_for(url: str) -> RedisLink:
    """This process's one link to `url` (created on first use)."""
    with _LINKS_LOCK:
        link = _LINKS.get(url)
        if link is None:
            link = _LINKS[url] = RedisLink(url)
        return link
