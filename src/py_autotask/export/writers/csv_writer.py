"""CSV: a header row, then one line per record (RFC 4180 quoting, UTF-8, `\\r\\n` line ends).

Empty (null) cells are empty; booleans are `true`/`false`; datetimes ISO UTC with `Z`; lists
(`array` fields) JSON text; numbers as Python writes them (shortest exact form). Text that starts with
`=`, `+`, `-`, `@`, tab or CR gets a leading `'` so spreadsheets do not run it as a formula
(`py_autotask._formulas`); `escape_formulas=False` writes it exactly, for programs.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson

from ..._formulas import FORMULA_TRIGGERS, is_number_text
from .base import Column, Target, TextTarget, Writer, converters, iso_text

__all__ = ["CsvWriter"]

_NUMERIC = frozenset({"integer", "long", "short", "double", "decimal"})


def _bool_text(value: Any) -> Any:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return value


def _json_text(value: Any) -> Any:
    return orjson.dumps(value).decode() if isinstance(value, (list, dict)) else value


def _pick(data_type: str) -> Callable[[Any], Any] | None:
    if data_type in ("datetime", "date"):
        return iso_text
    if data_type == "boolean":
        return _bool_text
    if data_type == "array":
        return _json_text
    return None  # csv writes str/int/float as they are and None as an empty cell


class CsvWriter(Writer):
    """Stream rows to CSV; `-` writes to stdout."""

    format = "csv"

    def __init__(
        self,
        target: Target,
        columns: Sequence[Column],
        *,
        delimiter: str = ",",
        header: bool = True,
        bom: bool = False,
        append: bool = False,
        escape_formulas: bool = True,
    ) -> None:
        """`bom=True` adds a UTF-8 byte-order mark (Excel needs it to read UTF-8 CSV);
        `append=True` adds to an existing file, writing the header only if the file is empty;
        `escape_formulas=False` writes text that starts like a formula without the leading `'`."""
        super().__init__(columns)
        self._target = TextTarget(target, encoding="utf-8-sig" if bom else "utf-8", append=append)
        self._writer = csv.writer(self._target.stream, delimiter=delimiter, lineterminator="\r\n")
        self._converters = converters(self.columns, _pick)
        self._escape = escape_formulas
        # In a numeric column, text that is a number ("-7.25" of a numeric UDF) is data, not a formula.
        self._numeric = frozenset(i for i, c in enumerate(self.columns) if c.data_type in _NUMERIC)
        if header and self._target.fresh:
            self._writer.writerow(self._escaped(list(self.names)) if escape_formulas else self.names)

    def _write_row(self, row: Mapping[str, Any]) -> None:
        get = row.get
        values = [get(name) for name in self.names]
        for index, convert in self._converters:
            value = values[index]
            if value is not None:
                values[index] = convert(value)
        self._writer.writerow(self._escaped(values) if self._escape else values)

    def _escaped(self, values: list[Any]) -> list[Any]:
        triggers = FORMULA_TRIGGERS
        for index, value in enumerate(values):
            if value.__class__ is str and value[:1] in triggers:
                if index in self._numeric and is_number_text(value):
                    continue
                values[index] = "'" + value
        return values

    def flush(self) -> None:
        """Push written rows to the target."""
        self._target.stream.flush()

    def _finish(self) -> None:
        self._target.close()
