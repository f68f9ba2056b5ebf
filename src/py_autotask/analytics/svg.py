"""Small, dependency-free SVG charts for the HTML report: trend lines, bars and columns.

The report must open offline in any browser, so there is no chart library and no script: each chart is
an inline ``<svg>`` with a title, axis ticks and a legend, sized by its ``viewBox`` so it scales.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

__all__ = ["bar_chart", "column_chart", "line_chart"]

PALETTE = ("#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#0891b2")
_FONT = 'font-family="system-ui, sans-serif" font-size="11"'


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 2.5 or 5 × a power of ten)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def _number(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _legend(names: Sequence[str], x: float, y: float) -> str:
    parts = []
    for i, name in enumerate(names):
        left = x + i * 170
        parts.append(f'<rect x="{left}" y="{y - 9}" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>'
                     f'<text x="{left + 14}" y="{y}" {_FONT}>{escape(name)}</text>')
    return "".join(parts)


def line_chart(categories: Sequence[str], series: Mapping[str, Sequence[float | None]], *, title: str) -> str:
    """A trend line per series over ``categories`` (periods, in order)."""
    width, height, left, right, top, bottom = 720, 280, 56, 40, 34, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for vs in series.values() for v in vs if v is not None]
    low = min(0.0, min(values, default=0.0))
    high = _nice_max(max(values, default=1.0))
    step = plot_w / max(1, len(categories) - 1)

    def y_of(v: float) -> float:
        return top + plot_h - (v - low) / ((high - low) or 1) * plot_h

    parts = [_frame(width, height, title), _y_axis(left, top, plot_w, plot_h, low, high)]
    label_every = max(1, math.ceil(len(categories) / 12))
    for i, category in enumerate(categories):
        if i % label_every == 0:
            x = left + i * step
            parts.append(f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle" {_FONT}>'
                         f"{escape(category)}</text>")
    for n, vs in enumerate(series.values()):
        color = PALETTE[n % len(PALETTE)]
        points = [(left + i * step, y_of(v)) for i, v in enumerate(vs) if v is not None]
        if points:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline class="series" fill="none" stroke="{color}" stroke-width="2" points="{path}"/>')
            parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}"/>' for x, y in points)
    parts.append(_legend(list(series), left, height - 10))
    return "".join(parts) + "</svg>"


def bar_chart(labels: Sequence[str], series: Mapping[str, Sequence[float | None]], *, title: str) -> str:
    """Horizontal bars per label (queues, resources, priorities), one bar per series."""
    rows = len(labels)
    per_series = len(series) or 1
    bar, gap = 12, 10
    width, left, right, top = 720, 180, 60, 34
    height = top + rows * (bar * per_series + gap) + 40
    plot_w = width - left - right
    values = [v for vs in series.values() for v in vs if v is not None]
    low = min(0.0, min(values, default=0.0))
    high = _nice_max(max(values, default=1.0))
    zero = left + (0 - low) / ((high - low) or 1) * plot_w
    parts = [_frame(width, height, title)]
    for i, label in enumerate(labels):
        y0 = top + i * (bar * per_series + gap)
        text = label if len(label) <= 28 else label[:27] + "…"
        parts.append(f'<text x="{left - 6}" y="{y0 + bar * per_series / 2 + 4:.1f}" text-anchor="end" {_FONT}>'
                     f"{escape(text)}</text>")
        for n, vs in enumerate(series.values()):
            v = vs[i]
            if v is None:
                continue
            x = left + (v - low) / ((high - low) or 1) * plot_w
            start, length = (zero, x - zero) if x >= zero else (x, zero - x)
            parts.append(f'<rect class="series" x="{start:.1f}" y="{y0 + n * bar}" width="{max(length, 0.5):.1f}" '
                         f'height="{bar - 2}" fill="{PALETTE[n % len(PALETTE)]}"><title>{escape(label)}: '
                         f"{_number(v)}</title></rect>"
                         f'<text x="{max(x, zero) + 4:.1f}" y="{y0 + n * bar + bar - 3}" {_FONT}>{_number(v)}</text>')
    parts.append(f'<line x1="{zero:.1f}" y1="{top - 4}" x2="{zero:.1f}" y2="{height - 36}" stroke="#9ca3af"/>')
    parts.append(_legend(list(series), left, height - 12))
    return "".join(parts) + "</svg>"


def column_chart(labels: Sequence[str], values: Sequence[float | None], *, title: str, name: str) -> str:
    """Vertical columns over ordered buckets (a distribution)."""
    width, height, left, right, top, bottom = 720, 260, 56, 16, 34, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    high = _nice_max(max((v for v in values if v is not None), default=1.0))
    slot = plot_w / max(1, len(labels))
    parts = [_frame(width, height, title), _y_axis(left, top, plot_w, plot_h, 0.0, high)]
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        x = left + i * slot + slot * 0.15
        h = 0.0 if v is None else v / high * plot_h
        parts.append(f'<rect class="series" x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{slot * 0.7:.1f}" '
                     f'height="{max(h, 0.5):.1f}" fill="{PALETTE[0]}"><title>{escape(label)}: '
                     f"{_number(v or 0)}</title></rect>"
                     f'<text x="{x + slot * 0.35:.1f}" y="{height - bottom + 16}" text-anchor="middle" {_FONT}>'
                     f"{escape(label)}</text>")
    parts.append(_legend([name], left, height - 10))
    return "".join(parts) + "</svg>"


def _frame(width: int, height: float, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height:.0f}" '
            f'width="{width}" height="{height:.0f}"><title>{escape(title)}</title>'
            f'<text x="8" y="18" font-family="system-ui, sans-serif" font-size="13" font-weight="600">'
            f"{escape(title)}</text>")


def _y_axis(left: float, top: float, plot_w: float, plot_h: float, low: float, high: float) -> str:
    parts = []
    for k in range(5):
        value = low + (high - low) * k / 4
        y = top + plot_h - plot_h * k / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#e5e7eb"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" {_FONT}>{_number(value)}</text>')
    return "".join(parts)
