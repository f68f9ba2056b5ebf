"""Deterministic seed data for the sandbox tenant: ``generate(meta, seed=..., tickets=...)``.

Same seed, ticket count and clock -> byte-identical records, whatever order the tables are read in: the
skeleton (``seed_plan*``) fixes ids, times and relationships up front, and every table then draws from
its own random stream. Large tables are lazy and re-iterable (:class:`LazyTable`), so a million tickets
with ~3M notes and ~2M time entries stream out without being held in memory here. Datetimes use
Autotask's response form (UTC, milliseconds, no ``Z``); picklist values and UDFs come from ``meta``.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..tenant.metadata import TenantMetadata
from . import billing as seed_billing
from . import calendar as seed_calendar
from . import crm as seed_crm
from . import extras as seed_extras
from . import outcomes as seed_outcomes
from . import service as seed_service
from . import work as seed_work
from .core import Clock, LazyTable, Picker, RowTable, to_ms
from .org import build_catalog
from .plan import build_crm, build_org
from .plan_work import SeedContext, build_tickets, build_work

DEFAULT_NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)
_CODE_ALPHABET = string.ascii_uppercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits + "$@#*~!"


@dataclass(frozen=True)
class ApiUser:
    """An API-only user of the tenant (the secret never appears in repr)."""

    username: str
    secret: str = field(repr=False)
    integration_code: str = field(repr=False)
    resource_id: int
    access: str  # "full" (userAccessFor* = 1 everywhere) or "readonly" (query 1, create/update/delete 0)


@dataclass
class SeedResult:
    """The generated tenant: records per entity tag, its API users and the generation clock."""

    tables: dict[str, Iterable[dict]]  # entity tag -> records, ascending id; sparse (missing = null)
    api_users: list[ApiUser]
    now: datetime


def _api_users(seed: int, ctx: SeedContext) -> list[ApiUser]:
    rand = random.Random(f"autotask-sandbox/{seed}/api-users").random
    users = []
    for resource, access in zip(ctx.org.api_resources, ("full", "readonly"), strict=True):
        code = "".join(_CODE_ALPHABET[int(rand() * len(_CODE_ALPHABET))] for _ in range(27))
        secret = "".join(_SECRET_ALPHABET[int(rand() * len(_SECRET_ALPHABET))] for _ in range(30))
        users.append(ApiUser(resource.email, secret, code, resource.id, access))
    return users


def generate(
    meta: TenantMetadata, *, seed: int = 1, tickets: int = 2000, now: datetime | None = None
) -> SeedResult:
    """Build the tenant's records for ``tickets`` tickets (related tables scale with it)."""
    if tickets < 1:
        raise ValueError("tickets must be at least 1")
    moment = now or DEFAULT_NOW
    moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    clock = Clock(to_ms(moment))
    org = build_org(seed, clock, tickets)
    crm = build_crm(seed, clock, tickets, org)
    sla = Picker(
        meta.picklist("Tickets", "serviceLevelAgreementID") or [],
        {"Standard SLA": 6, "Gold SLA": 2.5, "Platinum 24x7": 1.5, "Legacy 8x5 SLA": 1},
    )
    ticket_plan = build_tickets(seed, clock, tickets, org, crm, sla)
    work = build_work(seed, clock, tickets, org, crm)
    catalog = build_catalog(seed, clock, meta, org)
    ctx = SeedContext(seed, clock, meta, org, crm, ticket_plan, work, catalog)
    small = catalog.tables
    expense_reports, expense_items = seed_work.expenses(ctx, max(3, tickets // 200))

    def lazy(function: Callable[..., Any], *args: Any) -> LazyTable:
        return LazyTable(lambda: function(ctx, *args))

    def rows(columns: tuple[str, ...], function: Callable[..., Any], udfs_of: str | None = None) -> RowTable:
        return RowTable(columns, lambda: function(ctx), ctx.udf_names(udfs_of) if udfs_of else ())

    tables: dict[str, Iterable[dict]] = {
        "Countries": small["Countries"],
        "Departments": small["Departments"],
        "Roles": small["Roles"],
        "Resources": small["Resources"],
        "ResourceRoleDepartments": small["ResourceRoleDepartments"],
        "BillingCodes": small["BillingCodes"],
        "Services": small["Services"],
        "Products": small["Products"],
        "ConfigurationItemTypes": small["ConfigurationItemTypes"],
        "ConfigurationItemCategories": small["ConfigurationItemCategories"],
        "TicketCategories": small["TicketCategories"],
        "Surveys": small["Surveys"],
        "UserDefinedFieldDefinitions": small["UserDefinedFieldDefinitions"],
        "UserDefinedFieldListItems": small["UserDefinedFieldListItems"],
        "Companies": lazy(seed_crm.companies),
        "Contacts": lazy(seed_crm.contacts),
        "Contracts": lazy(seed_crm.contracts),
        "ContractServices": lazy(seed_crm.contract_services),
        "ConfigurationItems": lazy(seed_crm.configuration_items),
        "Opportunities": lazy(seed_crm.opportunities),
        "Quotes": lazy(seed_crm.quotes),
        "QuoteItems": lazy(seed_crm.quote_items),
        "Invoices": lazy(seed_crm.invoices, max(5, tickets // 10)),
        "Projects": lazy(seed_work.projects),
        "Phases": lazy(seed_work.phases),
        "Tasks": lazy(seed_work.tasks),
        "Tickets": rows(seed_service.TICKET_COLUMNS, seed_service.tickets, "Tickets"),
        "TicketNotes": rows(seed_service.NOTE_COLUMNS, seed_service.ticket_notes),
        "TimeEntries": rows(seed_service.TIME_ENTRY_COLUMNS, seed_service.time_entries),
        "ServiceLevelAgreementResults": rows(seed_outcomes.SLA_RESULT_COLUMNS, seed_outcomes.sla_results),
        "SurveyResults": lazy(seed_outcomes.survey_results),
        "Appointments": lazy(seed_work.appointments, max(5, tickets // 20)),
        "ExpenseReports": expense_reports,
        "ExpenseItems": expense_items,
        "TimeOffRequests": lazy(seed_work.time_off_requests),
        "DeletedTicketLogs": lazy(seed_outcomes.deleted_ticket_logs),
        "DeletedTicketActivityLogs": seed_outcomes.deleted_ticket_activity_logs(ctx),
        "DeletedTaskActivityLogs": seed_outcomes.deleted_task_activity_logs(ctx),
        **seed_extras.tables(ctx, small["ResourceRoleDepartments"]),
        "HolidaySets": seed_calendar.holiday_sets(ctx),
        "Holidays": seed_calendar.holidays(ctx),
        "InternalLocationWithBusinessHours": seed_calendar.locations(ctx),
        "ResourceDailyAvailabilities": seed_calendar.availabilities(ctx),
        "BillingItems": lazy(seed_billing.billing_items),
    }
    return SeedResult(tables, _api_users(seed, ctx), moment)
