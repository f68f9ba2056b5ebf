"""Row validation before any write: coercion, required fields, lengths, read-only fields, picklists.

`RowValidator.validate(row)` turns one `InputRow` into a `PreparedRow`: the wire payload (standard
fields + `userDefinedFields`), the target id / parent id / match key, and every problem found — all
problems of a row are reported together, not just the first.

Decisions where Autotask leaves room:
- Read-only fields are *dropped* by default, with one notice per column for the whole job (exports
  carry `createDate`, `ticketNumber` …, and a round trip export → edit → update should just work);
  `read_only="refuse"` makes such rows invalid instead. `id` is never a write: it targets the record of
  an update/delete and is dropped from creates.
- Picklists accept the value or the label (case-insensitive), matched by `py_autotask.picklists` (the
  rules create/update use too): an exact value wins over a label that happens to look like it; a label
  shared by several values is resolved by the row's controlling field for dependent picklists, otherwise
  refused as ambiguous. Inactive values are refused here, even exact ones (a client write sends those).
- Dependent picklists: the chosen value's `parentValue` must equal the row's controlling field. If the
  row does not set the controlling field, creates are refused and updates left to the server (the
  record's current value is unknown here).
- Required fields are enforced for creates; an upsert row defers them until it is known to create.
  Setting a required field to null is refused for every operation.
- Unknown columns make the row invalid (with a "did you mean" hint) instead of being silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any, Literal

from ..picklists import Picklist, PicklistError
from .coerce import CoercionError, coerce, comparable, to_udf_wire
from .readers import InputRow
from .schema import EntitySchema, FieldSpec

__all__ = ["OPERATIONS", "Operation", "PreparedRow", "RowValidator"]

Operation = Literal["create", "update", "upsert", "delete"]
OPERATIONS: tuple[Operation, ...] = ("create", "update", "upsert", "delete")


@dataclass
class PreparedRow:
    """A validated row: what to send, where, and why not if it is invalid."""

    number: int
    fields: dict[str, Any] = field(default_factory=dict)  # canonical field name -> wire value
    udfs: dict[str, str | None] = field(default_factory=dict)  # UDF name -> wire text
    record_id: int | None = None
    parent_id: int | None = None
    key: tuple[Any, ...] | None = None  # comparable key values, in key-field order
    key_wire: dict[str, Any] = field(default_factory=dict)  # key column -> wire value, for lookups
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    missing_required: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """True when nothing stops the row from being sent."""
        return not self.problems

    def payload(self, *, include_id: bool = False) -> dict[str, Any]:
        """The JSON body: standard fields, then `userDefinedFields` when any UDF is set."""
        body = {k: v for k, v in self.fields.items() if include_id or k != "id"}
        if include_id and self.record_id is not None:
            body["id"] = self.record_id
        if self.udfs:
            body["userDefinedFields"] = [{"name": n, "value": v} for n, v in self.udfs.items()]
        return body

    def value_of(self, spec: FieldSpec) -> Any:
        """The prepared wire value of a field or UDF (None when the row does not set it)."""
        return self.udfs.get(spec.name) if spec.udf else self.fields.get(spec.name)


class RowValidator:
    """Validates rows of one job (entity + operation) against the tenant's metadata."""

    def __init__(
        self,
        schema: EntitySchema,
        operation: Operation,
        *,
        key: Sequence[str] = (),
        parent_field: str | None = None,
        parent_required: bool = False,
        read_only: Literal["drop", "refuse"] = "drop",
        naive_tz: tzinfo | None = None,
    ) -> None:
        if operation not in OPERATIONS:
            raise ValueError(f"unknown bulk operation {operation!r}; expected one of {', '.join(OPERATIONS)}")
        self.schema = schema
        self.operation = operation
        self.read_only = read_only
        self.naive_tz = naive_tz
        self.key_specs = [self._key_spec(name) for name in key]
        self.parent_spec = schema.field(parent_field) if parent_field else None
        self.parent_required = parent_required  # creates exist only under the parent's route
        if parent_field and self.parent_spec is None:
            raise ValueError(f"{schema.entity} has no field {parent_field!r} to take the parent id from")
        #: Job-level notices (e.g. dropped read-only columns), each reported once.
        self.notices: dict[str, str] = {}
        self._seen_keys: dict[tuple[Any, ...], int] = {}

    def _key_spec(self, name: str) -> FieldSpec:
        spec = self.schema.resolve(name)
        if spec is None:
            raise ValueError(f"key field {name!r} is not a field or UDF of {self.schema.entity}"
                             f"{self.schema.suggest(name)}")
        return spec

    def validate(self, row: InputRow) -> PreparedRow:
        """Coerce and check one row; every problem found lands in `problems`."""
        prepared = PreparedRow(row.number)
        values = self._columns(row.data, prepared)
        self._target(values, prepared)
        if self.operation == "delete":
            self._key(values, prepared)
            return prepared
        dependents: list[tuple[FieldSpec, Any]] = []
        for spec, raw in values.items():
            if spec.name == "id" and not spec.udf:
                if self.operation in ("create", "upsert") and spec not in self.key_specs:
                    self._read_only(spec, prepared)
                continue
            if spec.read_only:
                if spec not in self.key_specs:  # a read-only key is matched on, never sent
                    self._read_only(spec, prepared)
                continue
            if spec.picklist is not None and spec.picklist_parent:
                dependents.append((spec, raw))  # after its controlling field is known
                continue
            self._set(spec, raw, prepared)
        for spec, raw in dependents:
            self._set(spec, raw, prepared)
        self._required(values, prepared)
        self._key(values, prepared)
        return prepared

    # -- columns -----------------------------------------------------------------------------------

    def _columns(self, data: Mapping[str, Any], prepared: PreparedRow) -> dict[FieldSpec, Any]:
        values: dict[FieldSpec, Any] = {}
        for column, raw in data.items():
            if column.casefold() == "userdefinedfields" and isinstance(raw, list):
                self._udf_list(raw, values, prepared)
                continue
            spec = self.schema.resolve(column)
            if spec is None:
                prepared.problems.append(f"unknown field {column!r}{self.schema.suggest(column)}")
                continue
            if spec in values:
                prepared.problems.append(f"{spec.column} is given twice")
                continue
            values[spec] = raw
        return values

    def _udf_list(self, items: list[Any], values: dict[FieldSpec, Any], prepared: PreparedRow) -> None:
        for item in items:
            name = item.get("name") if isinstance(item, Mapping) else None
            spec = self.schema.udf(str(name)) if name else None
            if spec is None:
                prepared.problems.append(f"unknown user-defined field {name!r}")
            elif spec not in values:
                values[spec] = item.get("value")

    def _target(self, values: dict[FieldSpec, Any], prepared: PreparedRow) -> None:
        """Record id (update/delete) and parent id (child routes) from their columns."""
        id_spec = self.schema.field("id")
        if id_spec is not None and id_spec in values and self.operation in ("update", "delete"):
            prepared.record_id = self._as_id(values[id_spec], "id", prepared)
        if self.parent_spec is not None and self.parent_spec in values:
            prepared.parent_id = self._as_id(values[self.parent_spec], self.parent_spec.name, prepared)
        if self.operation in ("update", "delete") and prepared.record_id is None and not self.key_specs:
            prepared.problems.append(f"no id: {self.operation} needs an id column (or --key fields to find the record)")

    def _as_id(self, raw: Any, name: str, prepared: PreparedRow) -> int | None:
        try:
            value = coerce(raw, "long")
        except CoercionError as exc:
            prepared.problems.append(f"{name}: {exc}")
            return None
        if value is None or value < 0:  # 0 is a real id (the owner company is Companies/0)
            prepared.problems.append(f"{name}: expected an id (a whole number >= 0), got {raw!r}")
            return None
        return value

    # -- values ------------------------------------------------------------------------------------

    def _read_only(self, spec: FieldSpec, prepared: PreparedRow) -> None:
        if self.read_only == "refuse":
            prepared.problems.append(f"{spec.column} is read-only")
        else:
            self.notices.setdefault(spec.column, f"column {spec.column} is read-only in {self.schema.entity}; "
                                                 "its values were not sent")

    def _set(self, spec: FieldSpec, raw: Any, prepared: PreparedRow) -> None:
        if raw is None:
            if spec.required and not spec.udf:
                prepared.problems.append(f"{spec.column} is required and cannot be cleared")
            else:
                self._store(spec, None, prepared)
            return
        try:
            if spec.picklist is not None:
                value = self._picklist(spec, spec.picklist, raw, prepared)
            else:
                value = coerce(raw, spec.data_type, naive_tz=self.naive_tz)
        except CoercionError as exc:
            prepared.problems.append(f"{spec.column}: {exc}")
            return
        if isinstance(value, str) and spec.length and spec.picklist is None and len(value) > spec.length:
            prepared.problems.append(f"{spec.column} is {len(value)} characters long; at most {spec.length} allowed")
            return
        self._store(spec, value, prepared)

    def _store(self, spec: FieldSpec, value: Any, prepared: PreparedRow) -> None:
        if spec.udf:
            prepared.udfs[spec.name] = to_udf_wire(value)
        else:
            prepared.fields[spec.name] = value

    def _picklist(self, spec: FieldSpec, picklist: Picklist, raw: Any, prepared: PreparedRow) -> Any:
        parent = self.schema.parent_of(spec)
        parent_value = None
        if parent is not None:
            chosen = prepared.value_of(parent)
            parent_value = None if chosen is None else str(chosen)
            if parent_value is None and self.operation == "create":
                raise CoercionError(f"needs {parent.column} (its values depend on it)")
        text = str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw).strip()
        try:  # the one matcher (py_autotask.picklists), as create/update take labels by
            entry = picklist.match(text, parent_value)
        except PicklistError as exc:
            raise CoercionError(str(exc)) from None
        if not entry.active:  # an exact value; a validator refuses what Autotask would
            shown = entry.value if entry.label == entry.value else f"{entry.value} ({entry.label})"
            raise CoercionError(f"{shown!r} is inactive")
        if parent is not None and parent_value is not None and entry.parent_value not in ("", parent_value):
            label = parent.picklist.label_of(parent_value) if parent.picklist is not None else None
            raise CoercionError(f"{entry.label!r} does not belong to {parent.column} {parent_value}"
                                f" ({label or 'unknown'})")
        return entry.value if spec.udf or spec.data_type == "string" else coerce(entry.value, spec.data_type)

    # -- row-level checks --------------------------------------------------------------------------

    def _required(self, values: dict[FieldSpec, Any], prepared: PreparedRow) -> None:
        if self.operation not in ("create", "upsert"):
            return
        for spec in list(self.schema.fields.values()) + list(self.schema.udfs.values()):
            if not spec.required or spec.read_only or spec.name == "id":
                continue
            if prepared.value_of(spec) is None and not any(p.startswith(spec.column) for p in prepared.problems):
                prepared.missing_required.append(f"{spec.column} is required")
        if self.parent_required and self.parent_spec is not None and prepared.parent_id is None and not any(
                p.startswith(self.parent_spec.name) for p in prepared.problems + prepared.missing_required):
            prepared.missing_required.append(f"{self.parent_spec.name} is required: {self.schema.entity} records are "
                                             "created under their parent")
        if self.operation == "create":
            prepared.problems.extend(prepared.missing_required)

    def _key(self, values: dict[FieldSpec, Any], prepared: PreparedRow) -> None:
        if not self.key_specs:
            return
        parts = []
        for spec in self.key_specs:
            wire = self._key_wire(spec, values, prepared)
            value = comparable(wire, spec.data_type)
            if value is None:
                if not any(p.startswith(spec.column) for p in prepared.problems):
                    prepared.problems.append(f"key field {spec.column} is empty")
                return
            prepared.key_wire[spec.column] = wire
            parts.append(value)
        prepared.key = tuple(parts)
        if prepared.valid:
            first = self._seen_keys.setdefault(prepared.key, prepared.number)
            if first != prepared.number:
                prepared.problems.append(f"same key as row {first}; each key may appear once per job")

    def _key_wire(self, spec: FieldSpec, values: dict[FieldSpec, Any], prepared: PreparedRow) -> Any:
        """The wire value of a key field; read-only key fields are matched on but never sent."""
        if spec.name == "id" and not spec.udf:
            if prepared.record_id is None and spec in values:
                prepared.record_id = self._as_id(values[spec], "id", prepared)
            return prepared.record_id
        if spec not in values:
            return None
        if not spec.read_only and self.operation != "delete":
            return prepared.value_of(spec)
        scratch = PreparedRow(prepared.number)
        self._set(spec, values[spec], scratch)
        prepared.problems.extend(scratch.problems)
        return scratch.value_of(spec)
