"""Lazy seed records for project work and staff admin: projects, phases, tasks, appointments, expenses
and time-off requests.

Project, phase and task facts (ids, dates, assignees, completion) come from the skeleton
(``seed_plan_work.WorkPlan``) so tasks sit inside their phase and project and time entries
(``seed_service``) land inside their task.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from .core import DAY, HOUR, MINUTE, expand, pick, stream
from .plan import PROJECT_KINDS, resource_at
from .plan_work import SeedContext, WorkPlan

_PROJECTS = (
    "Microsoft 365 migration",
    "Server replacement",
    "Network refresh",
    "Office relocation",
    "Azure landing zone",
    "Security hardening",
    "Backup modernisation",
    "Wi-Fi upgrade",
    "Intune rollout",
    "Phone system cut-over",
)
_INTERNAL = (
    "Internal: RMM agent upgrade",
    "Internal: documentation clean-up",
    "Internal: PSA workflow review",
    "Internal: lab rebuild",
)
_PHASES = ("Discovery", "Design", "Build", "Migration", "Handover")
_TASKS = (
    "Audit current environment",
    "Confirm requirements with client",
    "Order hardware",
    "Configure baseline policies",
    "Migrate mailboxes",
    "Deploy to pilot group",
    "User training session",
    "Update documentation",
    "Decommission old equipment",
    "Post-implementation review",
    "Schedule cut-over window",
    "Test backups and restores",
)


def projects(ctx: SeedContext) -> Iterator[dict]:
    """Projects in creation order; project numbers follow Autotask's ``P20240131.0001`` pattern."""
    rand, clock, work, crm, people = (
        stream(ctx.seed, "Projects"),
        ctx.clock,
        ctx.work,
        ctx.crm,
        ctx.org.resources,
    )
    status = ctx.picker(
        "Projects",
        "status",
        {
            "Inactive": 0,
            "Complete": 0,
            "New": 2,
            "In Progress": 6,
            "On Hold": 1,
            "Waiting Customer": 1,
            "Planning (retired)": 2,
        },
    )
    kinds = ctx.picker("Projects", "projectType")
    complete, client, internal = status.value("Complete"), kinds.value("Client"), kinds.value("Internal")
    health = ctx.udf_picker("Projects", "Project Health", {"Green": 6, "Amber": 3, "Red": 1})
    department = ctx.org.department_ids[1]
    udf_names = ctx.udf_names("Projects")
    estimates = [0.0] * len(work.project_ids)
    for k, project in enumerate(work.task_project):
        estimates[project] += work.task_estimate[k]
    day, seq = -1, 0
    for p in range(len(work.project_ids)):
        made, start, end, c = (
            work.project_create[p],
            work.project_start[p],
            work.project_end[p],
            work.project_company[p],
        )
        if made // DAY != day:
            day, seq = made // DAY, 0
        seq += 1
        lead = people[work.project_lead[p]]
        done = work.project_complete[p]
        old = made < ctx.tickets.cutoff
        last = min(clock.now, end if done else made + int(rand() * (clock.now - made)))
        name = pick(_INTERNAL, rand) if c == 0 else f"{_PROJECTS[p % len(_PROJECTS)]} - {crm.names[c]}"
        record = {
            "id": work.project_ids[p],
            "projectName": name[:100],
            "companyID": crm.company_ids[c],
            "projectNumber": "P" + clock.ticket_number(made, seq)[1:],
            "projectType": internal if c == 0 else client,
            "status": complete if done else status.pick(rand, old),
            "description": name,
            "startDateTime": clock.dt(start),
            "endDateTime": clock.dt(end),
            "createDateTime": clock.dt(made),
            "creatorResourceID": lead.id,
            "projectLeadResourceID": lead.id,
            "department": department,
            "duration": (end - start) // DAY,
            "estimatedTime": _planned(rand, estimates[p]),
            "completedPercentage": 100 if done else _progress(start, end, clock.now, int(rand() * 90)),
            "lastActivityDateTime": clock.dt(last),
            "lastActivityResourceID": lead.id,
            "lastActivityPersonType": 1,
            "statusDateTime": clock.dt(last),
            "actualHours": 0.0,
            "actualBilledHours": 0.0,
        }
        if done:
            record["completedDateTime"] = clock.dt(min(clock.now, end))
        contract = crm.contract_at(c, start) if c else -1
        if contract >= 0 and rand() < 0.4:
            record["contractID"] = crm.contract_id(contract)
        if c and crm.contact_count[c]:
            record["companyOwnerResourceID"] = people[crm.company_owner[c]].id
        udfs = dict.fromkeys(udf_names)
        udfs["Project Health"] = health.pick(rand)
        if rand() < 0.5:
            udfs["Budget Code"] = f"CC-{int(rand() * 9000) + 1000}"
        udfs["Go Live Date"] = clock.date(end)
        if c and rand() < 0.6:
            udfs["Billable Percentage"] = f"{60 + rand() * 40:.2f}"
        record["userDefinedFields"] = [{"name": n, "value": udfs[n]} for n in udf_names]
        yield record


def _planned(rand: Callable[[], float], value: float) -> float:
    """``value`` (the plan's effort), after the draw that once made it up: the table's stream stays aligned."""
    rand()
    return value


def _progress(start: int, end: int, now: int, jitter: int) -> int:
    """Percent complete of an open project: the share of its schedule elapsed, give or take 30 %."""
    elapsed = max(0.0, min(1.0, (now - start) / max(1, end - start)))
    return min(95, int(100 * elapsed * (0.7 + jitter / 150)))


def task_progress(work: WorkPlan, k: int, now: int) -> float:
    """How much of task ``k``'s effort has been spent by ``now`` (1 once complete)."""
    if work.task_complete[k]:
        return 1.0
    start, end = work.task_start[k], work.task_end[k]
    return max(0.0, min(0.95, (now - start) / max(1, end - start)))


def phases(ctx: SeedContext) -> Iterator[dict]:
    """2-4 consecutive phases per project."""
    rand, clock, work, people = stream(ctx.seed, "Phases"), ctx.clock, ctx.work, ctx.org.resources
    phase_estimates = [0.0] * len(work.phase_ids)
    for k, phase in enumerate(work.task_phase):
        phase_estimates[phase] += work.task_estimate[k]
    previous, number = -1, 0
    for k in range(len(work.phase_ids)):
        p = work.phase_project[k]
        number = number + 1 if p == previous else 1
        previous = p
        made = work.project_create[p]
        yield {
            "id": work.phase_ids[k],
            "projectID": work.project_ids[p],
            "title": _PHASES[(number - 1) % 5],
            "description": f"Phase {number}",
            "phaseNumber": str(number),
            "startDate": clock.dt(work.phase_start[k]),
            "dueDate": clock.dt(work.phase_end[k]),
            "estimatedHours": _planned(rand, phase_estimates[k]),
            "isScheduled": True,
            "createDate": clock.dt(made),
            "creatorResourceID": people[work.project_lead[p]].id,
            "lastActivityDateTime": clock.dt(min(clock.now, made + int(rand() * (clock.now - made)))),
        }


def tasks(ctx: SeedContext) -> Iterator[dict]:
    """Tasks inside their phase's dates, assigned with a role the resource holds."""
    rand, clock, work, people = stream(ctx.seed, "Tasks"), ctx.clock, ctx.work, ctx.org.resources
    status = ctx.picker(
        "Tasks",
        "status",
        {
            "New": 3,
            "Complete": 0,
            "Waiting Customer": 1,
            "In Progress": 5,
            "On Hold": 1,
            "Deferred (retired)": 1,
        },
    )
    complete = status.value("Complete")
    kinds = ctx.picker("Tasks", "taskType", {"Fixed Work": 9, "Fixed Duration": 1})
    priority = ctx.picker("Tasks", "priorityLabel", {"Critical": 0})
    labour = ctx.catalog.billing_code_ids["Project Labour"]
    udf_names = ctx.udf_names("Tasks")
    for k in range(len(work.task_ids)):
        p = work.task_project[k]
        made, start, end = work.task_create[k], work.task_start[k], work.task_end[k]
        tech, lead = people[work.task_resource[k]], people[work.project_lead[p]]
        done, old = work.task_complete[k], made < ctx.tickets.cutoff
        estimate = _planned(rand, work.task_estimate[k])
        record = {
            "id": work.task_ids[k],
            "projectID": work.project_ids[p],
            "phaseID": work.phase_ids[work.task_phase[k]],
            "title": _TASKS[(k * 7 + p) % len(_TASKS)],
            "description": "See project plan.",
            "taskNumber": clock.ticket_number(made, work.task_seq[k]),
            "taskType": kinds.pick(rand),
            "status": complete if done else status.pick(rand, old),
            "priorityLabel": priority.pick(rand, old),
            "assignedResourceID": tech.id,
            "assignedResourceRoleID": tech.role_ids[0],
            "departmentID": tech.department_id,
            "billingCodeID": labour,
            "startDateTime": clock.dt(start),
            "endDateTime": clock.dt(end),
            "estimatedHours": estimate,
            "remainingHours": 0.0 if done else estimate,
            "hoursToBeScheduled": 0.0,
            "createDateTime": clock.dt(made),
            "creatorResourceID": lead.id,
            "creatorType": 1,
            "isTaskBillable": True,
            "isVisibleInClientPortal": rand() < 0.3,
            "canClientPortalUserCompleteTask": False,
            "lastActivityPersonType": 1,
            "lastActivityResourceID": tech.id,
        }
        finished = min(clock.now, end)
        if done:
            record.update(
                completedDateTime=clock.dt(finished), completedByResourceID=tech.id, completedByType=1
            )
        record["lastActivityDateTime"] = clock.dt(max(made, finished if done else min(clock.now, start)))
        udfs = dict.fromkeys(udf_names)
        if rand() < 0.3:
            udfs["Story Points"] = pick(("1", "2", "3", "5", "8", "13"), rand)
        if not done and rand() < 0.1:
            udfs["Blocked By"] = "Waiting on customer change approval"
        record["userDefinedFields"] = [{"name": n, "value": udfs[n]} for n in udf_names]
        yield record


def appointments(ctx: SeedContext, count: int) -> Iterator[dict]:
    """Calendar appointments of technicians (site visits, meetings), including the next two weeks."""
    rand, clock, crm = stream(ctx.seed, "Appointments"), ctx.clock, ctx.crm
    staff = [r for r in ctx.org.resources if r.kind != "admin"]
    starts = sorted(clock.start + 14 * DAY + int(rand() * (clock.now - clock.start)) for _ in range(count))
    for n, start in enumerate(starts):
        start = start - start % (30 * MINUTE)
        who = resource_at(staff, rand, start)
        company = crm.names[crm.company_at(crm.ticket_companies, rand, start)]
        # upcoming appointments (up to two weeks ahead) exist, but were booked before now
        made = min(clock.now - HOUR, max(clock.start, start - int(rand() * 14 * DAY)))
        yield {
            "id": 29693000 + n,
            "resourceID": who.id,
            "title": pick(("Site visit", "Client meeting", "Quarterly review"), rand) + f": {company}",
            "description": "Booked by dispatch.",
            "startDateTime": clock.dt(start),
            "endDateTime": clock.dt(start + (1 + int(rand() * 3)) * HOUR),
            "createDateTime": clock.dt(made),
            "creatorResourceID": who.id,
            "updateDateTime": clock.dt(made + int(rand() * max(0, min(start, clock.now) - made))),
        }


def expenses(ctx: SeedContext, count: int) -> tuple[list[dict], list[dict]]:
    """(ExpenseReports, ExpenseItems): weekly reports whose totals are the sum of their items."""
    rand, clock, crm = stream(ctx.seed, "Expenses"), ctx.clock, ctx.crm
    status = ctx.picker("ExpenseReports", "status")
    category = ctx.picker("ExpenseItems", "expenseCategory", {"Mileage": 5, "Meals": 3, "Parking & Tolls": 3})
    mileage = category.value("Mileage")
    payment = ctx.picker("ExpenseItems", "paymentType")
    staff = ctx.org.by_kind(PROJECT_KINDS | {"onsite", "sales", "desk"})
    approver = ctx.org.resources[0].id
    saturday = (clock.now // DAY - 2) // 7 * 7 + 2  # days since epoch of the last Saturday
    weeks = (clock.now - clock.start) // (7 * DAY)
    reports, items = [], []
    picks = sorted((saturday - 7 * int(rand() * weeks)) * DAY for _ in range(count))
    item_id = 29695000
    for n, week_end in enumerate(picks):
        who = resource_at(staff, rand, week_end)
        age = clock.now - week_end
        state = (
            "Paid"
            if age > 30 * DAY
            else "Approved"
            if age > 14 * DAY
            else "Awaiting Approval"
            if age > 7 * DAY
            else "In Progress"
        )
        report_id = 29694000 + n
        total = reimbursable = 0.0
        for _ in range(1 + int(rand() * 7)):
            kind = category.pick(rand, week_end < ctx.tickets.cutoff)
            amount = round(8 + rand() * rand() * 300, 2)
            day = week_end - int(rand() * 7) * DAY
            company = crm.company_at(crm.ticket_companies, rand, day)
            reimburse = rand() < 0.7
            item = {
                "id": item_id,
                "expenseReportID": report_id,
                "expenseDate": clock.date(day),
                "expenseCategory": kind,
                "description": "Client site visit" if company else "Office supplies",
                "companyID": crm.company_ids[company],
                "isBillableToCompany": bool(company) and rand() < 0.5,
                "isReimbursable": reimburse,
                "haveReceipt": rand() < 0.9,
                "isRejected": False,
                "expenseCurrencyExpenseAmount": amount,
                "internalCurrencyExpenseAmount": amount,
                "internalCurrencyReimbursementAmount": amount if reimburse else 0.0,
                "paymentType": payment.pick(rand),
            }
            if kind == mileage:
                miles = round(5 + rand() * 120, 1)
                item.update(miles=miles, origin="Office", destination=crm.names[company])
            items.append(item)
            item_id += 1
            total += amount
            reimbursable += amount if reimburse else 0.0
        report = {
            "id": report_id,
            "name": f"Expenses week ending {clock.day_label(week_end)}",
            "submitterID": who.id,
            "weekEnding": clock.date(week_end),
            "status": status.value(state),
            "submit": state != "In Progress",
            "amountDue": round(reimbursable, 2),
            "internalCurrencyExpenseTotal": round(total, 2),
            "internalCurrencyCashAdvanceAmount": 0.0,
        }
        if state != "In Progress":
            report["submitDate"] = clock.dt(week_end + DAY + HOUR)
        if state in ("Approved", "Paid"):
            report.update(approverID=approver, approvedDate=clock.dt(week_end + 3 * DAY))
        reports.append(report)
    return reports, items


def time_off_requests(ctx: SeedContext) -> Iterator[dict]:
    """Leave requests of the staff: past ones decided (mostly approved), upcoming ones pending."""
    rand, clock = stream(ctx.seed, "TimeOffRequests"), ctx.clock
    status, kinds = (
        ctx.picker("TimeOffRequests", "status"),
        ctx.picker("TimeOffRequests", "timeOffRequestType"),
    )
    pending, approved, rejected = status.value("Pending"), status.value("Approved"), status.value("Rejected")
    decided = expand([(approved, 90), (rejected, 5), (status.value("Cancelled"), 5)])
    approver = ctx.org.resources[0].id
    horizon = clock.now + 60 * DAY
    requests = []
    for person in ctx.org.resources[1:]:
        for _ in range(int(3 * (2 + rand() * 4))):  # 2-6 requests a year over the three-year window
            day = clock.start + int(rand() * (horizon - clock.start))
            day -= day % DAY
            filed = max(person.hire_ms, clock.start, day - int((3 + rand() * 27) * DAY))
            if person.works_at(day) and filed < clock.now - HOUR:
                requests.append((filed + int(rand() * HOUR), day, person))
    requests.sort(key=lambda r: r[0])
    for n, (filed, day, person) in enumerate(requests):
        future = day > clock.now - DAY
        state = pending if future or n == len(requests) - 1 else pick(decided, rand)
        start = day - 2 * HOUR  # 08:00 in Sydney
        hours = 8.0 if rand() < 0.85 else 4.0
        record = {
            "id": 29696000 + n,
            "resourceID": person.id,
            "requestDate": clock.date(day),
            "startTime": clock.dt(start),
            "endTime": clock.dt(start + int(hours * HOUR)),
            "hours": hours,
            "timeOffRequestType": kinds.pick(rand, filed < ctx.tickets.cutoff),
            "status": state,
            "reason": pick(
                (
                    "Family holiday",
                    "Medical appointment",
                    "Moving house",
                    "Wedding",
                    "School holidays",
                    "Personal",
                ),
                rand,
            ),
            "createDateTime": clock.dt(filed),
            "createdByResourceID": person.id,
            "lastModifiedByResourceID": person.id,
        }
        changed = filed
        if state != pending:
            changed = min(clock.now - MINUTE, filed + int(rand() * 3 * DAY))
            record.update(
                approvedDateTime=clock.dt(changed),
                approveRejectResourceID=approver,
                lastModifiedByResourceID=approver,
            )
            if state == approved:
                record["lastApprovedLevel"] = 1
            elif state == rejected:
                record["rejectReason"] = "Team already at minimum cover that week"
        record["lastModifiedDateTime"] = clock.dt(changed)
        yield record
