"""Golden tests: each metric, computed by DuckDB over the Parquet export, equals the plain-Python
recomputation over the records the API returned (``_recompute``), on the seeded tenant with a pinned clock.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from py_autotask import analytics

from .._clock import SANDBOX_NOW
from ._recompute import (
    NAMES,
    Calendar,
    avg,
    day_of,
    default_range,
    grouped,
    instant,
    label,
    med,
    month,
    pct,
    resource_name,
)
from .conftest import Tenant

NOW = SANDBOX_NOW


def _rows(table: Any) -> dict[Any, dict[str, Any]]:
    """The metric's rows keyed by their first (group) column."""
    first = table.column_names[0]
    return {row.pop(first): row for row in table.to_pylist()}


def _same(sql: dict[Any, dict[str, Any]], expected: dict[Any, dict[str, Any]], tolerance: float = 0.011) -> None:
    """Equal groups and values; floats within ``tolerance`` (SQL rounds halves away from zero, Python to even)."""
    assert expected, "the recomputation found nothing: the seeded tenant should feed every metric"
    assert set(sql) == set(expected)
    for key, row in expected.items():
        for column, value in row.items():
            got = sql[key][column]
            if isinstance(value, float):
                assert got == pytest.approx(value, abs=tolerance), (key, column)
            else:
                assert got == value, (key, column)


@pytest.fixture(scope="module")
def source(tenant: Tenant) -> Any:
    with analytics.open_source(tenant.directory, now=NOW) as opened:
        yield opened


@pytest.fixture(scope="module")
def cal(tenant: Tenant) -> Calendar:
    return Calendar(tenant.records, tenant.labels)


def test_calendar_agrees(source: Any, cal: Calendar) -> None:
    assert source.calendar.zone_name == cal.tz.key
    assert source.calendar.holidays == cal.holidays


def test_ticket_volume(tenant: Tenant, source: Any, cal: Calendar) -> None:
    _, _, start, end = default_range(cal, NOW)
    created, completed = Counter(), Counter()
    for t in tenant.records["Tickets"]:
        made, done = instant(t["createDate"]), instant(t.get("completedDate"))
        if start <= made < end:
            created[month(cal, made)] += 1
        if done and start <= done < end:
            completed[month(cal, done)] += 1
    expected = {m: {"created": created[m], "completed": completed[m],
                    "kill_rate": round(completed[m] / created[m], 4) if created[m] else None}
                for m in set(created) | set(completed)}
    _same(_rows(analytics.ticket_volume(source, by="month")), expected)


def test_backlog(tenant: Tenant, source: Any) -> None:
    queues = tenant.labels[("Tickets", "queueID")]
    ages = grouped((label(queues, t.get("queueID")), (NOW - instant(t["createDate"])).total_seconds() / 86400)
                   for t in tenant.records["Tickets"]
                   if instant(t["createDate"]) <= NOW and (not t.get("completedDate")
                                                           or instant(t["completedDate"]) > NOW))
    expected = {q: {"open_tickets": len(a), "avg_age_days": round(sum(a) / len(a), 2),
                    "oldest_age_days": round(max(a), 2), "older_than_30_days": sum(1 for x in a if x > 30)}
                for q, a in ages.items()}
    _same(_rows(analytics.backlog(source, by="queue")), expected)


def test_response_and_resolution_in_business_hours(tenant: Tenant, source: Any, cal: Calendar) -> None:
    _, _, start, end = default_range(cal, NOW)
    priorities = tenant.labels[("Tickets", "priority")]
    facts = grouped((label(priorities, t.get("priority")), t) for t in tenant.records["Tickets"]
                    if start <= instant(t["createDate"]) < end)
    expected = {}
    for key, tickets in facts.items():
        response = [cal.business_hours(instant(t["createDate"]), instant(t["firstResponseDateTime"]))
                    for t in tickets if t.get("firstResponseDateTime")]
        resolution = [cal.business_hours(instant(t["createDate"]),
                                         instant(t.get("resolvedDateTime") or t["completedDate"]))
                      for t in tickets if t.get("resolvedDateTime") or t.get("completedDate")]
        expected[key] = {"tickets": len(tickets), "responded": len(response),
                         "avg_first_response_hours": avg(response), "median_first_response_hours": med(response),
                         "resolved": len(resolution), "avg_resolution_hours": avg(resolution),
                         "median_resolution_hours": med(resolution)}
    _same(_rows(analytics.response_times(source, by="priority")), expected)


def test_sla_met_from_autotask_stamps(tenant: Tenant, source: Any, cal: Calendar) -> None:
    _, _, start, end = default_range(cal, NOW)
    priorities = tenant.labels[("Tickets", "priority")]
    results = {r["ticketID"]: r for r in tenant.records["ServiceLevelAgreementResults"]}
    facts = grouped((label(priorities, t.get("priority")), t) for t in tenant.records["Tickets"]
                    if t.get("serviceLevelAgreementID") is not None and start <= instant(t["createDate"]) < end)
    expected = {}
    for key, tickets in facts.items():
        stamped = [results[t["id"]] for t in tickets if t["id"] in results]
        open_past_due = sum(1 for t in tickets
                            if (not t.get("completedDate") or instant(t["completedDate"]) > NOW)
                            and t.get("resolvedDueDateTime") and instant(t["resolvedDueDateTime"]) < NOW)
        expected[key] = {
            "tickets": len(tickets), "evaluated": len(stamped),
            "first_response_met_pct": pct(r.get("isFirstResponseMet") for r in stamped),
            "resolution_plan_met_pct": pct(r.get("isResolutionPlanMet") for r in stamped),
            "resolution_met_pct": pct(r.get("isResolutionMet") for r in stamped),
            "sla_met_pct": pct(t.get("serviceLevelAgreementHasBeenMet") for t in tickets),
            "open_past_due": open_past_due,
        }
    _same(_rows(analytics.sla(source, by="priority")), expected)


def test_first_touch_resolution(tenant: Tenant, source: Any, cal: Calendar) -> None:
    _, _, start, end = default_range(cal, NOW)
    queues = tenant.labels[("Tickets", "queueID")]
    entries = Counter(e["ticketID"] for e in tenant.records["TimeEntries"] if e.get("ticketID"))
    done = grouped((label(queues, t.get("queueID")), t) for t in tenant.records["Tickets"]
                   if t.get("completedDate") and start <= instant(t["completedDate"]) < end)
    expected = {}
    for key, tickets in done.items():
        touched = sum(1 for t in tickets if t.get("completedByResourceID") is not None
                      and t.get("completedByResourceID") == t.get("creatorResourceID") and entries[t["id"]] <= 1)
        expected[key] = {"completed": len(tickets), "first_touch": touched,
                         "first_touch_pct": round(100 * touched / len(tickets), 2)}
    _same(_rows(analytics.first_touch(source, by="queue")), expected)


@pytest.mark.parametrize("by", ["month", "resource"])
def test_csat(tenant: Tenant, source: Any, cal: Calendar, by: str) -> None:
    _, _, start, end = default_range(cal, NOW)
    tickets = {t["id"]: t for t in tenant.records["Tickets"]}

    def key(s: dict[str, Any]) -> str:
        if by == "month":
            return month(cal, instant(s["completeDate"]))
        ticket = tickets.get(s.get("ticketID")) or {}
        return resource_name(tenant.records,
                             ticket.get("completedByResourceID") or ticket.get("assignedResourceID"))

    surveys = grouped((key(s), s) for s in tenant.records["SurveyResults"]
                      if s.get("completeDate") and start <= instant(s["completeDate"]) < end)
    expected = {}
    for group, rows in surveys.items():
        row: dict[str, Any] = {"surveys": len(rows),
                               "avg_survey_rating": avg(s["surveyRating"] for s in rows if s.get("surveyRating"))}
        for rating in ("resource", "contact", "company"):
            given = [s[f"{rating}Rating"] for s in rows if s.get(f"{rating}Rating") is not None]
            row[f"{rating}_ratings"] = len(given)
            row[f"avg_{rating}_rating"] = avg(given)
        expected[group] = row
    _same(_rows(analytics.csat(source, by=by)), expected)


def test_project_health(tenant: Tenant, source: Any, cal: Calendar) -> None:
    today = cal.local(NOW).date()
    tasks = grouped((t["projectID"], t) for t in tenant.records["Tasks"])
    hours_by_task = Counter()
    for e in tenant.records["TimeEntries"]:
        if e.get("taskID"):
            hours_by_task[e["taskID"]] += e["hoursWorked"]
    expected = {}
    for p in tenant.records["Projects"]:
        own = tasks.get(p["id"], [])
        estimated = p.get("estimatedTime") or sum(t.get("estimatedHours") or 0 for t in own)
        actual = sum(hours_by_task[t["id"]] for t in own)
        earned = estimated * (p.get("completedPercentage") or 0) / 100
        end_day = cal.local(instant(p["endDateTime"])).date()
        finished = cal.local(instant(p["completedDateTime"])).date() if p.get("completedDateTime") else None
        slip = (finished - end_day).days if finished else max(0, (today - end_day).days)
        burn = round(100 * actual / estimated, 1) if estimated else None
        cpi = round(earned / actual, 3) if actual else None
        reasons = [text for text, hit in (("CPI below 0.9", cpi is not None and cpi < 0.9),
                                          ("slipped over 7 days", slip > 7),
                                          ("burn over 100%", burn is not None and burn > 100)) if hit]
        expected[p["projectName"]] = {
            "estimated_hours": float(estimated), "actual_hours": float(actual),
            "cpi": earned / actual if actual else None, "budget_burn_pct": 100 * actual / estimated if estimated else None,
            "schedule_slip_days": slip, "planned_end_date": end_day, "completed_date": finished,
            "at_risk": finished is None and bool(reasons),
            "risk_reasons": ", ".join(reasons) if finished is None and reasons else None,
        }
    _same(_rows(analytics.project_health(source)), expected, tolerance=0.051)  # burn: one decimal


def test_ar_aging(tenant: Tenant, source: Any, cal: Calendar) -> None:
    today = cal.local(NOW).date()
    buckets = Counter()
    amounts = Counter()
    for invoice in tenant.records["Invoices"]:
        issued, paid = day_of(invoice.get("invoiceDateTime")), day_of(invoice.get("paidDate"))
        if invoice.get("isVoided") or (issued and issued > today) or (paid and paid <= today):
            continue
        late = (today - day_of(invoice["dueDate"])).days
        name = ("current" if late <= 0 else "1-30" if late <= 30 else "31-60" if late <= 60
                else "61-90" if late <= 90 else "90+")
        buckets[name] += 1
        amounts[name] += invoice.get("invoiceTotal") or 0
    expected = {name: {"invoices": buckets[name], "amount": round(float(amounts[name]), 2)}
                for name in ("current", "1-30", "31-60", "61-90", "90+")}
    _same(_rows(analytics.ar_aging(source)), expected)


def test_phase_health(tenant: Tenant, source: Any, cal: Calendar) -> None:
    today = cal.local(NOW).date()
    projects = {p["id"]: p["projectName"] for p in tenant.records["Projects"]}
    tasks = grouped((t["phaseID"], t) for t in tenant.records["Tasks"] if t.get("phaseID"))
    hours_by_task = Counter()
    for e in tenant.records["TimeEntries"]:
        if e.get("taskID"):
            hours_by_task[e["taskID"]] += e["hoursWorked"]
    expected = {}
    for phase in tenant.records["Phases"]:
        own = tasks.get(phase["id"], [])
        estimated = phase.get("estimatedHours") or sum(t.get("estimatedHours") or 0 for t in own)
        actual = sum(hours_by_task[t["id"]] for t in own)
        total = sum(t.get("estimatedHours") or 0 for t in own)
        done = sum(t.get("estimatedHours") or 0 for t in own if t.get("completedDateTime"))
        earned = estimated * (100 * done / total if total else 0) / 100
        due = cal.local(instant(phase["dueDate"])).date()
        finished = (max(cal.local(instant(t["completedDateTime"])).date() for t in own)
                    if own and all(t.get("completedDateTime") for t in own) else None)
        slip = (finished - due).days if finished else max(0, (today - due).days)
        expected[(projects[phase["projectID"]], phase["title"], due)] = {
            "estimated_hours": float(estimated), "actual_hours": float(actual), "schedule_slip_days": slip,
            "earned_hours": earned, "cpi": earned / actual if actual else None, "completed_date": finished}
    rows = {(r.pop("project"), r.pop("phase"), r["planned_end_date"]): r
            for r in analytics.project_health(source, by="phase").to_pylist()}
    _same(rows, expected, tolerance=0.011)


def test_utilization(tenant: Tenant, source: Any, cal: Calendar) -> None:
    since, until, _, _ = default_range(cal, NOW)
    records = tenant.records
    approved = next(v for v, text in tenant.labels[("TimeOffRequests", "status")].items() if text == "Approved")
    leave = Counter()
    for request in records["TimeOffRequests"]:
        if str(request.get("status")) == approved:
            leave[(request["resourceID"], day_of(request["requestDate"]))] += request.get("hours") or 0
    people = {r["id"]: r for r in records["Resources"]}
    last_work: dict[int, Any] = {}
    for e in records["TimeEntries"]:
        worked = day_of(e["dateWorked"])
        last_work[e["resourceID"]] = max(last_work.get(e["resourceID"], worked), worked)
    available = Counter()
    for row in records["ResourceDailyAvailabilities"]:
        person = people.get(row["resourceID"], {})
        hired = day_of(person.get("hireDate"))
        day = since
        while day <= until:
            counts = (not hired or day >= hired) and (person.get("isActive", True) is not False or (
                row["resourceID"] in last_work and day <= last_work[row["resourceID"]]))
            if counts:
                hours = 0.0 if day in cal.holidays else row.get(f"{NAMES[day.weekday()]}AvailableHours") or 0.0
                available[row["resourceID"]] += max(0.0, hours - leave[(row["resourceID"], day)])
            day += timedelta(days=1)
    tickets = {t["id"]: t for t in records["Tickets"]}
    task_project = {t["id"]: t["projectID"] for t in records["Tasks"]}
    project_company = {p["id"]: p.get("companyID") for p in records["Projects"]}
    worked, client, billable = Counter(), Counter(), Counter()
    for e in records["TimeEntries"]:
        if not since <= day_of(e["dateWorked"]) <= until:
            continue
        company = (tickets.get(e.get("ticketID")) or {}).get("companyID")
        if company is None and e.get("taskID"):
            company = project_company.get(task_project.get(e["taskID"]))
        worked[e["resourceID"]] += e["hoursWorked"]
        if company:
            client[e["resourceID"]] += e["hoursWorked"]
            billable[e["resourceID"]] += e.get("hoursToBill") or 0
    expected = {}
    for resource in set(available) | set(worked):
        hours = available[resource]
        expected[resource_name(records, resource)] = {
            "available_hours": hours, "hours_worked": worked[resource], "client_hours": client[resource],
            "internal_hours": worked[resource] - client[resource], "billable_hours": billable[resource],
            "utilization_pct": 100 * worked[resource] / hours if hours else None,
            "billable_utilization_pct": 100 * billable[resource] / hours if hours else None}
    assert any(v["billable_hours"] for v in expected.values()) and any(v["internal_hours"] for v in expected.values())
    _same(_rows(analytics.utilization(source, by="resource")), expected)


def test_contract_profitability(tenant: Tenant, source: Any, cal: Calendar) -> None:
    since, until, start, end = default_range(cal, NOW)
    records = tenant.records
    companies = {c["id"]: c.get("companyName") for c in records["Companies"]}
    names = {c["id"]: f"{companies.get(c.get('companyID'))}: {c['contractName']}" for c in records["Contracts"]}
    cost = {r["id"]: r.get("internalCost") or 0 for r in records["Resources"]}
    revenue, item_cost, hours, labour = Counter(), Counter(), Counter(), Counter()
    for item in records["BillingItems"]:
        if item.get("contractID") and start <= instant(item["itemDate"]) < end:
            revenue[item["contractID"]] += item.get("totalAmount") or 0
            if item.get("timeEntryID") is None:
                item_cost[item["contractID"]] += item.get("ourCost") or 0
    for e in records["TimeEntries"]:
        if e.get("contractID") and since <= day_of(e["dateWorked"]) <= until:
            hours[e["contractID"]] += e["hoursWorked"]
            labour[e["contractID"]] += e["hoursWorked"] * cost.get(e["resourceID"], 0)
    expected = {}
    for contract in set(revenue) | set(hours):
        margin = revenue[contract] - item_cost[contract] - labour[contract]
        expected[names[contract]] = {
            "revenue": revenue[contract], "item_cost": item_cost[contract], "hours_worked": hours[contract],
            "labour_cost": labour[contract], "margin": margin,
            "margin_pct": 100 * margin / revenue[contract] if revenue[contract] else None,
            "effective_hourly_rate": revenue[contract] / hours[contract] if hours[contract] else None}
    assert any(v["margin"] < 0 for v in expected.values()) and any(v["margin"] > 0 for v in expected.values())
    _same(_rows(analytics.contract_profitability(source)), expected)
