"""Cheap building blocks for the seed generator: a cached timestamp formatter, weighted pickers, names.

Generating a million tickets in under a minute rules out per-record ``datetime`` arithmetic and
``random.choices``: times are integer milliseconds since the epoch, formatted by table lookups into
Autotask's response form (UTC, millisecond precision, no ``Z``: ``2024-01-31T15:04:05.307``), and
every weighted choice is an index into a pre-expanded table (``table[int(random() * len(table))]``),
which also keeps the random stream stable across Python versions.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any

from ..backend.values import is_date_only

MINUTE = 60_000
HOUR = 3_600_000
DAY = 86_400_000
YEAR = 365 * DAY
_EPOCH_DAY = date(1970, 1, 1)


def to_ms(moment: datetime) -> int:
    """Milliseconds since the Unix epoch of an aware datetime (naive ones are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1000)


class Clock:
    """Formats integer-millisecond timestamps in Autotask's wire form, by table lookup.

    ``dt(ms)`` -> ``2024-01-31T15:04:05.307``, ``date(ms)`` -> ``2024-01-31T00:00:00`` (date-only fields),
    ``midnight(ms)`` -> ``2024-01-31T00:00:00.000`` (the same in the store's form, for row tables),
    ``ticket_number(ms, seq)`` -> ``T20240131.0001``. They are closures stored on the instance because
    that is the cheapest call available to loops that run millions of times; ``date`` and ``midnight``
    return shared strings, one per day.
    """

    def __init__(self, now_ms: int, *, years_back: int = 12, years_ahead: int = 4) -> None:
        self.now = now_ms
        self.start = now_ms - 3 * YEAR  # the window "dates spread over the last three years" uses
        self._first_day = now_ms // DAY - years_back * 366
        days = (years_back + years_ahead) * 366
        first = _EPOCH_DAY + timedelta(days=self._first_day)
        self._days = days
        self._day_prefix = [(first + timedelta(days=i)).isoformat() + "T" for i in range(days)]
        two = [f"{n:02d}" for n in range(60)]
        self._hms = [f"{h}:{m}:{s}" for h in two[:24] for m in two for s in two]
        self._millis = [f".{m:03d}" for m in range(1000)]
        self.dt = self._formatter()
        self.date = self._date_formatter()
        self.midnight = self._date_formatter(".000")
        self.ticket_number = self._number_formatter()

    def _formatter(self) -> Callable[[int], str]:
        """``dt(ms)`` -> ``2024-01-31T15:04:05.307``; a closure over the tables (hot path: no divmod)."""
        prefixes, hms, millis, first, days, slow = (
            self._day_prefix,
            self._hms,
            self._millis,
            self._first_day,
            self._days,
            self._prefix,
        )

        def dt(ms: int) -> str:
            seconds = ms // 1000
            day = seconds // 86_400
            index = day - first
            prefix = prefixes[index] if 0 <= index < days else slow(day)
            return prefix + hms[seconds - day * 86_400] + millis[ms - seconds * 1000]

        return dt

    def _prefix(self, day: int) -> str:
        index = day - self._first_day
        if 0 <= index < len(self._day_prefix):
            return self._day_prefix[index]
        return (_EPOCH_DAY + timedelta(days=day)).isoformat() + "T"  # rare: birthdays, far-off dates

    def _date_formatter(self, millis: str = "") -> Callable[[int], str]:
        """``date(ms)`` -> ``2024-01-31T00:00:00`` + ``millis``: date-only fields are the day at midnight."""
        midnights = [prefix + "00:00:00" + millis for prefix in self._day_prefix]
        first, days, slow = self._first_day, self._days, self._prefix

        def date(ms: int) -> str:
            index = ms // DAY - first
            return midnights[index] if 0 <= index < days else slow(ms // DAY) + "00:00:00" + millis

        return date

    def _number_formatter(self) -> Callable[[int, int], str]:
        """``ticket_number(ms, seq)`` -> ``T20240131.0001``: the create day and the day's running number."""
        days = [prefix[:10].replace("-", "") for prefix in self._day_prefix]
        numbers = [f"{n:04d}" for n in range(10_000)]
        first, count, slow = self._first_day, self._days, self._prefix

        def ticket_number(ms: int, sequence: int) -> str:
            index = ms // DAY - first
            day = days[index] if 0 <= index < count else slow(ms // DAY)[:10].replace("-", "")
            return "T" + day + "." + (numbers[sequence] if sequence < 10_000 else str(sequence))

        return ticket_number

    def day_label(self, ms: int) -> str:
        """``2024-01-31`` (for names like "Expenses week ending ...")."""
        return self._prefix(ms // DAY)[:-1]


class LazyTable:
    """A re-iterable table: every iteration re-runs the generator and yields the same records."""

    def __init__(self, factory: Callable[[], Iterator[dict]]) -> None:
        self._factory = factory

    def __iter__(self) -> Iterator[dict]:
        return self._factory()


class RowTable(LazyTable):
    """A lazy table whose generator yields tuples in the store's form and layout (``columns`` order).

    The store takes the tuples as its rows unchanged (``table_load.RowSource``), which is what makes a
    million-ticket tenant load in seconds: no dict per record, no per-value conversion. Values must
    already be stored forms (date-times ``2024-01-31T15:04:05.307``); ``userDefinedFields``, when
    present, is the last column and holds a tuple aligned with ``udf_names`` (None when all are empty).
    Iterating yields the same records as sparse dicts, the seed's general contract, with date-only
    fields in the form dict tables give them (``Clock.date``: no milliseconds).
    """

    def __init__(
        self, columns: Sequence[str], factory: Callable[[], Iterator[tuple]], udf_names: Sequence[str] = ()
    ) -> None:
        super().__init__(factory)  # type: ignore[arg-type]
        self.columns = tuple(columns)
        self.udf_names = tuple(udf_names)

    def rows(self) -> Iterator[tuple]:
        """The records as tuples, in ``columns`` order."""
        return self._factory()  # type: ignore[return-value]

    def __iter__(self) -> Iterator[dict]:
        names = self.columns
        udfs = names[-1] == "userDefinedFields"
        if udfs:
            names = names[:-1]
        empty = (None,) * len(self.udf_names)
        dates = [name for name in names if is_date_only(name)]
        for row in self._factory():
            record = {name: value for name, value in zip(names, row, strict=False) if value is not None}
            for name in dates:
                if name in record:
                    record[name] = record[name][:19]
            if udfs:
                record["userDefinedFields"] = [
                    {"name": name, "value": value}
                    for name, value in zip(self.udf_names, row[-1] or empty, strict=True)
                ]
            yield record


def expand(weighted: Sequence[tuple[object, float]], resolution: int = 200) -> list:
    """A lookup table where each item appears in proportion to its weight (index with random())."""
    total = sum(weight for _, weight in weighted)
    table: list = []
    for item, weight in weighted:
        table.extend([item] * max(1, round(weight / total * resolution)) if weight > 0 else [])
    return table


def stream(seed: int, name: str) -> Callable[[], float]:
    """An independent ``random()`` for one table, so tables can be generated in any order."""
    return random.Random(f"autotask-sandbox/{seed}/{name}").random


class Picker:
    """Weighted choice over a field's picklist by label; inactive values only for old records.

    ``pick(rand, old)`` returns the picklist value as an int (or str for string picklists); ``old`` says
    the record predates the tenant retiring values, so inactive ones may appear.
    """

    def __init__(
        self,
        values: list[dict],
        weights: dict[str, float] | None = None,
        *,
        default_weight: float = 1.0,
        as_int: bool = True,
    ) -> None:
        weights = weights or {}
        unknown = set(weights) - {v["label"] for v in values}
        if unknown:
            raise ValueError(f"weights for labels not in the picklist: {sorted(unknown)}")
        convert = int if as_int else str
        self.by_label = {v["label"]: convert(v["value"]) for v in values}
        pairs = [
            (convert(v["value"]), weights.get(v["label"], default_weight), v["isActive"]) for v in values
        ]
        self.active = expand([(value, w) for value, w, active in pairs if active and w > 0]) or [None]
        self.all = expand([(value, w) for value, w, _ in pairs if w > 0]) or [None]

    def pick(self, rand: Callable[[], float], old: bool = False) -> Any:
        """One weighted value (inactive values allowed only when ``old``)."""
        table = self.all if old else self.active
        return table[int(rand() * len(table))]

    def value(self, label: str) -> Any:
        """The value of the entry labelled ``label``."""
        return self.by_label[label]


def id_list(base: int, step: int, indexes: Sequence[int]) -> list[int]:
    """``base + step * k`` for every ``k`` up to the highest of ``indexes``, as one shared int each.

    An id computed per row is a new 28-byte object; across millions of rows that referencing the same
    few thousand companies or contracts, looking the id up here instead keeps one object per id.
    """
    return list(range(base, base + step * (max(indexes, default=-1) + 1), step))


def pick(table: Sequence, rand: Callable[[], float]) -> Any:
    """Uniform choice from a non-empty sequence."""
    return table[int(rand() * len(table))]
