"""What an export reports while it runs (`ExportProgress`, whose methods the engine calls) and at the end.

The engine only reports; drawing is the command line's (`py_autotask.cli._export_progress` draws rich
bars and the summary table).
"""

from __future__ import annotations

import dataclasses
from typing import Any

__all__ = ["EntitySummary", "ExportProgress", "RunSummary"]


@dataclasses.dataclass
class EntitySummary:
    """What one entity's export produced."""

    entity: str
    status: str  # "ok", "failed", "skipped" (completed by an earlier run), "interrupted"
    records: int = 0
    files: list[str] = dataclasses.field(default_factory=list)
    deletions: int | None = None
    seconds: float = 0.0
    mode: str = "full"  # full | incremental | snapshot (incremental without a change field) | resumed
    error: str | None = None  # one line for the summary
    exception: BaseException | None = dataclasses.field(default=None, repr=False, compare=False)


@dataclasses.dataclass
class RunSummary:
    """The whole run."""

    entities: list[EntitySummary]
    seconds: float
    requests: int
    threshold: dict[str, Any] | None = None  # ThresholdInformation at the end, when it could be read
    warnings: list[str] = dataclasses.field(default_factory=list)

    @property
    def records(self) -> int:
        """Records written across entities."""
        return sum(e.records for e in self.entities)

    @property
    def failed(self) -> list[EntitySummary]:
        """The entities that did not complete (failed, interrupted, not started)."""
        return [e for e in self.entities if e.status not in ("ok", "skipped")]

    @property
    def ok(self) -> bool:
        """Every entity complete (now or by an earlier run that this one resumed)."""
        return not self.failed

    @property
    def files(self) -> dict[str, list[str]]:
        """The files each entity wrote (its deletion logs included)."""
        return {e.entity: list(e.files) for e in self.entities}

    def threshold_text(self) -> str:
        """"1,234 of 10,000 requests this hour (12%)", or "unknown"."""
        info = self.threshold or {}
        used, limit = info.get("currentTimeframeRequestCount"), info.get("externalRequestThreshold")
        if used is None or not limit:
            return "unknown"
        minutes = info.get("requestThresholdTimeframe") or 60
        return f"{used:,} of {limit:,} requests per {minutes} min used ({100 * used / limit:.0f}%)"


class ExportProgress:
    """The engine's progress hooks; they do nothing here. Subclass to show or act on progress."""

    def __enter__(self) -> ExportProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def add(self, entity: str, total: int | None, completed: int = 0) -> None:
        """`entity` starts: `total` records expected (None: unknown), `completed` already written."""

    def set_total(self, entity: str, total: int | None) -> None:
        """A corrected total (e.g. when more records exist than counted at the start)."""

    def advance(self, entity: str, records: int) -> None:
        """`records` more rows of `entity` were written."""

    def finish(self, entity: str, status: str) -> None:
        """`entity` ended with `status` ("ok", "failed", "interrupted" ...)."""
