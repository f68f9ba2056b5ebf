"""Output files an export can checkpoint, truncate back and append to (the writers do the formatting).

- csv, ndjson, json: rows go to `<output>.partial`, which a resumed export truncates back to the
  checkpoint's byte position and appends to (csv without a second header; json continues its array);
  `close()` renames it to the output, so the output name only ever holds a complete file.
- xlsx: rows go to an NDJSON journal (`<output>.partial.ndjson`), checkpointed like the text formats,
  page by page; `<output>.partial.pages` notes where each page sits in it and the page's first id. The
  workbook (`<output>.partial`: one sheet named after the entity, xlsxwriter's constant-memory mode) is
  written in id order: a page goes in as soon as every id below it is written (`release`), the others
  wait in the journal — the parallel ranges' pages arrive interleaved, and a sheet is written top to
  bottom. `close()` writes what waited, renames the file to the output and deletes the journal. A resume
  cuts the journal back to the checkpoint, rebuilds the file from it and continues, exact to the row
  even after kill -9.
- parquet: the same with an Arrow journal and row groups (`parquet_sink.ParquetSink`).
- stdout (`-`): written directly; nothing to resume.

Waiting pages stay on disk, not in memory: the ranges run side by side until the last page, so most of
an export waits for the lowest range (about (workers - 1) / workers of it) and is read back at the end.
"""

from __future__ import annotations

import bisect
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from .plan import APPENDABLE_FORMATS
from .writers import Column, Writer, open_writer

__all__ = ["FileSink", "PageIndex", "StdoutSink", "open_sink"]


class FileSink:
    """Rows of one export into a file that checkpoints as (bytes, rows) and resumes from them."""

    def __init__(self, fmt: str, output: Path, columns: Sequence[Column], *, resume_bytes: int = 0,
                 resume_rows: int = 0, writer_options: Mapping[str, Any] | None = None) -> None:
        self.format = fmt
        self.output = output
        self.columns = list(columns)
        self.spooled = fmt not in APPENDABLE_FORMATS
        self.target = output.with_name(output.name + (".partial.ndjson" if self.spooled else ".partial"))
        self._writer_options = dict(writer_options or {})
        output.parent.mkdir(parents=True, exist_ok=True)
        if resume_bytes and (not self.target.exists() or self.target.stat().st_size < resume_bytes):
            raise ValueError(f"cannot resume {output.name}: {self.target.name} is missing or shorter than its "
                             f"checkpoint; start again without --resume")
        self._pages = PageIndex(output, resume_bytes) if self.spooled else None
        self._last: tuple[tuple[int, int, int], list[Any]] | None = None  # the page just journaled
        self._raw: BinaryIO = open(self.target, "r+b" if resume_bytes else "w+b")  # noqa: SIM115
        self._raw.truncate(resume_bytes)  # drop rows written after the checkpoint
        self._raw.seek(resume_bytes)
        self.rows = resume_rows
        self._text: io.TextIOWrapper | None = None
        self._writer = self._open_writer(resume_bytes > 0)
        self._file: Writer | None = None  # xlsx: the real file, written from the journal at close()
        if self.spooled:
            self._file_path = output.with_name(output.name + ".partial")
            try:
                # Opened now, so an unwritable place fails before any row is fetched.
                self._file = open_writer(fmt, self._file_path, self.columns, **self._writer_options)
            except BaseException:
                self.abandon()
                raise

    def _open_writer(self, appending: bool) -> Writer:
        if self.spooled or self.format == "ndjson":
            return open_writer("ndjson", self._raw, self.columns)
        if self.format == "csv":
            self._text = io.TextIOWrapper(self._raw, encoding="utf-8", newline="", write_through=True)
            return open_writer("csv", self._text, self.columns, header=not appending, **self._writer_options)
        stream: BinaryIO = _ContinuedArray(self._raw) if appending else self._raw  # type: ignore[assignment]
        return open_writer("json", stream, self.columns)

    def write(self, rows: Iterable[Mapping[str, Any]], order: int | None = None) -> int:
        """Append a page of rows (ascending id; `order`: its first id, which places it in xlsx); returns how many."""
        if self._pages is None:
            count = self._writer.write_rows(rows)
        else:
            page = rows if isinstance(rows, list) else list(rows)
            start = self._raw.tell()
            count = self._writer.write_rows(page)
            if count:
                self._last = (self._pages.add(order, start, self._raw.tell()), page)
        self.rows += count
        return count

    def release(self, below: int | None) -> None:
        """Write the waiting pages whose first id is below `below` (None: all) into the file, in id order."""
        if self._pages is None or self._file is None:
            return
        for entry in self._pages.take(below):
            if self._last is not None and self._last[0] == entry:  # just written: still in memory
                rows = self._last[1]
            else:
                rows = [orjson.loads(line) for line in self._read(entry[1], entry[2]).splitlines()]
            self._file.write_rows(rows)
        self._last = None

    def _read(self, start: int, end: int) -> bytes:
        """Bytes of the journal, which goes on being appended to afterwards."""
        self._raw.flush()
        here = self._raw.tell()
        self._raw.seek(start)
        data = self._raw.read(end - start)
        self._raw.seek(here)
        return data

    def position(self) -> tuple[int, int]:
        """(bytes, rows) on disk now: everything written so far is flushed to the OS first."""
        if self._text is not None:
            self._text.flush()
        self._raw.flush()
        if self._pages is not None:
            self._pages.flush()
        return self._raw.tell(), self.rows


    def abandon(self) -> None:
        """Stop without finishing (interrupted or failed): keep the partial file (or journal) for --resume."""
        if self._text is not None:
            self._text.flush()
            self._text.detach()
            self._text = None
        self._raw.close()
        if self._pages is not None:
            self._pages.close()
        if self._file is not None:  # a resume builds it from the journal
            file, self._file = self._file, None
            try:
                file.close()
            finally:
                self._file_path.unlink(missing_ok=True)

    def close(self) -> list[Path]:
        """Finish the file(s) and move the result to the output name; returns the files written."""
        self._writer.close()
        if self._text is not None:
            self._text.detach()
            self._text = None
        if self._file is None:
            self._raw.flush()
            os.fsync(self._raw.fileno())
            self._raw.close()
            os.replace(self.target, self.output)
            return [self.output]
        assert self._pages is not None
        try:
            self.release(None)
        finally:
            self._raw.close()  # the journal: deleted once the file is complete
            self._pages.close()
            file, self._file = self._file, None
            file.close()
        with open(self._file_path, "rb+") as done:
            os.fsync(done.fileno())
        os.replace(self._file_path, self.output)
        self.target.unlink()
        self._pages.unlink()
        return [self.output]


class PageIndex:
    """Where each page of a journal sits (`start end` bytes) and its first id, in `<output>.partial.pages`.

    One line per page, appended as the page is journaled and flushed with every checkpoint, so a resume
    finds every page up to the checkpoint's journal size (later lines are dropped with the rows they name).
    """

    def __init__(self, output: Path, resume_bytes: int) -> None:
        self.path = output.with_name(output.name + ".partial.pages")
        self.entries: list[tuple[int, int, int]] = []  # (first id, start, end) in journal order
        self.waiting: list[tuple[int, int, int]] = []  # those not in the file yet, by first id
        if resume_bytes:
            try:
                lines = self.path.read_text(encoding="ascii").splitlines()
            except FileNotFoundError:
                raise ValueError(f"cannot resume {output.name}: {self.path.name} is missing; start again without "
                                 f"--resume") from None
            for line in lines:
                parts = line.split()
                if len(parts) == 3 and int(parts[2]) <= resume_bytes:  # a torn last line has fewer parts
                    self.entries.append((int(parts[0]), int(parts[1]), int(parts[2])))
        self.waiting = sorted(self.entries)  # a resume builds the file again from the journal
        self._file = open(self.path, "w", encoding="ascii")  # noqa: SIM115  (closed by close())
        self._file.writelines(f"{key} {start} {end}\n" for key, start, end in self.entries)

    def add(self, first_id: int | None, start: int, end: int) -> tuple[int, int, int]:
        """Note a page (waiting); without a first id it goes after every page so far. Returns its entry."""
        key = first_id if first_id is not None else (max((e[0] for e in self.entries), default=0) + 1)
        entry = (key, start, end)
        self.entries.append(entry)
        bisect.insort(self.waiting, entry)
        self._file.write(f"{key} {start} {end}\n")
        return entry

    def take(self, below: int | None) -> list[tuple[int, int, int]]:
        """The waiting pages whose first id is below `below` (None: all), by first id; no longer waiting."""
        cut = len(self.waiting) if below is None else bisect.bisect_left(self.waiting, (below,))
        taken, self.waiting = self.waiting[:cut], self.waiting[cut:]
        return taken

    def rewrite(self) -> None:
        """Write the file again from `entries` (after the journal was copied to new places)."""
        self.waiting = sorted(self.entries)
        self._file.seek(0)
        self._file.truncate()
        self._file.writelines(f"{key} {start} {end}\n" for key, start, end in self.entries)
        self._file.flush()

    def flush(self) -> None:
        """Hand the lines written so far to the OS (before a checkpoint records the journal's size)."""
        self._file.flush()

    def close(self) -> None:
        """Close the file (it stays for a resume)."""
        if not self._file.closed:
            self._file.close()

    def unlink(self) -> None:
        """Delete the file (the output is complete)."""
        self.close()
        self.path.unlink(missing_ok=True)


class StdoutSink:
    """Rows to stdout (csv, json or ndjson); no checkpoints."""

    spooled = False

    def __init__(self, fmt: str, columns: Sequence[Column], *, writer_options: Mapping[str, Any] | None = None) -> None:
        self.format = fmt
        self.columns = list(columns)
        self.rows = 0
        self._writer = open_writer(fmt, "-", self.columns, **dict(writer_options or {}))

    def release(self, below: int | None) -> None:
        """Nothing waits: rows go out as they come."""

    def write(self, rows: Iterable[Mapping[str, Any]], order: int | None = None) -> int:
        """Write rows to stdout (in the order they come)."""
        count = self._writer.write_rows(rows)
        self.rows += count
        return count

    def position(self) -> tuple[int, int]:
        """Stdout has no position to resume from."""
        return 0, self.rows

    def abandon(self) -> None:
        """Leave stdout as it is."""

    def close(self) -> list[Path]:
        """Finish the document (e.g. the closing bracket of a JSON array)."""
        self._writer.close()
        return []


def open_sink(fmt: str, output: Path | None, columns: Sequence[Column], *, resume_bytes: int = 0,
              resume_rows: int = 0, csv_raw: bool = False, entity: str | None = None) -> FileSink | StdoutSink:
    """The sink for an output file, or stdout when `output` is None; `csv_raw` turns off formula escaping;
    an xlsx sheet is named after `entity`."""
    options: dict[str, Any] = {"escape_formulas": False} if fmt == "csv" and csv_raw else {}
    if fmt == "xlsx" and entity:
        options["sheet_name"] = entity
    if output is None:
        return StdoutSink(fmt, columns, writer_options=options)
    if fmt == "parquet":
        from .parquet_sink import ParquetSink

        return ParquetSink(output, columns, resume_bytes=resume_bytes, resume_rows=resume_rows)
    return FileSink(fmt, output, columns, resume_bytes=resume_bytes, resume_rows=resume_rows,
                    writer_options=options)


class _ContinuedArray(io.RawIOBase):
    """Continues a JSON array cut at a checkpoint: the writer's opening `[` becomes the `,` that follows a row."""

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self._raw = raw
        self._first = True

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        size = len(chunk)
        if self._first:
            self._first = False
            if chunk.startswith(b"[\n"):
                chunk = b",\n" + chunk[2:]
            elif chunk.startswith(b"[]"):
                chunk = b"\n]" + chunk[2:]
        self._raw.write(chunk)
        return size

    def flush(self) -> None:
        # The sink owns the file and may have closed it already (abandon()); then there is nothing to flush.
        if not self._raw.closed:
            self._raw.flush()

    def close(self) -> None:
        # The underlying file belongs to the sink; closing this adapter must not close it.
        self.flush()
        super().close()
