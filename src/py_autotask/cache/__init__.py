"""Layered cache for what rarely changes (zone, entity metadata) and, on request, query results.

    cache = cache_from_env()                      # memory → disk (→ Redis), see env.py
    ns = tenant_namespace(base_url, username, integration_code)
    fields = cache.get_or_set(metadata_key(ns, "fields", "Tickets"), FIELDS_TTL, fetch_fields)

Values are plain JSON (never pickled); keys are namespaced per tenant by a hash; a failing layer costs one
warning, never an error. Importing this package does not need the optional `redis` package. The disk
and Redis layers and `cache_from_env` load on first use (PEP 562 `__getattr__`): a client built with
`cache=False` or its own cache never needs them (the disk layer brings `platformdirs`).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .base import CacheLayer, CacheLayerError, Entry
from .keys import (
    ENTITY_INFO_TTL,
    FIELDS_TTL,
    QUERY_TTL,
    UDF_TTL,
    ZONE_TTL,
    metadata_key,
    namespace_prefix,
    request_key,
    request_prefix,
    tenant_namespace,
    zone_key,
)
from .layered import LayeredCache
from .memory import MemoryLayer

if TYPE_CHECKING:
    from .disk import DiskLayer, default_cache_dir
    from .env import CACHE_ENV, cache_from_env
    from .redis import REDIS_URL_ENV, RedisLayer

_LAZY = {"DiskLayer": "disk", "default_cache_dir": "disk", "CACHE_ENV": "env", "cache_from_env": "env",
         "REDIS_URL_ENV": "redis", "RedisLayer": "redis"}

__all__ = [
    "CACHE_ENV",
    "ENTITY_INFO_TTL",
    "FIELDS_TTL",
    "QUERY_TTL",
    "REDIS_URL_ENV",
    "UDF_TTL",
    "ZONE_TTL",
    "CacheLayer",
    "CacheLayerError",
    "DiskLayer",
    "Entry",
    "LayeredCache",
    "MemoryLayer",
    "RedisLayer",
    "cache_from_env",
    "default_cache_dir",
    "metadata_key",
    "namespace_prefix",
    "request_key",
    "request_prefix",
    "tenant_namespace",
    "zone_key",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{module}", __name__), name)
