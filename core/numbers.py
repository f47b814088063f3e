"""How numbers are written for people: one formatter for the window, the stepper and the
command line's text output (JSON output keeps every digit a float64 holds).

- :func:`number`: ``digits`` significant digits (4 on the graph), a real minus sign
  ``−`` and a short exponent (``2.1e−5``, not ``2.1e-05``); NaN and ±∞ spelled as people
  read them.  ``plain=True`` writes the same digits in ASCII (``-0.01234``, ``2.1e-5``,
  ``nan``, ``-inf``) for a terminal or a file a script may read.
- :func:`full_number`: every digit (``repr``), with the real minus sign: tooltips.
- :func:`count`: ``1 epoch``, ``20 epochs``.

Numbers the user typed and reads back as settings (``lr 0.01``, ``eps 1e-07``) are echoed
with ``:g`` where they are defined; this module is for values the app computes.
"""

from __future__ import annotations

import math

__all__ = ["MINUS", "count", "full_number", "number"]

#: The minus sign numbers are written with (U+2212): as wide as +, never a hyphen.
MINUS = "\u2212"


def number(value: float, digits: int = 4, *, plain: bool = False) -> str:
    """``value`` with ``digits`` significant digits: ``−0.01234``, ``1.5e−7``, ``NaN``, ``+∞``.

    Parameters
    ----------
    value
        Any float (numpy scalars too).
    digits
        Significant digits (``.{digits}g``).
    plain
        ASCII only: ``-`` for the minus sign, ``nan``, ``inf`` and ``-inf``.
    """
    value = float(value)
    if math.isnan(value):
        return "nan" if plain else "NaN"
    if math.isinf(value):
        if plain:
            return "inf" if value > 0 else "-inf"
        return "+∞" if value > 0 else f"{MINUS}∞"
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text if plain else text.replace("-", MINUS)


def full_number(value: float) -> str:
    """Every digit a float64 holds (``repr``), with a real minus sign."""
    value = float(value)
    if not math.isfinite(value):
        return number(value)
    return repr(value).replace("-", MINUS)


def count(n: int, noun: str) -> str:
    """``1 epoch``, ``20 epochs``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
