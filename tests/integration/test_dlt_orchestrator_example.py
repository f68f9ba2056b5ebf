"""Issue #13's orchestrator example for real: `examples/dlt_orchestrator_job.py`'s `run_sync_job` — the plain
function its Dagster asset and Airflow task wrap — mirrors a sandbox tenant (pinned clock) into DuckDB.

The mirror is judged against the API's own counts (`/query/count`) and a DuckDB connection of the test's
own; the runs after the first must be incremental: nothing changed -> nothing read or written; a changed
ticket -> that one row updated. The file also runs as a script (no Dagster, no Airflow) over HTTP.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from autotask_sandbox import Sandbox, SandboxConfig

from py_autotask import AutotaskClient

from .._clock import SANDBOX_NOW

pytest.importorskip("dlt")
pytest.importorskip("duckdb")
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "dlt_orchestrator_job.py"
BASE_URL = "https://sandbox.autotask.local/ATServicesRest/"
ENTITIES = ["Tickets", "TicketNotes", "Companies", "Contacts"]
TABLES = {"Tickets": "tickets", "TicketNotes": "ticket_notes", "Companies": "companies", "Contacts": "contacts"}


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dlt_orchestrator_job", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tenant() -> Sandbox:
    return Sandbox(SandboxConfig(seed=21, tickets=150, now=SANDBOX_NOW))


@pytest.fixture
def client(tenant: Sandbox) -> Iterator[AutotaskClient]:
    tenant.control.reset()
    creds = tenant.credentials
    with AutotaskClient(username=creds["username"], secret=creds["secret"], integration_code=creds["integration_code"],
                        base_url=BASE_URL, transport=tenant.transport(), cache=False) as api:
        yield api


def table_rows(path: Path, table: str) -> dict[int, dict[str, Any]]:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        cur = con.execute(f"SELECT * FROM autotask.{table}")
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        return {int(r["id"]): r for r in rows}
    finally:
        con.close()


def queries_per_entity(tenant: Sandbox) -> dict[str, int]:
    """Queries of the mirrored entities in the sandbox's request log (deletion logs and metadata left out)."""
    queries = [e["entity"] for e in tenant.control.request_log if e["action"] in ("queryPost", "queryGet")]
    return {entity: queries.count(entity) for entity in ENTITIES}


def test_the_job_mirrors_the_tenant_then_reads_only_what_changed(tenant: Sandbox, client: AutotaskClient,
                                                                 tmp_path: Path) -> None:
    job = load_example()
    mirror = tmp_path / "mirror.duckdb"

    def run() -> dict[str, Any]:
        summary: dict[str, Any] = job.run_sync_job(ENTITIES, dsn=str(mirror), pipelines_dir=tmp_path / "dlt",
                                                   client=client)
        json.dumps(summary)  # what a scheduler stores (Airflow's XCom, Dagster's metadata) must be JSON
        return summary

    first = run()
    counts = {entity: client.entity(entity).count() for entity in ENTITIES}  # the API's /query/count
    assert all(counts.values())
    for entity, table in TABLES.items():
        stats = first["entities"][entity]
        assert stats["mode"] == "full" and stats["fetched"] == stats["inserted"] == counts[entity], (entity, stats)
        assert len(table_rows(mirror, table)) == counts[entity], entity
    assert first["loads"] and first["dataset"] == "autotask"

    tenant.control.clear_log()
    second = run()  # nothing changed: one query per entity, nothing written
    for entity, table in TABLES.items():
        stats = second["entities"][entity]
        assert stats["mode"] == "incremental" and stats["inserted"] == stats["updated"] == stats["deleted"] == 0, (
            entity, stats)
        assert len(table_rows(mirror, table)) == counts[entity], entity
    assert queries_per_entity(tenant) == dict.fromkeys(ENTITIES, 1)

    ticket = min(table_rows(mirror, "tickets"))
    client.tickets.update(ticket, {"title": "Changed between two scheduled runs"})
    third = run()
    assert third["entities"]["Tickets"]["updated"] == 1 and third["entities"]["Tickets"]["inserted"] == 0
    assert all(third["entities"][e]["inserted"] == third["entities"][e]["updated"] == 0 for e in ENTITIES
               if e != "Tickets")
    tickets = table_rows(mirror, "tickets")
    assert tickets[ticket]["title"] == "Changed between two scheduled runs"
    assert len(tickets) == client.tickets.count() == counts["Tickets"]


def test_the_example_runs_as_a_script_without_dagster_or_airflow(tenant: Sandbox, tmp_path: Path) -> None:
    tenant.control.reset()
    for framework in ("dagster", "airflow"):  # what this test proves needs them absent
        if importlib.util.find_spec(framework) is not None:
            pytest.skip(f"{framework} is installed here")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTASK_")}
    with tenant.serve() as server:
        creds = tenant.credentials
        env.update(AUTOTASK_USERNAME=creds["username"], AUTOTASK_SECRET=creds["secret"],
                   AUTOTASK_INTEGRATION_CODE=creds["integration_code"],
                   AUTOTASK_ZONE_LOOKUP_URL=server.zone_lookup_url, AUTOTASK_CACHE="off",
                   RUNTIME__DLTHUB_TELEMETRY="false")
        done = subprocess.run([sys.executable, str(EXAMPLE), "Companies", "--dsn", str(tmp_path / "m.duckdb"),
                               "--pipelines-dir", str(tmp_path / "dlt")], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=240)
        assert done.returncode == 0, done.stderr[-3000:]
        summary = json.loads(done.stdout)
        with AutotaskClient(**creds, base_url=server.base_url, cache=False) as api:
            companies = api.companies.count()
    assert summary["entities"]["Companies"]["inserted"] == companies
    assert len(table_rows(tmp_path / "m.duckdb", "companies")) == companies
