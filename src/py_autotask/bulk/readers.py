"""Input rows for bulk jobs: CSV, JSON, NDJSON, XLSX, a pandas DataFrame or any iterable of mappings.

Every reader yields `InputRow(number, data)` lazily, so a million-row file is never held in memory
(except JSON arrays, which the standard library can only parse whole). `number` is the 1-based position
of the record among the data records — the header line of a CSV or sheet is not counted, blank lines are
skipped but keep their number — so row 1 is the first record in every format and a record keeps its
number across a resume.

What counts as "no value" differs by format, and the difference matters for updates:
- CSV / XLSX / DataFrame: an empty cell (or NaN/NaT) means *not given*; the field is left out of the
  request, so an update never clears a field because a spreadsheet cell was blank.
- JSON / NDJSON / Python mappings: an omitted key means *not given*; an explicit `null` (`None`) means
  "clear this field" and is sent as null.
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .._exceptions import ConfigurationError

__all__ = ["FORMATS", "InputFileError", "InputRow", "count_records", "format_from_path", "read_rows"]

#: Input formats by name; `format_from_path` maps file suffixes onto them.
FORMATS = ("csv", "json", "ndjson", "xlsx")
_SUFFIXES = {".csv": "csv", ".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson", ".xlsx": "xlsx",
             ".xlsm": "xlsx"}


class InputFileError(ConfigurationError, ValueError):
    """The input file cannot be read to its end; the message names the file and what is wrong with it
    (encoding, a ragged line, broken or too deeply nested JSON, a corrupt workbook, a cell too large)."""


@dataclass(frozen=True)
class InputRow:
    """One input record: its 1-based number in the source and its column → value mapping."""

    number: int
    data: dict[str, Any]


def format_from_path(path: str | os.PathLike[str]) -> str:
    """The input format implied by a file name's suffix (`.csv`, `.json`, `.ndjson`/`.jsonl`, `.xlsx`)."""
    suffix = Path(path).suffix.lower()
    try:
        return _SUFFIXES[suffix]
    except KeyError:
        raise InputFileError(
            f"cannot tell the input format of {os.fspath(path)!r} from its suffix; "
            f"use one of {', '.join(sorted(_SUFFIXES))} or name the format ({', '.join(FORMATS)}: --format on the "
            "command line, format= in Python)"
        ) from None


def read_rows(source: Any, *, format: str | None = None, sheet: str | None = None) -> Iterator[InputRow]:
    """Yield the records of a file path, a pandas DataFrame or an iterable of mappings as `InputRow`s."""
    if isinstance(source, (str, os.PathLike)):
        fmt = format or format_from_path(source)
        return _read_path(Path(source), fmt, sheet)
    if _is_dataframe(source):
        return _read_dataframe(source)
    if isinstance(source, Mapping):
        raise TypeError("rows must be an iterable of mappings, not a single mapping")
    if isinstance(source, Iterable):
        return _read_mappings(source)
    raise TypeError(f"cannot read bulk rows from {type(source).__name__}")


def count_records(path: str | os.PathLike[str], fmt: str | None = None, sheet: str | None = None) -> int | None:
    """A cheap record count for a progress bar (None when only a full parse could tell)."""
    fmt = fmt or format_from_path(path)
    if fmt in ("csv", "ndjson"):
        return sum(1 for _ in _read_path(Path(path), fmt, sheet))
    if fmt == "xlsx":
        import openpyxl

        try:
            book = openpyxl.load_workbook(path, read_only=True)
        except Exception:
            return None  # a damaged workbook: reading it says what is wrong (see _named_problems)
        try:
            rows = _sheet(book, sheet, Path(path)).max_row
        except InputFileError:
            return None
        finally:
            book.close()
        return None if rows is None else max(0, rows - 1)
    return None


def _sheet(book: Any, name: str | None, path: Path) -> Any:
    if name is None:
        return book.worksheets[0]
    if name not in book.sheetnames:
        raise InputFileError(f"{path} has no sheet {name!r}; its sheets: {', '.join(map(repr, book.sheetnames))}")
    return book[name]


def _read_path(path: Path, fmt: str, sheet: str | None) -> Iterator[InputRow]:
    readers = {"csv": _read_csv, "json": _read_json, "ndjson": _read_ndjson,
               "xlsx": lambda p: _read_xlsx(p, sheet)}
    if fmt not in readers:
        raise InputFileError(f"unknown input format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return _named_problems(readers[fmt](path), path, fmt)


def _named_problems(rows: Iterator[InputRow], path: Path, fmt: str) -> Iterator[InputRow]:
    """Every way reading can fail, as an InputFileError that says what is wrong with which file."""
    try:
        yield from rows
    except InputFileError:
        raise
    except ConfigurationError as exc:  # the readers' own findings name the file already
        raise InputFileError(str(exc)) from None
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path}: not UTF-8 text (a byte 0x{exc.object[exc.start]:02x}); save it as UTF-8") from None
    except RecursionError:
        raise InputFileError(f"{path}: JSON nested too deeply to read (a bulk file holds flat records)") from None
    except json.JSONDecodeError as exc:
        raise InputFileError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except csv.Error as exc:
        raise InputFileError(f"{path}: not readable as CSV ({exc})") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except Exception as exc:
        if fmt != "xlsx":
            raise
        # openpyxl reports a damaged workbook in many ways (BadZipFile, KeyError, ValueError …).
        raise InputFileError(f"{path}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None


def _read_csv(path: Path) -> Iterator[InputRow]:
    # utf-8-sig: Excel writes a byte-order mark that would otherwise end up in the first column's name.
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return
        columns = _check_header([c.strip() for c in header], path)
        for number, cells in enumerate(_limited(reader, path), start=1):
            if not any(cell.strip() for cell in cells):
                continue  # a blank line is not a record, but it keeps its number so later rows stay stable
            if len(cells) > len(columns):
                raise ConfigurationError(f"{path}: record {number} has {len(cells)} cells, the header {len(columns)}")
            # A short record (trailing cells left off) is common and means those cells are empty.
            yield InputRow(number, {col: cell for col, cell in zip(columns, cells, strict=False) if cell != ""})


def _limited(reader: Any, path: Path) -> Iterator[list[str]]:
    """The CSV records, a cell beyond the csv module's limit named by its line (no Autotask field is that long)."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field limit" not in str(exc):
                raise
            raise InputFileError(f"{path}: line {reader.line_num} has a cell longer than "
                                 f"{csv.field_size_limit():,} characters; no Autotask field holds that much") from None


def _check_header(columns: list[str], path: Path) -> list[str]:
    seen: set[str] = set()
    for column in columns:
        if not column:
            raise ConfigurationError(f"{path}: the header has an empty column name")
        if column.lower() in seen:
            raise ConfigurationError(f"{path}: column {column!r} appears twice in the header")
        seen.add(column.lower())
    return columns


def _read_json(path: Path) -> Iterator[InputRow]:
    with open(path, "rb") as handle:
        document = json.load(handle)
    # Accept a bare array, or Autotask's own query envelope {"items": [...]} (so an export can be re-fed).
    if isinstance(document, Mapping) and isinstance(document.get("items"), list):
        document = document["items"]
    if not isinstance(document, list):
        raise ConfigurationError(f"{path}: expected a JSON array of objects (or {{\"items\": [...]}})")
    for number, record in enumerate(document, start=1):
        yield InputRow(number, _json_record(record, path, number))


def _read_ndjson(path: Path) -> Iterator[InputRow]:
    with open(path, encoding="utf-8") as handle:
        number = 0
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            number += 1
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ConfigurationError(f"{path}: line {line_no} is not JSON: {exc.msg}") from None
            yield InputRow(number, _json_record(record, path, number))


def _json_record(record: Any, path: Path, number: int) -> dict[str, Any]:
    if not isinstance(record, Mapping):
        raise ConfigurationError(f"{path}: record {number} is a {type(record).__name__}, not an object")
    return dict(record)


def _read_xlsx(path: Path, sheet: str | None) -> Iterator[InputRow]:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - depends on the installed extras
        raise ConfigurationError("reading .xlsx needs openpyxl: pip install 'py-autotask[excel]'") from None
    # read_only streams rows from the zip instead of building the whole workbook in memory.
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        worksheet = _sheet(book, sheet, path)
        rows = worksheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return
        columns = [None if c is None else str(c).strip() for c in header]
        while columns and columns[-1] in (None, ""):
            columns.pop()  # trailing formatted-but-empty header cells are common in hand-made sheets
        named = _check_header([c or "" for c in columns], path)
        for number, cells in enumerate(rows, start=1):
            if any(not _blank(value) for value in cells[len(named):]):
                raise ConfigurationError(f"{path}: record {number} has a value in a column without a header")
            data = {col: _cell(value) for col, value in zip(named, cells, strict=False) if not _blank(value)}
            if data:
                yield InputRow(number, data)
    finally:
        book.close()


def _cell(value: Any) -> Any:
    # Spreadsheet numbers are floats even when whole; 42.0 in an id column must become 42.
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value == ""
    if isinstance(value, float):
        return math.isnan(value)
    return False


def _is_dataframe(source: Any) -> bool:
    # Checked by duck type so that pandas stays an optional extra.
    module = type(source).__module__
    return module.startswith("pandas") and hasattr(source, "itertuples") and hasattr(source, "columns")


def _read_dataframe(frame: Any) -> Iterator[InputRow]:
    columns = [str(c) for c in frame.columns]
    _check_header(columns, Path("<DataFrame>"))
    for number, values in enumerate(frame.itertuples(index=False, name=None), start=1):
        data = {}
        for column, value in zip(columns, values, strict=True):
            plain = _from_pandas(value)
            if not _blank(plain):
                data[column] = plain
        yield InputRow(number, data)


def _from_pandas(value: Any) -> Any:
    """Turn numpy/pandas scalars into plain Python values; NaN, NaT and pd.NA become None."""
    if value is None:
        return None
    if type(value).__name__ in ("NaTType", "NAType"):
        return None
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, bytes, datetime, date)):
        value = value.item()  # numpy int64/float64/bool_ -> int/float/bool
    return _cell(value) if isinstance(value, float) and not math.isnan(value) else value


def _read_mappings(rows: Iterable[Any]) -> Iterator[InputRow]:
    for number, record in enumerate(rows, start=1):
        if not isinstance(record, Mapping):
            raise TypeError(f"row {number} is a {type(record).__name__}, not a mapping")
        yield InputRow(number, dict(record))

