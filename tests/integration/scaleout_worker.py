"""One worker process of test_scale_out: `python scaleout_worker.py ENTITY --passes N --page-size K …`.

Builds `AutotaskClient.from_env()` (AUTOTASK_* credentials, the zone detected through
AUTOTASK_ZONE_LOOKUP_URL, limits from AUTOTASK_LIMITS / AUTOTASK_REDIS_URL), prints one JSON line with its
shared-limits process id as soon as the client exists, then exports ENTITY (ids only) `passes` times with
`threads` exports running side by side, and prints a last JSON line: the ids of each pass, the number of
pages it got, and the budget's usage. Warnings go to stderr, one per line, so the test can count them.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from py_autotask import AutotaskClient, ThresholdBudgetExceeded
from py_autotask.limits import SharedEndpointLimiter, ThresholdBudget


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("entity")
    parser.add_argument("--passes", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--share", type=float, default=None, help="budget share (pacing off, no waiting)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")
    if os.environ.get("SCALEOUT_DEBUG"):  # a timeline on stderr, for a failing run
        logging.getLogger().handlers[0].setFormatter(logging.Formatter("%(created).3f %(threadName)s %(message)s"))
        logging.getLogger("py_autotask").setLevel(logging.DEBUG)
    budget: Any = None
    if args.share is not None:
        budget = ThresholdBudget(share=args.share, soft_mark=1.0, wait=False)
    with AutotaskClient.from_env(cache=False, budget=budget) as client:
        limiter = client.limits.limiter
        process = limiter.link.process_id if isinstance(limiter, SharedEndpointLimiter) else None
        print(json.dumps({"process": process}), flush=True)
        pages = 0

        def export(_: int) -> list[int] | None:
            nonlocal pages
            query = client.entity(args.entity).query(fields=["id"], page_size=args.page_size)
            ids = []
            try:
                for page in query.pages():
                    ids.extend(record["id"] for record in page.items)
                    pages += 1
            except ThresholdBudgetExceeded:
                return None
            return ids

        with ThreadPoolExecutor(args.threads) as pool:
            runs = list(pool.map(export, range(args.passes)))
        budget_usage = client.limits.budget.usage() if client.limits.budget else None
        print(json.dumps({"runs": runs, "pages": pages, "budget": budget_usage}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
