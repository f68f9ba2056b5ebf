"""Cache keys and how long each kind of entry lives.

Keys are namespaced per tenant by a hash of (base URL, username, integration code): two tenants, or two
API users of one tenant (whose permissions may show different metadata), never share entries, and no
key, file name or Redis key ever holds the username, the integration code or the secret in clear.

Layout: `v1:<namespace>:<kind>:<name>`, e.g. `v1:3f2a…:fields:tickets`. Zone lookups happen before the
tenant's base URL is known, so their key hashes the username alone: `v1:zone:<hash>`.

TTLs, and why:
* zone — 24 h: a tenant moves zone only on migration, and a 401 or wrong-zone answer invalidates it.
* entity information (capabilities) — 24 h: changes only with an Autotask release or a security level.
* fields (incl. picklists) and UDF definitions — 1 h: admins edit picklists and UDFs during the day;
  an hour bounds how stale a label can be, and `force=True` refreshes at once.
* query results — 5 min, and only when the caller opts in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import orjson

__all__ = [
    "ENTITY_INFO_TTL",
    "FIELDS_TTL",
    "KEY_VERSION",
    "NAMESPACE_LENGTH",
    "QUERY_TTL",
    "UDF_TTL",
    "ZONE_TTL",
    "metadata_key",
    "namespace_prefix",
    "request_key",
    "request_prefix",
    "tenant_namespace",
    "zone_key",
]

#: Seconds a zone lookup (`zoneInformation`) is cached.
ZONE_TTL = 24 * 3600.0
#: Seconds an entity's `entityInformation` (capabilities) is cached.
ENTITY_INFO_TTL = 24 * 3600.0
#: Seconds an entity's field definitions, picklists included, are cached.
FIELDS_TTL = 3600.0
#: Seconds an entity's user-defined field definitions are cached.
UDF_TTL = 3600.0
#: Default seconds for query results the caller chose to cache.
QUERY_TTL = 300.0

#: Bumped when the key layout or record format changes, so old entries are simply never read.
KEY_VERSION = "v1"
#: Hex characters of sha256 kept in a namespace (96 bits: collisions are not a concern).
NAMESPACE_LENGTH = 24

_METADATA_KINDS = frozenset({"info", "fields", "udfs"})


def _digest(*parts: str) -> str:
    # The unit separator cannot occur in a URL, username or code, so ("ab", "c") and ("a", "bc") differ.
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:NAMESPACE_LENGTH]


def tenant_namespace(base_url: str, username: str, integration_code: str) -> str:
    """Return the tenant's cache namespace: a sha256 prefix of base URL, username and integration code."""
    url = base_url.strip().rstrip("/").lower()
    return _digest("tenant", url, username.strip().lower(), integration_code.strip())


def zone_key(username: str) -> str:
    """Return the key of a user's zone lookup (the username is hashed, case-insensitively)."""
    return f"{KEY_VERSION}:zone:{_digest('zone', username.strip().lower())}"


def namespace_prefix(namespace: str) -> str:
    """Return the prefix of every key in a namespace (for `clear(prefix=…)`)."""
    return f"{KEY_VERSION}:{namespace}:"


def metadata_key(namespace: str, kind: str, entity: str) -> str:
    """Return the key of an entity's metadata; `kind` is `info`, `fields` or `udfs`."""
    if kind not in _METADATA_KINDS:
        raise ValueError(f"unknown metadata kind {kind!r}; expected one of {sorted(_METADATA_KINDS)}")
    return f"{namespace_prefix(namespace)}{kind}:{entity.lower()}"


def request_prefix(namespace: str, entity: str) -> str:
    """Return the prefix of every cached request result of one entity (to drop them after a write)."""
    return f"{namespace_prefix(namespace)}req:{entity.lower()}:"


def request_key(
    namespace: str, entity: str, method: str, url: str, body: Mapping[str, Any] | None = None
) -> str:
    """Return the key of a request's result: entity plus a hash of method, URL and canonical JSON body."""
    canonical = orjson.dumps(body, option=orjson.OPT_SORT_KEYS).decode() if body is not None else ""
    return f"{request_prefix(namespace, entity)}{_digest('req', method.upper(), url, canonical)}"
