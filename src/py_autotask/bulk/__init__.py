"""Bulk create / update / upsert / delete: validated, metered, resumable, exactly once.

    from py_autotask.bulk import BulkEngine

    run = BulkEngine(client).upsert("Tickets", "tickets.csv", key=["externalID"],
                                    journal="results.csv.journal.sqlite")
    for result in run:            # RowResult(row_number, outcome, id, messages)
        ...
    print(run.summary.describe())

Rows come from an iterable of dicts, a pandas DataFrame, or a CSV / JSON / NDJSON / XLSX file. Every row
is validated against the tenant's live metadata before anything is written (`validate.py`); writes run
within the endpoint's concurrency limit and the hourly budget (`metering.py`); a SQLite journal records
each row's state so a killed job resumes without writing anything twice (`journal.py`, `flows.py`).
`AsyncBulkEngine` does the same on `AsyncAutotaskClient`.
"""

from .aengine import AsyncBulkEngine, AsyncBulkRun
from .engine import BulkEngine, BulkRun
from .job import BulkOptions, InputFileError
from .journal import Journal, JournalError, default_journal_path
from .readers import InputRow, read_rows
from .results import OUTCOMES, SUCCESS_OUTCOMES, BulkSummary, Outcome, RowResult, write_report

__all__ = [
    "OUTCOMES",
    "SUCCESS_OUTCOMES",
    "AsyncBulkEngine",
    "AsyncBulkRun",
    "BulkEngine",
    "BulkOptions",
    "BulkRun",
    "BulkSummary",
    "InputFileError",
    "InputRow",
    "Journal",
    "JournalError",
    "Outcome",
    "RowResult",
    "default_journal_path",
    "read_rows",
    "write_report",
]
