"""Layered cache for what rarely changes (zone, entity metadata) and, on request, query results.

    cache = cache_from_env()                      # memory → disk (→ Redis), see env.py
    ns = tenant_namespace(base_url, username, integration_code)
    fields = cache.get_or_set(metadata_key(ns, "fields", "Tickets"), FIELDS_TTL, fetch_fields)

Values are plain JSON (never pickled); keys are namespaced per tenant by a hash; a failing layer costs one
warning, never an error. Importing this package does not need the optional `redis` package.
"""

from .base import CacheLayer, CacheLayerError, Entry
from .disk import DiskLayer, default_cache_dir
from .env import CACHE_ENV, cache_from_env
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
from .redis import REDIS_URL_ENV, RedisLayer

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
