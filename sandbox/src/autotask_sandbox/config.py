"""``SandboxConfig``: everything that shapes a sandbox (each field can also be changed later via ``sb.control``)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from .backend.attachments import AttachmentLimits
from .policy.faults import validate_rates
from .wire.child_reads import ENVELOPES

__all__ = ["DATETIME_FORMS", "SandboxConfig", "with_overrides"]

DATETIME_FORMS = ("naive", "z")


@dataclass
class SandboxConfig:
    """Everything that shapes a sandbox; every field can also be changed later through ``sb.control``.

    (†) marks behaviour no public source settles (docs/sandbox.md, "Where Autotask's behaviour is not
    published"): the default is the likeliest reading, and the switch offers the other.
    """

    seed: int = 1
    tickets: int = 2000
    now: datetime | None = None  # the sandbox clock's start (default: real UTC now)
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    faults: dict[str, float] = field(default_factory=dict)  # {"500": .05, "429": .02, "reset": .01, ...}
    fault_seed: int = 0
    slow_s: float = 3.0  # extra delay of a "slow" fault
    threshold: int = 10_000  # requests per window per database
    threshold_window_s: float = 3600.0
    threshold_latency: bool = True  # add 0.5 s / 1 s at >= 50 % / 75 % of the threshold
    threshold_latency_scale: float = 1.0
    thread_limit: int = 3  # concurrent requests per (integration code, endpoint)
    max_url_length: int = 2048  # longer URLs get IIS's HTML 404 (†)
    # Larger request bodies are refused with 413 (IIS's default maxAllowedContentLength, 30,000,000
    # bytes; Autotask's own limit is not published, †). The control plane takes at most 64 KiB.
    max_body_bytes: int = 30_000_000
    lenient_search: bool = True  # accept single-quoted pseudo-JSON in ``search`` (†)
    prev_page_urls: bool = True  # emit ``…/query/prev?paging=`` prevPageUrls (form inferred, †)
    permission_status: int = 500  # status of "adequate permissions" errors (Autotask: 500; docs: 403)
    zone_name: str = "America East 2"
    web_url: str | None = None  # zoneInformation webUrl; default: the sandbox's own origin
    ci: int = 29683
    request_log_size: int = 10_000
    # Query/write behaviours the store makes switchable (see backend/store.py): unknown filter operators are
    # ignored like the live API does (†), a missing filter is refused, noteq/notIn skip nulls, read-only
    # fields in a write body are silently ignored (†).
    unknown_operator: str = "ignore"  # or "error"
    empty_filter: str = "error"  # or "all"
    noteq_matches_null: bool = False
    readonly_fields: str = "ignore"  # or "error"
    # The body of GET /{Parent}/{id}/Attachments/{id}, the one read that returns attachment data: sources
    # disagree (†, see wire/child_reads.py): "items_list" {"items": [record]} (django-autotask's production
    # code), "items_object" {"items": record} (apigrate's README), "item" {"item": record} (swagger).
    attachment_envelope: str = "items_list"
    # How response times are written: "naive" as a live probe returned them (2023-12-07T04:31:36.684, UTC
    # without an offset), or "z" with a Z suffix (2023-12-07T04:31:36.684Z), a form clients also meet.
    datetime_form: str = "naive"
    # Attachment upload limits (docs/autotask-facts.md#limits): per file, and per window on the sandbox clock, then a lockout.
    attachment_max_bytes: int = 6 * 1024 * 1024
    attachment_window_bytes: int = 10_000_000
    attachment_window_s: float = 300.0
    attachment_lockout_s: float = 300.0
    # Webhook callouts (webhooks/events.py, webhooks/delivery.py) on Autotask's published error-handling
    # policy: 10 s per attempt, a retry every 30 s on the sandbox clock, 5 attempts, then the error log; a
    # webhook is deactivated after 25 consecutive failed attempts. Also the bounded delivery queue, and
    # whether URLs off loopback may be called.
    webhooks: bool = True
    webhook_timeout_s: float = 10.0
    webhook_retry_after_s: float = 30.0
    webhook_attempts: int = 5
    webhook_disable_after: int = 25
    webhook_queue_size: int = 1000
    webhook_allow_remote: bool = False

    def __post_init__(self) -> None:
        self.faults = validate_rates(self.faults)
        if self.attachment_envelope not in ENVELOPES:
            raise ValueError(f"attachment_envelope must be one of {', '.join(ENVELOPES)}")
        if self.datetime_form not in DATETIME_FORMS:
            raise ValueError(f"datetime_form must be one of {', '.join(DATETIME_FORMS)}, not {self.datetime_form!r}")

    def attachment_limits(self) -> AttachmentLimits:
        """The upload limits the store enforces."""
        return AttachmentLimits(
            self.attachment_max_bytes,
            self.attachment_window_bytes,
            self.attachment_window_s,
            self.attachment_lockout_s,
        )



def with_overrides(config: SandboxConfig | None, overrides: dict[str, Any]) -> SandboxConfig:
    """A config with keyword overrides applied (``Sandbox(tickets=1200)``)."""
    return replace(config or SandboxConfig(), **overrides)
