"""Download many files into a folder tree, resumably: one folder per parent and a manifest.

Layout under the target directory::

    <parent id>/<attachment id>-<safe file name>     (invoice PDFs: <invoice id>/<safe file name>)
    manifest.ndjson                                  one line per finished file

A manifest line — ``parent``, ``parent_id``, ``entity``, ``attachment_id``, ``name``, ``path``,
``content_type``, ``size``, ``sha256`` — is appended (and fsynced) only after its file was written
atomically (``.part`` + rename), so after a crash or ``kill -9`` a rerun trusts every listed file that is
still there with its size and fetches only the rest. The id prefix keeps two attachments with the same
name apart; names are made safe for Windows, macOS and Linux (:func:`~.model.safe_file_name`).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .client import Attachments, write_file
from .model import AttachmentRef, FileDownload, safe_file_name

__all__ = ["MANIFEST", "FolderDownload", "FolderJob", "FolderResult", "attachment_jobs", "invoice_jobs"]

MANIFEST = "manifest.ndjson"


@dataclass(frozen=True)
class FolderJob:
    """One file to fetch: its manifest key fields and how to get its bytes."""

    parent: str
    parent_id: int
    entity: str
    item_id: int
    prefix: str  # put before the safe file name ("<id>-" for attachments)
    fetch: Callable[[], FileDownload] = field(compare=False, repr=False)

    @property
    def key(self) -> tuple[str, int]:
        return self.entity, self.item_id


@dataclass
class FolderResult:
    """What a run did."""

    downloaded: int = 0
    skipped: int = 0
    bytes: int = 0
    failed: list[tuple[FolderJob, str]] = field(default_factory=list)


def attachment_jobs(files: Attachments, refs: Iterable[AttachmentRef]) -> list[FolderJob]:
    """Jobs for the file attachments among ``refs`` (links have no bytes and are left out)."""
    def fetcher(ref: AttachmentRef) -> Callable[[], FileDownload]:
        return lambda: FileDownload(ref.file_name, ref.content_type, files.download(ref))

    return [FolderJob(ref.parent, ref.parent_id, ref.entity, ref.id, f"{ref.id}-", fetcher(ref)) for ref in refs if ref.is_file]


def invoice_jobs(files: Attachments, invoice_ids: Iterable[int]) -> list[FolderJob]:
    """Jobs for the PDFs of these invoices."""
    def fetcher(invoice_id: int) -> Callable[[], FileDownload]:
        return lambda: files.invoice_pdf(invoice_id)

    return [FolderJob("Invoices", i, "InvoicePdf", i, "", fetcher(i)) for i in invoice_ids]


class FolderDownload:
    """Runs jobs on ``workers`` threads into ``directory``, skipping what the manifest says is done."""

    def __init__(self, directory: str | os.PathLike[str], *, workers: int = 3,
                 on_file: Callable[[FolderJob, dict[str, Any] | None, str | None], None] | None = None) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.directory = Path(directory)
        self.workers = workers
        self.on_file = on_file
        self._lock = threading.Lock()

    @property
    def manifest_path(self) -> Path:
        return self.directory / MANIFEST

    def finished(self) -> dict[tuple[str, int], dict[str, Any]]:
        """Manifest entries whose file is still present with its recorded size (a torn last line is ignored)."""
        done: dict[tuple[str, int], dict[str, Any]] = {}
        try:
            lines = self.manifest_path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return done
        for line in lines:
            try:
                entry = json.loads(line)
                path = self.directory / entry["path"]
                if path.is_file() and path.stat().st_size == entry["size"]:
                    done[(entry["entity"], int(entry["attachment_id"]))] = entry
            except (ValueError, KeyError, TypeError, OSError):
                continue
        return done

    def run(self, jobs: Iterable[FolderJob]) -> FolderResult:
        """Fetch every job not finished yet; failures are collected, not raised."""
        self.directory.mkdir(parents=True, exist_ok=True)
        done = self.finished()
        result = FolderResult()
        todo = []
        for job in jobs:
            if job.key in done:
                result.skipped += 1
            else:
                todo.append(job)
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="attachments") as pool:
            for job, entry, error in pool.map(self._one, todo):
                with self._lock:
                    if entry is not None:
                        result.downloaded += 1
                        result.bytes += entry["size"]
                    else:
                        result.failed.append((job, error or "failed"))
        return result

    def _one(self, job: FolderJob) -> tuple[FolderJob, dict[str, Any] | None, str | None]:
        try:
            got = job.fetch()
            relative = f"{job.parent_id}/{job.prefix}{safe_file_name(got.file_name)}"
            sha256 = write_file(self.directory / relative, got.data)
            entry = {"parent": job.parent, "parent_id": job.parent_id, "entity": job.entity,
                     "attachment_id": job.item_id, "name": got.file_name, "path": relative,
                     "content_type": got.content_type, "size": len(got.data), "sha256": sha256}
            self._record(entry)
        except Exception as exc:  # one bad file must not stop the others; the caller reports it
            error = str(exc) or type(exc).__name__
            if self.on_file:
                self.on_file(job, None, error)
            return job, None, error
        if self.on_file:
            self.on_file(job, entry, None)
        return job, entry, None

    def _record(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock, open(self.manifest_path, "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
