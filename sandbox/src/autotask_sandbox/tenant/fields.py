"""The per-tenant overlay on swagger field types: required, read-only, lengths, references, webhooks.

The swagger has no required lists, lengths or references (only live ``entityInformation/fields`` has
them), so these rules encode what Autotask documents and what the real capture shows: server-set fields
are read-only, ``*ResourceID`` fields reference ``Resource`` and so on. Picklists live in
``picklists.py``; :class:`~autotask_sandbox.tenant.metadata.TenantMetadata` combines both.
"""

from __future__ import annotations

# swagger type[:format] -> Autotask dataType; money-like doubles become "decimal" (see data_type()).
SWAGGER_TYPES = {
    "integer:int32": "integer",
    "integer:int64": "long",
    "integer": "integer",
    "number:double": "double",
    "number:decimal": "decimal",
    "number": "double",
    "boolean": "boolean",
    "string:date-time": "datetime",
    "string:date": "datetime",
    "string": "string",
    "string:byte": "string",
    "object": "string",
}
_MONEY_WORDS = (
    "cost",
    "price",
    "rate",
    "amount",
    "revenue",
    "budget",
    "fee",
    "total",
    "discount",
    "value",
    "tax",
    "sgda",
    "msrp",
    "due",
    "advance",
    "rating",
)
_NOT_MONEY_WORDS = (
    "hours",
    "percent",
    "factor",
    "miles",
    "odometer",
    "quantity",
    "score",
    "elapsed",
    "users",
    "advancedfield",
    "kilobytes",
)

# Fields Autotask itself sets; writes to them are ignored (read-only in metadata) on every entity.
SERVER_SET = frozenset(
    {
        "id",
        "createDate",
        "createDateTime",
        "createdDate",
        "createdDateTime",
        "createdTime",
        "createTime",
        "lastActivityDate",
        "lastActivityDateTime",
        "lastActivity",
        "lastModifiedDate",
        "lastModifiedDateTime",
        "lastModifiedTime",
        "lastTrackedModificationDateTime",
        "lastTrackedModifiedDateTime",
        "updateDateTime",
        "creatorResourceID",
        "createdByResourceID",
        "createdByPersonID",
        "createdByContactID",
        "creatorType",
        "creatorUserID",
        "impersonatorCreatorResourceID",
        "impersonatorUpdaterResourceID",
        "lastActivityResourceID",
        "lastActivityPersonType",
        "lastActivityPersonID",
        "lastModifiedUserID",
        "lastModifiedBy",
        "updateResourceID",
        "ticketNumber",
        "taskNumber",
        "projectNumber",
        "quoteNumber",
        "completedDate",
        "completedDateTime",
        "completedByResourceID",
        "completedByType",
        "deletedByResourceID",
        "deletedDateTime",
    }
)
# Server-set fields that one entity lets a client write after all (docs: "Setting completedDate completes
# the to-do").
WRITABLE: dict[str, frozenset[str]] = {"CompanyToDos": frozenset({"completedDate"})}
# What the server computes on every *Attachments entity (size, type and parent come from the upload).
ATTACHMENT_COMPUTED = frozenset(
    {
        "attachDate",
        "attachedByResourceID",
        "attachedByContactID",
        "fileSize",
        "contentType",
        "parentID",
        "parentType",
    }
)
READ_ONLY: dict[str, frozenset[str]] = {
    "Tickets": frozenset(
        {
            "firstResponseDateTime",
            "firstResponseDueDateTime",
            "firstResponseAssignedResourceID",
            "firstResponseInitiatingResourceID",
            "resolvedDateTime",
            "resolvedDueDateTime",
            "resolutionPlanDateTime",
            "resolutionPlanDueDateTime",
            "lastCustomerNotificationDateTime",
            "lastCustomerVisibleActivityDateTime",
            "serviceLevelAgreementHasBeenMet",
            "serviceLevelAgreementPausedNextEventHours",
            "currentServiceThermometerRating",
            "previousServiceThermometerRating",
            "serviceThermometerTemperature",
        }
    ),
    "Companies": frozenset({"surveyCompanyRating", "isSample"}),
    "Contacts": frozenset({"bulkEmailOptOutTime", "solicitationOptOutTime"}),
    "Projects": frozenset(
        {
            "actualHours",
            "actualBilledHours",
            "completedPercentage",
            "duration",
            "laborEstimatedCosts",
            "laborEstimatedRevenue",
            "laborEstimatedMarginPercentage",
            "statusDateTime",
        }
    ),
    "Tasks": frozenset({"remainingHours", "hoursToBeScheduled"}),
    "TimeEntries": frozenset(
        {"billingApprovalDateTime", "billingApprovalLevelMostRecent", "billingApprovalResourceID"}
    ),
    "Invoices": frozenset(
        {
            "batchID",
            "companyID",
            "invoiceNumber",
            "invoiceTotal",
            "totalTaxValue",
            "fromDate",
            "toDate",
            "invoiceDateTime",
            "isVoided",
            "voidedByResourceID",
            "voidedDate",
            "taxGroup",
            "taxRegionName",
            "webServiceDate",
            "invoiceEditorTemplateID",
            "invoiceStatus",
        }
    ),
    "ExpenseReports": frozenset(
        {
            "amountDue",
            "approvedDate",
            "approverID",
            "internalCurrencyExpenseTotal",
            "reimbursementCurrencyAmountDue",
            "submitDate",
            "status",
        }
    ),
    "TimeOffRequests": frozenset(
        {
            "status",
            "approvedDateTime",
            "approveRejectResourceID",
            "impersonatorApproveRejectResourceID",
            "lastApprovedLevel",
            "lastModifiedByResourceID",
        }
    ),
    "Quotes": frozenset(
        {
            "approvalStatusChangedByResourceID",
            "approvalStatusChangedDate",
            "lastPublishedByResourceID",
            "lastPublishedDateTime",
        }
    ),
}

# What Autotask rejects a create without (docs/autotask-facts.md#writes, SOAP-era field tables).
REQUIRED: dict[str, frozenset[str]] = {
    "Tickets": frozenset({"companyID", "title", "status", "priority", "dueDateTime"}),
    "TicketNotes": frozenset({"ticketID", "title", "noteType", "publish", "description"}),
    "Tasks": frozenset({"projectID", "title", "status", "taskType"}),
    "Phases": frozenset({"projectID", "title"}),
    "Companies": frozenset({"companyName", "companyType", "phone", "ownerResourceID"}),
    "Contacts": frozenset({"firstName", "lastName", "companyID", "isActive"}),
    "Projects": frozenset(
        {"projectName", "companyID", "status", "projectType", "startDateTime", "endDateTime"}
    ),
    "TimeEntries": frozenset({"resourceID", "dateWorked"}),
    "Contracts": frozenset(
        {
            "companyID",
            "contractName",
            "contractType",
            "startDate",
            "endDate",
            "status",
            "timeReportingRequiresStartAndStopTimes",
        }
    ),
    "ContractServices": frozenset({"contractID", "serviceID", "unitPrice"}),
    "Services": frozenset({"name", "periodType", "unitPrice", "billingCodeID"}),
    "ConfigurationItems": frozenset({"companyID", "productID", "isActive"}),
    "ConfigurationItemTypes": frozenset({"name"}),
    "ConfigurationItemCategories": frozenset({"name", "isActive"}),
    "Opportunities": frozenset(
        {
            "companyID",
            "title",
            "ownerResourceID",
            "projectedCloseDate",
            "status",
            "stage",
            "probability",
            "amount",
            "cost",
            "useQuoteTotals",
        }
    ),
    "Quotes": frozenset({"companyID", "name", "effectiveDate", "expirationDate"}),
    "QuoteItems": frozenset({"quoteID", "quoteItemType", "quantity", "isOptional"}),
    "BillingCodes": frozenset({"name"}),
    "Surveys": frozenset({"name"}),
    "Appointments": frozenset({"resourceID", "startDateTime", "endDateTime", "title"}),
    "ExpenseReports": frozenset({"name", "submitterID", "weekEnding"}),
    "ExpenseItems": frozenset(
        {
            "expenseReportID",
            "expenseDate",
            "expenseCategory",
            "description",
            "isBillableToCompany",
            "isReimbursable",
            "haveReceipt",
        }
    ),
    "Products": frozenset({"name", "isActive", "isSerialized"}),
    "Roles": frozenset({"name", "hourlyRate", "hourlyFactor", "isActive"}),
    "Departments": frozenset({"name"}),
    "ResourceRoleDepartments": frozenset(
        {"resourceID", "roleID", "departmentID", "isActive", "isDefault", "isDepartmentLead"}
    ),
    "TicketCategories": frozenset({"name", "isActive"}),
    "Countries": frozenset({"name", "countryCode", "isActive"}),
    "UserDefinedFieldListItems": frozenset({"udfFieldId", "valueForDisplay", "valueForExport"}),
    "UserDefinedFieldDefinitions": frozenset({"name", "udfType", "dataType"}),
    "TimeOffRequests": frozenset({"resourceID", "requestDate", "hours", "timeOffRequestType"}),
    # actionType: the live AccountToDo capture (apigrate's README); the rest: the REST entity page.
    "CompanyToDos": frozenset(
        {"companyID", "actionType", "assignedToResourceID", "startDateTime", "endDateTime"}
    ),
}

# Exact string lengths where Autotask's UI/docs state them; other strings follow _length_by_name().
LENGTHS: dict[str, dict[str, int]] = {
    "Tickets": {
        "title": 255,
        "description": 8000,
        "resolution": 32000,
        "purchaseOrderNumber": 50,
        "externalID": 50,
        "rmmAlertID": 50,
        "ticketNumber": 50,
    },
    "TicketNotes": {"title": 250, "description": 32000},
    "TimeEntries": {"summaryNotes": 32000, "internalNotes": 32000},
    "Companies": {
        "companyName": 100,
        "companyNumber": 50,
        "phone": 25,
        "address1": 128,
        "address2": 128,
        "city": 30,
        "state": 25,
        "postalCode": 10,
        "webAddress": 255,
        "taxID": 50,
    },
    "Contacts": {
        "firstName": 50,
        "lastName": 50,
        "emailAddress": 254,
        "emailAddress2": 254,
        "emailAddress3": 254,
        "title": 50,
        "middleInitial": 50,
        "note": 4000,
    },
    "Projects": {"projectName": 100, "description": 2000, "statusDetail": 2000, "projectNumber": 50},
    "Tasks": {"title": 255, "description": 8000, "taskNumber": 50},
    "Phases": {"title": 255, "description": 8000, "phaseNumber": 50},
    "Contracts": {"contractName": 100, "description": 2000, "contractNumber": 50},
    "Opportunities": {"title": 128, "description": 2000},
    "ConfigurationItems": {"referenceTitle": 200, "referenceNumber": 50, "serialNumber": 100, "notes": 5000},
    "Appointments": {"title": 255, "description": 8000},
    "CompanyToDos": {"activityDescription": 32000},  # live capture (apigrate's README), REST entity page
}


def data_type(field: str, swagger_type: str) -> str:
    """Autotask dataType for a swagger type; money-like doubles are ``decimal``, like the real capture."""
    base = SWAGGER_TYPES.get(swagger_type, "string")
    if base == "double":
        lower = field.lower()
        if not any(word in lower for word in _NOT_MONEY_WORDS) and any(
            word in lower for word in _MONEY_WORDS
        ):
            return "decimal"
    return base


def _length_by_name(field: str) -> int:
    lower = field.lower()
    rules = (
        (("email",), 254),
        (("phone", "fax", "mobile"), 25),
        (("url", "link", "webaddress"), 500),
        (("description", "notes", "comment", "summary", "resolution", "note"), 8000),
        (("postalcode", "zipcode"), 10),
        (("city",), 50),
        (("state",), 25),
        (("address",), 150),
        (("number", "code", "sku", "symbol", "externalid", "internalid", "reference"), 50),
        (("title", "name"), 100),
    )
    for words, length in rules:
        if any(word in lower for word in words):
            return length
    return 100


def string_length(entity: str, field: str, swagger_type: str) -> int:
    """Max length of a string field (0 for non-strings, as the capture does)."""
    if SWAGGER_TYPES.get(swagger_type, "string") != "string":
        return 0
    if swagger_type == "string:byte":
        return 0
    return LENGTHS.get(entity, {}).get(field, _length_by_name(field))


def is_read_only(entity: str, field: str) -> bool:
    """True for fields the server sets (ids, audit stamps, numbers Autotask assigns)."""
    if field in WRITABLE.get(entity, ()):
        return False
    if entity.endswith("Attachments") and field in ATTACHMENT_COMPUTED:
        return True
    return field in SERVER_SET or field in READ_ONLY.get(entity, ())


def is_required(entity: str, field: str) -> bool:
    """True for ``id`` (as in the capture) and for fields Autotask requires on create."""
    return field == "id" or field in REQUIRED.get(entity, ())


# Exact field names that reference one entity regardless of the entity holding them.
_FIELD_REFERENCES = {
    "companyID": "Account",
    "parentCompanyID": "Account",
    "billToCompanyID": "Account",
    "vendorCompanyID": "Account",
    "defaultVendorID": "Account",
    "vendorID": "Account",
    "ticketID": "Ticket",
    "problemTicketId": "Ticket",
    "taskID": "Task",
    "successorTaskID": "Task",
    "predecessorTaskID": "Task",
    "projectID": "Project",
    "proposalProjectID": "Project",
    "phaseID": "Phase",
    "parentPhaseID": "Phase",
    "contractID": "Contract",
    "renewedContractID": "Contract",
    "exclusionContractID": "Contract",
    "opportunityID": "Opportunity",
    "quoteID": "Quote",
    "productID": "Product",
    "serviceID": "Service",
    "serviceBundleID": "ServiceBundle",
    "configurationItemID": "InstalledProduct",
    "parentConfigurationItemID": "InstalledProduct",
    "configurationItemCategoryID": "InstalledProductCategory",
    "departmentID": "Department",
    "department": "Department",
    "surveyID": "Survey",
    "expenseReportID": "ExpenseReport",
    "contractServiceID": "ContractService",
    "contractServiceBundleID": "ContractServiceBundle",
    "companyLocationID": "AccountPhysicalLocation",
    "countryID": "Country",
    "billToCountryID": "Country",
    "organizationalLevelAssociationID": "BusinessDivisionSubdivision",
    "invoiceID": "Invoice",
    "installedByID": "Resource",
    "approverID": "Resource",
    "submitterID": "Resource",
    "creatorUserID": "Resource",
    "lastModifiedUserID": "Resource",
    "lastModifiedBy": "Resource",
    "roleID": "Role",
    "resourceID": "Resource",
    "udfFieldId": "UserDefinedFieldDefinition",
}
_SUFFIX_REFERENCES = (
    ("resourceid", "Resource"),
    ("roleid", "Role"),
    ("contactid", "Contact"),
    ("companyid", "Account"),
    ("billingcodeid", "AllocationCode"),
    ("ticketid", "Ticket"),
    ("taskid", "Task"),
    ("projectid", "Project"),
    ("contractid", "Contract"),
    ("configurationitemid", "InstalledProduct"),
)
# (entity, field) pairs where the rules above would guess wrong.
_NOT_REFERENCES = frozenset(
    {
        ("Tickets", "rmmAlertID"),
        ("ConfigurationItems", "rmmDeviceID"),
        ("Resources", "locationID"),
        ("Departments", "primaryLocationID"),
    }
)


def reference_legacy_name(entity: str, field: str, swagger_type: str, legacy_names: frozenset[str]) -> str:
    """Singular legacy name a reference field points at ("Account", "Resource", ...) or ``""``."""
    if field == "id" or (entity, field) in _NOT_REFERENCES:
        return ""
    if not swagger_type.startswith("integer"):
        return ""
    target = _FIELD_REFERENCES.get(field)
    if target is None:
        lower = field.lower()
        target = next((name for suffix, name in _SUFFIX_REFERENCES if lower.endswith(suffix)), None)
    if target is None and field.endswith("ID") and len(field) > 2:
        guess = field[0].upper() + field[1:-2]
        target = guess if guess in legacy_names else None
    return target if target in legacy_names else ""


WEBHOOK_ENTITIES = frozenset({"Companies", "Contacts", "ConfigurationItems", "Tickets", "TicketNotes"})
# Ticket fields a webhook may subscribe to: the fieldID map of a real TicketWebhookFields capture
# (spec/field-metadata/TicketWebhookFields.fieldID-map.n8n-derived.json), by model field name.
_TICKET_WEBHOOK_FIELDS = frozenset(
    {
        "companyID",
        "title",
        "contactID",
        "description",
        "status",
        "priority",
        "source",
        "estimatedHours",
        "assignedResourceID",
        "dueDateTime",
        "billingCodeID",
        "queueID",
        "contractID",
        "assignedResourceRoleID",
        "issueType",
        "subIssueType",
        "configurationItemID",
        "ticketCategory",
        "ticketType",
        "companyLocationID",
        "opportunityID",
        "problemTicketId",
        "projectID",
        "purchaseOrderNumber",
        "contractServiceBundleID",
        "contractServiceID",
        "externalID",
        "changeApprovalBoard",
        "changeApprovalStatus",
        "changeApprovalType",
        "changeInfoField1",
        "changeInfoField2",
        "changeInfoField3",
        "changeInfoField4",
        "changeInfoField5",
        "completedByResourceID",
        "completedDate",
        "firstResponseDateTime",
        "firstResponseDueDateTime",
        "isAssignedToComanaged",
        "isVisibleToComanaged",
        "lastActivityDate",
        "lastCustomerNotificationDateTime",
        "lastTrackedModificationDateTime",
        "monitorID",
        "monitorTypeID",
        "resolution",
        "resolutionPlanDateTime",
        "resolutionPlanDueDateTime",
        "resolvedDateTime",
        "resolvedDueDateTime",
        "rmaStatus",
        "rmaType",
        "rmmAlertID",
        "serviceLevelAgreementHasBeenMet",
        "serviceLevelAgreementID",
        "organizationalLevelAssociationID",
        "ticketNumber",
        "createDate",
        "createdByContactID",
        "creatorResourceID",
        "hoursToBeScheduled",
        "impersonatorCreatorResourceID",
        "lastCustomerVisibleActivityDateTime",
    }
)


def is_webhook_field(entity: str, field: str) -> bool:
    """Whether a webhook on ``entity`` can subscribe to ``field``."""
    if entity == "Tickets":
        return field in _TICKET_WEBHOOK_FIELDS
    return entity in WEBHOOK_ENTITIES and field != "id"
