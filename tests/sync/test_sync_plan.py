"""What sync does per entity, decided from the catalogue alone."""

from __future__ import annotations

import pytest

from py_autotask._catalog import load_catalog

pytest.importorskip("dlt")

from py_autotask.sync.plan import LogSource, check_entities, entity_plan  # noqa: E402


def test_stamped_entities_are_incremental_on_the_export_engines_change_field() -> None:
    catalog = load_catalog()
    tickets = entity_plan("Tickets", catalog)
    assert (tickets.table, tickets.mode, tickets.change) == ("tickets", "incremental", "lastActivityDate")
    assert tickets.logs == (LogSource("DeletedTicketLogs", "ticketID", "record"),)
    assert entity_plan("TimeEntries", catalog).change == "lastModifiedDateTime"
    assert entity_plan("ServiceLevelAgreementResults", catalog).table == "service_level_agreement_results"


def test_children_are_refreshed_from_the_logs_that_name_their_parent() -> None:
    catalog = load_catalog()
    notes = entity_plan("TicketNotes", catalog)
    assert notes.logs == (LogSource("DeletedTicketLogs", "ticketID", "parent", "ticketID"),
                          LogSource("DeletedTicketActivityLogs", "ticketID", "parent", "ticketID"))
    entries = entity_plan("TimeEntries", catalog)
    assert {(s.log, s.child_field) for s in entries.logs} == {
        ("DeletedTicketLogs", "ticketID"), ("DeletedTicketActivityLogs", "ticketID"),
        ("DeletedTaskActivityLogs", "taskID")}
    assert entity_plan("Companies", catalog).logs == ()


def test_entities_without_a_stamp_are_snapshots() -> None:
    catalog = load_catalog()
    for name in ("Resources", "SurveyResults", "TicketAttachments"):
        plan = entity_plan(name, catalog)
        assert (plan.mode, plan.change) == ("snapshot", None), name


def test_unqueryable_and_unknown_entities_are_refused() -> None:
    catalog = load_catalog()
    with pytest.raises(ValueError, match="unknown Autotask entity"):
        check_entities(["Tickets", "Nope"], catalog)
    child_only = next(n for n, e in catalog.items() if not {"queryPost", "queryGet"} & set(e.get("ops", ())))
    with pytest.raises(ValueError, match="cannot be queried at the root"):
        check_entities([child_only], catalog)
