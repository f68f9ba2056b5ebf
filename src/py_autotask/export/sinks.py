"""Output files an export can checkpoint, truncate back and append to (the writers do the formatting).

- csv, ndjson, json: rows go to `<output>.partial`, which a resumed export truncates back to the
  checkpoint's byte position and appends to (csv without a second header; json continues its array);
  `close()` renames it to the output, so the output name only ever holds a complete file.
- xlsx: written as pages arrive, to `<output>.partial` (rows into xlsxwriter's constant-memory sheets),
  so `close()` only finishes the file (the zip) and renames it. An xlsx file cannot be continued after
  a crash (xlsxwriter keeps its sheets in temporary files), so every row also goes to an NDJSON journal
  (`<output>.partial.ndjson`), checkpointed like the text formats: a resumed export replays the journal
  up to the checkpoint into a fresh file and continues, exact to the row even after kill -9. The journal
  is deleted when the file is complete.
- parquet: the same idea with row groups and an Arrow journal (`parquet_sink.ParquetSink`).
- stdout (`-`): written directly; nothing to resume.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from .plan import APPENDABLE_FORMATS
from .writers import Column, Writer, open_writer

__all__ = ["FileSink", "StdoutSink", "open_sink"]

_REPLAY_BATCH = 500  # journal rows handed to the file writer at once when a resume rebuilds it


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
        self._raw: BinaryIO = open(self.target, "r+b" if resume_bytes else "w+b")  # noqa: SIM115
        self._raw.truncate(resume_bytes)  # drop rows written after the checkpoint
        self._raw.seek(resume_bytes)
        self.rows = resume_rows
        self._text: io.TextIOWrapper | None = None
        self._writer = self._open_writer(resume_bytes > 0)
        self._file: Writer | None = None  # parquet/xlsx: the real file, written beside the journal
        if self.spooled:
            self._file_path = output.with_name(output.name + ".partial")
            try:
                self._file = open_writer(fmt, self._file_path, self.columns, **self._writer_options)
                if resume_bytes:
                    self._replay()
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

    def _replay(self) -> None:
        """Rebuild the file from the journal (already cut back to the checkpoint)."""
        assert self._file is not None
        self._raw.flush()
        with open(self.target, "rb") as journal:
            batch: list[dict[str, Any]] = []
            for line in journal:
                batch.append(orjson.loads(line))
                if len(batch) >= _REPLAY_BATCH:
                    self._file.write_rows(batch)
                    batch = []
            self._file.write_rows(batch)

    def write(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Append rows; returns how many."""
        if self._file is None:
            count = self._writer.write_rows(rows)
        else:
            batch = rows if isinstance(rows, list) else list(rows)
            count = self._writer.write_rows(batch)  # the journal first: a checkpoint never runs ahead of it
            self._file.write_rows(batch)
        self.rows += count
        return count

    def position(self) -> tuple[int, int]:
        """(bytes, rows) on disk now: everything written so far is flushed to the OS first."""
        if self._text is not None:
            self._text.flush()
        self._raw.flush()
        return self._raw.tell(), self.rows

    def abandon(self) -> None:
        """Stop without finishing (interrupted or failed): keep the partial file (or journal) for --resume."""
        if self._text is not None:
            self._text.flush()
            self._text.detach()
            self._text = None
        self._raw.close()
        if self._file is not None:  # a resume rebuilds it from the journal
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
        self._raw.close()  # the journal: deleted once the file is complete
        file, self._file = self._file, None
        file.close()
        with open(self._file_path, "rb+") as done:
            os.fsync(done.fileno())
        os.replace(self._file_path, self.output)
        self.target.unlink()
        return [self.output]


class StdoutSink:
    """Rows to stdout (csv, json or ndjson); no checkpoints."""

    spooled = False

    def __init__(self, fmt: str, columns: Sequence[Column], *, writer_options: Mapping[str, Any] | None = None) -> None:
        self.format = fmt
        self.columns = list(columns)
        self.rows = 0
        self._writer = open_writer(fmt, "-", self.columns, **dict(writer_options or {}))

    def write(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Write rows to stdout."""
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
              resume_rows: int = 0, csv_raw: bool = False) -> FileSink | StdoutSink:
    """The sink for an output file, or stdout when `output` is None; `csv_raw` turns off formula escaping."""
    options = {"escape_formulas": False} if fmt == "csv" and csv_raw else {}
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
