"""What the views draw: an immutable picture of the training state at one moment.

The bridge takes a snapshot at most ~60 times a second, after a batch of training steps,
and every view redraws from the newest one.  A snapshot holds copies, never live arrays,
so a view can keep it as long as it likes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.autodiff.engine import Trace
from core.autodiff.graph import Graph
from core.data.datasets import Dataset


@dataclass(frozen=True)
class Snapshot:
    """The state every view shows.

    Attributes
    ----------
    graph, dataset
        What is being trained.
    trace
        The forward and backward pass the graph view shows: the shown sample at the
        current weights (or, after a divergence, the pass that went non-finite).
    sample
        The sample the trace is about.
    epoch, position, step
        Where training is: the epoch (from 0) and position in it of the *next* sample, and
        the number of steps taken.
    epochs
        Epochs planned.
    weights
        The current weights, in ``graph.weights`` order.
    last_update
        The change the last step made to each weight (zeros before the first step).
    optimizer_state
        The optimizer's per-weight state (velocity, m, v, ...) by slot name.
    last_loss
        The loss of the last trained sample, computed before its update (None before the
        first step).
    epoch_loss
        The mean loss of the last completed epoch (None before the first).
    running, finished
        Playing or not; every epoch trained or not.
    divergence
        Where training went non-finite, or None.
    """

    graph: Graph
    dataset: Dataset
    trace: Trace
    sample: int
    epoch: int
    epochs: int
    position: int
    step: int
    weights: np.ndarray
    last_update: np.ndarray
    optimizer_state: Mapping[str, np.ndarray]
    last_loss: float | None
    epoch_loss: float | None
    running: bool
    finished: bool
    divergence: Any = None

    @property
    def weight_grads(self) -> np.ndarray:
        """dL/dw of the shown pass, in ``graph.weights`` order."""
        return self.trace.weight_grads
