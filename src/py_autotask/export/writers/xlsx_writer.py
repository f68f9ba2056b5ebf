"""Excel (.xlsx) through xlsxwriter's constant-memory mode: one row in memory at a time.

- Row 1 of every sheet is the header (bold, frozen). A sheet holds at most 1,048,575 records (Excel's
  1,048,576 rows minus the header); the next record starts a new sheet, `Export`, `Export (2)`, …
  (`sheet_name`: an export names them after the entity, `Tickets`, `Tickets (2)`).
- Datetimes are real Excel date/times in UTC (Excel has no time zones), shown as
  `yyyy-mm-dd hh:mm:ss.000`; a datetime before 1900 (which Excel cannot hold) or text that is not
  a datetime is written as text.
- Numbers are numbers, except integers beyond ±2^53, which Excel would round: they are written as
  text. Booleans are Excel booleans; lists are JSON text.
- Text is never turned into formulas, numbers or links. Excel caps a cell at 32,767 characters:
  longer text is cut there and counted in `truncated_cells`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from ..._datetime import UTC, parse_datetime
from .base import Column, Target, Writer, import_extra, is_stdout, is_text_stream

__all__ = ["EXCEL_MAX_COLUMNS", "EXCEL_MAX_ROWS", "XlsxWriter"]

#: Records per sheet: Excel's 1,048,576 rows less the header row.
EXCEL_MAX_ROWS = 1_048_575
EXCEL_MAX_COLUMNS = 16_384
_MAX_EXACT_INT = 2**53
_SHEET_NAME_MAX = 31
_BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


class XlsxWriter(Writer):
    """Stream rows to an .xlsx workbook (path or binary stream), rolling over to new sheets."""

    format = "xlsx"

    def __init__(
        self,
        target: Target,
        columns: Sequence[Column],
        *,
        sheet_name: str = "Export",
        max_rows_per_sheet: int = EXCEL_MAX_ROWS,
    ) -> None:
        """`max_rows_per_sheet` (≤ 1,048,575) is the number of records per sheet before a new one starts."""
        super().__init__(columns)
        if not 1 <= max_rows_per_sheet <= EXCEL_MAX_ROWS:
            raise ValueError(f"max_rows_per_sheet must be between 1 and {EXCEL_MAX_ROWS}")
        if len(self.columns) > EXCEL_MAX_COLUMNS:
            raise ValueError(
                f"Excel sheets hold at most {EXCEL_MAX_COLUMNS} columns, not {len(self.columns)}"
            )
        xlsxwriter = import_extra("xlsxwriter", "xlsxwriter", "excel", "xlsx")
        if is_stdout(target):
            raise ValueError("the xlsx format cannot be written to stdout; give a file name")
        if not isinstance(target, (str, Path)) and is_text_stream(target):
            raise ValueError("the xlsx format writes bytes; give a file name or a binary stream")
        # xlsxwriter builds the zip at close(); it takes a path or a binary stream (which stays open).
        self._stream = None if isinstance(target, (str, Path)) else target
        if isinstance(target, (str, Path)):
            # xlsxwriter only touches the file at close(); find an unwritable path before any row is fetched.
            open(target, "wb").close()
        self._book = xlsxwriter.Workbook(
            str(target) if self._stream is None else self._stream,
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        self._header_format = self._book.add_format({"bold": True})
        self._datetime_format = self._book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss.000"})
        self._base_name = (sheet_name.translate(_BAD_SHEET_CHARS).strip("'") or "Export")[:_SHEET_NAME_MAX]
        self._max_rows = max_rows_per_sheet
        self._cells = [self._cell_writer(column.data_type) for column in self.columns]
        self.truncated_cells = 0
        self.sheets: list[str] = []
        self._sheet: Any = None
        self._row = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        number = len(self.sheets) + 1
        suffix = f" ({number})" if number > 1 else ""
        name = self._base_name[: _SHEET_NAME_MAX - len(suffix)] + suffix
        sheet = self._book.add_worksheet(name)
        for col, column in enumerate(self.columns):
            sheet.write_string(0, col, column.name, self._header_format)
            if column.data_type in ("datetime", "date"):
                sheet.set_column(col, col, 23)
        sheet.freeze_panes(1, 0)
        self.sheets.append(name)
        self._sheet = sheet
        self._row = 0

    def _write_row(self, row: Mapping[str, Any]) -> None:
        if self._row >= self._max_rows:
            self._new_sheet()
        self._row += 1
        sheet, line = self._sheet, self._row
        get = row.get
        for col, name in enumerate(self.names):
            value = get(name)
            if value is not None:
                self._cells[col](sheet, line, col, value)

    def _cell_writer(self, data_type: str) -> Callable[[Any, int, int, Any], None]:
        if data_type in ("datetime", "date"):
            return self._write_datetime
        if data_type == "boolean":
            return self._write_boolean
        if data_type in ("integer", "long", "short", "double", "decimal"):
            return self._write_number
        return self._write_text

    def _write_text(self, sheet: Any, row: int, col: int, value: Any) -> None:
        if not isinstance(value, str):
            value = orjson.dumps(value).decode() if isinstance(value, (list, dict)) else str(value)
        if sheet.write_string(row, col, value) == -2:
            self.truncated_cells += 1

    def _write_number(self, sheet: Any, row: int, col: int, value: Any) -> None:
        if isinstance(value, str):  # a numeric UDF: its values are strings on the wire
            try:
                value = float(value) if value.strip() else value
            except ValueError:
                pass
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self._write_text(sheet, row, col, value)
        elif isinstance(value, int) and abs(value) > _MAX_EXACT_INT:
            sheet.write_string(row, col, str(value))
        else:
            sheet.write_number(row, col, value)

    def _write_boolean(self, sheet: Any, row: int, col: int, value: Any) -> None:
        if isinstance(value, bool):
            sheet.write_boolean(row, col, value)
        else:
            self._write_text(sheet, row, col, value)

    def _write_datetime(self, sheet: Any, row: int, col: int, value: Any) -> None:
        moment: datetime | None = None
        if isinstance(value, str):
            try:
                moment = parse_datetime(value)
            except ValueError:
                moment = None
        elif isinstance(value, datetime):
            moment = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        if moment is None or moment.year < 1900:
            self._write_text(sheet, row, col, value)
            return
        sheet.write_datetime(row, col, moment.replace(tzinfo=None), self._datetime_format)

    def _finish(self) -> None:
        self._book.close()
        if self._stream is not None:
            self._stream.flush()
