"""What the views draw: an immutable picture of the training state at one moment.

The training session (:mod:`gui.session.training_session`) takes a snapshot after a batch
of training steps or a change of settings, and every view redraws from the newest one.  A
snapshot holds everything a view draws, including the history arrays the plots show, so
no view reads live state behind it.  Its arrays are read-only and never change
afterwards (the history never rewrites a recorded point in place), so a view can keep a
snapshot as long as it likes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from core.autodiff.engine import Trace
from core.autodiff.graph import Graph
from core.data.datasets import Dataset
from core.training.history import History
from core.training.trainer import Divergence


@dataclass(frozen=True)
class HistorySnapshot:
    """The training history as the plots draw it (read-only arrays, fixed forever).

    Attributes
    ----------
    steps
        Step numbers (from 0) of the recorded per-step points.
    sample_loss
        Each recorded step's loss, computed before its update.
    weights
        Weights after each recorded step, shape ``(points, n_weights)``.
    epoch_loss
        Mean loss of every completed epoch (never thinned).
    n_samples
        Samples per epoch (to put steps on an epoch axis).
    n_steps
        Steps taken, recorded or not.
    thinned
        Whether some steps were dropped to keep memory bounded.
    holdout_loss
        The held-out rows' mean loss after every completed epoch (empty when no rows are
        held out).
    """

    steps: np.ndarray
    sample_loss: np.ndarray
    weights: np.ndarray
    epoch_loss: np.ndarray
    n_samples: int
    n_steps: int
    thinned: bool
    holdout_loss: np.ndarray = field(default_factory=lambda: np.empty(0))

    @classmethod
    def of(cls, history: History) -> HistorySnapshot:
        """The history as it is now (views, not copies: recorded points never change)."""
        return cls(steps=history.steps(), sample_loss=history.sample_loss(),
                   weights=history.weights(), epoch_loss=history.epoch_loss(),
                   n_samples=history.n_samples, n_steps=history.n_steps,
                   thinned=history.decimated, holdout_loss=history.holdout_loss())

    def __len__(self) -> int:
        """Recorded per-step points."""
        return int(self.steps.shape[0])

    @property
    def n_epochs(self) -> int:
        """Epochs completed."""
        return int(self.epoch_loss.shape[0])

    def sample_epochs(self) -> np.ndarray:
        """The recorded points on an epoch axis: step ``k`` ends at ``(k + 1) / n``."""
        return (self.steps + 1) / max(self.n_samples, 1)

    def epoch_numbers(self) -> np.ndarray:
        """1, 2, ... for the completed epochs (the x axis of :attr:`epoch_loss`)."""
        return np.arange(1, self.n_epochs + 1)


@dataclass(frozen=True)
class Snapshot:
    """The state every view shows.

    Attributes
    ----------
    run
        Which training run this is: it grows by one whenever training starts over (new
        settings, Reset), so a view can tell a new run from more of the same one.
    graph, dataset
        What is being trained.
    optimizer, hyperparameters, seed
        How: the optimizer's registry name, its hyperparameter values, the seed of the
        initial weights.
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
    finished
        Whether every epoch has been trained (or training diverged).
    divergence
        Where training went non-finite, or None.
    history
        The recorded history the plots draw.
    changes
        Where training changed course mid-run, and what changed.
    """

    run: int
    graph: Graph
    dataset: Dataset
    optimizer: str
    hyperparameters: Mapping[str, float]
    seed: int
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
    finished: bool
    divergence: Divergence | None
    history: HistorySnapshot
    #: Mid-run changes of this run, oldest first: (step, what changed), e.g.
    #: (120, "lr 0.01 → 0.1"); the loss plot marks each at its step.
    changes: tuple[tuple[int, str], ...] = ()
    #: While a fork runs: the original run's history (drawn for comparison) and the step
    #: the fork branched off at.
    original: HistorySnapshot | None = None
    forked_at: int | None = None
    #: The past step shown instead of the present (time travel), or None.
    viewing: int | None = None
    #: Rows held out of training (their loss per epoch is ``history.holdout_loss``).
    holdout_rows: int = 0

    @property
    def epoch_shown(self) -> int:
        """The epoch to show, from 1: the one being trained, or once training has ended
        (every epoch done, or stopped early) the last one trained."""
        if self.finished and self.divergence is None:
            return max(min(self.epoch, self.epochs), 1)
        return min(self.epoch + 1, self.epochs)

    @property
    def weight_grads(self) -> np.ndarray:
        """dL/dw of the shown pass, in ``graph.weights`` order."""
        return self.trace.weight_grads
