"""Finding existing records for bulk rows: by match key, by every field sent, and reference checks.

All of it is sans-I/O: each function is a generator that yields `Op`s (queries) and receives their
results, so the sync and the async engine run the very same matching logic.

Matching rules:
- Values compare through `coerce.comparable` — strings case- and edge-space-insensitively (as
  Autotask's own filters do), numbers as numbers, date-times as instants.
- A key lookup queries one field with `in` (≤ `IN_BATCH` values per query — Autotask counts every
  member as an OR condition, at most 500): the first standard, queryable key field, else the UDF key
  (Autotask allows one UDF per query). Other key fields are compared locally on the records returned.
- "All fields sent" (reconciling a create that had no key): the filter holds every sent standard
  field of an exact type (text, integers, booleans) plus at most one UDF; date-times, decimals and the
  other UDFs are compared locally, numbers within 0.005 (Autotask rounds money to 2 places).
"""

from __future__ import annotations

import math
from collections.abc import Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .coerce import comparable
from .schema import EntitySchema, FieldSpec
from .validate import PreparedRow

__all__ = ["IN_BATCH", "Op", "check_references", "diff", "find_by_fields", "find_by_key", "lookup_keys",
           "record_value"]

#: Values per `in` condition (Autotask allows 500 OR terms per query; smaller keeps bodies and pages small).
IN_BATCH = 200
_EXACT_TYPES = frozenset({"string", "integer", "long", "short", "byte", "boolean"})


@dataclass(frozen=True)
class Op:
    """One API call a flow asks its driver to make (or a pause); "fields"/"udfs" read the entity's metadata."""

    kind: Literal["query", "create", "update", "delete", "sleep", "fields", "udfs"]
    entity: str = ""
    body: Mapping[str, Any] | None = None
    record_id: int | None = None
    parent_id: int | None = None
    filter: Sequence[Mapping[str, Any]] | None = None
    fields: Sequence[str] | None = None
    seconds: float = 0.0

    @property
    def is_write(self) -> bool:
        """True for calls that change data."""
        return self.kind in ("create", "update", "delete")


Flow = Generator[Op, Any, Any]


def record_value(record: Mapping[str, Any], spec: FieldSpec) -> Any:
    """A field's (or UDF's) value in a record as Autotask returns it (names matched case-insensitively)."""
    if spec.udf:
        for udf in record.get("userDefinedFields") or ():
            if str(udf.get("name", "")).casefold() == spec.name.casefold():
                return udf.get("value")
        return None
    if spec.name in record:
        return record[spec.name]
    wanted = spec.name.casefold()
    return next((v for k, v in record.items() if k.casefold() == wanted), None)


def same_value(sent: Any, stored: Any, spec: FieldSpec) -> bool:
    """Whether a value we send equals the stored one (numbers within 0.005)."""
    a, b = comparable(sent, spec.data_type), comparable(stored, spec.data_type)
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.005)
    return a == b


def _condition(spec: FieldSpec, op: str, value: Any) -> dict[str, Any]:
    condition: dict[str, Any] = {"op": op, "field": spec.name, "value": value}
    if spec.udf:
        condition["udf"] = True
    return condition


def _lookup_spec(keys: Sequence[FieldSpec]) -> FieldSpec:
    return next((s for s in keys if not s.udf and s.queryable), keys[0])


def _matches_key(record: Mapping[str, Any], row: PreparedRow, keys: Sequence[FieldSpec]) -> bool:
    return all(same_value(row.key_wire.get(spec.column), record_value(record, spec), spec) for spec in keys)


def lookup_keys(entity: str, keys: Sequence[FieldSpec], rows: Iterable[PreparedRow]) -> Flow:
    """Existing records per row number, found by the rows' match keys (batched `in` queries)."""
    wanted = [row for row in rows if row.key is not None]
    found: dict[int, list[dict[str, Any]]] = {row.number: [] for row in wanted}
    if not wanted:
        return found
    lookup = _lookup_spec(keys)
    values: dict[Any, Any] = {}
    for row in wanted:
        wire = row.key_wire[lookup.column]
        values.setdefault(comparable(wire, lookup.data_type), wire)
    distinct = list(values.values())
    index: dict[Any, list[dict[str, Any]]] = {}
    for start in range(0, len(distinct), IN_BATCH):
        batch = distinct[start:start + IN_BATCH]
        records = yield Op("query", entity, filter=[_condition(lookup, "in", batch)])
        for record in records:
            index.setdefault(comparable(record_value(record, lookup), lookup.data_type), []).append(record)
    for row in wanted:
        candidates = index.get(comparable(row.key_wire[lookup.column], lookup.data_type), [])
        found[row.number] = [r for r in candidates if _matches_key(r, row, keys)]
    return found


def find_by_key(entity: str, keys: Sequence[FieldSpec], row: PreparedRow) -> Flow:
    """Records matching one row's key (exact `eq` on the lookup field, other keys compared locally)."""
    lookup = _lookup_spec(keys)
    records = yield Op("query", entity, filter=[_condition(lookup, "eq", row.key_wire[lookup.column])])
    return [r for r in records if _matches_key(r, row, keys)]


def find_by_fields(entity: str, schema: EntitySchema, body: Mapping[str, Any]) -> Flow:
    """Records holding every value of a create body (the match of last resort for unkeyed creates)."""
    conditions: list[dict[str, Any]] = []
    local: list[tuple[FieldSpec, Any]] = []
    udf_in_filter = False
    for name, value in body.items():
        if name == "userDefinedFields":
            continue
        spec = schema.field(name)
        if spec is None:
            continue
        if value is not None and spec.queryable and spec.data_type in _EXACT_TYPES:
            conditions.append(_condition(spec, "eq", value))
        local.append((spec, value))
    for udf in body.get("userDefinedFields") or ():
        spec = schema.udf(str(udf.get("name")))
        if spec is None:
            continue
        value = udf.get("value")
        if not udf_in_filter and value is not None and spec.queryable and spec.data_type == "string":
            conditions.append(_condition(spec, "eq", value))
            udf_in_filter = True
        local.append((spec, value))
    if not conditions:
        # Nothing exact to filter on: refusing is safer than scanning (and guessing over) a whole entity.
        raise LookupError("no text, integer or boolean field was sent, so the record cannot be looked up")
    records = yield Op("query", entity, filter=conditions)
    return [r for r in records if all(same_value(v, record_value(r, s), s) for s, v in local)]


def diff(row: PreparedRow, record: Mapping[str, Any], schema: EntitySchema,
         skip: Iterable[str] = ()) -> dict[str, Any]:
    """The part of a row's payload that differs from the stored record (a PATCH body without `id`)."""
    skipped = {s.casefold() for s in skip}
    changes: dict[str, Any] = {}
    for name, value in row.fields.items():
        spec = schema.field(name)
        if name.casefold() in skipped or spec is None:
            continue
        if not same_value(value, record_value(record, spec), spec):
            changes[name] = value
    udfs = []
    for name, value in row.udfs.items():
        spec = schema.udf(name)
        if spec is not None and not same_value(value, record_value(record, spec), spec):
            udfs.append({"name": name, "value": value})
    if udfs:
        changes["userDefinedFields"] = udfs
    return changes


@dataclass
class ReferenceCache:
    """Ids known to exist (or not) per referenced entity, shared across the chunks of a job."""

    present: dict[str, set[int]]
    missing: dict[str, set[int]]

    @classmethod
    def empty(cls) -> ReferenceCache:
        """A cache that knows nothing yet."""
        return cls({}, {})


def check_references(schema: EntitySchema, rows: Sequence[PreparedRow], cache: ReferenceCache,
                     targets: Mapping[str, str]) -> Flow:
    """Mark rows whose reference fields point at ids that do not exist (batched `in` queries, cached).

    `targets` maps each reference field to the entity tag it points at (fields without one are skipped).
    """
    wanted: dict[str, set[int]] = {}
    for row in rows:
        if not row.valid:
            continue
        for name, value in row.fields.items():
            if name in targets and isinstance(value, int):
                wanted.setdefault(targets[name], set()).add(value)
    for target, ids in wanted.items():
        present = cache.present.setdefault(target, set())
        missing = cache.missing.setdefault(target, set())
        unknown = sorted(ids - present - missing)
        for start in range(0, len(unknown), IN_BATCH):
            batch = unknown[start:start + IN_BATCH]
            records = yield Op("query", target, filter=[{"op": "in", "field": "id", "value": batch}], fields=["id"])
            seen = {int(r["id"]) for r in records if r.get("id") is not None}
            present.update(seen)
            missing.update(set(batch) - seen)
    for row in rows:
        if not row.valid:
            continue
        for name, value in row.fields.items():
            points_at = targets.get(name)
            if points_at is not None and isinstance(value, int) and value in cache.missing.get(points_at, ()):
                row.problems.append(f"{name} {value} does not exist in {points_at}")
    return None
