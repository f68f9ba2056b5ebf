"""What every export writer shares: columns, the writer life cycle, targets, and value conversion.

Conventions for every format:
- Columns (not rows) define the output: a column missing from a row is written as null/empty, and
  row keys that are not columns are ignored, so the schema is fixed before the first row.
- Datetimes are UTC. Text formats write ISO 8601 with `Z` (`2024-01-31T15:04:05.307Z`, milliseconds
  only when non-zero); Excel and Parquet store real date/time values.
- User-defined fields become their own columns named `udf:<UDF name>` (see `flatten_udfs`).
"""

from __future__ import annotations

import io
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, BinaryIO, TextIO

from ..._datetime import format_datetime, iso_utc

__all__ = [
    "DATA_TYPES",
    "UDF_PREFIX",
    "Column",
    "MissingExtraError",
    "Target",
    "Writer",
    "columns_from_fields",
    "flatten_udfs",
    "udf_column_name",
]

Target = str | Path | BinaryIO | TextIO | IO[Any]

#: Autotask field data types a column may have ("array" holds lists, written as JSON text where needed).
DATA_TYPES = frozenset(
    {"string", "integer", "long", "short", "double", "decimal", "boolean", "datetime", "date", "array"}
)
#: Prefix of the column holding a user-defined field: `udf:Customer Ranking`.
UDF_PREFIX = "udf:"


class MissingExtraError(ImportError):
    """An optional dependency for this format is not installed."""

    def __init__(self, package: str, extra: str, fmt: str) -> None:
        super().__init__(
            f"the {fmt} format needs the {package!r} package: pip install 'py-autotask[{extra}]'"
        )


@dataclass(frozen=True)
class Column:
    """One output column: its name (the row key) and its Autotask data type."""

    name: str
    data_type: str = "string"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"a column needs a non-empty name, got {self.name!r}")
        normalised = self.data_type.lower()
        if normalised not in DATA_TYPES:
            raise ValueError(
                f"column {self.name!r}: unknown data type {self.data_type!r} "
                f"(expected one of {', '.join(sorted(DATA_TYPES))})"
            )
        object.__setattr__(self, "data_type", normalised)


def udf_column_name(name: str, prefix: str = UDF_PREFIX) -> str:
    """The column name for a user-defined field (`udf:Customer Ranking`)."""
    return prefix + name


def flatten_udfs(
    record: Mapping[str, Any], udf_names: Iterable[str] | None = None, *, prefix: str = UDF_PREFIX
) -> dict[str, Any]:
    """Copy `record` with `userDefinedFields` replaced by one `udf:<name>` key per UDF.

    With `udf_names`, exactly those UDFs become keys (None where the record lacks one), so every
    row has the same keys; without, the record's own UDFs do.
    """
    out = {key: value for key, value in record.items() if key != "userDefinedFields"}
    values = {udf["name"]: udf.get("value") for udf in record.get("userDefinedFields") or ()}
    for name in udf_names if udf_names is not None else values:
        out[prefix + name] = values.get(name)
    return out


def columns_from_fields(
    fields: Mapping[str, str], udf_names: Iterable[str] = (), *, prefix: str = UDF_PREFIX
) -> list[Column]:
    """Columns for an entity's fields (name → dataType, in order) followed by its UDFs (as text)."""
    columns = [Column(name, data_type) for name, data_type in fields.items()]
    columns.extend(Column(prefix + name, "string") for name in udf_names)
    return columns


def iso_text(value: Any) -> Any:
    """A datetime cell as ISO UTC text; a string that is not a date/time is kept as it came."""
    if isinstance(value, str):
        try:
            return iso_utc(value)
        except ValueError:
            return value
    if isinstance(value, (datetime, date)):
        return format_datetime(value)
    return value


class Writer(ABC):
    """A streaming writer: `write_rows` as often as needed, then `close` (or use it as a context manager)."""

    format: str = ""

    def __init__(self, columns: Sequence[Column]) -> None:
        if not columns:
            raise ValueError("a writer needs at least one column")
        names = [column.name for column in columns]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"duplicate column names: {', '.join(duplicates)}")
        self.columns = list(columns)
        self.names = names
        self.rows_written = 0
        self.closed = False

    def write_rows(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Write rows (plain dicts keyed by column name); return how many were written."""
        if self.closed:
            raise ValueError(f"the {self.format} writer is closed")
        count = 0
        write = self._write_row
        try:
            for row in rows:
                write(row)
                count += 1
        finally:
            self.rows_written += count  # stays exact even when a row fails half-way through a batch
        return count

    def write_row(self, row: Mapping[str, Any]) -> None:
        """Write one row."""
        self.write_rows((row,))

    def flush(self) -> None:
        """Push buffered output to the target (text formats; binary formats write at row-group/close)."""
        return None

    @abstractmethod
    def _write_row(self, row: Mapping[str, Any]) -> None: ...

    @abstractmethod
    def _finish(self) -> None:
        """Complete the file (closing bracket, footer, last row group) and release the target."""

    def close(self) -> None:
        """Finish the output; closing twice is harmless."""
        if not self.closed:
            self.closed = True
            self._finish()

    def __enter__(self) -> Writer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def converters(
    columns: Sequence[Column], pick: Callable[[str], Callable[[Any], Any] | None]
) -> list[tuple[int, Callable[[Any], Any]]]:
    """(column index, converter) for the columns whose data type needs one in this format."""
    out = []
    for index, column in enumerate(columns):
        convert = pick(column.data_type)
        if convert is not None:
            out.append((index, convert))
    return out


def is_stdout(target: Any) -> bool:
    """True for the conventional `-` target."""
    return isinstance(target, str) and target == "-"


def is_text_stream(stream: Any) -> bool:
    """True when `stream` takes str rather than bytes."""
    if isinstance(stream, io.TextIOBase):
        return True
    if isinstance(stream, (io.RawIOBase, io.BufferedIOBase)):
        return False
    mode = getattr(stream, "mode", None)
    if isinstance(mode, str):
        return "b" not in mode
    return hasattr(stream, "encoding")


class TextTarget:
    """A text stream for a path, `-` (stdout) or a caller's stream; closes only what it opened."""

    def __init__(self, target: Target, *, encoding: str = "utf-8", append: bool = False) -> None:
        self._owned: IO[Any] | None = None
        self._wrapper: io.TextIOWrapper | None = None
        if isinstance(target, (str, Path)) and not is_stdout(target):
            owned = open(target, "a" if append else "w", encoding=encoding, newline="")  # noqa: SIM115
            self._owned = owned
            self.stream: TextIO = owned
            self.fresh = owned.tell() == 0
            return
        raw: Any = sys.stdout if is_stdout(target) else target  # a text or binary stream
        self.fresh = True
        buffer = getattr(raw, "buffer", None) if is_stdout(target) else None
        if buffer is not None:
            raw.flush()  # keep anything already printed ahead of our output
            self._wrapper = io.TextIOWrapper(buffer, encoding=encoding, newline="", write_through=True)
            self.stream = self._wrapper
        elif is_text_stream(raw):
            self.stream = raw
        else:
            self._wrapper = io.TextIOWrapper(raw, encoding=encoding, newline="", write_through=True)
            self.stream = self._wrapper

    def close(self) -> None:
        """Flush; close a file we opened, detach (not close) a wrapper around someone else's stream."""
        self.stream.flush()
        if self._wrapper is not None:
            self._wrapper.detach()
        if self._owned is not None:
            self._owned.close()


class BinaryTarget:
    """A binary stream for a path or a caller's stream (stdout only where `allow_stdout`)."""

    def __init__(self, target: Target, fmt: str, *, allow_stdout: bool, append: bool = False) -> None:
        self._owned: IO[bytes] | None = None
        if is_stdout(target):
            if not allow_stdout:
                raise ValueError(f"the {fmt} format cannot be written to stdout; give a file name")
            self.stream: IO[bytes] = sys.stdout.buffer
            sys.stdout.flush()
        elif isinstance(target, (str, Path)):
            self._owned = open(target, "ab" if append else "wb")  # noqa: SIM115
            self.stream = self._owned
        elif is_text_stream(target):
            raise ValueError(f"the {fmt} format writes bytes; give a file name or a binary stream")
        else:
            self.stream = target  # type: ignore[assignment]
        self.fresh = self._owned is None or self._owned.tell() == 0

    def close(self) -> None:
        """Flush; close the file only if we opened it."""
        self.stream.flush()
        if self._owned is not None:
            self._owned.close()


def import_extra(module: str, package: str, extra: str, fmt: str) -> Any:
    """Import an optional dependency, or explain which extra installs it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] == module.split(".")[0]:
            raise MissingExtraError(package, extra, fmt) from exc
        raise
