"""Attachments: what the server computes on upload, the API's upload limits, and the AttachmentInfo index.

Autotask keeps every attachment (ticket, note, task, company ... attachments) in one store, so one id
sequence serves all ``*Attachments`` entities and the read-only ``AttachmentInfo`` entity lists each of
them under the same id (docs/autotask-facts.md#attachments). On create the server sets (the client's values are
ignored: these fields are read-only in the metadata):

* ``fileSize`` — the decoded size of ``data`` in bytes; ``data`` must be valid base64 (.NET's
  ``Convert.FromBase64String`` message otherwise, HTTP 500);
* ``contentType`` — from the file extension of ``fullPath`` (:data:`CONTENT_TYPES`);
* ``parentID``/``parentType`` — the parent record and its kind (picklist ``attachment.parentType``), and
  the grand-parent links a note's or time entry's attachment also carries (``ticketID`` of a ticket
  note's attachment, ...), copied from the parent record;
* ``attachDate``/``attachedByResourceID``/``creatorType`` — by :mod:`.write_effects`, like any create.

Limits (docs/autotask-facts.md#limits), on the sandbox clock: a file over :attr:`AttachmentLimits.max_file_bytes`
is refused; more than ``window_bytes`` accepted within ``window_s`` seconds refuses that upload and blocks
every attachment create for ``lockout_s`` seconds. The live error texts are not public; the sandbox's say
what happened. ``data`` itself is returned only by the parent-scoped GET by id (see :mod:`autotask_sandbox.wire.child_reads`).
"""

from __future__ import annotations

import base64
import binascii
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ..tenant.picklists import ATTACHMENT_PARENT_TYPES
from .table import Table

__all__ = [
    "CONTENT_TYPES",
    "INDEX_ENTITY",
    "AttachmentLimits",
    "Attachments",
    "content_type",
    "is_attachment_model",
]

INDEX_ENTITY = "AttachmentInfo"
FILE_ATTACHMENT = "FILE_ATTACHMENT"
INVALID_BASE64 = (
    "The input is not a valid Base-64 string as it contains a non-base 64 character, more than two padding "
    "characters, or an illegal character among the padding characters."
)
MISSING_DATA = "Value does not exist for the required field data."
TOO_LARGE = "The attachment is {size} bytes; the API accepts attachment files of at most {limit} bytes."
OVER_BUDGET = (
    "Attachment volume exceeded: more than {limit} bytes of attachments within {minutes} minutes. Attachment "
    "creation is blocked for {lockout} minutes."
)
LOCKED = "Attachment creation is blocked until {until} (UTC): the attachment volume limit was exceeded."
# File extension -> MIME type (a fixed table, so every machine answers alike).
CONTENT_TYPES = {
    "txt": "text/plain",
    "log": "text/plain",
    "csv": "text/csv",
    "htm": "text/html",
    "html": "text/html",
    "xml": "text/xml",
    "json": "application/json",
    "pdf": "application/pdf",
    "zip": "application/x-zip-compressed",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "bmp": "image/bmp",
    "eml": "message/rfc822",
    "msg": "application/vnd.ms-outlook",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
DEFAULT_CONTENT_TYPE = "application/octet-stream"
# Links an attachment of a child record inherits from that record (a ticket note's attachment is also
# the ticket's: AttachmentInfo queries by ticketID return it).
_INHERITED_LINKS = (
    "ticketID",
    "taskID",
    "projectID",
    "companyID",
    "configurationItemID",
    "contractID",
    "expenseReportID",
)


def content_type(path: object) -> str:
    """MIME type of a file name by its extension (``application/octet-stream`` when unknown)."""
    name = str(path or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return CONTENT_TYPES.get(extension, DEFAULT_CONTENT_TYPE)


def is_attachment_model(model: dict) -> bool:
    """Whether a models.json entry is an attachment entity (base64 ``data`` plus a ``fullPath``)."""
    fields = model.get("fields") or {}
    return fields.get("data") == "string:byte" and "fullPath" in fields


def decoded_size(data: str) -> int:
    """Bytes that base64 ``data`` decodes to; ValueError when it is not base64 (whitespace is ignored)."""
    try:
        return len(base64.b64decode("".join(data.split()), validate=True))
    except (binascii.Error, ValueError):
        raise ValueError(INVALID_BASE64) from None


@dataclass(frozen=True)
class AttachmentLimits:
    """The API's attachment limits (docs/autotask-facts.md#limits: 6-7 MB per file; 10,000,000 bytes per 5 minutes, then 5 minutes
    blocked). The per-file limit takes the lower end of the documented range."""

    max_file_bytes: int = 6 * 1024 * 1024
    window_bytes: int = 10_000_000
    window_s: float = 300.0
    lockout_s: float = 300.0


class Attachments:
    """The store's attachment rules: computed fields, limits, id sequence and the AttachmentInfo index."""

    def __init__(
        self,
        meta: Any,
        models: dict[str, dict],
        lookup: Callable[[str], Table | None],
        now: Callable[[], float],
        limits: AttachmentLimits | None = None,
    ) -> None:
        self.meta = meta
        self.lookup = lookup
        self.now = now  # seconds on the sandbox clock
        self.limits = limits or AttachmentLimits()
        self.entities = frozenset(tag for tag, model in models.items() if is_attachment_model(model))
        # entity -> (parent entity, foreign key): every attachment entity has exactly one parent route
        self._parents = {
            tag: next(iter((models[tag].get("parentFields") or {}).items()), None) for tag in self.entities
        }
        self._uploads: deque[tuple[float, int]] = deque()
        self._blocked_until = float("-inf")

    def applies(self, table: Table) -> bool:
        """Whether ``table`` holds attachments."""
        return table.entity in self.entities

    # ------------------------------------------------------------------ create
    def prepare(self, table: Table, row: list) -> tuple[int | None, list[str]]:
        """Set the computed fields of a new attachment row; returns (decoded size, errors)."""
        data = row[table.column_of("data")]
        kind_col = table.column("attachmentType")
        kind = row[kind_col] if kind_col is not None else None
        size = None
        if isinstance(data, str):
            try:
                size = decoded_size(data)
            except ValueError as exc:
                return None, [str(exc)]
            if size > self.limits.max_file_bytes:
                return size, [TOO_LARGE.format(size=size, limit=self.limits.max_file_bytes)]
        elif kind is None or str(kind).upper() == FILE_ATTACHMENT:
            return None, [MISSING_DATA]
        _set(table, row, "fileSize", None if size is None else float(size))
        is_file = size is not None
        _set(table, row, "contentType", content_type(row[table.column_of("fullPath")]) if is_file else None)
        self._link_parent(table, row)
        return size, []

    def _link_parent(self, table: Table, row: list) -> None:
        parent = self._parents.get(table.entity)
        label = ATTACHMENT_PARENT_TYPES.get(table.entity)
        if label is not None:
            _set(table, row, "parentType", _picklist_value(self.meta, table.entity, "parentType", label))
        if parent is None or parent[1] is None:
            return
        parent_entity, fk = parent
        fk_col = table.column(fk)
        parent_id = row[fk_col] if fk_col is not None else None
        _set(table, row, "parentID", parent_id)
        # an article attachment's route key is parentID, but AttachmentInfo indexes it by articleID
        if table.entity == "ArticleAttachments":
            _set(table, row, "articleID", parent_id)
        source = self.lookup(parent_entity)
        found = source.row(parent_id) if source is not None and isinstance(parent_id, int) else None
        if found is None or source is None:
            return
        for name in _INHERITED_LINKS:
            mine, theirs = table.column(name), source.column(name)
            if mine is not None and theirs is not None and row[mine] is None:
                row[mine] = source.value(found, theirs)

    def admit(self, size: int | None) -> list[str]:
        """Charge an accepted upload against the 5-minute budget (errors when it is spent or blocked)."""
        now, limits = self.now(), self.limits
        if now < self._blocked_until:
            return [LOCKED.format(until=_utc(self._blocked_until))]
        if not size:
            return []
        while self._uploads and self._uploads[0][0] <= now - limits.window_s:
            self._uploads.popleft()
        used = sum(n for _, n in self._uploads)
        if used + size > limits.window_bytes:
            self._blocked_until = now + limits.lockout_s
            self._uploads.clear()
            return [
                OVER_BUDGET.format(
                    limit=limits.window_bytes,
                    minutes=_minutes(limits.window_s),
                    lockout=_minutes(limits.lockout_s),
                )
            ]
        self._uploads.append((now, size))
        return []

    def next_id(self, table: Table) -> int:
        """The next id of the one attachment sequence (above every attachment ever stored)."""
        index = self.lookup(INDEX_ENTITY)
        return max(table.max_id, index.max_id if index is not None else 0) + 1

    # ------------------------------------------------------------------ index
    def index(self, table: Table, row: list) -> None:
        """List a stored attachment in AttachmentInfo under the same id."""
        target = self.lookup(INDEX_ENTITY)
        if target is None:
            return
        values: list = [None] * target.width
        for pos, name in enumerate(target.columns):
            mine = table.column(name)
            if mine is not None:
                values[pos] = row[mine]
        target.append(values)

    def unindex(self, record_id: int) -> None:
        """Drop a deleted attachment from AttachmentInfo."""
        target = self.lookup(INDEX_ENTITY)
        pos = target.position(record_id) if target is not None else None
        if target is not None and pos is not None:
            target.remove(pos)


def _set(table: Table, row: list, name: str, value: Any) -> None:
    col = table.col_index.get(name)
    if col is not None:
        row[col] = value


def _picklist_value(meta: Any, entity: str, field: str, label: str) -> int | None:
    for entry in (meta.field(entity, field) or {}).get("picklistValues") or ():
        if entry.get("label") == label:
            return int(entry["value"])
    return None


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:g}"


def _utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
