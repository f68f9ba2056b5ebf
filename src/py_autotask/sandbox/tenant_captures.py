"""Real ``entityInformation/fields`` captures, kept inside the package so the sandbox works from a wheel.

The rows are a compact transcription of ``spec/field-metadata/Resources.entityInformation.fields.json``
and ``spec/field-metadata/TicketWebhooks.entityInformation.fields.json`` (live captures, March 2025);
``tests/sandbox/test_metadata.py`` checks that :func:`captured_fields` reproduces those files exactly, so
the transcription cannot drift. Entities listed here are served verbatim instead of the generated overlay.
"""

from __future__ import annotations

# (name, dataType, length, isRequired, isReadOnly, isQueryable, isReference, referenceEntityType,
#  isSupportedWebhookField, picklist rows or None); picklist row = (value, label, isDefaultValue,
#  sortOrder, isActive, isSystem) — parentValue is "" in every captured row.
# fmt: off
_RESOURCES: list[tuple] = [
    ("accountingReferenceID", "string", 100, False, False, True, False, "", False, None),
    ("dateFormat", "string", 20, False, True, True, False, "", False, [
        ("MM/dd/yyyy", "MM/dd/yyyy", False, 1, True, True),
        ("MM-dd-yyyy", "MM-dd-yyyy", False, 3, True, True),
        ("MM.dd.yyyy", "MM.dd.yyyy", False, 5, True, True),
        ("dd/MM/yyyy", "dd/MM/yyyy", True, 7, True, True),
        ("dd-MM-yyyy", "dd-MM-yyyy", False, 9, True, True),
        ("dd.MM.yyyy", "dd.MM.yyyy", False, 11, True, True),
        ("yyyy/MM/dd", "yyyy/MM/dd", False, 13, True, True),
        ("yyyy-MM-dd", "yyyy-MM-dd", False, 15, True, True),
        ("yyyy.MM.dd", "yyyy.MM.dd", False, 17, True, True),
    ]),
    ("defaultServiceDeskRoleID", "long", 0, False, False, False, True, "Role", False, None),
    ("email", "string", 254, True, False, True, False, "", False, None),
    ("email2", "string", 254, False, False, True, False, "", False, None),
    ("email3", "string", 254, False, False, True, False, "", False, None),
    ("emailTypeCode", "string", 20, True, False, True, False, "", False, [
        ("MOBILE", "Mobile email service", False, 50, True, True),
        ("PAGER", "Pager e-mail address", False, 40, True, True),
        ("PRIMARY", "Primary e-mail address", False, 10, True, True),
        ("SECONDARY", "Secondary e-mail address", False, 20, True, True),
        ("SMS", "SMS text messaging address", False, 30, True, True),
    ]),
    ("emailTypeCode2", "string", 20, False, False, True, False, "", False, [
        ("MOBILE", "Mobile email service", False, 50, True, True),
        ("PAGER", "Pager e-mail address", False, 40, True, True),
        ("PRIMARY", "Primary e-mail address", False, 10, True, True),
        ("SECONDARY", "Secondary e-mail address", False, 20, True, True),
        ("SMS", "SMS text messaging address", False, 30, True, True),
    ]),
    ("emailTypeCode3", "string", 20, False, False, True, False, "", False, [
        ("MOBILE", "Mobile email service", False, 50, True, True),
        ("PAGER", "Pager e-mail address", False, 40, True, True),
        ("PRIMARY", "Primary e-mail address", False, 10, True, True),
        ("SECONDARY", "Secondary e-mail address", False, 20, True, True),
        ("SMS", "SMS text messaging address", False, 30, True, True),
    ]),
    ("firstName", "string", 50, True, False, True, False, "", False, None),
    ("gender", "string", 1, False, False, True, False, "", False, [
        ("F", "Female", False, 1, True, True),
        ("M", "Male", False, 2, True, True),
        ("N", "Non-binary", False, 2, True, True),
        ("P", "Prefer not to say", False, 2, True, True),
    ]),
    ("greeting", "integer", 0, False, False, True, False, "", False, [
        ("1", "Mr.", False, 1, True, True),
        ("2", "Mrs.", False, 2, True, True),
        ("3", "Ms.", False, 3, True, True),
    ]),
    ("hireDate", "datetime", 0, True, True, True, False, "", False, None),
    ("homePhone", "string", 25, False, False, True, False, "", False, None),
    ("id", "long", 0, True, True, True, False, "", False, None),
    ("initials", "string", 32, False, False, True, False, "", False, None),
    ("internalCost", "decimal", 0, False, True, True, False, "", False, None),
    ("isActive", "boolean", 0, True, False, True, False, "", False, None),
    ("lastName", "string", 50, True, False, True, False, "", False, None),
    ("licenseType", "integer", 0, True, True, True, False, "", False, [
        ("1", "Administrator", False, 1, True, True),
        ("2", "Executive", False, 2, True, True),
        ("3", "Professional", False, 3, True, True),
        ("4", "Team Member", False, 4, True, True),
        ("5", "Time & Attendance Only", False, 5, True, True),
        ("6", "Dashboard User", False, 6, True, True),
        ("7", "API User", False, 7, True, True),
        ("8", "Contractor", False, 8, True, True),
        ("9", "Co-managed Help Desk", False, 9, True, True),
    ]),
    ("locationID", "integer", 0, True, True, True, False, "", False, [
        ("90682", "Intellect IT Head Office", True, 1, True, False),
        ("29746576", "Intellect IT Extended", False, 2, True, False),
        ("29746577", "Burra A'Hours", False, 3, True, False),
        ("29746578", "NSW remote workers", False, 4, True, False),
        ("29746581", "Philippines", False, 5, True, False),
    ]),
    ("middleName", "string", 50, False, False, True, False, "", False, None),
    ("mobilePhone", "string", 25, False, False, True, False, "", False, None),
    ("numberFormat", "string", 20, True, False, True, False, "", False, [
        ("X,XXX.XX", "X,XXX.XX", True, 21, True, True),
        ("X.XXX,XX", "X.XXX,XX", False, 22, True, True),
    ]),
    ("officeExtension", "string", 10, False, False, True, False, "", False, None),
    ("officePhone", "string", 25, False, False, True, False, "", False, None),
    ("payrollIdentifier", "string", 32, False, False, True, False, "", False, None),
    ("payrollType", "integer", 0, True, False, True, False, "", False, [
        ("1", "Salary", False, 1, True, True),
        ("2", "Hourly", False, 2, True, True),
        ("3", "Contractor", False, 3, True, True),
        ("4", "Salary Non Exempt", False, 4, True, True),
    ]),
    ("resourceType", "string", 15, True, False, True, False, "", False, [
        ("Contractor", "Contractor", False, 1, True, True),
        ("Employee", "Employee", False, 2, True, True),
    ]),
    ("suffix", "integer", 0, False, False, True, False, "", False, []),
    ("surveyResourceRating", "decimal", 0, False, True, True, False, "", False, None),
    ("timeFormat", "string", 20, False, True, True, False, "", False, [
        ("hh:mm tt", "hh:mm tt", False, 1, True, True),
        ("h:mm tt", "h:mm tt", False, 2, True, True),
        ("HH:mm", "HH:mm", True, 3, True, True),
    ]),
    ("title", "string", 50, False, False, True, False, "", False, None),
    ("travelAvailabilityPct", "string", 15, False, False, True, False, "", False, [
        ("0%", "0%", False, 1, True, True),
        ("up to 100%", "up to 100%", False, 5, True, True),
        ("up to 25%", "up to 25%", False, 2, True, True),
        ("up to 50%", "up to 50%", False, 3, True, True),
        ("up to 75%", "up to 75%", False, 4, True, True),
    ]),
    ("userName", "string", 32, True, False, True, False, "", False, None),
    ("userType", "integer", 0, True, True, True, False, "", False, [
        ("1", "System Administrator", False, 1, True, False),
        ("2", "Manager", False, 2, True, False),
        ("3", "Project Manager", False, 3, True, False),
        ("4", "Sales", False, 4, True, False),
        ("5", "Team Member", False, 5, True, False),
        ("6", "Contractor", False, 6, True, False),
        ("7", "Service Desk User", False, 7, True, False),
        ("8", "Private CRM", False, 8, True, False),
        ("9", "Time and Attendance", False, 9, True, False),
        ("10", "Full Access (system)", False, 10, True, True),
        ("11", "Dashboard User (system)", False, 11, True, True),
        ("12", "Minimal Access (system)", False, 12, True, True),
        ("13", "API User (system)", False, 13, True, True),
        ("14", "System Administrator (system)", False, 14, True, True),
        ("15", "Manager (system)", False, 15, True, True),
        ("16", "Project Manager (system)", False, 16, True, True),
        ("17", "Sales (system)", False, 17, True, True),
        ("18", "Team Member (system)", False, 18, True, True),
        ("19", "Contractor (system)", False, 19, True, True),
        ("20", "Service Desk User (system)", False, 20, True, True),
        ("21", "Private CRM (system)", False, 21, True, True),
        ("22", "Time and Attendance (system)", False, 22, True, True),
        ("23", "Co-managed Help Desk (system)", False, 23, True, True),
        ("24", "API User (Full Permissions)", False, 24, True, False),
        ("25", "API User (system) Can't Read Costs", False, 25, True, True),
        ("26", "TimeZest Security Level TEST", False, 26, True, False),
        ("27", "Service Coordinator", False, 27, True, False),
        ("28", "API User - Configuration Item Update", False, 28, True, False),
        ("29", "API User - CRM, Accounts and Resources RO", False, 29, True, False),
        ("30", "[Copy of]API User (Full Permissions)", False, 30, True, False),
        ("31", "[Copy of]API User (system)", False, 31, True, False),
        ("32", "API User - Configuration Item Add Update", False, 32, True, False),
        ("33", "[Copy of]System Administrator", False, 33, True, False),
        ("34", "API User (ConnectWise Sell - CPQ)", False, 34, True, False),
    ]),
]

_TICKET_WEBHOOKS: list[tuple] = [
    ("deactivationUrl", "string", 500, True, False, True, False, "", False, None),
    ("id", "long", 0, True, True, True, False, "", False, None),
    ("isActive", "boolean", 0, True, False, True, False, "", False, None),
    ("isReady", "boolean", 0, False, False, True, False, "", False, None),
    ("isSubscribedToCreateEvents", "boolean", 0, False, False, True, False, "", False, None),
    ("isSubscribedToDeleteEvents", "boolean", 0, False, False, True, False, "", False, None),
    ("isSubscribedToUpdateEvents", "boolean", 0, False, False, True, False, "", False, None),
    ("name", "string", 50, True, False, True, False, "", False, None),
    ("notificationEmailAddress", "string", 150, False, False, True, False, "", False, None),
    ("ownerResourceID", "integer", 0, False, True, True, True, "Resource", False, None),
    ("secretKey", "string", 64, True, False, True, False, "", False, None),
    ("sendThresholdExceededNotification", "boolean", 0, True, False, True, False, "", False, None),
    ("webhookGuid", "string", 100, False, True, True, False, "", False, None),
    ("webhookUrl", "string", 500, True, False, True, False, "", False, None),
]
# fmt: on

_CAPTURES: dict[str, list[tuple]] = {"Resources": _RESOURCES, "TicketWebhooks": _TICKET_WEBHOOKS}


def captured_entities() -> list[str]:
    """Entity tags whose field metadata is a real capture."""
    return list(_CAPTURES)


def captured_fields(entity: str) -> list[dict]:
    """The captured FieldInformationModel dicts of ``entity``, in capture order (fresh objects)."""
    fields = []
    for name, data_type, length, required, read_only, queryable, is_ref, ref_type, webhook, rows in _CAPTURES[
        entity
    ]:
        picklist = None
        if rows is not None:
            picklist = [
                {
                    "value": value,
                    "label": label,
                    "isDefaultValue": is_default,
                    "sortOrder": sort_order,
                    "parentValue": "",
                    "isActive": active,
                    "isSystem": system,
                }
                for value, label, is_default, sort_order, active, system in rows
            ]
        fields.append(
            {
                "name": name,
                "dataType": data_type,
                "length": length,
                "isRequired": required,
                "isReadOnly": read_only,
                "isQueryable": queryable,
                "isReference": is_ref,
                "referenceEntityType": ref_type,
                "isPickList": rows is not None,
                "picklistValues": picklist,
                "picklistParentValueField": "",
                "isSupportedWebhookField": webhook,
            }
        )
    return fields
