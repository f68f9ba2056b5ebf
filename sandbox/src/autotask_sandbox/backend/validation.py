"""Write validation from the tenant's field metadata, with Autotask's error wording.

Every problem found is reported (Autotask lists several errors in one ``{"errors": [...]}``). Messages
and where each comes from:

* missing required value — ``Value does not exist for the required field {field}.`` (the business layer's
  wording, seen through the SOAP API it shares: ecitsolutions/Autotask#3); for a picklist/reference field
  ``Value does not reference an existing entity for {field} . `` (live REST, WYRE-AI/autotask-mcp#46);
* too long — ``String value exceeds maximum length (field:{field}).`` (live REST,
  msoukhomlinov/n8n-nodes-autotask#48; SOAP opendns/autotask-php#91);
* unknown or inactive picklist value, or a dependent value whose ``parentValue`` is not the row's parent
  value — ``Picklist value [{value}] does not exist for {field}.`` (aybouzaglou/autotask-rest-api-types ``src/core/responses.ts``);
* missing or inactive reference — ``Reference value on field: {field} of type: {Type} does not exist or is
  invalid.`` (the "newer format" matched by n8n-nodes-autotask's inactive-entity helper; msoukhomlinov/n8n-nodes-autotask#154);
* entity rules in :data:`ENTITY_REQUIRED` and :class:`Validator` (ticket resource/role pair,
  ContactGroup name uniqueness) with the live messages quoted in docs/autotask-facts.md#writes;
* a time entry's role the resource does not hold — :data:`ROLE_NOT_HELD_MESSAGE` (live text, as third-party
  clients quote it); a ticket without ``dueDateTime`` — :data:`REQUIRED_MESSAGES` (WYRE-AI/autotask-mcp#288).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .table import Table
from .values import Kind, parse_datetime, udf_kind

__all__ = [
    "ACTIVE_REFERENCE_ENTITIES",
    "ENTITY_REQUIRED",
    "EntityRules",
    "Validator",
    "build_rules",
    "picklist_entry",
]

# Fields an entity rule makes mandatory even when the tenant metadata does not (docs/autotask-facts.md#writes).
ENTITY_REQUIRED: dict[str, tuple[str, ...]] = {
    "Tasks": ("taskType",),
    "TicketNotes": ("title", "noteType", "publish"),
}
# References to these must point at an *active* record (C-N8N #154: inactive contacts are refused).
ACTIVE_REFERENCE_ENTITIES = frozenset({"Resources", "Contacts"})

TIME_ENTRY_ROLE_MESSAGE = "TimeEntries for Tickets must have a roleID"
TIME_ENTRY_HOURS_MESSAGE = "Must have at least one of hoursWorked or startDateTime/endDateTime"
TICKET_RESOURCE_ROLE_MESSAGE = (
    "When assigning a Resource, you must assign both a assignedResourceID and assignedResourceRoleID."
)
# A time entry's role must be one its resource holds: a service-desk role (ResourceServiceDeskRoles) on a
# ticket, a department role (ResourceRoleDepartments) otherwise; inactive associations do not count.
ROLE_NOT_HELD_MESSAGE = (
    "The specified AssignedResourceID and AssignedRoleID combination is not currently defined"
)
# Required fields whose live message is not the generic one. Tickets.dueDateTime is required unless the
# ticket category supplies a due date (none of this tenant's do); live text from WYRE-AI/autotask-mcp#288.
REQUIRED_MESSAGES = {("Tickets", "dueDateTime"): "dueDateTime is required.; on record number [0]."}


@dataclass(frozen=True)
class EntityRules:
    """The metadata of one entity, keyed by the store's column positions."""

    names: tuple[str, ...]  # model property name per column
    required: tuple[int, ...]
    readonly: frozenset[int]
    lengths: dict[int, int]
    picklists: dict[int, dict[str, dict]]
    parents: dict[int, int]  # dependent picklist column -> its parent column
    children: dict[int, tuple[int, ...]]
    references: dict[int, tuple[str | None, str]]  # column -> (entity tag, referenceEntityType)
    udfs: tuple[dict, ...]  # UDF definitions aligned with Table.udf_names
    udf_picklists: dict[int, dict[str, dict]]

    def is_lookup(self, col: int) -> bool:
        """Whether a column takes picklist or reference values."""
        return col in self.picklists or col in self.references


def _by_value(values: Iterable[dict] | None) -> dict[str, dict]:
    table: dict[str, dict] = {}
    for entry in values or ():
        table.setdefault(str(entry.get("value")), entry)
    return table


def build_rules(meta: Any, table: Table) -> EntityRules:
    """Index the metadata of ``table.entity`` by column position."""
    by_name = {f["name"].lower(): f for f in meta.fields(table.entity)}
    required: list[int] = []
    readonly: set[int] = set()
    lengths: dict[int, int] = {}
    picklists: dict[int, dict[str, dict]] = {}
    parents: dict[int, int] = {}
    references: dict[int, tuple[str | None, str]] = {}
    forced = {name.lower() for name in ENTITY_REQUIRED.get(table.entity, ())}
    for col, name in enumerate(table.columns):
        info = by_name.get(name.lower())
        if info is None:
            continue
        if info.get("isReadOnly"):
            readonly.add(col)
        elif (info.get("isRequired") or name.lower() in forced) and col != 0:
            required.append(col)
        if table.kinds[col] is Kind.STR and info.get("length"):
            lengths[col] = int(info["length"])
        if info.get("isPickList") and info.get("picklistValues") is not None:
            picklists[col] = _by_value(info["picklistValues"])
            parent = info.get("picklistParentValueField") or ""
            parent_col = table.column(parent) if parent else None
            if parent_col is not None:
                parents[col] = parent_col
        if info.get("isReference"):
            references[col] = (
                meta.reference_entity(table.entity, name),
                info.get("referenceEntityType") or "",
            )
    for name in ENTITY_REQUIRED.get(table.entity, ()):
        rule_col = table.column(name)
        if rule_col is not None and rule_col not in required and rule_col not in readonly:
            required.append(rule_col)
    children: dict[int, list[int]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    udfs: tuple[dict, ...] = ()
    if table.has_udfs:
        defined = {u["name"].lower(): u for u in meta.udfs(table.entity)}
        udfs = tuple(defined.get(name.lower(), {"name": name}) for name in table.udf_names)
    udf_picklists = {i: _by_value(u.get("picklistValues")) for i, u in enumerate(udfs) if u.get("isPickList")}
    return EntityRules(
        table.columns,
        tuple(sorted(required)),
        frozenset(readonly),
        lengths,
        picklists,
        parents,
        {k: tuple(v) for k, v in children.items()},
        references,
        udfs,
        udf_picklists,
    )


def picklist_entry(values: dict[str, dict], value: Any) -> dict | None:
    """The picklist entry for a stored value (exact, then case-insensitive for string picklists)."""
    key = ("true" if value else "false") if isinstance(value, bool) else str(value)
    if isinstance(value, float) and value.is_integer():
        key = str(int(value))
    entry = values.get(key)
    if entry is None and isinstance(value, str):
        lowered = key.lower()
        entry = next((e for k, e in values.items() if k.lower() == lowered), None)
    return entry


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value == "")


class Validator:
    """Checks a merged row against the entity's metadata and the entity rules."""

    def __init__(self, meta: Any, lookup: Callable[[str], Table | None]) -> None:
        self.meta = meta
        self.lookup = lookup
        self._rules: dict[str, EntityRules] = {}

    def rules(self, table: Table) -> EntityRules:
        """The (cached) metadata index of a table's entity."""
        rules = self._rules.get(table.entity)
        if rules is None:
            rules = self._rules[table.entity] = build_rules(self.meta, table)
        return rules

    def check(
        self,
        table: Table,
        row: list,  # logical (Table.unpack form)
        sent: set[int],
        sent_udfs: set[int],
        *,
        full: bool,
    ) -> list[str]:
        """Every problem of ``row``; ``full`` = create/replace (all fields), else only ``sent`` fields."""
        rules = self.rules(table)
        errors: list[str] = []
        for col in rules.required:
            if (full or col in sent) and _missing(row[col]):
                name = rules.names[col]
                special = REQUIRED_MESSAGES.get((table.entity, name))
                if special is not None:
                    errors.append(special)
                elif rules.is_lookup(col):
                    errors.append(f"Value does not reference an existing entity for {name} . ")
                else:
                    errors.append(f"Value does not exist for the required field {name}.")
        if full:
            to_check: Iterable[int] = (c for c in range(len(table.columns)) if row[c] is not None)
        else:
            cols = set(sent)
            for parent in sent:
                cols.update(rules.children.get(parent, ()))
            to_check = sorted(c for c in cols if row[c] is not None)
        for col in to_check:
            errors.extend(self._check_value(rules, row, col))
        if table.udf_index is not None:
            errors.extend(self._check_udfs(rules, row[table.udf_index], sent_udfs, full))
        errors.extend(self._entity_rules(table, row, sent, full))
        return errors

    def _check_value(self, rules: EntityRules, row: list, col: int) -> list[str]:
        value, name = row[col], rules.names[col]
        limit = rules.lengths.get(col)
        if limit and isinstance(value, str) and len(value) > limit:
            return [f"String value exceeds maximum length (field:{name})."]
        values = rules.picklists.get(col)
        if values is not None:
            entry = picklist_entry(values, value)
            parent_col = rules.parents.get(col)
            if entry is None or not entry.get("isActive", True):
                return [f"Picklist value [{_text(value)}] does not exist for {name}."]
            if parent_col is not None and str(entry.get("parentValue") or "") != _text(row[parent_col]):
                return [f"Picklist value [{_text(value)}] does not exist for {name}."]
        reference = rules.references.get(col)
        if reference is not None and not self._reference_ok(reference[0], value):
            return [f"Reference value on field: {name} of type: {reference[1]} does not exist or is invalid."]
        return []

    def _reference_ok(self, entity: str | None, value: Any) -> bool:
        if entity is None:
            return True  # the metadata names a type the sandbox has no model for: nothing to check against
        target = self.lookup(entity)
        if target is None or not isinstance(value, int) or isinstance(value, bool):
            return False
        found = target.row(value)
        if found is None:
            return False
        if entity in ACTIVE_REFERENCE_ENTITIES:
            col = target.column("isActive")
            active = None if col is None else target.value(found, col)
            if active is not None and not active:
                return False
        return True

    def _check_udfs(self, rules: EntityRules, values: tuple | None, sent: set[int], full: bool) -> list[str]:
        errors: list[str] = []
        for pos, definition in enumerate(rules.udfs):
            name = definition.get("name", "")
            value = None if values is None else values[pos]
            if value is None:
                if definition.get("isRequired") and (full or pos in sent):
                    errors.append(f"Value does not exist for the required field {name}.")
                continue
            if not full and pos not in sent:
                continue
            errors.extend(_udf_value_errors(definition, rules.udf_picklists.get(pos), name, value))
        return errors

    def _entity_rules(self, table: Table, row: list, sent: set[int], full: bool) -> list[str]:
        errors: list[str] = []
        if table.entity == "Tickets":
            resource, role = table.column("assignedResourceID"), table.column("assignedResourceRoleID")
            if resource is not None and role is not None and (full or {resource, role} & sent):
                if (row[resource] is None) != (row[role] is None):
                    errors.append(TICKET_RESOURCE_ROLE_MESSAGE)
        if table.entity == "TimeEntries" and full:
            col = table.column
            ticket, role, hours = col("ticketID"), col("roleID"), col("hoursWorked")
            start, end = col("startDateTime"), col("endDateTime")
            if ticket is not None and role is not None and row[ticket] is not None and row[role] is None:
                errors.append(TIME_ENTRY_ROLE_MESSAGE)
            window = start is not None and end is not None and row[start] is not None and row[end] is not None
            if hours is not None and not row[hours] and not window:
                errors.append(TIME_ENTRY_HOURS_MESSAGE)
        if table.entity == "TimeEntries":
            errors.extend(self._time_entry_role(table, row, sent, full))
        if table.entity == "ContactGroups":
            name_col = table.column("name")
            if name_col is not None and (full or name_col in sent) and isinstance(row[name_col], str):
                wanted = row[name_col].strip().lower()
                for other in table.rows:
                    name = table.value(other, name_col)
                    if other[0] != row[0] and isinstance(name, str) and name.strip().lower() == wanted:
                        errors.append(
                            f"A ContactGroup already exists with Name [{row[name_col]}]. "
                            "ContactGroup names must be unique."
                        )
                        break
        return errors

    def _time_entry_role(self, table: Table, row: list, sent: set[int], full: bool) -> list[str]:
        resource, role, ticket = (table.column(n) for n in ("resourceID", "roleID", "ticketID"))
        if resource is None or role is None or not (full or {resource, role, ticket} & sent):
            return []
        if row[resource] is None or row[role] is None:
            return []
        on_ticket = ticket is not None and row[ticket] is not None
        held = self._held_roles("ResourceServiceDeskRoles" if on_ticket else "ResourceRoleDepartments")
        if held is None or (row[resource], row[role]) in held:
            return []
        return [ROLE_NOT_HELD_MESSAGE]

    def _held_roles(self, entity: str) -> set[tuple[Any, Any]] | None:
        """Active (resourceID, roleID) pairs of a role-association table; None when it holds no rows."""
        table = self.lookup(entity)
        if table is None or not len(table):
            return None  # a tenant without role data cannot refuse a role
        cols = [table.column(n) for n in ("resourceID", "roleID", "isActive")]
        if cols[0] is None or cols[1] is None:
            return None
        value = table.value
        return {
            (value(r, cols[0]), value(r, cols[1]))
            for r in table.rows
            if cols[2] is None or value(r, cols[2]) is not False
        }


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _udf_value_errors(definition: dict, picklist: dict[str, dict] | None, name: str, value: str) -> list[str]:
    if picklist is not None:
        entry = picklist_entry(picklist, value)
        if entry is None or not entry.get("isActive", True):
            return [f"Picklist value [{value}] does not exist for {name}."]
        return []
    kind = udf_kind(definition.get("type"))
    if kind == "number":
        try:
            float(value)
        except ValueError:
            return [f'Input string was not in a correct format. Field: {name}, value: "{value}".']
    elif kind == "date":
        try:
            parse_datetime(value)
        except (ValueError, OverflowError):
            return [f'String was not recognized as a valid DateTime. Field: {name}, value: "{value}".']
    else:
        limit = definition.get("length") or 0
        if limit and len(value) > int(limit):
            return [f"String value exceeds maximum length (field:{name})."]
    return []
