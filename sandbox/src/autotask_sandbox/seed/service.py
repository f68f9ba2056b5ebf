"""Lazy seed records for the service desk: tickets, ticket notes and time entries.

These are the big tables (a million tickets means ~3M notes and ~2M time entries), so the loops are
written for speed: locals for hot attributes, pre-expanded choice tables, integer-millisecond times
formatted by :class:`~autotask_sandbox.seed.core.Clock`. Ticket facts come from the skeleton, so a
note or time entry never predates its ticket nor outlives its last activity.
"""

from __future__ import annotations

from collections.abc import Iterator

from .core import DAY, HOUR, MINUTE, expand, id_list, stream
from .plan import TICKET_KINDS, resource_at
from .plan_work import SeedContext, TicketPlan
from .text import ALERTS, DETAILS, NOTES, RESOLUTIONS, TITLES
from .work import task_progress

# (source, queue, ticket type, ticket category, who creates it, weight); retired values only on old tickets
_PROFILES = (
    ("Phone", "Level I Support", "Service Request", "Standard", "resource", 20),
    ("Email", "Level I Support", "Incident", "Standard", "contact", 20),
    ("Client Portal", "Client Portal", "Service Request", "Standard", "contact", 10),
    ("Monitoring Alert", "Monitoring Alert", "Alert", "RMM Alert", "integration", 15),
    ("Phone", "Level II Support", "Incident", "Standard", "resource", 10),
    ("Web Portal", "Triage", "Service Request", "Standard", "contact", 5),
    ("In Person/Onsite", "Level I Support", "Service Request", "Standard", "resource", 3),
    ("Chat", "Level I Support", "Service Request", "Standard", "resource", 5),
    ("Microsoft Teams", "Level I Support", "Incident", "Standard", "resource", 3),
    ("Insourced", "Recurring Tickets", "Service Request", "Standard", "resource", 4),
    ("Phone", "Escalations", "Problem", "Standard", "resource", 2),
    ("Email", "Level II Support", "Change Request", "Change Management", "resource", 3),
    ("Email", "Projects", "Service Request", "Project Issue", "resource", 2),
    ("Fax", "Legacy Helpdesk", "Service Request", "Old Intake Form", "resource", -4),
)
_NOTE_COUNTS = (0, 1, 1, 2, 2, 3, 3, 3, 4, 4, 5, 6, 7)  # ~3.15 notes per ticket
_ENTRY_COUNTS = (0, 1, 1, 2, 2, 2, 3, 3)  # ~1.75 time entries per worked ticket
_SESSIONS = (1.0, 1.5, 2.0, 2.0, 2.5, 3.0, 3.0, 4.0)  # hours of one sitting on a project task
_QUARTERS = expand([(1, 20), (2, 25), (3, 10), (4, 15), (6, 10), (8, 8), (12, 6), (16, 4), (24, 2)])


def first_response(plan: TicketPlan, index: int) -> int:
    """Milliseconds from creation to first response: a pure function, so SLA results agree with tickets."""
    raw = ((index * 40503) % 240 + 5) * MINUTE
    return min(raw, max(MINUTE, plan.end[index] - plan.create[index]))


# The order of the tuples ``tickets`` yields (the store keeps them as they are).
TICKET_COLUMNS = (
    "id", "ticketNumber", "title", "description", "companyID", "status", "priority", "queueID", "issueType",
    "ticketType", "source", "ticketCategory", "createDate", "lastActivityDate",
    "lastTrackedModificationDateTime", "dueDateTime", "estimatedHours", "isVisibleToComanaged",
    "isAssignedToComanaged", "hoursToBeScheduled", "lastActivityPersonType",
    "subIssueType", "creatorType", "createdByContactID", "creatorResourceID", "impersonatorCreatorResourceID",
    "lastActivityResourceID", "assignedResourceID", "assignedResourceRoleID",
    "firstResponseDateTime", "firstResponseAssignedResourceID",
    "contactID", "contractID", "configurationItemID", "billingCodeID", "serviceLevelAgreementID",
    "firstResponseDueDateTime", "resolvedDueDateTime", "serviceLevelAgreementHasBeenMet",
    "completedDate", "resolvedDateTime", "completedByResourceID", "resolution", "userDefinedFields",
)  # fmt: skip


def tickets(ctx: SeedContext) -> Iterator[tuple]:
    """Tickets in id order as ``TICKET_COLUMNS`` tuples (deleted ones skipped: they survive only in
    DeletedTicketLogs)."""
    rand, clock, plan, crm, org = stream(ctx.seed, "Tickets"), ctx.clock, ctx.tickets, ctx.crm, ctx.org
    dt, date, number = clock.dt, clock.date, clock.ticket_number
    people, api = org.resources, org.api_resources[0]
    status = ctx.picker(
        "Tickets",
        "status",
        {
            "New": 0,
            "Complete": 0,
            "In Progress": 30,
            "Waiting Customer": 15,
            "Waiting Materials": 5,
            "Dispatched": 5,
            "Escalate": 3,
            "Waiting Vendor": 5,
            "Waiting Approval": 3,
            "Change Order": 1,
            "Customer Note Added": 5,
            "On Hold": 4,
            "Scheduled": 5,
            "Pending Closure": 4,
            "Awaiting Parts (retired)": 3,
        },
    )
    complete_status, new_status = status.value("Complete"), status.value("New")
    priority = ctx.picker(
        "Tickets", "priority", {"High": 15, "Medium": 55, "Low": 25, "Critical": 5, "P5 - Planning": 4}
    )
    due_ms = {
        priority.value(label): hours * HOUR
        for label, hours in (
            ("Critical", 4),
            ("High", 24),
            ("Medium", 72),
            ("Low", 168),
            ("P5 - Planning", 336),
        )
    }
    issues = ctx.picker(
        "Tickets",
        "issueType",
        {
            "Hardware": 25,
            "Software": 25,
            "Network": 15,
            "Security": 10,
            "User Administration": 15,
            "Email & Collaboration": 10,
        },
    )
    subs: dict[int, tuple[list, list]] = {}
    for value in ctx.meta.picklist("Tickets", "subIssueType") or []:
        active, every = subs.setdefault(int(value["parentValue"]), ([], []))
        every.append(int(value["value"]))
        if value["isActive"]:
            active.append(int(value["value"]))
    titles = {value: TITLES[label] for label, value in issues.by_label.items()}
    root_cause = ctx.udf_picker("Tickets", "Root Cause", {"User Error": 3, "Configuration": 3})
    cause_new, cause_old = root_cause.active, root_cause.all
    udf_cause, udf_score, udf_reference, udf_follow = ctx.udf_names("Tickets")
    work_types = ctx.catalog.work_type_ids
    # Ids from lists of shared ints, not computed per row: a million rows, a few thousand distinct ids.
    company_ids = list(crm.company_ids)
    contact_ids = id_list(crm.CONTACT_BASE, 1, plan.contact)
    contract_ids = id_list(crm.CONTRACT_BASE, 7, plan.contract)  # = crm.contract_id(index)
    ci_ids = id_list(crm.CI_BASE, 1, plan.ci)  # = crm.ci_id(index)
    # (new table, old table) pairs, indexed with int(random() * len) inline: this loop runs a million times
    profile_tables = _profile_tables(ctx)
    status_tables, priority_tables, issue_tables = (
        (status.active, status.all),
        (priority.active, priority.all),
        (issues.active, issues.all),
    )
    ids, create, ends, complete, seqs = plan.ids, plan.create, plan.end, plan.complete, plan.seq
    companies, contacts, resources, contracts, cis = (
        plan.company,
        plan.contact,
        plan.resource,
        plan.contract,
        plan.ci,
    )
    slas, sla_met, deleted, cutoff = plan.sla, plan.sla_met, plan.deleted, plan.cutoff
    n_quarters, n_details, n_resolutions, n_alerts = (
        len(_QUARTERS),
        len(DETAILS),
        len(RESOLUTIONS),
        len(ALERTS),
    )
    api_id, api_hired, admin_id = api.id, api.hire_ms, people[0].id
    hours = [quarters * 0.25 for quarters in _QUARTERS]
    # Shared objects for repeated values keep a million rows hundreds of MB smaller (alert texts are
    # nearly unique, so only template descriptions are pooled).
    descriptions: dict[str, str] = {}
    udf_pool: dict[tuple, tuple] = {}
    for i in range(len(ids)):
        if deleted[i]:
            continue
        t, end, company, contact, res = create[i], ends[i], companies[i], contacts[i], resources[i]
        old = t < cutoff
        table = profile_tables[old]
        source, queue, ticket_type, category, creator = table[int(rand() * len(table))]
        table = issue_tables[old]
        issue = table[int(rand() * len(table))]
        table = priority_tables[old]
        pr = table[int(rand() * len(table))]
        if creator == "integration":
            title = ALERTS[int(rand() * n_alerts)].format(
                host=f"{'SRV' if rand() < 0.5 else 'WKS'}-{company:04d}-{int(rand() * 40):02d}"
            )
        else:
            choices = titles[issue]
            title = choices[int(rand() * len(choices))]
        done = complete[i]
        if done:
            state = complete_status
        elif res >= 0:
            table = status_tables[old]
            state = table[int(rand() * len(table))]
        else:
            state = new_status
        due = dt(t + due_ms[pr])
        last = dt(end)
        description = title + ". " + DETAILS[int(rand() * n_details)]
        if creator != "integration":
            description = descriptions.setdefault(description, description)
        estimated = hours[int(rand() * n_quarters)]
        sub_issue = None
        pair = subs.get(issue)
        if pair and rand() < 0.85:
            table = pair[1] if old else (pair[0] or pair[1])
            sub_issue = table[int(rand() * len(table))]
        by_contact = maker = impersonator = last_resource = None
        if creator == "contact" and contact >= 0:
            creator_type, by_contact = 2, contact_ids[contact]
        else:
            creator_type = 1
            if creator == "integration":
                maker = api_id if t >= api_hired else admin_id
            else:
                maker = people[res].id if res >= 0 else admin_id
                if t >= api_hired and rand() < 0.03:  # created through the API on the technician's behalf
                    impersonator = api_id
            if res < 0:
                last_resource = maker
        assignee = role = first_response = None
        if res >= 0:
            tech = people[res]
            assignee = last_resource = tech.id
            role = tech.role_ids[0]
            response = ((i * 40503) % 240 + 5) * MINUTE  # = first_response(plan, i), inlined
            answered = t + min(response, max(MINUTE, end - t))
            first_response = last if answered == end else dt(answered)
        billing_code = work_types[int(rand() * 3)] if rand() < 0.5 else None
        sla = slas[i] or None
        response_due = dt(t + 2 * HOUR) if sla else None
        resolved_due = due
        if sla and done:  # the resolution due time agrees with the SLA result: met <=> resolved by then
            due_at = t + due_ms[pr]
            if sla_met[i] and end > due_at:
                resolved_due = dt(end + ((i * 7919) % 240 + 15) * MINUTE)
            elif not sla_met[i] and end <= due_at:
                resolved_due = dt(max(t + MINUTE, end - ((i * 7919) % 240 + 15) * MINUTE))
        sla_met_flag = (sla_met[i] == 1) if sla and done else None
        resolution = completed_by = completed = cause = None
        if done:
            completed = last
            completed_by = people[res].id
            resolution = RESOLUTIONS[int(rand() * n_resolutions)]
            if rand() < 0.7:
                table = cause_old if old else cause_new
                cause = table[int(rand() * len(table))]
        score = str(1 + int(rand() * 10)) if rand() < 0.4 else None
        reference = f"INC{int(rand() * 1e7):07d}" if rand() < 0.15 else None
        follow = date(end + DAY) if not done and rand() < 0.2 else None
        udfs = None
        if cause is not None or score is not None or reference is not None or follow is not None:
            udfs = (cause, score, reference, follow)
            udfs = udf_pool.setdefault(udfs, udfs)
        yield (  # TICKET_COLUMNS order
            ids[i], number(t, seqs[i]), title, description, company_ids[company], state, pr, queue, issue,
            ticket_type, source, category, dt(t), last, last, due, estimated, False, False, 0.0, 1,
            sub_issue, creator_type, by_contact, maker, impersonator, last_resource, assignee, role,
            first_response, assignee if res >= 0 else None,
            contact_ids[contact] if contact >= 0 else None,
            contract_ids[contracts[i]] if contracts[i] >= 0 else None,
            ci_ids[cis[i]] if cis[i] >= 0 else None,
            billing_code, sla, response_due, resolved_due if sla else None, sla_met_flag,
            completed, completed, completed_by, resolution, udfs,
        )  # fmt: skip


def _profile_tables(ctx: SeedContext) -> tuple[list, list]:
    """(active-only, all) weighted tables of (source, queue, ticketType, ticketCategory, creator)."""
    source, queue = ctx.picker("Tickets", "source"), ctx.picker("Tickets", "queueID")
    kinds, category = ctx.picker("Tickets", "ticketType"), ctx.picker("Tickets", "ticketCategory")
    rows_new, rows_old = [], []
    for src, q, kind, cat, creator, weight in _PROFILES:
        row = (source.value(src), queue.value(q), kinds.value(kind), category.value(cat), creator)
        rows_old.append((row, abs(weight)))
        if weight > 0:
            rows_new.append((row, weight))
    return expand(rows_new, 400), expand(rows_old, 400)


NOTE_COLUMNS = (
    "id", "ticketID", "title", "description", "noteType", "publish", "createDateTime", "lastActivityDate",
    "createdByContactID", "creatorResourceID", "impersonatorCreatorResourceID",
)  # fmt: skip


def ticket_notes(ctx: SeedContext) -> Iterator[tuple]:
    """About three notes per ticket (``NOTE_COLUMNS`` tuples), spread between creation and last activity;
    the last note of a completed ticket is its resolution."""
    rand, clock, plan, crm, people = (
        stream(ctx.seed, "TicketNotes"),
        ctx.clock,
        ctx.tickets,
        ctx.crm,
        ctx.org.resources,
    )
    dt = clock.dt
    kinds = ctx.picker("TicketNotes", "noteType")
    publish = ctx.picker("TicketNotes", "publish")
    everyone, internal = publish.value("All Autotask Users"), publish.value("Internal Only")
    portal, resolution = kinds.value("Client Portal Note"), kinds.value("Resolution")
    weights = [
        ("Task Detail", 40, everyone, "Work performed"),
        ("Internal Update", 20, internal, "Internal update"),
        ("Customer Update", 20, everyone, "Update sent to customer"),
        ("Workflow Rule Action Note", 5, everyone, "Workflow rule"),
        ("Task Summary", 5, everyone, "Summary"),
        ("Task Notes", 5, everyone, "Notes"),
        ("Client Portal Note", 5, everyone, "Customer reply"),
        ("Legacy Call Log", -3, everyone, "Call log"),
    ]
    table_new = expand([((kinds.value(k), p, title), w) for k, w, p, title in weights if w > 0], 200)
    table_old = expand([((kinds.value(k), p, title), abs(w)) for k, w, p, title in weights], 200)
    desk = [r for r in people if r.kind in TICKET_KINDS]
    api = ctx.org.api_resources[0]
    api_id, api_hired, contact_ids = api.id, api.hire_ms, id_list(crm.CONTACT_BASE, 1, plan.contact)
    n_counts, n_notes, n_new, n_old = len(_NOTE_COUNTS), len(NOTES), len(table_new), len(table_old)
    next_id = 29_800_000 + int(rand() * 1000)
    for i in range(len(plan.ids)):
        if plan.deleted[i]:
            continue
        count = _NOTE_COUNTS[int(rand() * n_counts)]
        if not count:
            continue
        t, end, res, contact, done = (
            plan.create[i],
            plan.end[i],
            plan.resource[i],
            plan.contact[i],
            plan.complete[i],
        )
        span, ticket_id, old = end - t, plan.ids[i], t < plan.cutoff
        for j in range(count):
            at = t + int(span * (j + rand()) / count)
            if done and j == count - 1:
                kind, pub, title = resolution, everyone, "Resolution"
            else:
                kind, pub, title = table_old[int(rand() * n_old)] if old else table_new[int(rand() * n_new)]
            stamp = dt(at)
            description = NOTES[int(rand() * n_notes)]
            touched = stamp if rand() < 0.9 else dt(at + int(rand() * (end - at)))
            by_contact = author = impersonator = None
            if kind == portal and contact >= 0:
                by_contact = contact_ids[contact]  # = crm.contact_id(contact)
            else:
                author = (people[res] if res >= 0 and rand() < 0.85 else resource_at(desk, rand, at)).id
                if at >= api_hired and rand() < 0.02:
                    impersonator = api_id
            yield (  # NOTE_COLUMNS order
                next_id, ticket_id, title, description, kind, pub, stamp, touched, by_contact, author, impersonator,
            )  # fmt: skip
            next_id += 1


TIME_ENTRY_COLUMNS = (
    "id", "ticketID", "taskID", "resourceID", "roleID", "billingCodeID", "timeEntryType", "dateWorked",
    "startDateTime", "endDateTime", "hoursWorked", "hoursToBill", "offsetHours", "isNonBillable",
    "showOnInvoice", "summaryNotes", "createDateTime", "lastModifiedDateTime", "creatorUserID",
    "isInternalNotesVisibleToComanaged", "contractID",
)  # fmt: skip


def time_entries(ctx: SeedContext) -> Iterator[tuple]:
    """Time on tickets (about 1.75 per worked ticket) then time on project tasks (``TIME_ENTRY_COLUMNS``)."""
    rand, clock, plan, crm, work = stream(ctx.seed, "TimeEntries"), ctx.clock, ctx.tickets, ctx.crm, ctx.work
    dt, day_of, now = clock.dt, clock.midnight, clock.now
    hours_of = [quarters * 0.25 for quarters in _QUARTERS]
    people = ctx.org.resources
    kinds = ctx.picker("TimeEntries", "timeEntryType")
    ticket_time, task_time = kinds.value("Ticket Time"), kinds.value("Project Task Time")
    codes = ctx.catalog.billing_code_ids
    remote, onsite, after_hours, project = (
        codes["Remote Support"],
        codes["Onsite Support"],
        codes["After Hours Support"],
        codes["Project Labour"],
    )
    desk = [r for r in people if r.kind in TICKET_KINDS]
    # per resource: (id, default role, ticket billing code by business/after hours)
    staff = [
        (r.id, r.role_ids[0] if r.role_ids else None, onsite if r.kind == "onsite" else remote)
        for r in people
    ]
    n_counts, n_quarters, n_notes = len(_ENTRY_COUNTS), len(_QUARTERS), len(NOTES)
    latest = now - MINUTE
    contract_ids = id_list(crm.CONTRACT_BASE, 7, plan.contract)  # = crm.contract_id(index)
    next_id = 29_500_000 + int(rand() * 1000)
    ids, create, ends, resources, contracts, deleted = (
        plan.ids,
        plan.create,
        plan.end,
        plan.resource,
        plan.contract,
        plan.deleted,
    )
    for i in range(len(ids)):
        res = resources[i]
        if res < 0 or deleted[i]:
            continue
        count = _ENTRY_COUNTS[int(rand() * n_counts)]
        t = create[i]
        span = ends[i] - t
        ticket_id = ids[i]
        contract = contract_ids[contracts[i]] if contracts[i] >= 0 else None
        for j in range(count):
            start = t + int(span * (j + rand()) / count)
            start += -start % MINUTE  # whole minutes, rounded up so work never predates the ticket
            who = res if rand() < 0.85 else resource_at(desk, rand, start).index
            hours = hours_of[int(rand() * n_quarters)]
            finish = start + int(hours * HOUR)
            if finish > latest:
                continue
            created = dt(min(now, finish + int(rand() * 20 * MINUTE)))
            billable = rand() > 0.1
            resource_id, role_id, code = staff[who]
            yield (  # TIME_ENTRY_COLUMNS order
                next_id, ticket_id, None, resource_id, role_id,
                after_hours if 9 <= start // HOUR % 24 < 20 else code, ticket_time, day_of(start), dt(start),
                dt(finish), hours, hours if billable else 0.0, 0.0, not billable, billable,
                NOTES[int(rand() * n_notes)], created, created, resource_id, False, contract,
            )  # fmt: skip
            next_id += 1
    # Project time follows the plan's effort: a task's estimate × its project's overrun × how far it got,
    # logged in sessions of one to four hours on days within the task's dates.
    for k in range(len(work.task_ids)):
        start, finish_by = work.task_start[k], min(work.task_end[k], now)
        resource_id, role_id, _ = staff[work.task_resource[k]]
        target = work.task_estimate[k] * work.project_overrun[work.task_project[k]] * task_progress(work, k, now)
        logged = 0.0
        while target - logged >= 0.25:
            at = (
                start + int(rand() * max(HOUR, finish_by - start)) + 22 * HOUR
            )  # working day starts 22:00 UTC
            at -= at % MINUTE
            hours = min(_SESSIONS[int(rand() * len(_SESSIONS))], round((target - logged) * 4) / 4)
            logged += hours
            finish = at + int(hours * HOUR)
            if finish > latest:
                continue
            created = dt(min(now, finish + int(rand() * 20 * MINUTE)))
            yield (  # TIME_ENTRY_COLUMNS order
                next_id, None, work.task_ids[k], resource_id, role_id, project, task_time, day_of(at), dt(at),
                dt(finish), hours, hours, 0.0, False, True, NOTES[int(rand() * n_notes)], created, created,
                resource_id, False, None,
            )  # fmt: skip
            next_id += 1
