"""One entity's table: columns typed from the tenant's field metadata, and records → Arrow.

    schema = TableSchema.from_metadata("Tickets", fields_metadata, udfs_metadata, labels=True)
    schema.arrow                     # pa.Schema: id int64, createDate timestamp[ms, tz=UTC], …
    table = schema.to_arrow(records) # records as Autotask sends them (plain dicts)

Columns, in order: the entity's fields in metadata order (a picklist field followed by its
`<field>_label` column when `labels=True`), then one `udf:<UDF name>` column per user-defined field
with the UDF's declared type — the names and order the exports use. `fields=` picks and orders
columns (`["id", "title", "udf:Root Cause"]`, any case, snake_case too).

Labels come from the picklist entries in the metadata (no requests). UDF list picklists get no label
column: a record carries the list item's text itself, so the `udf:` column already reads as the label.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from ..query import UDF_PREFIX, resolve_fields
from ._extras import require
from .arrays import arrow_type, column_array, normalise_type

__all__ = ["LABEL_SUFFIX", "UDF_PREFIX", "ColumnSpec", "TableSchema"]

#: Suffix of a picklist's label column: `status_label`.
LABEL_SUFFIX = "_label"


@dataclass(frozen=True)
class ColumnSpec:
    """One column: its name, its normalised Autotask data type, and where its values come from.

    `kind` is "field" (the record key `source`), "udf" (the user-defined field `source`) or "label"
    (the label of the picklist field `source`, looked up in `labels`: wire value → label).
    """

    name: str
    data_type: str
    kind: Literal["field", "udf", "label"] = "field"
    source: str = ""
    labels: Mapping[str, str] | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> str:
        """The record key (field), UDF name or labelled field this column reads."""
        return self.source or self.name


class TableSchema:
    """The typed columns of one entity's table; `.arrow` is the pyarrow schema, `.to_arrow()` converts."""

    def __init__(self, entity: str, columns: Sequence[ColumnSpec]) -> None:
        if not columns:
            raise ValueError(f"{entity}: a table needs at least one column")
        names = [c.name for c in columns]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"{entity}: duplicate column names: {', '.join(duplicates)}")
        self.entity = entity
        self.columns: tuple[ColumnSpec, ...] = tuple(columns)
        self.udf_names: tuple[str, ...] = tuple(c.source for c in self.columns if c.kind == "udf")
        self._arrow: Any = None

    @classmethod
    def from_metadata(
        cls,
        entity: str,
        fields_metadata: Sequence[Mapping[str, Any]],
        udfs_metadata: Sequence[Mapping[str, Any]] = (),
        *,
        fields: Sequence[str] | None = None,
        labels: bool = False,
    ) -> TableSchema:
        """The schema from `entity(...).fields()` and `.udfs()` answers (no I/O here)."""
        field_columns: dict[str, list[ColumnSpec]] = {}
        for meta in fields_metadata:
            name = str(meta.get("name") or "")
            if not name:
                continue
            specs = [ColumnSpec(name, normalise_type(meta.get("dataType")), "field", name)]
            picklist = meta.get("picklistValues") if meta.get("isPickList") else None
            if labels and picklist and name.lower() != "id":
                specs.append(ColumnSpec(name + LABEL_SUFFIX, "string", "label", name,
                                        {_wire(v.get("value")): str(v.get("label")) for v in picklist}))
            field_columns[name] = specs
        udf_columns = {
            str(u["name"]): ColumnSpec(UDF_PREFIX + str(u["name"]), normalise_type(u.get("type") or u.get("dataType")),
                                       "udf", str(u["name"]))
            for u in udfs_metadata if u.get("name")
        }
        if not fields:
            columns = [c for specs in field_columns.values() for c in specs] + list(udf_columns.values())
            return cls(entity, columns)
        return cls(entity, _pick(entity, fields, field_columns, udf_columns))

    # -- what it holds -----------------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        """Column names in order."""
        return [c.name for c in self.columns]

    @property
    def data_types(self) -> dict[str, str]:
        """Column name → normalised Autotask data type."""
        return {c.name: c.data_type for c in self.columns}

    @property
    def arrow(self) -> Any:
        """The `pyarrow.Schema` (needs the parquet extra); its metadata records entity and data types."""
        if self._arrow is None:
            pa = require("pyarrow", "parquet", "py_autotask.tables")
            self._arrow = pa.schema(
                [pa.field(c.name, arrow_type(c.data_type)) for c in self.columns],
                metadata={b"py_autotask.entity": self.entity.encode(),
                          b"py_autotask.data_types": orjson.dumps(self.data_types)},
            )
        return self._arrow

    def __repr__(self) -> str:
        return f"<TableSchema {self.entity}: {len(self.columns)} columns>"

    # -- records → values ----------------------------------------------------------------------------

    def column_values(self, records: Iterable[Mapping[str, Any]]) -> list[Sequence[Any]]:
        """The records' values, column by column (UDFs looked up by name, labels from the picklists)."""
        rows = records if isinstance(records, list) else list(records)
        out: list[Sequence[Any]] = []
        udf_maps = [_udf_values(r) for r in rows] if self.udf_names else []
        fields = self._field_values(rows)
        for column in self.columns:
            key = column.key
            if column.kind == "field":
                out.append(fields[key])
            elif column.kind == "udf":
                out.append([m.get(key) for m in udf_maps])
            else:
                names = column.labels or {}
                out.append([None if (v := r.get(key)) is None else names.get(_wire(v)) for r in rows])
        return out

    def _field_values(self, rows: Sequence[Mapping[str, Any]]) -> dict[str, Sequence[Any]]:
        """Field name → its values; picked and transposed in C when every record has every field."""
        keys = list(dict.fromkeys(c.key for c in self.columns if c.kind == "field"))
        if len(keys) > 1 and rows:
            try:
                return dict(zip(keys, zip(*map(operator.itemgetter(*keys), rows), strict=True), strict=True))
            except KeyError:  # fields= queries, hand-made records: some keys are missing
                pass
        return {key: [r.get(key) for r in rows] for key in keys}

    def rows(self, records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Flat rows keyed by column name (what the file writers take)."""
        values = self.column_values(records)
        names = self.names
        return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)] if values else []

    # -- records → Arrow -----------------------------------------------------------------------------

    def to_batch(self, records: Iterable[Mapping[str, Any]]) -> Any:
        """One `pyarrow.RecordBatch` of the records (a page of a query, say)."""
        pa = require("pyarrow", "parquet", "py_autotask.tables")
        values = self.column_values(records)
        arrays = [column_array(v, c.data_type, name=c.name) for v, c in zip(values, self.columns, strict=True)]
        return pa.RecordBatch.from_arrays(arrays, schema=self.arrow)

    def to_arrow(self, records: Iterable[Mapping[str, Any]]) -> Any:
        """A `pyarrow.Table` of the records, typed by this schema."""
        pa = require("pyarrow", "parquet", "py_autotask.tables")
        return pa.Table.from_batches([self.to_batch(records)], schema=self.arrow)

    def empty(self) -> Any:
        """A `pyarrow.Table` with these columns and no rows."""
        return self.arrow.empty_table()


def _pick(entity: str, wanted: Sequence[str], field_columns: Mapping[str, list[ColumnSpec]],
          udf_columns: Mapping[str, ColumnSpec]) -> list[ColumnSpec]:
    """The columns `fields=` names, in its order (each field with its label column).

    Names are checked by `query.resolve_fields`, the one check `query(fields=…)`, export and the command
    line share (any case or snake_case, `udf:Name` or a bare UDF name; QuerySyntaxError, a ValueError).
    """
    types = {name: specs[0].data_type for name, specs in field_columns.items()}
    out: list[ColumnSpec] = []
    for name in resolve_fields(wanted, types, list(udf_columns), entity=entity):
        out.extend([udf_columns[name.name]] if name.udf else field_columns[name.name])
    return list({c.name: c for c in out}.values())  # a column named twice appears once, where first named


def _udf_values(record: Mapping[str, Any]) -> dict[str, Any]:
    items = record.get("userDefinedFields")
    if not items:
        return {}
    return {str(u.get("name")): u.get("value") for u in items if isinstance(u, Mapping)}


def _wire(value: Any) -> str:
    # Picklist values are strings on the wire even for integer fields ("1"); records hold numbers (1).
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
