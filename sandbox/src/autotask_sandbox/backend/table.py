"""Compact per-entity row storage with keyset access by id.

Two views of a row:

* *logical* — a list with one slot per model property (``columns``: model order, ``id`` first,
  ``userDefinedFields`` left out) plus, on UDF entities, one last slot (``udf_index``) holding a tuple of
  UDF values aligned with the tenant's UDF definitions (``None`` when all are empty). Writes and
  validation work on logical lists;
* *physical* — the stored tuple, holding only the columns that have ever held a value in this table
  (``stored``; ``slots`` maps a column to its position or ``None``) plus the UDF tuple last. Wide models
  are mostly empty (a Ticket has 76 properties, a seeded one uses ~40), so this saves a third of the
  memory of a million-ticket tenant. A write that fills a never-used column widens the layout once.

``ids`` is a sorted ``array('q')`` parallel to ``rows``: a page is ``bisect`` + slice and a lookup by id
is ``bisect`` — no per-row dict is kept. Dicts are only built for the rows a caller asks for.

The loaded rows are a restore point: the first change after it sets the row list aside and works on a
shallow copy, so :meth:`Table.restore` (what ``control.reset()`` does between tests) is a few assignments
however big the table is, and tables nobody wrote to cost nothing.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable, Iterator
from operator import itemgetter
from typing import Any, NamedTuple

from . import table_load
from .table_load import RowSource
from .values import Kind, kind_of

__all__ = ["INDEX_MIN_ROWS", "Table"]

# Secondary indexes only pay off on big tables; below this, scanning is as fast as building one.
INDEX_MIN_ROWS = 4096


class _Saved(NamedTuple):
    """A table's state at its restore point."""

    rows: list[tuple]
    ids: array
    max_id: int
    stored: tuple[int, ...]
    indexes: dict[int, dict[Any, list[int]]]


class Table:
    """All rows of one entity, ordered by id."""

    def __init__(self, entity: str, model: dict, udf_definitions: list[dict]) -> None:
        self.entity = entity
        self.legacy: str = model.get("legacy") or entity
        fields: dict[str, str] = model["fields"]
        names = [name for name in fields if kind_of(fields[name]) is not Kind.UDFS]
        if "id" in names:
            names.remove("id")
        self.columns: tuple[str, ...] = ("id", *names)
        self.types: tuple[str, ...] = tuple(fields.get(name, "integer:int64") for name in self.columns)
        self.kinds: tuple[Kind, ...] = tuple(kind_of(t) for t in self.types)
        self.col_index: dict[str, int] = {name: i for i, name in enumerate(self.columns)}
        self.col_index_ci: dict[str, int] = {name.lower(): i for i, name in enumerate(self.columns)}
        self.has_udfs = any(kind_of(t) is Kind.UDFS for t in fields.values())
        definitions = udf_definitions if self.has_udfs else []
        self.udf_names: tuple[str, ...] = tuple(str(d["name"]) for d in definitions)
        self.udf_types: tuple[str, ...] = tuple(str(d.get("type") or "") for d in definitions)
        self.udf_positions: dict[str, int] = {name: i for i, name in enumerate(self.udf_names)}
        self.udf_index_ci: dict[str, int] = {name.lower(): i for i, name in enumerate(self.udf_names)}
        self.udf_index: int | None = len(self.columns) if self.has_udfs else None
        self.width = len(self.columns) + (1 if self.has_udfs else 0)
        self.ids: array = array("q")
        self.rows: list[tuple] = []
        self.max_id = 0
        self._indexes: dict[int, dict[Any, list[int]]] = {}
        self._saved: _Saved | None = None  # the rows as loaded, once a change has been made since
        self._set_layout((0,))

    # ---------------------------------------------------------------- layout
    def _set_layout(self, stored: tuple[int, ...]) -> None:
        self.stored = stored
        self.slots: list[int | None] = [None] * len(self.columns)
        for slot, col in enumerate(stored):
            self.slots[col] = slot
        self.stored_names = tuple(self.columns[c] for c in stored)
        self.udf_slot: int | None = len(stored) if self.has_udfs else None
        self._record_builder: Callable[[tuple], dict] | None = None
        picks = (*stored, self.udf_index) if self.udf_index is not None else tuple(stored)
        getter = itemgetter(*picks)
        self._pack: Callable[[list], tuple] = (
            getter if len(picks) > 1 else (lambda values: (values[picks[0]],))
        )

    def reset_layout(self, stored: tuple[int, ...]) -> None:
        """Set the physical layout of an empty table (loaders: rows they store follow it)."""
        self._set_layout(stored)

    def widen(self, cols: Iterable[int]) -> None:
        """Store more columns; every existing row gets ``None`` in the new slots."""
        added = sorted(set(cols) - set(self.stored))
        if not added:
            return
        self._preserve()
        split = len(self.stored)
        padding = (None,) * len(added)
        self.rows = [row[:split] + padding + row[split:] for row in self.rows]
        self._set_layout((*self.stored, *added))

    def slot(self, col: int) -> int | None:
        """Physical position of a column in stored rows (``None``: no row has ever held a value)."""
        return self.slots[col]

    def value(self, row: tuple, col: int) -> Any:
        """A column's value in a stored row."""
        slot = self.slots[col]
        return None if slot is None else row[slot]

    def unpack(self, row: tuple) -> list:
        """A stored row as a logical list (every column, then the UDF tuple on UDF entities)."""
        values: list = [None] * self.width
        for slot, col in enumerate(self.stored):
            values[col] = row[slot]
        if self.udf_index is not None and self.udf_slot is not None:
            values[self.udf_index] = row[self.udf_slot]
        return values

    def pack(self, values: list) -> tuple:
        """A logical list as a stored row, widening the layout when it fills a new column."""
        slots = self.slots
        missing = [c for c in range(len(self.columns)) if slots[c] is None and values[c] is not None]
        if missing:
            self.widen(missing)
        return self._pack(values)

    # ------------------------------------------------------------------ lookup
    def __len__(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> int | None:
        """Column position of a property name, case-insensitively (``None`` when unknown)."""
        index = self.col_index.get(name)
        return index if index is not None else self.col_index_ci.get(name.lower())

    def column_of(self, name: str) -> int:
        """Column position of a property the entity is known to have (``KeyError`` when it has not)."""
        index = self.column(name)
        if index is None:
            raise KeyError(f"{self.entity} has no property {name!r}")
        return index

    def position(self, record_id: int) -> int | None:
        """Row position of an id, or ``None``."""
        pos = bisect_left(self.ids, record_id)
        if pos < len(self.ids) and self.ids[pos] == record_id:
            return pos
        return None

    def row(self, record_id: int) -> tuple | None:
        """The stored row of an id, or ``None``."""
        pos = self.position(record_id)
        return None if pos is None else self.rows[pos]

    def lower_bound(self, record_id: int | None) -> int:
        """Position of the first row with ``id >= record_id``."""
        return 0 if record_id is None else bisect_left(self.ids, record_id)

    def upper_bound(self, record_id: int | None) -> int:
        """Position just past the last row with ``id <= record_id``."""
        return len(self.ids) if record_id is None else bisect_right(self.ids, record_id)

    def iter_range(self, start: int, stop: int) -> Iterator[tuple]:
        """Rows in positions ``start..stop`` without copying the list (C-level iteration)."""
        return map(self.rows.__getitem__, range(start, stop))

    def iter_range_reversed(self, start: int, stop: int) -> Iterator[tuple]:
        """Rows in positions ``stop-1 .. start`` (descending ids)."""
        return map(self.rows.__getitem__, range(stop - 1, start - 1, -1))

    def rows_for_ids(self, ids: Iterable[int]) -> Iterator[tuple]:
        """Rows for existing ids, in the order given, skipping ids that are gone."""
        for record_id in ids:
            pos = self.position(record_id)
            if pos is not None:
                yield self.rows[pos]

    # --------------------------------------------------------------- indexes
    def index(self, col: int) -> dict[Any, list[int]] | None:
        """Lazily built ``value -> sorted ids`` index of an integer/boolean column on a big table."""
        existing = self._indexes.get(col)
        if existing is not None:
            return existing
        if len(self.rows) < INDEX_MIN_ROWS or self.kinds[col] not in (Kind.INT, Kind.BOOL):
            return None
        built: dict[Any, list[int]] = {}
        slot = self.slots[col]
        for row in self.rows if slot is not None else ():  # an unstored column is always null
            value = row[slot]  # type: ignore[index]  # not None: the loop runs only for a stored column
            if value is not None:
                bucket = built.get(value)
                if bucket is None:
                    built[value] = [row[0]]
                else:
                    bucket.append(row[0])
        self._indexes[col] = built
        return built

    def _index_add(self, row: tuple) -> None:
        for col, built in self._indexes.items():
            value = self.value(row, col)
            if value is not None:
                bucket = built.setdefault(value, [])
                if not bucket or bucket[-1] < row[0]:
                    bucket.append(row[0])
                else:
                    insort(bucket, row[0])

    def _index_remove(self, row: tuple) -> None:
        for col, built in self._indexes.items():
            bucket = built.get(self.value(row, col))
            if bucket:
                pos = bisect_left(bucket, row[0])
                if pos < len(bucket) and bucket[pos] == row[0]:
                    del bucket[pos]

    # ---------------------------------------------------------------- writes
    def append(self, values: list) -> tuple:
        """Add a logical row whose id is above every id ever stored; returns the stored row."""
        if values[0] <= self.max_id:
            raise ValueError(f"id {values[0]} is not above the highest id {self.max_id} of {self.entity}")
        self._preserve()
        row = self.pack(values)
        self.ids.append(row[0])
        self.rows.append(row)
        self.max_id = row[0]
        self._index_add(row)
        return row

    def replace(self, pos: int, values: list) -> tuple:
        """Store a new version (a logical list, same id) of the row at ``pos``; returns the stored row."""
        self._preserve()
        row = self.pack(values)
        old = self.rows[pos]
        if self._indexes:
            self._index_remove(old)
        self.rows[pos] = row
        if self._indexes:
            self._index_add(row)
        return row

    def remove(self, pos: int) -> tuple:
        """Delete the row at ``pos`` and return it (the highest id stays reserved)."""
        self._preserve()
        old = self.rows[pos]
        del self.rows[pos]
        del self.ids[pos]
        if self._indexes:
            self._index_remove(old)
        return old

    # ------------------------------------------------------------------ load
    def load(self, records: Iterable[dict] | RowSource) -> None:
        """Replace the contents with seed records (sparse dicts, or a row source; see :mod:`.table_load`)."""
        self._indexes = {}
        table_load.load(self, records)
        self._saved = None  # the loaded rows are the restore point (a widening during the load set one)

    # -------------------------------------------------------------- snapshot
    def _preserve(self) -> None:
        """Before the first change since the last restore point, set the current rows aside.

        Rows are immutable tuples, so the working copy is a shallow copy of the row list (8 bytes a row);
        indexes are copied because writes edit their id lists in place.
        """
        if self._saved is not None:
            return
        self._saved = _Saved(self.rows, self.ids, self.max_id, self.stored, self._indexes)
        self.rows = list(self.rows)
        self.ids = array("q", self.ids)
        self._indexes = {col: {v: ids[:] for v, ids in built.items()} for col, built in self._indexes.items()}

    def restore(self) -> bool:
        """Undo every change since the data was loaded (or last restored); False when there was none."""
        saved, self._saved = self._saved, None
        if saved is None:
            return False
        self.rows, self.ids, self.max_id, self._indexes = saved.rows, saved.ids, saved.max_id, saved.indexes
        if saved.stored != self.stored:
            self._set_layout(saved.stored)
        return True

    # ----------------------------------------------------------- materialise
    def udf_list(self, values: tuple | None) -> list[dict]:
        """The wire ``userDefinedFields`` array of a row's UDF slot (every defined UDF, null when empty)."""
        if values is None:
            return [{"name": name, "value": None} for name in self.udf_names]
        return [{"name": name, "value": value} for name, value in zip(self.udf_names, values, strict=False)]

    def to_dict(self, row: tuple) -> dict:
        """A full wire record: every model property (null when empty), UDFs as an array of strings."""
        return self._records()(row)

    def to_dicts(self, rows: Iterable[tuple]) -> list[dict]:
        """Full wire records for many rows."""
        return list(map(self._records(), rows))

    def _records(self) -> Callable[[tuple], dict]:
        """The row -> record function of the current layout (compiled on first use after a change)."""
        build = self._record_builder
        if build is None:
            build = self._record_builder = compile_records(
                self.columns, self.stored_names, self.udf_names if self.has_udfs else None, self.udf_slot
            )
        return build


def compile_records(
    columns: tuple[str, ...], stored: tuple[str, ...], udf_names: tuple[str, ...] | None, udf_slot: int | None
) -> Callable[[tuple], dict]:
    """Compile ``row -> wire record`` for one physical layout.

    Building records is most of what a page costs. Copying a key template (every property, null) and
    filling the stored columns beats any dict display for wide models (CPython builds displays of more
    than 30 items one insertion at a time); the ``userDefinedFields`` list is generated unrolled, which
    is several times faster than a comprehension. The generated source holds only ``repr()`` literals
    of UDF names and slot numbers.
    """
    template = dict.fromkeys(columns + (("userDefinedFields",) if udf_names is not None else ()))
    if udf_names is None:
        udfs = ""
    else:
        filled = ", ".join(f'{{"name": {name!r}, "value": u[{i}]}}' for i, name in enumerate(udf_names))
        empty = ", ".join(f'{{"name": {name!r}, "value": None}}' for name in udf_names)
        udfs = f', r.__setitem__("userDefinedFields", [{empty}] if (u := row[{udf_slot}]) is None else [{filled}])'
    source = f"lambda row: (r := copy(), r.update(zip(names, row)){udfs})[0]"
    return eval(source, {"copy": template.copy, "names": stored})  # noqa: S307 - literals and slots only
