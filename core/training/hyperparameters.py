"""Every number a training run is configured with, declared once: name, default, range, doc.

The optimizers' hyperparameters (``lr``, ``gamma``, ...), gradient clipping, the number of
epochs and the seed are all declared here the same way.  A declaration validates a value
(:meth:`Hyperparameter.validate`, :meth:`WholeNumber.validate`) with a message that names
the value and its allowed range; the command line derives its flags from the declarations,
the window its spin boxes, and :class:`core.training.config.TrainingConfig` checks every
field through them.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, replace

import numpy as np


class HyperparameterError(ValueError):
    """A hyperparameter value, name or optimizer name that is not allowed."""


#: Longest piece of a refused value quoted in a message.
_SHOWN_CHARS = 40


def shown(value: object) -> str:
    """A refused value as a message quotes it: its repr, cut to a readable length."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**_SHOWN_CHARS:
        return f"a number of {len(str(abs(value)))} digits"
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS - 1] + "…"


def flag(name: str) -> str:
    """The command line's flag for a declared name: ``weight_decay`` -> ``--weight-decay``."""
    return "--" + name.replace("_", "-")


@dataclass(frozen=True)
class Hyperparameter:
    """A named real number with an allowed interval.

    Attributes
    ----------
    name
        The keyword (``lr``, ``beta1``); the command line's flag is ``--`` + the name with
        ``_`` written as ``-``.
    default
        The value used when none is given (``math.inf`` for a limit that is off).
    low, high
        The interval's ends (``math.inf`` for no upper bound).
    low_inclusive, high_inclusive
        Whether the ends themselves are allowed.
    doc
        One line for tooltips and ``--help``.
    symbol
        How a rule written for people shows it (``η`` for ``lr``); empty: the name.
    """

    name: str
    default: float
    low: float
    high: float
    low_inclusive: bool
    high_inclusive: bool
    doc: str
    symbol: str = ""

    @property
    def flag(self) -> str:
        """The command-line flag (``--weight-decay``)."""
        return flag(self.name)

    @property
    def interval(self) -> str:
        """The allowed range as text: ``> 0``, ``>= 0``, ``in [0, 1)`` or ``finite``."""
        if math.isinf(self.low) and math.isinf(self.high):
            return "finite"
        if math.isinf(self.high):
            return f"{'>=' if self.low_inclusive else '>'} {self.low:g}"
        left = "[" if self.low_inclusive else "("
        right = "]" if self.high_inclusive else ")"
        return f"in {left}{self.low:g}, {self.high:g}{right}"

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in the allowed interval."""
        above = value >= self.low if self.low_inclusive else value > self.low
        below = value <= self.high if self.high_inclusive else value < self.high
        return above and below

    def validate(self, value: object) -> float:
        """The value as a float, if it is a finite number in range.

        Raises
        ------
        HyperparameterError
            For non-numbers (strings, booleans, None), nan, infinities and values out of
            range, with a message such as ``lr must be > 0, got -1``.
        """
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise HyperparameterError(f"{self.name} must be a number, got {shown(value)}")
        try:
            number = float(value)
        except OverflowError:  # an integer too large for a float (JSON allows 1000…0)
            raise HyperparameterError(f"{self.name} must be a finite number, got "
                                      f"{shown(value)}") from None
        if not math.isfinite(number):
            raise HyperparameterError(f"{self.name} must be a finite number, got {number}")
        if not self.contains(number):
            raise HyperparameterError(f"{self.name} must be {self.interval}, got {number:g}")
        return number


@dataclass(frozen=True)
class WholeNumber:
    """A named integer with an allowed closed range ``[low, high]``.

    Attributes
    ----------
    name
        The keyword (``epochs``, ``seed``).
    default
        The value used when none is given.
    low, high
        The smallest and largest allowed values.
    doc
        One line for tooltips and ``--help``.
    """

    name: str
    default: int
    low: int
    high: int
    doc: str

    @property
    def flag(self) -> str:
        """The command-line flag (``--epochs``)."""
        return flag(self.name)

    @property
    def interval(self) -> str:
        """The allowed range as text: ``in [1, 100000]``."""
        return f"in [{self.low}, {self.high}]"

    def validate(self, value: object) -> int:
        """The value as an int, if it is a whole number in range.

        Floats are refused even when integral (``2.0``): a count written as a float is
        most likely a mistake somewhere upstream.

        Raises
        ------
        HyperparameterError
            With a message such as ``epochs must be a whole number in [1, 100000], got 0``.
        """
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
                or not self.low <= value <= self.high:
            raise HyperparameterError(f"{self.name} must be a whole number {self.interval}, "
                                      f"got {shown(value)}")
        return int(value)


def _positive(name: str, default: float, doc: str, symbol: str = "") -> Hyperparameter:
    return Hyperparameter(name, default, 0.0, math.inf, False, False, doc, symbol)


def _non_negative(name: str, default: float, doc: str, symbol: str = "") -> Hyperparameter:
    return Hyperparameter(name, default, 0.0, math.inf, True, False, doc, symbol)


def _fraction(name: str, default: float, doc: str, symbol: str = "") -> Hyperparameter:
    return Hyperparameter(name, default, 0.0, 1.0, True, False, doc, symbol)


# -- the optimizers' hyperparameters (core.training.optimizers picks them per rule) ------

LR = _positive("lr", 0.01, "learning rate η: the step size", "η")
GAMMA = _fraction("gamma", 0.9, "momentum coefficient γ: how much of the velocity is kept",
                  "γ")
BETA1 = _fraction("beta1", 0.9, "decay β1 of the running mean of gradients", "β1")
BETA2 = _fraction("beta2", 0.99, "decay β2 of the running mean of squared gradients", "β2")
RHO = _fraction("rho", 0.9, "decay ρ of the running mean of squared gradients", "ρ")
EPS = _positive("eps", 1e-7, "ε added to the denominator so it is never zero", "ε")
WEIGHT_DECAY = _non_negative("weight_decay", 0.01,
                             "decoupled weight decay λ: shrinks weights towards zero", "λ")

#: The optimizers' hyperparameters by name: an optimizer file that names one of these gets
#: its range (and its own default); any other name is any finite number.
OPTIMIZER_HYPERPARAMETERS = {h.name: h for h in (LR, GAMMA, BETA1, BETA2, RHO, EPS,
                                                 WEIGHT_DECAY)}


def optimizer_hyperparameter(name: str, default: object, source: str) -> Hyperparameter:
    """The declaration of an optimizer file's hyperparameter ``name`` with ``default``.

    A known name (:data:`OPTIMIZER_HYPERPARAMETERS`) keeps its declared range, symbol and
    doc, with the file's default; any other name takes any finite number, and its doc says
    it comes from ``source`` (the optimizer's name).

    Raises
    ------
    HyperparameterError
        If ``default`` is not a number the range allows.
    """
    known = OPTIMIZER_HYPERPARAMETERS.get(name)
    if known is None:
        known = Hyperparameter(name, 0.0, -math.inf, math.inf, False, False,
                               f"{name}, defined by {source}: any finite number")
    value = known.validate(default)
    # The declaration itself when the default is its own: one object per rule.
    return known if value == known.default and known.name in OPTIMIZER_HYPERPARAMETERS \
        else replace(known, default=value)


# -- gradient clipping (off unless given: the default is no limit) ----------------------

CLIP_VALUE = _positive("clip_value", math.inf, "clip every gradient component to [-c, c]")
CLIP_NORM = _positive("clip_norm", math.inf,
                      "rescale the gradient vector when its norm exceeds c")

# -- the schedule -------------------------------------------------------------------------

#: The most epochs one run may plan (its per-epoch history is allocated up front).
MAX_EPOCHS = 100_000

#: The largest seed: the window's seed box holds a 32-bit signed int.
MAX_SEED = 2**31 - 1

EPOCHS = WholeNumber("epochs", 20, 1, MAX_EPOCHS, "passes over the data")
SEED = WholeNumber("seed", 0, 0, MAX_SEED,
                   "random seed of the initial weights N(0, 0.01) and of the shuffle")
