"""Optimizer updates for many runs at once, generated from the optimizers' own statements.

An optimizer is defined once (:mod:`core.training.optimizers`): its state ``slots``, the
``per_step`` statements computed once per step and the ``update_rule`` statements applied to
each weight.  The trainer renders those trees into straight-line Python over one weight at a
time; here the same trees become numpy code over arrays ``(n_weights, runs)``, one column
per run, with the learning rate an array over the runs and every other hyperparameter a
number.  Each statement keeps its order of operations, so a column computes what the
trainer computes for that run, operation for operation (IEEE arithmetic and square roots
round the same in numpy and in Python; each function's two implementations in
:mod:`core.expr.functions` agree).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from core.expr.codegen import define, namespace_of, number_source, python_source
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
        The optimizer class (its ``slots``, ``per_step`` and ``update_rule`` are rendered).
    values
        Every hyperparameter but ``lr``, validated.
    """
    names = {name: number_source(float(value)) for name, value in values.items()
             if name != SWEPT}
    # A per-step value ``bc1`` is ``bc1_``: the arrays keep the file's own names (which
    # start with a letter and are not functions), the parameters are w, g, lr, t, state.
    names.update({s.target: f"{s.target}_" for s in optimizer.per_step})
    state = ", ".join(optimizer.slots)
    lines = [f"def update(w, g, {SWEPT}, t{', ' if state else ''}{state}):"]
    lines.extend(f"    {names[s.target]} = {python_source(s.expr, names, 'array')}"
                 for s in optimizer.per_step)
    lines.extend(f"    {s.target} = {python_source(s.expr, names, 'array')}"
                 for s in optimizer.update_rule)
    lines.append(f"    return ({', '.join(('w', *optimizer.slots))},)")
    source = "\n".join(lines) + "\n"
    namespace = define(source, f"<runs update {optimizer.name}>", namespace_of("array"))
    return RunsUpdate(slots=tuple(optimizer.slots), counts_steps=optimizer.counts_steps,
                      source=source, apply=namespace["update"])
