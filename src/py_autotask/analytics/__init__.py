"""MSP analytics over the local mirror or a directory of Parquet exports, computed in the open with DuckDB.

    from py_autotask.analytics import open_source, csat, sla

    with open_source("autotask_mirror.duckdb") as source:      # or a directory of `export --format parquet` files
        table = csat(source, by="month")                # a pyarrow.Table
        frame = sla(source, by="priority").to_pandas()  # DataFrames through Arrow

Every metric is a function of the source returning an Arrow table whose first column is the group;
the formula, the Autotask fields it reads and its caveats are in docs/metrics.md, and
`py-autotask report NAME` renders any of them (terminal, CSV, JSON, XLSX, HTML with charts).
Needs the ``analytics`` extra (DuckDB and pyarrow).
"""

from __future__ import annotations

from .calendar import TenantCalendar, zone_from_label
from .common import PERIODS, Range, resolve_range
from .customers import csat
from .money import ar_aging, contract_profitability
from .people import utilization
from .projects import RiskThresholds, project_health
from .schema import ENTITIES, snake_case
from .service_desk import backlog, first_touch, response_times, sla, ticket_volume
from .source import MissingDataError, Source, SourceError, open_source

__all__ = [
    "ENTITIES",
    "PERIODS",
    "MissingDataError",
    "Range",
    "RiskThresholds",
    "Source",
    "SourceError",
    "TenantCalendar",
    "ar_aging",
    "backlog",
    "contract_profitability",
    "csat",
    "first_touch",
    "open_source",
    "project_health",
    "resolve_range",
    "response_times",
    "sla",
    "snake_case",
    "ticket_volume",
    "utilization",
    "zone_from_label",
]
