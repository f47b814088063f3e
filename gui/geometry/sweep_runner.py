"""Learning-rate sweeps in the background: one worker thread per sweep.

:class:`SweepRunner` sweeps from the session's current configuration (graph, data, seed,
initial weights, hyperparameters other than the learning rate) in a
:class:`~gui.geometry.sweep_worker.SweepWorker` on its own ``QThread``.  Progress reaches
the window at most :data:`MAX_PROGRESS_PER_SECOND` times a second.  Cancel returns at once;
the worker notices at its next callback and its late signals are ignored.  When the graph,
the data, the seed, the initial weights or any other setting the runs share (loss,
held-out split, clipping, shuffling) change, a sweep's results no longer describe what the
window trains: a running sweep is stopped and shown results are declared out of date
(:attr:`SweepRunner.outdated`).  A change of optimizer, hyperparameters or epochs keeps
them: those are what a sweep varies or sets itself.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal

from core.training.config import TrainingConfig
from core.training.sweep import SweepResult
from gui.geometry.sweep_worker import SweepFunction, SweepRequest, SweepWorker
from gui.session.rate_limiter import RateLimiter
from gui.session.training_session import TrainingSession
from gui.worker_threads import join_finished, stop_all, worker_thread

#: Progress redraws per second at most.
MAX_PROGRESS_PER_SECOND = 10.0
#: Configuration fields a sweep's results do not depend on: each run has its own
#: optimizer and lr (the other hyperparameters are in its result), the sweep its own
#: epochs, and early stopping does not apply to it.
_NOT_SWEPT = ("optimizer", "hyperparameters", "epochs", "early_stop", "initial_weights")
#: How the status line names a change of each basis entry.
_CHANGE_NAMES = {"graph object": "graph", "data object": "data", "holdout": "held-out split",
                 "clip_value": "gradient clipping", "clip_norm": "gradient clipping"}


class SweepRunner(QObject):
    """Starts, cancels and reports learning-rate sweeps for a training session.

    Notes
    -----
    Public API: :meth:`start`, :meth:`cancel`, :meth:`running`, :meth:`shutdown`;
    signals :attr:`started`, :attr:`progressed`, :attr:`finished`, :attr:`failed`,
    :attr:`stopped`, :attr:`outdated`.  Exactly one of finished, failed or stopped ends
    every started sweep.
    """

    #: Argument: the SweepRequest.
    started = Signal(object)
    #: Argument: fraction done (0..1).
    progressed = Signal(float)
    #: The newest finished epoch (at most MAX_PROGRESS_PER_SECOND a second).  Arguments:
    #: epoch (from 0), its mean loss of every run (nan for runs that diverged before).
    epoch_finished = Signal(int, object)
    #: Arguments: the SweepResult, the SweepRequest it answers.
    finished = Signal(object, object)
    #: Argument: what went wrong (one line).
    failed = Signal(str)
    #: The sweep was stopped before the end.  Arguments: a message saying why, whether it
    #: was stopped because what it swept changed (True) or by Cancel (False).
    stopped = Signal(str, bool)
    #: What a finished sweep swept changed.  Argument: a message saying what.
    outdated = Signal(str)

    def __init__(self, session: TrainingSession, parent: QObject | None = None,
                 sweep: SweepFunction | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._sweep = sweep
        self._token = 0
        self._thread: QThread | None = None
        self._worker: SweepWorker | None = None
        #: Every thread still running, with its worker: a worker is kept alive until its
        #: thread has finished, even after the runner gave up on it.
        self._threads: dict[QThread, SweepWorker] = {}
        self._fraction = 0.0
        self._epoch: tuple[int, np.ndarray] | None = None
        self._progress = RateLimiter(MAX_PROGRESS_PER_SECOND, self._send_progress, self)
        #: What the running or last finished sweep started from (see _basis).
        self._basis: dict[str, object] | None = None
        self._changes: list[str] = []
        session.graph_changed.connect(lambda _graph: self._changes.append("graph"))
        session.dataset_changed.connect(lambda _data: self._changes.append("data"))
        session.seed_changed.connect(lambda _seed: self._changes.append("seed"))
        session.training_restarted.connect(self._on_restarted)

    def running(self) -> bool:
        """Whether a sweep is in progress."""
        return self._worker is not None

    def sweep_config(self) -> TrainingConfig:
        """The configuration a sweep starts from now: the session's, with the trainer's
        initial weights written in (every run starts from them)."""
        session = self.session
        weights = tuple(float(w) for w in session.trainer.initial_weights)
        return session.config.replace(initial_weights=weights)

    def start(self, request: SweepRequest) -> None:
        """Sweep as ``request`` says, in a worker thread (a running sweep is abandoned)."""
        if self.running():
            self._abandon()
        if not request.optimizers:
            self.failed.emit("Choose at least one optimizer to sweep.")
            return
        try:
            config = self.sweep_config()
        except ValueError as error:  # a configuration the session could not describe
            self.failed.emit(str(error))
            return
        self._token += 1
        worker = (SweepWorker(self._token, config, request) if self._sweep is None
                  else SweepWorker(self._token, config, request, self._sweep))
        worker.progressed.connect(self._on_progressed)
        worker.epoch_finished.connect(self._on_epoch_finished)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        thread = worker_thread(self, worker, (worker.finished, worker.failed, worker.cancelled),
                               self._on_thread_finished)
        self._thread, self._worker = thread, worker
        self._threads[thread] = worker
        self._basis = self._current_basis()
        self._changes = []
        self._fraction = 0.0
        self._epoch = None
        self.started.emit(request)
        thread.start()

    def cancel(self) -> None:
        """Stop the running sweep (the user pressed Cancel)."""
        if not self.running():
            return
        self._abandon()
        self.stopped.emit("Sweep cancelled", False)

    def shutdown(self) -> None:
        """Stop every worker and wait for the threads (the window is closing)."""
        self._abandon()
        stop_all(self._threads)

    # -- internals ---------------------------------------------------------------------

    def _current_basis(self) -> dict[str, object]:
        """What a sweep's results depend on besides its request: the graph and data
        objects, every setting of the configuration but the optimizer's, the number of
        epochs and early stopping, and the initial weights."""
        session = self.session
        config = session.config
        basis: dict[str, object] = {
            field.name: getattr(config, field.name) for field in dataclasses.fields(config)
            if field.name not in _NOT_SWEPT}
        basis["graph object"] = id(session.graph)
        basis["data object"] = id(session.dataset)
        weights = np.asarray(session.trainer.initial_weights, dtype=float)
        basis["initial weights"] = weights.tobytes()
        return basis

    def _abandon(self) -> None:
        """Tell the worker to stop and ignore whatever it still sends."""
        if self._worker is not None:
            self._worker.cancel()
        if self._thread is not None:
            self._thread.quit()
        self._thread = self._worker = None
        self._progress.cancel()

    def _on_thread_finished(self) -> None:
        join_finished(self._threads)

    def _on_restarted(self) -> None:
        changes, self._changes = self._changes, []
        if self._basis is None:
            return
        basis = self._current_basis()
        changed = [key for key in basis if basis[key] != self._basis.get(key)]
        if not changed:
            return
        self._basis = None
        what = changes[0] if changes else _CHANGE_NAMES.get(changed[0], changed[0])
        if self.running():
            self._abandon()
            self.stopped.emit(f"Sweep stopped: the {what} changed. Press Run to sweep "
                              f"again.", True)
        else:
            self.outdated.emit(f"The {what} changed: the sweep shown was for the previous "
                               f"one. Press Run to sweep again.")

    def _current(self, token: int) -> bool:
        return self._worker is not None and token == self._token

    def _on_progressed(self, token: int, fraction: float) -> None:
        if self._current(token):
            self._fraction = fraction
            self._progress.request()

    def _on_epoch_finished(self, token: int, epoch: int, means: np.ndarray) -> None:
        if self._current(token):
            self._epoch = (epoch, means)
            self._progress.request()

    def _send_progress(self) -> None:
        self.progressed.emit(self._fraction)
        epoch, self._epoch = self._epoch, None
        if epoch is not None:
            self.epoch_finished.emit(*epoch)

    def _finish(self) -> None:
        self._thread = self._worker = None
        self._progress.cancel()

    def _on_finished(self, token: int, result: SweepResult) -> None:
        if not self._current(token):
            return  # a cancelled sweep that finished anyway
        assert self._worker is not None
        request = self._worker.request
        if self._epoch is not None:
            # The last epoch's curve is drawn before the result replaces it, however fast
            # the sweep was: every sweep shows at least one epoch as it ran.
            self._send_progress()
        self._finish()
        self.finished.emit(result, request)

    def _on_failed(self, token: int, message: str) -> None:
        if not self._current(token):
            return
        self._finish()
        self._basis = None
        self.failed.emit(message)
