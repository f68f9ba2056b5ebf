"""Runs a compiled :class:`Plan` over a :class:`~.table.Table`: pages, previous-page starts and counts.

Unfiltered pages are a ``bisect`` and a slice (O(page)); id bounds taken from the filter narrow every scan;
an ``eq`` on an integer column of a big table walks that column's lazily built index instead of the table;
counts of id-only filters (and of one indexed equality) are O(log n).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from .predicates import Predicate
from .table import Table

__all__ = ["Plan", "count_rows", "previous_start_id", "select_rows"]


@dataclass(frozen=True)
class Plan:
    """How to find the matching rows: id bounds, candidate ids/index terms, and a residual predicate."""

    predicate: Predicate | None
    lo: int | None = None
    hi: int | None = None
    id_set: tuple[int, ...] | None = None
    index_terms: tuple[tuple[int, Any], ...] = ()
    residual_terms: int = 0  # conjuncts left in the predicate (0 = bounds only)
    empty: bool = False


def _candidates(table: Table, plan: Plan, lo: int | None, hi: int | None, reverse: bool) -> Iterator[tuple]:
    """Rows within [lo, hi] that may match, narrowed by an id list or the smallest usable index bucket."""
    if plan.id_set is not None:
        ids = plan.id_set
        start = 0 if lo is None else bisect_left(ids, lo)
        stop = len(ids) if hi is None else bisect_right(ids, hi)
        chosen = range(stop - 1, start - 1, -1) if reverse else range(start, stop)
        return table.rows_for_ids(map(ids.__getitem__, chosen))
    bucket = _best_bucket(table, plan)
    if bucket is not None:
        start = 0 if lo is None else bisect_left(bucket, lo)
        stop = len(bucket) if hi is None else bisect_right(bucket, hi)
        chosen = range(stop - 1, start - 1, -1) if reverse else range(start, stop)
        return table.rows_for_ids(map(bucket.__getitem__, chosen))
    start, stop = table.lower_bound(lo), table.upper_bound(hi)
    return table.iter_range_reversed(start, stop) if reverse else table.iter_range(start, stop)


def _best_bucket(table: Table, plan: Plan) -> list[int] | None:
    best: list[int] | None = None
    for col, value in plan.index_terms:
        index = table.index(col)
        if index is None:
            continue
        bucket = index.get(value, [])
        if best is None or len(bucket) < len(best):
            best = bucket
    return best


def _merge_lower(plan_lo: int | None, start_id: int | None) -> int | None:
    if start_id is None:
        return plan_lo
    return start_id if plan_lo is None else max(plan_lo, start_id)


def select_rows(table: Table, plan: Plan, start_id: int | None, limit: int) -> list[tuple]:
    """Up to ``limit`` matching rows with ``id >= start_id``, ascending by id."""
    if plan.empty or limit <= 0:
        return []
    lo = _merge_lower(plan.lo, start_id)
    if plan.predicate is None and plan.id_set is None:
        start = table.lower_bound(lo)
        stop = min(table.upper_bound(plan.hi), start + limit)
        return table.rows[start:stop]
    rows = _candidates(table, plan, lo, plan.hi, reverse=False)
    if plan.predicate is not None:
        rows = filter(plan.predicate, rows)
    return list(islice(rows, limit))


def previous_start_id(table: Table, plan: Plan, before_id: int, page_size: int) -> int | None:
    """The first id of the page of ``page_size`` matches that ends just before ``before_id``."""
    if plan.empty or page_size <= 0:
        return None
    hi = before_id - 1 if plan.hi is None else min(plan.hi, before_id - 1)
    if plan.lo is not None and hi < plan.lo:
        return None
    rows = _candidates(table, plan, plan.lo, hi, reverse=True)
    if plan.predicate is not None:
        rows = filter(plan.predicate, rows)
    last: tuple | None = None
    for row in islice(rows, page_size):
        last = row
    return None if last is None else last[0]


def count_rows(table: Table, plan: Plan) -> int:
    """Number of matching rows; O(log n) when the filter only bounds ids (or one indexed equality)."""
    if plan.empty:
        return 0
    if plan.predicate is None and plan.id_set is None:
        return max(0, table.upper_bound(plan.hi) - table.lower_bound(plan.lo))
    if plan.id_set is None and plan.residual_terms == 1 and len(plan.index_terms) == 1:
        bucket = _best_bucket(table, plan)
        if bucket is not None:
            start = 0 if plan.lo is None else bisect_left(bucket, plan.lo)
            stop = len(bucket) if plan.hi is None else bisect_right(bucket, plan.hi)
            return max(0, stop - start)
    rows = _candidates(table, plan, plan.lo, plan.hi, reverse=False)
    if plan.predicate is None:
        return sum(1 for _ in rows)
    return sum(1 for _ in filter(plan.predicate, rows))
