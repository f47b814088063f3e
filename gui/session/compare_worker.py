"""Trains several optimizers from the same initial weights in a worker thread.

The worker lives in its own ``QThread`` and talks to the comparison runner
(:mod:`gui.session.comparison_runner`) only through signals that carry copies (numpy
arrays copied out of the trainer, plain tuples), never live objects.  Every signal carries
the worker's ``token``, so the runner can ignore a worker it has already given up on.
Cancelling sets a flag that the progress callback checks; the run stops within ~0.1 s.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from core.autodiff.graph import Graph
from core.data.datasets import Dataset
from core.training.compare import compare_optimizers
from core.training.optimizers import Optimizer
from core.training.trainer import Trainer

#: Seconds between progress reports of one run (core.training.compare reports this often).
PROGRESS_INTERVAL = 0.1
#: Seconds the worker leaves the GIL free at each report, so the window stays responsive.
GIL_PAUSE = 0.02


class _CancelledError(Exception):
    """The user cancelled the comparison."""


@dataclass(frozen=True)
class ComparedRun:
    """One optimizer's result, as the comparison plot needs it (copies only)."""

    name: str
    title: str
    epoch_loss: np.ndarray
    final_loss: float
    diverged: str | None
    #: The weights at the start and after each recorded step, shape (points, n_weights)
    #: (the loss landscape draws the run's path).
    weights: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))


class CompareWorker(QObject):
    """Runs :func:`core.training.compare.compare_optimizers`; meant for ``moveToThread``.

    Parameters
    ----------
    token
        Sent back with every signal (which run of the runner this is).
    graph, dataset, optimizers, initial_weights, epochs, seed
        What to compare (the optimizers are used by this thread only).
    holdout, early_stop, shuffle, clip_value, clip_norm
        Rows held out of training, early stopping, the sample order and gradient
        clipping, as the run has them.
    """

    #: Arguments: token, optimizer name, epochs done, epoch losses so far (a copy).
    progressed = Signal(int, str, int, object)
    #: Arguments: token, list of ComparedRun in the order asked.
    finished = Signal(int, object)
    #: Arguments: token, one line saying what went wrong.
    failed = Signal(int, str)
    #: Argument: token.  The run stopped because :meth:`cancel` was called.
    cancelled = Signal(int)

    def __init__(self, token: int, graph: Graph, dataset: Dataset,
                 optimizers: Sequence[Optimizer], *, initial_weights: np.ndarray,
                 epochs: int, seed: int, holdout: float | None = None,
                 early_stop: int | None = None, shuffle: bool = False,
                 clip_value: float | None = None, clip_norm: float | None = None) -> None:
        super().__init__()
        self.token = token
        self.graph = graph
        self.dataset = dataset
        self.optimizers = list(optimizers)
        self.initial_weights = np.array(initial_weights, dtype=float)
        self.epochs = epochs
        self.seed = seed
        self.holdout, self.early_stop = holdout, early_stop
        self.shuffle, self.clip_value, self.clip_norm = shuffle, clip_value, clip_norm
        self._cancel = threading.Event()
        self._reported: dict[int, int] = {}
        self._paths: dict[int, np.ndarray] = {}

    def cancel(self) -> None:
        """Ask the run to stop (thread-safe)."""
        self._cancel.set()

    def _progress(self, index: int, trainer: Trainer) -> None:
        # Called about every PROGRESS_INTERVAL seconds per run, not per epoch.
        # Training is pure Python: while it runs, the interface thread gets the GIL only
        # after waiting a whole switch interval for each call into Python (every paint,
        # every slot), and a frame of many calls would take seconds.  A short pause here
        # leaves the GIL free for a moment several times a second.
        time.sleep(GIL_PAUSE)
        if self._cancel.is_set():
            raise _CancelledError
        self._paths[index] = trainer.history.weights()
        epochs = trainer.history.n_epochs
        if self._reported.get(index) != epochs:
            self._reported[index] = epochs
            self.progressed.emit(self.token, self.optimizers[index].name, epochs,
                                 trainer.history.epoch_loss().copy())

    def _path(self, index: int) -> np.ndarray:
        """Run ``index``'s weights: the start, then after each recorded step (a copy)."""
        start = self.initial_weights[None, :]
        recorded = self._paths.get(index)
        return start.copy() if recorded is None else np.vstack((start, recorded))

    @Slot()
    def run(self) -> None:
        try:
            comparison = compare_optimizers(
                self.graph, self.dataset, self.optimizers, epochs=self.epochs,
                seed=self.seed, initial_weights=self.initial_weights,
                holdout=self.holdout, early_stop=self.early_stop, shuffle=self.shuffle,
                clip_value=self.clip_value, clip_norm=self.clip_norm,
                history_limit=4096, progress=self._progress)
        except _CancelledError:
            self.cancelled.emit(self.token)
            return
        except Exception as error:  # reported to the user; the app goes on
            self.failed.emit(self.token, str(error))
            return
        runs = [ComparedRun(name=run.optimizer, title=run.title,
                            epoch_loss=np.array(run.epoch_loss, dtype=float),
                            final_loss=float(run.final_loss),
                            diverged=None if run.diverged is None else run.diverged.detail,
                            weights=self._path(k))
                for k, run in enumerate(comparison.runs)]
        self.finished.emit(self.token, runs)
