"""The seed's skeleton, part 2: the work — tickets, projects with phases and tasks, and sales deals.

Tickets get everything other tables derive from them (id, create and last-activity time, company,
contact, assignee, contract, configuration item, SLA, completion, deletion) so that notes, time entries,
SLA results, surveys and the deletion logs agree with the ticket without ever materialising it.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Any

from ..tenant.metadata import TenantMetadata
from .core import DAY, MINUTE, Clock, Picker, expand, pick, stream
from .org import Catalog
from .plan import PROJECT_KINDS, TICKET_KINDS, Crm, Org, day_table, resource_at, sorted_times

TICKET_BASE = 10_000
# How long tickets stay open (minutes, weighted): most close the same day, a tail runs for weeks.
_DURATIONS = expand(
    [
        (15, 10),
        (30, 10),
        (60, 12),
        (120, 12),
        (240, 10),
        (480, 10),
        (1440, 12),
        (2880, 8),
        (5760, 6),
        (10080, 5),
        (20160, 3),
        (43200, 2),
    ],
    resolution=400,
)


@dataclass
class TicketPlan:
    """Per-ticket facts, index = generation order (ascending id and create time)."""

    ids: array
    create: array
    end: array  # completion time, or the last activity so far for open tickets
    complete: bytearray
    company: array  # company index
    contact: array  # contact index or -1
    resource: array  # assigned resource index or -1
    contract: array  # contract index or -1
    ci: array  # configuration item index or -1
    sla: array  # serviceLevelAgreementID value or 0
    sla_met: bytearray
    deleted: bytearray  # deleted tickets exist only in DeletedTicketLogs
    seq: array  # the day's running number for the ticket number
    cutoff: int  # records created before this may carry now-inactive picklist values

    def old(self, index: int) -> bool:
        """Whether ticket ``index`` predates the tenant retiring picklist values."""
        return self.create[index] < self.cutoff


def build_tickets(seed: int, clock: Clock, count: int, org: Org, crm: Crm, sla: Picker) -> TicketPlan:
    """Decide every ticket's core facts (times sorted ascending, ids ascending with small gaps).

    ``count`` is the number of live tickets; the plan holds a few extra, deleted ones.
    """
    rand = stream(seed, "plan/tickets")
    now = clock.now
    cutoff = now - 400 * DAY
    # ``count`` tickets survive; a few more were created and later deleted (gaps in ids and numbers).
    n_deleted = 0 if count < 5 else 1 if count < 30 else 3 + count // 2000
    live = count
    count = live + n_deleted
    must_delete = {(k + 1) * count // (n_deleted + 1) for k in range(n_deleted)}
    times = sorted_times(rand, count, day_table(clock, clock.start, now), now - 5 * MINUTE)
    desk = [r for r in org.resources if r.kind in TICKET_KINDS]

    def filled(code: str, value: int) -> array:  # preallocated: index assignment beats append 10^6 times
        return array(code, [value]) * count

    plan = TicketPlan(
        filled("q", 0),
        array("q", times),
        filled("q", 0),
        bytearray(count),
        filled("l", 0),
        filled("l", -1),
        filled("h", -1),
        filled("l", -1),
        filled("l", -1),
        filled("l", 0),
        bytearray(count),
        bytearray(count),
        filled("l", 0),
        cutoff,
    )
    ids, ends, complete, companies, contacts, resources = (
        plan.ids,
        plan.end,
        plan.complete,
        plan.company,
        plan.contact,
        plan.resource,
    )
    contracts, cis, slas, sla_met, deleted, seqs = (
        plan.contract,
        plan.ci,
        plan.sla,
        plan.sla_met,
        plan.deleted,
        plan.seq,
    )
    table, company_create = crm.ticket_companies, crm.company_create
    n_table, n_durations, n_desk = len(table), len(_DURATIONS), len(desk)
    sla_new, sla_old = sla.active, sla.all
    contact_at, contract_at, ci_at = crm.contact_at, crm.contract_at, crm.ci_at
    next_id, day, seq = TICKET_BASE + int(rand() * 5000), -1, 0
    for index, created in enumerate(times):
        if created // DAY != day:
            day, seq = created // DAY, 0
        seq += 1
        ids[index] = next_id
        next_id += 1 + (rand() < 0.01)
        seqs[index] = seq
        if rand() < 0.02:
            company = 0
        else:
            company = table[int(rand() * n_table)]
            if company_create[company] > created:
                company = crm.company_at(table, rand, created)
        companies[index] = company
        if company and rand() < 0.85:
            contacts[index] = contact_at(company, rand, created)
        age = now - created
        done = rand() < (0.98 if age > 30 * DAY else 0.85 if age > 7 * DAY else 0.5 if age > DAY else 0.2)
        if done:
            finished = created + int(_DURATIONS[int(rand() * n_durations)] * MINUTE * (0.5 + rand()))
            ends[index] = min(finished, now - MINUTE)
            complete[index] = 1
        else:
            ends[index] = created + int(rand() * age)
        if done or rand() < 0.85:
            tech = desk[int(rand() * n_desk)]
            resources[index] = (tech if tech.works_at(created) else resource_at(desk, rand, created)).index
        if company and rand() < 0.85:
            contracts[index] = contract_at(company, created)
        if company and rand() < 0.35:
            cis[index] = ci_at(company, rand, created)
        if rand() < 0.7:
            options = sla_old if created < cutoff else sla_new
            slas[index] = options[int(rand() * len(options))]
        sla_met[index] = rand() < 0.88
        if index in must_delete:
            deleted[index] = 1
    return plan


@dataclass
class WorkPlan:
    """Projects, their phases and tasks, and the sales pipeline (parallel arrays)."""

    project_ids: array
    project_create: array
    project_start: array
    project_end: array
    project_company: array
    project_lead: array  # resource index
    project_complete: bytearray
    phase_ids: array
    phase_project: array
    phase_start: array
    phase_end: array
    task_ids: array
    task_project: array
    task_phase: array  # phase index
    task_create: array
    task_start: array
    task_end: array
    task_resource: array
    task_complete: bytearray
    task_seq: array
    opp_create: array
    opp_company: array
    opp_contact: array  # contact index or -1
    opp_owner: array  # resource index
    # Effort, from its own stream (so the rest of the plan did not move when it was added): each task's
    # estimate in hours, and each project's overrun factor (actual ÷ estimated hours once it is done).
    task_estimate: array = field(default_factory=lambda: array("d"))
    project_overrun: array = field(default_factory=lambda: array("d"))


def build_work(seed: int, clock: Clock, tickets: int, org: Org, crm: Crm) -> WorkPlan:
    """Projects (sorted by creation) with 2-4 phases of 1-4 tasks each, and opportunities."""
    rand = stream(seed, "plan/work")
    now = clock.now
    durations = (14, 30, 45, 60, 90, 120, 180)
    project_people = org.by_kind(PROJECT_KINDS)
    leads = org.by_kind({"pm"})
    plan = WorkPlan(
        array("q"), array("q"), array("q"), array("q"), array("q"),
        array("h"),
        bytearray(),
        array("q"),
        array("l"),
        array("q"),
        array("q"),
        array("q"),
        array("l"),
        array("l"),
        array("q"),
        array("q"),
        array("q"),
        array("h"),
        bytearray(),
        array("l"),
        array("q"),
        array("l"),
        array("l"),
        array("h"),
    )
    n_projects = max(2, tickets // 100)
    creates = sorted(clock.start + int(rand() * (now - clock.start - 21 * DAY)) for _ in range(n_projects))
    project_id, phase_id, task_id = 29685500 + int(rand() * 200), 29686500, 29687500
    day, seq, task_clock = -1, 0, 0
    for index, created in enumerate(creates):
        start = created + int((1 + rand() * 13) * DAY)
        start -= start % DAY
        end = start + pick(durations, rand) * DAY
        company = 0 if rand() < 0.15 else crm.company_at(crm.ticket_companies, rand, created)
        complete = end < now - 7 * DAY and rand() < 0.9
        plan.project_ids.append(project_id)
        project_id += 1 + (rand() < 0.1)
        plan.project_create.append(created)
        plan.project_start.append(start)
        plan.project_end.append(end)
        plan.project_company.append(company)
        plan.project_lead.append(resource_at(leads, rand, created).index)
        plan.project_complete.append(complete)
        n_phases = 2 + int(rand() * 3)
        span = (end - start) // n_phases
        for phase in range(n_phases):
            p_start, p_end = start + phase * span, start + (phase + 1) * span
            plan.phase_ids.append(phase_id)
            plan.phase_project.append(index)
            plan.phase_start.append(p_start)
            plan.phase_end.append(p_end)
            for _ in range(1 + int(rand() * 4)):
                # tasks are entered one after another: a global, non-decreasing clock keeps the
                # daily task-number sequence unique even when projects are created minutes apart
                task_clock = max(task_clock, created) + int(rand() * 10 * MINUTE)
                t_created = task_clock
                if t_created // DAY != day:
                    day, seq = t_created // DAY, 0
                seq += 1
                t_start = p_start + int(rand() * span * 0.5)
                t_start -= t_start % DAY
                t_end = min(p_end, t_start + int((1 + rand() * 10) * DAY))
                plan.task_ids.append(task_id)
                task_id += 1
                plan.task_project.append(index)
                plan.task_phase.append(len(plan.phase_ids) - 1)
                plan.task_create.append(t_created)
                plan.task_start.append(t_start)
                plan.task_end.append(max(t_end, t_start + DAY))
                plan.task_resource.append(resource_at(project_people, rand, t_start).index)
                plan.task_complete.append(complete or (t_end < now and rand() < 0.8))
                plan.task_seq.append(seq)
            phase_id += 1
    effort = stream(seed, "plan/effort")
    plan.task_estimate.extend(float(1 + int(effort() * 24)) for _ in plan.task_ids)
    # mostly near the estimate, a tail of overruns: 0.65 .. 1.6
    plan.project_overrun.extend(0.65 + effort() * effort() * 0.95 + effort() * 0.1 for _ in plan.project_ids)
    sales = org.by_kind({"sales"})
    n_opps = max(3, tickets // 50)
    for created in sorted(clock.start + int(rand() * (now - clock.start - DAY)) for _ in range(n_opps)):
        company = crm.company_at(crm.deal_companies, rand, created, tries=6)
        if company == 0:  # the MSP does not sell to itself: fall back to its oldest customer
            company = min(crm.deal_companies, key=lambda c: crm.company_create[c])
            created = max(created, crm.company_create[company])
        plan.opp_create.append(created)
        plan.opp_company.append(company)
        has_contact = crm.contact_count[company] and crm.contact_create[crm.contact_first[company]] <= created
        plan.opp_contact.append(crm.contact_first[company] if has_contact else -1)
        plan.opp_owner.append(resource_at(sales, rand, created).index)
    return plan


@dataclass
class SeedContext:
    """Everything the lazy record generators share (read-only once built)."""

    seed: int
    clock: Clock
    meta: TenantMetadata
    org: Org
    crm: Crm
    tickets: TicketPlan
    work: WorkPlan
    catalog: Catalog

    def picker(self, entity: str, field: str, weights: dict[str, float] | None = None, **options: Any) -> Picker:
        """A weighted picker over one field's picklist (see :class:`Picker`)."""
        return Picker(self.meta.picklist(entity, field) or [], weights, **options)

    def udf_picker(self, entity: str, name: str, weights: dict[str, float] | None = None) -> Picker:
        """A picker over a list UDF's values (string values)."""
        udf = next(u for u in self.meta.udfs(entity) if u["name"] == name)
        return Picker(udf["picklistValues"] or [], weights, as_int=False)

    def udf_names(self, entity: str) -> list[str]:
        """The entity's UDF names in definition order (records list all of them, unset ones null)."""
        return [u["name"] for u in self.meta.udfs(entity)]
