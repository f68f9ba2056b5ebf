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
from dataclasses import dataclass
from typing import Any

from .._catalog import load_catalog
from ..picklists import Picklist, PicklistValue
from ..query import UDF_PREFIX

__all__ = ["UDF_PREFIX", "EntitySchema", "FieldSpec", "PicklistValue", "entity_for_reference"]

# Autotask UDF `type` strings → the dataType vocabulary of standard fields.
_UDF_TYPES = {"string": "string", "text": "string", "double": "double", "decimal": "decimal", "number": "double",
              "integer": "integer", "long": "long", "datetime": "datetime", "date": "datetime",
              "boolean": "boolean"}


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
    picklist: Picklist | None = None  # entries indexed once: rows are matched against it one by one
    picklist_parent: str = ""  # the field whose value each entry's parentValue holds (dependent picklists)

    @property
    def column(self) -> str:
        """The column name this field is reported under (`udf:` prefix for UDFs)."""
        return f"{UDF_PREFIX}{self.name}" if self.udf else self.name


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
        picklist=Picklist.from_metadata(raw["picklistValues"]) if raw.get("isPickList") and raw.get("picklistValues")
        else None,
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
