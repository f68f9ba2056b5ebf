"""Attachments on both clients: list by parent, download (bytes or file), upload, invoice PDFs.

    from py_autotask.attachments import Attachments

    files = Attachments(client)
    for ref in files.list("Tickets", [1201, 1202]):
        files.download_to(ref, f"out/{ref.id}-{ref.file_name}")
    new_id = files.upload("Tickets", 1201, "report.pdf")

`AsyncAttachments` is the same on `AsyncAutotaskClient` with `await`. Only the clients' public surface is
used: `entity(...).query/.get/.create` and `request` (invoice PDFs). Concurrency is the client's: its
per-endpoint limiter keeps at most 3 requests in flight per endpoint, as Autotask's thread limit asks.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Awaitable, Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from .._exceptions import NotFoundError
from .budget import UploadBudget
from .model import (
    MAX_FILE_BYTES,
    AttachmentRef,
    AttachmentRoute,
    AttachmentTooLarge,
    FileDownload,
    attachment_route,
    base_name,
    decode_data,
    unwrap_file,
)

__all__ = ["AsyncAttachments", "Attachments", "write_file"]

PARENT_BATCH = 500  # ids per `in` filter: one page of parents, and well inside Autotask's URL/body limits
FILE_ATTACHMENT = "FILE_ATTACHMENT"
Source = str | os.PathLike[str] | bytes


def _batches(ids: Iterable[int], size: int = PARENT_BATCH) -> Iterator[list[int]]:
    batch: list[int] = []
    for value in dict.fromkeys(int(i) for i in ids):  # unique, in order
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _parent_filter(route: AttachmentRoute, batch: list[int]) -> list[dict[str, Any]]:
    return [{"op": "in", "field": route.parent_field, "value": batch}]


def _read_source(source: Source, name: str | None, max_bytes: int) -> tuple[str, bytes]:
    """(file name, bytes) of an upload; the size is checked before the file is read."""
    if isinstance(source, bytes):
        if not name:
            raise ValueError("uploading bytes needs name= (the attachment's file name)")
        data = source
    else:
        path = Path(source)
        size = path.stat().st_size
        _check_size(size, path.name, max_bytes)
        data, name = path.read_bytes(), name or path.name
    _check_size(len(data), name, max_bytes)
    return base_name(name) or name, data


def _check_size(size: int, name: str, max_bytes: int) -> None:
    if size > max_bytes:
        raise AttachmentTooLarge(f"{name} is {size} bytes; Autotask accepts attachments of at most {max_bytes} bytes")


def _upload_body(name: str, data: bytes, title: str | None, publish: int) -> dict[str, Any]:
    import base64

    return {"attachmentType": FILE_ATTACHMENT, "fullPath": name, "title": title or name, "publish": publish,
            "data": base64.b64encode(data).decode("ascii")}


def _ref_data(ref: AttachmentRef, record: Any) -> bytes:
    if record is None:
        raise NotFoundError(404, [f"{ref.entity} {ref.id} of {ref.parent} {ref.parent_id} was not found"],
                            method="GET", url=f"{ref.parent}/{ref.parent_id}/Attachments/{ref.id}")
    return decode_data(record.get("data"), f"{ref.entity} {ref.id}")


def _invoice_file(invoice_id: int, payload: Any) -> FileDownload:
    model = unwrap_file(payload)
    if model is None:
        raise ValueError(f"Invoices/{invoice_id}/InvoicePdf answered without a file")
    data = decode_data(model.get("data"), f"the PDF of invoice {invoice_id}")
    return FileDownload(base_name(model.get("fileName")) or f"Invoice_{invoice_id}.pdf",
                        model.get("contentType") or "application/pdf", data)


def write_file(path: str | os.PathLike[str], data: bytes) -> str:
    """Write ``data`` atomically (a ``.part`` file, fsync, rename); returns its sha256 (hex)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    with open(part, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(part, target)
    return hashlib.sha256(data).hexdigest()


class _Base:
    def __init__(self, client: Any, *, budget: UploadBudget | None = None,
                 max_file_bytes: int = MAX_FILE_BYTES) -> None:
        self.client = client
        self.budget = budget if budget is not None else UploadBudget()
        self.max_file_bytes = max_file_bytes

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.client!r}, {self.budget!r})"


class Attachments(_Base):
    """Attachments through a sync `AutotaskClient`; `budget` paces uploads (shared per process)."""

    def list(self, parent: str, parent_ids: Iterable[int]) -> list[AttachmentRef]:
        """The attachments of these parent records (metadata only), queried ≤ 500 parent ids at a time."""
        return list(self.iter(parent, parent_ids))

    def iter(self, parent: str, parent_ids: Iterable[int]) -> Iterator[AttachmentRef]:
        """Like `list`, lazily, batch by batch."""
        route = attachment_route(parent)
        entity = self.client.entity(route.entity)
        for batch in _batches(parent_ids):
            for record in entity.query(_parent_filter(route, batch)):
                yield AttachmentRef.from_record(route, record)

    def download(self, ref: AttachmentRef) -> bytes:
        """The attachment's bytes (the parent-scoped GET, base64 decoded)."""
        record = self.client.entity(ref.entity).get(ref.id, parent_id=ref.parent_id)
        return _ref_data(ref, record)

    def download_to(self, ref: AttachmentRef, path: str | os.PathLike[str]) -> tuple[int, str]:
        """Save the attachment at ``path`` atomically; returns (size, sha256)."""
        data = self.download(ref)
        return len(data), write_file(path, data)

    def upload(self, parent: str, parent_id: int, source: Source, *, name: str | None = None,
               title: str | None = None, publish: int = 1) -> int:
        """Attach a file (path or bytes) to one parent record; returns the new attachment's id.

        Too-large files raise `AttachmentTooLarge` before anything is sent; an upload that would go over
        the 10,000,000-byte/5-minute budget waits for the window (see `UploadBudget`)."""
        route = attachment_route(parent)
        file_name, data = _read_source(source, name, self.max_file_bytes)
        self.budget.acquire(len(data))
        body = _upload_body(file_name, data, title, publish)
        return int(self.client.entity(route.entity).create(body, parent_id=parent_id))

    def invoice_pdf(self, invoice_id: int) -> FileDownload:
        """The PDF of one invoice (``GET /Invoices/{id}/InvoicePdf``)."""
        return _invoice_file(invoice_id, self.client.request("GET", f"Invoices/{int(invoice_id)}/InvoicePdf"))


class AsyncAttachments(_Base):
    """Attachments through an `AsyncAutotaskClient` (same methods, awaited)."""

    def __init__(self, client: Any, *, budget: UploadBudget | None = None, max_file_bytes: int = MAX_FILE_BYTES,
                 sleep: Callable[[float], Awaitable[object]] | None = None) -> None:
        super().__init__(client, budget=budget, max_file_bytes=max_file_bytes)
        self._sleep = sleep

    async def list(self, parent: str, parent_ids: Iterable[int]) -> list[AttachmentRef]:
        """The attachments of these parent records (metadata only), queried ≤ 500 parent ids at a time."""
        route = attachment_route(parent)
        entity = self.client.entity(route.entity)
        found = []
        for batch in _batches(parent_ids):
            async for record in entity.query(_parent_filter(route, batch)):
                found.append(AttachmentRef.from_record(route, record))
        return found

    async def download(self, ref: AttachmentRef) -> bytes:
        """The attachment's bytes (the parent-scoped GET, base64 decoded)."""
        record = await self.client.entity(ref.entity).get(ref.id, parent_id=ref.parent_id)
        return _ref_data(ref, record)

    async def download_to(self, ref: AttachmentRef, path: str | os.PathLike[str]) -> tuple[int, str]:
        """Save the attachment at ``path`` atomically (in a worker thread); returns (size, sha256)."""
        import anyio.to_thread

        data = await self.download(ref)
        return len(data), await anyio.to_thread.run_sync(write_file, path, data)

    async def upload(self, parent: str, parent_id: int, source: Source, *, name: str | None = None,
                     title: str | None = None, publish: int = 1) -> int:
        """Attach a file (path or bytes) to one parent record; returns the new attachment's id."""
        route = attachment_route(parent)
        file_name, data = _read_source(source, name, self.max_file_bytes)
        await self.budget.acquire_async(len(data), self._sleep)
        body = _upload_body(file_name, data, title, publish)
        return int(await self.client.entity(route.entity).create(body, parent_id=parent_id))

    async def invoice_pdf(self, invoice_id: int) -> FileDownload:
        """The PDF of one invoice (``GET /Invoices/{id}/InvoicePdf``)."""
        payload = await self.client.request("GET", f"Invoices/{int(invoice_id)}/InvoicePdf")
        return _invoice_file(invoice_id, payload)
