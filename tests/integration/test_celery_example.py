"""Issue #13's Celery example for real: a prefork worker pool (4 processes, 3 write threads each) upserting
Contacts into one sandbox (100 ms latency, thread limit 3) through RabbitMQ, limits shared through a
private redis-server. The sandbox counts zero thread-limit rejections; a raw listing finds every contact
exactly once; a task delivered twice changes nothing the second time.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from autotask_sandbox import Sandbox, SandboxConfig

from .._clock import SANDBOX_NOW
from .._redis import RedisServer
from .conftest import raw_client

ROOT = Path(__file__).resolve().parents[2]
BROKER = "amqp://guest:guest@127.0.0.1:5672//"
TASKS, ROWS = 8, 10

pytest.importorskip("celery", reason="the Celery example needs celery (a dev dependency)")
pytestmark = pytest.mark.slow


def rabbitmq_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture
def farm() -> Iterator[tuple[Sandbox, Any]]:
    sandbox = Sandbox(SandboxConfig(seed=17, tickets=200, now=SANDBOX_NOW, latency_ms=100, thread_limit=3))
    with sandbox.serve() as server:
        yield sandbox, server


def contacts_with(sandbox: Sandbox, prefix: str) -> Counter[str]:
    """externalIDs starting with `prefix`, counted, by raw queries (not through the client)."""
    with raw_client(sandbox) as http:
        answer = http.post("Contacts/query", json={
            "filter": [{"op": "beginsWith", "field": "externalID", "value": prefix}],
            "includeFields": ["id", "externalID"], "maxRecords": 500,
        })
        answer.raise_for_status()
        return Counter(item["externalID"] for item in answer.json()["items"])


def test_celery_workers_upsert_in_bulk_within_the_shared_limits(
    farm: tuple[Sandbox, Any], redis_server: RedisServer, tmp_path: Path
) -> None:
    if not rabbitmq_answers():
        pytest.skip("RabbitMQ is not answering on 127.0.0.1:5672 (.ci/run starts it)")
    sandbox, server = farm
    queue = f"py-autotask-test-{uuid.uuid4().hex[:8]}"
    backend = "rpc://"  # results come back over RabbitMQ; the private Redis holds only the limits
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOTASK_", "CELERY_"))}
    env.update(
        AUTOTASK_USERNAME=sandbox.credentials["username"], AUTOTASK_SECRET=sandbox.credentials["secret"],
        AUTOTASK_INTEGRATION_CODE=sandbox.credentials["integration_code"],
        AUTOTASK_ZONE_LOOKUP_URL=server.zone_lookup_url, AUTOTASK_REDIS_URL=redis_server.url,
        AUTOTASK_CACHE="memory", AUTOTASK_CELERY_QUEUE=queue,
        CELERY_BROKER_URL=BROKER, CELERY_RESULT_BACKEND=backend,
    )
    log = tmp_path / "worker.log"  # a file, not a pipe: a full pipe would stall the worker
    with log.open("w") as log_file:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "examples.celery_bulk", "worker", "--pool=prefork",
             "--concurrency=4", "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log_file,
        )
    sys.path.insert(0, str(ROOT))
    from examples.celery_bulk import app, upsert_contacts

    try:
        app.conf.update(broker_url=BROKER, result_backend=backend, task_default_queue=queue)
        with raw_client(sandbox) as http:
            company = http.post("Companies/query", json={"filter": [{"op": "exist", "field": "id"}],
                                                         "includeFields": ["id"], "maxRecords": 1})
            company_id = company.json()["items"][0]["id"]
        batches = [[{"companyID": company_id, "firstName": f"Ada{t}-{r}", "lastName": "Lovelace", "isActive": "1",
                     "externalID": f"CEL-{t}-{r}"} for r in range(ROWS)] for t in range(TASKS)]
        results = [upsert_contacts.delay(batch) for batch in batches]
        outcomes = [result.get(timeout=240) for result in results]
        assert outcomes == [{"created": ROWS}] * TASKS
        assert upsert_contacts.delay(batches[0]).get(timeout=120) == {"unchanged": ROWS}  # delivered twice

        assert sandbox.control.stats()["thread_limit_rejections"] == 0
        found = contacts_with(sandbox, "CEL-")
        assert set(found) == {f"CEL-{t}-{r}" for t in range(TASKS) for r in range(ROWS)}
        assert set(found.values()) == {1}
    finally:
        sys.path.remove(str(ROOT))
        worker.send_signal(signal.SIGTERM)  # warm shutdown
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        err = log.read_text() if log.exists() else ""
        print(err[-3000:])  # shown when the test fails
        app.close()
    assert "Traceback" not in err, err[-3000:]
