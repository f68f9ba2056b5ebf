"""Filling a :class:`~.table.Table` with seed data fast: ~8M rows for a million-ticket tenant.

Per-value Python work is what made loading take minutes, so both paths avoid it:

* a *row source* (anything with ``columns`` and ``rows()``, like the seed's ``RowTable``) yields tuples
  already in the store's form and layout: ``id`` first, the UDF tuple last. Its tuples become the stored
  rows unchanged and its column order becomes the table's physical layout;
* dict records (any other iterable) are grouped by *shape* — the key sequence and the type of each
  value. Each shape is compiled once into an ``itemgetter`` that lays a record's values out in storage
  order, plus the few conversions that shape needs (date-times are always checked; a value of another
  type than the column's — ``"True"`` for a boolean, a ``datetime`` — goes through ``coerce_write``).

The physical layout of dict records is fixed from a first sample of rows (the columns they use); a later
record that fills a new column widens the layout once, as a write does. Equal values of dict records
share one object (per column, and date-times within a record); a row source shares its own.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable
from datetime import datetime
from itertools import islice
from operator import itemgetter, lt
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from .values import Kind, coerce_write, is_date_only

if TYPE_CHECKING:
    from .table import Table

__all__ = ["RowSource", "load"]

LAYOUT_SAMPLE = 2_000  # dict records read before the physical layout is fixed (later misses widen it)
# Seed data repeats many values (company ids, dates, picklist-ish strings, template titles): sharing one
# object per distinct value keeps a million-row tenant hundreds of MB smaller. A column stops sharing
# once it shows more distinct values than this, when the lookups would cost more than they save.
POOL_LIMIT = 50_000
_POOLED = (Kind.INT, Kind.FLOAT, Kind.STR, Kind.DATETIME)
_UDF_KEY = "userdefinedfields"
_READY_TYPES = {Kind.INT: int, Kind.FLOAT: float, Kind.STR: str, Kind.BOOL: bool}


@runtime_checkable
class RowSource(Protocol):
    """Rows already in the store's form: ``columns[0] == "id"``; ``"userDefinedFields"`` last, if at all,
    holding a tuple of values aligned with ``udf_names`` (or ``None`` when all are empty)."""

    columns: tuple[str, ...]
    udf_names: tuple[str, ...]

    def rows(self) -> Iterable[tuple]:
        """The rows in ascending id order."""
        ...


def load(table: Table, records: Iterable[dict] | RowSource) -> None:
    """Replace ``table``'s rows with ``records`` (dict records or a :class:`RowSource`)."""
    if isinstance(records, RowSource):
        rows = _source_rows(table, records)
    else:
        rows = _dict_rows(table, records)
    ids = array("q", map(itemgetter(0), rows))
    if not all(map(lt, ids, islice(ids, 1, None))):
        rows.sort(key=itemgetter(0))
        ids = array("q", map(itemgetter(0), rows))
    table.rows, table.ids = rows, ids
    table.max_id = ids[-1] if rows else 0


# ----------------------------------------------------------------------------------------- row sources
def _source_rows(table: Table, source: RowSource) -> list[tuple]:
    names = list(source.columns)
    with_udfs = bool(names) and names[-1] == "userDefinedFields"
    if with_udfs:
        names.pop()
    cols = [table.col_index.get(name) for name in names]
    if not names or cols[0] != 0 or None in cols or len(set(cols)) != len(cols):
        raise ValueError(f"{table.entity} rows need distinct model columns, id first: {source.columns}")
    table.reset_layout(tuple(cols))  # type: ignore[arg-type]
    if with_udfs == table.has_udfs and (not with_udfs or tuple(source.udf_names) == table.udf_names):
        return list(source.rows())
    # The source disagrees with the tenant's UDF definitions: re-align every row's UDF slot.
    width = len(cols)
    if not table.has_udfs:
        return [row[:width] for row in source.rows()]
    if not with_udfs:
        return [(*row, None) for row in source.rows()]
    remap = _udf_remap(table, source.udf_names)
    return [(*row[:width], remap(row[width])) for row in source.rows()]


def _udf_remap(table: Table, names: Iterable[str]) -> Callable[[tuple | None], tuple | None]:
    positions = [table.udf_index_ci.get(str(name).lower()) for name in names]

    def remap(values: tuple | None) -> tuple | None:
        if values is None:
            return None
        out: list[str | None] = [None] * len(table.udf_names)
        for pos, value in zip(positions, values, strict=False):
            if pos is not None:
                out[pos] = value
        return tuple(out) if any(v is not None for v in out) else None

    return remap


# ---------------------------------------------------------------------------------------- dict records
class _Shape:
    """How to lay out the values of every record with one key sequence and one set of value types."""

    __slots__ = ("dates", "fixes", "getter", "pooled", "udf_pos", "where", "width")

    def __init__(self, table: Table, keys: tuple, types: tuple, normalizers: list) -> None:
        self.where: dict[int, int] = {}  # column -> position of its (non-null) value
        self.fixes: list[tuple[int, Callable[[Any], Any]]] = []  # (position, conversion)
        self.udf_pos: int | None = None
        self.width = len(keys)  # values get one trailing None: the value of every column they lack
        none = type(None)
        for pos, (key, kind) in enumerate(zip(keys, types, strict=True)):
            col = table.col_index.get(key)
            if col is None:
                if table.has_udfs and key.lower() == _UDF_KEY:
                    self.udf_pos = pos
                    continue
                col = table.col_index_ci.get(key.lower())
                if col is None:
                    continue  # not a model property: ignored, as Autotask's deserializer does
            if kind is none:
                self.where.pop(col, None)
                continue
            self.where[col] = pos
            expected = _READY_TYPES.get(table.kinds[col], object)
            if table.kinds[col] is Kind.DATETIME or (expected is not object and kind is not expected):
                self.fixes.append((pos, normalizers[col]))
        self.pooled = [(pos, col) for col, pos in self.where.items() if col and table.kinds[col] in _POOLED]
        # Date-times of one record are often equal (created = last activity = completed): share them.
        dates = [pos for col, pos in self.where.items() if table.kinds[col] is Kind.DATETIME]
        self.dates = dates if len(dates) > 1 else []
        self.getter: Callable[[list], tuple] | None = None

    def compile(self, table: Table) -> None:
        """Build the getter for the table's current physical layout."""
        missing = self.width
        picks = [self.where.get(col, missing) for col in table.stored]
        if table.has_udfs:
            picks.append(missing if self.udf_pos is None else self.udf_pos)
        self.getter = itemgetter(*picks) if len(picks) > 1 else (lambda values: (values[picks[0]],))


def _dict_rows(table: Table, records: Iterable[dict]) -> list[tuple]:
    normalizers = [_normalizer(table, col) for col in range(len(table.columns))]
    shapes: dict[tuple, _Shape] = {}
    pools: list[dict | None] = [{} for _ in table.columns]
    udf_pool: dict[tuple, tuple] | None = {}
    table.reset_layout((0,))
    table.rows = []
    sample: list[tuple[_Shape, list]] | None = []
    count = 0
    for record in records:
        values = [*record.values(), None]
        signature = (tuple(record), tuple(map(type, values)))
        shape = shapes.get(signature)
        if shape is None:
            shape = shapes[signature] = _Shape(table, signature[0], signature[1][:-1], normalizers)
            if sample is None:
                _admit(table, shape, shapes)
        if shape.where.get(0) is None:
            raise ValueError(f"a {table.entity} seed record has no id")
        for pos, fix in shape.fixes:
            values[pos] = fix(values[pos])
        if shape.dates:
            same: dict[Any, Any] = {}
            for pos in shape.dates:
                value = values[pos]
                values[pos] = same.setdefault(value, value)
        for pos, col in shape.pooled:
            pool = pools[col]
            if pool is not None:
                value = values[pos]
                values[pos] = pool.setdefault(value, value)
        if shape.udf_pos is not None:
            udfs = _udf_values(table, values[shape.udf_pos])
            values[shape.udf_pos] = (
                udfs if udfs is None or udf_pool is None else udf_pool.setdefault(udfs, udfs)
            )
        count += 1
        if not count & 1023:
            pools = [None if pool is None or len(pool) > POOL_LIMIT else pool for pool in pools]
            udf_pool = None if udf_pool is None or len(udf_pool) > POOL_LIMIT else udf_pool
        if sample is None:
            table.rows.append(shape.getter(values))  # type: ignore[misc]
            continue
        sample.append((shape, values))
        if len(sample) >= LAYOUT_SAMPLE:
            _fix_layout(table, sample, shapes)
            sample = None
    if sample is not None:
        _fix_layout(table, sample, shapes)
    return table.rows


def _fix_layout(table: Table, sample: list[tuple[_Shape, list]], shapes: dict[tuple, _Shape]) -> None:
    """Store the columns the sampled records use, and lay those records out."""
    used = {col for shape in shapes.values() for col in shape.where}
    table.reset_layout((0, *sorted(used - {0})))
    for shape in shapes.values():
        shape.compile(table)
    table.rows = [shape.getter(values) for shape, values in sample]  # type: ignore[misc]


def _admit(table: Table, shape: _Shape, shapes: dict[tuple, _Shape]) -> None:
    """Compile a shape first seen after the layout was fixed, widening the layout if it must."""
    new = [col for col in shape.where if table.slots[col] is None]
    if new:
        table.widen(new)  # every stored row gets None in the new slots; every getter is now stale
        for other in shapes.values():
            other.compile(table)
    else:
        shape.compile(table)


def _normalizer(table: Table, col: int) -> Callable[[Any], Any]:
    kind, swagger_type, name = table.kinds[col], table.types[col], table.columns[col]

    def normalize(value: Any) -> Any:
        return coerce_write(value, swagger_type, kind, name)

    if kind is not Kind.DATETIME:
        return normalize
    naive_ok = not is_date_only(name)

    def normalize_datetime(v: Any) -> Any:
        # Fast paths for the forms seed data comes in: canonical strings (with or without the
        # milliseconds) and naive UTC datetimes; anything else goes through the full parser.
        if type(v) is str and v[10:11] == "T":
            if len(v) == 23 and v[19] == ".":
                return v
            if len(v) == 19 and v[13] == ":":
                return v + ".000"
        if naive_ok and type(v) is datetime and v.tzinfo is None:
            return v.isoformat(timespec="milliseconds")
        return normalize(v)

    return normalize_datetime


def _udf_values(table: Table, udfs: Any) -> tuple | None:
    """UDF ``[{name, value}]`` list → values aligned with ``udf_names`` (``None`` when all empty)."""
    if not udfs or not table.udf_names:
        return None
    values: list[str | None] = [None] * len(table.udf_names)
    found = False
    positions, positions_ci = table.udf_positions, table.udf_index_ci
    for item in udfs:
        name = item.get("name")
        pos = positions.get(name)
        if pos is None:
            pos = positions_ci.get(str(name).lower())
            if pos is None:
                continue
        value = item.get("value")
        if value is not None:
            values[pos] = value if type(value) is str else str(value)
            found = True
    return tuple(values) if found else None
