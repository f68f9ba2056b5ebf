"""Seed ``BillingItems``: what each contract billed, month by month, so contract profitability means something.

Per contract term, from its start to now (or its end):

* Recurring Service and Retainer contracts bill a monthly fee on the first of each month, sized by the
  customer (its number of contacts); the licences and tools inside it cost the MSP ``ourCost``
  (25-40 % of the fee);
* Time & Materials contracts bill the month's labour (the hours of that month's tickets on the contract,
  as the technicians' time entries average them) at the Service Desk Tier 2 rate;
* Block Hours contracts buy a block of 20 hours every quarter;
* Fixed Price contracts bill their price once, at the start of the term.

Fees are deliberately uneven against the work each customer generates, so some contracts run at a loss.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date

from .core import DAY, stream
from .plan import CONTRACT_KINDS
from .plan_work import SeedContext

__all__ = ["billing_items"]

_EPOCH = date(1970, 1, 1).toordinal()
_HOURS_PER_TICKET = 1.6  # what a ticket's time entries add up to, on average (seed/service.py)
_RATE = 150.0


def _month(ms: int) -> int:
    day = date.fromordinal(_EPOCH + ms // DAY)
    return day.year * 12 + day.month - 1


def _month_start(month: int) -> int:
    return (date(month // 12, month % 12 + 1, 1).toordinal() - _EPOCH) * DAY


def billing_items(ctx: SeedContext) -> Iterator[dict]:
    """Billing items in contract order, then date order within a contract."""
    rand, clock, crm, plan = stream(ctx.seed, "BillingItems"), ctx.clock, ctx.crm, ctx.tickets
    labour_kinds = {CONTRACT_KINDS.index("Time & Materials")}
    tickets: Counter[tuple[int, int]] = Counter()
    for i in range(len(plan.ids)):
        contract = plan.contract[i]
        if contract >= 0 and crm.contract_kind[contract] in labour_kinds and not plan.deleted[i]:
            tickets[(contract, _month(plan.create[i]))] += 1
    now_month = _month(clock.now)
    next_id = 29743000
    for index in range(len(crm.contract_start)):
        kind = CONTRACT_KINDS[crm.contract_kind[index]]
        company = crm.contract_company[index]
        start, end = crm.contract_start[index], crm.contract_end[index]
        size = max(1, crm.contact_count[company])
        base = {"companyID": crm.company_ids[company], "contractID": crm.contract_id(index)}
        first, last = _month(start), min(_month(end - DAY), now_month)
        charges: list[tuple[int, str, float, float, float]] = []  # (ms, name, quantity, rate, cost share)
        if kind in ("Recurring Service", "Retainer"):
            fee = round((450 + 140 * size) * (0.7 + rand() * 0.8) * (1.6 if kind == "Retainer" else 1), 2)
            share = 0.25 + rand() * 0.15
            for month in range(first, last + 1):
                at = max(start, _month_start(month))
                if at <= clock.now:
                    charges.append((at, f"{kind} fee", 1.0, fee, share))
        elif kind == "Time & Materials":
            for month in range(first, last + 1):
                count = tickets[(index, month)]
                if count:
                    hours = round(count * _HOURS_PER_TICKET * (0.8 + rand() * 0.4) * 4) / 4
                    at = min(clock.now, max(start, _month_start(month + 1) - DAY))
                    charges.append((at, "Labour (time & materials)", hours, _RATE, 0.0))
        elif kind == "Block Hours":
            for month in range(first, last + 1, 3):
                at = max(start, _month_start(month))
                if at <= clock.now:
                    charges.append((at, "Block of 20 hours", 20.0, 140.0, 0.0))
        elif start <= clock.now:  # Fixed Price
            charges.append((start, "Fixed-price project and support", 1.0, round(8000 + rand() * 20000, 2), 0.2))
        for at, name, quantity, rate, cost_share in charges:
            total = round(quantity * rate, 2)
            record = {
                "id": next_id, **base, "itemName": name, "description": f"{name} - {clock.day_label(at)[:7]}",
                "itemDate": clock.dt(at), "postedDate": clock.dt(min(clock.now, at + DAY)),
                "webServiceDate": clock.dt(min(clock.now, at + DAY)), "quantity": quantity, "rate": rate,
                "extendedPrice": total, "totalAmount": total, "internalCurrencyExtendedPrice": total,
                "internalCurrencyTotalAmount": total, "internalCurrencyRate": 1.0, "taxDollars": round(total / 10, 2),
            }
            if cost_share:
                record["ourCost"] = round(total * cost_share, 2)
            yield record
            next_id += 1
