"""The seed's skeleton, part 1: who exists and when — the MSP's staff and its customers.

The record generators (``seed_org``, ``seed_crm``, ``seed_service``, ``seed_work``) are lazy and run in
any order, so everything one table needs from another (ids, create times, owners) is decided here first,
in compact arrays, and the generators only decorate it. A row is only ever referenced by a row created
after it: a ticket's company, contact, contract and configuration item all exist at the ticket's time.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass, field

from .core import DAY, YEAR, Clock, expand, pick, stream
from .text import COMPANY_FIRST, COMPANY_LAST, COMPANY_MIDDLE, FIRST_NAMES, LAST_NAMES

Rand = Callable[[], float]  # a seeded stream of floats in [0, 1) (core.stream)

DEPARTMENTS = ("Service Desk", "Projects", "Sales", "Administration", "Network Operations")
# (role name, department index, hourly rate, active)
ROLES = (
    ("Service Desk Tier 1", 0, 125.0, True),
    ("Service Desk Tier 2", 0, 150.0, True),
    ("Onsite Technician", 0, 165.0, True),
    ("Dispatcher", 0, 110.0, True),
    ("Senior Engineer", 4, 195.0, True),
    ("Network Engineer", 4, 185.0, True),
    ("Project Manager", 1, 180.0, True),
    ("Technical Consultant", 1, 210.0, True),
    ("Account Manager", 2, 140.0, True),
    ("Administration", 3, 95.0, True),
    ("Legacy Helpdesk", 0, 99.0, False),
)
# resource kind -> roles it holds (first = default); the kinds drive who gets tickets, tasks and deals
KIND_ROLES = {
    "admin": (9,),
    "desk": (0, 1, 3),
    "senior": (1, 4),
    "onsite": (2, 0),
    "noc": (5, 4),
    "pm": (6, 7),
    "consultant": (7, 4),
    "sales": (8,),
}
KIND_DEPARTMENT = {
    "admin": 3,
    "desk": 0,
    "senior": 0,
    "onsite": 0,
    "noc": 4,
    "pm": 1,
    "consultant": 1,
    "sales": 2,
}
TICKET_KINDS = frozenset({"desk", "senior", "onsite", "noc"})
PROJECT_KINDS = frozenset({"pm", "consultant", "senior"})
COMPANY_KINDS = ("Customer", "Lead", "Prospect", "Dead", "Cancellation", "Vendor", "Partner")
_CUSTOMER = 0
CONTRACT_KINDS = ("Recurring Service", "Block Hours", "Time & Materials", "Retainer", "Fixed Price")


@dataclass
class Resource:
    """One staff member (or API-only user) of the MSP."""

    index: int
    id: int
    kind: str
    first: str
    last: str
    hire_ms: int
    end_ms: int | None  # when they left (inactive), None while employed
    role_ids: list[int]
    department_id: int
    email: str

    def works_at(self, ms: int) -> bool:
        """Employed (hired and not yet left) at ``ms``."""
        return self.hire_ms <= ms and (self.end_ms is None or ms < self.end_ms)


@dataclass
class Org:
    """Departments, roles and resources (all small, kept as objects)."""

    department_ids: list[int]
    role_ids: list[int]
    resources: list[Resource]
    api_resources: list[Resource] = field(default_factory=list)

    def by_kind(self, kinds: frozenset[str] | set[str]) -> list[Resource]:
        """Human resources whose kind is in ``kinds``."""
        return [r for r in self.resources if r.kind in kinds]


def build_org(seed: int, clock: Clock, tickets: int) -> Org:
    """The MSP's departments, roles and staff, sized to the ticket volume."""
    rand = stream(seed, "plan/org")
    department_ids = [29682820 + 3 * i for i in range(len(DEPARTMENTS))]
    role_ids = [29682833 + 2 * i for i in range(len(ROLES))]
    staff = max(10, min(250, 6 + tickets // 200))
    kinds = ["admin", "pm", "sales", "desk", "senior", "noc"]  # everyone needed at least once
    kind_table = expand(
        [("desk", 40), ("senior", 10), ("onsite", 8), ("noc", 12), ("pm", 8), ("consultant", 8), ("sales", 8)]
    )
    while len(kinds) < staff:
        kinds.append(pick(kind_table, rand))
    resources = []
    next_id = 29682885
    seen_names: set[tuple[str, str]] = set()
    for index, kind in enumerate(kinds):
        first, last = pick(FIRST_NAMES, rand), pick(LAST_NAMES, rand)
        while (first, last) in seen_names:  # e-mail addresses must stay unique
            first, last = pick(FIRST_NAMES, rand), pick(LAST_NAMES, rand)
        seen_names.add((first, last))
        # The first six (one per essential kind) were there before the window and never leave.
        if index < 6 or rand() < 0.75:
            hire = clock.start - int((0.2 + rand() * 6) * YEAR)
        else:
            hire = clock.start + int(rand() * (clock.now - clock.start) * 0.8)
        hire -= hire % DAY
        end = None
        # Ex-staff: resource 6 always (tests of inactive resources need one), others at random.
        if index == 6 or (index > 6 and rand() < 0.08):
            hire = min(hire, clock.start)
            end = max(hire + 90 * DAY, clock.start + int((0.2 + rand() * 0.6) * (clock.now - clock.start)))
        roles = [role_ids[r] for r in KIND_ROLES[kind]]
        department = department_ids[KIND_DEPARTMENT[kind]]
        email = f"{first.lower()}.{last.lower()}@sandbox-msp.example.com"
        resources.append(Resource(index, next_id, kind, first, last, hire, end, roles, department, email))
        next_id += 1 + int(rand() * 3)
    org = Org(department_ids, role_ids, resources)
    for name, email in (("Full", "sandbox-api@example.com"), ("ReadOnly", "sandbox-readonly@example.com")):
        api = Resource(
            len(resources) + len(org.api_resources),
            next_id,
            "api",
            "Sandbox API",
            name,
            clock.now - 200 * DAY,
            None,
            [],
            department_ids[3],
            email,
        )
        org.api_resources.append(api)
        next_id += 1
    return org


@dataclass
class Crm:
    """Companies, contacts, contracts and configuration items as parallel arrays (index = row order)."""

    names: list[str]
    company_ids: array
    company_create: array
    company_kind: bytearray  # index into COMPANY_KINDS
    company_active: bytearray
    company_owner: array  # resource index
    contact_first: array  # first contact index of each company
    contact_count: array
    contact_create: array
    contact_active: bytearray
    contract_first: array
    contract_count: array
    contract_company: array
    contract_start: array
    contract_end: array
    contract_kind: bytearray
    ci_first: array
    ci_count: array
    ci_create: array
    ticket_companies: list[int]  # weighted table of active customers (index), for picking ticket owners
    deal_companies: list[int]  # companies sales works with (customers, leads, prospects)

    CONTACT_BASE = 29684000
    CONTRACT_BASE = 29683900
    CI_BASE = 29700000

    def contact_id(self, index: int) -> int:
        """Contact id of a contact index."""
        return self.CONTACT_BASE + index

    def contract_id(self, index: int) -> int:
        """Contract id of a contract index."""
        return self.CONTRACT_BASE + 7 * index

    def ci_id(self, index: int) -> int:
        """ConfigurationItem id of a CI index."""
        return self.CI_BASE + index

    def company_at(self, table: list[int], rand: Rand, ms: int, tries: int = 4) -> int:
        """A weighted company index that already existed at ``ms`` (the MSP itself as a last resort)."""
        create = self.company_create
        for _ in range(tries):
            company = table[int(rand() * len(table))]
            if create[company] <= ms:
                return company
        return 0

    def contact_at(self, company: int, rand: Rand, ms: int) -> int:
        """An active contact index of ``company`` existing at ``ms`` (its primary contact as a fallback)."""
        count = self.contact_count[company]
        first = self.contact_first[company]
        if count == 0:
            return -1
        index = first + int(rand() * count)
        if self.contact_create[index] <= ms and self.contact_active[index]:
            return index
        return first

    def contract_at(self, company: int, ms: int) -> int:
        """Index of the company's contract covering ``ms``, or -1."""
        first = self.contract_first[company]
        for index in range(first, first + self.contract_count[company]):
            if self.contract_start[index] <= ms < self.contract_end[index]:
                return index
        return -1

    def ci_at(self, company: int, rand: Rand, ms: int) -> int:
        """A configuration item index of ``company`` existing at ``ms``, or -1."""
        count = self.ci_count[company]
        if count == 0:
            return -1
        index = self.ci_first[company] + int(rand() * count)
        return index if self.ci_create[index] <= ms else -1


def company_names(seed: int, count: int) -> list[str]:
    """``count`` distinct, plausible company names (a seeded walk over name parts)."""
    rand = stream(seed, "plan/company-names")
    combos = len(COMPANY_FIRST) * len(COMPANY_MIDDLE) * len(COMPANY_LAST)
    step = 7919  # prime, coprime with combos unless combos is a multiple of it
    while combos % step == 0:
        step += 2
    start = int(rand() * combos)
    names = []
    for i in range(count):
        k = (start + i * step) % combos
        first = COMPANY_FIRST[k % len(COMPANY_FIRST)]
        middle = COMPANY_MIDDLE[k // len(COMPANY_FIRST) % len(COMPANY_MIDDLE)]
        last = COMPANY_LAST[k // (len(COMPANY_FIRST) * len(COMPANY_MIDDLE))]
        round_ = i // combos
        names.append(f"{first} {middle} {last}" + (f" ({round_ + 1})" if round_ else ""))
    return names


def build_crm(seed: int, clock: Clock, tickets: int, org: Org) -> Crm:
    """Companies (the MSP itself is index 0 / id 0) with their contacts, contracts and assets."""
    rand = stream(seed, "plan/crm")
    count = max(8, tickets // 20)
    names = company_names(seed, count)
    names[0] = "Sandbox MSP Pty Ltd"
    owners = [r.index for r in org.by_kind({"sales", "admin"})]
    kind_table = expand([(0, 80), (1, 5), (2, 5), (3, 2), (4, 1), (5, 5), (6, 2)])
    contacts_for = {
        0: (2, 3, 4, 5, 5, 6, 6, 7, 8, 9),
        1: (1, 2),
        2: (1, 2),
        3: (1, 1, 2),
        4: (1, 2),
        5: (1, 2, 3),
        6: (1, 2, 3),
    }
    ci_counts = (1, 2, 3, 4, 4, 5, 6, 8)
    term_years = (1, 1, 2, 3)
    contract_kind_table = expand([(0, 60), (1, 15), (2, 15), (3, 5), (4, 5)])
    span = clock.now - clock.start

    ids, create, kinds, active, owner = array("q"), array("q"), bytearray(), bytearray(), array("l")
    c_first, c_count, c_create, c_active = array("l"), array("l"), array("q"), bytearray()
    k_first, k_count, k_company, k_start, k_end, k_kind = (
        array("l"),
        array("l"),
        array("l"),
        array("q"),
        array("q"),
        bytearray(),
    )
    i_first, i_count, i_create = array("l"), array("l"), array("q")
    next_id = 29683500
    for company in range(count):
        if company == 0:
            kind, made, company_id = _CUSTOMER, clock.start - 9 * YEAR, 0
        else:
            kind = pick(kind_table, rand)
            if rand() < 0.65:
                made = clock.start - int(rand() * 6 * YEAR)
            else:
                made = clock.start + int(rand() * (span - 14 * DAY))
            company_id = next_id
            next_id += 1 + (rand() < 0.15)
        made += int(rand() * DAY)
        ids.append(company_id)
        create.append(made)
        kinds.append(kind)
        is_active = kind not in (3, 4) and not (kind == _CUSTOMER and company and rand() < 0.04)
        active.append(is_active)
        owner.append(pick(owners, rand))
        # contacts: the first (primary) one is created with the company and stays active
        n_contacts = 0 if company == 0 else pick(contacts_for[kind], rand)
        c_first.append(len(c_create))
        c_count.append(n_contacts)
        for k in range(n_contacts):
            c_create.append(made if k == 0 else made + int(rand() * (clock.now - made) * 0.8))
            c_active.append(k == 0 or rand() > 0.08)
        # contracts: an unbroken chain of terms for active customers, from onboarding to past now
        k_first.append(len(k_start))
        n_contracts = 0
        if company and kind == _CUSTOMER and is_active and rand() < 0.85:
            kind_of_chain = pick(contract_kind_table, rand)
            start = max(made, clock.start - int(rand() * YEAR))
            start -= start % DAY
            while start < clock.now:
                end = start + pick(term_years, rand) * YEAR
                k_company.append(company)
                k_start.append(start)
                k_end.append(end)
                k_kind.append(kind_of_chain)
                n_contracts += 1
                start = end
        k_count.append(n_contracts)
        # configuration items: customers' devices, installed after onboarding
        i_first.append(len(i_create))
        n_cis = pick(ci_counts, rand) if company and kind == _CUSTOMER else 0
        i_count.append(n_cis)
        for _ in range(n_cis):
            i_create.append(made + int(rand() * (clock.now - made) * 0.7))

    ticket_table = []
    for company in range(1, count):
        if kinds[company] == _CUSTOMER and active[company]:
            ticket_table.extend([company] * min(30, 1 + int(1 / (0.03 + rand()))))  # a few busy clients
    deal_table = [c for c in range(1, count) if kinds[c] in (0, 1, 2) and active[c]]
    return Crm(
        names,
        ids,
        create,
        kinds,
        active,
        owner,
        c_first,
        c_count,
        c_create,
        c_active,
        k_first,
        k_count,
        k_company,
        k_start,
        k_end,
        k_kind,
        i_first,
        i_count,
        i_create,
        ticket_table or [0],
        deal_table or [0],
    )


def resource_at(pool: list[Resource], rand: Rand, ms: int, tries: int = 5) -> Resource:
    """A resource of ``pool`` employed at ``ms`` (the pool's longest-serving member as a fallback)."""
    for _ in range(tries):
        resource = pool[int(rand() * len(pool))]
        if resource.works_at(ms):
            return resource
    return pool[0]


def day_table(clock: Clock, start_ms: int, end_ms: int) -> list[int]:
    """Weighted table of day-start timestamps: weekdays busier than weekends, growth over time."""
    first_day = start_ms // DAY
    last_day = end_ms // DAY
    weighted = []
    for day in range(first_day, last_day + 1):
        weekday = (day + 3) % 7  # 1970-01-01 was a Thursday -> 0 = Monday
        weight = 10 if weekday < 5 else 2
        growth = 0.7 + 0.6 * (day - first_day) / max(1, last_day - first_day)
        weighted.append((day * DAY, weight * growth))
    return expand(weighted, resolution=max(2000, 12 * len(weighted)))


# Hour-of-day (UTC) weights: an Australian-East business day runs roughly 21:00-08:00 UTC.
HOUR_WEIGHTS = (6, 6, 6, 5, 5, 4, 3, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 4, 6, 6)
HOUR_TABLE = expand([(h, w) for h, w in enumerate(HOUR_WEIGHTS)], resolution=400)


def sorted_times(rand: Rand, count: int, days: list[int], not_after: int) -> list[int]:
    """``count`` ascending millisecond timestamps distributed like service-desk activity."""
    n_days, n_hours = len(days), len(HOUR_TABLE)
    times: list[int] = []
    append = times.append
    for _ in range(count):
        ms = (
            days[int(rand() * n_days)]
            + HOUR_TABLE[int(rand() * n_hours)] * 3_600_000
            + int(rand() * 3_600_000)
        )
        append(ms if ms < not_after else not_after - int(rand() * 3_600_000))
    times.sort()
    return times
