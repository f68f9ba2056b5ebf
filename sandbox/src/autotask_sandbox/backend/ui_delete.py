"""Deleting a record the way a person does in Autotask's UI (``sb.control.delete``).

The API cannot delete most entities (Tickets among them), yet people delete them in the UI, and the
deletion logs are then the only trace a client can read. Choices (Autotask documents none of them; see
docs/sandbox.md, "Deleting like a person"):

* the record leaves the log row an API delete of it leaves: a ticket → ``DeletedTicketLogs``; a ticket's
  note, attachment or time entry → ``DeletedTicketActivityLogs``; a task's → ``DeletedTaskActivityLogs``;
* its children go with it, recursively: the records of every child route under it (a ticket's notes,
  attachments, checklist items, charges…; a company's contacts, notes, locations…; a project's phases
  and tasks), plus a ticket's or task's time entries and a ticket's SLA results;
* what goes with a deleted parent leaves no log row of its own: the parent's row stands for it (a
  mirror drops a deleted ticket's notes itself);
* records elsewhere that merely refer to it (a ticket's ``companyID``) are left as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from ..specdata import load_models
from ..wire.errors import ApiError
from .store import Actor, Store

__all__ = ["children_of", "delete_like_ui"]

# Children that hang under a parent by a foreign key but have no child route under it.
_EXTRA_CHILDREN: dict[str, tuple[tuple[str, str], ...]] = {
    "Tickets": (("TimeEntries", "ticketID"), ("ServiceLevelAgreementResults", "ticketID")),
    "Tasks": (("TimeEntries", "taskID"),),
}
_PAGE = 10_000


@cache
def children_of(entity: str) -> tuple[tuple[str, str], ...]:
    """``(child entity, foreign key)`` pairs of the records that go when an ``entity`` record goes."""
    models = load_models()
    collection = (models.get(entity) or {}).get("collection") or entity
    found = [
        (tag, fk)
        for tag, model in sorted(models.items())
        for parent, fk in (model.get("parentFields") or {}).items()
        if parent == collection and fk and tag != entity
    ]
    known = {tag for tag, _ in found}
    found += [(tag, fk) for tag, fk in _EXTRA_CHILDREN.get(entity, ()) if tag in models and tag not in known]
    return tuple(found)


def _child_ids(store: Store, entity: str, fk: str, parent_id: int) -> list[int]:
    ids: list[int] = []
    start: int | None = None
    while True:
        page = store.list_children(entity, fk, parent_id, start_id=start, page_size=_PAGE)
        ids += [int(r["id"]) for r in page.items]
        if page.next_id is None:
            return ids
        start = page.next_id


def delete_like_ui(
    store: Store,
    entity: str,
    record_id: int,
    actor: Actor,
    on_delete: Callable[[str, int], Callable[[], None]] | None = None,
) -> dict[str, list[int]]:
    """Remove ``entity`` ``record_id`` and its children; returns the removed ids by entity.

    ``on_delete(entity, id)`` (when given) is called before each removal and returns what to call after
    it (the webhook callouts of the deletion). Raises ``ApiError(404)`` when there is no such record.
    """
    if store.get(entity, record_id) is None:
        raise ApiError(404, [f"No {entity} record with id {record_id}."])
    removed: dict[str, list[int]] = {}

    def remove(tag: str, rid: int, *, log: bool) -> None:
        for child, fk in children_of(tag):
            for child_id in _child_ids(store, child, fk, rid):
                remove(child, child_id, log=False)
        after = on_delete(tag, rid) if on_delete is not None else None
        store.delete(tag, rid, actor=actor, log=log)
        removed.setdefault(tag, []).append(rid)
        if after is not None:
            after()

    remove(entity, record_id, log=True)
    return removed
