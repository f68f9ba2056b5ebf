"""What an attachment is, where it lives, and how its bytes travel — no I/O here.

* Every attachment entity (``TicketAttachments``, ``TaskNoteAttachments``, … 19 of them) is a child of
  one parent entity: metadata is queried at the root by the parent's id field, the bytes come only from
  the parent-scoped GET by id (``/Tickets/{id}/Attachments/{attachmentId}``), and uploads go to the
  parent-scoped POST. The catalogue generated from the swagger names the route, so the table below is
  read from it rather than typed in.
* ``data`` is base64 in every envelope the routes use; the entity accessors' ``get`` already unwraps
  ``item`` / ``items`` / bare-model answers, and :func:`unwrap_file` does the same for
  ``/Invoices/{id}/InvoicePdf``.
* File names come from ``fullPath``, which may be a whole Windows or Unix path: only its last part is
  kept, then :func:`safe_file_name` makes it valid on Windows, macOS and Linux alike.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from .._catalog import find_entity, load_catalog
from .._exceptions import UnsupportedOperationError, ValidationError

__all__ = [
    "MAX_FILE_BYTES",
    "AttachmentRef",
    "AttachmentRoute",
    "AttachmentTooLarge",
    "FileDownload",
    "attachment_parents",
    "attachment_route",
    "decode_data",
    "safe_file_name",
    "unwrap_file",
]

# The documented per-file limit is "6-7 MB"; the lower end, as binary megabytes, is what is checked
# before sending (https://ww1.autotask.net/help/DeveloperHelp/Content/APIs/REST/General_Topics/REST_Thresholds_Limits.htm).
MAX_FILE_BYTES = 6 * 1024 * 1024
# Names Windows refuses whatever the extension (https://learn.microsoft.com/windows/win32/fileio/naming-a-file).
_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                       *(f"LPT{i}" for i in range(1, 10))})
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_MAX_NAME_BYTES = 150  # well under the 255-byte limit of ext4/APFS/NTFS, leaving room for an id prefix


class AttachmentTooLarge(ValidationError):
    """A file is over the API's per-file limit; nothing was sent."""


@dataclass(frozen=True)
class AttachmentRoute:
    """One parent type that accepts attachments: its attachment entity and the parent id field."""

    parent: str  # e.g. "Tickets"
    entity: str  # e.g. "TicketAttachments"
    parent_field: str  # e.g. "ticketID"


@functools.cache
def _routes() -> dict[str, AttachmentRoute]:
    routes = {}
    for name, entry in load_catalog().items():
        for child in entry.get("children") or ():
            if child.get("segment") == "Attachments" and "fullPath" in (entry.get("fields") or {}):
                routes[child["parent"]] = AttachmentRoute(child["parent"], name, child["parentField"])
    return routes


def attachment_parents() -> list[str]:
    """The parent entities that accept attachments (tags, sorted)."""
    return sorted(_routes())


def attachment_route(parent: str) -> AttachmentRoute:
    """The attachment route of a parent entity ("Tickets", "ticket_notes", …); others raise."""
    tag = find_entity(parent)["name"]
    route = _routes().get(tag)
    if route is None:
        raise UnsupportedOperationError(
            f"{tag} records have no attachments; parents that do: {', '.join(attachment_parents())}"
        )
    return route


@dataclass(frozen=True)
class AttachmentRef:
    """One attachment's metadata (no bytes): enough to download it and to name the file."""

    id: int
    entity: str
    parent: str
    parent_id: int
    file_name: str
    title: str | None = None
    content_type: str | None = None
    size: int | None = None
    attach_date: str | None = None
    attachment_type: str | None = None  # FILE_ATTACHMENT, or a link kind (URL, …) that has no bytes
    record: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_record(cls, route: AttachmentRoute, record: dict[str, Any]) -> AttachmentRef:
        """Build from a row of the attachment entity (the parent id read from the route's field)."""
        parent_id = record.get(route.parent_field)
        if parent_id is None:
            parent_id = record.get("parentID")
        size = record.get("fileSize")
        return cls(
            id=int(record["id"]),
            entity=route.entity,
            parent=route.parent,
            parent_id=int(parent_id) if parent_id is not None else 0,
            file_name=base_name(record.get("fullPath")) or f"attachment-{record['id']}",
            title=record.get("title"),
            content_type=record.get("contentType"),
            size=int(size) if isinstance(size, (int, float)) else None,
            attach_date=record.get("attachDate"),
            attachment_type=record.get("attachmentType"),
            record=record,
        )

    @property
    def is_file(self) -> bool:
        """Whether there are bytes to download (links — ``attachmentType`` URL and the like — have none)."""
        return self.attachment_type in (None, "FILE_ATTACHMENT")


@dataclass(frozen=True)
class FileDownload:
    """A file the API returned whole: name, type and the decoded bytes (e.g. an invoice PDF)."""

    file_name: str
    content_type: str | None
    data: bytes = field(repr=False)


def base_name(path: object) -> str:
    """The last part of a Windows or Unix path (``fullPath`` may be either, or a bare name)."""
    text = str(path or "").strip()
    return re.split(r"[\\/]", text)[-1].strip() if text else ""


def safe_file_name(name: str, fallback: str = "attachment") -> str:
    """``name`` made valid on every common file system: no separators, reserved characters or names,
    no trailing dots/spaces, NFC-normalized, at most 150 UTF-8 bytes (the extension kept)."""
    text = unicodedata.normalize("NFC", base_name(name))
    text = _UNSAFE.sub("_", text).strip().rstrip(". ")
    if not text or set(text) <= {".", "_"}:
        text = fallback
    stem, dot, ext = text.rpartition(".")
    if not dot or not stem:
        stem, ext = text, ""
    if stem.split(".")[0].upper() in _RESERVED:
        stem = "_" + stem
    ext = ext[:20]
    budget = _MAX_NAME_BYTES - len(ext.encode()) - (1 if ext else 0)
    stem = stem.encode()[:budget].decode("utf-8", errors="ignore").rstrip(". ") or fallback
    return f"{stem}.{ext}" if ext else stem


def decode_data(data: object, what: str) -> bytes:
    """The bytes of a base64 ``data`` value (whitespace ignored); a clear error when it is not base64."""
    if not isinstance(data, str):
        raise ValueError(f"{what} came without data (the API returned {type(data).__name__})")
    try:
        return base64.b64decode("".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{what}: the API's data is not valid base64") from None


def unwrap_file(payload: Any) -> dict[str, Any] | None:
    """The file model of an answer in any envelope: ``{"item": …}``, ``{"items": […]}`` or bare."""
    if not isinstance(payload, dict):
        return None
    if "item" in payload:
        payload = payload["item"]
    elif "items" in payload:
        items = payload["items"]
        payload = items[0] if isinstance(items, list) and len(items) == 1 else items
    return payload if isinstance(payload, dict) and "data" in payload else None
