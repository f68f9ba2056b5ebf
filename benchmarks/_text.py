"""Plain-text tables for the benchmarks' reports."""

from __future__ import annotations

from typing import Any


def table(rows: list[dict[str, Any]]) -> str:
    """Left-aligned columns, one per key seen in the rows (first-seen order; a missing cell shows 0)."""
    columns = list(dict.fromkeys(k for row in rows for k in row))
    cells = [[str(row.get(c, 0)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines)
