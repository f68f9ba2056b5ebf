"""Drive the old PyPI ``py-autotask`` 2.3.0 (the package this project replaces) against the sandbox, unchanged.

How it talks (site-packages/py_autotask/auth.py, client.py, entities/base.py): zone discovery GETs the
class constant ``AutotaskAuth.ZONE_INFO_URL`` (``https://webservices.autotask.net/atservicesrest/v1.0/
zoneInformation``) *with* the auth headers, and reads ``{"errors": [...]}`` of a 500 for "Zone information
could not be determined" / "IntegrationCode is invalid"; every call is ``<zone url>/v1.0/…``; queries are
``POST …/query`` with ``{"filter", "maxRecords", "includeFields"}``; ``query_all`` never follows
``nextPageUrl`` (it sets a non-existent ``offset`` and stops); updates are item-level ``PATCH /{Entity}/{id}``;
child creates use a hand-written map (``TicketNotes`` → ``Tickets/{id}/Notes``, but ``Contacts`` is not in
it); error text is read from a lower-case ``message`` key.

Monkeypatch (its own constant): ``AutotaskAuth.ZONE_INFO_URL`` → the proxy's zoneInformation URL.
"""

from __future__ import annotations

import sys
import uuid
from datetime import datetime, timedelta, timezone

from foreign_common import Env, Oracle, Report
from py_autotask.auth import AutotaskAuth
from py_autotask.exceptions import AutotaskAPIError, AutotaskAuthError, AutotaskError, AutotaskNotFoundError

# The PyPI py-autotask 2.3.0 of the foreign venv (this repository's package has the same import name).
from py_autotask import AutotaskClient

ALL = {"op": "gte", "field": "id", "value": 0}
ZONE_UNKNOWN_USER = "Zone information could not be determined"


def main() -> int:
    env = Env()
    rep = Report("py-autotask-2.3.0", env)
    oracle = Oracle(env)
    fx = oracle.fixtures()
    tag = uuid.uuid4().hex[:8]
    state: dict = {}
    AutotaskAuth.ZONE_INFO_URL = f"{env.origin}/atservicesrest/v1.0/zoneInformation"
    client = AutotaskClient.create(username=env.username, integration_code=env.integration_code, secret=env.secret)

    def zone() -> tuple[str, str]:
        url = client.auth.api_url
        return ("PASS" if url == env.root else "FAIL"), f"api_url={url} (zoneName={client.auth.zone_info.zone_name})"

    rep.step("zone detection (zoneInformation → url)", zone)

    def zone_unknown_user() -> tuple[str, str]:
        AutotaskAuth.clear_zone_cache()
        other = AutotaskClient.create(username="nobody@example.com", integration_code=env.integration_code,
                                      secret=env.secret)
        try:
            other.auth.api_url  # noqa: B018 - the property performs the lookup
            return "FAIL", "an unknown user got a zone"
        except AutotaskAuthError as exc:
            return "PASS", f"AutotaskAuthError: {exc}"
        except AutotaskError as exc:
            last = rep.last()
            return "FAIL", (f"{type(exc).__name__}: {exc} — sandbox answered {last.get('status')} "
                            f"{last.get('response_body')}; live Autotask: 500 "
                            f'{{"errors":["{ZONE_UNKNOWN_USER}"]}}')

    rep.step("zone detection for an unknown user → 'Zone information could not be determined'", zone_unknown_user)

    def entity_info() -> tuple[str, str]:
        info = client.tickets.get_entity_info()["info"]
        fields = client.tickets.get_field_info()["fields"]
        status = next(f for f in fields if f["name"] == "status")
        ok = info["canQuery"] and status["isPickList"] and status["picklistValues"]
        return ("PASS" if ok else "FAIL"), f"{len(fields)} fields, status has {len(status['picklistValues'])} values"

    rep.step("entityInformation + fields (Tickets)", entity_info)

    def get_one() -> tuple[str, str]:
        item = client.tickets.get(fx["ticket"])
        ok = item == oracle.get("Tickets", fx["ticket"])
        return ("PASS" if ok else "FAIL"), f"Ticket {item and item['id']} equal to the oracle's: {ok}"

    rep.step("tickets.get(id)", get_one)

    def get_missing() -> tuple[str, str]:
        item = client.tickets.get(2_000_000_000)
        status = rep.last().get("status")
        return ("PASS" if item is None and status == 404 else "FAIL"), f"returned {item!r} (HTTP {status})"

    rep.step("tickets.get(missing id) → None", get_missing)

    def readme_query() -> tuple[str, str]:
        resp = client.companies.query({"filter": [{"op": "eq", "field": "isActive", "value": "true"}]})
        want = oracle.count("Companies", [{"op": "eq", "field": "isActive", "value": True}])
        ok = resp.page_details.count == len(resp.items) == min(want, 500)
        return ("PASS" if ok else "FAIL"), (f"{len(resp.items)} active companies on the page (count {want}), "
                                            f"requestCount={resp.page_details.request_count}")

    rep.step("README query: Companies isActive eq \"true\" (string for a boolean)", readme_query)

    def query_all() -> tuple[str, str]:
        items = client.tickets.query_all(filters=ALL)
        want = oracle.count("Tickets", [ALL])
        queries = [ex for ex in rep.exchanges() if ex["path"].lower().endswith("/tickets/query")]
        first = queries[0] if queries else {}
        has_next = '"nextPageUrl":"http' in (first.get("response_body") or "").replace(" ", "")
        ids = [i["id"] for i in items]
        if len(ids) == want and len(set(ids)) == want:
            return "PASS", f"{len(ids)} tickets"
        verdict = "CLIENT" if has_next and len(queries) == 1 else "FAIL"
        return verdict, (f"{len(ids)} of {want} tickets in {len(queries)} request(s): the sandbox sent a "
                         f"nextPageUrl={has_next}; the client sets a non-existent 'offset' and stops")

    rep.step("tickets.query_all (≥3 pages expected)", query_all)

    def count() -> tuple[str, str]:
        got = client.tickets.count(ALL)
        want = oracle.count("Tickets", [ALL])
        return ("PASS" if got == want else "FAIL"), f"count={got}, oracle={want}"

    rep.step("tickets.count", count)

    def create_company() -> tuple[str, str]:
        resp = client.companies.create({"companyName": f"py-autotask 2.3.0 {tag}", "companyType": 1,
                                        "ownerResourceID": fx["resource"], "phone": "555-0101"})
        company = oracle.get("Companies", resp.item_id)
        state["company"] = resp.item_id
        ok = company["companyName"] == f"py-autotask 2.3.0 {tag}"
        return ("PASS" if ok else "FAIL"), f"Company {resp.item_id}"

    rep.step("companies.create", create_company)
    cid = state.get("company", fx["company"])
    contact = {"firstName": "Grace", "lastName": f"Old{tag}", "emailAddress": f"grace.{tag}@example.com",
               "companyID": cid, "isActive": 1}

    def readme_contact() -> tuple[str, str]:
        try:
            client.contacts.create(contact)
            return "FAIL", "POST /Contacts (root) succeeded; Autotask only has Companies/{id}/Contacts"
        except AutotaskNotFoundError:
            last = rep.last()
            html = "<html" in (last.get("response_body") or "").lower()
            return ("CLIENT" if last.get("status") == 404 and html else "FAIL"), (
                f"client POSTs /Contacts (root); sandbox HTTP {last.get('status')} {'HTML' if html else ''} "
                "as Autotask (docs/autotask-facts.md#writes: root writes of child-only entities → IIS HTML 404)")

    rep.step("README contacts.create (root POST /Contacts)", readme_contact)

    def child_contact() -> tuple[str, str]:
        resp = client.create_child_entity("Companies", cid, "Contacts", contact)
        stored = oracle.get("Contacts", resp.item_id)
        ok = stored["companyID"] == cid
        return ("PASS" if ok else "FAIL"), f"Contact {resp.item_id} companyID={stored['companyID']}"

    rep.step("create_child_entity Companies/{id}/Contacts", child_contact)
    priority = int(next(iter(oracle.picklist("Tickets", "priority"))))
    due = (datetime.now(timezone.utc) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def create_ticket() -> tuple[str, str]:
        resp = client.tickets.create({"title": f"py-autotask 2.3.0 {tag}", "companyID": cid, "status": 1,
                                      "priority": priority, "dueDateTime": due})
        state["ticket"] = resp.item_id
        ticket = oracle.get("Tickets", resp.item_id)
        ok = ticket["dueDateTime"].startswith(due[:19])
        return ("PASS" if ok else "FAIL"), f"Ticket {resp.item_id} dueDateTime sent {due} stored {ticket['dueDateTime']}"

    rep.step("tickets.create", create_ticket)

    def create_ticket_helper() -> tuple[str, str]:
        try:
            resp = client.tickets.create_ticket(f"helper {tag}", "desc", cid, priority=priority, status=1,
                                                dueDateTime=due)
            return "NOTE", f"created {resp.item_id} although the company was sent as SOAP-era 'AccountID'"
        except AutotaskAPIError as exc:
            return "CLIENT", (f"{exc} — the helper sends 'AccountID' (SOAP name; REST says companyID); "
                              f"sandbox: {rep.last().get('response_body', '')[:200]}")

    rep.step("tickets.create_ticket helper (sends AccountID)", create_ticket_helper)
    tid = state.get("ticket", fx["ticket"])
    note = {"ticketID": tid, "title": "old client note", "description": f"note {tag}", "noteType": 1, "publish": 1}

    def ticket_note() -> tuple[str, str]:
        resp = client.entities.get_entity("TicketNotes").create(note)
        stored = oracle.get("TicketNotes", resp.item_id)
        ok = stored["ticketID"] == tid and stored["description"] == f"note {tag}"
        return ("PASS" if ok else "FAIL"), f"TicketNote {resp.item_id} via Tickets/{tid}/Notes"

    rep.step("TicketNotes.create (mapped to Tickets/{id}/Notes)", ticket_note)

    def add_ticket_note() -> tuple[str, str]:
        try:
            client.tickets.add_ticket_note(tid, "via helper", title="helper note")
            return "FAIL", "POST /TicketNotes (root) succeeded"
        except AutotaskNotFoundError:
            status = rep.last().get("status")
            return ("CLIENT" if status == 404 else "FAIL"), f"helper POSTs /TicketNotes (root); sandbox HTTP {status}"

    rep.step("tickets.add_ticket_note helper (root POST /TicketNotes)", add_ticket_note)

    def update() -> tuple[str, str]:
        try:
            client.tickets.update({"id": tid, "status": 8})
            return "FAIL", "item-level PATCH /Tickets/{id} succeeded"
        except AutotaskAPIError as exc:
            last = rep.last()
            body = last.get("response_body") or ""
            ok = last.get("status") == 405 and '"Message"' in body and "PATCH" in body
            return ("CLIENT" if ok else "FAIL"), (f"{exc} — client PATCHes /Tickets/{{id}}; sandbox HTTP "
                                                  f"{last.get('status')} {body[:120]} (docs/autotask-facts.md#responses-and-errors: → 405)")

    rep.step("tickets.update (item-level PATCH)", update)

    def delete_time_entry() -> tuple[str, str]:
        worked = (datetime.now(timezone.utc) - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%S")
        resp = client.create_entity("TimeEntries", {"ticketID": tid, "resourceID": fx["resource"],
                                                    "roleID": fx["role"], "dateWorked": worked[:10],
                                                    "hoursWorked": 0.5, "summaryNotes": f"old {tag}"})
        ok = client.time_entries.delete(resp.item_id) and oracle.get("TimeEntries", resp.item_id) is None
        return ("PASS" if ok else "FAIL"), f"TimeEntry {resp.item_id} deleted={ok}"

    rep.step("create + time_entries.delete", delete_time_entry)

    def validation() -> tuple[str, str]:
        try:
            client.tickets.create({"title": "missing everything"})
            return "FAIL", "accepted"
        except AutotaskAPIError as exc:
            last = rep.last()
            body = last.get("response_body") or ""
            ok = last.get("status") == 500 and body.startswith('{"errors":[')
            return ("CLIENT" if ok else "FAIL"), (f"client shows '{exc}' (reads a lower-case 'message' key); "
                                                  f"sandbox sent {last.get('status')} {body[:200]}")

    rep.step("validation error message", validation)
    client.close()
    return rep.finish()


if __name__ == "__main__":
    sys.exit(main())
