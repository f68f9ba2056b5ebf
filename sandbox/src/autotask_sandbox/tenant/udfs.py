"""The tenant's user-defined fields (UDFs): names, kinds, list values, and the ids Autotask gives them.

Every entity whose swagger model carries ``userDefinedFields`` gets a few UDFs of the four kinds real
tenants use — text, number, date and list — with human names containing spaces ("Customer Ranking"),
because that is what breaks naive column mapping. List values are served with ``value`` = the list
text (the form the docs' ``{"name": "CustomerRanking", "value": "Golden"}`` example shows); the same
definitions back the seeded ``UserDefinedFieldDefinitions`` / ``UserDefinedFieldListItems`` rows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# kind -> the ``type`` string served in entityInformation/userDefinedFields
UDF_TYPES = {"text": "string", "list": "string", "number": "double", "date": "datetime"}
# UserDefinedFieldDefinitions.dataType / udfType codes used by the sandbox (served as system picklists).
UDF_DATA_TYPE_CODES = {"text": 1, "number": 2, "date": 3, "list": 4}
UDF_ENTITY_CODES = {
    "Companies": 1,
    "ConfigurationItems": 2,
    "Contacts": 3,
    "Contracts": 4,
    "Opportunities": 5,
    "Products": 6,
    "Projects": 7,
    "SalesOrders": 8,
    "Services": 9,
    "ServiceBundles": 10,
    "Subscriptions": 11,
    "Tasks": 12,
    "Tickets": 13,
    "CompanySiteConfigurations": 14,
}

# (name, kind, length or decimals, description, list values) — inactive list values end in " (retired)".
_SPECS: dict[str, list[tuple]] = {
    "Companies": [
        (
            "Customer Ranking",
            "list",
            0,
            "Account tier used for prioritising work",
            ["Golden", "Silver", "Bronze", "Strategic", "Prospect Tier (retired)"],
        ),
        ("Number of Employees", "number", 0, "Head count reported at onboarding", None),
        ("Contract Renewal Date", "date", 0, "Next renewal of the master agreement", None),
        ("Primary Technology Stack", "text", 200, "Main platforms the customer runs", None),
        ("Onboarding Complete", "list", 0, "Whether onboarding finished", ["Yes", "No"]),
    ],
    "Contacts": [
        (
            "Preferred Contact Method",
            "list",
            0,
            "How the contact likes to be reached",
            ["Email", "Phone", "Text Message", "Microsoft Teams", "Fax (retired)"],
        ),
        ("Birthday", "date", 0, "For the holiday card list", None),
        ("VIP Notes", "text", 500, "Handling notes for key contacts", None),
    ],
    "Tickets": [
        (
            "Root Cause",
            "list",
            0,
            "Root cause recorded at resolution",
            ["Hardware Failure", "User Error", "Configuration", "Vendor Issue", "Unknown", "Other (retired)"],
        ),
        ("Customer Impact Score", "number", 0, "1 (minor) to 10 (business down)", None),
        ("External Reference", "text", 100, "Vendor or customer case number", None),
        ("Follow Up Date", "date", 0, "When to check back with the customer", None),
    ],
    "Projects": [
        ("Project Health", "list", 0, "Traffic light status", ["Green", "Amber", "Red"]),
        ("Budget Code", "text", 50, "Customer cost centre", None),
        ("Go Live Date", "date", 0, "Planned cut-over", None),
        ("Billable Percentage", "number", 2, "Share of project hours billed", None),
    ],
    "Tasks": [
        ("Blocked By", "text", 200, "What the task waits for", None),
        ("Story Points", "number", 0, "Relative effort", None),
    ],
    "Contracts": [
        ("Auto Renew", "list", 0, "Renews without a new signature", ["Yes", "No"]),
        ("Renewal Notice Days", "number", 0, "Days of notice before renewal", None),
    ],
    "ConfigurationItems": [
        ("Warranty Provider", "text", 100, "Who honours the warranty", None),
        ("Asset Tag", "text", 50, "Physical asset label", None),
        ("Backup Verified Date", "date", 0, "Last successful restore test", None),
    ],
    "Opportunities": [
        ("Deal Source Detail", "text", 200, "Free-text origin of the deal", None),
        ("Expected Seats", "number", 0, "Licences or users in scope", None),
    ],
    "Products": [("Vendor SKU Alias", "text", 100, "Distributor's SKU", None)],
    "Services": [("Service Tier", "list", 0, "Packaging tier", ["Essential", "Professional", "Enterprise"])],
    "ServiceBundles": [
        ("Bundle Tier", "list", 0, "Packaging tier", ["Essential", "Professional", "Enterprise"])
    ],
    "SalesOrders": [("Delivery Instructions", "text", 500, "Notes for the courier", None)],
    "Subscriptions": [("Renewal Owner", "text", 100, "Who renews the subscription", None)],
    "CompanySiteConfigurations": [
        ("Site Access Notes", "text", 1000, "Parking, keys, alarm", None),
        ("Door Code", "text", 20, "Alarm or door code", None),
    ],
}
_RETIRED = " (retired)"


@dataclass(frozen=True)
class UdfListItem:
    """One value of a list UDF."""

    id: int
    value: str
    is_active: bool


@dataclass(frozen=True)
class UdfDefinition:
    """One user-defined field of one entity."""

    id: int
    entity: str
    name: str
    kind: str  # text | number | date | list
    length: int  # text length, or decimal places for numbers
    description: str
    sort_order: int
    items: tuple[UdfListItem, ...]


def build_udfs(seed: int) -> dict[str, list[UdfDefinition]]:
    """Every UDF definition per entity tag, with tenant-specific ids for ``seed``."""
    rng = random.Random(f"autotask-sandbox/udfs/{seed}")
    next_id = 29682900 + rng.randrange(0, 500)
    next_item = 29690000 + rng.randrange(0, 5000)
    result: dict[str, list[UdfDefinition]] = {}
    for entity, specs in _SPECS.items():
        definitions = []
        for position, (name, kind, length, description, values) in enumerate(specs):
            items = []
            for value in values or ():
                active = not value.endswith(_RETIRED)
                items.append(UdfListItem(next_item, value[: -len(_RETIRED)] if not active else value, active))
                next_item += 1
            definitions.append(
                UdfDefinition(next_id, entity, name, kind, length, description, position + 1, tuple(items))
            )
            next_id += 1 + (rng.random() < 0.3)
        result[entity] = definitions
    return result


def udf_field(definition: UdfDefinition, *, webhook: bool) -> dict:
    """The ``Field`` dict served by ``entityInformation/userDefinedFields`` for one definition."""
    picklist = None
    if definition.kind == "list":
        picklist = [
            {
                "value": item.value,
                "label": item.value,
                "isDefaultValue": False,
                "sortOrder": position + 1,
                "parentValue": "",
                "isActive": item.is_active,
                "isSystem": False,
            }
            for position, item in enumerate(definition.items)
        ]
    return {
        "name": definition.name,
        "label": definition.name,
        "type": UDF_TYPES[definition.kind],
        "length": definition.length
        if definition.kind == "text"
        else (100 if definition.kind == "list" else 0),
        "description": definition.description,
        "isRequired": False,
        "isReadOnly": False,
        "isQueryable": True,
        "isReference": False,
        "referenceEntityType": "",
        "isPickList": picklist is not None,
        "picklistValues": picklist,
        "picklistParentValueField": "",
        "defaultValue": None,
        "isSupportedWebhookField": webhook,
    }
