"""Celery workers writing to one Autotask tenant in bulk, with Autotask's limits shared through Redis.

    export AUTOTASK_USERNAME=… AUTOTASK_SECRET=… AUTOTASK_INTEGRATION_CODE=…
    export AUTOTASK_REDIS_URL=redis://127.0.0.1:6379/0      # shared slots + budget for every worker
    export CELERY_BROKER_URL=amqp://guest:guest@127.0.0.1:5672//
    celery -A examples.celery_bulk worker --concurrency=8

    >>> from examples.celery_bulk import upsert_contacts
    >>> upsert_contacts.delay([{"companyID": 0, "firstName": "Ada", "lastName": "Lovelace",
    ...                         "isActive": "1", "externalID": "HR-1"}]).get()
    {'created': 1}

Why it is safe to run many of these at once:
* every worker process builds ONE client (lazily, after the fork) from the environment; with
  `AUTOTASK_REDIS_URL` set its per-endpoint slots and hourly budget are shared with every other worker
  on every machine — Celery's own `rate_limit` is per worker and could not do this;
* the task upserts by a key (`externalID`), so a task that Celery runs twice (a worker lost mid-task
  with `acks_late`) updates what the first run created instead of creating it again;
* a failed row is reported, not retried blindly: the bulk engine has already retried what is safe.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery

from py_autotask import AutotaskClient

app = Celery(
    "autotask_bulk",
    broker=os.environ.get("CELERY_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//"),
    backend=os.environ.get("CELERY_RESULT_BACKEND") or None,
)
app.conf.update(
    task_default_queue=os.environ.get("AUTOTASK_CELERY_QUEUE", "autotask"),
    task_acks_late=True,  # a task whose worker dies is delivered again (the upsert makes that harmless)
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,  # one task at a time per worker process: the shared limits pace them
    broker_connection_retry_on_startup=True,
)

_client: AutotaskClient | None = None


def client() -> AutotaskClient:
    """This worker process's client (built on first use, so after Celery forked the process)."""
    global _client
    if _client is None:
        _client = AutotaskClient.from_env()
    return _client


@app.task(name="autotask.upsert_contacts")
def upsert_contacts(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Upsert Contacts by `externalID`; returns the outcome counts ({"created": 10}, …)."""
    summary = client().bulk.upsert("Contacts", rows, key=["externalID"]).wait()
    return dict(summary.counts)
