"""The entities and fields the metrics read, with the SQL type each column gets in the analytics views.

Both sources end up as the same DuckDB views: one view per entity, named by dlt's snake_case naming
of the entity (``Tickets`` → ``tickets``, ``ServiceLevelAgreementResults`` →
``service_level_agreement_results``), one column per field named the same way (``createDate`` →
``create_date``, ``queueID`` → ``queue_id``) and cast to the type below, so a metric's SQL never
depends on whether the data came from the DuckDB mirror or from a directory of Parquet exports.

Date-only fields (``DATE``) are calendar days, not instants: Autotask sends them as midnight with no
zone, so the view takes the day as written and never shifts it into the tenant's zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ENTITIES", "EntitySpec", "snake_case"]

_ACRONYM = re.compile(r"([A-Z]+)([A-Z][a-z])")
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_NOT_WORD = re.compile(r"[^a-zA-Z0-9_]+")


def snake_case(name: str) -> str:
    """dlt's default (``snake_case``) naming of an Autotask entity or field name.

    ``createDate`` → ``create_date``, ``queueID`` → ``queue_id``, ``TicketNotes`` → ``ticket_notes``:
    the same rule as ``dlt.common.normalizers.naming.snake_case.NamingConvention().normalize_identifier``
    for the ASCII camelCase names Autotask uses (a test checks the two agree where dlt is installed).
    """
    text = _ACRONYM.sub(r"\1_\2", name.strip())
    text = _CAMEL.sub(r"\1_\2", text)
    text = _NOT_WORD.sub("_", text).lower()
    return re.sub(r"_+", "_", text)


@dataclass(frozen=True)
class EntitySpec:
    """One Autotask entity as the metrics see it: its fields and their SQL types."""

    entity: str  # Autotask's name, e.g. "Tickets"
    fields: dict[str, str]  # Autotask field name -> DuckDB type

    @property
    def view(self) -> str:
        """The view's name (dlt's table name for the entity)."""
        return snake_case(self.entity)


def _spec(entity: str, **groups: str) -> EntitySpec:
    """``_spec("Tickets", BIGINT="id companyID", ...)``: fields listed by type, space-separated."""
    fields: dict[str, str] = {}
    for sql_type, names in groups.items():
        for name in names.split():
            fields[name] = sql_type
    return EntitySpec(entity, fields)


_DAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
_BUSINESS_HOURS = " ".join(
    f"{day}{kind}Hours{edge}Time" for day in _DAYS for kind in ("Business", "Extended") for edge in ("Start", "End")
)

ENTITIES: dict[str, EntitySpec] = {
    spec.view: spec
    for spec in (
        _spec(
            "Tickets",
            BIGINT="id companyID status priority queueID source ticketType issueType serviceLevelAgreementID "
            "assignedResourceID creatorResourceID creatorType completedByResourceID contractID",
            VARCHAR="ticketNumber title",
            TIMESTAMPTZ="createDate completedDate resolvedDateTime firstResponseDateTime firstResponseDueDateTime "
            "resolvedDueDateTime resolutionPlanDateTime resolutionPlanDueDateTime dueDateTime lastActivityDate",
            BOOLEAN="serviceLevelAgreementHasBeenMet",
        ),
        _spec(
            "TicketNotes",
            BIGINT="id ticketID noteType publish creatorResourceID createdByContactID",
            TIMESTAMPTZ="createDateTime",
        ),
        _spec(
            "TimeEntries",
            BIGINT="id ticketID taskID resourceID roleID billingCodeID timeEntryType contractID",
            DATE="dateWorked",
            TIMESTAMPTZ="startDateTime endDateTime",
            DOUBLE="hoursWorked hoursToBill",
            BOOLEAN="isNonBillable",
        ),
        _spec(
            "ServiceLevelAgreementResults",
            BIGINT="id ticketID firstResponseResourceID resolutionPlanResourceID resolutionResourceID",
            VARCHAR="serviceLevelAgreementName",
            DOUBLE="firstResponseElapsedHours resolutionPlanElapsedHours resolutionElapsedHours",
            BOOLEAN="isFirstResponseMet isResolutionPlanMet isResolutionMet",
        ),
        _spec(
            "SurveyResults",
            BIGINT="id surveyID ticketID companyID contactID",
            TIMESTAMPTZ="sendDate completeDate",
            DOUBLE="surveyRating resourceRating contactRating companyRating",
        ),
        _spec(
            "Resources",
            BIGINT="id locationID",
            VARCHAR="firstName lastName userName",
            BOOLEAN="isActive",
            DOUBLE="internalCost",
            DATE="hireDate",
        ),
        _spec("Companies", BIGINT="id companyType", VARCHAR="companyName", BOOLEAN="isActive"),
        _spec("Contracts", BIGINT="id companyID contractType status", VARCHAR="contractName",
              DATE="startDate endDate"),
        _spec(
            "Projects",
            BIGINT="id companyID status projectType projectLeadResourceID contractID completedPercentage",
            VARCHAR="projectName projectNumber",
            TIMESTAMPTZ="startDateTime endDateTime completedDateTime createDateTime",
            DOUBLE="estimatedTime actualHours projectCostsBudget",
        ),
        _spec("Phases", BIGINT="id projectID parentPhaseID", VARCHAR="title phaseNumber",
              TIMESTAMPTZ="startDate dueDate", DOUBLE="estimatedHours"),
        _spec(
            "Tasks",
            BIGINT="id projectID phaseID status assignedResourceID",
            VARCHAR="title taskNumber",
            TIMESTAMPTZ="startDateTime endDateTime completedDateTime",
            DOUBLE="estimatedHours remainingHours",
        ),
        _spec(
            "BillingItems",
            BIGINT="id companyID contractID invoiceID ticketID taskID projectID timeEntryID billingItemType "
            "billingCodeID roleID",
            VARCHAR="itemName",
            TIMESTAMPTZ="itemDate postedDate",
            DOUBLE="quantity rate extendedPrice totalAmount ourCost",
        ),
        _spec(
            "Invoices",
            BIGINT="id companyID paymentTerm",
            VARCHAR="invoiceNumber",
            DATE="invoiceDateTime dueDate paidDate",
            DOUBLE="invoiceTotal totalTaxValue",
            BOOLEAN="isVoided",
        ),
        _spec("HolidaySets", BIGINT="id", VARCHAR="holidaySetName holidaySetDescription"),
        _spec("Holidays", BIGINT="id holidaySetID", VARCHAR="holidayName", DATE="holidayDate"),
        _spec(
            "InternalLocationWithBusinessHours",
            BIGINT="id timeZoneID holidaySetID holidayHoursType",
            VARCHAR="name",
            BOOLEAN="isDefault noHoursOnHolidays",
            # wall-clock times of day: only the time part of these values means anything
            TIMESTAMP=_BUSINESS_HOURS + " holidayHoursStartTime holidayHoursEndTime",
        ),
        _spec(
            "ResourceDailyAvailabilities",
            BIGINT="id resourceID",
            DOUBLE=" ".join(f"{day}AvailableHours" for day in _DAYS) + " weeklyBillableHoursGoal",
        ),
        _spec(
            "TimeOffRequests",
            BIGINT="id resourceID status timeOffRequestType",
            DATE="requestDate",
            TIMESTAMPTZ="startTime endTime",
            DOUBLE="hours",
        ),
    )
}

WEEKDAYS = _DAYS  # index 0 = Sunday, as Autotask orders them
