"""Deterministic data: a seed and a pinned clock give the same tenant on any date (``build.generate``)."""
