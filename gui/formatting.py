"""How numbers are written in the window: short for the graph, full for tooltips."""

from __future__ import annotations

import math

MINUS = "\u2212"


def short_number(value: float, digits: int = 4) -> str:
    """``value`` with ``digits`` significant digits and a real minus sign (−0.01234)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+∞" if value > 0 else f"{MINUS}∞"
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text.replace("-", MINUS)


def full_number(value: float) -> str:
    """Every digit a float64 holds (repr), with a real minus sign."""
    if not math.isfinite(value):
        return short_number(value)
    return repr(float(value)).replace("-", MINUS)


def count(n: int, noun: str) -> str:
    """``1 epoch``, ``20 epochs``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
