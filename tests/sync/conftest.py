"""Sync tests: a small sandbox tenant, mirrors in DuckDB files and throwaway PostgreSQL databases, and an
independent comparison of a mirror with the sandbox (row for row, value for value).

The comparison reads the sandbox through the client's plain `query()` and the database with its own
driver; it converts values with the standard library only (not with the sync's converters), so a
conversion bug in the sync cannot agree with itself.
"""

from __future__ import annotations

import importlib.util
import os
import random
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from py_autotask import AutotaskClient

from .._clock import SANDBOX_NOW

if importlib.util.find_spec("dlt") is None:
    # The sync extra is not installed (say, in `make matrix`): none of these tests can run. A skip here, at
    # import, would be a collection error instead.
    collect_ignore_glob = ["test_*.py"]
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

BASE_URL = "https://sandbox.autotask.local/ATServicesRest/"
ENTITIES = ["Tickets", "TicketNotes", "TimeEntries", "Companies", "Contacts", "Projects", "Tasks", "TaskNotes"]
PG_DSN = "postgresql://postgres@127.0.0.1:5432/{db}"


@pytest.fixture(scope="module")
def small_sandbox() -> Any:
    from autotask_sandbox import Sandbox, SandboxConfig

    return Sandbox(SandboxConfig(seed=5, tickets=300, now=SANDBOX_NOW))


@pytest.fixture
def sb(small_sandbox: Any) -> Any:
    small_sandbox.control.reset()
    return small_sandbox


def new_client(sandbox: Any, **options: Any) -> AutotaskClient:
    creds = sandbox.credentials
    return AutotaskClient(username=creds["username"], secret=creds["secret"],
                          integration_code=creds["integration_code"], base_url=BASE_URL,
                          transport=sandbox.transport(), cache=False, **options)


@pytest.fixture
def client(sb: Any) -> Iterator[AutotaskClient]:
    with new_client(sb) as c:
        yield c


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A throwaway PostgreSQL database (dropped afterwards); yields its DSN."""
    psycopg2 = pytest.importorskip("psycopg2")
    name = f"sync_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg2.connect(PG_DSN.format(db="postgres"))
    except psycopg2.OperationalError:
        if shutil.which("pg_ctlcluster") is None and shutil.which("postgres") is None:
            pytest.skip("PostgreSQL is not installed (.ci/run starts it where it is)")
        raise
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name}")
    try:
        yield PG_DSN.format(db=name)
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


# --- reading a mirror --------------------------------------------------------------------------------


def duckdb_reader(path: Path, dataset: str = "autotask") -> Callable[[str], list[dict[str, Any]]]:
    def read(table: str) -> list[dict[str, Any]]:
        import duckdb

        con = duckdb.connect(str(path), read_only=True)
        try:
            cur = con.execute(f"SELECT * FROM {dataset}.{table}")
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        finally:
            con.close()
    return read


def postgres_reader(dsn: str, dataset: str = "autotask") -> Callable[[str], list[dict[str, Any]]]:
    def read(table: str) -> list[dict[str, Any]]:
        import psycopg2

        con = psycopg2.connect(dsn)
        try:
            with con.cursor() as cur:
                cur.execute(f"SELECT * FROM {dataset}.{table}")
                names = [d[0] for d in cur.description]
                return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        finally:
            con.close()
    return read


def snake(name: str) -> str:
    """dlt's snake_case (the documented contract: createDate -> create_date, udf:Root Cause -> udf_root_cause)."""
    from dlt.common.normalizers.naming.snake_case import NamingConvention

    return str(NamingConvention().normalize_identifier(name))


def _ms(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).replace("Z", "+00:00")
        moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return round(moment.timestamp() * 1000)


def _norm(value: Any, data_type: str) -> Any:
    if value is None or value == "":
        return None
    if data_type in ("datetime", "date"):
        return _ms(value)
    if data_type == "boolean":
        return value if isinstance(value, bool) else str(value).lower() in ("true", "1")
    if data_type in ("integer", "long", "short"):
        return int(float(value))
    if data_type in ("double", "decimal"):
        return round(float(value), 6)
    return str(value)


def assert_mirror_equal(client: AutotaskClient, read: Callable[[str], list[dict[str, Any]]],
                        entities: list[str]) -> None:
    """Every entity's table holds exactly the sandbox's records, every field equal."""
    for entity in entities:
        ent = client.entity(entity)
        fields = {str(f["name"]): str(f.get("dataType") or "string") for f in ent.fields()}
        udfs = {str(u["name"]): str(u.get("type") or "string") for u in ent.udfs()} if _has_udfs(entity) else {}
        api = {int(r["id"]): r for r in ent.query().to_list()}
        rows = {int(r["id"]): r for r in read(snake(entity))}
        assert sorted(rows) == sorted(api), (
            f"{entity}: missing {sorted(set(api) - set(rows))[:10]}, extra {sorted(set(rows) - set(api))[:10]}")
        for rid, record in api.items():
            row = rows[rid]
            for name, kind in fields.items():
                if kind == "array" or name not in record:
                    continue
                assert _norm(row[snake(name)], kind) == _norm(record[name], kind), (entity, rid, name)
            values = {u["name"]: u.get("value") for u in record.get("userDefinedFields") or ()}
            for name, kind in udfs.items():
                assert _norm(row[snake("udf:" + name)], kind) == _norm(values.get(name), kind), (entity, rid, name)


def _has_udfs(entity: str) -> bool:
    from py_autotask._catalog import load_catalog

    return bool(load_catalog()[entity].get("hasUdfs"))


# --- changing the tenant ------------------------------------------------------------------------------


class Mutator:
    """Seeded random creates, updates and deletes: deletes through the API (time entries) and as a person
    deletes in the UI (`sb.control.delete`: tickets, ticket notes, time entries, task notes). Each of these
    deletions shows only in a deletion log: a ticket in DeletedTicketLogs (its notes and time entries go
    with it and leave no row of their own), a ticket's note or time entry in DeletedTicketActivityLogs, a
    task's note or time entry in DeletedTaskActivityLogs."""

    def __init__(self, client: AutotaskClient, sandbox: Any, seed: int) -> None:
        self.client, self.sandbox = client, sandbox
        self.rng = random.Random(seed)
        self.n = 0
        self.deleted: dict[str, list[int]] = {}

    def _ids(self, entity: str, flt: Any = None) -> list[int]:
        return [int(r["id"]) for r in self.client.entity(entity).query(flt, fields=["id"]).to_list()]

    def _pick(self, entity: str, flt: Any = None) -> int:
        return self.rng.choice(self._ids(entity, flt))

    def round(self, ops: int = 12) -> None:
        actions = [self.create_ticket, self.update_ticket, self.create_note, self.update_note,
                   self.create_time_entry, self.update_time_entry, self.delete_time_entry, self.create_company,
                   self.update_company, self.create_contact, self.update_contact, self.update_project,
                   self.update_task, self.create_task_note, *self.ui_deletions()]
        for _ in range(ops):
            self.n += 1
            self.rng.choice(actions)()

    def create_task_note(self) -> None:
        task = self._pick("Tasks")
        self.client.entity("TaskNotes").create({"taskID": task, "title": f"Task note {self.n}",
                                                "description": "Checked.", "noteType": 1, "publish": 1},
                                               parent_id=task)

    def ui_deletions(self) -> list[Callable[[], None]]:
        """One of each deletion only a log reveals."""
        return [self.ui_delete_ticket, self.ui_delete_ticket_note, self.ui_delete_ticket_time_entry,
                self.ui_delete_task_time_entry, self.ui_delete_task_note]

    def _ui_delete(self, entity: str, record_id: int) -> None:
        removed = self.sandbox.control.delete(entity, record_id)["deleted"]
        for name, ids in removed.items():
            self.deleted.setdefault(name, []).extend(ids)

    def ui_delete_ticket(self) -> None:
        """A ticket with notes and time entries (they go with it; only its DeletedTicketLogs row remains)."""
        with_notes = {int(r["ticketID"]) for r in self.client.ticket_notes.query(fields=["ticketID"]).to_list()}
        with_time = {int(r["ticketID"]) for r in self.client.time_entries.query(
            [{"op": "exist", "field": "ticketID"}], fields=["ticketID"]).to_list()}
        self._ui_delete("Tickets", self.rng.choice(sorted(with_notes & with_time)))

    def ui_delete_ticket_note(self) -> None:
        self._ui_delete("TicketNotes", self._pick("TicketNotes"))

    def ui_delete_ticket_time_entry(self) -> None:
        self._ui_delete("TimeEntries", self._pick("TimeEntries", [{"op": "exist", "field": "ticketID"}]))

    def ui_delete_task_time_entry(self) -> None:
        self._ui_delete("TimeEntries", self._pick("TimeEntries", [{"op": "exist", "field": "taskID"}]))

    def ui_delete_task_note(self) -> None:
        if not self._ids("TaskNotes"):
            self.create_task_note()  # the seed has none
        self._ui_delete("TaskNotes", self._pick("TaskNotes"))

    def create_ticket(self) -> None:
        template = self.client.tickets.get(self._pick("Tickets"))
        assert template is not None
        body = {k: template[k] for k in ("companyID", "status", "priority", "queueID", "ticketType", "source",
                                         "issueType") if template.get(k) is not None}
        body.update({"title": f"Sync test ticket {self.n}", "dueDateTime": "2026-03-01T09:00:00Z",
                     "description": f"created in round op {self.n}"})
        self.client.tickets.create(body)

    def update_ticket(self) -> None:
        self.client.tickets.update(self._pick("Tickets"), {"title": f"Retitled {self.n}",
                                                           "description": f"note {self.rng.random():.6f}"})

    def create_note(self) -> None:
        ticket = self._pick("Tickets")
        self.client.ticket_notes.create({"ticketID": ticket, "title": f"Note {self.n}", "description": "Called.",
                                         "noteType": 1, "publish": 1}, parent_id=ticket)

    def update_note(self) -> None:
        note = self.client.ticket_notes.get(self._pick("TicketNotes"))
        assert note is not None
        self.client.ticket_notes.update(note["id"], {"title": f"Note edited {self.n}"}, parent_id=note["ticketID"])

    def _entry_template(self) -> dict[str, Any]:
        active = self._ids("Resources", [{"op": "eq", "field": "isActive", "value": True}])
        model = self.client.time_entries.query([{"op": "exist", "field": "ticketID"},
                                                {"op": "in", "field": "resourceID", "value": active}],
                                               limit=1).to_list()[0]
        return {k: model[k] for k in ("ticketID", "resourceID", "roleID", "billingCodeID") if model.get(k)}

    def create_time_entry(self) -> None:
        entry = self._entry_template()
        entry["ticketID"] = self._pick("Tickets")
        entry.update({"dateWorked": "2025-05-30T00:00:00", "hoursWorked": 0.25 * self.rng.randint(1, 8),
                      "summaryNotes": f"Work {self.n}", "startDateTime": "2025-05-30T09:00:00",
                      "endDateTime": "2025-05-30T10:00:00"})
        self.client.time_entries.create(entry)

    def update_time_entry(self) -> None:
        self.client.time_entries.update(self._pick("TimeEntries"), {"summaryNotes": f"Edited {self.n}"})

    def delete_time_entry(self) -> None:
        victim = self._pick("TimeEntries")
        self.client.time_entries.delete(victim)
        self.deleted.setdefault("TimeEntries", []).append(victim)

    def create_company(self) -> None:
        template = self.client.companies.get(self._pick("Companies", [{"op": "gt", "field": "id", "value": 0}]))
        assert template is not None
        body = {k: template[k] for k in ("companyType", "ownerResourceID", "phone", "isActive")
                if template.get(k) is not None}
        body["companyName"] = f"Sync Test Co {self.n}"
        self.client.companies.create(body)

    def update_company(self) -> None:
        self.client.companies.update(self._pick("Companies", [{"op": "gt", "field": "id", "value": 0}]),
                                     {"phone": f"555-{self.rng.randint(1000, 9999)}"})

    def create_contact(self) -> None:
        company = self._pick("Companies", [{"op": "gt", "field": "id", "value": 0}])
        self.client.contacts.create({"companyID": company, "firstName": "Ada", "lastName": f"Test{self.n}",
                                     "isActive": 1, "emailAddress": f"ada{self.n}@example.com"}, parent_id=company)

    def update_contact(self) -> None:
        contact = self.client.contacts.get(self._pick("Contacts"))
        assert contact is not None
        self.client.contacts.update(contact["id"], {"title": f"Role {self.n}"}, parent_id=contact["companyID"])

    def update_project(self) -> None:
        self.client.projects.update(self._pick("Projects"), {"description": f"Phase {self.n}"})

    def update_task(self) -> None:
        task = self.client.tasks.get(self._pick("Tasks"))
        assert task is not None
        self.client.tasks.update(task["id"], {"description": f"Step {self.n}"}, parent_id=task["projectID"])
