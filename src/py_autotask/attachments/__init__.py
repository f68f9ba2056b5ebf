"""Attachments in and out: list by parent, download to bytes or files, upload under the byte budget.

`Attachments` (sync client) and `AsyncAttachments` (async client) list the attachments of many parents
(≤ 500 parent ids per query), download them base64-decoded whatever envelope the route answers in, and
upload files to any of the 19 parent types, waiting — not failing — when Autotask's 10,000,000 bytes per
5 minutes would be crossed (`UploadBudget`). `FolderDownload` saves many files into one folder per parent
with a manifest, resumably (the `py-autotask attachments download` command).
"""

from __future__ import annotations

from .budget import UploadBudget
from .client import AsyncAttachments, Attachments, write_file
from .folder import MANIFEST, FolderDownload, FolderJob, FolderResult, attachment_jobs, invoice_jobs
from .model import (
    MAX_FILE_BYTES,
    AttachmentRef,
    AttachmentRoute,
    AttachmentTooLarge,
    FileDownload,
    attachment_parents,
    attachment_route,
    safe_file_name,
)

__all__ = [
    "MANIFEST",
    "MAX_FILE_BYTES",
    "AsyncAttachments",
    "AttachmentRef",
    "AttachmentRoute",
    "AttachmentTooLarge",
    "Attachments",
    "FileDownload",
    "FolderDownload",
    "FolderJob",
    "FolderResult",
    "UploadBudget",
    "attachment_jobs",
    "attachment_parents",
    "attachment_route",
    "invoice_jobs",
    "safe_file_name",
    "write_file",
]
