"""The tenant's picklists: which fields are picklists, their values, and which values are inactive/system.

Autotask ships some values with fixed ids on every tenant (ticket status 1 "New", 5 "Complete", ticket
type 1..5 ...); values an MSP adds itself get ids the tenant allocates, so :func:`build_picklists` derives
those ids from the tenant seed — two tenants disagree on "Level II Support"'s id, as real ones do. A value
flagged inactive (``x``) is one the MSP retired: only old records still carry it.
"""

from __future__ import annotations

import random

# A list entry is (value, label, flags) where value is a fixed int id or None (tenant-allocated) and flags
# holds "d" (isDefaultValue), "s" (isSystem), "x" (inactive). Sub-lists add the parent's label last.
Entry = tuple

PERSON_TYPE = [(1, "Resource", "ds"), (2, "Contact", "s")]
PRIORITY = [
    (1, "High", ""),
    (2, "Medium", "d"),
    (3, "Low", ""),
    (4, "Critical", "s"),
    (None, "P5 - Planning", "x"),
]
SLA = [
    (None, "Standard SLA", "d"),
    (None, "Gold SLA", ""),
    (None, "Platinum 24x7", ""),
    (None, "Legacy 8x5 SLA", "x"),
]
BILLING_PERIOD = [
    (1, "One-Time", "s"),
    (2, "Monthly", "ds"),
    (3, "Quarterly", "s"),
    (4, "Semi-Annual", "s"),
    (5, "Yearly", "s"),
]
PAYMENT_TERM = [
    (None, "Due on Receipt", ""),
    (None, "Net 15", ""),
    (None, "Net 30", "d"),
    (None, "Net 60", ""),
]

LISTS: dict[str, list[Entry]] = {
    "ticket.status": [
        (1, "New", "ds"),
        (5, "Complete", "s"),
        (7, "Waiting Customer", "s"),
        (8, "In Progress", "s"),
        (9, "Waiting Materials", ""),
        (10, "Dispatched", ""),
        (11, "Escalate", ""),
        (12, "Waiting Vendor", ""),
        (13, "Waiting Approval", ""),
        (15, "Change Order", ""),
        (16, "Customer Note Added", "s"),
        (17, "On Hold", ""),
        (19, "Scheduled", ""),
        (None, "Pending Closure", ""),
        (None, "Awaiting Parts (retired)", "x"),
    ],
    "priority": PRIORITY,
    "ticket.queue": [
        (5, "Client Portal", "s"),
        (6, "Post Sale", "s"),
        (8, "Monitoring Alert", "s"),
        (None, "Level I Support", "d"),
        (None, "Level II Support", ""),
        (None, "Level III Support", ""),
        (None, "Projects", ""),
        (None, "Recurring Tickets", ""),
        (None, "Triage", ""),
        (None, "Escalations", ""),
        (None, "Legacy Helpdesk", "x"),
    ],
    "ticket.issueType": [
        (None, "Hardware", ""),
        (None, "Software", ""),
        (None, "Network", ""),
        (None, "Security", ""),
        (None, "User Administration", ""),
        (None, "Email & Collaboration", ""),
        (None, "Printing", "x"),
    ],
    "ticket.subIssueType": [
        (None, "Desktop", "", "Hardware"),
        (None, "Laptop", "", "Hardware"),
        (None, "Server", "", "Hardware"),
        (None, "Peripheral", "", "Hardware"),
        (None, "Microsoft 365 Apps", "", "Software"),
        (None, "Line of Business App", "", "Software"),
        (None, "Operating System", "", "Software"),
        (None, "Internet Outage", "", "Network"),
        (None, "Wi-Fi", "", "Network"),
        (None, "VPN", "", "Network"),
        (None, "Firewall", "", "Network"),
        (None, "Phishing", "", "Security"),
        (None, "Malware", "", "Security"),
        (None, "Account Lockout", "", "Security"),
        (None, "New User", "", "User Administration"),
        (None, "Termination", "", "User Administration"),
        (None, "Password Reset", "", "User Administration"),
        (None, "Permission Change", "", "User Administration"),
        (None, "Mailbox", "", "Email & Collaboration"),
        (None, "Spam & Filtering", "", "Email & Collaboration"),
        (None, "Teams", "", "Email & Collaboration"),
        (None, "Fax Line (retired)", "x", "Email & Collaboration"),
        (None, "Printer Offline", "x", "Printing"),
        (None, "Toner & Supplies", "x", "Printing"),
    ],
    "ticket.type": [
        (1, "Service Request", "ds"),
        (2, "Incident", "s"),
        (3, "Problem", "s"),
        (4, "Change Request", "s"),
        (5, "Alert", "s"),
    ],
    "ticket.source": [
        (-2, "Insourced", "s"),
        (-1, "Client Portal", "s"),
        (1, "In Person/Onsite", ""),
        (2, "Phone", "d"),
        (3, "Voice Mail", ""),
        (4, "Email", ""),
        (6, "Verbal", ""),
        (8, "Monitoring Alert", "s"),
        (11, "Web Portal", ""),
        (12, "Other", ""),
        (None, "Chat", ""),
        (None, "Microsoft Teams", ""),
        (None, "Fax", "x"),
    ],
    "sla": SLA,
    "ticket.category": [
        (1, "Standard", "ds"),
        (2, "RMM Alert", "s"),
        (None, "Change Management", ""),
        (None, "Project Issue", ""),
        (None, "Onboarding", ""),
        (None, "Old Intake Form", "x"),
    ],
    "person.type": PERSON_TYPE,
    "change.approvalType": [(1, "All", "s"), (2, "One", "s")],
    "change.approvalStatus": [
        (1, "Assigned", "s"),
        (2, "Requested", "s"),
        (3, "Approved", "s"),
        (4, "Rejected", "s"),
    ],
    "note.type": [
        (1, "Task Summary", "s"),
        (2, "Task Detail", "ds"),
        (3, "Task Notes", "s"),
        (13, "Workflow Rule Action Note", "s"),
        (18, "Client Portal Note", "s"),
        (None, "Internal Update", ""),
        (None, "Customer Update", ""),
        (None, "Resolution", ""),
        (None, "Legacy Call Log", "x"),
    ],
    "note.publish": [(1, "All Autotask Users", "ds"), (2, "Internal Only", "s")],
    "timeEntry.type": [(2, "Ticket Time", "s"), (6, "Project Task Time", "s"), (7, "Regular Time", "s")],
    "company.type": [
        (1, "Customer", "ds"),
        (2, "Lead", "s"),
        (3, "Prospect", "s"),
        (4, "Dead", "s"),
        (6, "Cancellation", "s"),
        (7, "Vendor", "s"),
        (8, "Partner", "s"),
    ],
    "company.classification": [
        (None, "Platinum", ""),
        (None, "Gold", "d"),
        (None, "Silver", ""),
        (None, "Bronze", ""),
        (None, "Legacy Tier", "x"),
    ],
    "company.marketSegment": [
        (None, "Healthcare", ""),
        (None, "Legal", ""),
        (None, "Manufacturing", ""),
        (None, "Education", ""),
        (None, "Financial Services", ""),
        (None, "Non-Profit", ""),
        (None, "Retail", ""),
        (None, "Construction", ""),
        (None, "Hospitality (retired)", "x"),
    ],
    "company.territory": [
        (None, "North", ""),
        (None, "South", ""),
        (None, "East", ""),
        (None, "West", ""),
        (None, "Central (retired)", "x"),
    ],
    "company.billToAddress": [(1, "Use Company Address", "ds"), (2, "Use Other Address", "s")],
    "name.prefix": [(1, "Mr.", "s"), (2, "Mrs.", "s"), (3, "Ms.", "s"), (4, "Dr.", "s")],
    "name.suffix": [(1, "Jr.", "s"), (2, "Sr.", "s"), (3, "II", "s"), (4, "III", "s")],
    "project.status": [
        (0, "Inactive", "s"),
        (1, "New", "ds"),
        (5, "Complete", "s"),
        (None, "In Progress", ""),
        (None, "On Hold", ""),
        (None, "Waiting Customer", ""),
        (None, "Planning (retired)", "x"),
    ],
    "project.type": [
        (1, "Proposal", "s"),
        (2, "Template", "s"),
        (4, "Internal", "s"),
        (5, "Client", "ds"),
        (8, "Baseline", "s"),
    ],
    "task.status": [
        (1, "New", "ds"),
        (5, "Complete", "s"),
        (7, "Waiting Customer", "s"),
        (8, "In Progress", "s"),
        (None, "On Hold", ""),
        (None, "Deferred (retired)", "x"),
    ],
    "task.type": [(1, "Fixed Work", "ds"), (2, "Fixed Duration", "s")],
    "contract.status": [(0, "Inactive", "s"), (1, "Active", "ds")],
    "contract.type": [
        (1, "Time & Materials", "ds"),
        (3, "Fixed Price", "s"),
        (4, "Block Hours", "s"),
        (6, "Retainer", "s"),
        (7, "Recurring Service", "s"),
        (8, "Per Ticket", "s"),
    ],
    "contract.category": [
        (None, "Managed Services", "d"),
        (None, "Break/Fix", ""),
        (None, "Project Work", ""),
        (None, "Cloud & Hosting", ""),
        (None, "Legacy Support", "x"),
    ],
    "contract.billingPreference": [
        (1, "Manually", "s"),
        (2, "Immediately", "s"),
        (3, "Timesheet Approval", "ds"),
    ],
    "contract.period": [
        (1, "Monthly", "ds"),
        (2, "Quarterly", "s"),
        (3, "Semi-Annual", "s"),
        (4, "Yearly", "s"),
    ],
    "billing.period": BILLING_PERIOD,
    "product.category": [
        (None, "Hardware", ""),
        (None, "Software", ""),
        (None, "Licensing", ""),
        (None, "Accessories", ""),
        (None, "Networking", ""),
        (None, "Consumables (retired)", "x"),
    ],
    "ci.type": [
        (None, "Workstation", "d"),
        (None, "Laptop", ""),
        (None, "Server", ""),
        (None, "Firewall", ""),
        (None, "Switch", ""),
        (None, "Printer", ""),
        (None, "Mobile Device", ""),
        (None, "Virtual Machine", ""),
        (None, "Fax Machine", "x"),
    ],
    "opportunity.stage": [
        (None, "Qualify", "d"),
        (None, "Develop", ""),
        (None, "Propose", ""),
        (None, "Negotiate", ""),
        (None, "Close", ""),
        (None, "Discovery (retired)", "x"),
    ],
    "opportunity.status": [
        (0, "Not Ready To Buy", "s"),
        (1, "Active", "ds"),
        (2, "Lost", "s"),
        (3, "Closed", "s"),
        (4, "Implemented", "s"),
    ],
    "opportunity.rating": [(None, "Hot", ""), (None, "Warm", "d"), (None, "Cold", "")],
    "opportunity.leadSource": [
        (None, "Referral", ""),
        (None, "Website", ""),
        (None, "Trade Show", ""),
        (None, "Cold Call", ""),
        (None, "Partner", ""),
        (None, "Print Ad", "x"),
    ],
    "opportunity.lossReason": [
        (None, "Price", ""),
        (None, "Timing", ""),
        (None, "Competitor", ""),
        (None, "No Decision", ""),
    ],
    "opportunity.winReason": [
        (None, "Price", ""),
        (None, "Relationship", ""),
        (None, "Expertise", ""),
        (None, "Response Time", ""),
    ],
    "opportunity.competitor": [
        (None, "Acme MSP", ""),
        (None, "Northwind IT", ""),
        (None, "Contoso Managed Services", ""),
    ],
    "payment.term": PAYMENT_TERM,
    "payment.type": [
        (None, "Check", ""),
        (None, "Credit Card", ""),
        (None, "ACH", "d"),
        (None, "Wire Transfer", ""),
    ],
    "quoteItem.type": [
        (1, "Product", "s"),
        (2, "Cost", "s"),
        (3, "Labor", "s"),
        (4, "Expense", "s"),
        (6, "Shipping", "s"),
        (11, "Service", "s"),
        (12, "Service Bundle", "s"),
    ],
    "billingCode.type": [
        (0, "Work Type", "s"),
        (1, "Material Code", "s"),
        (2, "Expense Code", "s"),
        (3, "Milestone", "s"),
        (4, "Recurring Contract Service", "s"),
    ],
    "expenseReport.status": [
        (1, "In Progress", "ds"),
        (2, "Awaiting Approval", "s"),
        (3, "Approved", "s"),
        (4, "Rejected", "s"),
        (5, "Paid", "s"),
    ],
    "expense.category": [
        (None, "Mileage", ""),
        (None, "Meals", ""),
        (None, "Lodging", ""),
        (None, "Airfare", ""),
        (None, "Parking & Tolls", ""),
        (None, "Supplies", ""),
        (None, "Phone (retired)", "x"),
    ],
    "expense.payment": [(None, "Cash", ""), (None, "Company Card", "d"), (None, "Personal Card", "")],
    "activityLog.type": [(1, "Note", "s"), (2, "Time Entry", "s"), (3, "Attachment", "s")],
    "timeOff.status": [
        (1, "Pending", "ds"),
        (2, "Approved", "s"),
        (3, "Rejected", "s"),
        (4, "Cancelled", "s"),
    ],
    "timeOff.type": [
        (1, "Annual Leave", "ds"),
        (2, "Sick Leave", "s"),
        (3, "Personal Leave", "s"),
        (4, "Floating Holiday", "s"),
        (None, "Long Service Leave", ""),
        (None, "Study Leave (retired)", "x"),
    ],
    # New lists go last: every list draws its tenant-allocated ids from one seeded stream, in this order.
    # CompanyToDos.actionType: "0" Opportunity Update and "1" Phone Call are system values in the live
    # AccountToDo capture of apigrate/autotask-restapi's README; the rest are this tenant's own.
    "todo.actionType": [
        (0, "Opportunity Update", "s"),
        (1, "Phone Call", "s"),
        (2, "Meeting", "s"),
        (3, "General Reminder", "s"),
        (None, "Quarterly Business Review", ""),
        (None, "Site Visit", ""),
        (None, "Follow-up Email", ""),
        (None, "Cold Call (retired)", "x"),
    ],
    # The parent kind of an attachment (parentType of every *Attachments entity and AttachmentInfo); the
    # codes are the sandbox's (no public source lists Autotask's), the labels name the parent entity.
    "attachment.parentType": [
        (1, "Company", "s"),
        (2, "Company Note", "s"),
        (3, "Configuration Item", "s"),
        (4, "Configuration Item Note", "s"),
        (5, "Contract Note", "s"),
        (6, "Document", "s"),
        (7, "Expense Item", "s"),
        (8, "Expense Report", "s"),
        (9, "Knowledge Base Article", "s"),
        (10, "Opportunity", "s"),
        (11, "Project", "s"),
        (12, "Project Note", "s"),
        (13, "Resource", "s"),
        (14, "Sales Order", "s"),
        (15, "Task", "s"),
        (16, "Task Note", "s"),
        (17, "Ticket", "s"),
        (18, "Ticket Note", "s"),
        (19, "Time Entry", "s"),
    ],
    # Autotask's list of zones (fixed ids, labels as its UI shows them); last, so adding it moved no
    # other list's allocated ids.
    "timeZone": [
        (1, "(GMT-10:00) Hawaii", "s"),
        (2, "(GMT-08:00) Pacific Time (US & Canada)", "s"),
        (3, "(GMT-07:00) Mountain Time (US & Canada)", "s"),
        (4, "(GMT-06:00) Central Time (US & Canada)", "s"),
        (5, "(GMT-05:00) Eastern Time (US & Canada)", "s"),
        (6, "(GMT) Dublin, Edinburgh, Lisbon, London", "s"),
        (7, "(GMT+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "s"),
        (8, "(GMT+08:00) Perth", "s"),
        (9, "(GMT+09:30) Adelaide", "s"),
        (10, "(GMT+10:00) Brisbane", "s"),
        (11, "(GMT+10:00) Canberra, Melbourne, Sydney", "ds"),
        (12, "(GMT+12:00) Auckland, Wellington", "s"),
    ],
}
# Attachment entity -> the parentType label of its parent (AttachmentInfo indexes all of them).
ATTACHMENT_PARENT_TYPES: dict[str, str] = {
    "CompanyAttachments": "Company",
    "CompanyNoteAttachments": "Company Note",
    "ConfigurationItemAttachments": "Configuration Item",
    "ConfigurationItemNoteAttachments": "Configuration Item Note",
    "ContractNoteAttachments": "Contract Note",
    "DocumentAttachments": "Document",
    "ExpenseItemAttachments": "Expense Item",
    "ExpenseReportAttachments": "Expense Report",
    "ArticleAttachments": "Knowledge Base Article",
    "OpportunityAttachments": "Opportunity",
    "ProjectAttachments": "Project",
    "ProjectNoteAttachments": "Project Note",
    "ResourceAttachments": "Resource",
    "SalesOrderAttachments": "Sales Order",
    "TaskAttachments": "Task",
    "TaskNoteAttachments": "Task Note",
    "TicketAttachments": "Ticket",
    "TicketNoteAttachments": "Ticket Note",
    "TimeEntryAttachments": "Time Entry",
}

# Tenant-allocated values: "small" lists count up from a low number (issue types, SLAs ...), "big" lists
# get ids from the tenant-wide 29.68M sequence the way queues and classifications do in real tenants.
_SMALL = frozenset(
    {
        "ticket.status",
        "priority",
        "ticket.issueType",
        "ticket.subIssueType",
        "sla",
        "ticket.category",
        "note.type",
        "project.status",
        "task.status",
        "ci.type",
    }
)

FIELD_LISTS: dict[tuple[str, str], str] = {
    ("Tickets", "status"): "ticket.status",
    ("Tickets", "priority"): "priority",
    ("Tickets", "queueID"): "ticket.queue",
    ("Tickets", "issueType"): "ticket.issueType",
    ("Tickets", "subIssueType"): "ticket.subIssueType",
    ("Tickets", "ticketType"): "ticket.type",
    ("Tickets", "source"): "ticket.source",
    ("Tickets", "serviceLevelAgreementID"): "sla",
    ("Tickets", "ticketCategory"): "ticket.category",
    ("Tickets", "creatorType"): "person.type",
    ("Tickets", "lastActivityPersonType"): "person.type",
    ("Tickets", "changeApprovalType"): "change.approvalType",
    ("Tickets", "changeApprovalStatus"): "change.approvalStatus",
    ("TicketNotes", "noteType"): "note.type",
    ("TicketNotes", "publish"): "note.publish",
    ("TimeEntries", "timeEntryType"): "timeEntry.type",
    ("Companies", "companyType"): "company.type",
    ("Companies", "classification"): "company.classification",
    ("Companies", "marketSegmentID"): "company.marketSegment",
    ("Companies", "territoryID"): "company.territory",
    ("Companies", "billToAddressToUse"): "company.billToAddress",
    ("Contacts", "namePrefix"): "name.prefix",
    ("Contacts", "nameSuffix"): "name.suffix",
    ("Projects", "status"): "project.status",
    ("Projects", "projectType"): "project.type",
    ("Projects", "lastActivityPersonType"): "person.type",
    ("Tasks", "status"): "task.status",
    ("Tasks", "taskType"): "task.type",
    ("Tasks", "priorityLabel"): "priority",
    ("Tasks", "creatorType"): "person.type",
    ("Tasks", "completedByType"): "person.type",
    ("Tasks", "lastActivityPersonType"): "person.type",
    ("Contracts", "status"): "contract.status",
    ("Contracts", "contractType"): "contract.type",
    ("Contracts", "contractCategory"): "contract.category",
    ("Contracts", "billingPreference"): "contract.billingPreference",
    ("Contracts", "contractPeriodType"): "contract.period",
    ("Contracts", "serviceLevelAgreementID"): "sla",
    ("Services", "periodType"): "billing.period",
    ("Services", "serviceLevelAgreementID"): "sla",
    ("ServiceBundles", "periodType"): "billing.period",
    ("ServiceBundles", "serviceLevelAgreementID"): "sla",
    ("Products", "periodType"): "billing.period",
    ("Products", "productCategory"): "product.category",
    ("ConfigurationItems", "configurationItemType"): "ci.type",
    ("ConfigurationItems", "serviceLevelAgreementID"): "sla",
    ("ConfigurationItems", "lastActivityPersonType"): "person.type",
    ("Opportunities", "stage"): "opportunity.stage",
    ("Opportunities", "status"): "opportunity.status",
    ("Opportunities", "rating"): "opportunity.rating",
    ("Opportunities", "leadSource"): "opportunity.leadSource",
    ("Opportunities", "lossReason"): "opportunity.lossReason",
    ("Opportunities", "winReason"): "opportunity.winReason",
    ("Opportunities", "primaryCompetitor"): "opportunity.competitor",
    ("Quotes", "paymentTerm"): "payment.term",
    ("Quotes", "paymentType"): "payment.type",
    ("QuoteItems", "quoteItemType"): "quoteItem.type",
    ("QuoteItems", "periodType"): "billing.period",
    ("Invoices", "paymentTerm"): "payment.term",
    ("BillingCodes", "billingCodeType"): "billingCode.type",
    ("ExpenseReports", "status"): "expenseReport.status",
    ("ExpenseItems", "expenseCategory"): "expense.category",
    ("ExpenseItems", "paymentType"): "expense.payment",
    ("DeletedTicketActivityLogs", "typeID"): "activityLog.type",
    ("DeletedTaskActivityLogs", "typeID"): "activityLog.type",
    ("TimeOffRequests", "status"): "timeOff.status",
    ("TimeOffRequests", "timeOffRequestType"): "timeOff.type",
    ("InternalLocationWithBusinessHours", "timeZoneID"): "timeZone",
    ("CompanyToDos", "actionType"): "todo.actionType",
    ("ResourceRoleQueues", "queueID"): "ticket.queue",
    ("AttachmentInfo", "parentType"): "attachment.parentType",
    **{(entity, "parentType"): "attachment.parentType" for entity in ATTACHMENT_PARENT_TYPES},
}
# Dependent picklists: field -> the field whose value each entry's parentValue holds.
PARENT_FIELDS: dict[tuple[str, str], str] = {("Tickets", "subIssueType"): "issueType"}
_PARENT_LISTS = {"ticket.subIssueType": "ticket.issueType"}


def _allocate(name: str, entries: list[Entry], rng: random.Random) -> list[int]:
    """Ids for one list: fixed ones as given, tenant-allocated ones ascending from a seeded base."""
    fixed = [entry[0] for entry in entries if entry[0] is not None]
    if name in _SMALL:
        next_id = max(fixed, default=0) + 1 + rng.randrange(0, 4)
    else:
        next_id = 29682800 + rng.randrange(0, 2000) * 7
    ids = []
    for entry in entries:
        if entry[0] is not None:
            ids.append(entry[0])
            continue
        ids.append(next_id)
        next_id += 1 + (rng.random() < 0.2)  # occasional gaps, like values created and deleted since
    return ids


def build_picklists(seed: int) -> dict[str, list[dict]]:
    """Every named list as PickListValue dicts for the tenant ``seed`` (same seed -> same ids)."""
    rng = random.Random(f"autotask-sandbox/picklists/{seed}")
    built: dict[str, list[dict]] = {}
    for name, entries in LISTS.items():
        ids = _allocate(name, entries, rng)
        parent_by_label = {}
        if name in _PARENT_LISTS:
            parent_by_label = {value["label"]: value["value"] for value in built[_PARENT_LISTS[name]]}
        values = []
        for position, (entry, value_id) in enumerate(zip(entries, ids, strict=True)):
            flags = entry[2]
            values.append(
                {
                    "value": str(value_id),
                    "label": entry[1],
                    "isDefaultValue": "d" in flags,
                    "sortOrder": position + 1,
                    "parentValue": parent_by_label[entry[3]] if len(entry) > 3 else "",
                    "isActive": "x" not in flags,
                    "isSystem": "s" in flags,
                }
            )
        built[name] = values
    return built
