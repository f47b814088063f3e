"""The one QObject between the core and the widgets.

It owns the :class:`~core.training.trainer.Trainer`, turns its immutable results into Qt signals and
keeps the window responsive:

- Playing runs time-budgeted batches (:meth:`Trainer.run_for`) from a ``QTimer``, each
  lasting until the next frame is due (at most 25 ms), so the event loop gets control back
  many times a second; Pause takes effect before the next batch.
- The graph is told to redraw at most 40 times a second, always with the newest snapshot
  (:attr:`snapshot_updated`); steps in between are not drawn one by one.  Readouts, tables
  and history plots redraw at most 8 times a second (:attr:`readouts_updated`).
- Setters validate, store, then notify.  Widgets call the setters and listen to the
  signals; they never talk to each other.
- The comparison of optimizers runs in a worker thread (:mod:`gui.compare_worker`) that
  sends back copies.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QThread, QTimer, Signal

from core.autodiff.engine import Trace, evaluate
from core.autodiff.graph import Graph
from core.data.datasets import Dataset
from core.training.optimizers import OPTIMIZERS, HyperparameterError, Optimizer, make_optimizer
from core.training.trainer import Divergence, StepResult, Trainer
from gui.formatting import count
from gui.snapshot import Snapshot

#: The graph redraws at most this often while playing (and at least ~30 times a second when
#: drawing is fast enough).
MAX_FRAMES_PER_SECOND = 40.0
#: Longest training batch per timer tick: Pause takes effect within this time.
BATCH_SECONDS = 1.0 / MAX_FRAMES_PER_SECOND
#: Shortest training batch per timer tick.
MIN_BATCH_SECONDS = 0.002
#: Numbers people read (tables, readouts) and plots of the history redraw at most this often
#: while playing: faster is unreadable, and plots of many thousands of points cost time.
MAX_READOUTS_PER_SECOND = 8.0
#: Slowest and fastest finite speeds (steps per second); above the fastest is "max".
MIN_SPEED = 1.0
MAX_FINITE_SPEED = 5000.0
#: Per-step history points kept (then thinned evenly, see core.training.history).
HISTORY_LIMIT = 400_000


def divergence_message(graph: Graph, divergence: Divergence) -> str:
    """One line for the status bar: where and how training diverged."""
    node = graph[divergence.node].label if divergence.node in graph else divergence.node
    what = f"{node} ({divergence.node})" if node != divergence.node else node
    # Before any update, the learning rate is not to blame: the formula is undefined at
    # the starting weights for this sample (log or sqrt of a negative, a division by 0).
    advice = ("The formula is not defined at the initial weights for this sample: try "
              "another seed or formula." if divergence.step == 0 else
              "Lower the learning rate, then Reset (R).")
    return (f"Diverged at step {divergence.step} (epoch {divergence.epoch + 1}, sample "
            f"{divergence.sample}): the {divergence.quantity} of {what} became "
            f"{divergence.value}. {advice}")


class TrainingBridge(QObject):
    """Training state for the window: the trainer, play/pause, and what is shown."""

    #: The graph's structure changed (views lay out again).  Argument: the Graph.
    graph_changed = Signal(object)
    #: New data.  Argument: the Dataset.
    dataset_changed = Signal(object)
    #: Optimizer or hyperparameters changed.  Arguments: name, {hyperparameter: value}.
    optimizer_changed = Signal(str, object)
    #: Training restarted from the initial weights (plots clear their curves).
    model_reset = Signal()
    #: Redraw the graph from this Snapshot (at most ~60 per second).
    snapshot_updated = Signal(object)
    #: Redraw readouts, tables and history plots from this Snapshot (at most ~8 per second
    #: while playing; with every snapshot otherwise).
    readouts_updated = Signal(object)
    #: One step or one batch of steps finished.  Argument: the newest StepResult.
    step_finished = Signal(object)
    #: An epoch ended.  Arguments: epoch number (from 1), its mean loss.
    epoch_finished = Signal(int, float)
    training_started = Signal()
    training_paused = Signal()
    #: Every epoch has been trained.
    training_finished = Signal()
    #: A value or gradient became non-finite.  Argument: the core Divergence.
    diverged = Signal(object)
    #: Steps per second while playing (math.inf: as fast as possible).
    speed_changed = Signal(float)
    #: The graph now shows this sample.
    sample_shown = Signal(int)
    #: Whether the shown sample follows training.
    follow_changed = Signal(bool)
    seed_changed = Signal(int)
    epochs_changed = Signal(int)
    #: A short message for the status bar.
    status_reported = Signal(str)
    comparison_started = Signal(object)
    #: Arguments: optimizer name, epochs done, epoch losses so far (a copy).
    comparison_progressed = Signal(str, int, object)
    #: Argument: {optimizer name: epoch losses} (copies).
    comparison_finished = Signal(object)
    comparison_failed = Signal(str)

    def __init__(self, graph: Graph, dataset: Dataset, *, optimizer: str = "sgd",
                 hyperparameters: Mapping[str, float] | None = None, seed: int = 0,
                 epochs: int = 20, parent: QObject | None = None) -> None:
        super().__init__(parent)
        dataset.require_features(graph.n_inputs)
        self._graph = graph
        self._dataset = dataset
        self._optimizer_name = optimizer
        self._optimizer = make_optimizer(optimizer, len(graph.weights),
                                         **dict(hyperparameters or {}))
        self._seed = int(seed)
        self._epochs = int(epochs)
        #: Where training starts instead of N(0, 0.01) from the seed (a preset's choice).
        self._start_weights: np.ndarray | None = None
        self._speed = math.inf
        self._follow = True
        self._shown_sample = 0
        self._running = False
        self._divergence: Any = None
        self._last: StepResult | None = None
        self._credit = 0.0
        self._last_tick = 0.0
        self._last_frame = -math.inf
        self._last_readout = -math.inf
        self._snapshot: Snapshot | None = None
        self._trainer = self._new_trainer()

        self._play_timer = QTimer(self)
        self._play_timer.timeout.connect(self._tick)
        self._frame_timer = QTimer(self)
        self._frame_timer.setSingleShot(True)
        self._frame_timer.timeout.connect(self._publish)
        self._readout_timer = QTimer(self)
        self._readout_timer.setSingleShot(True)
        self._readout_timer.timeout.connect(self._publish_readouts)
        self._compare_thread: QThread | None = None
        self._compare_worker: Any = None

    # -- reading --------------------------------------------------------------------

    @property
    def graph(self) -> Graph:
        return self._graph

    @property
    def dataset(self) -> Dataset:
        return self._dataset

    @property
    def trainer(self) -> Trainer:
        return self._trainer

    @property
    def history(self) -> Any:
        return self._trainer.history

    @property
    def optimizer(self) -> Optimizer:
        return self._optimizer

    @property
    def optimizer_name(self) -> str:
        return self._optimizer_name

    @property
    def hyperparameters(self) -> dict[str, float]:
        return dict(self._optimizer.values)

    @property
    def seed(self) -> int:
        return self._seed

    @property
    def epochs(self) -> int:
        return self._epochs

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def running(self) -> bool:
        return self._running

    @property
    def follow_training(self) -> bool:
        return self._follow

    @property
    def shown_sample(self) -> int:
        return self._shown_sample

    @property
    def divergence(self) -> Any:
        return self._divergence

    def snapshot(self) -> Snapshot:
        """The newest snapshot (taken now if the state changed since the last one)."""
        if self._snapshot is None:
            self._snapshot = self._take_snapshot()
        return self._snapshot

    # -- configuration (validate, store, notify) ----------------------------------------

    def set_graph(self, graph: Graph) -> None:
        """Train another graph from fresh initial weights.

        Raises
        ------
        core.data.datasets.DataError
            If the data has fewer feature columns than the graph uses.
        """
        self._dataset.require_features(graph.n_inputs)
        optimizer = make_optimizer(self._optimizer_name, len(graph.weights),
                                   **self.hyperparameters)
        self.pause()
        self._stop_stale_comparison("graph")
        self._graph = graph
        self._optimizer = optimizer
        self._start_weights = None
        self.graph_changed.emit(graph)
        self._restart()

    def set_model(self, graph: Graph, dataset: Dataset, *,
                  initial_weights: np.ndarray | None = None, optimizer: str | None = None,
                  hyperparameters: Mapping[str, float] | None = None,
                  epochs: int | None = None) -> None:
        """Train another graph on other data (a preset), optionally from given initial
        weights and with another optimizer and number of epochs, in one restart.

        Raises
        ------
        core.data.datasets.DataError
            If the data has fewer feature columns than the graph uses.
        core.training.optimizers.HyperparameterError
            For an unknown optimizer or a bad value.  Nothing changes on an error.
        """
        dataset.require_features(graph.n_inputs)
        name = self._optimizer_name if optimizer is None else optimizer
        if name not in OPTIMIZERS:
            raise HyperparameterError(f"unknown optimizer {name!r}")
        values = self.hyperparameters if optimizer is None else {}
        values.update(hyperparameters or {})
        new_optimizer = make_optimizer(name, len(graph.weights), **values)
        start = None if initial_weights is None else np.array(initial_weights, dtype=float)
        if start is not None and start.shape != (len(graph.weights),):
            raise ValueError(f"{len(graph.weights)} initial weights needed, got {start.size}")
        epochs = self._epochs if epochs is None else int(epochs)
        if epochs < 1:
            raise ValueError(f"epochs must be >= 1, got {epochs}")
        self.pause()
        self._stop_stale_comparison("graph")
        self._graph, self._dataset = graph, dataset
        self._optimizer_name, self._optimizer = name, new_optimizer
        self._start_weights = start
        self._shown_sample = 0
        self.graph_changed.emit(graph)
        self.dataset_changed.emit(dataset)
        self.optimizer_changed.emit(name, dict(new_optimizer.values))
        if epochs != self._epochs:
            self._epochs = epochs
            self.epochs_changed.emit(epochs)
        self._restart()

    def set_dataset(self, dataset: Dataset) -> None:
        """Train on other data from fresh initial weights.

        Raises
        ------
        core.data.datasets.DataError
            If the data has fewer feature columns than the graph uses.
        """
        dataset.require_features(self._graph.n_inputs)
        self.pause()
        self._stop_stale_comparison("data")
        self._dataset = dataset
        self._shown_sample = 0
        self.dataset_changed.emit(dataset)
        self._restart()

    def set_optimizer(self, name: str, values: Mapping[str, float] | None = None) -> None:
        """Train with another optimizer, starting over from the initial weights.

        Raises
        ------
        core.training.optimizers.HyperparameterError
            For an unknown name or a bad value; nothing changes then.
        """
        if name not in OPTIMIZERS:
            raise HyperparameterError(f"unknown optimizer {name!r}")
        optimizer = make_optimizer(name, len(self._graph.weights), **dict(values or {}))
        self.pause()
        self._optimizer_name = name
        self._optimizer = optimizer
        self.optimizer_changed.emit(name, dict(optimizer.values))
        self._restart()
        self.status_reported.emit(f"{optimizer.title}: training starts over from the "
                                  "initial weights")

    def set_hyperparameter(self, name: str, value: float) -> None:
        """Change one hyperparameter; training starts over from the initial weights (so
        the loss curve belongs to one setting).

        Raises
        ------
        core.training.optimizers.HyperparameterError
            If the value is not allowed; nothing changes then.
        """
        spec = type(self._optimizer).hyperparameter(name)
        number = spec.validate(value)
        if self._optimizer.values.get(name) == number:
            return
        optimizer = self._optimizer.with_values(**{name: number})
        self.pause()
        self._optimizer = optimizer
        self.optimizer_changed.emit(self._optimizer_name, dict(optimizer.values))
        self._restart()
        self.status_reported.emit(f"{name} = {number:g}: training starts over from the "
                                  "initial weights")

    def set_seed(self, seed: int) -> None:
        """Draw new initial weights from ``seed`` and restart."""
        seed = int(seed)
        if seed < 0:
            raise ValueError(f"the seed must be >= 0, got {seed}")
        if seed == self._seed:
            return
        self.pause()
        self._stop_stale_comparison("seed")
        self._seed = seed
        self._start_weights = None  # a new seed means new random initial weights
        self.seed_changed.emit(seed)
        self._restart()

    def set_epochs(self, epochs: int) -> None:
        """Plan ``epochs`` epochs and restart."""
        epochs = int(epochs)
        if epochs < 1:
            raise ValueError(f"epochs must be >= 1, got {epochs}")
        if epochs == self._epochs:
            return
        self.pause()
        self._stop_stale_comparison("number of epochs")
        self._epochs = epochs
        self.epochs_changed.emit(epochs)
        self._restart()

    def set_speed(self, steps_per_second: float) -> None:
        """Steps per second while playing; ``math.inf`` for as fast as possible."""
        speed = float(steps_per_second)
        if math.isnan(speed) or speed < MIN_SPEED:
            raise ValueError(f"speed must be >= {MIN_SPEED:g} steps per second")
        if speed > MAX_FINITE_SPEED:
            speed = math.inf
        if speed == self._speed:
            return
        self._speed = speed
        if self._running:
            self._start_timer()
        self.speed_changed.emit(speed)

    def show_sample(self, index: int) -> None:
        """Show sample ``index`` in the graph (at the current weights); stops following."""
        n = len(self._dataset)
        if not 0 <= index < n:
            raise IndexError(f"sample {index} is out of range (0..{n - 1})")
        self.set_follow_training(False)
        if index != self._shown_sample:
            self._shown_sample = index
            self.sample_shown.emit(index)
        self._schedule_publish()

    def set_follow_training(self, follow: bool) -> None:
        """When following, the graph shows the sample that will be trained next."""
        if follow == self._follow:
            return
        self._follow = follow
        self.follow_changed.emit(follow)
        if follow:
            self._sync_shown_sample()
            self._schedule_publish()

    # -- training -------------------------------------------------------------------

    def step_sample(self) -> StepResult | None:
        """Train one sample (pauses first)."""
        self.pause()
        if not self._can_train():
            return None
        result = self._trainer.step_sample()
        self._after_steps(result, epochs_before=None)
        self._publish()
        return result

    def step_epoch(self) -> StepResult | None:
        """Train to the end of the current epoch (pauses first)."""
        self.pause()
        if not self._can_train():
            return None
        epochs_before = self._trainer.history.n_epochs
        result = self._trainer.step_epoch()
        self._after_steps(result, epochs_before=epochs_before)
        self._publish()
        return result

    def play(self) -> None:
        if self._running or not self._can_train():
            return
        self._running = True
        self._credit = 0.0
        self._last_tick = time.perf_counter()
        self._start_timer()
        self.training_started.emit()
        self.status_reported.emit("Training…")
        self._invalidate()

    def pause(self) -> None:
        if not self._running:
            return
        self._running = False
        self._play_timer.stop()
        self.training_paused.emit()
        self.status_reported.emit(f"Paused at step {self._trainer.cursor.step}")
        self._publish()

    def toggle_play(self) -> None:
        if self._running:
            self.pause()
        else:
            self.play()

    def reset(self) -> None:
        """Back to the initial weights (same seed), history cleared."""
        self.pause()
        self._restart()
        self.status_reported.emit("Reset to the initial weights")

    def run_steps(self, n: int) -> None:
        """Train ``n`` samples at once, without drawing in between (scripts, screenshots)."""
        self.pause()
        if n <= 0 or not self._can_train():
            return
        epochs_before = self._trainer.history.n_epochs
        result = self._trainer.run(int(n))
        if result is not None:
            self._after_steps(result, epochs_before=epochs_before)
        self._publish()

    # -- comparison --------------------------------------------------------------------

    def start_comparison(self, names: Sequence[str]) -> None:
        """Train every optimizer in ``names`` from the current initial weights, in a
        worker thread; results arrive through the comparison signals."""
        from gui.compare_worker import CompareWorker

        self.cancel_comparison()
        names = [n for n in names if n in OPTIMIZERS]
        if not names:
            self.comparison_failed.emit("Choose at least one optimizer to compare.")
            return
        optimizers = [self._optimizer.with_values() if name == self._optimizer_name
                      else make_optimizer(name, len(self._graph.weights)) for name in names]
        worker = CompareWorker(self._graph, self._dataset, optimizers,
                               initial_weights=self._trainer.initial_weights,
                               epochs=self._epochs, seed=self._seed)
        thread = QThread(self)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progressed.connect(self.comparison_progressed)
        worker.finished.connect(self._comparison_done)
        worker.failed.connect(self._comparison_failed)
        worker.finished.connect(thread.quit)
        worker.failed.connect(thread.quit)
        thread.finished.connect(worker.deleteLater)
        thread.finished.connect(thread.deleteLater)
        self._compare_thread, self._compare_worker = thread, worker
        self.comparison_started.emit(list(names))
        self.status_reported.emit("Comparing " + ", ".join(names) + "…")
        thread.start()

    def cancel_comparison(self) -> None:
        thread, worker = self._compare_thread, self._compare_worker
        if thread is None:
            return
        if worker is not None:
            worker.cancel()
        thread.quit()
        thread.wait()
        self._compare_thread = self._compare_worker = None

    def _stop_stale_comparison(self, what: str) -> None:
        """A running comparison of what is no longer shown would report on it as if it
        were: it is stopped, and says why."""
        if not self.comparison_running():
            return
        self.cancel_comparison()
        message = f"Comparison stopped: the {what} changed. Press Compare to run it again."
        self.comparison_failed.emit(message)
        self.status_reported.emit(message)

    def comparison_running(self) -> bool:
        return self._compare_thread is not None and self._compare_thread.isRunning()

    def _comparison_done(self, result: object) -> None:
        if self.sender() is not self._compare_worker:
            return  # a cancelled run that finished anyway
        self._forget_comparison()
        self.comparison_finished.emit(result)
        self.status_reported.emit("Comparison finished")

    def _comparison_failed(self, message: str) -> None:
        if self.sender() is not self._compare_worker:
            return
        self._forget_comparison()
        self.comparison_failed.emit(message)
        self.status_reported.emit(f"Comparison failed: {message}")

    def _forget_comparison(self) -> None:
        """The worker has reported: let its thread end before dropping it (a QThread
        destroyed while still running aborts the process)."""
        if self._compare_thread is not None:
            self._compare_thread.quit()
            self._compare_thread.wait()
        self._compare_thread = self._compare_worker = None

    def shutdown(self) -> None:
        """Stop timers and threads (the window is closing)."""
        self._running = False
        self._play_timer.stop()
        self._frame_timer.stop()
        self._readout_timer.stop()
        self.cancel_comparison()

    # -- internals --------------------------------------------------------------------

    def _new_trainer(self) -> Trainer:
        return Trainer(self._graph, self._dataset, self._optimizer, epochs=self._epochs,
                       seed=self._seed, initial_weights=self._start_weights,
                       history_limit=HISTORY_LIMIT)

    def _restart(self) -> None:
        self._trainer = self._new_trainer()
        self._divergence = None
        self._last = None
        self._sync_shown_sample()
        self.model_reset.emit()
        self._publish()

    def _can_train(self) -> bool:
        if self._divergence is not None:
            self.status_reported.emit("Training diverged: press Reset (R) or lower the "
                                      "learning rate")
            return False
        if self._trainer.finished:
            self.status_reported.emit(f"All {count(self._epochs, 'epoch')} trained: "
                                      "press Reset (R) to start again")
            return False
        return True

    def _start_timer(self) -> None:
        if math.isinf(self._speed) or self._speed >= MAX_FRAMES_PER_SECOND:
            self._play_timer.start(0 if math.isinf(self._speed) else 15)
        else:
            self._play_timer.start(round(1000.0 / self._speed))

    def _tick(self) -> None:
        if not self._running:
            return
        now = time.perf_counter()
        if math.isinf(self._speed):
            max_steps = None
        else:
            self._credit = min(self._credit + self._speed * (now - self._last_tick),
                               self._speed * 0.25 + 1.0)
            max_steps = int(self._credit)
        self._last_tick = now
        if max_steps == 0:
            return
        epochs_before = self._trainer.history.n_epochs
        steps_before = self._trainer.cursor.step
        # Train until the next frame is due, so frames come at a steady rate and the time
        # between them goes to training.
        budget = self._last_frame + 1.0 / MAX_FRAMES_PER_SECOND - now
        budget = min(BATCH_SECONDS, max(MIN_BATCH_SECONDS, budget))
        result = self._trainer.run_for(budget, max_steps=max_steps)
        if result is None:
            return
        if max_steps is not None:
            self._credit -= self._trainer.cursor.step - steps_before
        self._after_steps(result, epochs_before=epochs_before)
        if self._running:
            self._schedule_publish()
        else:
            self._publish()  # diverged or finished: show the final state now

    def _after_steps(self, result: StepResult, epochs_before: int | None) -> None:
        self._last = result
        history = self._trainer.history
        if epochs_before is None:
            epochs_before = history.n_epochs - (1 if result.epoch_loss is not None else 0)
        losses = history.epoch_loss()
        for epoch in range(epochs_before, history.n_epochs):
            self.epoch_finished.emit(epoch + 1, float(losses[epoch]))
        self._sync_shown_sample()
        self._invalidate()
        self.step_finished.emit(result)
        if result.diverged is not None:
            self._divergence = result.diverged
            self._stop_running()
            self.diverged.emit(result.diverged)
            self.status_reported.emit(divergence_message(self._graph, result.diverged))
        elif result.finished:
            self._stop_running()
            self.training_finished.emit()
            self.status_reported.emit(f"Finished: {count(self._epochs, 'epoch')}, "
                                      f"{count(self._trainer.cursor.step, 'step')}")

    def _stop_running(self) -> None:
        if self._running:
            self._running = False
            self._play_timer.stop()
            self.training_paused.emit()

    def _sync_shown_sample(self) -> None:
        if not self._follow:
            return
        cursor = self._trainer.cursor
        sample = int(cursor.sample) if cursor.sample is not None else self._shown_sample
        sample = min(max(sample, 0), len(self._dataset) - 1)
        if sample != self._shown_sample:
            self._shown_sample = sample
            self.sample_shown.emit(sample)

    def _invalidate(self) -> None:
        self._snapshot = None

    def _schedule_publish(self) -> None:
        wait = self._last_frame + 1.0 / MAX_FRAMES_PER_SECOND - time.perf_counter()
        if wait <= 0.0:
            self._publish()
        elif not self._frame_timer.isActive():
            self._frame_timer.start(max(1, math.ceil(wait * 1000.0)))

    def _publish(self) -> None:
        self._frame_timer.stop()
        now = time.perf_counter()
        self._last_frame = now
        self._snapshot = None
        snapshot = self.snapshot()
        self.snapshot_updated.emit(snapshot)
        wait = self._last_readout + 1.0 / MAX_READOUTS_PER_SECOND - now
        if not self._running or wait <= 0.0:
            self._publish_readouts()
        elif not self._readout_timer.isActive():
            # The newest numbers get shown even if nothing happens after this frame.
            self._readout_timer.start(max(1, math.ceil(wait * 1000.0)))

    def _publish_readouts(self) -> None:
        self._readout_timer.stop()
        self._last_readout = time.perf_counter()
        self.readouts_updated.emit(self.snapshot())

    def shown_trace(self) -> Trace:
        """The pass the graph shows: the shown sample at the current weights, or after a
        divergence the pass that went non-finite."""
        if self._divergence is not None and self._divergence.trace is not None:
            return self._divergence.trace
        x, y = self._dataset.row(self._shown_sample)
        return evaluate(self._graph, x, y, self._trainer.weights)

    def _take_snapshot(self) -> Snapshot:
        trainer = self._trainer
        cursor = trainer.cursor
        last = self._last
        weights = np.array(trainer.weights, dtype=float)
        if last is not None:
            update = np.asarray(last.weights, dtype=float) - np.asarray(last.weights_before,
                                                                        dtype=float)
            last_loss: float | None = float(last.loss)
        else:
            update = np.zeros_like(weights)
            last_loss = None
        epoch_losses = trainer.history.epoch_loss()
        state = {name: np.array(values, dtype=float)
                 for name, values in self._optimizer.state().items()}
        return Snapshot(
            graph=self._graph, dataset=self._dataset, trace=self.shown_trace(),
            sample=self._shown_sample, epoch=int(cursor.epoch), epochs=self._epochs,
            position=int(cursor.position), step=int(cursor.step), weights=weights,
            last_update=update, optimizer_state=state, last_loss=last_loss,
            epoch_loss=float(epoch_losses[-1]) if len(epoch_losses) else None,
            running=self._running, finished=bool(trainer.finished),
            divergence=self._divergence,
        )
