"""Lazy seed tables, the fast row-source load, and restore points (what makes control.reset() cheap)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import orjson
import pytest
from autotask_sandbox import Sandbox, SandboxConfig
from autotask_sandbox.backend.store import Actor, Store
from autotask_sandbox.backend.table import INDEX_MIN_ROWS
from autotask_sandbox.seed.build import generate
from autotask_sandbox.seed.core import RowTable
from autotask_sandbox.tenant.metadata import TenantMetadata

NOW = datetime(2024, 1, 31, 15, 4, 5, 307000, tzinfo=timezone.utc)
ALL = {"filter": [{"op": "exist", "field": "id"}]}


@pytest.fixture(scope="module")
def meta() -> TenantMetadata:
    return TenantMetadata(seed=1)


@pytest.fixture(scope="module")
def seeded(meta: TenantMetadata):
    return generate(meta, seed=1, tickets=300, now=NOW - timedelta(days=1))


@pytest.fixture
def store(meta: TenantMetadata, seeded) -> Store:
    store = Store(meta, lambda: NOW)
    store.load(seeded.tables)
    return store


def dump(store: Store, entity: str) -> bytes:
    """Every record of ``entity`` as the API would serve them."""
    records, start = [], None
    while True:
        page = store.query(entity, {**ALL, "MaxRecords": 500}, start_id=start)
        records.extend(page.items)
        if page.next_id is None:
            return orjson.dumps(records)
        start = page.next_id


def test_tables_are_built_on_first_use_and_stats_builds_them_all(store: Store, seeded) -> None:
    assert store._tables == {}
    assert store.get("Tickets", 1) is None
    assert set(store._tables) == {"Tickets"}
    rows = store.stats()
    assert rows["Tickets"] == 300 and rows["TicketNotes"] > 300
    assert set(rows) == {tag for tag, records in seeded.tables.items() if any(True for _ in records)}


def test_row_tables_load_exactly_the_records_their_dicts_describe(meta: TenantMetadata, seeded) -> None:
    # The same tables through both load paths: tuples as they are, and their sparse-dict view.
    row_tables = {tag: records for tag, records in seeded.tables.items() if isinstance(records, RowTable)}
    assert {"Tickets", "TicketNotes", "TimeEntries"} <= set(row_tables)
    as_rows, as_dicts = Store(meta, lambda: NOW), Store(meta, lambda: NOW)
    as_rows.load(row_tables)
    as_dicts.load({tag: list(records) for tag, records in row_tables.items()})
    for tag in row_tables:
        assert dump(as_rows, tag) == dump(as_dicts, tag), tag
    ticket = as_rows.query("Tickets", {**ALL, "MaxRecords": 1}).items[0]
    assert [u["name"] for u in ticket["userDefinedFields"]] == [u["name"] for u in meta.udfs("Tickets")]


def test_restore_undoes_creates_updates_deletes_and_their_logs(store: Store) -> None:
    actor = Actor(store.query("Resources", {**ALL, "MaxRecords": 1}).items[0]["id"])
    before = {
        entity: dump(store, entity) for entity in ("Tickets", "TimeEntries", "DeletedTicketActivityLogs")
    }
    ticket = store.query("Tickets", {**ALL, "MaxRecords": 1}).items[0]
    body = {k: ticket[k] for k in ("companyID", "status", "priority", "dueDateTime")}
    created = store.create("Tickets", {**body, "title": "new"}, actor=actor)
    store.update("Tickets", {"id": ticket["id"], "title": "changed"}, actor=actor)
    entry = store.query("TimeEntries", {"filter": [{"op": "exist", "field": "ticketID"}], "MaxRecords": 1})
    store.delete("TimeEntries", entry.items[0]["id"], actor=actor)
    assert dump(store, "DeletedTicketActivityLogs") != before["DeletedTicketActivityLogs"]

    store.restore()
    assert {entity: dump(store, entity) for entity in before} == before
    assert store.get("Tickets", created) is None
    # The id sequence is back too: the next create gets the same id again.
    assert store.create("Tickets", {**body, "title": "again"}, actor=actor) == created
    store.restore()
    store.restore()  # nothing to undo
    assert dump(store, "Tickets") == before["Tickets"]


def test_restore_undoes_a_widened_layout_and_index_changes(meta: TenantMetadata) -> None:
    rows = [{"id": i, "companyID": i % 5, "title": f"t{i}"} for i in range(1, INDEX_MIN_ROWS + 100)]
    store = Store(meta, lambda: NOW)
    store.load({"Tickets": rows})
    query = {"filter": [{"op": "eq", "field": "companyID", "value": 3}]}
    expected = store.count("Tickets", query)  # builds the companyID index
    table = store._tables["Tickets"]
    layout = table.stored
    moved = table.unpack(table.rows[table.position(3)])
    moved[table.column("companyID")] = 4
    moved[table.column("description")] = "a column no seeded row had"
    table.replace(table.position(3), moved)
    assert table.stored != layout and store.count("Tickets", query) == expected - 1

    store.restore()
    assert table.stored == layout
    assert store.count("Tickets", query) == expected
    record = store.get("Tickets", 3)
    assert record is not None and record["companyID"] == 3 and record["description"] is None


def test_reset_restores_without_regenerating_the_tenant() -> None:
    sandbox = Sandbox(SandboxConfig(seed=1, tickets=200, now=NOW))
    store = sandbox.state.store
    creds = sandbox.credentials
    ticket = store.query("Tickets", {**ALL, "MaxRecords": 1}).items[0]
    store.update(
        "Tickets", {"id": ticket["id"], "title": "edited"}, actor=Actor(sandbox.api_user.resource_id)
    )
    sandbox.control.reset()
    assert sandbox.state.store is store and sandbox.credentials == creds
    assert store.get("Tickets", ticket["id"]) == ticket
    sandbox.control.reset(data=True)  # regenerates the tenant: a new store (times follow the clock)
    assert sandbox.state.store is not store
    assert sandbox.state.store.get("Tickets", ticket["id"])["title"] == ticket["title"]
