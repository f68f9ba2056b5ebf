"""Money metrics: contract profitability and accounts-receivable aging.

Profitability per contract (or company) over the range: revenue = ``BillingItems.totalAmount`` of the
contract's items dated (``itemDate``) in the range; item cost = their ``ourCost``, except items that
bill a time entry (``timeEntryID`` set), whose cost is the labour below; labour cost =
``TimeEntries.hoursWorked`` on the contract (``contractID``, ``dateWorked`` in range) × the resource's
``Resources.internalCost``; margin = revenue − item cost − labour cost; effective hourly rate =
revenue ÷ hours worked.

AR aging at today (tenant zone): invoices issued by today, not voided, not paid by today, bucketed by
days past ``dueDate``: ``current`` (not yet due), ``1-30``, ``31-60``, ``61-90``, ``90+``.
See docs/metrics.md.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from .common import Dim, check_by, labelled, resolve_range

if TYPE_CHECKING:
    import pyarrow as pa

    from .source import Source

__all__ = ["AGING_BUCKETS", "AGING_DIMENSIONS", "PROFIT_DIMENSIONS", "ar_aging", "contract_profitability"]

PROFIT_DIMENSIONS = ("contract", "company")
AGING_DIMENSIONS = ("bucket", "company")
AGING_BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")


def contract_profitability(source: Source, by: str = "contract", since: date | None = None,
                           until: date | None = None) -> pa.Table:
    """Revenue, costs, margin and effective hourly rate per contract (or company)."""
    check_by(by, PROFIT_DIMENSIONS, "contract_profitability")
    source.require("billing_items", "contract_id", "item_date", "total_amount", purpose="contract profitability")
    source.require("time_entries", "contract_id", "hours_worked", purpose="contract profitability")
    source.require("resources", "internal_cost", purpose="contract profitability")
    span = resolve_range(source, since, until)
    if by == "contract":
        dim, item_key, time_key = Dim("contract", "contract"), "b.contract_id", "e.contract_id"
    else:
        dim = Dim("company", "company")
        item_key, time_key = "coalesce(b.company_id, ct.company_id)", "ct.company_id"
    sql = f"""
        WITH items AS (
            SELECT {item_key} AS k, coalesce(b.total_amount, 0) AS revenue,
                   CASE WHEN b.time_entry_id IS NULL THEN coalesce(b.our_cost, 0) ELSE 0 END AS item_cost
            FROM billing_items b LEFT JOIN contracts ct ON ct.id = b.contract_id
            WHERE b.contract_id IS NOT NULL AND b.item_date >= $1 AND b.item_date < $2),
        labour AS (
            SELECT {time_key} AS k, e.hours_worked AS hours,
                   e.hours_worked * coalesce(r.internal_cost, 0) AS cost
            FROM time_entries e LEFT JOIN resources r ON r.id = e.resource_id
            LEFT JOIN contracts ct ON ct.id = e.contract_id
            WHERE e.contract_id IS NOT NULL AND e.date_worked >= $3 AND e.date_worked <= $4),
        combined AS (
            SELECT k, revenue, item_cost, 0.0 AS hours, 0.0 AS labour_cost FROM items
            UNION ALL SELECT k, 0.0, 0.0, hours, cost FROM labour)
        SELECT k, round(sum(revenue), 2) AS revenue, round(sum(item_cost), 2) AS item_cost,
               round(sum(hours), 2) AS hours_worked, round(sum(labour_cost), 2) AS labour_cost,
               round(sum(revenue) - sum(item_cost) - sum(labour_cost), 2) AS margin,
               round(100.0 * (sum(revenue) - sum(item_cost) - sum(labour_cost)) / nullif(sum(revenue), 0), 2)
                   AS margin_pct,
               round(sum(revenue) / nullif(sum(hours), 0), 2) AS effective_hourly_rate
        FROM combined GROUP BY k"""
    return source.query(labelled(sql, dim, order="margin DESC NULLS LAST, 1"),
                        [span.start_utc, span.end_utc, span.since, span.until])


def ar_aging(source: Source, by: str = "bucket") -> pa.Table:
    """Open receivables at today by aging bucket (``by="bucket"``) or per company with one column per bucket."""
    check_by(by, AGING_DIMENSIONS, "ar_aging")
    source.require("invoices", "due_date", "invoice_total", "paid_date", purpose="AR aging")
    bucket = ("CASE WHEN date_diff('day', i.due_date, $1) <= 0 THEN 'current' "
              "WHEN date_diff('day', i.due_date, $1) <= 30 THEN '1-30' "
              "WHEN date_diff('day', i.due_date, $1) <= 60 THEN '31-60' "
              "WHEN date_diff('day', i.due_date, $1) <= 90 THEN '61-90' ELSE '90+' END")
    open_invoices = (f"SELECT i.company_id, {bucket} AS bucket, coalesce(i.invoice_total, 0) AS amount, "
                     "date_diff('day', i.due_date, $1) AS days_past_due FROM invoices i "
                     "WHERE (i.invoice_date_time IS NULL OR i.invoice_date_time <= $1) "
                     "AND NOT coalesce(i.is_voided, FALSE) AND (i.paid_date IS NULL OR i.paid_date > $1)")
    if by == "bucket":
        buckets = ", ".join(f"('{name}', {n})" for n, name in enumerate(AGING_BUCKETS))
        sql = (f"SELECT b.bucket, count(o.amount) AS invoices, round(coalesce(sum(o.amount), 0), 2) AS amount "
               f"FROM (VALUES {buckets}) b(bucket, position) LEFT JOIN ({open_invoices}) o ON o.bucket = b.bucket "
               "GROUP BY b.bucket, b.position ORDER BY b.position")
        return source.query(sql, [source.today()])
    columns = ", ".join(
        f"round(coalesce(sum(amount) FILTER (WHERE bucket = '{b}'), 0), 2) AS "
        f"{'current' if b == 'current' else 'days_' + b.replace('-', '_').replace('+', '_plus')}"
        for b in AGING_BUCKETS)
    grouped = (f"SELECT company_id AS k, count(*) AS invoices, {columns}, round(sum(amount), 2) AS total, "
               f"max(days_past_due) AS oldest_days_past_due FROM ({open_invoices}) GROUP BY k")
    return source.query(labelled(grouped, Dim("company", "company"), order="total DESC, 1"), [source.today()])
