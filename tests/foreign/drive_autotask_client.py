"""Drive ``autotask-client`` 0.3.1 (PyPI, async, hyamie/autotask-client) against the sandbox, unchanged.

How it talks (read from site-packages/autotask/client.py): headers ``UserName``/``Secret``/
``ApiIntegrationCode``; zone discovery GETs a hard-coded ``https://webservices.autotask.net/atservicesrest/
v1.0/zoneInformation`` and accepts only an ``https://webservicesN.autotask.net`` answer; queries are
always ``POST {Entity}/query`` with ``{"filter": [...]}`` and page by re-querying with ``id gt <last id>``
until a page has fewer than 500 items (it never reads ``nextPageUrl``); child writes go to
``{Parent}/{id}/{_entity_type}``; errors are ``resp.text`` inside the exception message.

Monkeypatches (the client's own constants, nothing else): the discovery URL → the proxy, the allowed-host
pattern and the scheme seen by its https check → the loopback proxy, the zone cache file → a temp dir.
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlparse

import autotask
import autotask.client as atc
from autotask.client import AutotaskClient
from autotask.config import AutotaskConfig
from autotask.entities.manager import EntityManager
from autotask.exceptions import AutotaskAPIError, AutotaskNotFoundError
from autotask.models import Company, Ticket, TicketNote, TimeEntry
from autotask.query import Q
from foreign_common import Env, Oracle, Report

ALL = [{"op": "gte", "field": "id", "value": 0}]
NO_RECORD = "No matching records found"


def patch_zone_discovery(env: Env, cache_dir: Path) -> None:
    """Point the client's hard-coded discovery at the proxy (its https/host guard included)."""
    atc.ZONE_DISCOVERY_URL = f"{env.origin}/atservicesrest/v1.0/zoneInformation"
    atc._ALLOWED_ZONE_HOSTS = re.compile(re.escape(env.host) + "$")
    atc._ZONE_CACHE_PATH = cache_dir / "zone.json"

    def https_urlparse(url: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        parsed = urlparse(url, *args, **kwargs)
        return parsed._replace(scheme="https") if url.startswith(env.origin) else parsed

    atc.urlparse = https_urlparse


async def main() -> int:
    env = Env()
    rep = Report("autotask-client", env)
    oracle = Oracle(env)
    fx = oracle.fixtures()
    tag = uuid.uuid4().hex[:8]
    state: dict = {}

    def readme_import() -> tuple[str, str]:
        exported = all(hasattr(autotask, n) for n in ("AutotaskClient", "AutotaskConfig", "EntityManager"))
        return ("PASS" if exported else "CLIENT"), (
            "README's `from autotask import AutotaskClient, AutotaskConfig, EntityManager` "
            + ("works" if exported else "raises ImportError (empty autotask/__init__.py); driver imports submodules"))

    rep.step("package import as documented", readme_import)
    patch_zone_discovery(env, Path(tempfile.mkdtemp(prefix="atc-zone-")))
    config = AutotaskConfig(username=env.username, secret=env.secret, integration_code=env.integration_code)
    client = AutotaskClient(config)
    em = EntityManager(client)

    async def zone() -> tuple[str, str]:
        await client.connect()
        want = env.root.rstrip("/") + "/v1.0"
        ok = client.base_url == want
        return ("PASS" if ok else "FAIL"), f"base_url={client.base_url} (expected {want})"

    await rep.astep("zone detection (zoneInformation → url)", zone)
    if client._http is None:
        return rep.finish()

    async def entity_info() -> tuple[str, str]:
        info = (await em.entity_info(Ticket))["info"]
        ok = info["canQuery"] and info["canCreate"] and not info["canDelete"] and info["userAccessForQuery"] == 1
        return ("PASS" if ok else "FAIL"), f"info={info}"

    await rep.astep("entityInformation Tickets", entity_info)

    async def picklist() -> tuple[str, str]:
        got = await em.resolve_picklist(Ticket, "status")
        want = {int(v): label for v, label in oracle.picklist("Tickets", "status", active_only=False).items()}
        state["statuses"] = got
        return ("PASS" if got == want and got else "FAIL"), f"{len(got)} status values, e.g. {list(got.items())[:3]}"

    await rep.astep("entityInformation/fields picklist (resolve_picklist status)", picklist)

    async def query_all() -> tuple[str, str]:
        tickets = await em.query(Ticket, Q(id__gte=0))
        ids = [t.id for t in tickets]
        pages = sum(1 for ex in rep.exchanges() if ex["path"].lower().endswith("/tickets/query"))
        want = oracle.count("Tickets", ALL)
        dupes = len(ids) - len(set(ids))
        ok = len(ids) == want and not dupes and set(ids) == set(oracle.ids("Tickets", ALL)) and pages >= 3
        state["ticket_ids"] = ids
        return ("PASS" if ok else "FAIL"), f"{len(ids)} tickets in {pages} requests, {dupes} duplicates, count={want}"

    await rep.astep("query all Tickets (id-cursor paging, POST)", query_all)

    async def query_no_filter() -> tuple[str, str]:
        try:
            tickets = await em.query(Ticket, max_records=10)
            return "NOTE", f"empty filter accepted, {len(tickets)} tickets"
        except AutotaskAPIError as exc:
            return "NOTE", f"empty filter refused: {exc}"

    await rep.astep("query with no filter (CLI `autotask tickets list`) sends {\"filter\": []}", query_no_filter)

    async def count() -> tuple[str, str]:
        got = (await client.post("Tickets/query/count", json={"filter": ALL}))["queryCount"]
        want = len(state.get("ticket_ids", [])) or oracle.count("Tickets", ALL)
        return ("PASS" if got == want else "FAIL"), f"queryCount={got}, query returned {want}"

    await rep.astep("count (raw POST query/count)", count)

    async def get_one() -> tuple[str, str]:
        ticket = await em.get(Ticket, fx["ticket"])
        want = oracle.get("Tickets", fx["ticket"])
        ok = (ticket.id == want["id"] and ticket.title == want["title"] and ticket.status == want["status"]
              and ticket.createDate is not None and ticket.model_extra.get("userDefinedFields") is not None)
        return ("PASS" if ok else "FAIL"), f"Ticket {ticket.id} {ticket.ticketNumber} created {ticket.createDate}"

    await rep.astep("get Ticket by id (typed model)", get_one)

    async def get_missing() -> tuple[str, str]:
        try:
            await em.get(Ticket, 2_000_000_000)
            return "FAIL", "no error for a missing id"
        except AutotaskNotFoundError:
            status = rep.last().get("status")
            return ("PASS" if status == 404 else "FAIL"), f"AutotaskNotFoundError (HTTP {status})"

    await rep.astep("get missing Ticket → not found", get_missing)

    async def concurrent_gets() -> tuple[str, str]:
        ids = state.get("ticket_ids", [fx["ticket"]])[:12]
        got = await asyncio.gather(*(em.get(Ticket, i) for i in ids), return_exceptions=True)
        errors = [g for g in got if isinstance(g, BaseException)]
        statuses = sorted({ex.get("status") for ex in rep.exchanges()})
        return ("PASS" if not errors else "FAIL"), (f"{len(ids)} GETs through the client's Semaphore(3): "
                                                    f"{len(errors)} errors, statuses {statuses}")

    await rep.astep("12 concurrent gets (client caps itself at 3 in flight; thread limit is 3)", concurrent_gets)

    async def lowercase_base() -> tuple[str, str]:
        other = AutotaskClient(AutotaskConfig(env.username, env.secret, env.integration_code, api_url=env.origin))
        async with other:
            item = (await other.get(f"Tickets/{fx['ticket']}"))["item"]
        return ("PASS" if item["id"] == fx["ticket"] else "FAIL"), f"api_url={env.origin} → {other._base_url}"

    await rep.astep("explicit api_url (lower-case /atservicesrest/v1.0 path)", lowercase_base)

    async def create_company() -> tuple[str, str]:
        company = await em.create(Company(companyName=f"Foreign ATC {tag}", companyType=1,
                                          ownerResourceID=fx["resource"], phone="555-0100"))
        state["company"] = company.id
        ok = company.id and company.companyName == f"Foreign ATC {tag}" and company.isActive is True
        nulls = sorted(k for k, v in company.model_dump().items() if k.startswith("is") and v is None)
        return ("PASS" if ok else "FAIL"), (
            f"Company {company.id} isActive={company.isActive}; boolean-looking fields null: {nulls}")

    await rep.astep("create Company (POST, then GET itemId)", create_company)

    async def create_contact() -> tuple[str, str]:
        cid = state.get("company", fx["company"])
        body = {"firstName": "Ada", "lastName": f"Foreign{tag}", "isActive": 1, "emailAddress": f"ada.{tag}@example.com"}
        item_id = (await client.post(f"Companies/{cid}/Contacts", json=body))["itemId"]
        contact = await em.get("Contacts", item_id)
        ok = contact["companyID"] == cid and contact["lastName"] == f"Foreign{tag}"
        state["contact"] = item_id
        return ("PASS" if ok else "FAIL"), f"Contact {item_id} companyID={contact['companyID']}"

    await rep.astep("create Contact via Companies/{id}/Contacts (raw post)", create_contact)

    priorities = oracle.picklist("Tickets", "priority")
    priority = int(next(iter(priorities)))

    async def create_ticket() -> tuple[str, str]:
        due = datetime.now(timezone.utc) + timedelta(days=2)
        ticket = await em.create(Ticket(title=f"Foreign ATC ticket {tag}", companyID=state.get("company", fx["company"]),
                                        status=1, priority=priority, dueDateTime=due))
        state["ticket"] = ticket.id
        ok = (ticket.id and ticket.status == 1 and re.fullmatch(r"T\d{8}\.\d{4}", ticket.ticketNumber or "")
              and ticket.createDate is not None)
        return ("PASS" if ok else "FAIL"), f"Ticket {ticket.id} {ticket.ticketNumber} createDate={ticket.createDate}"

    await rep.astep("create Ticket (typed model)", create_ticket)
    tid = state.get("ticket", fx["ticket"])
    note_types = oracle.picklist("TicketNotes", "noteType")
    publish = oracle.picklist("TicketNotes", "publish")
    note = TicketNote(ticketID=tid, title="Foreign note", description=f"note {tag}",
                      noteType=int(next(iter(note_types))), publish=int(next(iter(publish))))

    async def note_via_model() -> tuple[str, str]:
        try:
            await em.create(note)
            return "FAIL", "POST Tickets/{id}/TicketNotes succeeded; Autotask has no such route"
        except AutotaskNotFoundError:
            last = rep.last()
            ok = last.get("status") == 404 and "<html" in (last.get("response_body") or "").lower()
            return ("CLIENT" if ok else "FAIL"), (
                "client posts to Tickets/{id}/TicketNotes (child segment is Notes); sandbox: "
                f"HTTP {last.get('status')} {'HTML' if ok else 'non-HTML'} 404 as Autotask (docs/autotask-facts.md#writes)")

    await rep.astep("create TicketNote via TicketNote model (client's child path)", note_via_model)

    async def note_raw() -> tuple[str, str]:
        item_id = (await client.post(f"Tickets/{tid}/Notes", json=note.for_create()))["itemId"]
        fetched = await em.get("TicketNotes", item_id)  # a typed TicketNote (the registry maps the name)
        ok = fetched.ticketID == tid and fetched.description == f"note {tag}"
        return ("PASS" if ok else "FAIL"), f"TicketNote {item_id} on ticket {fetched.ticketID}"

    await rep.astep("create TicketNote via Tickets/{id}/Notes (raw post)", note_raw)

    async def patch_ticket() -> tuple[str, str]:
        before = oracle.get("Tickets", tid)
        new_status = next(s for s in state.get("statuses", {8: ""}) if s not in (before["status"], 5))
        await em.update(Ticket(id=tid, status=new_status))
        after = oracle.get("Tickets", tid)
        ok = after["status"] == new_status and after["title"] == before["title"]
        return ("PASS" if ok else "FAIL"), f"status {before['status']} → {after['status']}, title kept={after['title'] == before['title']}"

    await rep.astep("update Ticket (PATCH collection, id in body)", patch_ticket)

    worked = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=2)

    def time_entry(**extra) -> TimeEntry:  # type: ignore[no-untyped-def]
        return TimeEntry(ticketID=tid, resourceID=fx["resource"], dateWorked=worked, startDateTime=worked,
                         endDateTime=worked + timedelta(hours=1), hoursWorked=1.0, summaryNotes=f"foreign {tag}",
                         **extra)

    async def delete_time_entry() -> tuple[str, str]:
        entry = await em.create(time_entry(roleID=fx["role"]))
        await em.delete(TimeEntry, entry.id)
        gone = oracle.get("TimeEntries", entry.id) is None
        state["deleted_entry"] = entry.id
        return ("PASS" if gone else "FAIL"), f"TimeEntry {entry.id} created and deleted, gone={gone}"

    await rep.astep("create + delete TimeEntry", delete_time_entry)

    async def time_entry_without_role() -> tuple[str, str]:
        try:
            entry = await em.create(time_entry())
            return "FAIL", (f"ticket TimeEntry without roleID accepted (id {entry.id}); live Autotask answers "
                            "500 'TimeEntries for Tickets must have a roleID'")
        except AutotaskAPIError as exc:
            ok = exc.status_code == 500 and "roleid" in (exc.response_body or "").lower()
            return ("PASS" if ok else "FAIL"), f"HTTP {exc.status_code}: {(exc.response_body or '')[:200]}"

    await rep.astep("validation error: ticket TimeEntry without roleID", time_entry_without_role)

    async def time_entry_without_hours() -> tuple[str, str]:
        bare = TimeEntry(ticketID=tid, resourceID=fx["resource"], roleID=fx["role"], dateWorked=worked,
                         summaryNotes=f"no hours {tag}")
        try:
            entry = await em.create(bare)
            return "FAIL", (f"accepted (id {entry.id}); live Autotask answers 500 'Must have at least one of "
                            "hoursWorked or startDateTime/endDateTime'")
        except AutotaskAPIError as exc:
            return ("PASS" if exc.status_code == 500 else "FAIL"), f"HTTP {exc.status_code}: {(exc.response_body or '')[:200]}"

    await rep.astep("validation error: TimeEntry without hoursWorked and without start/end", time_entry_without_hours)

    async def time_entry_foreign_role() -> tuple[str, str]:
        _, held = oracle.request("POST", "ResourceRoleDepartments/query", {
            "filter": [{"op": "eq", "field": "resourceID", "value": fx["resource"]}], "includeFields": ["roleID"]})
        _, roles = oracle.request("POST", "Roles/query", {"filter": [{"op": "gte", "field": "id", "value": 0}],
                                                           "includeFields": ["id"]})
        other = next(r["id"] for r in roles["items"] if r["id"] not in {h["roleID"] for h in held["items"]})
        try:
            entry = await em.create(time_entry(roleID=other))
            return "FAIL", (f"role {other}, which resource {fx['resource']} does not hold, accepted (id {entry.id}); "
                            "live Autotask answers 500 'The specified AssignedResourceID and AssignedRoleID "
                            "combination is not currently defined'")
        except AutotaskAPIError as exc:
            return ("PASS" if exc.status_code == 500 else "FAIL"), f"HTTP {exc.status_code}: {(exc.response_body or '')[:200]}"

    await rep.astep("validation error: TimeEntry with a role the resource does not hold", time_entry_foreign_role)

    async def delete_again() -> tuple[str, str]:
        try:
            await em.delete(TimeEntry, state.get("deleted_entry", 2_000_000_000))
            return "FAIL", "second delete succeeded"
        except AutotaskAPIError as exc:
            ok = exc.status_code == 500 and NO_RECORD in (exc.response_body or "")
            return ("PASS" if ok else "FAIL"), f"{exc}"

    await rep.astep("delete the same TimeEntry again → 500 No matching records", delete_again)

    async def validation() -> tuple[str, str]:
        try:
            await em.create(Ticket(title="Foreign: missing required fields"))
            return "FAIL", "create without companyID/status/priority/dueDateTime succeeded"
        except AutotaskAPIError as exc:
            body = exc.response_body or ""
            ok = exc.status_code == 500 and body.startswith('{"errors":[') and "companyid" in body.lower()
            return ("PASS" if ok else "FAIL"), f"HTTP {exc.status_code}: {body[:300]}"

    await rep.astep("validation error: Ticket without required fields", validation)

    async def bad_picklist() -> tuple[str, str]:
        try:
            await em.create(Ticket(title="Foreign: bad priority", companyID=fx["company"], status=1, priority=9999,
                                   dueDateTime=datetime.now(timezone.utc) + timedelta(days=1)))
            return "FAIL", "priority 9999 accepted"
        except AutotaskAPIError as exc:
            body = exc.response_body or ""
            ok = exc.status_code == 500 and "priority" in body.lower()
            return ("PASS" if ok else "FAIL"), f"HTTP {exc.status_code}: {body[:300]}"

    await rep.astep("validation error: Ticket with a priority not in the picklist", bad_picklist)

    async def child_query() -> tuple[str, str]:
        try:
            await em.query(TicketNote, Q(id__gte=0), parent_id=tid)
            return "FAIL", "POST Tickets/{id}/TicketNotes/query succeeded; Autotask has no such route"
        except AutotaskNotFoundError:
            status = rep.last().get("status")
            return ("CLIENT" if status == 404 else "FAIL"), (
                f"client queries Tickets/{{id}}/TicketNotes/query (no such route); sandbox HTTP {status}")

    await rep.astep("query TicketNotes via parent (client's child query path)", child_query)

    async def whoami() -> tuple[str, str]:
        try:
            me = await em.whoami()
            return "NOTE", f"whoami → Resource {me.id} (matched email = API username)"
        except AutotaskNotFoundError as exc:
            return "NOTE", f"{exc} — the API user's Resource email differs from its username"

    await rep.astep("whoami (Resources where email = API username)", whoami)
    await client.close()
    return rep.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
