"""Comparing optimizers in the background: one worker thread per comparison.

:class:`ComparisonRunner` trains every chosen optimizer from the session's current initial
weights, data, seed and number of epochs in a :class:`~gui.session.compare_worker.CompareWorker`
on its own ``QThread``.  Progress reaches the window at most
:data:`MAX_PROGRESS_PER_SECOND` times a second (the newest curve of each optimizer), so a
comparison of many short epochs cannot flood the event loop.  Cancel returns at once; the
worker notices within ~0.1 s and its late signals are ignored.  When the graph, the data
or the seed changes, the results no longer describe what the window shows: a running
comparison is stopped and the results are cleared (:attr:`ComparisonRunner.cleared`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal

from core.training.optimizers import OPTIMIZERS, make_optimizer
from gui.session.compare_worker import ComparedRun, CompareWorker
from gui.session.rate_limiter import RateLimiter
from gui.session.training_session import TrainingSession
from gui.worker_threads import join_finished, stop_all, worker_thread

#: Progress redraws per second at most, however fast the epochs go.
MAX_PROGRESS_PER_SECOND = 10.0


class ComparisonRunner(QObject):
    """Starts, cancels and reports comparisons of optimizers for a session.

    Notes
    -----
    Public API: :meth:`start`, :meth:`cancel`, :meth:`running`, :meth:`shutdown`;
    signals :attr:`started`, :attr:`progressed`, :attr:`finished`, :attr:`failed`,
    :attr:`stopped`, :attr:`cleared`.  Exactly one of finished, failed, stopped or
    cleared ends every started comparison (cleared also comes when none runs: shown
    results are out of date).
    """

    #: Argument: the optimizer names, in order.
    started = Signal(object)
    #: Arguments: optimizer name, epochs done, epoch losses so far (a copy).
    progressed = Signal(str, int, object)
    #: Argument: list of ComparedRun (copies), in the order asked.
    finished = Signal(object)
    #: Argument: what went wrong (one line).
    failed = Signal(str)
    #: The comparison was stopped before the end (Cancel, or the epochs changed).
    #: Argument: a message saying so.
    stopped = Signal(str)
    #: The graph, data or seed changed: shown results no longer apply.  Argument: a
    #: message saying why.
    cleared = Signal(str)

    def __init__(self, session: TrainingSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._token = 0
        self._thread: QThread | None = None
        self._worker: CompareWorker | None = None
        #: Every thread still running, with its worker: a worker is kept alive until its
        #: thread has finished, even after the runner gave up on it.
        self._threads: dict[QThread, CompareWorker] = {}
        self._pending: dict[str, tuple[int, np.ndarray]] = {}
        self._progress = RateLimiter(MAX_PROGRESS_PER_SECOND, self._send_progress, self)
        #: What changed since training last started over ("graph", "data", ...).
        self._changes: list[str] = []
        session.graph_changed.connect(lambda _graph: self._changes.append("graph"))
        session.dataset_changed.connect(lambda _data: self._changes.append("data"))
        session.seed_changed.connect(lambda _seed: self._changes.append("seed"))
        session.epochs_changed.connect(lambda _epochs: self._changes.append("number of epochs"))
        session.schedule_changed.connect(
            lambda *_schedule: self._changes.append("sample order or clipping"))
        session.training_restarted.connect(self._on_restarted)

    def running(self) -> bool:
        """Whether a comparison is in progress."""
        return self._worker is not None

    def start(self, names: Sequence[str]) -> None:
        """Train every optimizer in ``names`` from the session's initial weights, in a
        worker thread (a running comparison is cancelled first).  The session's own
        optimizer keeps its hyperparameters; the others use their defaults."""
        if self.running():
            self._abandon()
        chosen = [n for n in names if n in OPTIMIZERS]
        if not chosen:
            self.failed.emit("Choose at least one optimizer to compare.")
            return
        session = self.session
        n_weights = len(session.graph.weights)
        optimizers = [session.optimizer.with_values() if name == session.optimizer_name
                      else make_optimizer(name, n_weights) for name in chosen]
        self._token += 1
        worker = CompareWorker(self._token, session.graph, session.dataset, optimizers,
                               initial_weights=session.trainer.initial_weights,
                               epochs=session.epochs, seed=session.seed,
                               holdout=session.config.holdout,
                               early_stop=session.config.early_stop,
                               shuffle=session.config.shuffle,
                               clip_value=session.config.clip_value,
                               clip_norm=session.config.clip_norm)
        worker.progressed.connect(self._on_progressed)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        thread = worker_thread(self, worker, (worker.finished, worker.failed, worker.cancelled),
                               self._on_thread_finished)
        self._thread, self._worker = thread, worker
        self._threads[thread] = worker
        self._pending.clear()
        self.started.emit(list(chosen))
        session.report("Comparing " + ", ".join(chosen) + "…")
        thread.start()

    def cancel(self) -> None:
        """Stop the running comparison (the user pressed Cancel)."""
        if not self.running():
            return
        self._abandon()
        self.stopped.emit("Comparison cancelled")
        self.session.report("Comparison cancelled")

    def shutdown(self) -> None:
        """Stop every worker and wait for the threads (the window is closing)."""
        self._abandon()
        stop_all(self._threads)

    # -- internals ---------------------------------------------------------------------

    def _abandon(self) -> None:
        """Tell the worker to stop and ignore whatever it still sends."""
        if self._worker is not None:
            self._worker.cancel()
        if self._thread is not None:
            self._thread.quit()
        self._thread = self._worker = None
        self._pending.clear()
        self._progress.cancel()

    def _on_thread_finished(self) -> None:
        join_finished(self._threads)

    def _on_restarted(self) -> None:
        # One message per change of settings, naming the first thing that changed.
        changes, self._changes = self._changes, []
        cleared = [what for what in changes if what in ("graph", "data", "seed")]
        if cleared:
            self._clear(cleared[0])
        elif changes:
            self._stop_stale(changes[0])

    def _stop_stale(self, what: str) -> None:
        if not self.running():
            return
        self._abandon()
        message = f"Comparison stopped: the {what} changed. Press Compare to run it again."
        self.stopped.emit(message)
        self.session.report(message)

    def _clear(self, what: str) -> None:
        if self.running():
            self._abandon()
            message = f"Comparison stopped: the {what} changed. Press Compare to run it again."
            self.session.report(message)
        else:
            message = f"The {what} changed: press Compare to compare optimizers on it."
        self.cleared.emit(message)

    def _current(self, token: int) -> bool:
        return self._worker is not None and token == self._token

    def _on_progressed(self, token: int, name: str, epochs: int, losses: np.ndarray) -> None:
        if self._current(token):
            self._pending[name] = (epochs, losses)
            self._progress.request()

    def _send_progress(self) -> None:
        pending, self._pending = self._pending, {}
        for name, (epochs, losses) in pending.items():
            self.progressed.emit(name, epochs, losses)

    def _on_finished(self, token: int, runs: list[ComparedRun]) -> None:
        if not self._current(token):
            return  # a cancelled run that finished anyway
        self._thread = self._worker = None
        self._pending.clear()
        self._progress.cancel()
        self.finished.emit(runs)
        self.session.report("Comparison finished")

    def _on_failed(self, token: int, message: str) -> None:
        if not self._current(token):
            return
        self._thread = self._worker = None
        self._pending.clear()
        self._progress.cancel()
        self.failed.emit(message)
        self.session.report(f"Comparison failed: {message}")
