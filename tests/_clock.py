"""The instant every test sandbox starts its clock at.

A sandbox seeds its tenant relative to its clock, so pinning it makes the data depend on the seed
alone — never on the date the suite runs (``pytest --clock-shift-days=±400`` proves it).
"""

from datetime import datetime, timezone

SANDBOX_NOW = datetime(2025, 6, 2, 9, 0, tzinfo=timezone.utc)
