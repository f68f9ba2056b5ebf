"""The instant every benchmark sandbox starts its clock at: the same tenant, and so comparable runs, on any date."""

from datetime import datetime, timezone

SANDBOX_NOW = datetime(2025, 6, 2, 9, 0, tzinfo=timezone.utc)
