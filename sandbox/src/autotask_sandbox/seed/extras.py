"""Seed tables added after the first generators: role and queue associations, ticket attachments with
their AttachmentInfo index, company to-dos and time-off balances.

All are small (hundreds of rows at most, whatever the ticket count) and built eagerly from the skeleton,
so they agree with the big tables without reading them:

* ``ResourceServiceDeskRoles`` — every (resource, role) pair of ``ResourceRoleDepartments`` (same default),
  so each role a ticket, task or time entry carries is one its resource holds on the service desk too;
* ``ResourceRoles`` — every department role and queue membership above, as ``Resources/{id}/Roles`` lists them;
* ``ResourceRoleQueues`` — the queues each kind of technician works (every active queue tickets use has
  members; the retired "Legacy Helpdesk" queue has none);
* ``TicketAttachments`` + ``AttachmentInfo`` — files (real, tiny: text, CSV, JSON, a 1x1 PNG) and links on
  a few tickets, attached between the ticket's creation and its last activity; one id sequence, the index
  row under the attachment's id (see :mod:`autotask_sandbox.backend.attachments`);
* ``CompanyToDos`` — sales follow-ups on customers and prospects, past ones completed;
* ``ResourceTimeOffBalances`` — per resource and year, the allowances and what the seeded
  ``TimeOffRequests`` used, planned and left waiting for approval.
"""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Callable

from ..backend.attachments import content_type
from ..tenant.picklists import ATTACHMENT_PARENT_TYPES
from . import work as seed_work
from .core import DAY, HOUR, MINUTE, pick, stream
from .plan_work import SeedContext

ATTACHMENT_BASE = 29730000
# Queues each kind of resource works (labels of the Tickets.queueID picklist).
KIND_QUEUES = {
    "admin": ("Triage", "Post Sale", "Recurring Tickets"),
    "desk": ("Level I Support", "Client Portal", "Triage", "Recurring Tickets"),
    "senior": ("Level II Support", "Level III Support", "Escalations"),
    "onsite": ("Level I Support", "Level II Support"),
    "noc": ("Monitoring Alert", "Level II Support"),
    "pm": ("Projects",),
    "consultant": ("Projects", "Level III Support"),
}
# Time-off request type label -> the balance fields' prefix; annual allowance in hours (Australian NES).
BALANCE_KINDS = {
    "Annual Leave": ("vacationTime", 152.0),
    "Sick Leave": ("sickTime", 76.0),
    "Personal Leave": ("personalTime", 16.0),
    "Floating Holiday": ("floatingHoliday", 7.6),
}
_TODO_TEXTS = (
    "Follow up on the renewal quote",
    "Call about the backup upgrade proposal",
    "Quarterly business review: agenda and reporting pack",
    "Check in after the onboarding project",
    "Send the Microsoft 365 licensing comparison",
    "Book the site survey for the new office",
)


def tables(ctx: SeedContext, role_departments: list[dict]) -> dict[str, list[dict]]:
    """The extra tables by entity tag."""
    attachments, index = ticket_attachments(ctx)
    queues = role_queues(ctx)
    return {
        "ResourceServiceDeskRoles": service_desk_roles(role_departments),
        "ResourceRoleQueues": queues,
        "ResourceRoles": resource_roles(role_departments, queues),
        "TicketAttachments": attachments,
        "AttachmentInfo": index,
        "CompanyToDos": company_todos(ctx),
        "ResourceTimeOffBalances": time_off_balances(ctx),
    }


def service_desk_roles(role_departments: list[dict]) -> list[dict]:
    """One service-desk role per distinct (resource, role) of the department roles."""
    rows: list[dict] = []
    seen = set()
    for rrd in role_departments:
        pair = (rrd["resourceID"], rrd["roleID"])
        if pair in seen:
            continue
        seen.add(pair)
        rows.append(
            {
                "id": 29683700 + len(rows),
                "resourceID": pair[0],
                "roleID": pair[1],
                "isActive": rrd["isActive"],
                "isDefault": rrd["isDefault"],
            }
        )
    return rows


def resource_roles(role_departments: list[dict], role_queues: list[dict]) -> list[dict]:
    """A resource's roles as ``ResourceRoles`` lists them (``Resources/{id}/Roles``): one per department role
    (``ResourceRoleDepartments``: departmentID set), then one per queue membership (``ResourceRoleQueues``:
    queueID set) carrying the resource's default role."""
    rows: list[dict] = []
    default: dict[int, int] = {}
    for rrd in role_departments:
        if rrd["isDefault"] or rrd["resourceID"] not in default:
            default[rrd["resourceID"]] = rrd["roleID"]
        rows.append(
            {
                "id": 29684000 + len(rows),
                "resourceID": rrd["resourceID"],
                "roleID": rrd["roleID"],
                "departmentID": rrd["departmentID"],
                "queueID": None,
                "isActive": rrd["isActive"],
            }
        )
    for membership in role_queues:
        role = default.get(membership["resourceID"])
        if role is None:
            continue  # a resource without a department role holds no role to work a queue in
        rows.append(
            {
                "id": 29684000 + len(rows),
                "resourceID": membership["resourceID"],
                "roleID": role,
                "departmentID": None,
                "queueID": membership["queueID"],
                "isActive": True,
            }
        )
    return rows


def role_queues(ctx: SeedContext) -> list[dict]:
    """Queue memberships by kind of resource (active queues only)."""
    queues = {v["label"]: int(v["value"]) for v in _picklist(ctx, "Tickets", "queueID") if v["isActive"]}
    rows: list[dict] = []
    for person in ctx.org.resources:
        for label in KIND_QUEUES.get(person.kind, ()):
            if label in queues:
                rows.append({"id": 29683850 + len(rows), "resourceID": person.id, "queueID": queues[label]})
    return rows


def ticket_attachments(ctx: SeedContext) -> tuple[list[dict], list[dict]]:
    """(TicketAttachments, AttachmentInfo): files and links on a few tickets, indexed under one id."""
    rand, clock, plan, people = stream(ctx.seed, "TicketAttachments"), ctx.clock, ctx.tickets, ctx.org
    total = len(plan.ids)
    count = max(3, min(300, total // 50))
    # deleted tickets live on only in DeletedTicketLogs: a draw that hits one is dropped
    chosen = sorted({i for i in (int(rand() * total) for _ in range(count)) if not plan.deleted[i]})
    ticket_type = _value(ctx, "TicketAttachments", "parentType", ATTACHMENT_PARENT_TYPES["TicketAttachments"])
    found = []
    for i in chosen:
        start, end = plan.create[i], max(plan.end[i], plan.create[i] + MINUTE)
        when = start + int(rand() * (end - start))
        found.append((when, i))
    found.sort()
    attachments, index = [], []
    for n, (when, i) in enumerate(found):
        tech = plan.resource[i]
        record = {
            "id": ATTACHMENT_BASE + 3 * n + int(rand() * 3),
            "attachDate": clock.dt(when),
            "creatorType": 1,
            "attachedByResourceID": (people.resources[tech] if tech >= 0 else people.resources[0]).id,
            "parentID": plan.ids[i],
            "parentType": ticket_type,
            "ticketID": plan.ids[i],
            "publish": 1 if rand() < 0.8 else 2,
        }
        if plan.contact[i] >= 0 and rand() < 0.25:  # sent in by the customer through the portal
            contact = ctx.crm.contact_id(plan.contact[i])
            record.update(creatorType=2, attachedByResourceID=None, attachedByContactID=contact)
        if rand() < 0.15:
            url = pick(_LINKS, rand).format(n=plan.ids[i])
            record.update(attachmentType="URL", fullPath=url, title=url.rsplit("/", 1)[-1] or "Link")
        else:
            name, make = pick(_FILES, rand)
            payload = make(plan.ids[i], clock.dt(when))
            record.update(
                attachmentType="FILE_ATTACHMENT",
                fullPath=name,
                title=name.rsplit(".", 1)[0].replace("-", " ").capitalize(),
                contentType=content_type(name),
                fileSize=float(len(payload)),
                data=base64.b64encode(payload).decode("ascii"),
            )
        attachments.append(record)
        index.append({k: v for k, v in record.items() if k != "data"})
    return attachments, index


def company_todos(ctx: SeedContext) -> list[dict]:
    """Sales to-dos on customers and prospects; those due before now are completed."""
    rand, clock, crm, org = stream(ctx.seed, "CompanyToDos"), ctx.clock, ctx.crm, ctx.org
    action = ctx.picker("CompanyToDos", "actionType", {"Opportunity Update": 0.5})
    count = max(4, min(2000, len(crm.company_ids) // 2))
    picks = sorted(clock.start + int(rand() * (clock.now - clock.start)) for _ in range(count))
    rows = []
    for n, made in enumerate(picks):
        company = crm.company_at(crm.deal_companies, rand, made, tries=6)
        made = max(made, crm.company_create[company] + HOUR)
        owner = org.resources[crm.company_owner[company]]
        who = owner if owner.works_at(made) else org.resources[0]
        start = made + int((1 + rand() * 20) * DAY)
        start -= start % (30 * MINUTE)
        end = start + (1 + int(rand() * 2)) * 30 * MINUTE
        record = {
            "id": 29698000 + n,
            "companyID": crm.company_ids[company],
            "actionType": action.pick(rand, made < ctx.tickets.cutoff),
            "activityDescription": pick(_TODO_TEXTS, rand),
            "assignedToResourceID": who.id,
            "startDateTime": clock.dt(start),
            "endDateTime": clock.dt(end),
            "createDateTime": clock.dt(made),
            "creatorResourceID": who.id,
            "lastModifiedDate": clock.dt(made),
        }
        first = crm.contact_first[company]
        if crm.contact_count[company] and crm.contact_create[first] <= made:
            record["contactID"] = crm.contact_id(first)
        if end < clock.now and rand() < 0.9:
            done = min(clock.now - MINUTE, end + int(rand() * 2 * DAY))
            record["completedDate"] = record["lastModifiedDate"] = clock.dt(done)
        rows.append(record)
    return rows


def time_off_balances(ctx: SeedContext) -> list[dict]:
    """Per resource and calendar year: allowance, used (approved, taken), planned (approved, ahead),
    waiting approval (pending) and the balance left, per kind of leave."""
    clock = ctx.clock
    types = _picklist(ctx, "TimeOffRequests", "timeOffRequestType")
    kinds = {int(v["value"]): BALANCE_KINDS[v["label"]] for v in types if v["label"] in BALANCE_KINDS}
    status = {v["label"]: int(v["value"]) for v in _picklist(ctx, "TimeOffRequests", "status")}
    now = clock.dt(clock.now)
    totals: dict[tuple[int, int, str, str], float] = {}
    for request in seed_work.time_off_requests(ctx):
        kind = kinds.get(request["timeOffRequestType"])
        if kind is None:
            continue
        year = int(request["requestDate"][:4])
        if request["status"] == status["Approved"]:
            bucket = "Used" if request["requestDate"] < now else "Planned"
        elif request["status"] == status["Pending"]:
            bucket = "WaitingApproval"
        else:
            continue
        key = (request["resourceID"], year, kind[0], bucket)
        totals[key] = totals.get(key, 0.0) + request["hours"]
    this_year = int(now[:4])
    rows: list[dict] = []
    for person in ctx.org.resources:
        first = max(int(clock.dt(person.hire_ms)[:4]), int(clock.dt(clock.start)[:4]))
        last = this_year if person.end_ms is None else int(clock.dt(person.end_ms)[:4])
        for year in range(first, last + 1):
            record: dict = {"id": 29697500 + len(rows), "resourceID": person.id, "year": year}
            for prefix, allowance in BALANCE_KINDS.values():
                used, planned, waiting = (
                    round(totals.get((person.id, year, prefix, bucket), 0.0), 2)
                    for bucket in ("Used", "Planned", "WaitingApproval")
                )
                record.update(
                    {
                        f"{prefix}AnnualAllowance": allowance,
                        f"{prefix}Used": used,
                        f"{prefix}Planned": planned,
                        f"{prefix}WaitingApproval": waiting,
                        f"{prefix}Balance": round(allowance - used - planned, 2),
                    }
                )
            rows.append(record)
    return rows


def _picklist(ctx: SeedContext, entity: str, field: str) -> list[dict]:
    return list(ctx.meta.picklist(entity, field) or ())


def _value(ctx: SeedContext, entity: str, field: str, label: str) -> int:
    return next(int(v["value"]) for v in _picklist(ctx, entity, field) if v["label"] == label)


# ---------------------------------------------------------------------------------------- file contents
def _png_1x1() -> bytes:
    """A real 1x1 white PNG (signature, IHDR, IDAT, IEND with CRCs)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\xff\xff")  # filter byte 0, one white pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


_PNG = _png_1x1()


def _log(ticket: int, stamp: str) -> bytes:
    return (
        f"{stamp} ERROR Service 'Spooler' terminated unexpectedly (ticket {ticket})\r\n"
        f"{stamp} WARN  Restart attempt 1 of 3\r\n{stamp} INFO  Service 'Spooler' running\r\n"
    ).encode()


def _csv(ticket: int, stamp: str) -> bytes:
    rows = (
        "device,serial,status",
        f"WKS-{ticket % 97:02d},SN{ticket:08d},offline",
        f"PRN-01,SN{ticket % 9973:04d},ok",
    )
    return ("\r\n".join(rows) + "\r\n").encode()


def _json(ticket: int, stamp: str) -> bytes:
    checks = '{"disk": "ok", "backup": "failed"}'
    return f'{{"ticket": {ticket}, "exported": "{stamp}", "checks": {checks}}}'.encode()


def _txt(ticket: int, stamp: str) -> bytes:
    steps = ("1. Open Outlook", "2. Send to the shared mailbox", "3. The message stays in the Outbox")
    return (f"Steps to reproduce (ticket {ticket}, {stamp[:10]}):\r\n" + "\r\n".join(steps) + "\r\n").encode()


_FILES: tuple[tuple[str, Callable[[int, str], bytes]], ...] = (
    ("event-log.log", _log),
    ("asset-export.csv", _csv),
    ("health-check.json", _json),
    ("repro-steps.txt", _txt),
    ("screenshot.png", lambda ticket, stamp: _PNG),
)
_LINKS = (
    "https://sharepoint.example.com/sites/service/Shared%20Documents/T{n}",
    "https://status.example.com/incidents/{n}",
)
