"""Seed records for the tenant's small reference tables: staff, roles, departments, and the catalogue.

These tables are tiny whatever the ticket count (dozens of rows), so they are built eagerly as lists;
the catalogue's ids (work types, services, products, CI categories, surveys) are what the large lazy
tables reference. Picklist values and UDF definitions come from :class:`TenantMetadata`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..tenant.metadata import TenantMetadata
from ..tenant.udfs import UDF_DATA_TYPE_CODES, UDF_ENTITY_CODES
from .core import DAY, YEAR, Clock, Picker, pick, stream
from .plan import DEPARTMENTS, ROLES, Org, Resource

COUNTRIES = (
    (14, "Australia", "AU", True),
    (39, "Canada", "CA", False),
    (82, "Germany", "DE", False),
    (153, "New Zealand", "NZ", False),
    (236, "United Kingdom", "GB", False),
    (237, "United States", "US", False),
)
# (name, billingCodeType label, unit price, active); work types first — time entries use those.
BILLING_CODES = (
    ("Remote Support", "Work Type", 150.0, True),
    ("Onsite Support", "Work Type", 175.0, True),
    ("After Hours Support", "Work Type", 250.0, True),
    ("Project Labour", "Work Type", 180.0, True),
    ("Internal Time", "Work Type", 0.0, True),
    ("Travel", "Work Type", 90.0, True),
    ("Legacy Remote Labour", "Work Type", 120.0, False),
    ("Hardware Sales", "Material Code", 0.0, True),
    ("Software Licensing", "Material Code", 0.0, True),
    ("Mileage Expense", "Expense Code", 0.0, True),
    ("Managed Services", "Recurring Contract Service", 0.0, True),
)
WORK_TYPES = 6  # the first six billing codes are active work types
# (name, monthly price, unit cost, active)
SERVICES = (
    ("Managed Workstation", 65.0, 18.0, True),
    ("Managed Server", 245.0, 60.0, True),
    ("Microsoft 365 Business Premium", 36.3, 33.0, True),
    ("Backup & DR (per TB)", 120.0, 45.0, True),
    ("Firewall Management", 95.0, 20.0, True),
    ("Security Awareness Training", 8.5, 3.0, True),
    ("Help Desk per User", 55.0, 0.0, True),
    ("Email Security", 4.95, 1.8, True),
    ("Network Monitoring", 150.0, 25.0, True),
    ("Legacy Antivirus", 7.0, 2.5, False),
)
# (name, manufacturer, category label, unit price, unit cost, serialized, CI type label or None)
PRODUCTS = (
    ("Dell Latitude 5440", "Dell", "Hardware", 1899.0, 1520.0, True, "Laptop"),
    ("Lenovo ThinkPad T14", "Lenovo", "Hardware", 2099.0, 1690.0, True, "Laptop"),
    ("HP EliteDesk 800 G9", "HP", "Hardware", 1499.0, 1180.0, True, "Workstation"),
    ("Dell OptiPlex 7010", "Dell", "Hardware", 1299.0, 1010.0, True, "Workstation"),
    ("Dell PowerEdge R760", "Dell", "Hardware", 14999.0, 11800.0, True, "Server"),
    ("HPE ProLiant DL380", "HPE", "Hardware", 13999.0, 11200.0, True, "Server"),
    ("Fortinet FortiGate 60F", "Fortinet", "Networking", 1390.0, 980.0, True, "Firewall"),
    ("Meraki MX68", "Cisco Meraki", "Networking", 1650.0, 1240.0, True, "Firewall"),
    ("Aruba 2930F 24G", "HPE Aruba", "Networking", 2390.0, 1820.0, True, "Switch"),
    ("Ubiquiti UniFi USW-Pro-24", "Ubiquiti", "Networking", 899.0, 640.0, True, "Switch"),
    ("Brother MFC-L8900CDW", "Brother", "Hardware", 1199.0, 890.0, True, "Printer"),
    ("Apple iPhone 15", "Apple", "Hardware", 1499.0, 1310.0, True, "Mobile Device"),
    ("VMware vSphere VM", "VMware", "Software", 0.0, 0.0, False, "Virtual Machine"),
    ("Microsoft 365 Business Premium", "Microsoft", "Licensing", 36.3, 33.0, False, None),
    ("Windows Server 2022 Standard", "Microsoft", "Licensing", 1590.0, 1390.0, False, None),
    ("Logitech MX Keys Combo", "Logitech", "Accessories", 229.0, 160.0, False, None),
    ("Dell 27in Monitor P2723D", "Dell", "Accessories", 549.0, 410.0, True, None),
    ("HP LaserJet Toner 58A", "HP", "Consumables (retired)", 189.0, 140.0, False, None),
)
CI_CATEGORIES = (("Standard", True), ("Server Infrastructure", False), ("Network Device", False))
SURVEYS = (("Ticket Closure Survey", "How did we do?"), ("Annual Customer Satisfaction", "Annual review"))
_KIND_TITLES = {
    "admin": "Operations Manager",
    "desk": "Service Desk Engineer",
    "senior": "Senior Engineer",
    "onsite": "Field Technician",
    "noc": "Network Engineer",
    "pm": "Project Manager",
    "consultant": "Technical Consultant",
    "sales": "Account Manager",
    "api": "API User",
}
_KIND_USER_TYPE = {
    "admin": "System Administrator",
    "desk": "Service Desk User",
    "senior": "Team Member",
    "onsite": "Team Member",
    "noc": "Team Member",
    "pm": "Project Manager",
    "consultant": "Contractor",
    "sales": "Sales",
}
_KIND_LICENSE = {
    "admin": "Administrator",
    "pm": "Professional",
    "sales": "Professional",
    "consultant": "Contractor",
}


@dataclass
class Catalog:
    """Eagerly built small tables plus the ids the large tables reference."""

    tables: dict[str, list[dict]] = field(default_factory=dict)
    work_type_ids: list[int] = field(default_factory=list)
    billing_code_ids: dict[str, int] = field(default_factory=dict)
    services: list[dict] = field(default_factory=list)  # active service records
    products: list[dict] = field(default_factory=list)  # active product records
    ci_products: dict[int, list[int]] = field(default_factory=dict)  # CI type value -> product ids
    ci_category_ids: list[int] = field(default_factory=list)
    survey_ids: list[int] = field(default_factory=list)
    role_rate: dict[int, float] = field(default_factory=dict)


def _value(meta: TenantMetadata, entity: str, name: str, label: str) -> Any:
    return Picker(meta.picklist(entity, name) or [], as_int=False).value(label)


def build_catalog(seed: int, clock: Clock, meta: TenantMetadata, org: Org) -> Catalog:
    """Departments, roles, resources, RRDs, countries, billing codes, services, products, CI types and
    categories, ticket categories, surveys and the UDF definition tables."""
    rand = stream(seed, "catalog")
    cat = Catalog()
    admin = org.resources[0]
    made = clock.start - 8 * YEAR
    cat.tables["Departments"] = [
        {
            "id": dept_id,
            "name": name,
            "description": f"{name} team",
            "number": f"D{10 + i}",
            "primaryLocationID": 90682,
        }
        for i, (dept_id, name) in enumerate(zip(org.department_ids, DEPARTMENTS, strict=True))
    ]
    cat.tables["Roles"] = []
    for role_id, (name, _, rate, active) in zip(org.role_ids, ROLES, strict=True):
        cat.role_rate[role_id] = rate
        cat.tables["Roles"].append(
            {
                "id": role_id,
                "name": name,
                "description": f"{name} labour",
                "hourlyRate": rate,
                "hourlyFactor": 1.0,
                "isActive": active,
                "isExcludedFromNewContracts": not active,
                "isSystemRole": name == "Administration",
            }
        )
    cat.tables["Resources"] = [_resource(meta, clock, r, rand) for r in org.resources + org.api_resources]
    rrd, rrd_id = [], 29683000
    for resource in org.resources:
        for position, role_id in enumerate(resource.role_ids):
            rrd.append(
                {
                    "id": rrd_id,
                    "resourceID": resource.id,
                    "roleID": role_id,
                    "departmentID": resource.department_id,
                    "isActive": True,
                    "isDefault": position == 0,
                    "isDepartmentLead": resource.index < 3 and position == 0,
                }
            )
            rrd_id += 1
    cat.tables["ResourceRoleDepartments"] = rrd
    cat.tables["Countries"] = [
        {
            "id": cid,
            "name": name,
            "displayName": name,
            "countryCode": code,
            "isActive": True,
            "isDefaultCountry": default,
            "addressFormatID": 1,
        }
        for cid, name, code, default in COUNTRIES
    ]
    codes: list[dict[str, Any]] = []
    code_id = 29682850
    for name, kind, price, active in BILLING_CODES:
        codes.append(
            {
                "id": code_id,
                "name": name,
                "description": name,
                "billingCodeType": int(_value(meta, "BillingCodes", "billingCodeType", kind)),
                "isActive": active,
                "isExcludedFromNewContracts": not active,
                "unitPrice": price,
                "unitCost": 0.0,
                "markupRate": 0.0,
                "externalNumber": f"GL-{4000 + len(codes)}",
                "department": org.department_ids[0 if kind == "Work Type" else 3],
            }
        )
        cat.billing_code_ids[name] = code_id
        code_id += 1 + int(rand() * 4)
    cat.tables["BillingCodes"] = codes
    cat.work_type_ids = [c["id"] for c in codes[:WORK_TYPES]]
    recurring = cat.billing_code_ids["Managed Services"]
    monthly = int(_value(meta, "Services", "periodType", "Monthly"))
    services, service_id = [], 29683300
    tiers = ("Essential", "Professional", "Enterprise")
    for name, price, cost, active in SERVICES:
        services.append(
            {
                "id": service_id,
                "name": name,
                "description": name,
                "invoiceDescription": name,
                "billingCodeID": recurring,
                "periodType": monthly,
                "unitPrice": price,
                "unitCost": cost,
                "markupRate": 0.0,
                "isActive": active,
                "createDate": clock.dt(made + service_id % 97 * DAY),
                "lastModifiedDate": clock.dt(clock.start + int(rand() * YEAR)),
                "creatorResourceID": admin.id,
                "updateResourceID": admin.id,
                "sku": f"SVC-{service_id % 10000:04d}",
                "userDefinedFields": _udf_values(meta, "Services", {"Service Tier": pick(tiers, rand)}),
            }
        )
        service_id += 1
    cat.tables["Services"] = services
    cat.services = [s for s in services if s["isActive"]]
    ci_type_values = {
        v["label"]: int(v["value"])
        for v in meta.picklist("ConfigurationItems", "configurationItemType") or []
    }
    one_time = int(_value(meta, "Products", "periodType", "One-Time"))
    products, product_id = [], 29683200
    for name, maker, category, price, cost, serial, ci_type in PRODUCTS:
        active = not category.endswith("(retired)")
        record = {
            "id": product_id,
            "name": name,
            "description": name,
            "manufacturerName": maker,
            "manufacturerProductName": name,
            "productCategory": int(_value(meta, "Products", "productCategory", category)),
            "unitPrice": price,
            "unitCost": cost,
            "msrp": round(price * 1.1, 2),
            "isActive": active,
            "isSerialized": serial,
            "isEligibleForRma": serial,
            "doesNotRequireProcurement": not serial,
            "periodType": one_time,
            "sku": f"{maker[:3].upper()}-{product_id % 100000}",
            "productBillingCodeID": cat.billing_code_ids[
                "Hardware Sales" if serial else "Software Licensing"
            ],
            "createdByResourceID": admin.id,
            "createdTime": clock.dt(made + (product_id % 300) * DAY),
            "userDefinedFields": _udf_values(
                meta, "Products", {"Vendor SKU Alias": f"ING-{product_id % 99991}" if rand() < 0.6 else None}
            ),
        }
        products.append(record)
        if ci_type is not None:
            cat.ci_products.setdefault(ci_type_values[ci_type], []).append(product_id)
        product_id += 1 + int(rand() * 2)
    cat.tables["Products"] = products
    cat.products = [p for p in products if p["isActive"]]
    cat.tables["ConfigurationItemTypes"] = [
        {"id": int(v["value"]), "name": v["label"], "isActive": v["isActive"]}
        for v in meta.picklist("ConfigurationItems", "configurationItemType") or []
    ]
    cat.tables["ConfigurationItemCategories"] = [
        {
            "id": 29682960 + i,
            "name": name,
            "nickname": name.split()[0],
            "isActive": True,
            "isGlobalDefault": default,
            "isClientPortalDefault": default,
            "displayColorRGB": 0x2E86C1 + i * 4096,
        }
        for i, (name, default) in enumerate(CI_CATEGORIES)
    ]
    cat.ci_category_ids = [c["id"] for c in cat.tables["ConfigurationItemCategories"]]
    cat.tables["TicketCategories"] = [
        {
            "id": int(v["value"]),
            "name": v["label"],
            "nickname": v["label"][:10],
            "isActive": v["isActive"],
            "isGlobalDefault": v["isDefaultValue"],
            "isApiOnly": False,
            "displayColorRGB": 0x1F618D + 8191 * i,
        }
        for i, v in enumerate(meta.picklist("Tickets", "ticketCategory") or [])
    ]
    cat.tables["Surveys"] = [
        {"id": 29682990 + i, "name": name, "displayName": name, "description": text}
        for i, (name, text) in enumerate(SURVEYS)
    ]
    cat.survey_ids = [s["id"] for s in cat.tables["Surveys"]]
    _udf_tables(meta, clock, cat)
    return cat


def _resource(meta: TenantMetadata, clock: Clock, resource: Resource, rand: Callable[[], float]) -> dict:
    def value(name: str, label: str) -> Any:
        found = _value(meta, "Resources", name, label)
        return int(found) if name in ("licenseType", "userType", "payrollType", "locationID") else found

    api = resource.kind == "api"
    user_type = (
        (
            "API User (Full Permissions)"
            if resource.last == "Full"
            else "API User - CRM, Accounts and Resources RO"
        )
        if api
        else _KIND_USER_TYPE[resource.kind]
    )
    contractor = resource.kind == "consultant"
    record = {
        "id": resource.id,
        "firstName": resource.first,
        "lastName": resource.last,
        "email": resource.email,
        "emailTypeCode": "PRIMARY",
        "userName": (resource.email if api else resource.email.split("@")[0])[:32],
        "isActive": resource.end_ms is None,
        "hireDate": clock.date(resource.hire_ms),
        "title": _KIND_TITLES[resource.kind],
        "resourceType": "Contractor" if contractor else "Employee",
        "licenseType": value(
            "licenseType", "API User" if api else _KIND_LICENSE.get(resource.kind, "Team Member")
        ),
        "userType": value("userType", user_type),
        "locationID": value("locationID", "Intellect IT Head Office"),
        "dateFormat": "dd/MM/yyyy",
        "timeFormat": "h:mm tt",
        "numberFormat": "X,XXX.XX",
        "payrollType": value("payrollType", "Contractor" if contractor else "Salary"),
        "initials": resource.first[0] + resource.last[0],
        "internalCost": 0.0 if api else 45.0 + resource.index % 7 * 5,
        "travelAvailabilityPct": "0%" if api else "up to 25%",
    }
    if not api:
        record["officePhone"] = f"+61 2 9{int(rand() * 1e7):07d}"
        record["mobilePhone"] = f"+61 4{int(rand() * 1e8):08d}"
        record["defaultServiceDeskRoleID"] = resource.role_ids[0]
        record["surveyResourceRating"] = round(3.5 + rand() * 1.5, 2)
        if resource.index % 3 == 0:
            record["locationID"] = value("locationID", "NSW remote workers")
    return record


def _udf_values(meta: TenantMetadata, entity: str, values: dict[str, str | None]) -> list[dict]:
    """A record's ``userDefinedFields``: every UDF of the entity in definition order, unset ones null."""
    return [{"name": d.name, "value": values.get(d.name)} for d in meta.udf_definitions(entity)]


def _udf_tables(meta: TenantMetadata, clock: Clock, cat: Catalog) -> None:
    definitions, items = [], []
    for d in meta.all_udf_definitions():
        created = clock.start - (d.id % 700) * DAY
        definitions.append(
            {
                "id": d.id,
                "name": d.name,
                "description": d.description,
                "createDate": clock.dt(created),
                "udfType": UDF_ENTITY_CODES[d.entity],
                "dataType": UDF_DATA_TYPE_CODES[d.kind],
                "isActive": True,
                "isEncrypted": False,
                "isFieldMapping": False,
                "isPrivate": False,
                "isProtected": False,
                "isRequired": False,
                "isVisibleToClientPortal": d.kind == "list",
                "mergeVariableName": f"[{meta.legacy_name(d.entity)}:{d.name}]",
                "numberOfDecimalPlaces": d.length if d.kind == "number" else None,
                "sortOrder": d.sort_order,
            }
        )
        for item in d.items:
            items.append(
                {
                    "id": item.id,
                    "udfFieldId": d.id,
                    "valueForDisplay": item.value,
                    "valueForExport": item.value,
                    "isActive": item.is_active,
                    "createDate": clock.dt(created + DAY),
                }
            )
    cat.tables["UserDefinedFieldDefinitions"] = definitions
    cat.tables["UserDefinedFieldListItems"] = sorted(items, key=lambda r: r["id"])
