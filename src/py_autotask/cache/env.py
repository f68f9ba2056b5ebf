"""Build the cache from the environment.

| Variable             | Meaning                                                                         |
|----------------------|---------------------------------------------------------------------------------|
| `AUTOTASK_CACHE`     | unset, `on`, `auto`: memory + disk, + Redis when `AUTOTASK_REDIS_URL` is set;   |
|                      | `off`, `none`, `0`, `false`, `no`: no caching at all;                           |
|                      | otherwise a list of layers, e.g. `memory`, `memory,disk`, `memory+redis`.       |
| `AUTOTASK_CACHE_DIR` | directory of the disk layer (default: the platform's user cache directory).     |
| `AUTOTASK_REDIS_URL` | `redis://[:password@]host:port/db`, `rediss://…` for TLS, `unix://…`.           |

Layers always stack memory → disk → Redis whatever order they are listed in. A layer that cannot be built
(no `redis` package, an unusable directory, Redis named without a URL) is left out with the cache's one
warning; a word that is not a layer is a `ConfigurationError`, since a typo should not silently turn
caching off.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping

from .._exceptions import ConfigurationError
from .base import CacheLayer, CacheLayerError
from .disk import DiskLayer, default_cache_dir
from .layered import LayeredCache
from .memory import MemoryLayer
from .redis import REDIS_URL_ENV, RedisLayer

__all__ = ["CACHE_ENV", "LAYER_NAMES", "cache_from_env"]

#: Environment variable choosing the layers (or turning caching off).
CACHE_ENV = "AUTOTASK_CACHE"
#: Layer names accepted in `AUTOTASK_CACHE`, in stacking order.
LAYER_NAMES = ("memory", "disk", "redis")

_OFF_WORDS = frozenset({"off", "none", "0", "false", "no", "disabled"})
_AUTO_WORDS = frozenset({"", "on", "auto", "default", "1", "true", "yes"})


def cache_from_env(
    env: Mapping[str, str] | None = None, *, clock: Callable[[], float] = time.time
) -> LayeredCache:
    """Return the `LayeredCache` described by `AUTOTASK_CACHE`, `AUTOTASK_CACHE_DIR` and `AUTOTASK_REDIS_URL`."""
    env = os.environ if env is None else env
    redis_url = env.get(REDIS_URL_ENV, "").strip()
    wanted = _wanted_layers(env.get(CACHE_ENV, ""), has_redis_url=bool(redis_url))
    layers: list[CacheLayer] = []
    problems: list[str] = []
    for name in LAYER_NAMES:
        if name not in wanted:
            continue
        try:
            if name == "memory":
                layers.append(MemoryLayer(clock=clock))
            elif name == "disk":
                layers.append(DiskLayer(default_cache_dir(env), clock=clock))
            elif redis_url:
                layers.append(RedisLayer(redis_url, wall_clock=clock))
            else:
                problems.append(f"{CACHE_ENV} asks for redis but {REDIS_URL_ENV} is not set")
        except CacheLayerError as exc:
            problems.append(f"cache layer {name} left out: {exc}")
    cache = LayeredCache(layers, clock=clock)
    if problems:
        cache.warn_once("; ".join(problems) + f"; using {cache!r}")
    return cache


def _wanted_layers(setting: str, *, has_redis_url: bool) -> set[str]:
    """Parse `AUTOTASK_CACHE` into the set of layer names it asks for."""
    value = setting.strip().lower()
    if value in _OFF_WORDS:
        return set()
    if value in _AUTO_WORDS:
        return {"memory", "disk", "redis"} if has_redis_url else {"memory", "disk"}
    words = {word for word in re.split(r"[\s,+;]+", value) if word}
    unknown = words - set(LAYER_NAMES)
    if unknown:
        raise ConfigurationError(
            f"{CACHE_ENV}={setting!r}: unknown layer(s) {', '.join(sorted(unknown))}; "
            f"use 'off' or a list of {', '.join(LAYER_NAMES)}"
        )
    return words
