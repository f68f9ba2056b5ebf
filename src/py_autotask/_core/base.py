"""What the sync and async clients share besides the flows: settings, entity lookup, copies, reprs.

No I/O here. A client is `config` (immutable settings) + `runtime` (zone, limits, breaker, cache —
shared with `with_options()` copies) + an HTTP pool owned by the concrete client.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any, TypeVar

import httpx

from .._catalog import entity_names
from .._types import NOT_GIVEN, NotGivenOr
from ..limits import Limits
from .config import ClientConfig
from .requests import Call, CallKind
from .retry import RetryPolicy
from .routes import EntitySpec
from .runtime import Runtime
from .zones import Zone

__all__ = ["BaseClient", "build_config", "raw_call"]

Self = TypeVar("Self", bound="BaseClient")


def build_config(
    *,
    username: str,
    secret: str,
    integration_code: str,
    base_url: str | None,
    zone_lookup_url: str | None,
    impersonation_resource_id: int | None,
    timeout: float | httpx.Timeout | None,
    max_retries: int | None,
    retry_policy: RetryPolicy | None,
) -> ClientConfig:
    """Validated settings from constructor arguments (`max_retries`, if given, overrides the policy's)."""
    policy = retry_policy or RetryPolicy()
    if max_retries is not None:
        policy = dataclasses.replace(policy, max_retries=max_retries)
    return ClientConfig.build(
        username=username,
        secret=secret,
        integration_code=integration_code,
        base_url=base_url,
        zone_lookup_url=zone_lookup_url,
        impersonation_resource_id=impersonation_resource_id,
        timeout=timeout,
        retry=policy,
    )


def raw_call(method: str, path: str, *, json: Any, params: Any, impersonate: int | None) -> Call:
    """A call to any API path (for the few special endpoints the entity model does not cover)."""
    method = method.upper()
    path = path.lstrip("/")
    if path.lower().startswith("v1.0/"):
        path = path[5:]
    is_query = path.lower().endswith(("/query", "/query/count"))
    # A POST that is not a query may create something: give it the create retry rules.
    kind: CallKind = "create" if method == "POST" and not is_query else ("query" if is_query else "raw")
    endpoint = path.split("/", 1)[0].split("?", 1)[0]
    return Call(method, path, kind=kind, endpoint=endpoint, json=json, params=params, impersonate=impersonate)


class BaseClient:
    """Settings, entity registry and copies; the concrete clients add the HTTP pool and the driver."""

    _entity_class: type

    def __init__(self, config: ClientConfig, runtime: Runtime) -> None:
        self._config = config
        self._runtime = runtime
        self._entities: dict[str, Any] = {}
        self._entities_lock = threading.Lock()

    @property
    def config(self) -> ClientConfig:
        """The client's settings (immutable; the secret is hidden from its repr)."""
        return self._config

    @property
    def base_url(self) -> str | None:
        """The API root in use (`https://…/ATServicesRest/`), or None until the zone is detected."""
        zone = self._runtime.zone.zone
        return zone.url if zone else None

    @property
    def zone(self) -> Zone | None:
        """The configured or detected zone, if known yet."""
        return self._runtime.zone.zone

    @property
    def limits(self) -> Limits:
        """This client's per-endpoint limiter and hourly budget; pass it as `limits=` to another client
        (a sync and an async one, say) to make both count against the same ones."""
        return Limits(self._runtime.limiter, self._runtime.budget)

    @property
    def runtime(self) -> Runtime:
        """Shared limits, budget, breaker and cache (for usage reports and tests)."""
        return self._runtime

    def entity(self, name: str) -> Any:
        """The accessor of one entity by tag or attribute name, any case ("TicketNotes", "ticket_notes")."""
        key = name.lower()
        found = self._entities.get(key)
        if found is not None:
            return found
        spec = EntitySpec.load(name)
        with self._entities_lock:
            found = self._entities.get(spec.name.lower())
            if found is None:
                found = self._entity_class(self, spec)
                self._entities[spec.name.lower()] = found
            self._entities[key] = found
        return found

    def _entity_accessor(self, name: str) -> Any:
        return self.entity(name)

    @staticmethod
    def entity_names() -> list[str]:
        """Every entity tag of the catalogue (241)."""
        return entity_names()

    def __repr__(self) -> str:
        where = self.base_url or f"zone to be detected via {self._config.zone_lookup_url}"
        return f"{type(self).__name__}(username={self._config.credentials.username!r}, base_url={where!r})"

    def _derived(self: Self, **changes: Any) -> Self:
        """A copy with other settings, sharing HTTP pool, zone, limits, breaker and cache."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone._config = self._config.replace(**changes)
        clone._entities = {}
        clone._entities_lock = threading.Lock()
        clone._owns_http = False  # type: ignore[attr-defined]  # the original closes the pool
        return clone

    def _options(
        self,
        *,
        max_retries: int | None,
        timeout: float | httpx.Timeout | None,
        impersonation_resource_id: NotGivenOr[int | None],
        retry_policy: RetryPolicy | None,
    ) -> dict[str, Any]:
        """Config changes for `with_options` (NOT_GIVEN leaves a setting as it is)."""
        from .config import to_timeout

        changes: dict[str, Any] = {}
        policy = retry_policy or self._config.retry
        if max_retries is not None:
            policy = dataclasses.replace(policy, max_retries=max_retries)
        if policy is not self._config.retry:
            changes["retry"] = policy
        if timeout is not None:
            changes["timeout"] = to_timeout(timeout)
        if impersonation_resource_id is not NOT_GIVEN:
            changes["impersonation_resource_id"] = impersonation_resource_id
        return changes
