"""Runs a learning-rate sweep (:func:`core.training.sweep.run_sweep`) in a worker thread.

The worker lives in its own ``QThread`` and talks to the sweep runner
(:mod:`gui.geometry.sweep_runner`) only through signals that carry the token it was given
and immutable values (the core's frozen ``SweepResult``), never live objects.

A sweep is numpy over small arrays: most of its time is spent in the interpreter, holding
the GIL.  While it runs, the interface thread gets the GIL only after waiting a whole
switch interval for each call into Python (every paint, every slot), and a frame of many
such calls would take seconds.  So, as the comparison worker does, the worker leaves the
GIL free for :data:`GIL_PAUSE` seconds at least every :data:`PAUSE_EVERY` seconds, at
whichever of the core's callbacks (progress, cancelled) comes first.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from core.training.config import TrainingConfig
from core.training.sweep import SweepCancelled, SweepResult, run_sweep

#: Seconds of sweeping between two pauses at most.
PAUSE_EVERY = 0.05
#: Seconds the worker leaves the GIL free at each pause, so the window stays responsive.
GIL_PAUSE = 0.01


@dataclass(frozen=True)
class SweepRequest:
    """What to sweep, as the Sweep tab's controls say.

    Attributes
    ----------
    optimizers
        Optimizer names (registry keys), in the order asked.
    lr_min, lr_max
        The smallest and largest learning rate (log-spaced between them, both included).
    runs
        Learning rates per optimizer.
    epochs
        Epochs per run (``None``: the configuration's).
    """

    optimizers: tuple[str, ...]
    lr_min: float
    lr_max: float
    runs: int
    epochs: int | None = None


SweepFunction = Callable[..., SweepResult]


class SweepWorker(QObject):
    """Runs one sweep; meant for ``moveToThread``.

    Parameters
    ----------
    token
        Sent back with every signal (which sweep of the runner this is).
    config
        The run every learning rate starts from (graph, data, initial weights, ...).
    request
        What to sweep.
    sweep
        The sweep function (default :func:`core.training.sweep.run_sweep`).
    """

    #: Arguments: token, fraction done (0..1).
    progressed = Signal(int, float)
    #: Arguments: token, epoch (from 0), that epoch's mean loss of every run (a copy; nan
    #: for runs that diverged before it ended), in the result's order.
    epoch_finished = Signal(int, int, object)
    #: Arguments: token, the SweepResult.
    finished = Signal(int, object)
    #: Arguments: token, one line saying what went wrong.
    failed = Signal(int, str)
    #: Argument: token.  The sweep stopped because :meth:`cancel` was called.
    cancelled = Signal(int)

    def __init__(self, token: int, config: TrainingConfig, request: SweepRequest,
                 sweep: SweepFunction = run_sweep) -> None:
        super().__init__()
        self.token = token
        self.config = config
        self.request = request
        self._sweep = sweep
        self._cancel = threading.Event()
        self._last_pause = time.perf_counter()

    def cancel(self) -> None:
        """Ask the sweep to stop (thread-safe)."""
        self._cancel.set()

    def _breathe(self) -> None:
        now = time.perf_counter()
        if now - self._last_pause >= PAUSE_EVERY:
            time.sleep(GIL_PAUSE)
            self._last_pause = time.perf_counter()

    def _progress(self, fraction: float) -> None:
        self._breathe()
        self.progressed.emit(self.token, float(fraction))

    def _epoch_finished(self, epoch: int, means: np.ndarray) -> None:
        self.epoch_finished.emit(self.token, int(epoch), np.array(means, dtype=float))

    def _cancelled(self) -> bool:
        self._breathe()
        return self._cancel.is_set()

    @Slot()
    def run(self) -> None:
        request = self.request
        self._last_pause = time.perf_counter()
        try:
            result = self._sweep(self.config, request.optimizers, request.lr_min,
                                 request.lr_max, request.runs, epochs=request.epochs,
                                 progress=self._progress, cancelled=self._cancelled,
                                 epoch_finished=self._epoch_finished)
        except SweepCancelled:
            self.cancelled.emit(self.token)
            return
        except Exception as error:  # reported to the user; the app goes on
            self.failed.emit(self.token, str(error) or type(error).__name__)
            return
        if self._cancel.is_set():
            self.cancelled.emit(self.token)
            return
        self.finished.emit(self.token, result)
