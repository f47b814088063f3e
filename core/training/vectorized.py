"""Optimizer updates for many runs at once, generated from the optimizers' own rules.

An optimizer is defined once (:mod:`core.training.optimizers`): its state ``slots``, the
``prelude`` computed once per step and the ``rule`` statements applied to each weight.
The trainer renders those statements into straight-line Python over one weight at a time;
here the same statements become numpy code over arrays ``(n_weights, runs)``, one column
per run, with the learning rate an array over the runs and every other hyperparameter a
number.  Each statement keeps its order of operations, so a column computes what the
trainer computes for that run, operation for operation (IEEE arithmetic and square roots
round the same in numpy and in Python).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.training.optimizers import Optimizer

__all__ = ["RunsUpdate", "runs_update"]

#: The hyperparameter that differs from run to run.
SWEPT = "lr"


@dataclass(frozen=True)
class RunsUpdate:
    """One optimizer's update over many runs.

    Attributes
    ----------
    slots
        The optimizer's state vectors, in order.
    counts_steps
        Whether the update reads the step count ``t``.
    source
        The generated Python, readable.
    apply
        ``apply(w, g, lr, t, *state) -> (w, *state)``: new arrays ``(n_weights, runs)``
        from the weights, gradients and state (same shape), ``lr`` (one per run) and the
        step count from 1 (ignored unless ``counts_steps``).  Call under
        ``np.errstate(all="ignore")``; inf and nan come out as they fall.
    """

    slots: tuple[str, ...]
    counts_steps: bool
    source: str
    apply: Callable[..., tuple[np.ndarray, ...]]


def runs_update(optimizer: type[Optimizer], values: Mapping[str, float]) -> RunsUpdate:
    """The update of ``optimizer`` over runs that differ only in the learning rate.

    Parameters
    ----------
    optimizer
        The optimizer class (its ``slots``, ``prelude`` and ``rule`` are rendered).
    values
        Every hyperparameter but ``lr``, validated.
    """
    fixed = {name: float(value) for name, value in values.items() if name != SWEPT}
    names = [h.name for h in optimizer.hyperparameters]
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")

    def fill(statement: str) -> str:
        text = pattern.sub(lambda m: m.group(1) if m.group(1) == SWEPT
                           else repr(fixed[m.group(1)]), statement)
        # The rule's placeholders name the arrays themselves: {w} is w, {m} is m.
        return text.format(w="w", g="g", **{slot: slot for slot in optimizer.slots})

    state = ", ".join(optimizer.slots)
    lines = [f"def update(w, g, {SWEPT}, t{', ' if state else ''}{state}):"]
    lines.extend(f"    {fill(statement)}" for statement in optimizer.prelude)
    lines.extend(f"    {fill(statement)}" for statement in optimizer.rule)
    lines.append(f"    return ({', '.join(('w', *optimizer.slots))},)")
    source = "\n".join(lines) + "\n"
    namespace: dict[str, Any] = {"sqrt": np.sqrt}
    # Built from the optimizer class's own rule text and float reprs of validated numbers.
    exec(compile(source, f"<runs update {optimizer.name}>", "exec"), namespace)  # noqa: S102
    return RunsUpdate(slots=tuple(optimizer.slots), counts_steps=optimizer.counts_steps,
                      source=source, apply=namespace["update"])
