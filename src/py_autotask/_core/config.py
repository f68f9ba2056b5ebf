"""Client settings: credentials, the API root, and the URL safety rules (no I/O).

Safety rules, enforced here once for both clients:
- plain HTTP only to loopback hosts (the sandbox); anything else must be HTTPS;
- credentials go only to the configured or detected API origin (see `same_origin`);
- the secret never appears in a repr (`Credentials.__repr__`).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from .._constants import (
    API_VERSION,
    DEFAULT_TIMEOUT,
    DEFAULT_ZONE_LOOKUP_URL,
    ENV_BASE_URL,
    ENV_IMPERSONATION_RESOURCE_ID,
    ENV_INTEGRATION_CODE,
    ENV_SECRET,
    ENV_USERNAME,
    ENV_ZONE_LOOKUP_URL,
    SERVICE_ROOT,
)
from .._exceptions import ConfigurationError
from .retry import RetryPolicy

__all__ = [
    "ClientConfig",
    "Credentials",
    "api_url",
    "env_settings",
    "is_loopback",
    "normalize_base_url",
    "origin",
    "require_safe_url",
    "same_origin",
]


@dataclasses.dataclass(frozen=True)
class Credentials:
    """The three headers Autotask authenticates with; the secret is kept out of every repr."""

    username: str
    secret: str = dataclasses.field(repr=False)
    integration_code: str = dataclasses.field(repr=False)

    def __post_init__(self) -> None:
        missing = [n for n in ("username", "secret", "integration_code") if not getattr(self, n)]
        if missing:
            raise ConfigurationError(f"missing Autotask credentials: {', '.join(missing)}")

    def headers(self) -> dict[str, str]:
        """The authentication headers named in the swagger."""
        return {
            "ApiIntegrationCode": self.integration_code,
            "UserName": self.username,
            "Secret": self.secret,
        }


def is_loopback(host: str) -> bool:
    """True for literal loopback addresses and `localhost` itself, the only hosts plain HTTP may reach.

    A name that merely ends in `.localhost` is not enough: whether it resolves to loopback is up to the
    resolver in use (RFC 6761 asks for it, many resolvers send it to DNS), and the credentials would go
    wherever it points.
    """
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_safe_url(url: str, what: str) -> str:
    """Return `url` if it is absolute HTTPS (or HTTP to loopback); raise ConfigurationError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"{what} must be an absolute http(s) URL, got {url!r}")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigurationError(
            f"{what} {url!r} uses plain HTTP to a remote host; credentials would travel unencrypted. "
            "Use https:// (plain HTTP is allowed only for loopback hosts such as the sandbox)."
        )
    if parts.username or parts.password:
        raise ConfigurationError(f"{what} must not carry credentials in the URL")
    return url


def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an absolute URL, with the default port filled in."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def same_origin(url: str, root: str) -> bool:
    """True if `url` points at the same scheme, host and port as the API root."""
    return origin(url) == origin(root)


def normalize_base_url(url: str) -> str:
    """`…/ATServicesRest/` for any accepted spelling (host only, with or without the service root,
    the version, trailing slashes, any case)."""
    require_safe_url(url, "base_url")
    parts = urlsplit(url.strip())
    segments = [s for s in parts.path.split("/") if s]
    if segments and segments[-1].lower() == API_VERSION.lower():
        segments.pop()
    if segments and segments[-1].lower() == SERVICE_ROOT.lower():
        segments.pop()
    prefix = "/".join(segments)
    path = f"/{prefix}/{SERVICE_ROOT}/" if prefix else f"/{SERVICE_ROOT}/"
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}"


def api_url(root: str) -> str:
    """The versioned API prefix under a normalized root, e.g. `…/ATServicesRest/V1.0/`."""
    return f"{root}{API_VERSION}/"


def env_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Constructor keyword arguments read from the AUTOTASK_* environment variables."""
    env = os.environ if environ is None else environ
    missing = [n for n in (ENV_USERNAME, ENV_SECRET, ENV_INTEGRATION_CODE) if not env.get(n)]
    if missing:
        raise ConfigurationError(f"environment variables not set: {', '.join(missing)}")
    settings: dict[str, Any] = {
        "username": env[ENV_USERNAME],
        "secret": env[ENV_SECRET],
        "integration_code": env[ENV_INTEGRATION_CODE],
        "base_url": env.get(ENV_BASE_URL) or None,
        "zone_lookup_url": env.get(ENV_ZONE_LOOKUP_URL) or None,
    }
    raw_id = env.get(ENV_IMPERSONATION_RESOURCE_ID)
    if raw_id:
        try:
            settings["impersonation_resource_id"] = int(raw_id)
        except ValueError:
            raise ConfigurationError(f"{ENV_IMPERSONATION_RESOURCE_ID} must be an integer") from None
    return settings


@dataclasses.dataclass(frozen=True)
class ClientConfig:
    """Everything a client needs to build requests; immutable, so `with_options` copies it."""

    credentials: Credentials
    base_url: str | None  # normalized root, or None until the zone is detected
    zone_lookup_url: str
    impersonation_resource_id: int | None
    timeout: httpx.Timeout
    retry: RetryPolicy

    @classmethod
    def build(
        cls,
        *,
        username: str,
        secret: str,
        integration_code: str,
        base_url: str | None,
        zone_lookup_url: str | None,
        impersonation_resource_id: int | None,
        timeout: float | httpx.Timeout | None,
        retry: RetryPolicy,
    ) -> ClientConfig:
        """Validate and normalize constructor arguments."""
        lookup = require_safe_url(zone_lookup_url or DEFAULT_ZONE_LOOKUP_URL, "zone_lookup_url")
        if impersonation_resource_id is not None and not isinstance(impersonation_resource_id, int):
            raise ConfigurationError("impersonation_resource_id must be an int")
        return cls(
            credentials=Credentials(username, secret, integration_code),
            base_url=normalize_base_url(base_url) if base_url else None,
            zone_lookup_url=lookup,
            impersonation_resource_id=impersonation_resource_id,
            timeout=to_timeout(timeout),
            retry=retry,
        )

    def replace(self, **changes: Any) -> ClientConfig:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)


def to_timeout(value: float | httpx.Timeout | None) -> httpx.Timeout:
    """An httpx.Timeout from seconds, a Timeout, or None (the default)."""
    if value is None:
        return DEFAULT_TIMEOUT
    if isinstance(value, httpx.Timeout):
        return value
    return httpx.Timeout(float(value))
