"""Many tenants in one process: one client per tenant, nothing shared between them but the process.

    from py_autotask.tenants import TenantClients

    clients = TenantClients(lambda tenant: vault.autotask_settings(tenant), limits="redis://…")
    clients["acme"].tickets.query(...)           # built on first use, then reused
    clients.for_credentials(**headers).request(…) # a gateway: whoever's credentials came with the call

Each tenant gets a client of its own, so what belongs to a tenant stays with it:
* credentials — in that client's settings only; `for_credentials()` keys its clients by a SHA-256 of the
  three headers, so no secret is kept as a key, and two callers with different secrets never share one;
* the zone and the cache — each client detects its own zone, its memory cache is its own, and the disk
  and Redis cache layers file entries under a hash of the tenant's API root, user and integration code;
* limits — slots and budget are per client; shared through Redis they are keyed by the tenant's
  database id (`ci`) and integration code, so one tenant's busy endpoint never delays another's.

`settings(tenant)` returns constructor keyword arguments (username, secret, integration_code, …);
`common` keyword arguments go to every client. Clients are closed by `close()` / `aclose()` (or the
`with` block); `remove(tenant)` forgets one and returns it for the caller to close.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar

__all__ = ["TenantClients"]

ClientT = TypeVar("ClientT")


class TenantClients(Generic[ClientT]):
    """A map tenant → client, built on first use (thread-safe); sync or async clients alike."""

    def __init__(
        self,
        settings: Callable[[str], Mapping[str, Any]] | None = None,
        *,
        client_class: Callable[..., ClientT] | None = None,
        **common: Any,
    ) -> None:
        if client_class is None:
            from ._client import AutotaskClient

            client_class = AutotaskClient  # type: ignore[assignment]
        assert client_class is not None
        self._settings = settings
        self._client_class = client_class
        self._common = common
        self._clients: dict[str, ClientT] = {}
        self._lock = threading.Lock()

    def get(self, tenant: str) -> ClientT:
        """The tenant's client (built from `settings(tenant)` the first time)."""
        with self._lock:
            client = self._clients.get(tenant)
        if client is not None:
            return client
        if self._settings is None:
            raise KeyError(f"no client for tenant {tenant!r} and no settings function to build one")
        return self._add(tenant, dict(self._settings(tenant)))

    __getitem__ = get

    def for_credentials(self, *, username: str, secret: str, integration_code: str, **extra: Any) -> ClientT:
        """The client for one set of credentials (per-request credentials of a gateway), built on first use."""
        digest = hashlib.sha256("\x1f".join((username, secret, integration_code)).encode()).hexdigest()
        key = f"credentials:{digest}"
        with self._lock:
            client = self._clients.get(key)
        if client is not None:
            return client
        return self._add(key, {"username": username, "secret": secret, "integration_code": integration_code,
                               **extra})

    def _add(self, key: str, settings: dict[str, Any]) -> ClientT:
        client = self._client_class(**{**self._common, **settings})
        with self._lock:
            existing = self._clients.setdefault(key, client)
        if existing is not client:  # another thread built it meanwhile: keep theirs
            _close_now(client)
        return existing

    def remove(self, tenant: str) -> ClientT | None:
        """Forget a tenant's client and return it (the caller closes it)."""
        with self._lock:
            return self._clients.pop(tenant, None)

    def __contains__(self, tenant: object) -> bool:
        return tenant in self._clients

    def __len__(self) -> int:
        return len(self._clients)

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            return iter(list(self._clients))

    def __repr__(self) -> str:
        return f"TenantClients({len(self._clients)} clients)"  # tenant names and credentials stay out

    def close(self) -> None:
        """Close every sync client."""
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            _close_now(client)

    async def aclose(self) -> None:
        """Close every client (async clients awaited)."""
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            aclose = getattr(client, "aclose", None)
            if aclose is not None:
                await aclose()
            else:
                _close_now(client)

    def __enter__(self) -> TenantClients[ClientT]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> TenantClients[ClientT]:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _close_now(client: Any) -> None:
    close = getattr(client, "close", None)
    if close is not None:
        close()
