"""`sync` keeps DuckDB and PostgreSQL equal to the sandbox through rounds of creates, updates and deletes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from py_autotask import AutotaskClient

from .conftest import (
    ENTITIES,
    Mutator,
    assert_mirror_equal,
    duckdb_reader,
    new_client,
    postgres_reader,
    snake,
)

pytest.importorskip("duckdb")


def _duckdb_pipeline(tmp_path: Path) -> Any:
    from py_autotask.sync import make_destination, make_pipeline

    return make_pipeline(make_destination("duckdb", str(tmp_path / "mirror.duckdb")), "autotask",
                         pipelines_dir=tmp_path / "dlt")


def _queries(sandbox: Any) -> list[dict[str, Any]]:
    return [e for e in sandbox.control.request_log if e["action"] in ("queryPost", "queryGet")]


def test_rounds_leave_duckdb_equal_to_the_sandbox(sb: Any, client: AutotaskClient, tmp_path: Path) -> None:
    from py_autotask.sync import sync

    pipeline = _duckdb_pipeline(tmp_path)
    read = duckdb_reader(tmp_path / "mirror.duckdb")
    mutator = Mutator(client, sb, seed=3)
    mutator.create_task_note()  # the seed has none; an entity without records has no cursor yet
    first = sync(client, ENTITIES, pipeline=pipeline)
    assert {e.entity: e.mode for e in first.entities} == dict.fromkeys(ENTITIES, "full")
    assert_mirror_equal(client, read, ENTITIES)
    for _ in range(3):
        mutator.round(12)
        result = sync(client, ENTITIES, pipeline=pipeline)
        assert all(e.mode == "incremental" for e in result.entities)
        assert_mirror_equal(client, read, ENTITIES)
    assert mutator.deleted.get("TimeEntries"), "the seeded rounds delete time entries"
    # Deleted time entries are only in the activity logs; the summary counts them.
    # A rerun with nothing changed: one query per entity plus the three deletion-log reads.
    sb.control.clear_log()
    quiet = sync(client, ENTITIES, pipeline=pipeline)
    queries = _queries(sb)
    by_entity = {e: sum(1 for q in queries if q["entity"] == e) for e in ENTITIES}
    assert by_entity == dict.fromkeys(ENTITIES, 1), by_entity
    logs = [q["entity"] for q in queries if q["entity"] not in ENTITIES]
    assert sorted(logs) == ["DeletedTaskActivityLogs", "DeletedTicketActivityLogs", "DeletedTicketLogs"]
    assert all(e.inserted == e.updated == e.deleted == 0 for e in quiet.entities), quiet.entities


def test_picklist_values_table_joins_labels(sb: Any, client: AutotaskClient, tmp_path: Path) -> None:
    from py_autotask.sync import sync

    sync(client, ["Tickets"], pipeline=_duckdb_pipeline(tmp_path))
    rows = duckdb_reader(tmp_path / "mirror.duckdb")("picklist_values")
    status = {r["value"]: r for r in rows if r["entity"] == "Tickets" and r["field"] == "status"}
    expected = {str(v["value"]): v for v in client.tickets.field("status")["picklistValues"]}
    assert set(status) == set(expected)
    for value, entry in expected.items():
        assert (status[value]["label"], status[value]["is_active"], status[value]["sort_order"]) == (
            entry["label"], entry["isActive"], entry["sortOrder"])
    udf = [r for r in rows if r["entity"] == "Tickets" and r["field"] == "Root Cause"]
    assert udf, "UDF picklists are in the table too"


def test_an_entity_without_records_gets_an_empty_table(sb: Any, client: AutotaskClient, tmp_path: Path) -> None:
    from py_autotask.sync import sync

    assert client.entity("TaskNotes").count() == 0  # the seed has none
    sync(client, ["TaskNotes"], pipeline=_duckdb_pipeline(tmp_path))
    assert duckdb_reader(tmp_path / "mirror.duckdb")(snake("TaskNotes")) == []
    assert_mirror_equal(client, duckdb_reader(tmp_path / "mirror.duckdb"), ["TaskNotes"])


def test_unlogged_deletions_need_full_and_the_guard_refuses_mass_deletes(sb: Any, client: AutotaskClient,
                                                                          tmp_path: Path) -> None:
    from py_autotask.sync import sync

    pipeline = _duckdb_pipeline(tmp_path)
    read = duckdb_reader(tmp_path / "mirror.duckdb")
    sync(client, ["Contacts"], pipeline=pipeline)
    contacts = client.contacts.query().to_list()
    victims = contacts[:3]
    for contact in victims:
        client.contacts.delete(contact["id"], parent_id=contact["companyID"])
    result = sync(client, ["Contacts"], pipeline=pipeline, full=True)
    assert result.entities[0].deleted == 3 and result.entities[0].mode == "full"
    assert_mirror_equal(client, read, ["Contacts"])
    # More than half of the table vanishing (say, permissions lost) is refused unless allowed.
    rest = client.contacts.query().to_list()
    for contact in rest[: int(len(rest) * 0.6)]:
        client.contacts.delete(contact["id"], parent_id=contact["companyID"])
    refused = sync(client, ["Contacts"], pipeline=pipeline, full=True)
    assert refused.entities[0].refused == int(len(rest) * 0.6) and refused.entities[0].deleted == 0
    assert len(read(snake("Contacts"))) == len(rest)
    allowed = sync(client, ["Contacts"], pipeline=pipeline, full=True, allow_mass_delete=True)
    assert allowed.entities[0].deleted == int(len(rest) * 0.6)
    assert_mirror_equal(client, read, ["Contacts"])


FAULTS = {"500": 0.05, "429": 0.02, "reset": 0.01}


@pytest.mark.slow
def test_rounds_with_faults_leave_postgres_equal_to_the_sandbox(sb: Any, client: AutotaskClient, tmp_path: Path,
                                                                pg_database: str) -> None:
    from py_autotask.sync import make_destination, make_pipeline, sync

    pipeline = make_pipeline(make_destination("postgres", pg_database), "autotask", pipelines_dir=tmp_path / "dlt")
    read = postgres_reader(pg_database)
    sync(client, ENTITIES, pipeline=pipeline)
    assert_mirror_equal(client, read, ENTITIES)
    mutator = Mutator(client, sb, seed=4)
    for n in range(2):
        mutator.round(12)
        sb.control.set_faults(FAULTS, seed=30 + n)
        with new_client(sb, max_retries=8) as faulty:
            sync(faulty, ENTITIES, pipeline=pipeline)
        sb.control.set_faults({})
        assert_mirror_equal(client, read, ENTITIES)
    assert sum(sb.control.stats()["faults"].values()) > 0


def test_faults_do_not_change_the_mirror(sb: Any, tmp_path: Path) -> None:
    from py_autotask.sync import sync

    pipeline = _duckdb_pipeline(tmp_path)
    read = duckdb_reader(tmp_path / "mirror.duckdb")
    with new_client(sb) as client:
        sync(client, ENTITIES, pipeline=pipeline)
        Mutator(client, sb, seed=9).round(15)
    sb.control.set_faults(FAULTS, seed=21)
    with new_client(sb, max_retries=8) as faulty:
        sync(faulty, ENTITIES, pipeline=pipeline, chunk_rows=400)
    sb.control.set_faults({})
    assert sum(sb.control.stats()["faults"].values()) > 0
    with new_client(sb) as client:
        assert_mirror_equal(client, read, ENTITIES)


def test_a_chunked_first_sync_makes_no_load_without_rows(sb: Any, client: AutotaskClient, tmp_path: Path) -> None:
    from py_autotask.sync import sync

    result = sync(client, ["TicketNotes"], pipeline=_duckdb_pipeline(tmp_path), chunk_rows=100)
    # Each load costs a fixed ~0.5 s of CPU, and the last one overlaps no fetching: the chunk that completes
    # the entity finishes it in its own load, not in one more (empty) load after it.
    packages = sorted((tmp_path / "dlt").glob("*/load/loaded/*"))
    assert result.loads == len(packages) > 1
    assert all(list(p.glob("completed_jobs/ticket_notes.*")) for p in packages), packages
    assert_mirror_equal(client, duckdb_reader(tmp_path / "mirror.duckdb"), ["TicketNotes"])


def test_the_embedded_duckdb_has_a_memory_limit(sb: Any, client: AutotaskClient, tmp_path: Path) -> None:
    """DuckDB runs in the syncing process: by default it may use 80 % of the RAM and its buffer pool keeps
    the blocks of the growing table, so the process grew with the mirror."""
    from py_autotask.sync import sync

    pipeline = _duckdb_pipeline(tmp_path)
    sync(client, ["Companies"], pipeline=pipeline)
    with pipeline.sql_client() as sql:
        [(limit, ordered)] = sql.execute_sql("SELECT current_setting('memory_limit'), "
                                             "current_setting('preserve_insertion_order')")
    assert limit == "61.0 MiB", limit  # DuckDB reads '64MB' as 10^6 bytes and shows MiB
    assert ordered is False
