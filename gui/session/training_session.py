"""The training session: the trainer, its settings, and the snapshots the views draw.

One :class:`TrainingSession` per window: the one object widgets talk to.  It composes
parts with one job each, over one shared :class:`~gui.session.course.Course` (the run's
config, graph, data, mid-run changes and the trainer of each stretch):

- :class:`~gui.session.configuration.Configuration` — the settings: validated by the
  config, stored, announced (each changed part with its own signal), training starts
  over; a change of optimizer or hyperparameters mid-run changes the course instead;
- :class:`~gui.session.time_travel.TimeTravel` — showing a past step exactly as it was,
  forks from there, and going back to the original run;
- :class:`~gui.session.snapshot_publisher.SnapshotPublisher` — immutable
  :class:`~gui.snapshot.Snapshot` objects for the views, at a bounded rate;
- :mod:`gui.session.status_words` — every line the status bar says about training.

The session itself trains when asked (one sample, one epoch, N steps, or a time-budgeted
batch for :mod:`gui.session.play_loop`), keeps which sample the graph shows, and forwards
the parts' signals as its own.  It keeps no copy of the trainer's state: the position,
weights, history and traces are read from the trainer when a snapshot is taken.
Widgets call the session's setters and listen to its signals; they never talk to each
other.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from PySide6.QtCore import QObject, Signal

from core.autodiff.graph import Graph
from core.data.datasets import Dataset
from core.training.config import DataSource, TrainingConfig
from core.training.divergence import WINDOW, describe_divergence
from core.training.optimizers import Optimizer
from core.training.session_file import Change, OpenedSession
from core.training.trainer import Divergence, PastState, StepResult, Trainer
from gui.session import status_words
from gui.session.configuration import Configuration, SessionHooks, data_source, graph_spec
from gui.session.course import HISTORY_LIMIT, Course
from gui.session.holdout_settings import holdout_status
from gui.session.snapshot_publisher import (
    MAX_FRAMES_PER_SECOND,
    MAX_READOUTS_PER_SECOND,
    Shown,
    SnapshotPublisher,
    take_snapshot,
)
from gui.session.status_words import describe_change
from gui.session.time_travel import TimeTravel
from gui.snapshot import Snapshot

__all__ = ["HISTORY_LIMIT", "MAX_FRAMES_PER_SECOND", "MAX_READOUTS_PER_SECOND",
           "TrainingSession", "data_source", "describe_change", "graph_spec"]


class TrainingSession(QObject):
    """The trainer and its settings, for the window.

    Parameters
    ----------
    config
        The run (default: ``TrainingConfig()``, the seed model on the built-in data).
    graph, dataset
        The config's graph and data when they are already built or loaded (default:
        built and loaded from the config).

    Raises
    ------
    core.data.datasets.DataError
        For data that cannot be loaded or does not fit the graph.

    Notes
    -----
    Public API, for widgets and for features built on the session:

    - reading: :attr:`config`, :attr:`graph`, :attr:`dataset`, :attr:`optimizer`,
      :attr:`optimizer_name`,
      :attr:`hyperparameters`, :attr:`seed`, :attr:`epochs`, :attr:`trainer` (read it, do
      not step it: the session's methods keep views in step), :attr:`shown_sample`,
      :attr:`follow_training`, :meth:`snapshot`;
    - settings (validated by the config, stored, announced, start over):
      :meth:`set_config` (the one path), :meth:`set_graph`,
      :meth:`set_dataset`, :meth:`set_model` (several at once, for presets),
      :meth:`set_optimizer`, :meth:`set_hyperparameter`, :meth:`set_seed`,
      :meth:`set_epochs`, :meth:`set_schedule`, :meth:`adopt`;
    - time travel and forks: :meth:`rebuild`, :meth:`view_step`, :meth:`back_to_present`,
      :meth:`resume_from`, :meth:`fork_with_weights`, :meth:`discard_fork`;
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
    #: Training changed course mid-run and continues from the current weights.
    #: Arguments: the step, what changed ("lr 0.01 → 0.1").
    course_changed = Signal(int, str)
    #: Shuffling or clipping changed.  Arguments: shuffle, clip_value, clip_norm (None: off).
    schedule_changed = Signal(bool, object, object)
    #: The graph shows a past step (argument: the step) or the present again (-1).
    time_travelled = Signal(int)

    def __init__(self, config: TrainingConfig | None = None, graph: Graph | None = None,
                 dataset: Dataset | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        config = TrainingConfig() if config is None else config
        graph = config.build_graph()[0] if graph is None else graph
        dataset = config.load_data() if dataset is None else dataset
        dataset.require_features(graph.n_inputs)
        self._course = Course(config, graph, dataset)
        self._follow = True
        self._shown_sample = 0
        self._run = 0
        self._course.start()
        self._publisher = SnapshotPublisher(self._take_snapshot, self)
        self._travel = TimeTravel(self._course, self._publisher, self._sync_shown_sample, self)
        hooks = SessionHooks(data_replaced=self._data_replaced, started_over=self._started_over,
                             to_present=self._travel.to_present, publish=self.publish)
        self._settings = Configuration(self._course, hooks, self)
        self._forward_signals()

    def _forward_signals(self) -> None:
        """The parts' signals are the session's own (widgets listen to the session)."""
        settings, travel, publisher = self._settings, self._travel, self._publisher
        for source, target in (
                (settings.graph_changed, self.graph_changed),
                (settings.dataset_changed, self.dataset_changed),
                (settings.optimizer_changed, self.optimizer_changed),
                (settings.seed_changed, self.seed_changed),
                (settings.epochs_changed, self.epochs_changed),
                (settings.course_changed, self.course_changed),
                (settings.schedule_changed, self.schedule_changed),
                (settings.status_reported, self.status_reported),
                (travel.time_travelled, self.time_travelled),
                (travel.optimizer_changed, self.optimizer_changed),
                (travel.status_reported, self.status_reported),
                (publisher.snapshot_updated, self.snapshot_updated),
                (publisher.readouts_updated, self.readouts_updated)):
            source.connect(target.emit)

    # -- reading --------------------------------------------------------------------

    @property
    def config(self) -> TrainingConfig:
        """The run as configured now (immutable; change it with the setters)."""
        return self._course.config

    @property
    def base_config(self) -> TrainingConfig:
        """The run's configuration at step 0: ``config`` before any mid-run change."""
        return self._course.base_config

    @property
    def changes(self) -> tuple[Change, ...]:
        """This run's mid-run changes of optimizer or hyperparameters, oldest first."""
        return self._course.changes

    @property
    def shuffle(self) -> bool:
        return self.config.shuffle

    @property
    def clip_value(self) -> float | None:
        return self.config.clip_value

    @property
    def clip_norm(self) -> float | None:
        return self.config.clip_norm

    @property
    def graph(self) -> Graph:
        return self._course.graph

    @property
    def dataset(self) -> Dataset:
        return self._course.dataset

    @property
    def trainer(self) -> Trainer:
        """The live trainer (read it; train through the session's methods)."""
        return self._course.trainer

    @property
    def optimizer(self) -> Optimizer:
        """The trainer's optimizer (live: read it, do not update it)."""
        return self.trainer.optimizer

    @property
    def optimizer_name(self) -> str:
        return self.config.optimizer

    @property
    def hyperparameters(self) -> dict[str, float]:
        return dict(self.config.hyperparameters)

    @property
    def seed(self) -> int:
        return self.config.seed

    @property
    def epochs(self) -> int:
        return self.config.epochs

    @property
    def follow_training(self) -> bool:
        return self._follow

    @property
    def shown_sample(self) -> int:
        return self._shown_sample

    @property
    def divergence(self) -> Divergence | None:
        return self.trainer.diverged

    def snapshot(self) -> Snapshot:
        """The newest snapshot (taken now if the state changed since the last one)."""
        return self._publisher.snapshot()

    # -- settings (Configuration: validated by the config, stored, announced) ----------

    def set_config(self, config: TrainingConfig, *, graph: Graph | None = None,
                   dataset: Dataset | None = None, message: str | None = None) -> None:
        """Train as ``config`` says, starting over.  Every setter ends here.

        Parameters
        ----------
        config
            The new run (a :class:`~core.training.config.TrainingConfig` is valid by
            construction: every rule about its values lives there).
        graph, dataset
            Already built ones, to reuse (default: the current ones when the config's
            graph or data did not change, else built or loaded from it; the data that
            comes with a graph is loaded again when the graph changes).
        message
            Shown in the status bar afterwards.

        Raises
        ------
        core.data.datasets.DataError
            If the data cannot be loaded, has fewer feature columns than the graph
            uses, or too few rows for the held-out fraction; nothing changes then.

        Notes
        -----
        Each changed part is announced with its own signal (``graph_changed``,
        ``dataset_changed``, ``optimizer_changed``, ``seed_changed``, ``epochs_changed``),
        then ``training_restarted``.  A config equal to the current one changes nothing.
        """
        self._settings.set_config(config, graph=graph, dataset=dataset, message=message)

    def set_graph(self, graph: Graph) -> None:
        """Train another graph (same data) from fresh initial weights.

        Raises
        ------
        core.data.datasets.DataError
            If the data has fewer feature columns than the graph uses.
        core.training.config.ConfigError
            If the graph cannot be described (a formula the config refuses).
        """
        self._settings.set_graph(graph)

    def set_dataset(self, dataset: Dataset, source: DataSource | None = None) -> None:
        """Train on other data from fresh initial weights.

        Parameters
        ----------
        dataset
            The loaded data.
        source
            Where it came from (a file with its sha256, see ``DataSource.file``); by
            default the dataset's own ``source``, without a hash.

        Raises
        ------
        core.data.datasets.DataError
            If the data has fewer feature columns than the graph uses.
        """
        self._settings.set_dataset(dataset, source)

    def set_model(self, graph: Graph, dataset: Dataset, *,
                  initial_weights: np.ndarray | None = None, optimizer: str | None = None,
                  hyperparameters: Mapping[str, float] | None = None,
                  epochs: int | None = None, loss: str | None = None,
                  delta: float | None = None) -> None:
        """Train another graph on other data (a preset), optionally from given initial
        weights and with another optimizer, number of epochs and loss, in one restart.

        Raises
        ------
        core.data.datasets.DataError
            If the data has fewer feature columns than the graph uses.
        core.training.config.ConfigError
            For an unknown optimizer, a bad value or initial weights of the wrong size.
            Nothing changes on an error.
        """
        self._settings.set_model(graph, dataset, initial_weights=initial_weights,
                                 optimizer=optimizer, hyperparameters=hyperparameters,
                                 epochs=epochs, loss=loss, delta=delta)

    def set_optimizer(self, name: str, values: Mapping[str, float] | None = None) -> None:
        """Train with another optimizer (its defaults, then ``values``).  Mid-run, training
        continues from the current weights on the same sample order (a marker on the loss
        curve says where); before the first step it simply starts with it.  Reset starts
        over.

        Raises
        ------
        core.training.config.ConfigError
            For an unknown name or a bad value; nothing changes then.
        """
        self._settings.set_optimizer(name, values)

    def set_hyperparameter(self, name: str, value: float) -> None:
        """Change one hyperparameter.  Mid-run, training continues from the current weights
        and optimizer state (a marker on the loss curve says where); Reset starts over.

        Raises
        ------
        core.training.config.ConfigError
            If the name or value is not allowed; nothing changes then.
        """
        self._settings.set_hyperparameter(name, value)

    def set_schedule(self, shuffle: bool, clip_value: float | None,
                     clip_norm: float | None) -> None:
        """Shuffle the samples or not, clip gradients or not (``None``: off); training
        starts over when any of them changes.

        Raises
        ------
        core.training.config.ConfigError
            For a clipping bound that is not allowed; nothing changes then.
        """
        self._settings.set_schedule(shuffle, clip_value, clip_norm)

    def set_seed(self, seed: int) -> None:
        """Draw new initial weights from ``seed`` and start over (also after a preset
        that brought its own initial weights).

        Raises
        ------
        core.training.config.ConfigError
            Outside the seed's range.
        """
        self._settings.set_seed(seed)

    def set_epochs(self, epochs: int) -> None:
        """Plan ``epochs`` epochs and start over.

        Raises
        ------
        core.training.config.ConfigError
            Outside the epochs' range.
        """
        self._settings.set_epochs(epochs)

    def adopt(self, opened: OpenedSession) -> None:
        """Continue a run opened from a session file: its graph, data, trainer (at the
        saved step, its past replayed) and mid-run changes; every view is told."""
        self._settings.adopt(opened)

    def reset(self) -> None:
        """Back to the initial weights (same seed), history cleared; the formula is
        resolved against the data again."""
        self._settings.reset()

    # -- time travel and forks (TimeTravel) ---------------------------------------------

    @property
    def viewing(self) -> PastState | None:
        """The past step the graph shows (None: the present)."""
        return self._travel.viewing

    @property
    def forked_at(self) -> int | None:
        """The step the running fork branched off at (None: no fork)."""
        return self._travel.forked_at

    def rebuild(self, step: int) -> PastState:
        """The state after ``step`` steps of this run, exactly: weights, optimizer state and
        the trace of the sample the next step trains (replayed from the nearest checkpoint
        by the stretch of the run that trained it).

        Raises
        ------
        core.training.checkpoint.CheckpointError
            If ``step`` is not in the run.
        """
        return self._course.rebuild(step)

    def view_step(self, step: int) -> PastState:
        """Show the graph exactly as it was after ``step`` steps (training pauses there
        until :meth:`back_to_present` or a training command).

        Raises
        ------
        core.training.checkpoint.CheckpointError
            If ``step`` is not in the run.
        """
        return self._travel.view_step(step)

    def back_to_present(self) -> None:
        """Show the present again."""
        self._travel.back_to_present()

    def resume_from(self, step: int, optimizer: str | None = None,
                    hyperparameters: Mapping[str, float] | None = None) -> None:
        """Fork the run after ``step`` steps: training continues from that state on the
        same sample order, optionally with another optimizer or hyperparameters.  The
        original run stays visible (and can be returned to with :meth:`discard_fork`).

        Raises
        ------
        core.training.config.ConfigError
            For an unknown optimizer or a bad value.
        core.training.checkpoint.CheckpointError
            If ``step`` is not in the run.  Nothing changes on an error.
        """
        self._travel.resume_from(step, optimizer, hyperparameters)

    def fork_with_weights(self, values: Mapping[str, float]) -> None:
        """Fork the run at the step shown (as :meth:`resume_from` does, the original run
        kept) with some weights moved: ``values`` maps weight ids to their new values.
        The fork's own past starts there (no step of it led to these weights).

        Raises
        ------
        KeyError
            For a name that is not a weight of the graph; nothing changes then.
        """
        self._travel.fork_with_weights(values)

    def discard_fork(self) -> None:
        """Drop the fork and continue the original run where it was."""
        self._travel.discard_fork()

    # -- what the graph shows -----------------------------------------------------------

    def show_sample(self, index: int) -> None:
        """Show sample ``index`` in the graph (at the current weights); stops following.

        Raises
        ------
        IndexError
            Outside the data.
        """
        n = len(self.dataset)
        if not 0 <= index < n:
            raise IndexError(f"sample {index} is out of range (0..{n - 1})")
        self.set_follow_training(False)
        if index != self._shown_sample:
            self._shown_sample = index
            self.sample_shown.emit(index)
        self._publisher.publish_throttled()

    def set_follow_training(self, follow: bool) -> None:
        """When following, the graph shows the sample that will be trained next."""
        if follow == self._follow:
            return
        self._follow = follow
        self.follow_changed.emit(follow)
        if follow:
            self._sync_shown_sample()
            self._publisher.publish_throttled()

    # -- training -------------------------------------------------------------------

    def can_train(self, *, explain: bool = True) -> bool:
        """Whether a step is possible; if not (diverged, finished) and ``explain``, the
        status bar says what to do."""
        trainer = self.trainer
        if trainer.diverged is not None:
            why = status_words.DIVERGED
        elif trainer.finished and trainer.stopped_early is not None:
            why = holdout_status(trainer.stopped_early)
        elif trainer.finished:
            why = status_words.all_trained(self.epochs)
        else:
            return True
        if explain:
            self.status_reported.emit(why)
        return False

    def step_sample(self) -> StepResult | None:
        """Train one sample and redraw; ``None`` if training cannot go on."""
        self._travel.to_present()
        if not self.can_train():
            return None
        result = self.trainer.step_sample()
        self._after_steps(result, epochs_before=None)
        self.publish()
        return result

    def step_epoch(self) -> StepResult | None:
        """Train to the end of the current epoch and redraw; ``None`` if training cannot
        go on."""
        self._travel.to_present()
        if not self.can_train():
            return None
        epochs_before = self.trainer.history.n_epochs
        result = self.trainer.step_epoch()
        self._after_steps(result, epochs_before=epochs_before)
        self.publish()
        return result

    def run_steps(self, n: int) -> StepResult | None:
        """Train ``n`` samples at once, drawing only the end (scripts, screenshots)."""
        self._travel.to_present()
        if n <= 0 or not self.can_train():
            return None
        epochs_before = self.trainer.history.n_epochs
        result = self.trainer.run(int(n))
        if result is not None:
            self._after_steps(result, epochs_before=epochs_before)
        self.publish()
        return result

    def run_for(self, seconds: float, max_steps: int | None = None) -> StepResult | None:
        """One time-budgeted batch (see ``Trainer.run_for``); views are told at a bounded
        rate, and at once when training stops (finished or diverged)."""
        self._travel.to_present()
        if not self.can_train(explain=False):
            return None
        epochs_before = self.trainer.history.n_epochs
        result = self.trainer.run_for(seconds, max_steps=max_steps)
        if result is None:
            return None
        self._after_steps(result, epochs_before=epochs_before)
        if result.finished:
            self.publish()
        else:
            self.publish_throttled()
        return result

    def report(self, message: str) -> None:
        """Show ``message`` in the status bar (for widgets driving the session)."""
        self.status_reported.emit(message)

    # -- drawing (SnapshotPublisher) ----------------------------------------------------

    def publish(self) -> None:
        """Views redraw now from a fresh snapshot."""
        self._publisher.publish()

    def publish_throttled(self) -> None:
        """Views redraw as soon as their rate limit allows, from the newest snapshot."""
        self._publisher.publish_throttled()

    def seconds_to_next_frame(self) -> float:
        """Seconds until the graph may redraw again (0.0 if now)."""
        return self._publisher.seconds_to_next_frame()

    def shutdown(self) -> None:
        """Stop the redraw timers (the window is closing)."""
        self._publisher.shutdown()

    # -- internals --------------------------------------------------------------------

    def _data_replaced(self) -> None:
        self._shown_sample = 0

    def _started_over(self) -> None:
        """The course has a new trainer at step 0 (a setting changed, Reset, a session
        opened): nothing of the old run is shown."""
        self._travel.forget()
        self._run += 1
        self._sync_shown_sample()
        self.training_restarted.emit()
        self.publish()

    def _after_steps(self, result: StepResult, epochs_before: int | None) -> None:
        self._course.last = result
        trainer = self.trainer
        history = trainer.history
        if epochs_before is None:
            epochs_before = history.n_epochs - (1 if result.epoch_loss is not None else 0)
        losses = history.epoch_loss()
        for epoch in range(epochs_before, history.n_epochs):
            self.epoch_finished.emit(epoch + 1, float(losses[epoch]))
        self._sync_shown_sample()
        self._publisher.invalidate()
        self.step_finished.emit(result)
        if result.diverged is not None:
            self.diverged.emit(result.diverged)
            self.status_reported.emit(describe_divergence(result.diverged, advice=WINDOW))
        elif result.finished and trainer.stopped_early is not None:
            self.training_finished.emit()
            self.status_reported.emit(holdout_status(trainer.stopped_early))
        elif result.finished:
            self.training_finished.emit()
            self.status_reported.emit(status_words.finished(self.epochs,
                                                            trainer.cursor.step))

    def _sync_shown_sample(self) -> None:
        if not self._follow:
            return
        sample = min(max(int(self.trainer.cursor.sample), 0), len(self.dataset) - 1)
        if sample != self._shown_sample:
            self._shown_sample = sample
            self.sample_shown.emit(sample)

    def _take_snapshot(self) -> Snapshot:
        travel = self._travel
        return take_snapshot(self._course, Shown(
            run=self._run, sample=self._shown_sample, viewing=travel.viewing,
            original=travel.original, forked_at=travel.forked_at))
