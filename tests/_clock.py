"""The instant every test sandbox starts its clock at.

A sandbox seeds its tenant relative to its clock, so pinning it makes the data depend on the seed
alone — never on the date the suite runs (``pytest --clock-shift-days=±400`` proves it).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

SANDBOX_NOW = datetime(2025, 6, 2, 9, 0, tzinfo=timezone.utc)

# Set by `--clock-shift-days` for the whole session, so that a helper process a test starts to play
# "another process on the same machine" can share the test process's clock (`follow_session_clock`).
SHIFT_ENV = "PY_AUTOTASK_TEST_CLOCK_SHIFT_DAYS"


def shift_clock(days: int) -> object:
    """Move this process's wall clock by `days` (ticking) until it exits; returns the started traveller."""
    import time_machine

    traveller = time_machine.travel(datetime.now(timezone.utc) + timedelta(days=days), tick=True)
    traveller.start()
    return traveller


def follow_session_clock() -> None:
    """In a helper subprocess: take the same clock shift as the pytest session that started it, if any."""
    days = int(os.environ.get(SHIFT_ENV) or 0)
    if days:
        shift_clock(days)
