"""How numbers are written in the window: short for the graph, full for tooltips."""

from __future__ import annotations

import math

from core.debugger.wording import MINUS
from core.debugger.wording import number as short_number

__all__ = ["MINUS", "count", "full_number", "short_number"]


def full_number(value: float) -> str:
    """Every digit a float64 holds (repr), with a real minus sign."""
    if not math.isfinite(value):
        return short_number(value)
    return repr(float(value)).replace("-", MINUS)


def count(n: int, noun: str) -> str:
    """``1 epoch``, ``20 epochs``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
