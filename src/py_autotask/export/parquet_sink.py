"""Parquet exports: row groups written as pages arrive, and an Arrow journal that makes them resumable.

Each page becomes one Arrow record batch (`ParquetWriter.to_batch`: the shared schema layer's types),
which goes to two places:

- `<output>.partial`, the Parquet file: batches gather into row groups that are written as they fill,
  so when the last page is in only the last row group and the footer remain (`close()` then renames
  the file to the output);
- `<output>.partial.arrows`, an Arrow IPC stream of the same batches (a plain copy of their buffers):
  the journal the export's checkpoints point into. A Parquet file cannot be continued once its writer
  is gone (without its footer, written last, the row groups before it cannot be read), so a resumed
  export cuts the journal back to the checkpoint, replays it into a fresh Parquet file and continues —
  exact to the row, after Ctrl-C or kill -9 alike. The journal is deleted with the completed file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from .sinks import FileSink
from .writers import Column, open_writer
from .writers.base import import_extra
from .writers.parquet_writer import ParquetWriter

__all__ = ["ParquetSink"]

PARQUET_CELLS = 450_000  # cells per Parquet row group (rows = cells / columns, between 1,000 and 10,000)


class ParquetSink(FileSink):
    """Rows of one export into a Parquet file, checkpointed as (journal bytes, rows).

    A FileSink to the engine (same methods and checkpoint meaning), with its own journal and file.
    """

    spooled = True

    # FileSink.__init__ is deliberately not called: nothing of it applies.
    def __init__(self, output: Path, columns: Sequence[Column], *, resume_bytes: int = 0, resume_rows: int = 0,
                 writer_options: Mapping[str, Any] | None = None) -> None:
        self.format = "parquet"
        self.output = output
        self.columns = list(columns)
        self.target = output.with_name(output.name + ".partial.arrows")  # the journal the checkpoints measure
        self._file_path = output.with_name(output.name + ".partial")
        options = dict(writer_options or {})
        # A wide entity (Tickets: ~95 columns) gets shorter row groups: memory holds one of them.
        options.setdefault("row_group_size", max(1_000, min(10_000, PARQUET_CELLS // len(self.columns))))
        output.parent.mkdir(parents=True, exist_ok=True)
        if resume_bytes and (not self.target.exists() or self.target.stat().st_size < resume_bytes):
            raise ValueError(f"cannot resume {output.name}: {self.target.name} is missing or shorter than its "
                             f"checkpoint; start again without --resume")
        self._pa = import_extra("pyarrow", "pyarrow", "parquet", "parquet")
        writer = open_writer("parquet", self._file_path, self.columns, **options)
        assert isinstance(writer, ParquetWriter)
        self._file: ParquetWriter | None = writer
        self.rows = resume_rows
        try:
            self._raw, self._journal = self._open_journal(resume_bytes)
        except BaseException:
            self._discard_file()
            raise

    def _open_journal(self, resume_bytes: int) -> tuple[BinaryIO, Any]:
        """A new journal; on resume, the old one's batches up to the checkpoint are replayed into it and the file."""
        assert self._file is not None
        schema = self._file.schema
        if not resume_bytes:
            raw: BinaryIO = open(self.target, "wb")  # noqa: SIM115
            return raw, self._pa.ipc.new_stream(raw, schema)
        with open(self.target, "r+b") as old:
            old.truncate(resume_bytes)  # drop batches written after the checkpoint
        fresh = self.target.with_name(self.target.name + ".new")
        raw = open(fresh, "wb")  # noqa: SIM115
        journal = self._pa.ipc.new_stream(raw, schema)
        with self._pa.OSFile(str(self.target), "rb") as source:
            for batch in self._pa.ipc.open_stream(source):
                if batch.schema != schema:
                    raw.close()
                    raise ValueError(f"cannot resume {self.output.name}: its columns changed since the "
                                     f"checkpoint; start again without --resume")
                journal.write_batch(batch)
                self._file.write_batch(batch)
        raw.flush()
        os.replace(fresh, self.target)
        return raw, journal

    def write(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Append rows; returns how many."""
        assert self._file is not None
        batch = self._file.to_batch(rows if isinstance(rows, list) else list(rows))
        if batch.num_rows:
            self._journal.write_batch(batch)  # the journal first: a checkpoint never runs ahead of it
            self._file.write_batch(batch)
        self.rows += batch.num_rows
        return int(batch.num_rows)

    def position(self) -> tuple[int, int]:
        """(journal bytes, rows) on disk now."""
        self._raw.flush()
        return self._raw.tell(), self.rows

    def abandon(self) -> None:
        """Stop without finishing: keep the journal for --resume (the Parquet file is rebuilt from it)."""
        try:
            self._raw.close()
        finally:
            self._discard_file()

    def _discard_file(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            try:
                file.close()
            finally:
                self._file_path.unlink(missing_ok=True)

    def close(self) -> list[Path]:
        """Write the last row group and the footer, move the file to the output name, delete the journal."""
        assert self._file is not None
        self._journal.close()
        self._raw.close()
        file, self._file = self._file, None
        file.close()
        with open(self._file_path, "rb+") as done:
            os.fsync(done.fileno())
        os.replace(self._file_path, self.output)
        self.target.unlink()
        return [self.output]
