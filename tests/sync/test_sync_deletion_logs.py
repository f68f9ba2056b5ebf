"""Deletions only Autotask's deletion logs reveal (`sb.control.delete`, as a person deletes in the UI) leave
the mirror equal to the sandbox: a deleted ticket and the notes and time entries that went with it (which
leave no log row of their own), a note or time entry of a ticket that remains, a task's note or time entry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from py_autotask import AutotaskClient

from .conftest import ENTITIES, Mutator, assert_mirror_equal, duckdb_reader, postgres_reader, snake

pytest.importorskip("duckdb")


def _pipeline(tmp_path: Path, destination: str, dsn: str) -> Any:
    from py_autotask.sync import make_destination, make_pipeline

    return make_pipeline(make_destination(destination, dsn), "autotask", pipelines_dir=tmp_path / "dlt")


@pytest.mark.parametrize("destination", ["duckdb", "postgres"])
def test_deletions_only_a_log_reveals_leave_the_mirror_exact(sb: Any, client: AutotaskClient, tmp_path: Path,
                                                              destination: str, request: pytest.FixtureRequest) -> None:
    from py_autotask.sync import sync

    if destination == "postgres":
        dsn = request.getfixturevalue("pg_database")
        read = postgres_reader(dsn)
    else:
        dsn = str(tmp_path / "mirror.duckdb")
        read = duckdb_reader(tmp_path / "mirror.duckdb")
    pipeline = _pipeline(tmp_path, destination, dsn)
    mutator = Mutator(client, sb, seed=11)
    for _ in range(3):
        mutator.create_task_note()  # the seed has none
    sync(client, ENTITIES, pipeline=pipeline)
    mirrored = {e: {int(r["id"]) for r in read(snake(e))} for e in ENTITIES}
    for delete in mutator.ui_deletions():
        delete()
    gone = {e: set(ids) for e, ids in mutator.deleted.items()}
    # What the test relies on: the ticket took mirrored notes and time entries with it (no log row of their
    # own), and each log has rows that only it can explain.
    [ticket] = gone["Tickets"]
    assert {n for n in gone["TicketNotes"] if n in mirrored["TicketNotes"]} - {
        int(r["id"]) for r in client.ticket_notes.query([{"op": "eq", "field": "ticketID", "value": ticket}]).to_list()}
    logs = {log: client.entity(log).query().to_list()
            for log in ("DeletedTicketLogs", "DeletedTicketActivityLogs", "DeletedTaskActivityLogs")}
    assert ticket in {int(r["ticketID"]) for r in logs["DeletedTicketLogs"]}
    assert all(gone[e] <= mirrored[e] for e in ("Tickets", "TicketNotes", "TimeEntries", "TaskNotes"))
    assert len(gone["TimeEntries"]) >= 3 and len(gone["TicketNotes"]) >= 2

    result = sync(client, ENTITIES, pipeline=pipeline)

    assert all(e.mode == "incremental" for e in result.entities)
    deleted = {e.entity: e.deleted for e in result.entities}
    for entity in ("Tickets", "TicketNotes", "TimeEntries", "TaskNotes"):
        assert deleted[entity] == len(gone[entity]), (entity, deleted, gone)
        assert not gone[entity] & {int(r["id"]) for r in read(snake(entity))}, entity
    assert_mirror_equal(client, read, ENTITIES)


def test_randomized_rounds_with_ui_deletions_leave_duckdb_exact(sb: Any, client: AutotaskClient,
                                                                tmp_path: Path) -> None:
    from py_autotask.sync import sync

    pipeline = _pipeline(tmp_path, "duckdb", str(tmp_path / "mirror.duckdb"))
    read = duckdb_reader(tmp_path / "mirror.duckdb")
    mutator = Mutator(client, sb, seed=17)
    for _ in range(4):
        mutator.create_task_note()  # the seed has none
    sync(client, ENTITIES, pipeline=pipeline)
    for _ in range(3):
        mutator.round(10)
        # Deletions interleave with creates and updates of the same records (a note on a ticket deleted
        # later in the round, a time entry edited then deleted).
        for delete in mutator.rng.sample(mutator.ui_deletions(), 3):
            delete()
        mutator.round(4)
        sync(client, ENTITIES, pipeline=pipeline)
        assert_mirror_equal(client, read, ENTITIES)
    assert {"Tickets", "TicketNotes", "TimeEntries", "TaskNotes"} <= set(mutator.deleted), mutator.deleted
