"""Optimizers: how a gradient becomes a weight update, one class per rule.

Each optimizer is a row of data, in the spirit of the op table: its hyperparameters
(declared in :mod:`core.training.hyperparameters`), the per-weight state it keeps, and its
update rule written as a few statements about one weight.  From the rule the class
generates straight-line Python for a fixed number of weights (``Optimizer.source``), which
updates a list of floats in place without per-step numpy calls.  The rules:

==========  ==============================================================================
sgd         w ← w − η·g
momentum    v ← γ·v + η·g;  w ← w − v                         (the course notebook's rule)
nesterov    v ← γ·v + η·g;  w ← w − (γ·v + η·g)                (look-ahead form)
adagrad     G ← G + g²;  w ← w − η·g / (√G + ε)
rmsprop     E ← ρ·E + (1 − ρ)·g²;  w ← w − η·g / (√E + ε)
adam        m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  m̂ = m / (1 − β1ᵗ);
            v̂ = v / (1 − β2ᵗ);  w ← w − η·m̂ / (√v̂ + ε)
adamw       Adam, plus decoupled weight decay: w ← w − η·(m̂ / (√v̂ + ε) + λ·w)
==========  ==============================================================================

An update that would make a weight or the optimizer's state non-finite is refused as a
whole: nothing changes, and the trainer reports the divergence.
"""

from __future__ import annotations

import math
import re
from abc import ABC
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np

from core.training.hyperparameters import (
    BETA1,
    BETA2,
    EPS,
    GAMMA,
    LR,
    RHO,
    WEIGHT_DECAY,
    Hyperparameter,
    HyperparameterError,
)

__all__ = ["OPTIMIZERS", "Hyperparameter", "HyperparameterError", "NonFiniteUpdateError",
           "Optimizer", "make_optimizer", "optimizer_class"]


class NonFiniteUpdateError(ArithmeticError):
    """:meth:`Optimizer.update` refused an update that would make a value non-finite."""


#: Above this many terms the finiteness check is summed in pieces (the compiler recurses
#: into long ``a + b + ...`` chains).
_SUM_CHUNK = 64


def _all_finite(values: Iterable[float]) -> bool:
    return all(math.isfinite(v) for v in values)


class Optimizer(ABC):
    """Updates a list of weights from their gradients, keeping per-weight state.

    Parameters
    ----------
    n_weights
        How many weights it updates (fixed: the state has that size).
    **values
        Hyperparameter values by name; the others take their defaults.

    Raises
    ------
    HyperparameterError
        For an unknown hyperparameter name or a value out of range.

    Attributes
    ----------
    name, title
        Registry key (``adam``) and display name (``Adam``).
    hyperparameters
        The hyperparameters it takes, in display order.
    formula
        The update rule for people, one line.
    source
        The generated update function, readable.

    Notes
    -----
    Subclasses are data: ``slots`` (state vectors, one value per weight), ``counts_steps``
    (keeps the update count ``t``), ``prelude`` (statements run once per update, after
    ``t`` is incremented) and ``rule`` (statements for one weight).  In ``rule``, ``{w}``,
    ``{g}`` and ``{slot}`` stand for that weight, its gradient and its state; hyperparameter
    names are replaced by their values; ``sqrt`` is :func:`math.sqrt`.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    hyperparameters: ClassVar[tuple[Hyperparameter, ...]]
    formula: ClassVar[str]
    slots: ClassVar[tuple[str, ...]] = ()
    counts_steps: ClassVar[bool] = False
    prelude: ClassVar[tuple[str, ...]] = ()
    rule: ClassVar[tuple[str, ...]]

    def __init__(self, n_weights: int, **values: float) -> None:
        if not hasattr(type(self), "rule"):
            raise TypeError("Optimizer is abstract: use a subclass or make_optimizer()")
        if isinstance(n_weights, bool) or not isinstance(n_weights, int) or n_weights < 0:
            raise HyperparameterError(f"n_weights must be a whole number >= 0, got "
                                      f"{n_weights!r}")
        known = {h.name: h for h in self.hyperparameters}
        for key in values:
            if key not in known:
                raise HyperparameterError(
                    f"{self.name} has no hyperparameter {key!r} (it has "
                    f"{', '.join(known) or 'none'})")
        self.n_weights = n_weights
        self._values: Mapping[str, float] = MappingProxyType({
            h.name: h.validate(values[h.name]) if h.name in values else h.default
            for h in self.hyperparameters
        })
        self._state: dict[str, list[float]] = {slot: [0.0] * n_weights for slot in self.slots}
        self._count = [0]
        self._rejected: list[float] = []
        self.source = self._generate()
        namespace: dict[str, Any] = {
            "sqrt": math.sqrt, "_all_finite": _all_finite, "_t": self._count,
            "_rejected": self._rejected,
            **{f"_{slot}": state for slot, state in self._state.items()},
        }
        # The source is built from this class's own rule text and float reprs of validated
        # numbers; no user text reaches it.
        exec(compile(self.source, f"<optimizer {self.name}>", "exec"), namespace)  # noqa: S102
        self._apply: Callable[[list[float], Sequence[float]], bool] = namespace["update"]

    # -- the rule ----------------------------------------------------------------------

    def _generate(self) -> str:
        n = self.n_weights
        values = self._values
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, values)) + r")\b")

        def fill(statement: str, i: int | None) -> str:
            text = pattern.sub(lambda m: repr(values[m.group(1)]), statement)
            if i is None:
                return text
            names = {"w": f"w_{i}", "g": f"g_{i}", **{s: f"{s}_{i}" for s in self.slots}}
            return text.format(**names)

        def names(stem: str) -> list[str]:
            return [f"{stem}_{i}" for i in range(n)]

        # Defaults bind the helpers as fast locals.
        lines = ["def update(w, g, sqrt=sqrt, _rejected=_rejected):"]
        if n == 0:
            lines.append("    return True")
            return "\n".join(lines) + "\n"
        lines.append(f"    {', '.join(names('w'))}, = w")
        lines.append(f"    {', '.join(names('g'))}, = g")
        for slot in self.slots:
            lines.append(f"    {', '.join(names(slot))}, = _{slot}")
        if self.counts_steps:
            lines.append("    t = _t[0] + 1")
        lines.append("    try:")
        lines.extend(f"        {fill(s, None)}" for s in self.prelude)
        for i in range(n):
            lines.extend(f"        {fill(s, i)}" for s in self.rule)
        lines.append("    except ArithmeticError:")
        lines.append("        _rejected.clear()")
        lines.append("        return False")
        # One sum is finite exactly when every term is (or it overflowed: then look closer).
        new_values = names("w") + [name for slot in self.slots for name in names(slot)]
        for k in range(0, len(new_values), _SUM_CHUNK):
            terms = " + ".join(new_values[k:k + _SUM_CHUNK])
            lines.append(f"    _s {'=' if k == 0 else '+='} {terms}")
        everything = ", ".join(new_values)
        lines.append(f"    if _s - _s != 0.0 and not _all_finite(({everything},)):")
        lines.append(f"        _rejected[:] = ({everything},)")
        lines.append("        return False")
        lines.append(f"    w[:] = ({', '.join(names('w'))},)")
        for slot in self.slots:
            lines.append(f"    _{slot}[:] = ({', '.join(names(slot))},)")
        if self.counts_steps:
            lines.append("    _t[0] = t")
        lines.append("    return True")
        return "\n".join(lines) + "\n"

    # -- public API ----------------------------------------------------------------------

    @property
    def values(self) -> Mapping[str, float]:
        """The hyperparameter values in use, by name (read-only)."""
        return self._values

    @classmethod
    def defaults(cls) -> dict[str, float]:
        """Default value of every hyperparameter of this optimizer."""
        return {h.name: h.default for h in cls.hyperparameters}

    @classmethod
    def hyperparameter(cls, name: str) -> Hyperparameter:
        """The hyperparameter called ``name``.

        Raises
        ------
        HyperparameterError
            If this optimizer has no such hyperparameter.
        """
        for h in cls.hyperparameters:
            if h.name == name:
                return h
        raise HyperparameterError(f"{cls.name} has no hyperparameter {name!r}")

    def with_values(self, **values: float) -> Optimizer:
        """A fresh optimizer of the same kind with some hyperparameters changed."""
        return type(self)(self.n_weights, **{**self._values, **values})

    def copy(self) -> Optimizer:
        """An independent optimizer with the same hyperparameters, state and step count:
        what this one would do next, computed without changing it."""
        twin = type(self)(self.n_weights, **self._values)
        for slot, values in self._state.items():
            # Slice assignment: the generated update function holds these very lists.
            twin._state[slot][:] = values
        twin._count[0] = self._count[0]
        return twin

    def try_update(self, w: list[float], g: Sequence[float]) -> bool:
        """Update ``w`` in place from gradients ``g``, unless the result is non-finite.

        This is the trainer's fast path: no argument checks.  If any new weight or state
        value would be nan or infinite, nothing changes (weights, state and step count) and
        the refused values are kept for :meth:`rejected_update`.

        Returns
        -------
        bool
            Whether the update was applied.
        """
        return self._apply(w, g)

    def update(self, w: list[float], g: Sequence[float]) -> None:
        """Update the weights ``w`` (a list of floats) in place from gradients ``g``.

        Raises
        ------
        ValueError
            If ``w`` or ``g`` does not have ``n_weights`` entries.
        NonFiniteUpdateError
            If the update would make a weight or the state non-finite; nothing changed.
        """
        if len(w) != self.n_weights or len(g) != self.n_weights:
            raise ValueError(f"{self.name} updates {self.n_weights} weights, got {len(w)} "
                             f"weights and {len(g)} gradients")
        if not self._apply(w, g):
            raise NonFiniteUpdateError(f"the {self.title} update would make a value "
                                       f"non-finite; nothing was changed")

    def rejected_update(self) -> dict[str, np.ndarray] | None:
        """The values of the last refused update: ``weights`` and each state vector."""
        if not self._rejected:
            return None
        n = self.n_weights
        parts = ("weights", *self.slots)
        return {key: np.array(self._rejected[i * n:(i + 1) * n])
                for i, key in enumerate(parts)}

    @property
    def step_count(self) -> int:
        """Updates applied since construction or :meth:`reset`."""
        return self._count[0]

    def state(self) -> dict[str, np.ndarray]:
        """A copy of the state: each state vector by name, and ``t`` (as ``array([t])``) for
        optimizers that count steps."""
        result = {slot: np.array(values, dtype=float) for slot, values in self._state.items()}
        if self.counts_steps:
            result["t"] = np.array([self._count[0]])
        return result

    def load_state(self, state: Mapping[str, Sequence[float] | np.ndarray]) -> None:
        """Set the state from what :meth:`state` returned, exactly (bit for bit).

        Parameters
        ----------
        state
            Each state vector by name (``n_weights`` finite floats), and ``t`` (a whole
            number >= 0, alone or as a one-element array) for optimizers that count steps.

        Raises
        ------
        HyperparameterError
            For missing or unknown keys, vectors of the wrong length, non-finite values or a
            bad step count; the state is unchanged then.
        """
        expected = set(self.slots) | ({"t"} if self.counts_steps else set())
        if set(state) != expected:
            raise HyperparameterError(
                f"the {self.title} state has {', '.join(sorted(expected)) or 'no entries'}, "
                f"got {', '.join(sorted(state)) or 'none'}")
        vectors: dict[str, list[float]] = {}
        for slot in self.slots:
            values = np.asarray(state[slot], dtype=float).ravel().tolist()
            if len(values) != self.n_weights:
                raise HyperparameterError(f"the {self.title} state {slot!r} needs "
                                          f"{self.n_weights} values, got {len(values)}")
            if not _all_finite(values):
                raise HyperparameterError(f"the {self.title} state {slot!r} must be finite")
            vectors[slot] = values
        count = 0
        if self.counts_steps:
            raw = state["t"]
            items = np.asarray(raw).ravel()
            value = items[0].item() if items.size == 1 else raw
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise HyperparameterError(f"the {self.title} step count t must be a whole "
                                          f"number >= 0, got {raw!r}")
            count = value
        # In place: the generated update function holds these very lists.
        for slot, values in vectors.items():
            self._state[slot][:] = values
        self._count[0] = count
        self._rejected.clear()

    def reset(self) -> None:
        """Zero the state and the step count (the hyperparameters stay)."""
        for values in self._state.values():
            values[:] = [0.0] * self.n_weights
        self._count[0] = 0
        self._rejected.clear()

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v:g}" for k, v in self._values.items())
        return f"{type(self).__name__}(n_weights={self.n_weights}, {args})"


class SGD(Optimizer):
    """Vanilla gradient descent."""

    name = "sgd"
    title = "SGD"
    hyperparameters = (LR,)
    formula = "w ← w − η·g"
    rule = ("{w} = {w} - lr * {g}",)


class Momentum(Optimizer):
    """Momentum as the course notebook writes it: the velocity carries the learning rate."""

    name = "momentum"
    title = "Momentum"
    hyperparameters = (LR, GAMMA)
    formula = "v ← γ·v + η·g;  w ← w − v"
    slots = ("velocity",)
    rule = (
        "{velocity} = gamma * {velocity} + lr * {g}",
        "{w} = {w} - {velocity}",
    )


class Nesterov(Optimizer):
    """Nesterov momentum in look-ahead form: the step uses the updated velocity once more,
    which equals taking the gradient at the point momentum is about to carry us to."""

    name = "nesterov"
    title = "Nesterov"
    hyperparameters = (LR, GAMMA)
    formula = "v ← γ·v + η·g;  w ← w − (γ·v + η·g)"
    slots = ("velocity",)
    rule = (
        "{velocity} = gamma * {velocity} + lr * {g}",
        "{w} = {w} - (gamma * {velocity} + lr * {g})",
    )


class AdaGrad(Optimizer):
    """Per-weight steps that shrink with the sum of all past squared gradients."""

    name = "adagrad"
    title = "AdaGrad"
    hyperparameters = (LR, EPS)
    formula = "G ← G + g²;  w ← w − η·g / (√G + ε)"
    slots = ("sum_squares",)
    rule = (
        "{sum_squares} = {sum_squares} + {g} * {g}",
        "{w} = {w} - lr * {g} / (sqrt({sum_squares}) + eps)",
    )


class RMSProp(Optimizer):
    """AdaGrad with a running mean instead of a sum, so steps do not die out."""

    name = "rmsprop"
    title = "RMSProp"
    hyperparameters = (LR, RHO, EPS)
    formula = "E ← ρ·E + (1 − ρ)·g²;  w ← w − η·g / (√E + ε)"
    slots = ("mean_square",)
    rule = (
        "{mean_square} = rho * {mean_square} + (1.0 - rho) * {g} * {g}",
        "{w} = {w} - lr * {g} / (sqrt({mean_square}) + eps)",
    )


_ADAM_MOMENTS = (
    "{m} = beta1 * {m} + (1.0 - beta1) * {g}",
    "{v} = beta2 * {v} + (1.0 - beta2) * {g} * {g}",
)
# Bias correction: m and v start at zero, so early means are too small by 1 - beta**t.
_ADAM_PRELUDE = ("bc1 = 1.0 - beta1 ** t", "bc2 = 1.0 - beta2 ** t")


class Adam(Optimizer):
    """Momentum on the gradient and RMSProp scaling, both bias-corrected."""

    name = "adam"
    title = "Adam"
    hyperparameters = (LR, BETA1, BETA2, EPS)
    formula = ("m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  "
               "w ← w − η·m_hat / (√v_hat + ε),  m_hat = m / (1 − β1ᵗ), "
               "v_hat = v / (1 − β2ᵗ)")
    slots = ("m", "v")
    counts_steps = True
    prelude = _ADAM_PRELUDE
    rule = (*_ADAM_MOMENTS, "{w} = {w} - lr * ({m} / bc1) / (sqrt({v} / bc2) + eps)")


class AdamW(Optimizer):
    """Adam with decoupled weight decay: the decay is not mixed into the moments."""

    name = "adamw"
    title = "AdamW"
    hyperparameters = (LR, BETA1, BETA2, EPS, WEIGHT_DECAY)
    formula = "Adam, then w ← w − η·λ·w (decoupled weight decay)"
    slots = ("m", "v")
    counts_steps = True
    prelude = _ADAM_PRELUDE
    rule = (
        *_ADAM_MOMENTS,
        "{w} = {w} - lr * (({m} / bc1) / (sqrt({v} / bc2) + eps) + weight_decay * {w})",
    )


#: Every optimizer by name, in display order.
OPTIMIZERS: Mapping[str, type[Optimizer]] = MappingProxyType({
    cls.name: cls for cls in (SGD, Momentum, Nesterov, AdaGrad, RMSProp, Adam, AdamW)
})


def optimizer_class(name: str) -> type[Optimizer]:
    """The optimizer class registered as ``name`` (case and surrounding spaces ignored).

    Raises
    ------
    HyperparameterError
        For an unknown name; the message lists the known ones.
    """
    cls = OPTIMIZERS.get(name.strip().lower()) if isinstance(name, str) else None
    if cls is None:
        raise HyperparameterError(f"unknown optimizer {name!r}; known: "
                                  f"{', '.join(OPTIMIZERS)}")
    return cls


def make_optimizer(name: str, n_weights: int, **values: float) -> Optimizer:
    """A new optimizer by registry name.

    Parameters
    ----------
    name
        One of :data:`OPTIMIZERS` (``sgd``, ``momentum``, ``nesterov``, ``adagrad``,
        ``rmsprop``, ``adam``, ``adamw``).
    n_weights
        How many weights it will update.
    **values
        Hyperparameter values; the rest take their defaults.

    Raises
    ------
    HyperparameterError
        For an unknown optimizer, an unknown hyperparameter or a value out of range.
    """
    return optimizer_class(name)(n_weights, **values)
