"""The sandbox's controllable clock: wall time that tests can move forward or pin.

Every time-dependent part of the sandbox (record timestamps, the hourly request window) reads this
clock, so a test can cross the threshold window in milliseconds with ``clock.advance(3600)``.
Sleeps (injected latency) are real: they exist to be felt by clients.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import datetime, timezone

from ..backend.values import parse_datetime

# The range the clock may be moved in: Autotask stores times as SQL Server datetimes (from 1753), and the
# seed dates records up to a few years around the clock, which must stay inside Python's year 9999.
EARLIEST = datetime(1753, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(9000, 1, 1, tzinfo=timezone.utc)


def check_time(timestamp: float) -> float:
    """``timestamp`` (seconds since the epoch) if the clock may show it; ValueError otherwise."""
    if not math.isfinite(timestamp) or not EARLIEST.timestamp() <= timestamp < LATEST.timestamp():
        raise ValueError(f"the clock must stay between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}")
    return timestamp


class Clock:
    """UTC wall clock that runs in real time from a settable start and can be advanced or frozen."""

    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        self._lock = threading.Lock()
        self._frozen = frozen
        self._set(start or datetime.now(timezone.utc))

    def _set(self, start: datetime) -> None:
        if not isinstance(start, datetime):
            raise ValueError(f"the clock is set to a datetime, not {start!r}")
        if start.tzinfo is None:
            start = start.replace(tzinfo=timezone.utc)
        self._base = check_time(start.timestamp())
        self._anchor = time.monotonic()

    def timestamp(self) -> float:
        """Seconds since the epoch on this clock."""
        with self._lock:
            if self._frozen:
                return self._base
            return self._base + (time.monotonic() - self._anchor)

    def now(self) -> datetime:
        """The current time on this clock, as an aware UTC datetime."""
        return datetime.fromtimestamp(self.timestamp(), timezone.utc)

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward (or back, with a negative value); returns the new time."""
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise ValueError(f"the clock advances by a number of seconds, not {seconds!r}")
        with self._lock:
            self._base = check_time(self._base + seconds)
        return self.now()

    def set(self, when: datetime) -> datetime:
        """Jump to ``when`` (naive datetimes are taken as UTC) and keep running from there."""
        with self._lock:
            self._set(when)
        return self.now()

    def freeze(self, frozen: bool = True) -> None:
        """Stop (or restart) the clock at its current reading."""
        with self._lock:
            current = self._base if self._frozen else self._base + (time.monotonic() - self._anchor)
            self._frozen = frozen
            self._base = current
            self._anchor = time.monotonic()

    @property
    def frozen(self) -> bool:
        """Whether the clock is currently stopped."""
        return self._frozen

    def __repr__(self) -> str:
        return f"Clock({self.now().isoformat()}, frozen={self._frozen})"


def to_wire(when: datetime) -> str:
    """Autotask's datetime form: UTC, millisecond precision, no offset (``2024-01-31T15:04:05.307``)."""
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc).replace(tzinfo=None)
    return when.isoformat(timespec="milliseconds")


def parse_when(text: str) -> datetime:
    """Parse an ISO-8601 string (with or without ``Z``/offset, any fraction) into an aware UTC datetime."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        # Python 3.10's fromisoformat takes only 3- or 6-digit fractions and ``±HH:MM`` offsets; the write
        # path's parser takes the other forms and returns the naive UTC wire string, which 3.10 does read.
        value = datetime.fromisoformat(parse_datetime(text))
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


__all__ = ["EARLIEST", "LATEST", "Clock", "check_time", "parse_when", "to_wire"]
