"""The speed slider's scale: positions 0..100 map log-uniformly onto 1..5000 steps per
second; the last position means as fast as possible."""

from __future__ import annotations

import math

from gui.session.play_loop import MAX_FINITE_SPEED, MIN_SPEED

SLIDER_MAX = 100


def speed_at(position: int) -> float:
    """Steps per second at a slider position."""
    if position >= SLIDER_MAX:
        return math.inf
    span = math.log10(MAX_FINITE_SPEED / MIN_SPEED)
    return MIN_SPEED * 10 ** (span * max(position, 0) / (SLIDER_MAX - 1))


def position_of(speed: float) -> int:
    """The slider position closest to ``speed``."""
    if math.isinf(speed) or speed > MAX_FINITE_SPEED:
        return SLIDER_MAX
    span = math.log10(MAX_FINITE_SPEED / MIN_SPEED)
    fraction = math.log10(max(speed, MIN_SPEED) / MIN_SPEED) / span
    return min(SLIDER_MAX - 1, round(fraction * (SLIDER_MAX - 1)))


def speed_text(speed: float) -> str:
    if math.isinf(speed):
        return "max"
    return f"{speed:.0f} steps/s" if speed >= 10 else f"{speed:.1f} steps/s"
