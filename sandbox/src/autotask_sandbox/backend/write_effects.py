"""What the server itself writes on create/update/delete: audit fields, numbers, completion, deletion logs.

Everything here is keyed by property *name*, so it applies to every model that has the property:

* create: ``createDate``/``createDateTime``/``createdDateTime``/``attachDate`` = now; ``creatorResourceID``/
  ``createdByResourceID``/``creatorUserID``/``attachedByResourceID`` = the acting resource; ``creatorType``
  = Resource; ``impersonatorCreatorResourceID`` = the impersonating API user (null otherwise);
  ``ticketNumber`` = ``T<yyyymmdd>.<nnnn>`` (per-day sequence, format seen in client samples);
* create and update: ``lastActivityDate``/``lastActivityDateTime``/``lastModifiedDate``/
  ``lastModifiedDateTime``/``lastTrackedModificationDateTime``/``lastTrackedModifiedDateTime`` = now;
  ``lastActivityResourceID``/``lastModifiedUserID`` = the acting resource; ``lastActivityPersonType`` =
  Resource;
* update: ``impersonatorUpdaterResourceID`` = the impersonating API user (null otherwise);
* status: when ``status`` becomes Complete (the picklist value labelled "Complete", 5 in Autotask)
  ``completedDate``/``completedDateTime`` = now and ``completedByResourceID`` = the actor; when it leaves
  Complete both are cleared;
* delete: see :data:`DELETION_LOGS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .table import Table
from .values import Kind

__all__ = ["DELETION_LOGS", "Actor", "Effects", "deletion_log"]

CREATE_TIME_FIELDS = ("createDate", "createDateTime", "createdDateTime", "attachDate")
CREATOR_FIELDS = ("creatorResourceID", "createdByResourceID", "creatorUserID", "attachedByResourceID")
TOUCH_TIME_FIELDS = (
    "lastActivityDate",
    "lastActivityDateTime",
    "lastModifiedDate",
    "lastModifiedDateTime",
    "lastTrackedModificationDateTime",
    "lastTrackedModifiedDateTime",
)
TOUCH_ACTOR_FIELDS = ("lastActivityResourceID", "lastModifiedUserID")
PERSON_TYPE_FIELDS = ("creatorType", "lastActivityPersonType")
COMPLETED_TIME_FIELDS = ("completedDate", "completedDateTime")
RESOURCE_PERSON_TYPE = 1  # picklist value "Resource" of creatorType / lastActivityPersonType
COMPLETE_STATUS = 5  # Autotask's system status "Complete"

# Which deletes leave a row in which deletion-log entity (field names from models.json):
#   Tickets           -> DeletedTicketLogs          (ticketID, ticketNumber, ticketTitle)
#   TimeEntries       -> DeletedTicketActivityLogs  when the entry has a ticketID, typeID "Time Entry"
#                     -> DeletedTaskActivityLogs    when it has a taskID
#   TicketNotes       -> DeletedTicketActivityLogs  typeID "Note"
#   TicketAttachments -> DeletedTicketActivityLogs  typeID "Attachment"
#   TaskNotes         -> DeletedTaskActivityLogs    typeID "Note"
#   TaskAttachments   -> DeletedTaskActivityLogs    typeID "Attachment"
DELETION_LOGS: dict[str, tuple[str, str]] = {
    "TicketNotes": ("ticket", "Note"),
    "TicketAttachments": ("ticket", "Attachment"),
    "TaskNotes": ("task", "Note"),
    "TaskAttachments": ("task", "Attachment"),
}
_ACTIVITY_TYPE_FALLBACK = {"Note": 1, "Time Entry": 2, "Attachment": 3}


@dataclass(frozen=True)
class Actor:
    """Who performs a write."""

    resource_id: int
    impersonator_id: int | None = None  # set when ImpersonationResourceId was honoured


def _set(table: Table, row: list, names: tuple[str, ...], value: Any) -> None:
    for name in names:
        col = table.col_index.get(name)
        if col is not None:
            row[col] = value


class Effects:
    """Applies server-set fields; holds the per-day ticket number counters."""

    def __init__(self, meta: Any) -> None:
        self.meta = meta
        self._ticket_sequences: dict[str, int] = {}

    def reset(self) -> None:
        """Forget cached counters (after a reload)."""
        self._ticket_sequences.clear()

    def complete_status(self, entity: str) -> Any:
        """The entity's "Complete" status value, from its picklist (5 when the metadata has none)."""
        try:
            info = self.meta.field(entity, "status")
        except KeyError:
            info = None
        for entry in (info or {}).get("picklistValues") or ():
            if str(entry.get("label", "")).strip().lower() == "complete":
                try:
                    return int(entry["value"])
                except (TypeError, ValueError):
                    return entry["value"]
        return COMPLETE_STATUS

    def on_create(self, table: Table, row: list, actor: Actor, now: str) -> None:
        """Server-set fields of a new record."""
        # Autotask booleans are never null (docs/autotask-facts.md#data-formats): an omitted one takes its default — a new record is
        # active, every other flag is off.
        for col, kind in enumerate(table.kinds):
            if kind is Kind.BOOL and row[col] is None:
                row[col] = table.columns[col] == "isActive"
        _set(table, row, CREATE_TIME_FIELDS, now)
        _set(table, row, CREATOR_FIELDS, actor.resource_id)
        _set(table, row, ("impersonatorCreatorResourceID",), actor.impersonator_id)
        _set(table, row, PERSON_TYPE_FIELDS, RESOURCE_PERSON_TYPE)
        self._touch(table, row, actor, now)
        self._completion(table, None, row, actor, now)

    def number(self, table: Table, row: list, now: str) -> None:
        """Give a validated new record its number (after validation, so failed creates leave no gaps)."""
        number_col = table.col_index.get("ticketNumber")
        if table.entity == "Tickets" and number_col is not None:
            row[number_col] = self._next_ticket_number(table, number_col, now)

    def on_update(self, table: Table, old: list, row: list, actor: Actor, now: str) -> None:
        """Server-set fields of an updated (PATCH or PUT) record."""
        _set(table, row, ("impersonatorUpdaterResourceID",), actor.impersonator_id)
        _set(table, row, ("lastActivityPersonType",), RESOURCE_PERSON_TYPE)
        self._touch(table, row, actor, now)
        self._completion(table, old, row, actor, now)

    @staticmethod
    def _touch(table: Table, row: list, actor: Actor, now: str) -> None:
        _set(table, row, TOUCH_TIME_FIELDS, now)
        _set(table, row, TOUCH_ACTOR_FIELDS, actor.resource_id)

    def _completion(self, table: Table, old: list | None, row: list, actor: Actor, now: str) -> None:
        status_col = table.col_index.get("status")
        if status_col is None or not any(name in table.col_index for name in COMPLETED_TIME_FIELDS):
            return
        complete = self.complete_status(table.entity)
        was = old is not None and old[status_col] == complete
        now_complete = row[status_col] == complete
        if now_complete and not was:
            _set(table, row, COMPLETED_TIME_FIELDS, now)
            _set(table, row, ("completedByResourceID",), actor.resource_id)
        elif was and not now_complete:
            _set(table, row, COMPLETED_TIME_FIELDS, None)
            _set(table, row, ("completedByResourceID",), None)

    def _next_ticket_number(self, table: Table, number_col: int, now: str) -> str:
        day = now[:10].replace("-", "")
        prefix = f"T{day}."
        current = self._ticket_sequences.get(day)
        if current is None:
            current = 0
            for existing in table.rows:
                number = table.value(existing, number_col)
                if isinstance(number, str) and number.startswith(prefix) and number[len(prefix) :].isdigit():
                    current = max(current, int(number[len(prefix) :]))
        current += 1
        self._ticket_sequences[day] = current
        return f"{prefix}{current:04d}"

    def activity_type(self, log_entity: str, label: str) -> int:
        """The ``typeID`` picklist value labelled ``label`` on a deleted-activity log entity."""
        try:
            info = self.meta.field(log_entity, "typeID")
        except KeyError:
            info = None
        for entry in (info or {}).get("picklistValues") or ():
            if str(entry.get("label", "")).strip().lower() == label.lower():
                try:
                    return int(entry["value"])
                except (TypeError, ValueError):
                    break
        return _ACTIVITY_TYPE_FALLBACK[label]


def _get(table: Table, row: tuple, name: str) -> Any:
    col = table.col_index.get(name)
    return None if col is None else table.value(row, col)


def deletion_log(
    effects: Effects, table: Table, row: tuple, actor: Actor, now: str, number_of: Any
) -> tuple[str, dict] | None:
    """The (log entity, record) a deleted stored ``row`` leaves behind, or None.

    ``number_of(entity, id)`` looks up the ticket/task number of the parent.
    """
    deleted = {"deletedByResourceID": actor.resource_id, "deletedDateTime": now}
    if table.entity == "Tickets":
        return "DeletedTicketLogs", {
            "ticketID": row[0],
            "ticketNumber": _get(table, row, "ticketNumber"),
            "ticketTitle": _get(table, row, "title"),
            **deleted,
        }
    if table.entity == "TimeEntries":
        ticket_id, task_id = _get(table, row, "ticketID"), _get(table, row, "taskID")
        parent = ("ticket", ticket_id) if ticket_id is not None else ("task", task_id)
        if parent[1] is None:
            return None
        label, title = "Time Entry", None
        created_by = _get(table, row, "resourceID")
        activity = _get(table, row, "dateWorked") or _get(table, row, "createDateTime")
    elif table.entity in DELETION_LOGS:
        kind, label = DELETION_LOGS[table.entity]
        parent = (kind, _get(table, row, f"{kind}ID") or _get(table, row, "parentID"))
        title = _get(table, row, "title")
        created_by = _get(table, row, "creatorResourceID") or _get(table, row, "attachedByResourceID")
        activity = _get(table, row, "createDateTime") or _get(table, row, "attachDate")
    else:
        return None
    kind, parent_id = parent
    log_entity = "DeletedTicketActivityLogs" if kind == "ticket" else "DeletedTaskActivityLogs"
    number_field = "ticketNumber" if kind == "ticket" else "taskNumber"
    parent_entity = "Tickets" if kind == "ticket" else "Tasks"
    return log_entity, {
        "typeID": effects.activity_type(log_entity, label),
        f"{kind}ID": parent_id,
        number_field: number_of(parent_entity, parent_id),
        "noteOrAttachmentTitle": title,
        "createdByResourceID": created_by,
        "activityDateTime": activity,
        "startDateTime": _get(table, row, "startDateTime"),
        "endDateTime": _get(table, row, "endDateTime"),
        "hoursWorked": _get(table, row, "hoursWorked"),
        **deleted,
    }
