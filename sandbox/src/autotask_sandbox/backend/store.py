"""The sandbox's data store: every entity's rows, Autotask query semantics and validated writes.

The wire layer calls :class:`Store` with parsed JSON and gets plain dicts back (or an
:class:`~.errors.ApiError`). Rows live in compact :class:`~.table.Table` objects; queries are compiled by
:class:`~.query_engine.QueryEngine`; writes go through :class:`~.validation.Validator` and
:class:`~.write_effects.Effects`. One lock serialises all calls (the wire layer may run handlers on
several threads).

Seed tables are built when first used (a million-ticket tenant answers within seconds) and the loaded
data is a restore point: :meth:`Store.restore` undoes every write since in milliseconds, which is what
``control.reset()`` does between tests.

Switchable behaviours (keyword arguments of :class:`Store`; defaults follow the live API or the docs):

* ``unknown_operator`` "ignore" | "error" — unknown filter operators are ignored like the live API does;
* ``empty_filter`` "error" | "all" — a query without a filter is refused (the docs require one);
* ``noteq_matches_null`` — SQL semantics by default (``noteq``/``notIn`` do not match nulls);
* ``readonly_fields`` "ignore" | "error" — read-only properties in a write body are silently ignored
  (SOAP's update() rule, assumed for REST: docs/autotask-facts.md#writes) or refused;
* ``attachment_limits`` — the per-file and per-5-minutes upload limits (:mod:`.attachments`).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..specdata import load_models
from ..wire.errors import ApiError
from .attachments import AttachmentLimits, Attachments
from .query_engine import Plan, QueryEngine, count_rows, previous_start_id, select_rows
from .table import Table
from .validation import Validator
from .values import ConversionError, coerce_write, format_datetime
from .write_effects import Actor, Effects, deletion_log

__all__ = ["Actor", "Page", "Store"]

DELETE_MISSING_MESSAGE = (
    "No message. No matching records found. The logged in Resource may not have the required permissions "
    "to delete the data."
)
UPDATE_MISSING_MESSAGE = (
    "No matching records found. The logged in Resource may not have the required permissions to update "
    "the data."
)
# Autotask appends this to validation errors of an update (n8n-nodes-autotask #15 and #48, live REST).
UPDATE_TRAILER = "Error updating entity for record number [1]."


@dataclass
class Page:
    """One page of query results."""

    items: list[dict]
    next_id: int | None  # id of the first record of the next page; None on the last page


class Store:
    """All entity rows of one sandbox tenant."""

    def __init__(
        self,
        meta: Any,
        clock: Callable[[], datetime],
        *,
        unknown_operator: str = "ignore",
        empty_filter: str = "error",
        noteq_matches_null: bool = False,
        readonly_fields: str = "ignore",
        attachment_limits: AttachmentLimits | None = None,
    ) -> None:
        if readonly_fields not in ("ignore", "error"):
            raise ValueError("readonly_fields must be 'ignore' or 'error'")
        self.meta = meta
        self.clock = clock
        self.engine = QueryEngine(
            unknown_operator=unknown_operator,
            empty_filter=empty_filter,
            noteq_matches_null=noteq_matches_null,
        )
        self.readonly_fields = readonly_fields
        self._models = load_models()
        self._tags = {tag.lower(): tag for tag in self._models}
        self._tables: dict[str, Table] = {}
        self._sources: dict[str, Iterable[dict]] = {}  # seed tables not built yet (entity tag -> records)
        self._lock = threading.RLock()
        self._attachment_limits = attachment_limits
        self._fresh_writers()

    def _fresh_writers(self) -> None:
        """New write-side helpers: validation rules, ticket-number counters, the upload budget."""
        self.validator = Validator(self.meta, self._existing_table)
        self.effects = Effects(self.meta)
        self.attachments = Attachments(
            self.meta,
            self._models,
            self._existing_table,
            lambda: self.clock().timestamp(),
            self._attachment_limits,
        )

    # ---------------------------------------------------------------- tables
    def _tag(self, entity: str) -> str:
        tag = self._tags.get(entity.lower()) if isinstance(entity, str) else None
        if tag is None:
            raise ApiError(404, html=True)
        return tag

    def _table(self, entity: str) -> Table:
        tag = self._tag(entity)
        table = self._tables.get(tag)
        if table is None:
            # Seed tables are built on first use: a million-ticket tenant answers as soon as the tables
            # a request needs exist, and tables nobody touches cost neither time nor memory.
            table = Table(tag, self._models[tag], self._udf_definitions(tag))
            source = self._sources.get(tag)
            if source is not None:
                table.load(source)
                del self._sources[tag]
                if len(table) >= GC_FREEZE_ROWS:
                    _freeze_gc()
            self._tables[tag] = table
        return table

    def _existing_table(self, entity: str) -> Table | None:
        return self._table(entity) if entity.lower() in self._tags else None

    def _udf_definitions(self, tag: str) -> list[dict]:
        if not self._models[tag].get("hasUdfs"):
            return []
        return list(self.meta.udfs(tag))

    def _now(self) -> str:
        return format_datetime(self.clock())

    def load(self, tables: dict[str, Iterable[dict]]) -> None:
        """Replace all data with seed tables (entity tag -> records, or a row source: see
        :mod:`.table_load`); each table is built when first used, so the records must stay iterable."""
        with self._lock:
            _unfreeze_gc()  # the data being replaced must become collectable again
            self._tables = {}
            self._sources = {self._tag(entity): records for entity, records in tables.items()}
            self._fresh_writers()

    def restore(self) -> None:
        """Back to the data as loaded: undo every write since (only tables written to do any work)."""
        with self._lock:
            for table in self._tables.values():
                table.restore()
            self._fresh_writers()

    def build_all(self) -> None:
        """Build every seed table not built yet."""
        with self._lock:
            for tag in list(self._sources):
                self._table(tag)

    def stats(self) -> dict[str, int]:
        """Rows per entity (entities holding at least one row; builds every table)."""
        with self._lock:
            self.build_all()
            return {tag: len(table) for tag, table in sorted(self._tables.items()) if len(table)}

    # ---------------------------------------------------------------- reads
    def query(
        self, entity: str, query: dict, *, start_id: int | None = None, page_size: int | None = None
    ) -> Page:
        """One page of a QueryModel's results in ascending id, starting at ``start_id`` (inclusive)."""
        with self._lock:
            table = self._table(entity)
            compiled = self.engine.compile(table, query)
            size = compiled.max_records if page_size is None else max(1, int(page_size))
            rows = select_rows(table, compiled.plan, start_id, size + 1)
            next_id = rows[size][0] if len(rows) > size else None
            rows = rows[:size]
            if compiled.projection is not None:
                return Page(compiled.projection.apply(table, rows), next_id)
            return Page(table.to_dicts(rows), next_id)

    def previous_start(self, entity: str, query: dict, *, before_id: int, page_size: int) -> int | None:
        """First id of the page that ends just before ``before_id`` (for prevPageUrl), or None."""
        with self._lock:
            table = self._table(entity)
            compiled = self.engine.compile(table, query, check_max_records=False)
            return previous_start_id(table, compiled.plan, before_id, page_size)

    def count(self, entity: str, query: dict) -> int:
        """Number of records matching a QueryModel's filter."""
        with self._lock:
            table = self._table(entity)
            return count_rows(table, self.engine.compile(table, query, check_max_records=False).plan)

    def get(self, entity: str, record_id: int, *, parent: tuple[str, int] | None = None) -> dict | None:
        """The full record with ``record_id`` (None if absent or not a child of ``parent``)."""
        with self._lock:
            table = self._table(entity)
            row = table.row(record_id) if isinstance(record_id, int) else None
            if row is None or not self._belongs(table, row, parent):
                return None
            return table.to_dict(row)

    def list_children(
        self,
        entity: str,
        parent_field: str | None,
        parent_id: int,
        *,
        start_id: int | None = None,
        page_size: int = 500,
    ) -> Page:
        """A page of the records whose ``parent_field`` is ``parent_id`` (all records when it is None)."""
        with self._lock:
            table = self._table(entity)
            col = table.column(parent_field) if parent_field else None
            if parent_field and col is None:
                raise ApiError(500, [f"Unable to find {parent_field} in the {table.legacy} Entity"])
            slot = None if col is None else table.slot(col)
            if col is None:
                plan = Plan(None)
            elif slot is None:
                plan = Plan(None, empty=True)  # no row has ever had a parent: nothing belongs to this one
            else:
                plan = Plan(
                    lambda row: row[slot] == parent_id, index_terms=((col, parent_id),), residual_terms=1
                )
            size = max(1, int(page_size))
            rows = select_rows(table, plan, start_id, size + 1)
            next_id = rows[size][0] if len(rows) > size else None
            return Page(table.to_dicts(rows[:size]), next_id)

    @staticmethod
    def _belongs(table: Table, row: tuple, parent: tuple[str, int] | None) -> bool:
        if parent is None or not parent[0]:
            return True
        col = table.column(parent[0])
        return col is None or table.value(row, col) == parent[1]

    # ---------------------------------------------------------------- writes
    def create(self, entity: str, body: dict, *, actor: Actor, parent: tuple[str, int] | None = None) -> int:
        """Insert a record; returns its new id (ids grow monotonically; an ``id`` in the body is ignored)."""
        with self._lock:
            table = self._table(entity)
            values, udfs, errors = self._decode(table, body)
            row: list = [None] * table.width
            for col, value in values.items():
                row[col] = value
            if table.udf_index is not None:
                row[table.udf_index] = _udf_tuple(udfs, len(table.udf_names))
            sent = set(values)
            self._force_parent(table, row, sent, parent)
            now = self._now()
            self.effects.on_create(table, row, actor, now)
            attachment = self.attachments.applies(table)
            size, computed_errors = self.attachments.prepare(table, row) if attachment else (None, [])
            errors += computed_errors + self.validator.check(table, row, sent, set(udfs), full=True)
            if attachment and not errors:
                errors += self.attachments.admit(size)
            if errors:
                raise ApiError(500, errors)
            self.effects.number(table, row, now)
            row[0] = self.attachments.next_id(table) if attachment else table.max_id + 1
            table.append(row)
            if attachment:
                self.attachments.index(table, row)
            return row[0]

    def update(self, entity: str, body: dict, *, actor: Actor, parent: tuple[str, int] | None = None) -> int:
        """PATCH: only the properties present in the body change (explicit null clears)."""
        return self._modify(entity, body, actor, parent, replace=False)

    def replace(self, entity: str, body: dict, *, actor: Actor, parent: tuple[str, int] | None = None) -> int:
        """PUT: writable properties missing from the body become null."""
        return self._modify(entity, body, actor, parent, replace=True)

    def _modify(
        self, entity: str, body: dict, actor: Actor, parent: tuple[str, int] | None, *, replace: bool
    ) -> int:
        with self._lock:
            table = self._table(entity)
            record_id = _body_id(body)
            pos = table.position(record_id) if record_id is not None else None
            if pos is None or not self._belongs(table, table.rows[pos], parent):
                raise ApiError(500, [UPDATE_MISSING_MESSAGE])
            old = table.unpack(table.rows[pos])
            values, udfs, errors = self._decode(table, body)
            row = list(old)
            rules = self.validator.rules(table)
            if replace:
                for col in range(1, len(table.columns)):
                    if col not in rules.readonly:
                        row[col] = None
            for col, value in values.items():
                row[col] = value
            if table.udf_index is not None:
                row[table.udf_index] = self._merge_udfs(table, old[table.udf_index], udfs, replace)
            sent = set(values)
            if replace:
                sent.update(c for c in range(1, len(table.columns)) if c not in rules.readonly)
            self._force_parent(table, row, sent, parent)
            self.effects.on_update(table, old, row, actor, self._now())
            errors += self.validator.check(table, row, sent, set(udfs), full=replace)
            if errors:
                raise ApiError(500, [*errors, UPDATE_TRAILER])
            table.replace(pos, row)
            return old[0]

    def delete(
        self,
        entity: str,
        record_id: int,
        *,
        actor: Actor,
        parent: tuple[str, int] | None = None,
        log: bool = True,
    ) -> int:
        """Remove a record (the wire layer only calls this where a DELETE route exists); logs deletions
        (``log=False``: a record that goes with its deleted parent, see :mod:`.ui_delete`)."""
        with self._lock:
            table = self._table(entity)
            pos = table.position(record_id) if isinstance(record_id, int) else None
            if pos is None or not self._belongs(table, table.rows[pos], parent):
                raise ApiError(500, [DELETE_MISSING_MESSAGE])
            row = table.remove(pos)
            if self.attachments.applies(table):
                self.attachments.unindex(row[0])
            entry = deletion_log(self.effects, table, row, actor, self._now(), self._number_of) if log else None
            if entry is not None:
                log_entity, record = entry
                self._insert_raw(log_entity, record)
            return row[0]

    def insert_system(self, entity: str, record: dict) -> int:
        """Insert a row the server itself writes (a log entry): no validation, no audit fields."""
        with self._lock:
            return self._insert_raw(entity, record)

    def set_system_fields(self, entity: str, record_id: int, values: dict[str, Any]) -> None:
        """Set server-assigned fields of an existing record (read-only ones too), without validation."""
        with self._lock:
            table = self._table(entity)
            pos = table.position(record_id)
            if pos is None:
                return
            row = list(table.unpack(table.rows[pos]))
            for name, value in values.items():
                col = table.column(name)
                if col is not None:
                    row[col] = value
            table.replace(pos, row)

    # --------------------------------------------------------------- helpers
    def _decode(self, table: Table, body: object) -> tuple[dict[int, Any], dict[int, str | None], list[str]]:
        """Body → (column -> stored value, UDF position -> value, errors); unknown properties ignored."""
        if not isinstance(body, dict):
            raise ApiError(500, ["The request body must be a JSON object."])
        rules = self.validator.rules(table)
        values: dict[int, Any] = {}
        udfs: dict[int, str | None] = {}
        errors: list[str] = []
        for key, raw in body.items():
            name = str(key)
            if name.lower() == "userdefinedfields":
                if table.udf_index is not None:
                    errors += self._decode_udfs(table, raw, udfs)
                continue
            col = table.column(name)
            if col is None or col == 0:
                continue  # Autotask's deserializer ignores unknown properties; id is never written
            if col in rules.readonly:
                if self.readonly_fields == "error" and raw is not None:
                    errors.append(f"The field {table.columns[col]} is read-only and cannot be set.")
                continue
            try:
                values[col] = coerce_write(raw, table.types[col], table.kinds[col], table.columns[col])
            except ConversionError as exc:
                errors.append(str(exc))
        return values, udfs, errors

    @staticmethod
    def _decode_udfs(table: Table, raw: object, udfs: dict[int, str | None]) -> list[str]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            return ["userDefinedFields must be an array of {name, value} objects."]
        errors = []
        for item in raw:
            if not isinstance(item, dict):
                errors.append("userDefinedFields must be an array of {name, value} objects.")
                continue
            keys = {str(k).lower(): v for k, v in item.items()}
            name = str(keys.get("name") or "")
            pos = table.udf_index_ci.get(name.lower())
            if pos is None:
                errors.append(f"Unable to find {name} in the {table.legacy} Entity")
                continue
            value = keys.get("value")
            if isinstance(value, bool):
                value = "True" if value else "False"
            udfs[pos] = None if value is None or value == "" else str(value)
        return errors

    def _merge_udfs(
        self, table: Table, old: tuple | None, sent: dict[int, str | None], replace: bool
    ) -> tuple | None:
        rules = self.validator.rules(table)
        current: list[str | None] = [None] * len(table.udf_names) if old is None else list(old)
        for pos in range(len(current)):
            if pos in sent:
                current[pos] = sent[pos]
            elif replace and not rules.udfs[pos].get("isReadOnly"):
                current[pos] = None
        return tuple(current) if any(v is not None for v in current) else None

    @staticmethod
    def _force_parent(table: Table, row: list, sent: set[int], parent: tuple[str, int] | None) -> None:
        if parent is None or not parent[0]:
            return
        col = table.column(parent[0])
        if col is not None:
            row[col] = parent[1]
            sent.add(col)

    def _insert_raw(self, entity: str, record: dict) -> int:
        table = self._table(entity)
        row: list = [None] * table.width
        for name, value in record.items():
            col = table.column(name)
            if col is not None:
                row[col] = value
        row[0] = table.max_id + 1
        table.append(row)
        return row[0]

    def _number_of(self, entity: str, record_id: Any) -> str | None:
        if not isinstance(record_id, int) or entity.lower() not in self._tags:
            return None
        table = self._table(entity)
        row = table.row(record_id)
        col = table.column("ticketNumber" if entity == "Tickets" else "taskNumber")
        return None if row is None or col is None else table.value(row, col)


# A table this big is moved out of the cyclic garbage collector's reach once built. Its rows are not
# cycles, but every full collection walks each list it tracks, element by element: with a million
# tickets' ~8M rows, one pass takes ~0.1 s, and the records a page allocates trigger one every few pages
# (median page 3.5 ms, mean 8.7 ms). ``gc.freeze()`` is process-wide, so small (test) tenants never use it
# and loading new data unfreezes what this module froze.
GC_FREEZE_ROWS = 200_000
_gc_frozen = False


def _freeze_gc() -> None:
    global _gc_frozen
    gc.collect()  # garbage frozen now would never be freed
    gc.freeze()
    _gc_frozen = True


def _unfreeze_gc() -> None:
    global _gc_frozen
    if _gc_frozen:
        gc.unfreeze()
        _gc_frozen = False


def _udf_tuple(udfs: dict[int, str | None], size: int) -> tuple | None:
    if not any(v is not None for v in udfs.values()):
        return None
    values: list[str | None] = [None] * size
    for pos, value in udfs.items():
        values[pos] = value
    return tuple(values)


def _body_id(body: object) -> int | None:
    if not isinstance(body, dict):
        return None
    for key, value in body.items():
        if str(key).lower() == "id":
            if isinstance(value, bool) or value is None:
                return None
            try:
                return int(value) if not isinstance(value, float) or value.is_integer() else None
            except (TypeError, ValueError):
                return None
    return None
