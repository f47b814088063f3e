"""The training session: the trainer, its settings, and the snapshots the views draw.

One :class:`TrainingSession` per window.  It owns the
:class:`~core.training.trainer.Trainer` and what configures it (graph, data, optimizer
and hyperparameters, seed, epochs), trains when asked (one sample, one epoch, N steps, or
a time-budgeted batch for :mod:`gui.session.play_loop`), and publishes immutable
:class:`~gui.snapshot.Snapshot` objects.  It keeps no copy of the trainer's state: the
position, weights, history and traces are read from the trainer (``Trainer.trace`` for the
pass the graph shows) when a snapshot is taken.

Setters validate, store, then notify, all through one path (:meth:`TrainingSession._change`):
a bad value raises before anything changes; a good one is stored, announced with its own
signal, and training starts over from the initial weights so every curve belongs to one
setting.  Widgets call the setters and listen to the signals; they never talk to each
other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from PySide6.QtCore import QObject, Signal

from core.autodiff.engine import Trace
from core.autodiff.graph import Graph
from core.data.datasets import Dataset
from core.training.divergence import WINDOW, describe_divergence
from core.training.optimizers import OPTIMIZERS, HyperparameterError, Optimizer, make_optimizer
from core.training.trainer import MAX_EPOCHS, Divergence, StepResult, Trainer
from gui.formatting import count
from gui.session.rate_limiter import RateLimiter
from gui.snapshot import HistorySnapshot, Snapshot

#: The graph redraws at most this often while training runs.
MAX_FRAMES_PER_SECOND = 40.0
#: Numbers people read (tables, readouts) and plots of the history redraw at most this often
#: while training runs: faster is unreadable, and plots of many thousands of points cost time.
MAX_READOUTS_PER_SECOND = 8.0
#: Per-step history points kept (then thinned evenly, see core.training.history).
HISTORY_LIMIT = 400_000


class TrainingSession(QObject):
    """The trainer and its settings, for the window.

    Parameters
    ----------
    graph, dataset
        What to train (the data needs at least ``graph.n_inputs`` feature columns).
    optimizer, hyperparameters
        The optimizer's registry name and any hyperparameters that differ from its
        defaults.
    seed
        Seed of the initial weights.
    epochs
        Epochs planned.

    Raises
    ------
    core.data.datasets.DataError, core.training.optimizers.HyperparameterError
        For data that does not fit the graph or a bad setting.

    Notes
    -----
    Public API, for widgets and for features built on the session:

    - reading: :attr:`graph`, :attr:`dataset`, :attr:`optimizer`, :attr:`optimizer_name`,
      :attr:`hyperparameters`, :attr:`seed`, :attr:`epochs`, :attr:`trainer` (read it, do
      not step it: the session's methods keep views in step), :attr:`shown_sample`,
      :attr:`follow_training`, :meth:`snapshot`;
    - settings (validate, store, notify, start over): :meth:`set_graph`,
      :meth:`set_dataset`, :meth:`set_model` (several at once, for presets),
      :meth:`set_optimizer`, :meth:`set_hyperparameter`, :meth:`set_seed`,
      :meth:`set_epochs`;
    - what the graph shows: :meth:`show_sample`, :meth:`set_follow_training`;
    - training: :meth:`step_sample`, :meth:`step_epoch`, :meth:`run_steps`,
      :meth:`run_for` (one time-budgeted batch, for the play loop), :meth:`reset`,
      :meth:`can_train`;
    - drawing: :meth:`publish` (views redraw now) and :meth:`publish_throttled` (at most
      :data:`MAX_FRAMES_PER_SECOND` graph frames and :data:`MAX_READOUTS_PER_SECOND`
      readouts a second), :meth:`seconds_to_next_frame`;
    - :meth:`report` puts a line in the status bar; :meth:`shutdown` stops the timers.
    """

    #: The graph's structure changed (views lay out again).  Argument: the Graph.
    graph_changed = Signal(object)
    #: New data.  Argument: the Dataset.
    dataset_changed = Signal(object)
    #: Optimizer or hyperparameters changed.  Arguments: name, {hyperparameter: value}.
    optimizer_changed = Signal(str, object)
    seed_changed = Signal(int)
    epochs_changed = Signal(int)
    #: Training started over from the initial weights (a setting changed, or Reset).
    training_restarted = Signal()
    #: Redraw the graph from this Snapshot (at most MAX_FRAMES_PER_SECOND while playing).
    snapshot_updated = Signal(object)
    #: Redraw readouts, tables and history plots from this Snapshot (at most
    #: MAX_READOUTS_PER_SECOND while playing; with every snapshot otherwise).
    readouts_updated = Signal(object)
    #: One step or one batch of steps finished.  Argument: the newest StepResult.
    step_finished = Signal(object)
    #: An epoch ended.  Arguments: epoch number (from 1), its mean loss.
    epoch_finished = Signal(int, float)
    #: Every epoch has been trained.
    training_finished = Signal()
    #: A value or gradient became non-finite.  Argument: the core Divergence.
    diverged = Signal(object)
    #: The graph now shows this sample.
    sample_shown = Signal(int)
    #: Whether the shown sample follows training.
    follow_changed = Signal(bool)
    #: A short message for the status bar, about the state training is in now.
    status_reported = Signal(str)

    def __init__(self, graph: Graph, dataset: Dataset, *, optimizer: str = "sgd",
                 hyperparameters: Mapping[str, float] | None = None, seed: int = 0,
                 epochs: int = 20, parent: QObject | None = None) -> None:
        super().__init__(parent)
        dataset.require_features(graph.n_inputs)
        if optimizer not in OPTIMIZERS:
            raise HyperparameterError(f"unknown optimizer {optimizer!r}")
        self._graph = graph
        self._dataset = dataset
        self._optimizer_name = optimizer
        self._optimizer = make_optimizer(optimizer, len(graph.weights),
                                         **dict(hyperparameters or {}))
        self._seed = _check_seed(seed)
        self._epochs = _check_epochs(epochs)
        #: Where training starts instead of N(0, 0.01) from the seed (a preset's choice).
        self._start_weights: np.ndarray | None = None
        self._follow = True
        self._shown_sample = 0
        self._last: StepResult | None = None
        self._run = 0
        self._snapshot: Snapshot | None = None
        self._trainer = self._new_trainer()
        self._frames = RateLimiter(MAX_FRAMES_PER_SECOND, self._publish_frame, self)
        self._readouts = RateLimiter(MAX_READOUTS_PER_SECOND, self._publish_readouts, self)

    # -- reading --------------------------------------------------------------------

    @property
    def graph(self) -> Graph:
        return self._graph

    @property
    def dataset(self) -> Dataset:
        return self._dataset

    @property
    def trainer(self) -> Trainer:
        """The live trainer (read it; train through the session's methods)."""
        return self._trainer

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
    def follow_training(self) -> bool:
        return self._follow

    @property
    def shown_sample(self) -> int:
        return self._shown_sample

    @property
    def divergence(self) -> Divergence | None:
        return self._trainer.diverged

    def snapshot(self) -> Snapshot:
        """The newest snapshot (taken now if the state changed since the last one)."""
        if self._snapshot is None:
            self._snapshot = self._take_snapshot()
        return self._snapshot

    # -- settings (validate, store, notify) -------------------------------------------

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

        def store() -> None:
            self._graph, self._optimizer = graph, optimizer
            self._start_weights = None

        self._change(store, lambda: self.graph_changed.emit(graph))

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
            For an unknown optimizer or a bad value.
        ValueError
            For initial weights of the wrong size or bad epochs.  Nothing changes on an
            error.
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
        new_epochs = self._epochs if epochs is None else _check_epochs(epochs)
        epochs_changed = new_epochs != self._epochs

        def store() -> None:
            self._graph, self._dataset = graph, dataset
            self._optimizer_name, self._optimizer = name, new_optimizer
            self._start_weights = start
            self._shown_sample = 0
            self._epochs = new_epochs

        def notify() -> None:
            self.graph_changed.emit(graph)
            self.dataset_changed.emit(dataset)
            self.optimizer_changed.emit(name, dict(new_optimizer.values))
            if epochs_changed:
                self.epochs_changed.emit(new_epochs)

        self._change(store, notify)

    def set_dataset(self, dataset: Dataset) -> None:
        """Train on other data from fresh initial weights.

        Raises
        ------
        core.data.datasets.DataError
            If the data has fewer feature columns than the graph uses.
        """
        dataset.require_features(self._graph.n_inputs)

        def store() -> None:
            self._dataset, self._shown_sample = dataset, 0

        self._change(store, lambda: self.dataset_changed.emit(dataset))

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

        def store() -> None:
            self._optimizer_name, self._optimizer = name, optimizer

        self._change(store, lambda: self.optimizer_changed.emit(name, dict(optimizer.values)),
                     f"{optimizer.title}: training starts over from the initial weights")

    def set_hyperparameter(self, name: str, value: float) -> None:
        """Change one hyperparameter; training starts over from the initial weights (so
        the loss curve belongs to one setting).

        Raises
        ------
        core.training.optimizers.HyperparameterError
            If the value is not allowed; nothing changes then.
        """
        number = type(self._optimizer).hyperparameter(name).validate(value)
        if self._optimizer.values.get(name) == number:
            return
        optimizer = self._optimizer.with_values(**{name: number})

        def store() -> None:
            self._optimizer = optimizer

        self._change(store, lambda: self.optimizer_changed.emit(self._optimizer_name,
                                                                dict(optimizer.values)),
                     f"{name} = {number:g}: training starts over from the initial weights")

    def set_seed(self, seed: int) -> None:
        """Draw new initial weights from ``seed`` and start over.

        Raises
        ------
        ValueError
            For a negative seed.
        """
        seed = _check_seed(seed)
        if seed == self._seed:
            return

        def store() -> None:
            self._seed = seed
            self._start_weights = None  # a new seed means new random initial weights

        self._change(store, lambda: self.seed_changed.emit(seed))

    def set_epochs(self, epochs: int) -> None:
        """Plan ``epochs`` epochs and start over.

        Raises
        ------
        ValueError
            Outside 1..MAX_EPOCHS.
        """
        epochs = _check_epochs(epochs)
        if epochs != self._epochs:
            self._change(lambda: setattr(self, "_epochs", epochs),
                         lambda: self.epochs_changed.emit(epochs))

    def _change(self, store: Callable[[], object], notify: Callable[[], object],
                message: str | None = None) -> None:
        """The one path of every setting, after validation: store, notify, start over."""
        store()
        notify()
        self._restart()
        if message:
            self.status_reported.emit(message)

    # -- what the graph shows -----------------------------------------------------------

    def show_sample(self, index: int) -> None:
        """Show sample ``index`` in the graph (at the current weights); stops following.

        Raises
        ------
        IndexError
            Outside the data.
        """
        n = len(self._dataset)
        if not 0 <= index < n:
            raise IndexError(f"sample {index} is out of range (0..{n - 1})")
        self.set_follow_training(False)
        if index != self._shown_sample:
            self._shown_sample = index
            self.sample_shown.emit(index)
        self._snapshot = None
        self._frames.request()
        self._readouts.request()

    def set_follow_training(self, follow: bool) -> None:
        """When following, the graph shows the sample that will be trained next."""
        if follow == self._follow:
            return
        self._follow = follow
        self.follow_changed.emit(follow)
        if follow:
            self._sync_shown_sample()
            self._snapshot = None
            self._frames.request()
            self._readouts.request()

    # -- training -------------------------------------------------------------------

    def can_train(self, *, explain: bool = True) -> bool:
        """Whether a step is possible; if not (diverged, finished) and ``explain``, the
        status bar says what to do."""
        if self._trainer.diverged is not None:
            if explain:
                self.status_reported.emit("Training diverged: press Reset (R) or lower the "
                                          "learning rate")
            return False
        if self._trainer.finished:
            if explain:
                self.status_reported.emit(f"All {count(self._epochs, 'epoch')} trained: "
                                          "press Reset (R) to start again")
            return False
        return True

    def step_sample(self) -> StepResult | None:
        """Train one sample and redraw; ``None`` if training cannot go on."""
        if not self.can_train():
            return None
        result = self._trainer.step_sample()
        self._after_steps(result, epochs_before=None)
        self.publish()
        return result

    def step_epoch(self) -> StepResult | None:
        """Train to the end of the current epoch and redraw; ``None`` if training cannot
        go on."""
        if not self.can_train():
            return None
        epochs_before = self._trainer.history.n_epochs
        result = self._trainer.step_epoch()
        self._after_steps(result, epochs_before=epochs_before)
        self.publish()
        return result

    def run_steps(self, n: int) -> StepResult | None:
        """Train ``n`` samples at once, drawing only the end (scripts, screenshots)."""
        if n <= 0 or not self.can_train():
            return None
        epochs_before = self._trainer.history.n_epochs
        result = self._trainer.run(int(n))
        if result is not None:
            self._after_steps(result, epochs_before=epochs_before)
        self.publish()
        return result

    def run_for(self, seconds: float, max_steps: int | None = None) -> StepResult | None:
        """One time-budgeted batch (see ``Trainer.run_for``); views are told at a bounded
        rate, and at once when training stops (finished or diverged)."""
        if not self.can_train(explain=False):
            return None
        epochs_before = self._trainer.history.n_epochs
        result = self._trainer.run_for(seconds, max_steps=max_steps)
        if result is None:
            return None
        self._after_steps(result, epochs_before=epochs_before)
        if result.finished:
            self.publish()
        else:
            self.publish_throttled()
        return result

    def reset(self) -> None:
        """Back to the initial weights (same seed), history cleared."""
        self._restart()
        self.status_reported.emit("Reset to the initial weights")

    def report(self, message: str) -> None:
        """Show ``message`` in the status bar (for widgets driving the session)."""
        self.status_reported.emit(message)

    # -- drawing -----------------------------------------------------------------------

    def publish(self) -> None:
        """Views redraw now from a fresh snapshot."""
        self._snapshot = None
        self._frames.fire()
        self._readouts.fire()

    def publish_throttled(self) -> None:
        """Views redraw as soon as their rate limit allows, from the newest snapshot."""
        self._snapshot = None
        self._frames.request()
        self._readouts.request()

    def seconds_to_next_frame(self) -> float:
        """Seconds until the graph may redraw again (0.0 if now)."""
        return self._frames.seconds_to_next()

    def shutdown(self) -> None:
        """Stop the redraw timers (the window is closing)."""
        self._frames.cancel()
        self._readouts.cancel()

    # -- internals --------------------------------------------------------------------

    def _new_trainer(self) -> Trainer:
        return Trainer(self._graph, self._dataset, self._optimizer, epochs=self._epochs,
                       seed=self._seed, initial_weights=self._start_weights,
                       history_limit=HISTORY_LIMIT)

    def _restart(self) -> None:
        self._trainer = self._new_trainer()
        self._last = None
        self._run += 1
        self._sync_shown_sample()
        self.training_restarted.emit()
        self.publish()

    def _after_steps(self, result: StepResult, epochs_before: int | None) -> None:
        self._last = result
        history = self._trainer.history
        if epochs_before is None:
            epochs_before = history.n_epochs - (1 if result.epoch_loss is not None else 0)
        losses = history.epoch_loss()
        for epoch in range(epochs_before, history.n_epochs):
            self.epoch_finished.emit(epoch + 1, float(losses[epoch]))
        self._sync_shown_sample()
        self._snapshot = None
        self.step_finished.emit(result)
        if result.diverged is not None:
            self.diverged.emit(result.diverged)
            self.status_reported.emit(describe_divergence(result.diverged, advice=WINDOW))
        elif result.finished:
            self.training_finished.emit()
            self.status_reported.emit(f"Finished: {count(self._epochs, 'epoch')}, "
                                      f"{count(self._trainer.cursor.step, 'step')}")

    def _sync_shown_sample(self) -> None:
        if not self._follow:
            return
        sample = min(max(int(self._trainer.cursor.sample), 0), len(self._dataset) - 1)
        if sample != self._shown_sample:
            self._shown_sample = sample
            self.sample_shown.emit(sample)

    def _publish_frame(self) -> None:
        self.snapshot_updated.emit(self.snapshot())

    def _publish_readouts(self) -> None:
        self.readouts_updated.emit(self.snapshot())

    def _shown_trace(self) -> Trace:
        """The pass the graph shows: the shown sample at the current weights, or after a
        divergence the pass that went non-finite."""
        divergence = self._trainer.diverged
        if divergence is not None and divergence.trace is not None:
            return divergence.trace
        return self._trainer.trace(self._shown_sample)

    def _take_snapshot(self) -> Snapshot:
        trainer = self._trainer
        cursor = trainer.cursor
        last = self._last
        weights = trainer.weights
        if last is not None:
            update = np.asarray(last.weights) - np.asarray(last.weights_before)
            last_loss: float | None = float(last.loss)
            state: Mapping[str, np.ndarray] = last.optimizer_state
        else:
            update = np.zeros_like(weights)
            last_loss = None
            state = {name: np.array(values, dtype=float)
                     for name, values in trainer.optimizer.state().items()}
        history = HistorySnapshot.of(trainer.history)
        epoch_losses = history.epoch_loss
        return Snapshot(
            run=self._run, graph=self._graph, dataset=self._dataset,
            optimizer=self._optimizer_name, hyperparameters=dict(self._optimizer.values),
            seed=self._seed, trace=self._shown_trace(), sample=self._shown_sample,
            epoch=int(cursor.epoch), epochs=self._epochs, position=int(cursor.position),
            step=int(cursor.step), weights=weights, last_update=update,
            optimizer_state=state, last_loss=last_loss,
            epoch_loss=float(epoch_losses[-1]) if len(epoch_losses) else None,
            finished=bool(trainer.finished), divergence=trainer.diverged, history=history,
        )


def _check_seed(seed: int) -> int:
    seed = int(seed)
    if seed < 0:
        raise ValueError(f"the seed must be >= 0, got {seed}")
    return seed


def _check_epochs(epochs: int) -> int:
    epochs = int(epochs)
    if not 1 <= epochs <= MAX_EPOCHS:
        raise ValueError(f"epochs must be 1..{MAX_EPOCHS}, got {epochs}")
    return epochs
