"""Retry decisions (pure): which failures are retried, how long to wait, and when a create is ambiguous.

The policy (issue #4, item 3):
- transient failures are retried: no HTTP answer (connection refused/reset, timeouts, truncated bodies),
  429 (thread limit or hourly threshold), and 5xx that carry no Autotask validation message;
- validation, query, authentication, permission and not-found errors are never retried;
- a create (POST of an entity) has no idempotency key in Autotask, so once it may have reached the
  server (read timeout, reset, truncated answer, bare 5xx) it is not re-sent: the caller gets
  `AmbiguousWriteError` with the payload. Connect failures (nothing was sent) and 429s (Autotask refused
  the request before acting on it) are retried even for creates;
- connect failures (nothing sent) before any request of the client has had an answer are retried once
  only (`request_flow`): nothing there has ever answered, so it is a wrong address or no network;
- backoff: `initial_delay * 2**attempt`, capped at `max_delay`, +/- `jitter`; a `Retry-After` header
  wins when present, unless it exceeds `MAX_RETRY_AFTER` (then the error is raised, not slept through).
"""

from __future__ import annotations

import dataclasses
import email.utils
import random
import time
from collections.abc import Callable
from typing import NamedTuple

from .._constants import (
    DEFAULT_MAX_RETRIES,
    INITIAL_RETRY_DELAY,
    MAX_RETRY_AFTER,
    MAX_RETRY_DELAY,
    RETRY_JITTER,
)
from .._exceptions import (
    AmbiguousWriteError,
    APIConnectionError,
    AutotaskError,
    InternalServerError,
    RateLimitError,
)

__all__ = ["Decision", "RetryPolicy", "TransportFailure", "decide", "parse_retry_after"]


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """How many times and how patiently to retry; every field has a named default in `_constants`."""

    max_retries: int = DEFAULT_MAX_RETRIES
    initial_delay: float = INITIAL_RETRY_DELAY
    max_delay: float = MAX_RETRY_DELAY
    jitter: float = RETRY_JITTER
    max_retry_after: float = MAX_RETRY_AFTER
    #: False leaves every 429 to the caller (the bulk engine meters and repeats them itself, so a 429 is
    #: handled by one policy, never by two stacked ones).
    retry_rate_limited: bool = True

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if self.initial_delay < 0 or self.max_delay < 0 or not 0 <= self.jitter <= 1:
            raise ValueError("retry delays must be >= 0 and jitter within [0, 1]")

    def backoff(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        """Delay before retry number `attempt + 1` (attempt counts from 0), jitter included."""
        base = min(self.max_delay, self.initial_delay * (2**attempt))
        return max(0.0, base * (1 + self.jitter * (2 * rand() - 1)))


class TransportFailure(NamedTuple):
    """No HTTP answer; `sent` is False only when the request provably never left (connect errors)."""

    error: APIConnectionError
    sent: bool


class Decision(NamedTuple):
    """What to do after a failed attempt: retry after `delay` seconds, or raise `error`."""

    retry: bool
    delay: float
    reason: str
    error: AutotaskError


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds from a `Retry-After` header (delta-seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())


def decide(
    policy: RetryPolicy,
    attempt: int,
    failure: TransportFailure | AutotaskError,
    *,
    is_create: bool,
    payload: object = None,
    entity: str | None = None,
    rand: Callable[[], float] = random.random,
) -> Decision:
    """Whether to retry after `failure` on attempt number `attempt` (0 for the first try)."""
    error = failure.error if isinstance(failure, TransportFailure) else failure
    reason, retryable, ambiguous = _classify(failure)
    if retryable and is_create and ambiguous:
        return Decision(False, 0.0, reason, _ambiguous(error, reason, payload, entity))
    if not retryable:
        return Decision(False, 0.0, reason, error)
    if isinstance(failure, RateLimitError) and not policy.retry_rate_limited:
        return Decision(False, 0.0, f"{reason}; left to the caller's own 429 policy", error)
    if attempt >= policy.max_retries:
        return Decision(False, 0.0, f"{reason}; giving up after {attempt + 1} attempts", error)
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        if retry_after > policy.max_retry_after:
            return Decision(False, 0.0, f"{reason}; Retry-After {retry_after:.0f}s is too long", error)
        return Decision(True, retry_after, f"{reason}; Retry-After {retry_after:g}s", error)
    return Decision(True, policy.backoff(attempt, rand), reason, error)


def _classify(failure: TransportFailure | AutotaskError) -> tuple[str, bool, bool]:
    """(reason, retryable, may-have-reached-the-server) for one failure."""
    if isinstance(failure, TransportFailure):
        kind = type(failure.error).__name__
        if not failure.sent:
            return f"{kind} before the request was sent: {failure.error}", True, False
        return f"{kind} after the request was sent: {failure.error}", True, True
    if isinstance(failure, RateLimitError):
        # Autotask refuses over-limit requests before acting on them, so even a create is safe to resend.
        return f"{failure.status_code} {type(failure).__name__}: {failure.message}", True, False
    if isinstance(failure, InternalServerError):
        return f"{failure.status_code} {type(failure).__name__}: {failure.message or 'no message'}", True, True
    return f"{type(failure).__name__} is not retried", False, False


def _ambiguous(error: AutotaskError, reason: str, payload: object, entity: str | None) -> AmbiguousWriteError:
    return AmbiguousWriteError(
        f"create of {entity or 'a record'} may or may not have reached Autotask ({reason}); "
        "it was not re-sent. Look the record up before creating it again",
        entity=entity or "",
        payload=payload if isinstance(payload, dict) else {},
        cause=str(error),
        method=getattr(error, "method", None),
        url=getattr(error, "url", None),
    )
