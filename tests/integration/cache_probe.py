"""A second client process for test_cache_end_to_end: `python cache_probe.py Entity …` with AUTOTASK_* set.

Builds `AutotaskClient.from_env()` (zone detected through AUTOTASK_ZONE_LOOKUP_URL, cache layers from
AUTOTASK_CACHE / AUTOTASK_CACHE_DIR / AUTOTASK_REDIS_URL), reads the field metadata of every entity named
on the command line, counts tickets, and prints one JSON line: the zone it used, the count and the
cache's statistics. Warnings go to stderr, one per line, so the test can count them.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from py_autotask import AutotaskClient

# Another process on the same machine shares its clock: take the test session's clock shift, if any.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _clock import follow_session_clock  # noqa: E402

follow_session_clock()


def main(entities: list[str]) -> int:
    """Run the probe; the exit status is 0 when every call succeeded."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")
    with AutotaskClient.from_env() as client:
        fields = {name: len(client.entity(name).fields()) for name in entities}
        count = client.tickets.count()
        cache = client.runtime.cache
        print(json.dumps({
            "zone": client.base_url,
            "fields": fields,
            "count": count,
            "layers": [layer.name for layer in cache.layers],
            "stats": cache.stats(),
        }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
