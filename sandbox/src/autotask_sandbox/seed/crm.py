"""Lazy seed records for the customer side: companies, contacts, assets, contracts, deals, invoices.

Each generator draws from its own random stream and reads only the skeleton (``seed_plan*``), so it
yields the same records whenever and however often it is iterated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .core import DAY, YEAR, expand, pick, stream
from .plan import COMPANY_KINDS, CONTRACT_KINDS
from .plan_work import SeedContext
from .text import CITIES, FIRST_NAMES, JOB_TITLES, LAST_NAMES, STREETS

_COUNTRY_BY_STATE = {"AUK": 153, "WGN": 153}
_AU = 14
# landline prefixes: +61 area codes by state, +64 for the New Zealand cities
_DIAL = {
    "NSW": "+61 2 9",
    "ACT": "+61 2 6",
    "VIC": "+61 3 9",
    "TAS": "+61 3 6",
    "QLD": "+61 7 3",
    "SA": "+61 8 8",
    "WA": "+61 8 9",
    "NT": "+61 8 8",
    "AUK": "+64 9 3",
    "WGN": "+64 4 4",
}


def company_city(company: int) -> tuple[str, str, str]:
    """(city, state, postcode) of a company — a pure function so contacts agree with their company."""
    return CITIES[(company * 2654435761 >> 7) % len(CITIES)]


def company_domain(name: str) -> str:
    """The web domain a company would use (``bluegumdental.com.au``)."""
    words = re.sub(r"\(\d+\)|pty ltd|&|\.", " ", name.lower()).split()
    return "".join(words[:2]) + ".com.au"


def companies(ctx: SeedContext) -> Iterator[dict]:
    """Companies; index 0 is the MSP itself (id 0)."""
    rand, clock, crm, people = stream(ctx.seed, "Companies"), ctx.clock, ctx.crm, ctx.org.resources
    cutoff = ctx.tickets.cutoff
    types = ctx.picker("Companies", "companyType")
    classification = ctx.picker("Companies", "classification", {"Platinum": 1, "Gold": 3, "Silver": 4})
    segment, territory = ctx.picker("Companies", "marketSegmentID"), ctx.picker("Companies", "territoryID")
    bill_to = ctx.picker("Companies", "billToAddressToUse").value("Use Company Address")
    ranking = ctx.udf_picker("Companies", "Customer Ranking")
    udf_names = ctx.udf_names("Companies")
    for c in range(len(crm.company_ids)):
        made, name, kind = crm.company_create[c], crm.names[c], COMPANY_KINDS[crm.company_kind[c]]
        old = made < cutoff
        city, state, postcode = company_city(c)
        customer = kind == "Customer" and c > 0
        contract = crm.contract_at(c, clock.now - DAY) if customer else -1
        last = made + int(rand() * (clock.now - made))
        record = {
            "id": crm.company_ids[c],
            "companyName": name,
            "companyNumber": str(10_000 + c),
            "companyType": types.value(kind),
            "isActive": bool(crm.company_active[c]),
            "phone": f"{_DIAL[state]}{int(rand() * 1e7):07d}",
            "address1": f"{1 + int(rand() * 400)} {pick(STREETS, rand)}",
            "city": city,
            "state": state,
            "postalCode": postcode,
            "countryID": _COUNTRY_BY_STATE.get(state, _AU),
            "webAddress": "www." + company_domain(name),
            "ownerResourceID": people[crm.company_owner[c]].id,
            "createDate": clock.dt(made),
            "lastActivityDate": clock.dt(last),
            "lastTrackedModifiedDateTime": clock.dt(last),
            "createdByResourceID": people[0].id,
            "billToAddressToUse": bill_to,
            "isClientPortalActive": customer and rand() < 0.6,
            "isTaskFireActive": False,
            "isTaxExempt": False,
            "isEnabledForComanaged": False,
            "invoiceNonContractItemsToParentCompany": False,
            "isSample": False,
            "taxID": "",
            "additionalAddressInformation": "",
        }
        if c and rand() < 0.3:
            record["address2"] = f"Level {1 + int(rand() * 20)}"
        if customer:
            record["classification"] = classification.pick(rand, old)
            record["marketSegmentID"] = segment.pick(rand, old)
            record["territoryID"] = territory.pick(rand, old)
            if rand() < 0.04 and c > 10:
                record["parentCompanyID"] = crm.company_ids[1 + int(rand() * (c - 1))]
        udfs = dict.fromkeys(udf_names)
        if customer:
            udfs["Customer Ranking"] = ranking.pick(rand, old) if rand() < 0.8 else None
            udfs["Number of Employees"] = str(5 + int(rand() * rand() * 400))
            udfs["Onboarding Complete"] = "Yes" if rand() < 0.9 else "No"
            if contract >= 0:
                udfs["Contract Renewal Date"] = clock.date(crm.contract_end[contract])
            if rand() < 0.4:
                udfs["Primary Technology Stack"] = pick(_STACKS, rand)
        record["userDefinedFields"] = [{"name": n, "value": udfs[n]} for n in udf_names]
        yield record


_STACKS = (
    "Microsoft 365, Azure AD, Intune",
    "Google Workspace, Chromebooks",
    "On-premises AD, Exchange 2016",
    "Xero, Microsoft 365",
    "MYOB, Windows Server 2019",
    "Dentally, Microsoft 365",
    "LEAP Legal, Azure",
)


def contacts(ctx: SeedContext) -> Iterator[dict]:
    """Contacts, grouped by company; each company's first contact is its active primary contact."""
    rand, clock, crm = stream(ctx.seed, "Contacts"), ctx.clock, ctx.crm
    prefixes = ctx.picker("Contacts", "namePrefix")
    method = ctx.udf_picker("Contacts", "Preferred Contact Method", {"Email": 5, "Phone": 3})
    udf_names = ctx.udf_names("Contacts")
    cutoff = ctx.tickets.cutoff
    for c in range(len(crm.company_ids)):
        first_index, count = crm.contact_first[c], crm.contact_count[c]
        if not count:
            continue
        domain = company_domain(crm.names[c])
        city, state, postcode = company_city(c)
        for index in range(first_index, first_index + count):
            made = crm.contact_create[index]
            first, last = pick(FIRST_NAMES, rand), pick(LAST_NAMES, rand)
            changed = made + int(rand() * (clock.now - made))
            record = {
                "id": crm.contact_id(index),
                "companyID": crm.company_ids[c],
                "firstName": first,
                "lastName": last,
                "emailAddress": f"{first}.{last}@{domain}".lower(),
                "phone": f"{_DIAL[state]}{int(rand() * 1e7):07d}",
                "title": pick(JOB_TITLES, rand),
                "isActive": crm.contact_active[index],
                "primaryContact": index == first_index,
                "billingContact": index == first_index and rand() < 0.5,
                "createDate": clock.dt(made),
                "lastActivityDate": clock.dt(changed),
                "lastModifiedDate": clock.dt(changed),
                "addressLine": f"{1 + int(rand() * 400)} {pick(STREETS, rand)}",
                "city": city,
                "state": state,
                "zipCode": postcode,
                "countryID": _COUNTRY_BY_STATE.get(state, _AU),
                "receivesEmailNotifications": True,
                "isOptedOutFromBulkEmail": False,
                "solicitationOptOut": False,
                "surveyOptOut": rand() < 0.05,
            }
            if rand() < 0.6:
                record["mobilePhone"] = f"+61 4{int(rand() * 1e8):08d}"
            if rand() < 0.3:
                record["namePrefix"] = prefixes.pick(rand)
            udfs = dict.fromkeys(udf_names)
            if rand() < 0.5:
                udfs["Preferred Contact Method"] = method.pick(rand, made < cutoff)
            if rand() < 0.15:
                udfs["Birthday"] = clock.date(made - int((20 + rand() * 40) * YEAR))
            if rand() < 0.05:
                udfs["VIP Notes"] = "Decision maker - copy on all major incidents"
            record["userDefinedFields"] = [{"name": n, "value": udfs[n]} for n in udf_names]
            yield record


def configuration_items(ctx: SeedContext) -> Iterator[dict]:
    """Customers' devices; each CI's product matches its configurationItemType."""
    rand, clock, crm, cat = stream(ctx.seed, "ConfigurationItems"), ctx.clock, ctx.crm, ctx.catalog
    types = ctx.picker(
        "ConfigurationItems",
        "configurationItemType",
        {
            "Workstation": 40,
            "Laptop": 30,
            "Server": 8,
            "Firewall": 5,
            "Switch": 5,
            "Printer": 5,
            "Mobile Device": 5,
            "Virtual Machine": 5,
            "Fax Machine": 0,
        },
    )
    labels = {value: label for label, value in types.by_label.items()}
    techs = [r for r in ctx.org.resources if r.kind in ("desk", "onsite", "senior", "noc")]
    udf_names = ctx.udf_names("ConfigurationItems")
    for c in range(len(crm.company_ids)):
        first_index, count = crm.ci_first[c], crm.ci_count[c]
        for n, index in enumerate(range(first_index, first_index + count)):
            made = crm.ci_create[index]
            ci_type = types.pick(rand)
            label = labels[ci_type]
            product = pick(cat.ci_products[ci_type], rand)
            installed = made - made % DAY
            changed = made + int(rand() * (clock.now - made))
            record = {
                "id": crm.ci_id(index),
                "companyID": crm.company_ids[c],
                "productID": product,
                "configurationItemType": ci_type,
                "isActive": rand() < 0.9,
                "configurationItemCategoryID": cat.ci_category_ids[
                    1
                    if label in ("Server", "Virtual Machine")
                    else 2
                    if label in ("Firewall", "Switch")
                    else 0
                ],
                "referenceTitle": f"{label[:3].upper()}-{10_000 + c}-{n + 1:03d}",
                "serialNumber": f"SN{(index * 7919 + ctx.seed) % 10**9:09d}",
                "installDate": clock.date(installed),
                "createDate": clock.dt(made),
                "lastModifiedTime": clock.dt(changed),
                "warrantyExpirationDate": clock.date(installed + 3 * YEAR),
                "installedByID": pick(techs, rand).id,
                "location": company_city(c)[0],
                "rmmDeviceAuditHostname": f"{label[:3].upper()}{c:05d}{n:02d}".lower(),
            }
            if rand() < 0.3:
                contact = crm.contact_at(c, rand, made)
                if contact >= 0:
                    record["contactID"] = crm.contact_id(contact)
            contract = crm.contract_at(c, made)
            if contract >= 0 and rand() < 0.5:
                record["contractID"] = crm.contract_id(contract)
            udfs = dict.fromkeys(udf_names)
            if rand() < 0.3:
                udfs["Warranty Provider"] = pick(
                    ("Dell ProSupport", "HPE Care Pack", "Lenovo Premier", "Manufacturer standard"), rand
                )
            if rand() < 0.5:
                udfs["Asset Tag"] = f"AT-{index % 100000:05d}"
            if label in ("Server", "Virtual Machine") and rand() < 0.6:
                udfs["Backup Verified Date"] = clock.date(min(clock.now, changed))
            record["userDefinedFields"] = [{"name": k, "value": udfs[k]} for k in udf_names]
            yield record


def contracts(ctx: SeedContext) -> Iterator[dict]:
    """Contracts: each active customer's unbroken chain of terms (renewals point at their predecessor)."""
    rand, clock, crm = stream(ctx.seed, "Contracts"), ctx.clock, ctx.crm
    status, kinds = ctx.picker("Contracts", "status"), ctx.picker("Contracts", "contractType")
    category = ctx.picker("Contracts", "contractCategory")
    preference = ctx.picker("Contracts", "billingPreference").value("Timesheet Approval")
    monthly = ctx.picker("Contracts", "contractPeriodType").value("Monthly")
    sla = ctx.picker("Contracts", "serviceLevelAgreementID", {"Standard SLA": 6, "Gold SLA": 3})
    udf_names = ctx.udf_names("Contracts")
    for index in range(len(crm.contract_start)):
        c, start, end = crm.contract_company[index], crm.contract_start[index], crm.contract_end[index]
        kind = CONTRACT_KINDS[crm.contract_kind[index]]
        old = start < ctx.tickets.cutoff
        current = start <= clock.now < end
        renewal = index > 0 and crm.contract_company[index - 1] == c
        contact = crm.contact_first[c] if crm.contact_count[c] else -1
        record = {
            "id": crm.contract_id(index),
            "companyID": crm.company_ids[c],
            "contractName": f"{kind} Agreement {clock.day_label(start)[:4]}",
            "contractNumber": f"C-{10_000 + c}-{index % 100:02d}",
            "contractType": kinds.value(kind),
            "contractCategory": category.pick(rand, old),
            "status": status.value("Active" if current else "Inactive"),
            "startDate": clock.date(start),
            "endDate": clock.date(end - DAY),
            "billingPreference": preference,
            "timeReportingRequiresStartAndStopTimes": 1,
            "isDefaultContract": current,
            "isCompliant": True,
            "description": f"{kind} services for {crm.names[c]}",
            "lastModifiedDateTime": clock.dt(min(clock.now, start + int(rand() * 30 * DAY))),
            "estimatedRevenue": round(1000 + rand() * 60_000, 2),
            "estimatedCost": round(rand() * 20_000, 2),
            "estimatedHours": float(int(rand() * 400)),
        }
        if contact >= 0:
            record["contactID"] = crm.contact_id(contact)
        if kind == "Recurring Service":
            record["contractPeriodType"] = monthly
        if rand() < 0.8:
            record["serviceLevelAgreementID"] = sla.pick(rand, old)
        if renewal:
            record["renewedContractID"] = crm.contract_id(index - 1)
        udfs = dict.fromkeys(udf_names)
        udfs["Auto Renew"] = "Yes" if rand() < 0.7 else "No"
        udfs["Renewal Notice Days"] = pick(("30", "60", "90"), rand)
        record["userDefinedFields"] = [{"name": n, "value": udfs[n]} for n in udf_names]
        yield record


def contract_services(ctx: SeedContext) -> Iterator[dict]:
    """Services on recurring-service contracts (1-4 distinct services each)."""
    rand, crm, services = stream(ctx.seed, "ContractServices"), ctx.crm, ctx.catalog.services
    next_id = 29688000
    for index in range(len(crm.contract_start)):
        if CONTRACT_KINDS[crm.contract_kind[index]] != "Recurring Service":
            continue
        chosen = sorted({int(rand() * len(services)) for _ in range(1 + int(rand() * 4))})
        for s in chosen:
            service = services[s]
            price = round(service["unitPrice"] * (0.9 + rand() * 0.2), 2)
            yield {
                "id": next_id,
                "contractID": crm.contract_id(index),
                "serviceID": service["id"],
                "unitPrice": price,
                "unitCost": service["unitCost"],
                "internalCurrencyUnitPrice": price,
                "internalCurrencyAdjustedPrice": price,
                "invoiceDescription": service["invoiceDescription"],
                "internalDescription": service["name"],
            }
            next_id += 1


_DEALS = (
    "Server refresh",
    "Microsoft 365 migration",
    "Managed services onboarding",
    "Firewall replacement",
    "Laptop fleet upgrade",
    "Backup & DR project",
    "Wi-Fi upgrade",
    "Security assessment",
    "Cloud migration",
    "Phone system replacement",
)


def _has_quote(index: int) -> bool:
    # Shared by Quotes and QuoteItems, which must agree without sharing a random stream.
    return (index * 2654435761 >> 5) % 100 < 62


def opportunities(ctx: SeedContext) -> Iterator[dict]:
    """The sales pipeline; closed/lost/implemented deals carry their close dates."""
    rand, clock, crm, work, people = stream(ctx.seed, "Opportunities"), ctx.clock, ctx.crm, ctx.work, ctx.org
    stage, status = ctx.picker("Opportunities", "stage"), ctx.picker("Opportunities", "status")
    rating, source = ctx.picker("Opportunities", "rating"), ctx.picker("Opportunities", "leadSource")
    win, loss = ctx.picker("Opportunities", "winReason"), ctx.picker("Opportunities", "lossReason")
    outcome = expand([("Closed", 40), ("Lost", 35), ("Implemented", 10), ("Not Ready To Buy", 15)])
    udf_names = ctx.udf_names("Opportunities")
    for index in range(len(work.opp_create)):
        made, c = work.opp_create[index], work.opp_company[index]
        old = made < ctx.tickets.cutoff
        amount = round(2000 + rand() * rand() * 80_000, 2)
        state = "Active" if clock.now - made < 60 * DAY else pick(outcome, rand)
        closes = made + int((14 + rand() * 90) * DAY)
        record = {
            "id": 29689000 + index,
            "companyID": crm.company_ids[c],
            "ownerResourceID": people.resources[work.opp_owner[index]].id,
            "creatorResourceID": people.resources[work.opp_owner[index]].id,
            "title": f"{_DEALS[index % len(_DEALS)]} - {crm.names[c]}"[:128],
            "amount": amount,
            "cost": round(amount * (0.55 + rand() * 0.2), 2),
            "probability": int(rand() * 10) * 10,
            "stage": stage.value("Close") if state in ("Closed", "Implemented") else stage.pick(rand, old),
            "status": status.value(state),
            "rating": rating.pick(rand),
            "leadSource": source.pick(rand, old),
            "projectedCloseDate": clock.date(closes),
            "createDate": clock.dt(made),
            "lastActivity": clock.dt(made + int(rand() * (min(clock.now, closes) - made))),
            "totalAmountMonths": 12,
            "useQuoteTotals": False,
            "onetimeRevenue": amount,
            "onetimeCost": 0.0,
            "monthlyRevenue": 0.0,
            "monthlyCost": 0.0,
            "quarterlyRevenue": 0.0,
            "quarterlyCost": 0.0,
            "semiannualRevenue": 0.0,
            "semiannualCost": 0.0,
            "yearlyRevenue": 0.0,
            "yearlyCost": 0.0,
        }
        if work.opp_contact[index] >= 0:
            record["contactID"] = crm.contact_id(work.opp_contact[index])
        if state in ("Closed", "Implemented"):
            record["closedDate"] = clock.date(min(closes, clock.now))
            record["winReason"] = win.pick(rand)
        elif state == "Lost":
            record["lostDate"] = clock.date(min(closes, clock.now))
            record["lossReason"] = loss.pick(rand)
        udfs = dict.fromkeys(udf_names)
        if rand() < 0.4:
            udfs["Expected Seats"] = str(5 + int(rand() * 200))
        if rand() < 0.2:
            udfs["Deal Source Detail"] = "Met at the local chamber of commerce breakfast"
        record["userDefinedFields"] = [{"name": n, "value": udfs[n]} for n in udf_names]
        yield record


def quotes(ctx: SeedContext) -> Iterator[dict]:
    """One quote for about 60 % of opportunities, issued a few days after the deal opened."""
    rand, clock, crm, work = stream(ctx.seed, "Quotes"), ctx.clock, ctx.crm, ctx.work
    term = ctx.picker("Quotes", "paymentTerm")
    for index in range(len(work.opp_create)):
        if not _has_quote(index):
            continue
        made = min(clock.now - 1000, work.opp_create[index] + int(rand() * 10 * DAY))
        c = work.opp_company[index]
        record = {
            "id": 29690500 + index,
            "companyID": crm.company_ids[c],
            "opportunityID": 29689000 + index,
            "name": f"Quote - {_DEALS[index % len(_DEALS)]}",
            "description": f"Proposal for {crm.names[c]}",
            "quoteNumber": 1000 + index,
            "effectiveDate": clock.date(made),
            "expirationDate": clock.date(made + 30 * DAY),
            "createDate": clock.dt(made),
            "lastActivityDate": clock.dt(made + int(rand() * (clock.now - made) * 0.1)),
            "creatorResourceID": ctx.org.resources[work.opp_owner[index]].id,
            "isActive": True,
            "primaryQuote": True,
            "paymentTerm": term.pick(rand),
            "calculateTaxSeparately": True,
            "showEachTaxInGroup": False,
            "showTaxCategory": False,
        }
        if work.opp_contact[index] >= 0:
            record["contactID"] = crm.contact_id(work.opp_contact[index])
        yield record


def quote_items(ctx: SeedContext) -> Iterator[dict]:
    """1-5 lines per quote: hardware/licences (products) and managed services."""
    rand, cat = stream(ctx.seed, "QuoteItems"), ctx.catalog
    kinds = ctx.picker("QuoteItems", "quoteItemType")
    periods = ctx.picker("QuoteItems", "periodType")
    product_type, service_type = kinds.value("Product"), kinds.value("Service")
    one_time, monthly = periods.value("One-Time"), periods.value("Monthly")
    next_id = 29691000
    for index in range(len(ctx.work.opp_create)):
        if not _has_quote(index):
            continue
        for line in range(1 + int(rand() * 5)):
            is_product = rand() < 0.6
            item = pick(cat.products if is_product else cat.services, rand)
            record = {
                "id": next_id,
                "quoteID": 29690500 + index,
                "name": item["name"],
                "description": item["name"],
                "quoteItemType": product_type if is_product else service_type,
                "quantity": float(1 + int(rand() * 20)),
                "unitPrice": item["unitPrice"],
                "unitCost": item["unitCost"],
                "unitDiscount": 0.0,
                "lineDiscount": 0.0,
                "percentageDiscount": 0.0,
                "isOptional": rand() < 0.1,
                "isTaxable": True,
                "sortOrderID": line + 1,
                "periodType": one_time if is_product else monthly,
            }
            record["productID" if is_product else "serviceID"] = item["id"]
            yield record
            next_id += 1


def invoices(ctx: SeedContext, count: int) -> Iterator[dict]:
    """Invoices spread over the window, GST-inclusive totals, paid/voided by age."""
    rand, clock, crm = stream(ctx.seed, "Invoices"), ctx.clock, ctx.crm
    term = ctx.picker("Invoices", "paymentTerm")
    admin = ctx.org.resources[0].id
    span = clock.now - clock.start - DAY
    times = sorted(clock.start + int(rand() * span) for _ in range(count))
    batch, batch_day = 0, -1
    for index, made in enumerate(times):
        c = crm.company_at(crm.ticket_companies, rand, made)
        if made // DAY != batch_day:
            batch, batch_day = batch + 1, made // DAY
        total = round(150 + rand() * rand() * 12_000, 2)
        day = made - made % DAY
        record = {
            "id": 29692000 + index,
            "companyID": crm.company_ids[c],
            "invoiceNumber": str(20_000 + index),
            "batchID": batch,
            "createDateTime": clock.dt(made),
            "invoiceDateTime": clock.date(made),
            "creatorResourceID": admin,
            "fromDate": clock.date(day - 30 * DAY),
            "toDate": clock.date(day - DAY),
            "dueDate": clock.date(day + 30 * DAY),
            "invoiceTotal": total,
            "totalTaxValue": round(total / 11, 2),
            "paymentTerm": term.pick(rand),
            "isVoided": False,
            "taxRegionName": "Australia GST",
        }
        if rand() < 0.01:
            record.update(isVoided=True, voidedByResourceID=admin, voidedDate=clock.dt(made + DAY))
        elif clock.now - made > 45 * DAY and rand() < 0.95:
            record["paidDate"] = clock.date(made + int((5 + rand() * 40) * DAY))
        if rand() < 0.2:
            record["orderNumber"] = f"PO{int(rand() * 1e6):06d}"
        yield record
