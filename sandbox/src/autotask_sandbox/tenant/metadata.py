"""The sandbox tenant's field metadata, as served by ``entityInformation`` and its ``/fields`` and
``/userDefinedFields`` endpoints.

Field lists come from the swagger models (``autotask_sandbox/spec/models.json``) with a per-tenant overlay
(``tenant_fields``: required / read-only / lengths / references, ``tenant_picklists``, ``tenant_udfs``);
Resources and TicketWebhooks are served verbatim from real captures (``tenant_captures``). The seed data is
generated *from* this object, so every picklist value and UDF the data uses is one this metadata lists.

Conventions (from the real capture): ``picklistValues`` is ``null`` for non-picklists, ``referenceEntityType``
and ``picklistParentValueField`` are ``""`` when unused, ``length`` is 0 for non-strings, picklist values are
strings. ``referenceEntityType`` holds Autotask's singular legacy name ("Account" for Companies,
"InstalledProduct" for ConfigurationItems, "AllocationCode" for BillingCodes ...); :meth:`reference_entity`
maps it back to the entity tag. Returned dicts are shared caches: treat them as read-only.
"""

from __future__ import annotations

from functools import cache

from ..specdata import load_models, load_routes
from ..webhooks.events import WEBHOOK_TABLES, field_ids
from . import fields as rules
from .captures import captured_entities, captured_fields
from .picklists import FIELD_LISTS, PARENT_FIELDS, build_picklists
from .udfs import UDF_DATA_TYPE_CODES, UDF_ENTITY_CODES, UdfDefinition, build_udfs, udf_field

_QUERY_ACTIONS = frozenset({"queryGet", "queryPost", "countGet", "countPost"})
_ACCESS_KINDS = ("create", "delete", "query", "update")
_NOT_FIELDS = ("array", "UserDefinedField")  # collection-valued model properties are not fields
# Picklists that describe the UDF definitions themselves (codes chosen by the sandbox, served as system).
_UDF_LISTS = {
    ("UserDefinedFieldDefinitions", "udfType"): ("udf.entityType", UDF_ENTITY_CODES),
    ("UserDefinedFieldDefinitions", "dataType"): ("udf.dataType", UDF_DATA_TYPE_CODES),
}


@cache
def _spec() -> tuple[dict[str, dict], tuple[dict, ...]]:
    """(entity tag -> model, route operations) from the generated spec copy."""
    models, routes = load_models(), load_routes()
    return models, tuple(routes)


def _capabilities(routes: tuple[dict, ...]) -> dict[str, dict[str, bool]]:
    caps: dict[str, dict[str, bool]] = {}
    for op in routes:
        entry = caps.setdefault(op["entity"], dict.fromkeys(_ACCESS_KINDS, False))
        action = op["action"]
        if action == "create":
            entry["create"] = True
        elif action in ("update", "replace"):
            entry["update"] = True
        elif action == "delete":
            entry["delete"] = True
        elif action in _QUERY_ACTIONS:
            entry["query"] = True
    return caps


class TenantMetadata:
    """Field metadata, picklists and UDFs of one simulated Autotask tenant (deterministic per seed)."""

    def __init__(self, seed: int = 1) -> None:
        self.seed = seed
        models, routes = _spec()
        self._models = models
        self._caps = _capabilities(routes)
        self._tags = {tag.lower(): tag for tag in models}
        self._legacy_to_tag = {m["legacy"]: tag for tag, m in models.items() if m.get("legacy")}
        self._legacy_names = frozenset(self._legacy_to_tag)
        self._lists = build_picklists(seed)
        for list_name, codes in _UDF_LISTS.values():
            self._lists[list_name] = [
                {
                    "value": str(code),
                    "label": key if list_name == "udf.entityType" else key.title(),
                    "isDefaultValue": False,
                    "sortOrder": code,
                    "parentValue": "",
                    "isActive": True,
                    "isSystem": True,
                }
                for key, code in codes.items()
            ]
        self._udf_definitions = build_udfs(seed)
        self._fields: dict[str, list[dict]] = {}
        self._by_name: dict[str, dict[str, dict]] = {}
        self._udf_fields: dict[str, list[dict]] = {}

    # -- entities -------------------------------------------------------------------------------------
    def entities(self) -> list[str]:
        """Every entity tag that has a model in models.json."""
        return list(self._models)

    def entity(self, name: str) -> str:
        """The canonical entity tag for ``name`` (case-insensitive); KeyError if unknown."""
        tag = self._tags.get(name.lower())
        if tag is None:
            raise KeyError(f"unknown entity {name!r}")
        return tag

    def legacy_name(self, entity: str) -> str:
        """Autotask's singular legacy name of an entity ("Account" for Companies), or the tag itself."""
        tag = self.entity(entity)
        return self._models[tag].get("legacy") or tag

    def tag_for_legacy(self, legacy: str) -> str | None:
        """The entity tag whose legacy name is ``legacy`` ("Account" -> "Companies")."""
        return self._legacy_to_tag.get(legacy)

    def has_udfs(self, entity: str) -> bool:
        """Whether the entity's model carries ``userDefinedFields``."""
        return bool(self._models[self.entity(entity)].get("hasUdfs"))

    # -- fields ---------------------------------------------------------------------------------------
    def fields(self, entity: str) -> list[dict]:
        """FieldInformationModel dicts of ``entity`` in model order (capture order for captured entities)."""
        tag = self.entity(entity)
        if tag not in self._fields:
            built = captured_fields(tag) if tag in captured_entities() else self._build_fields(tag)
            self._webhook_field_lists(tag, built)
            self._fields[tag] = built
            self._by_name[tag] = {f["name"].lower(): f for f in built}
        return list(self._fields[tag])

    def field(self, entity: str, name: str) -> dict | None:
        """One field's metadata by name (case-insensitive), or None."""
        tag = self.entity(entity)
        if tag not in self._by_name:
            self.fields(tag)
        return self._by_name[tag].get(name.lower())

    def picklist(self, entity: str, name: str) -> list[dict] | None:
        """The picklist values of a field, or None when it is not a picklist."""
        found = self.field(entity, name)
        return None if found is None else found["picklistValues"]

    def reference_entity(self, entity: str, field: str) -> str | None:
        """Entity tag a reference field points at (Tickets.companyID -> "Companies"), else None."""
        found = self.field(entity, field)
        if found is None or not found["isReference"]:
            return None
        return self._legacy_to_tag.get(found["referenceEntityType"])

    def _webhook_field_lists(self, tag: str, built: list[dict]) -> None:
        """``fieldID`` of ``<Entity>WebhookFields`` and ``udfFieldID`` of ``…WebhookUdfFields`` are picklists
        of the ids webhook callouts use (webhooks.field_ids; labels: the field's name capitalised, the
        UDF's name), so a client can find the id of a field the way it would on a live tenant."""
        watched = {hooks[:-1]: entity for entity, hooks in WEBHOOK_TABLES.items()}  # "TicketWebhook": ...
        for suffix, column in (("Fields", "fieldID"), ("UdfFields", "udfFieldID")):
            entity = watched.get(tag[: -len(suffix)]) if tag.endswith(suffix) else None
            if entity is None:
                continue
            if column == "fieldID":
                labels = {i: name[0].upper() + name[1:] for i, name in field_ids(self, entity).items()}
            else:
                labels = {d.id: d.name for d in self.udf_definitions(entity)}
            values = [
                {
                    "value": str(value),
                    "label": label,
                    "isDefaultValue": False,
                    "sortOrder": 0,
                    "parentValue": "",
                    "isActive": True,
                    "isSystem": column == "fieldID",
                }
                for value, label in labels.items()
            ]
            for info in built:
                if info["name"] == column:
                    info.update(
                        isPickList=True, picklistValues=values, isReference=False, referenceEntityType=""
                    )

    def _build_fields(self, tag: str) -> list[dict]:
        model = self._models[tag]
        built = []
        for name, swagger_type in model["fields"].items():
            if swagger_type.startswith(_NOT_FIELDS):
                continue
            list_key = FIELD_LISTS.get((tag, name))
            udf_list = _UDF_LISTS.get((tag, name))
            picklist = None
            if list_key is not None:
                picklist = self._lists[list_key]
            elif udf_list is not None:
                picklist = self._lists[udf_list[0]]
            reference = (
                ""
                if picklist is not None
                else rules.reference_legacy_name(tag, name, swagger_type, self._legacy_names)
            )
            built.append(
                {
                    "name": name,
                    "dataType": rules.data_type(name, swagger_type),
                    "length": rules.string_length(tag, name, swagger_type),
                    "isRequired": rules.is_required(tag, name),
                    "isReadOnly": rules.is_read_only(tag, name)
                    or not (self._caps.get(tag, {}).get("create") or self._caps.get(tag, {}).get("update")),
                    "isQueryable": swagger_type != "string:byte",
                    "isReference": bool(reference),
                    "referenceEntityType": reference,
                    "isPickList": picklist is not None,
                    "picklistValues": picklist,
                    "picklistParentValueField": PARENT_FIELDS.get((tag, name), ""),
                    "isSupportedWebhookField": rules.is_webhook_field(tag, name),
                }
            )
        return built

    # -- user-defined fields --------------------------------------------------------------------------
    def udfs(self, entity: str) -> list[dict]:
        """UserDefinedFieldInformationResultModel ``Field`` dicts of ``entity`` ([] when it has none)."""
        tag = self.entity(entity)
        if tag not in self._udf_fields:
            webhook = tag in rules.WEBHOOK_ENTITIES
            self._udf_fields[tag] = [udf_field(d, webhook=webhook) for d in self.udf_definitions(tag)]
        return list(self._udf_fields[tag])

    def udf_definitions(self, entity: str) -> list[UdfDefinition]:
        """The tenant's UDF definitions of ``entity`` (ids, kinds, list items) — what the seed uses."""
        tag = self.entity(entity)
        if not self._models[tag].get("hasUdfs"):
            return []
        return list(self._udf_definitions.get(tag, ()))

    def all_udf_definitions(self) -> list[UdfDefinition]:
        """Every UDF definition of the tenant, ascending by id."""
        every = [d for definitions in self._udf_definitions.values() for d in definitions]
        return sorted(every, key=lambda d: d.id)

    # -- entityInformation ----------------------------------------------------------------------------
    def capabilities(self, entity: str) -> dict[str, bool]:
        """{create, delete, query, update} -> whether any route (root or child) offers it."""
        tag = self.entity(entity)
        return dict(self._caps.get(tag, dict.fromkeys(_ACCESS_KINDS, False)))

    def entity_information(self, entity: str, access: dict[str, int]) -> dict:
        """The ``info`` object of ``GET /{Entity}/entityInformation`` for a user with ``access`` levels.

        ``access`` maps create/delete/query/update (or userAccessForCreate ...) to 0 none, 1 all,
        2 restricted; an operation the entity has no route for always reports 0.
        """
        tag = self.entity(entity)
        caps = self.capabilities(tag)
        levels = {key.lower().removeprefix("useraccessfor"): int(value) for key, value in access.items()}
        info = {
            "name": tag,
            "canCreate": caps["create"],
            "canDelete": caps["delete"],
            "canQuery": caps["query"],
            "canUpdate": caps["update"],
        }
        for kind in _ACCESS_KINDS:
            info["userAccessFor" + kind.capitalize()] = levels.get(kind, 0) if caps[kind] else 0
        info["hasUserDefinedFields"] = bool(self._models[tag].get("hasUdfs"))
        info["supportsWebhookCallouts"] = tag in rules.WEBHOOK_ENTITIES
        return info
