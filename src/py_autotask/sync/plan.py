"""What a sync does per entity, as pure functions of the catalogue: its mode, table, and deletion sources.

- **incremental**: the entity has a modification stamp (`export.plan.change_field` picks it, the same
  documented table the export engine uses); each run asks for `stamp >= last maximum - overlap`.
- **snapshot**: no modification stamp; each run re-reads the entity whole and deletes the rows that
  vanished (behind the mass-delete guard).

Deletions Autotask only reports in its logs:

- `DeletedTicketLogs` names the deleted ticket (`ticketID`): a hard delete of that ticket, and its
  children (notes, time entries, attachments) are re-read, since they went with it.
- `DeletedTicketActivityLogs` / `DeletedTaskActivityLogs` name only the *parent* ticket or task of a
  deleted note, time entry or attachment: that parent's children are re-read and replaced.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from ..export.plan import change_field, is_modification_field

__all__ = [
    "PARENT_LOGS",
    "EntityPlan",
    "LogSource",
    "entity_plan",
    "log_sources_for",
    "table_name",
]


@dataclasses.dataclass(frozen=True)
class LogSource:
    """A deletion log and what one of its rows means for a synced entity."""

    log: str  # e.g. "DeletedTicketActivityLogs"
    log_field: str  # the log's field holding the id that matters (ticketID / taskID)
    # "record": the id is the entity's own record (hard delete); "parent": the id is a parent whose
    # children of this entity are re-read, `child_field` naming the entity's foreign key to it.
    role: str
    child_field: str | None = None


# Parent kind -> (the log naming a deleted record of it, the activity log naming it as a parent, its id
# field in both logs, the child entities that hang off it). Autotask documents these three logs only.
PARENT_LOGS: dict[str, tuple[str | None, str, str, tuple[str, ...]]] = {
    "Tickets": ("DeletedTicketLogs", "DeletedTicketActivityLogs", "ticketID",
                ("TicketNotes", "TimeEntries", "TicketAttachments")),
    "Tasks": (None, "DeletedTaskActivityLogs", "taskID", ("TaskNotes", "TimeEntries", "TaskAttachments")),
}


@dataclasses.dataclass(frozen=True)
class EntityPlan:
    """How one entity is synced."""

    entity: str
    table: str  # the destination table (dlt's snake_case of the entity name)
    mode: str  # "incremental" or "snapshot"
    change: str | None  # the modification stamp for incremental entities
    logs: tuple[LogSource, ...]


def table_name(entity: str) -> str:
    """The table an entity lands in: dlt's default snake_case naming (`TicketNotes` -> `ticket_notes`)."""
    from dlt.common.normalizers.naming.snake_case import NamingConvention

    return str(NamingConvention().normalize_table_identifier(entity))


def log_sources_for(entity: str, catalog: Mapping[str, Mapping[str, Any]]) -> tuple[LogSource, ...]:
    """The deletion logs whose rows delete or refresh `entity`'s records (logs missing from the catalogue
    are left out)."""
    sources: list[LogSource] = []
    for parent, (record_log, activity_log, id_field, children) in PARENT_LOGS.items():
        if entity == parent and record_log is not None:
            sources.append(LogSource(record_log, id_field, "record"))
        if entity in children:
            fields = catalog.get(entity, {}).get("fields", {})
            child_field = id_field if id_field in fields else None
            if child_field is None:
                continue
            if record_log is not None:
                # A deleted ticket takes its notes, time entries and attachments with it.
                sources.append(LogSource(record_log, id_field, "parent", child_field))
            sources.append(LogSource(activity_log, id_field, "parent", child_field))
    return tuple(s for s in sources if s.log in catalog)


def entity_plan(entity: str, catalog: Mapping[str, Mapping[str, Any]]) -> EntityPlan:
    """The plan for one entity from its catalogue field types."""
    types: Mapping[str, str] = catalog[entity].get("fields", {})
    change = change_field(entity, types)
    mode = "incremental" if is_modification_field(change) else "snapshot"
    return EntityPlan(entity, table_name(entity), mode, change if mode == "incremental" else None,
                      log_sources_for(entity, catalog))


def queryable(entity: str, catalog: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether the entity can be queried at the root (what sync reads)."""
    return bool({"queryPost", "queryGet"} & set(catalog[entity].get("ops", ())))


def check_entities(names: Sequence[str], catalog: Mapping[str, Mapping[str, Any]]) -> None:
    """Raise ValueError naming an entity sync cannot read."""
    for name in names:
        if name not in catalog:
            raise ValueError(f"unknown Autotask entity {name!r}")
        if not queryable(name, catalog):
            raise ValueError(f"{name} cannot be queried at the root of the API (only under its parent)")
