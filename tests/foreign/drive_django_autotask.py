"""Drive ``django-autotask`` 1.20.0's REST client (``djautotask/api.py``) against the sandbox, unchanged.

Only ``djautotask.api`` is used, so a bare ``settings.configure()`` (no project, no database) is enough.

How it talks (djautotask/api.py, sync.py): zone discovery GETs ``{AUTOTASK_SERVER_URL}v1.0/zoneInformation
?user=`` without auth headers; every entity URL is ``{zone url}v1.0/{Entity}/`` — with a *trailing slash*
(``…/Companies/`` for create, ``…/Tickets/`` for PATCH, ``…/entityInformation/fields/``), and two
clients build ``//`` paths (``CompanyAlerts``, attachments); queries are ``GET …/query?search=<unencoded
JSON>`` (requests encodes it) or ``POST …/query`` for clients with IN lists, with ``MaxRecords`` as the
page-size key; paging follows ``pageDetails.nextPageUrl`` with the *same method and the same body*;
errors are read from ``{"errors": [...]}``; a delete of a missing record is recognised by Autotask's
"No matching records found" 500 message. A condition value that is falsy (``0``) is dropped by the
client (``if self.value:``), so the drivers use ``exist`` where a ``gte 0`` would be natural.
"""

from __future__ import annotations

import io
import sys
import uuid
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from types import SimpleNamespace

import django
from django.conf import settings
from foreign_common import Env, Oracle, Report

ENV = Env()
settings.configure(
    AUTOTASK_SERVER_URL=f"{ENV.origin}/atservicesrest/",
    AUTOTASK_CREDENTIALS={"username": ENV.username, "password": ENV.secret,
                          "integration_code": ENV.integration_code, "rest_api_version": "1.0"},
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    INSTALLED_APPS=[], USE_TZ=True, LOGGING_CONFIG=None,
)
django.setup()

from djautotask import api  # noqa: E402 - needs the settings above
from djautotask.api import ApiCondition as A  # noqa: E402


class CompanyContactsAPIClient(api.ChildAPIMixin, api.AutotaskAPIClient):
    """What a django-autotask user writes for Companies/{id}/Contacts (the library ships no such class)."""

    API = "Contacts"
    PARENT_API = "Companies"
    CHILD_API = "Contacts"


def fetch_all(client: api.AutotaskAPIClient, **kwargs) -> tuple[list[dict], int]:  # type: ignore[no-untyped-def]
    """The loop of djautotask.sync.Synchronizer.fetch_records: follow nextPageUrl until it is null."""
    items: list[dict] = []
    next_url, pages = None, 0
    while True:
        page = client.get(next_url, **kwargs) if next_url is None else client.get(next_url)
        pages += 1
        items += page["items"]
        next_url = page["pageDetails"]["nextPageUrl"]
        if not next_url:
            return items, pages


def main() -> int:
    env = ENV
    rep = Report("django-autotask", env)
    oracle = Oracle(env)
    fx = oracle.fixtures()
    tag = uuid.uuid4().hex[:8]
    state: dict = {}
    no_id = SimpleNamespace(id=None)

    def zone() -> tuple[str, str]:
        url = api.get_api_connection_url(env.username, force_fetch=True)
        return ("PASS" if url == env.root else "FAIL"), f"url={url}"

    rep.step("zone detection (get_api_connection_url)", zone)

    def zone_unknown_user() -> tuple[str, str]:
        try:
            api.get_zone_info("nobody@example.com")
            return "FAIL", "an unknown user got a zone"
        except api.AutotaskAPIError as exc:
            body = rep.last().get("response_body", "")
            ok = rep.last().get("status") == 500 and "Zone information could not be determined" in body
            return ("PASS" if ok else "FAIL"), (f"{exc} — live Autotask: 500 "
                                                '{"errors":["Zone information could not be determined"]}')

    rep.step("zone info for an unknown user → 500 JSON", zone_unknown_user)

    def sync_tickets() -> tuple[str, str]:
        since = (datetime.now(dt_timezone.utc) - timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        client = api.TicketsAPIClient()
        client.add_condition(A(A(op="gt", field="completedDate", value=since),
                               A(op="noteq", field="status", value=5), op="or"))
        items, pages = fetch_all(client, page_size=20)
        ids = [i["id"] for i in items]
        want = oracle.ids("Tickets", [{"op": "or", "items": [
            {"op": "gt", "field": "completedDate", "value": since}, {"op": "noteq", "field": "status", "value": 5}]}])
        ok = sorted(ids) == sorted(want) and len(set(ids)) == len(ids)
        return ("PASS" if ok else "FAIL"), f"{len(ids)} open/recent tickets in {pages} GET pages (oracle {len(want)})"

    rep.step("TicketSynchronizer condition (or: completedDate gt …%fZ, status noteq 5), GET paging", sync_tickets)

    def all_tickets_get() -> tuple[str, str]:
        client = api.TicketsAPIClient()
        client.add_condition(A(op="exist", field="id"))
        items, pages = fetch_all(client)
        ids = [i["id"] for i in items]
        want = oracle.count("Tickets", [{"op": "exist", "field": "id"}])
        ok = len(ids) == want == len(set(ids)) and pages >= 3
        return ("PASS" if ok else "FAIL"), f"{len(ids)} tickets in {pages} GET pages, {len(ids) - len(set(ids))} dupes, count {want}"

    rep.step("all Tickets via GET query + GET nextPageUrl", all_tickets_get)

    def time_entries_post() -> tuple[str, str]:
        client = api.TimeEntriesAPIClient()
        client.add_condition(A(op="exist", field="ticketID"))
        items, pages = fetch_all(client)
        ids = [i["id"] for i in items]
        want = oracle.ids("TimeEntries", [{"op": "exist", "field": "ticketID"}])
        ok = sorted(ids) == sorted(want) and len(set(ids)) == len(ids)
        posts = sum(1 for ex in rep.exchanges() if ex["method"] == "POST")
        return ("PASS" if ok else "FAIL"), f"{len(ids)} time entries in {pages} POST pages ({posts} POSTs), oracle {len(want)}"

    rep.step("all ticket TimeEntries via POST query + POST nextPageUrl (same body)", time_entries_post)

    def count() -> tuple[str, str]:
        client = api.TicketsAPIClient()
        client.add_condition(A(op="exist", field="id"))
        got = client.count(None, record_count=True)["queryCount"]
        want = oracle.count("Tickets", [{"op": "exist", "field": "id"}])
        return ("PASS" if got == want else "FAIL"), f"queryCount={got} (GET query/count?search=), oracle {want}"

    rep.step("count via GET query/count?search=", count)

    def contacts_sync() -> tuple[str, str]:
        client = api.ContactsAPIClient()
        client.add_condition(A(op="eq", field="isActive", value="true"))
        try:
            items, pages = fetch_all(client)
            return "PASS", f"{len(items)} active contacts in {pages} pages"
        except api.AutotaskAPIError as exc:
            return "FAIL", (f"{type(exc).__name__}: {exc} — ContactSynchronizer sends this condition on every "
                            "sync of a production library; the sandbox rejects 'true' for the integer isActive")

    rep.step("ContactSynchronizer condition isActive eq 'true' (Contacts.isActive is an integer)", contacts_sync)

    def get_single() -> tuple[str, str]:
        item = api.TicketsAPIClient().get_single(fx["ticket"])["item"]
        ok = item == oracle.get("Tickets", fx["ticket"])
        return ("PASS" if ok else "FAIL"), f"Ticket {item['id']} equal to the oracle's: {ok}"

    rep.step("get_single", get_single)

    def picklists() -> tuple[str, str]:
        fields = api.TicketPicklistAPIClient().get(None)["fields"]
        status = next(f for f in fields if f["name"] == "status")
        values = {p["value"] for p in status["picklistValues"]}
        ok = values == set(oracle.picklist("Tickets", "status", active_only=False))
        return ("PASS" if ok else "FAIL"), f"GET …/Tickets/entityInformation/fields/ → {len(fields)} fields, {len(values)} statuses"

    rep.step("picklists (entityInformation/fields/ with trailing slash)", picklists)

    def udfs() -> tuple[str, str]:
        client = api.TicketsUDFAPIClient()
        fields = client.get(client.get_api_url())["fields"]
        keys = {"name", "label", "type", "isPickList", "picklistValues"}
        ok = bool(fields) and all(keys <= set(f) for f in fields)
        picklists = [f for f in fields if f["isPickList"]]
        entry_keys = {"value", "label", "isDefaultValue", "sortOrder", "isActive", "isSystem"}
        ok = ok and all(entry_keys <= set(p) for f in picklists for p in f["picklistValues"])
        return ("PASS" if ok else "FAIL"), f"{len(fields)} ticket UDFs ({len(picklists)} picklists)"

    rep.step("UDF definitions (TicketUDFSynchronizer)", udfs)

    def company_alerts() -> tuple[str, str]:
        items, pages = fetch_all(api.CompanyAlertAPIClient())
        path = rep.exchanges()[0]["path"] if rep.exchanges() else ""
        return "PASS", f"{len(items)} company alerts; client path {path[:60]}… (double slash)"

    rep.step("CompanyAlertAPIClient (builds a '//' path)", company_alerts)

    def create_company() -> tuple[str, str]:
        item_id = api.AccountsAPIClient().create(no_id, companyName=f"django {tag}", companyType=1,
                                                 ownerResourceID=fx["resource"], phone="555-0102")
        state["company"] = item_id
        ok = oracle.get("Companies", item_id)["companyName"] == f"django {tag}"
        return ("PASS" if ok else "FAIL"), f"Company {item_id} (POST …/Companies/ with trailing slash)"

    rep.step("create Company", create_company)
    cid = state.get("company", fx["company"])

    def create_contact() -> tuple[str, str]:
        item_id = CompanyContactsAPIClient().create(no_id, SimpleNamespace(id=cid), firstName="Alan",
                                                    lastName=f"Dj{tag}", isActive=1)
        ok = oracle.get("Contacts", item_id)["companyID"] == cid
        return ("PASS" if ok else "FAIL"), f"Contact {item_id} under company {cid}"

    rep.step("create Contact via ChildAPIMixin (Companies/{id}/Contacts)", create_contact)
    priority = int(next(iter(oracle.picklist("Tickets", "priority"))))

    def create_ticket() -> tuple[str, str]:
        due = datetime.now(dt_timezone.utc) + timedelta(days=1)
        item_id = api.TicketsAPIClient().create(no_id, title=f"django {tag}", companyID=cid, status=1,
                                                priority=priority, dueDateTime=due)
        state["ticket"] = item_id
        ok = oracle.get("Tickets", item_id)["title"] == f"django {tag}"
        return ("PASS" if ok else "FAIL"), f"Ticket {item_id}"

    rep.step("create Ticket (dueDateTime as %Y-%m-%dT%H:%M:%SZ)", create_ticket)
    tid = state.get("ticket", fx["ticket"])

    def create_note() -> tuple[str, str]:
        item_id = api.TicketNotesAPIClient().create(no_id, SimpleNamespace(id=tid), title="dj note",
                                                    description=f"note {tag}", noteType=1, publish=1)
        ok = oracle.get("TicketNotes", item_id)["ticketID"] == tid
        return ("PASS" if ok else "FAIL"), f"TicketNote {item_id} via Tickets/{tid}/Notes"

    rep.step("create TicketNote (TicketNotesAPIClient → Tickets/{id}/Notes)", create_note)

    def update_ticket() -> tuple[str, str]:
        api.TicketsAPIClient().update(SimpleNamespace(id=tid), {"status": 8, "title": f"django {tag} v2"})
        after = oracle.get("Tickets", tid)
        ok = after["status"] == 8 and after["title"] == f"django {tag} v2"
        return ("PASS" if ok else "FAIL"), f"PATCH …/Tickets/ → status {after['status']}"

    rep.step("update Ticket (PATCH …/Tickets/ with trailing slash)", update_ticket)

    def time_entry() -> tuple[str, str]:
        client = api.TimeEntriesAPIClient()
        worked = datetime.now(dt_timezone.utc) - timedelta(hours=4)
        item_id = client.create(no_id, ticketID=tid, resourceID=fx["resource"], roleID=fx["role"],
                                dateWorked=worked, startDateTime=worked, endDateTime=worked + timedelta(hours=1),
                                summaryNotes=f"dj {tag}")
        deleted = client.delete(SimpleNamespace(id=item_id))
        state["entry"] = item_id
        ok = deleted == item_id and oracle.get("TimeEntries", item_id) is None
        return ("PASS" if ok else "FAIL"), f"TimeEntry {item_id} deleted, itemId echoed={deleted}"

    rep.step("create + delete TimeEntry", time_entry)

    def delete_missing() -> tuple[str, str]:
        try:
            api.TimeEntriesAPIClient().delete(SimpleNamespace(id=state.get("entry", 2_000_000_000)))
            return "FAIL", "second delete succeeded"
        except api.AutotaskRecordNotFoundError as exc:
            return "PASS", f"AutotaskRecordNotFoundError: {exc}"

    rep.step("delete a deleted TimeEntry → AutotaskRecordNotFoundError", delete_missing)

    def validation() -> tuple[str, str]:
        try:
            api.TicketsAPIClient().create(no_id, title="django missing fields")
            return "FAIL", "accepted"
        except api.AutotaskAPIServerError as exc:
            return ("PASS" if "Errors:" in str(exc) or "companyID" in str(exc) else "FAIL"), f"{exc}"

    rep.step("validation error text (AutotaskAPIServerError)", validation)

    def attachment() -> tuple[str, str]:
        client = api.AttachmentInfoAPIClient()
        created = client.upload_attachments(tid, {"file": ("dj.txt", io.BytesIO(f"dj {tag}".encode()))}, "Tickets")
        state["attachment"] = created["itemId"]
        response = client.get_attachment(tid, created["itemId"], "Tickets")
        # AttachmentSynchronizer.download_attachment does exactly this next:
        try:
            name = response.get("fullPath")
            return "PASS", f"download_attachment would write {name}"
        except AttributeError:
            body = rep.last().get("response_body", "")[:60]
            return "FAIL", ("get_attachment() returned the raw requests.Response because the body has no 'items' "
                            f"key ({body}…), so download_attachment's response.get('fullPath') raises; "
                            "django-autotask reads {'items': [record]}, apigrate's README shows {'items': {record}}")

    rep.step("attachment upload + download (AttachmentSynchronizer.download_attachment)", attachment)

    def attachment_info() -> tuple[str, str]:
        client = api.AttachmentInfoAPIClient()
        client.add_condition(A(op="eq", field="parentID", value=tid))
        items, _ = fetch_all(client)
        found = [i for i in items if i["id"] == state.get("attachment")]
        if not found:
            return "FAIL", (f"AttachmentInfo has {len(items)} row(s) for parentID {tid} after the upload; "
                            "AttachmentInfo is Autotask's index of every attachment (docs/autotask-facts.md#attachments)")
        row = found[0]
        ok = row.get("parentType") is not None and row.get("fileSize") == len(f"dj {tag}")
        return ("PASS" if ok else "FAIL"), f"AttachmentInfo row {row}"

    rep.step("AttachmentInfo lists the uploaded ticket attachment (parentID)", attachment_info)
    return rep.finish()


if __name__ == "__main__":
    sys.exit(main())
