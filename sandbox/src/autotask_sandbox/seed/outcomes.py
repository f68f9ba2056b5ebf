"""Lazy seed records that follow from tickets and tasks: SLA results, surveys and the deletion logs.

Like the service-desk tables they read only the skeleton, so an SLA result's elapsed hours and a
deletion log's ticket number agree with the ticket (or the gap where a deleted ticket used to be).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .core import DAY, HOUR, pick, stream
from .plan_work import SeedContext
from .service import first_response
from .text import TITLES

SLA_RESULT_COLUMNS = (
    "id", "ticketID", "serviceLevelAgreementName", "firstResponseElapsedHours", "firstResponseResourceID",
    "firstResponseInitiatingResourceID", "isFirstResponseMet", "resolutionPlanElapsedHours",
    "resolutionPlanResourceID", "isResolutionPlanMet", "resolutionElapsedHours", "resolutionResourceID",
    "isResolutionMet",
)  # fmt: skip


def sla_results(ctx: SeedContext) -> Iterator[tuple]:
    """One ServiceLevelAgreementResults row (``SLA_RESULT_COLUMNS``) per completed ticket with an SLA."""
    plan, people = ctx.tickets, ctx.org.resources
    names = {
        int(v["value"]): v["label"] for v in ctx.meta.picklist("Tickets", "serviceLevelAgreementID") or []
    }
    next_id = 29_900_000
    shared: dict[Any, Any] = {}
    share = shared.setdefault
    for i in range(len(plan.ids)):
        sla, res = plan.sla[i], plan.resource[i]
        if not sla or not plan.complete[i] or plan.deleted[i]:
            continue
        tech = people[res].id
        response = first_response(plan, i)
        elapsed = plan.end[i] - plan.create[i]
        met = bool(plan.sla_met[i])
        first, planned, resolved = (
            round(response / HOUR, 2),
            round(min(elapsed, response * 2) / HOUR, 2),
            round(elapsed / HOUR, 2),
        )
        # Elapsed hours repeat a lot: one shared float per distinct value
        first, planned, resolved = share(first, first), share(planned, planned), share(resolved, resolved)
        yield (
            next_id, plan.ids[i], names[sla], first, tech, tech, response <= 2 * HOUR,
            planned, tech, met, resolved, tech, met,
        )  # fmt: skip
        next_id += 1


def survey_results(ctx: SeedContext) -> Iterator[dict]:
    """Closure surveys answered by about 6 % of customers whose ticket was completed."""
    rand, clock, plan, crm = stream(ctx.seed, "SurveyResults"), ctx.clock, ctx.tickets, ctx.crm
    survey = ctx.catalog.survey_ids[0]
    next_id = 29_950_000
    for i in range(len(plan.ids)):
        contact = plan.contact[i]
        if contact < 0 or not plan.complete[i] or plan.deleted[i] or rand() >= 0.06:
            continue
        sent = plan.end[i] + HOUR
        if sent >= clock.now:
            continue
        done = min(clock.now, sent + int(rand() * 3 * DAY))
        # customers whose ticket missed its SLA are less often happy
        score = 3 + int(rand() * 3) if rand() < (0.94 if plan.sla_met[i] else 0.6) else 1 + int(rand() * 2)
        yield {
            "id": next_id,
            "surveyID": survey,
            "ticketID": plan.ids[i],
            "companyID": crm.company_ids[plan.company[i]],
            "contactID": crm.contact_id(contact),
            "sendDate": clock.dt(sent),
            "completeDate": clock.dt(done),
            "surveyRating": float(score),
            "companyRating": float(score),
            "contactRating": float(score),
            "resourceRating": float(min(5, score + (rand() < 0.3))),
        }
        next_id += 1


def deleted_ticket_logs(ctx: SeedContext) -> Iterator[dict]:
    """The tickets the plan deleted (their ids are gaps in Tickets; ticketID deliberately dangles)."""
    rand, clock, plan, people = (
        stream(ctx.seed, "DeletedTicketLogs"),
        ctx.clock,
        ctx.tickets,
        ctx.org.resources,
    )
    labels = list(TITLES)
    next_id = 500
    for i in range(len(plan.ids)):
        if not plan.deleted[i]:
            continue
        t = plan.create[i]
        yield {
            "id": next_id,
            "ticketID": plan.ids[i],
            "ticketNumber": clock.ticket_number(t, plan.seq[i]),
            "ticketTitle": pick(TITLES[pick(labels, rand)], rand),
            "deletedByResourceID": people[0].id,
            "deletedDateTime": clock.dt(min(clock.now, t + int(rand() * 2 * DAY))),
        }
        next_id += 1 + int(rand() * 5)


def deleted_ticket_activity_logs(ctx: SeedContext) -> list[dict]:
    """A few notes and time entries deleted from tickets that still exist."""
    rand, clock, plan, people = (
        stream(ctx.seed, "DeletedTicketActivityLogs"),
        ctx.clock,
        ctx.tickets,
        ctx.org.resources,
    )
    kinds = ctx.picker("DeletedTicketActivityLogs", "typeID")
    rows, wanted = [], max(3, len(plan.ids) // 1000)
    candidates = [
        i
        for i in range(0, len(plan.ids), max(1, len(plan.ids) // (4 * wanted)))
        if plan.resource[i] >= 0 and not plan.deleted[i]
    ]
    for n, i in enumerate(sorted({pick(candidates, rand) for _ in range(wanted)})):
        t, end = plan.create[i], plan.end[i]
        at = t + int(rand() * (end - t))
        tech = people[plan.resource[i]].id
        row = {
            "id": 700 + 3 * n,
            "ticketID": plan.ids[i],
            "ticketNumber": clock.ticket_number(t, plan.seq[i]),
            "createdByResourceID": tech,
            "activityDateTime": clock.dt(at),
            "deletedByResourceID": tech,
            "deletedDateTime": clock.dt(min(clock.now, at + int(rand() * DAY))),
        }
        if n % 2:
            row.update(
                typeID=kinds.value("Time Entry"),
                startDateTime=clock.dt(at),
                endDateTime=clock.dt(at + HOUR),
                hoursWorked=1.0,
            )
        else:
            row.update(typeID=kinds.value("Note"), noteOrAttachmentTitle="Duplicate note")
        rows.append(row)
    return rows


def deleted_task_activity_logs(ctx: SeedContext) -> list[dict]:
    """A few time entries deleted from project tasks."""
    rand, clock, work, people = (
        stream(ctx.seed, "DeletedTaskActivityLogs"),
        ctx.clock,
        ctx.work,
        ctx.org.resources,
    )
    kinds = ctx.picker("DeletedTaskActivityLogs", "typeID")
    rows, wanted = [], max(3, len(work.task_ids) // 100)
    for n, k in enumerate(sorted({int(rand() * len(work.task_ids)) for _ in range(wanted)})):
        at = min(clock.now - DAY, work.task_start[k] + 23 * HOUR)
        tech = people[work.task_resource[k]].id
        rows.append(
            {
                "id": 900 + 2 * n,
                "taskID": work.task_ids[k],
                "typeID": kinds.value("Time Entry"),
                "taskNumber": clock.ticket_number(work.task_create[k], work.task_seq[k]),
                "createdByResourceID": tech,
                "activityDateTime": clock.dt(at),
                "startDateTime": clock.dt(at),
                "endDateTime": clock.dt(at + 2 * HOUR),
                "hoursWorked": 2.0,
                "deletedByResourceID": tech,
                "deletedDateTime": clock.dt(min(clock.now, at + 3 * HOUR)),
            }
        )
    return rows
