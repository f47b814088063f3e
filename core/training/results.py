"""What a training step returns: where it was (:class:`Cursor`), what it computed
(:class:`StepResult`, immutable, read-only arrays) and, when something became nan or
infinite, where (:class:`Divergence`).  The trainer (:mod:`core.training.trainer`) makes
them; the command line, the window and :mod:`core.training.divergence` read them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from core.autodiff.engine import Trace
from core.training.holdout import EarlyStop

__all__ = ["Cursor", "Divergence", "StepResult"]


@dataclass(frozen=True)
class Cursor:
    """A position in training.

    Attributes
    ----------
    epoch
        Epoch number, from 0.
    position
        Index within the epoch's sample order.
    sample
        The dataset row at that position.
    step
        Updates completed before this position (so also the step's number, from 0).
    """

    epoch: int
    position: int
    sample: int
    step: int


@dataclass(frozen=True)
class Divergence:
    """Where training stopped because something became nan or infinite.

    Attributes
    ----------
    node
        The first non-finite node (forward order for values, backward order for
        gradients), or the weight an update would have made non-finite.
    op
        That node's op name, ``None`` for inputs, weights and constants.
    quantity
        ``value`` or ``gradient``.
    epoch, sample, step
        Where it happened (as in :class:`Cursor`); the step's update was not applied.
    trace
        The full trace of that sample at the weights before the step.
    value
        The offending number (nan, inf or -inf).
    detail
        What happened, for people, naming the node as the graph shows it (the start of
        :func:`core.training.divergence.describe_divergence`'s sentence).
    """

    node: str
    op: str | None
    quantity: str
    epoch: int
    sample: int
    step: int
    trace: Trace
    value: float = math.nan
    detail: str = ""


@dataclass(frozen=True)
class StepResult:
    """An immutable snapshot after one training step.

    Attributes
    ----------
    cursor
        The sample just trained.
    loss
        Its loss, computed before the update (as the notebook records it).
    weights_before, weights
        Weights before and after the update (equal when the step diverged).
    grads
        dL/dw of this sample at ``weights_before`` (before any clipping).
    optimizer_state
        The optimizer's state after the update.
    epoch_loss
        The mean loss of the epoch when this step completed one, else ``None``.
    diverged
        Set when this step diverged (and its update was not applied).
    finished
        Whether training can go no further (all epochs done, diverged, or stopped early).
    holdout_loss
        The held-out rows' mean loss after the epoch this step completed, else ``None``.
    stopped_early
        Where early stopping ended training, once it has (else ``None``).

    All arrays are read-only copies, never aliases of the trainer's live state.
    """

    cursor: Cursor
    loss: float
    weights_before: np.ndarray
    weights: np.ndarray
    grads: np.ndarray
    optimizer_state: Mapping[str, np.ndarray]
    epoch_loss: float | None
    diverged: Divergence | None
    finished: bool
    holdout_loss: float | None = None
    stopped_early: EarlyStop | None = None
