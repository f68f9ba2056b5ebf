"""`--labels`: a `<field>_label` column beside every picklist and reference field.

Picklist labels come from the field metadata (no requests). Reference labels are the display names of
the referenced records (companyID → the company's name), fetched with `id in (...)` queries of up to
500 ids, only for ids not seen before, and kept in a bounded LRU cache shared by every entity of the
run. The display name of a referenced record is chosen from its entity's fields: first + last name
for people, else the first of `_NAME_FIELDS` the entity has.

UDF list picklists get no label column: a record carries the list item's text itself
(`{"name": "Customer Ranking", "value": "Golden"}`, docs/autotask-facts.md#data-formats), and the UDF metadata's
picklist entries have value == label, so the `udf:<Name>` column already reads as the label.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .._exceptions import PermissionDeniedError

__all__ = ["LABEL_SUFFIX", "LabelResolver", "ReferenceCache", "display_fields", "reference_entity"]

LABEL_SUFFIX = "_label"
_NAME_FIELDS = ("companyName", "projectName", "contractName", "name", "ticketNumber", "title",
                "referenceTitle", "description")
_PERSON_FIELDS = ("firstName", "lastName")
_BATCH = 500  # Autotask's limit of OR conditions; an `in` list counts each value


def reference_entity(reference: str, catalog: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The entity tag a `referenceEntityType` (Autotask's singular legacy name, e.g. "Account") points at."""
    if not reference:
        return None
    wanted = reference.casefold()
    candidates = [e for e in catalog.values() if str(e.get("legacy") or "").casefold() == wanted]
    # "Account" is the legacy name of Companies and of sub-resources under it: prefer the root collection.
    for entry in candidates:
        if entry["name"] == entry.get("collection") and "queryPost" in entry.get("ops", ()):
            return str(entry["name"])
    if candidates:
        return str(candidates[0]["name"])
    plural = {reference + "s", reference + "es", reference[:-1] + "ies" if reference.endswith("y") else ""}
    return next((name for name in catalog if name in plural), None)


def display_fields(fields: Iterable[str]) -> tuple[str, ...]:
    """The fields that name a record of an entity with these fields (empty when none does)."""
    names = {f.lower(): f for f in fields}
    if all(p.lower() in names for p in _PERSON_FIELDS):
        return tuple(names[p.lower()] for p in _PERSON_FIELDS)
    for candidate in _NAME_FIELDS:
        if candidate.lower() in names:
            return (names[candidate.lower()],)
    return ()


class ReferenceCache:
    """Display names of referenced records by (entity, id), bounded, shared across threads and entities."""

    def __init__(self, fetch: Callable[[str, Sequence[str], list[int]], Iterable[Mapping[str, Any]]],
                 *, max_entries: int = 200_000) -> None:
        self._fetch = fetch  # (entity, display fields, ids) -> records with id + display fields
        self._max = max_entries
        self._names: OrderedDict[tuple[str, int], str | None] = OrderedDict()
        self._lock = threading.Lock()
        self._denied: set[str] = set()
        self.requests = 0
        self.warnings: list[str] = []

    def names(self, entity: str, fields: Sequence[str], ids: Iterable[int]) -> dict[int, str | None]:
        """Display names for `ids` of `entity` (None for ids that do not resolve)."""
        wanted = {int(i) for i in ids if i is not None}
        found: dict[int, str | None] = {}
        with self._lock:
            for record_id in list(wanted):
                key = (entity, record_id)
                if key in self._names:
                    self._names.move_to_end(key)
                    found[record_id] = self._names[key]
                    wanted.discard(record_id)
            if entity in self._denied:
                return found
        missing = sorted(wanted)
        for start in range(0, len(missing), _BATCH):
            chunk = missing[start:start + _BATCH]
            try:
                records = list(self._fetch(entity, fields, chunk))
            except PermissionDeniedError:
                with self._lock:
                    self._denied.add(entity)
                    self.warnings.append(f"no permission to read {entity}: its reference labels stay empty")
                return found
            with self._lock:
                self.requests += 1
                resolved = {int(r["id"]): _join(r, fields) for r in records if r.get("id") is not None}
                for record_id in chunk:
                    name = resolved.get(record_id)
                    found[record_id] = name
                    self._names[(entity, record_id)] = name
                while len(self._names) > self._max:
                    self._names.popitem(last=False)
        return found


def _join(record: Mapping[str, Any], fields: Sequence[str]) -> str | None:
    parts = [str(record[f]).strip() for f in fields if record.get(f) not in (None, "")]
    return " ".join(p for p in parts if p) or None


class LabelResolver:
    """Adds `<field>_label` values to records of one entity."""

    def __init__(self, fields: Sequence[Mapping[str, Any]], selected: Iterable[str],
                 catalog: Mapping[str, Mapping[str, Any]], cache: ReferenceCache) -> None:
        chosen = {s.lower() for s in selected}
        self._picklists: dict[str, dict[str, str]] = {}
        self._references: dict[str, tuple[str, tuple[str, ...]]] = {}
        self.label_of: dict[str, str] = {}  # field -> its label column, in field order
        for field in fields:
            name = str(field.get("name") or "")
            if name.lower() not in chosen or name.lower() == "id":
                continue
            if field.get("isPickList") and field.get("picklistValues"):
                self._picklists[name] = {str(v.get("value")): str(v.get("label")) for v in field["picklistValues"]}
                self.label_of[name] = name + LABEL_SUFFIX
            elif field.get("isReference"):
                target = reference_entity(str(field.get("referenceEntityType") or ""), catalog)
                entry = catalog.get(target or "")
                if entry is None or "queryPost" not in entry.get("ops", ()):
                    continue
                names = display_fields(entry.get("fields", {}))
                if names:
                    self._references[name] = (str(target), names)
                    self.label_of[name] = name + LABEL_SUFFIX
        self._cache = cache

    def apply(self, records: list[dict[str, Any]]) -> None:
        """Set every label column of `records` in place."""
        for name, labels in self._picklists.items():
            column = self.label_of[name]
            for record in records:
                value = record.get(name)
                record[column] = None if value is None else labels.get(_wire(value), None)
        by_target: dict[tuple[str, tuple[str, ...]], set[int]] = {}
        for name, target in self._references.items():
            ids = by_target.setdefault(target, set())
            ids.update(int(r[name]) for r in records if isinstance(r.get(name), (int, float)))
        resolved = {target: self._cache.names(target[0], target[1], ids) for target, ids in by_target.items() if ids}
        for name, target in self._references.items():
            column = self.label_of[name]
            names = resolved.get(target, {})
            for record in records:
                value = record.get(name)
                record[column] = names.get(int(value)) if isinstance(value, (int, float)) else None


def _wire(value: Any) -> str:
    # Picklist values are strings on the wire even for integer fields ("1"), records hold numbers (1).
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
