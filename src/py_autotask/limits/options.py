"""Choosing a client's limits: local to the client, handed over from another client, or shared through Redis.

| `limits=`              | `AUTOTASK_LIMITS`   | Meaning                                                              |
|------------------------|---------------------|----------------------------------------------------------------------|
| None (default)         | unset               | shared through Redis if `AUTOTASK_REDIS_URL` is set, else local      |
| `"local"`              | `local`             | this client's own slots and budget (and its `with_options()` copies) |
| `"redis"`              | `redis`             | shared through the Redis of `AUTOTASK_REDIS_URL`                     |
| `"redis://…"` etc.     | `redis://…` etc.    | shared through that Redis (`rediss://` for TLS, `unix://`)           |
| a `Limits` (`client.limits`) | —             | the very limiter and budget of another client, e.g. sync + async     |

Shared limits are keyed by tenant (the database id `ci` that zoneInformation returns; with a configured
`base_url` and no detection, by API user instead), by integration code (hashed) and by endpoint. In one
process, every client of one API user on one Redis uses one `SharedEndpointLimiter`, so a sync and an
async client share its local gate and its fallback during an outage too.

The Redis side (`redis_link`, `shared_slots`, `shared_budget`: asyncio, a thread pool) is imported
only when a client asks for shared limits, so `import py_autotask` with local limits stays light.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sys
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from .._exceptions import ConfigurationError
from .budget import ThresholdBudget
from .concurrency import EndpointLimiter

if TYPE_CHECKING:
    from .shared_slots import SharedEndpointLimiter

__all__ = ["LIMITS_ENV", "Limits", "TenantScope", "forget_redis", "resolve_limits"]

#: Environment variable choosing local or shared limits (see the table above).
LIMITS_ENV = "AUTOTASK_LIMITS"
_REDIS_URL_ENV = "AUTOTASK_REDIS_URL"
_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
_LINKS_MODULE = __package__ + ".redis_link"


@dataclasses.dataclass(frozen=True)
class Limits:
    """A client's per-endpoint limiter and hourly budget (either may be None: switched off).

    Pass `client.limits` as `limits=` to another client to make both count against the same ones.
    """

    limiter: EndpointLimiter | None
    budget: ThresholdBudget | None

    @property
    def shared(self) -> bool:
        """True when these limits live in Redis."""
        from .shared_budget import SharedBudget
        from .shared_slots import SharedEndpointLimiter

        return isinstance(self.limiter, SharedEndpointLimiter) or isinstance(self.budget, SharedBudget)


class TenantScope:
    """The Redis key part of one tenant + integration code; the tenant is learnt once a zone is detected."""

    def __init__(self, username: str, integration_code: str) -> None:
        self._user = "user-" + hashlib.sha256(username.encode()).hexdigest()[:16]
        self._integration_code = integration_code
        self._ci: int | None = None
        self._sources: list[Callable[[], int | None]] = []
        self._lock = threading.Lock()

    def learn_from(self, source: Callable[[], int | None]) -> None:
        """Add a way to find the tenant's `ci` (a client's detected zone)."""
        with self._lock:
            if self._ci is None:  # a few recent clients are enough to learn it from
                self._sources = [*self._sources[-7:], source]

    @property
    def tenant(self) -> str:
        """`ci<database id>` once known, else `user-<hash of the API user>`."""
        if self._ci is None:
            with self._lock:
                sources = list(self._sources)
            for source in sources:
                ci = source()
                if ci is not None:
                    self._ci = ci
                    with self._lock:
                        self._sources.clear()
                    break
        return f"ci{self._ci}" if self._ci is not None else self._user

    def __call__(self) -> str:
        from .shared_slots import scope_key

        return scope_key(self.tenant, self._integration_code)


_SHARED: dict[tuple[str, str, str, int], tuple[SharedEndpointLimiter, TenantScope]] = {}
_SCOPES: dict[tuple[str, str, str], TenantScope] = {}
_LOCK = threading.Lock()


def resolve_limits(
    limits: str | Limits | None,
    *,
    username: str,
    integration_code: str,
    tenant_ci: Callable[[], int | None],
    concurrency_limit: int | None,
    budget: ThresholdBudget | bool | None,
    environ: Mapping[str, str] | None = None,
) -> Limits:
    """The limiter and budget a new client uses (`concurrency_limit=None` / `budget=False` switch one off)."""
    if isinstance(limits, Limits):
        return limits
    url = _redis_url(limits, os.environ if environ is None else environ)
    if url is None:
        local_budget = budget if isinstance(budget, ThresholdBudget) else (
            ThresholdBudget() if budget is None or budget is True else None
        )
        return Limits(EndpointLimiter(concurrency_limit) if concurrency_limit else None, local_budget)
    from .redis_link import link_for
    from .shared_budget import SharedBudget
    from .shared_slots import SharedEndpointLimiter

    link = link_for(url)
    with _LOCK:
        scope = _SCOPES.get((url, username, integration_code))
        if scope is None:
            scope = _SCOPES[(url, username, integration_code)] = TenantScope(username, integration_code)
        scope.learn_from(tenant_ci)
        limiter: SharedEndpointLimiter | None = None
        if concurrency_limit:
            key = (url, username, integration_code, concurrency_limit)
            found = _SHARED.get(key)
            if found is None:
                found = _SHARED[key] = (SharedEndpointLimiter(link, scope, concurrency_limit), scope)
            limiter = found[0]
    shared_budget: SharedBudget | None = None
    if isinstance(budget, ThresholdBudget):
        shared_budget = SharedBudget.like(link, scope, budget)
    elif budget is None or budget is True:
        shared_budget = SharedBudget(link, scope)
    return Limits(limiter, shared_budget)


def forget_redis(url: str) -> None:
    """Close this process's line to the Redis at `url` and forget the limiters built on it (tests, shutdown)."""
    with _LOCK:
        for shared in [k for k in _SHARED if k[0] == url]:
            del _SHARED[shared]
        for scope in [k for k in _SCOPES if k[0] == url]:
            del _SCOPES[scope]
    if _LINKS_MODULE in sys.modules:  # no link was ever opened otherwise
        from .redis_link import close_link

        close_link(url)


def _redis_url(limits: str | None, env: Mapping[str, str]) -> str | None:
    """The Redis URL to share limits through, or None for local limits."""
    choice = (limits if limits is not None else env.get(LIMITS_ENV, "")).strip()
    if choice.lower() == "local":
        return None
    if choice.lower() in ("", "redis"):
        url = env.get(_REDIS_URL_ENV, "").strip()
        if not url and choice:
            raise ConfigurationError(f"{_where(limits, choice)} asks for shared limits but {_REDIS_URL_ENV} is not set")
        return url or None
    if choice.lower().startswith(_REDIS_SCHEMES):
        return choice
    raise ConfigurationError(f"{_where(limits, choice)}: use 'local', 'redis' or a redis://, rediss:// or unix:// URL")


def _where(limits: str | None, choice: str) -> str:
    """Which setting chose `choice`, its password redacted (for error messages only)."""
    from ..cache.base import redact_url

    shown = redact_url(choice)
    return f"limits={shown!r}" if limits is not None else f"{LIMITS_ENV}={shown!r}"
