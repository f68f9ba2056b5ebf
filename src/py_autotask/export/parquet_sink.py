"""Parquet exports: an Arrow journal as pages arrive, and the Parquet file written from it in id order.

Each page becomes one Arrow record batch (`ParquetWriter.to_batch`: the shared schema layer's types,
so a value a column cannot hold fails while the page is written). It goes to `<output>.partial.arrows`,
an Arrow IPC stream (a plain copy of the batches' buffers): the journal the export's checkpoints point
into; `<output>.partial.pages` notes where each batch sits and the page's first id (`sinks.PageIndex`).
The Parquet file (`<output>.partial`) takes the batches in id order: each as soon as every id below it is
written, the others from the journal later — the parallel ranges' pages arrive interleaved; row groups
are written as they fill. `close()` writes what waited and the footer, renames the file to the output
and deletes the journal. A resumed export cuts the journal back to the checkpoint, rebuilds the file from
it and continues — exact to the row, after Ctrl-C or kill -9 alike.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from .sinks import FileSink, PageIndex
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
    _pages: PageIndex

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
        self._last: tuple[tuple[int, int, int], Any] | None = None  # the batch just journaled
        try:
            self._pages = PageIndex(output, resume_bytes)
            self._raw, self._journal = self._open_journal(resume_bytes)
        except BaseException:
            self._discard_file()
            raise

    def _open_journal(self, resume_bytes: int) -> tuple[BinaryIO, Any]:
        """A new journal; on resume, the old one's batches up to the checkpoint are copied into it.

        A stream cannot be continued once its writer is gone (a new writer starts with the schema again),
        hence the copy; the page index is rebuilt with the batches' new places.
        """
        assert self._file is not None
        schema = self._file.schema
        if not resume_bytes:
            raw: BinaryIO = open(self.target, "w+b")  # noqa: SIM115  (read back by release())
            return raw, self._pa.ipc.new_stream(raw, schema)
        with open(self.target, "r+b") as old:
            old.truncate(resume_bytes)  # drop batches written after the checkpoint
        fresh = self.target.with_name(self.target.name + ".new")
        raw = open(fresh, "w+b")  # noqa: SIM115
        journal = self._pa.ipc.new_stream(raw, schema)
        kept, self._pages.entries = self._pages.entries, []  # in journal order: one per batch
        with self._pa.OSFile(str(self.target), "rb") as source:
            batches = list(zip(self._pa.ipc.open_stream(source), kept, strict=False))
            if len(batches) != len(kept):
                raw.close()
                raise ValueError(f"cannot resume {self.output.name}: its journal and page index disagree; start "
                                 f"again without --resume")
            for batch, (key, _, _) in batches:
                if batch.schema != schema:
                    raw.close()
                    raise ValueError(f"cannot resume {self.output.name}: its columns changed since the "
                                     f"checkpoint; start again without --resume")
                start = raw.tell()
                journal.write_batch(batch)
                self._pages.entries.append((key, start, raw.tell()))
        raw.flush()
        os.replace(fresh, self.target)
        self._pages.rewrite()
        return raw, journal

    def write(self, rows: Iterable[Mapping[str, Any]], order: int | None = None) -> int:
        """Append a page of rows (ascending id; `order`: its first id, which places it in the file)."""
        assert self._file is not None
        batch = self._file.to_batch(rows if isinstance(rows, list) else list(rows))
        if batch.num_rows:
            start = self._raw.tell()
            self._journal.write_batch(batch)
            self._last = (self._pages.add(order, start, self._raw.tell()), batch)
        self.rows += batch.num_rows
        return int(batch.num_rows)

    def release(self, below: int | None) -> None:
        """Write the waiting batches whose first id is below `below` (None: all) into the file, in id order."""
        if self._file is None:
            return
        for entry in self._pages.take(below):
            if self._last is not None and self._last[0] == entry:  # just journaled: still in memory
                self._file.write_batch(self._last[1])
                continue
            self._raw.flush()
            here = self._raw.tell()
            self._raw.seek(entry[1])
            data = self._raw.read(entry[2] - entry[1])
            self._raw.seek(here)
            # A page's bytes are one record-batch message (the first one also carries the schema).
            for message in self._pa.ipc.MessageReader.open_stream(self._pa.py_buffer(data)):
                if message.type == "record batch":
                    self._file.write_batch(self._pa.ipc.read_record_batch(message, self._file.schema))
        self._last = None

    def position(self) -> tuple[int, int]:
        """(journal bytes, rows) on disk now."""
        self._raw.flush()
        self._pages.flush()
        return self._raw.tell(), self.rows

    def abandon(self) -> None:
        """Stop without finishing: keep the journal for --resume (the Parquet file is built from it)."""
        try:
            self._raw.close()
            self._pages.close()
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
        """Write the file from the journal in id order, move it to the output name, delete the journal."""
        assert self._file is not None
        try:
            self.release(None)
        finally:
            self._journal.close()
            self._raw.close()
            self._pages.close()
            file, self._file = self._file, None
            file.close()
        with open(self._file_path, "rb+") as done:
            os.fsync(done.fileno())
        os.replace(self._file_path, self.output)
        self.target.unlink()
        self._pages.unlink()
        return [self.output]
