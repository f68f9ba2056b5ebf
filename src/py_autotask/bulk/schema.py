"""An entity's writable shape, built from the tenant's live metadata (`entityInformation/fields` + UDFs).

`EntitySchema` answers the questions validation and matching ask about a column: which field (or UDF)
is it, what type, may it be written, which picklist value does a label stand for. It is built from the
exact dicts Autotask returns, so the same code serves every tenant's picklists and UDFs.

Column naming: standard fields match case-insensitively (Autotask's own rule). UDFs are addressed as
`udf:<name>` (the export writers' column form) or, when no standard field has that name, by the bare
UDF name or label; a JSON row may also carry Autotask's own `userDefinedFields: [{name, value}]` list.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._catalog import load_catalog

__all__ = ["UDF_PREFIX", "EntitySchema", "FieldSpec", "PicklistValue", "entity_for_reference"]

#: Column prefix that marks a user-defined field (`udf:Customer Ranking`).
UDF_PREFIX = "udf:"

# Autotask UDF `type` strings → the dataType vocabulary of standard fields.
_UDF_TYPES = {"string": "string", "text": "string", "double": "double", "decimal": "decimal", "number": "double",
              "integer": "integer", "long": "long", "datetime": "datetime", "date": "datetime",
              "boolean": "boolean"}


@dataclass(frozen=True)
class PicklistValue:
    """One picklist entry; `value` is always the string Autotask serves."""

    value: str
    label: str
    parent_value: str
    active: bool


@dataclass(eq=False)  # identity semantics: specs are dict keys during validation
class FieldSpec:
    """One standard field or UDF, normalised from Autotask's field-information dict."""

    name: str
    data_type: str
    length: int = 0
    required: bool = False
    read_only: bool = False
    queryable: bool = True
    udf: bool = False
    label: str = ""
    reference: str = ""  # referenceEntityType as served (singular legacy name), "" when not a reference
    picklist: list[PicklistValue] | None = None
    picklist_parent: str = ""  # the field whose value each entry's parentValue holds (dependent picklists)
    _by_value: dict[str, PicklistValue] = field(default_factory=dict, repr=False)
    _by_label: dict[str, list[PicklistValue]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for entry in self.picklist or ():
            self._by_value.setdefault(entry.value, entry)
            self._by_label.setdefault(entry.label.strip().casefold(), []).append(entry)

    @property
    def column(self) -> str:
        """The column name this field is reported under (`udf:` prefix for UDFs)."""
        return f"{UDF_PREFIX}{self.name}" if self.udf else self.name

    def by_value(self, value: str) -> PicklistValue | None:
        """The picklist entry whose value is exactly `value`."""
        return self._by_value.get(value)

    def by_label(self, label: str) -> list[PicklistValue]:
        """Picklist entries whose label matches `label` case-insensitively (labels may repeat)."""
        return self._by_label.get(label.strip().casefold(), [])

    def label_of(self, value: str) -> str | None:
        """The label of a picklist value, for messages."""
        entry = self._by_value.get(value)
        return entry.label if entry else None

    def active_labels(self, parent_value: str | None = None, limit: int = 8) -> list[str]:
        """Some active labels (optionally under one parent value), for "expected one of …" messages."""
        labels = [e.label for e in self.picklist or () if e.active and (parent_value is None or
                                                                       e.parent_value == parent_value)]
        return labels[:limit] + (["…"] if len(labels) > limit else [])


def _picklist(raw: Any) -> list[PicklistValue] | None:
    if not raw:
        return None
    return [
        PicklistValue(
            value=str(entry.get("value")),
            label=str(entry.get("label") or ""),
            parent_value=str(entry.get("parentValue") or ""),
            active=bool(entry.get("isActive", True)),
        )
        for entry in raw
    ]


def _spec(raw: Mapping[str, Any], *, udf: bool) -> FieldSpec:
    if udf:
        data_type = _UDF_TYPES.get(str(raw.get("type") or "string").lower(), "string")
    else:
        data_type = str(raw.get("dataType") or "string").lower()
    return FieldSpec(
        name=str(raw["name"]),
        data_type=data_type,
        length=int(raw.get("length") or 0),
        required=bool(raw.get("isRequired")),
        read_only=bool(raw.get("isReadOnly")),
        queryable=bool(raw.get("isQueryable", True)),
        udf=udf,
        label=str(raw.get("label") or ""),
        reference=str(raw.get("referenceEntityType") or "") if raw.get("isReference") else "",
        picklist=_picklist(raw.get("picklistValues")) if raw.get("isPickList") else None,
        picklist_parent=str(raw.get("picklistParentValueField") or ""),
    )


class EntitySchema:
    """The fields and UDFs of one entity, with case-insensitive column resolution."""

    def __init__(self, entity: str, fields: Iterable[Mapping[str, Any]], udfs: Iterable[Mapping[str, Any]] = ()):
        self.entity = entity
        self.fields: dict[str, FieldSpec] = {}
        self.udfs: dict[str, FieldSpec] = {}
        self._fields_ci: dict[str, FieldSpec] = {}
        self._udfs_ci: dict[str, FieldSpec] = {}
        for raw in fields:
            spec = _spec(raw, udf=False)
            self.fields[spec.name] = spec
            self._fields_ci.setdefault(spec.name.casefold(), spec)
        for raw in udfs:
            spec = _spec(raw, udf=True)
            self.udfs[spec.name] = spec
            self._udfs_ci.setdefault(spec.name.casefold(), spec)
        # Labels second, so a UDF's name always wins over another UDF's identical label.
        for spec in self.udfs.values():
            if spec.label:
                self._udfs_ci.setdefault(spec.label.casefold(), spec)

    def field(self, name: str) -> FieldSpec | None:
        """A standard field by name, any case."""
        return self._fields_ci.get(name.strip().casefold())

    def udf(self, name: str) -> FieldSpec | None:
        """A UDF by name or label, any case."""
        return self._udfs_ci.get(name.strip().casefold())

    def resolve(self, column: str) -> FieldSpec | None:
        """The field or UDF a column names: `udf:X` is always a UDF; a bare name prefers the standard field."""
        text = column.strip()
        if text[: len(UDF_PREFIX)].casefold() == UDF_PREFIX:
            return self.udf(text[len(UDF_PREFIX):])
        return self.field(text) or self.udf(text)

    def parent_of(self, spec: FieldSpec) -> FieldSpec | None:
        """The controlling field of a dependent picklist (e.g. issueType for subIssueType)."""
        if not spec.picklist_parent:
            return None
        return self.field(spec.picklist_parent) if not spec.udf else self.udf(spec.picklist_parent)

    def suggest(self, column: str) -> str:
        """A " (did you mean …?)" hint for an unknown column, or ""."""
        names = list(self.fields) + [f"{UDF_PREFIX}{n}" for n in self.udfs]
        lowered = {n.casefold(): n for n in names}
        close = difflib.get_close_matches(column.strip().casefold(), list(lowered), n=2, cutoff=0.75)
        return f" (did you mean {' or '.join(lowered[c] for c in close)}?)" if close else ""


def entity_for_reference(reference: str) -> str | None:
    """The entity tag a `referenceEntityType` (singular legacy name: "Account", "Resource") points at."""
    if not reference:
        return None
    wanted = reference.casefold()
    catalog = load_catalog()
    # Prefer the entity whose own collection carries the legacy name ("Account" -> Companies, not the
    # AccountInvoiceSettings sub-resource that lives under the same collection).
    candidates = [e for e in catalog.values() if (e.get("legacy") or "").casefold() == wanted]
    for entry in candidates:
        if entry["name"] == entry["collection"] and "queryPost" in entry["ops"]:
            return entry["name"]
    if candidates:
        return candidates[0]["name"]
    for guess in (reference + "s", reference + "es", reference[:-1] + "ies" if reference.endswith("y") else ""):
        for name in catalog:
            if guess and name.casefold() == guess.casefold():
                return name
    return None
