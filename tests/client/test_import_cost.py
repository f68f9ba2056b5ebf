"""What a plain sync client loads: `import py_autotask`, build a client, read a query -- nothing more.

Start-up imports are CPU every short-lived process pays (a cron job, a Celery task, a CLI call); the
driver benchmark (`python -m benchmarks.driver_bench`) counts them against a bare httpx loop. Each
module named here has a feature that needs it, and that feature imports it when first used:
- the Redis-shared limits (`limits.shared_slots`, `shared_budget`, `redis_link`: asyncio, a thread pool)
  only with `limits="redis://…"` or `AUTOTASK_REDIS_URL`;
- the typed tables (`py_autotask.tables`, pyarrow) only on `.to_arrow()` / `.to_pandas()` / `.to_polars()`;
- the disk cache (`platformdirs`) only when the client caches (not with `cache=False`);
- difflib only for a misspelt name's suggestions; pkgutil and zipfile never (package data goes through
  the package's own loader).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ..conftest import SANDBOX_TICKETS

# Loaded by a feature the plain client below does not use (each is checked in its own test elsewhere).
NOT_FOR_A_PLAIN_CLIENT = [
    "asyncio",
    "concurrent.futures",
    "subprocess",
    "difflib",
    "pkgutil",  # the catalogue is read through its package's loader
    "zipfile",  # importlib.resources brings it; the catalogue does not need it
    "py_autotask.limits.shared_slots",
    "py_autotask.limits.shared_budget",
    "py_autotask.limits.redis_link",
    "redis",
    "py_autotask.tables",
    "py_autotask.tables.frames",
    "pyarrow",
    "pandas",
]

_SCRIPT = """
import json, os, sys
from py_autotask import AutotaskClient

env = os.environ
cache = {"off": False, "default": None}[sys.argv[1]]
with AutotaskClient(username=env["AT_USER"], secret=env["AT_SECRET"], integration_code=env["AT_CODE"],
                    base_url=env["AT_URL"], cache=cache) as client:
    records = sum(1 for _ in client.tickets.query())
print(json.dumps({"records": records, "modules": sorted(sys.modules)}))
"""


def _modules_after_a_query(server, cache: str) -> tuple[int, set[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTASK_")}  # no shared limits, no Redis cache
    env.update(AT_USER=server.credentials["username"], AT_SECRET=server.credentials["secret"],
               AT_CODE=server.credentials["integration_code"], AT_URL=server.base_url,
               AUTOTASK_CACHE_DIR=os.environ["AUTOTASK_CACHE_DIR"])
    done = subprocess.run([sys.executable, "-c", _SCRIPT, cache], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["records"], set(report["modules"])


def _modules_of_httpx() -> set[str]:
    """What `import httpx, orjson` loads by itself: with click installed, httpx imports its command line, and on
    Python 3.10 that brings subprocess (click → uuid → platform). Not ours to avoid."""
    done = subprocess.run([sys.executable, "-c", "import json, sys, httpx, orjson; print(json.dumps(sorted(sys.modules)))"],
                          capture_output=True, text=True, timeout=60, check=True)
    return set(json.loads(done.stdout))


@pytest.mark.parametrize("cache", ["off", "default"])
def test_a_plain_sync_query_loads_no_optional_machinery(sandbox_server, cache: str) -> None:
    records, modules = _modules_after_a_query(sandbox_server, cache)
    assert records == SANDBOX_TICKETS  # every page was read
    assert "py_autotask._client" in modules and "httpx" in modules
    ours = modules - _modules_of_httpx()
    loaded = [name for name in NOT_FOR_A_PLAIN_CLIENT if name in ours]
    assert loaded == [], f"a plain sync client imported {loaded}"
    if cache == "off":
        assert "platformdirs" not in modules and "py_autotask.cache.disk" not in modules
    else:
        assert "py_autotask.cache.disk" in modules  # the default cache does use the disk layer
