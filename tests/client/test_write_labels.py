"""Picklist labels in records to write (`create`/`update`/`replace`, child entities too), sync and async."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from py_autotask import ValidationError

from .conftest import Api


def writes(api: Api) -> list[str]:
    return [str(e["action"]) for e in api.sandbox.control.request_log if e["method"] in ("POST", "PATCH", "PUT")
            and not str(e["path"]).endswith(("/query", "/query/count"))]


def value_of(api: Api, field: str, label: str, entity: str = "tickets") -> int:
    return int(api(lambda c: getattr(c, entity).value(field, label)))


def a_ticket(api: Api) -> dict[str, Any]:
    return api.list(lambda c: c.tickets.query(limit=1))[0]


def test_labels_in_creates_and_updates_become_values(api: Api) -> None:
    ticket = a_ticket(api)
    new = {"companyID": ticket["companyID"], "title": "Label written", "dueDateTime": "2030-01-01T00:00:00Z",
           "status": "new", "priority": "High"}
    ticket_id = api(lambda c: c.tickets.create(new))
    created = api(lambda c: c.tickets.get(ticket_id))
    assert (created["status"], created["priority"]) == (value_of(api, "status", "New"), value_of(api, "priority", "High"))

    assert api(lambda c: c.tickets.update(ticket_id, {"status": "Complete"})) == ticket_id
    assert api(lambda c: c.tickets.get(ticket_id))["status"] == value_of(api, "status", "Complete")
    api(lambda c: c.tickets.update({"id": ticket_id, "priority": "Low"}))  # update(record) form
    assert api(lambda c: c.tickets.get(ticket_id))["priority"] == value_of(api, "priority", "Low")
    record = api(lambda c: c.tickets.get(ticket_id))
    api(lambda c: c.tickets.replace({**record, "status": "In Progress", "priority": 4}))  # ints stay values
    after = api(lambda c: c.tickets.get(ticket_id))
    assert (after["status"], after["priority"]) == (value_of(api, "status", "In Progress"), 4)
    api(lambda c: c.tickets.update(ticket_id, {"status": str(value_of(api, "status", "New"))}))  # value text
    assert api(lambda c: c.tickets.get(ticket_id))["status"] == value_of(api, "status", "New")


def test_child_creates_take_labels(api_local: Api) -> None:
    ticket_id = a_ticket(api_local)["id"]
    note = {"ticketID": ticket_id, "title": "By label", "description": "x", "noteType": "task summary",
            "publish": "Internal Only"}
    note_id = api_local(lambda c: c.ticket_notes.create(note))
    stored = api_local(lambda c: c.ticket_notes.get(note_id, parent_id=ticket_id))
    assert (stored["noteType"], stored["publish"]) == (value_of(api_local, "noteType", "Task Summary", "ticket_notes"),
                                                       value_of(api_local, "publish", "Internal Only", "ticket_notes"))


def test_bad_labels_stop_the_write_before_it_is_sent(api: Api) -> None:
    ticket = a_ticket(api)
    with pytest.raises(ValidationError, match="did you mean Complete") as caught:
        api(lambda c: c.tickets.update(ticket["id"], {"status": "Completed", "priority": "Urgent"}))
    assert len(caught.value.problems) == 2 and caught.value.problems[1].startswith("priority: 'Urgent'")
    with pytest.raises(ValidationError, match=r"'Awaiting Parts \(retired\)' is inactive"):
        api(lambda c: c.tickets.update(ticket["id"], {"status": "Awaiting Parts (retired)"}))
    with pytest.raises(ValidationError, match="'soon' is not a number"):  # a number field that is no picklist
        api(lambda c: c.tickets.update(ticket["id"], {"estimatedHours": "soon"}))
    with pytest.raises(ValidationError, match="Task Sumary"):
        api(lambda c: c.ticket_notes.create({"ticketID": ticket["id"], "title": "t", "description": "d",
                                             "noteType": "Task Sumary", "publish": 1}))
    assert writes(api) == []
    assert api(lambda c: c.tickets.get(ticket["id"]))["status"] == ticket["status"]


@pytest.fixture
def second_high(api_local: Api) -> Iterator[dict[str, Any]]:
    """A tenant whose priority picklist has two active "High" entries (a copy an admin made)."""
    priority = next(f for f in api_local.sandbox.state.meta.fields("Tickets") if f["name"] == "priority")
    original = next(e for e in priority["picklistValues"] if e["label"] == "High")
    extra = {**original, "value": "992", "label": "high", "sortOrder": 98}
    priority["picklistValues"].append(extra)
    try:
        yield extra
    finally:
        priority["picklistValues"].remove(extra)


def test_ambiguous_label_names_both_values(api_local: Api, second_high: dict[str, Any]) -> None:
    ticket = a_ticket(api_local)
    high = value_of(api_local, "priority", "High")
    with pytest.raises(ValidationError, match="ambiguous") as caught:
        api_local(lambda c: c.tickets.update(ticket["id"], {"priority": "High"}))
    assert f"{high} ('High') and 992 ('high')" in str(caught.value)
    assert writes(api_local) == []


@pytest.fixture
def shared_sub_issue(api_local: Api) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Two active sub-issue types named "Other" under two issue types (a dependent picklist)."""
    sub = next(f for f in api_local.sandbox.state.meta.fields("Tickets") if f["name"] == "subIssueType")
    first, second = (e for e in sub["picklistValues"] if e["isActive"] and e["parentValue"] in ("3", "4")
                     and e["value"] in ("4", "9"))
    extras = [{**first, "value": "993", "label": "Other"}, {**second, "value": "994", "label": "Other"}]
    sub["picklistValues"].extend(extras)
    try:
        yield extras[0], extras[1]
    finally:
        for extra in extras:
            sub["picklistValues"].remove(extra)


def test_dependent_picklist_labels_follow_the_controlling_value(
        api_local: Api, shared_sub_issue: tuple[dict[str, Any], dict[str, Any]]) -> None:
    under_3, under_4 = shared_sub_issue
    ticket_id = a_ticket(api_local)["id"]
    api_local(lambda c: c.tickets.update(ticket_id, {"issueType": 4, "subIssueType": "other"}))
    assert api_local(lambda c: c.tickets.get(ticket_id))["subIssueType"] == int(under_4["value"])
    issue_3 = api_local(lambda c: c.tickets.label("issueType", 3))
    api_local(lambda c: c.tickets.update(ticket_id, {"issueType": issue_3, "subIssueType": "Other"}))  # both labels
    stored = api_local(lambda c: c.tickets.get(ticket_id))
    assert (stored["issueType"], stored["subIssueType"]) == (3, int(under_3["value"]))
    sent = len(writes(api_local))
    with pytest.raises(ValidationError, match="ambiguous"):  # no controlling value: both stand
        api_local(lambda c: c.tickets.update(ticket_id, {"subIssueType": "Other"}))
    assert len(writes(api_local)) == sent


def test_udf_picklist_labels_take_the_tenants_spelling(api: Api) -> None:
    from py_autotask import set_udf, udf

    ticket_id = a_ticket(api)["id"]
    api(lambda c: c.tickets.update(ticket_id, set_udf({}, "root cause", "hardware failure")))
    assert udf(api(lambda c: c.tickets.get(ticket_id)), "Root Cause") == "Hardware Failure"
    sent = len(writes(api))
    with pytest.raises(ValidationError, match="udf:Root Cause: 'Hardwre Failure' .*did you mean Hardware Failure"):
        api(lambda c: c.tickets.update(ticket_id, set_udf({"status": "New"}, "Root Cause", "Hardwre Failure")))
    with pytest.raises(ValidationError, match="'other' is inactive"):  # only an inactive item has this label
        api(lambda c: c.tickets.update(ticket_id, set_udf({}, "Root Cause", "other")))
    assert len(writes(api)) == sent
    from py_autotask import APIValidationError

    with pytest.raises(APIValidationError):  # an exact value is sent as given: the server judges it
        api(lambda c: c.tickets.update(ticket_id, set_udf({}, "Root Cause", "Other")))
    assert len(writes(api)) == sent + 1


def test_writes_carrying_values_read_udf_definitions_once(api_local: Api) -> None:
    from py_autotask import set_udf

    ticket_id = a_ticket(api_local)["id"]
    for cause in ("Vendor Issue", "User Error", "Configuration"):  # values as the bulk engine sends them
        api_local(lambda c, cause=cause: c.tickets.update(ticket_id, set_udf({"priority": 2}, "Root Cause", cause)))
    udf_reads = [a for a in (str(e["action"]) for e in api_local.sandbox.control.request_log) if a == "userDefinedFields"]
    assert len(udf_reads) == 1  # the client's cache is off here: the definitions read once are remembered


def test_bulk_and_client_writes_read_labels_alike(
        api_local: Api, shared_sub_issue: tuple[dict[str, Any], dict[str, Any]]) -> None:
    # One matcher (py_autotask.picklists) behind both: for each text, bulk's row validator and a client
    # update reach the same value, or refuse with the same message; only an exact inactive value differs
    # on purpose (bulk, a validator, refuses it; the client sends it, see write_labels.py).
    from py_autotask import set_udf, udf
    from py_autotask.bulk.readers import InputRow
    from py_autotask.bulk.schema import EntitySchema
    from py_autotask.bulk.validate import RowValidator

    ticket_id = a_ticket(api_local)["id"]
    schema = EntitySchema("Tickets", api_local(lambda c: c.tickets.fields()), api_local(lambda c: c.tickets.udfs()))
    bulk = RowValidator(schema, "update")
    cases: list[dict[str, Any]] = [
        {"status": "complete"}, {"status": " In Progress "}, {"status": "Complet"}, {"status": "Bogus"},
        {"status": "Awaiting Parts (retired)"}, {"priority": "High"}, {"priority": "high"}, {"priority": "9999"},
        {"issueType": 4, "subIssueType": "other"}, {"issueType": 3, "subIssueType": "Other"},
        {"subIssueType": "Other"}, {"udf:Root Cause": "hardware failure"}, {"udf:Root Cause": "Hardwre Failure"},
        {"udf:Root Cause": "other"},
    ]
    for case in cases:
        prepared = bulk.validate(InputRow(2, {"id": ticket_id, **case}))
        body = {k: v for k, v in case.items() if not k.startswith("udf:")}
        if "udf:Root Cause" in case:
            body = set_udf(body, "Root Cause", case["udf:Root Cause"])
        try:
            api_local(lambda c, body=body: c.tickets.update(ticket_id, body))
        except ValidationError as refused:
            assert prepared.problems == refused.problems, case
            continue
        assert prepared.valid, (case, prepared.problems)
        stored = api_local(lambda c: c.tickets.get(ticket_id))
        for key in case:
            if key.startswith("udf:"):
                assert prepared.udfs["Root Cause"] == udf(stored, "Root Cause"), case
            else:
                assert prepared.fields[key] == stored[key], case
