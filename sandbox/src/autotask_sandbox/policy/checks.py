"""Checks for the values a test may set at run time (control plane, ``sb.control``, ``SandboxConfig``).

Every setter validates before it changes anything, so a refused value leaves the sandbox as it was
(a clock advanced by ``1e308`` seconds used to be stored, and every later request failed).
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["flag", "integer", "number"]


def number(value: Any, name: str, low: float, high: float) -> float:
    """``value`` as a finite float in ``[low, high]`` (JSON numbers only: no strings, no booleans)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number, not {value!r}")
    result = float(value)
    if not math.isfinite(result) or not low <= result <= high:
        raise ValueError(f"{name} must be between {low:g} and {high:g}, not {value!r}")
    return result


def integer(value: Any, name: str, low: int, high: int) -> int:
    """``value`` as an int in ``[low, high]`` (integral JSON numbers only)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise ValueError(f"{name} must be a whole number, not {value!r}")
    result = int(value)
    if not low <= result <= high:
        raise ValueError(f"{name} must be between {low} and {high}, not {value!r}")
    return result


def flag(value: Any, name: str) -> bool:
    """``value`` as a bool (JSON true/false only)."""
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false, not {value!r}")
    return value
