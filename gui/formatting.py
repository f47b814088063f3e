"""How numbers are written in the window: :mod:`core.numbers`, the one formatter (short
for the graph and panels, full for tooltips)."""

from __future__ import annotations

from core.numbers import MINUS, count, full_number
from core.numbers import number as short_number

__all__ = ["MINUS", "count", "full_number", "short_number"]
