"""The training session: the trainer, its settings, and the snapshots the views draw.

One :class:`TrainingSession` per window.  It owns the
:class:`~core.training.trainer.Trainer` and the
:class:`~core.training.config.TrainingConfig` it was built from (graph, data, optimizer
and hyperparameters, seed, epochs, initial weights), trains when asked (one sample, one
epoch, N steps, or a time-budgeted batch for :mod:`gui.session.play_loop`), and
publishes immutable :class:`~gui.snapshot.Snapshot` objects.  It keeps no copy of the
trainer's state: the position, weights, history and traces are read from the trainer
(``Trainer.trace`` for the pass the graph shows) when a snapshot is taken.

Setters validate, store, then notify, all through one path
(:meth:`TrainingSession.set_config`): each setter asks the config for a changed copy, and
the config is where every rule lives, so a bad value raises
:class:`~core.training.config.ConfigError` before anything changes; a good one is stored,
each changed part is announced with its own signal, and training starts over from the
initial weights so every curve belongs to one setting.  Widgets call the setters and
listen to the signals; they never talk to each other.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
from PySide6.QtCore import QObject, Signal

from core.autodiff.engine import Trace
from core.autodiff.graph import Graph
from core.autodiff.losses import with_loss
from core.data.datasets import Dataset
from core.training.config import DataSource, TrainingConfig
from core.training.divergence import WINDOW, describe_divergence
from core.training.initial_weights import initial_weights
from core.training.loss_options import refuse_targets
from core.training.optimizers import Optimizer
from core.training.resolution import fits, resolve_for_data, same_model
from core.training.session_file import Change, OpenedSession
from core.training.trainer import Divergence, PastState, StepResult, Trainer
from gui.formatting import count
from gui.session.holdout_settings import check_holdout, holdout_status
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
        self._config = TrainingConfig() if config is None else config
        self._graph = self._config.build_graph()[0] if graph is None else graph
        self._dataset = self._config.load_data() if dataset is None else dataset
        self._dataset.require_features(self._graph.n_inputs)
        #: The run's configuration at step 0 (``config`` is the one training uses now).
        self._base_config = self._config
        #: Mid-run changes of this run: (change, what changed), oldest first.
        self._changes: list[tuple[Change, str]] = []
        #: The trainers of the run's stretches, oldest first (one more per change): a
        #: past step is rebuilt by the stretch that trained it.
        self._stretches: list[Trainer] = []
        #: The past step the graph shows instead of the present, or None.
        self._viewing: PastState | None = None
        #: While a fork runs: the run it branched off (to show and to go back to).
        self._original: _Original | None = None
        self._follow = True
        self._shown_sample = 0
        self._last: StepResult | None = None
        self._run = 0
        self._snapshot: Snapshot | None = None
        self._trainer = self._new_trainer()
        self._stretches = [self._trainer]
        self._frames = RateLimiter(MAX_FRAMES_PER_SECOND, self._publish_frame, self)
        self._readouts = RateLimiter(MAX_READOUTS_PER_SECOND, self._publish_readouts, self)

    # -- reading --------------------------------------------------------------------

    @property
    def config(self) -> TrainingConfig:
        """The run as configured now (immutable; change it with the setters)."""
        return self._config

    @property
    def base_config(self) -> TrainingConfig:
        """The run's configuration at step 0: ``config`` before any mid-run change."""
        return self._base_config

    @property
    def changes(self) -> tuple[Change, ...]:
        """This run's mid-run changes of optimizer or hyperparameters, oldest first."""
        return tuple(change for change, _ in self._changes)

    @property
    def shuffle(self) -> bool:
        return self._config.shuffle

    @property
    def clip_value(self) -> float | None:
        return self._config.clip_value

    @property
    def clip_norm(self) -> float | None:
        return self._config.clip_norm

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
        """The trainer's optimizer (live: read it, do not update it)."""
        return self._trainer.optimizer

    @property
    def optimizer_name(self) -> str:
        return self._config.optimizer

    @property
    def hyperparameters(self) -> dict[str, float]:
        return dict(self._config.hyperparameters)

    @property
    def seed(self) -> int:
        return self._config.seed

    @property
    def epochs(self) -> int:
        return self._config.epochs

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

    # -- settings (validated by the config, stored, announced) ------------------------

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
        old = self._config
        graph_changed = (graph is not None and graph is not self._graph) \
            or config.graph != old.graph
        if dataset is None:
            # The graph's own data comes with the graph: another graph, maybe other data.
            reload = config.data != old.data or (graph_changed and config.data.builtin)
            dataset = config.load_data() if reload else self._dataset
        data_changed = dataset is not self._dataset
        if graph is None and not graph_changed:
            graph = self._graph
        if graph is None or not fits(graph, dataset):
            # A formula's names mean what the current data's columns say: resolved (again,
            # when they say something else now).
            graph = resolve_for_data(config.graph, dataset)
        graph = with_loss(graph, config.loss, config.delta)
        graph_changed = graph is not self._graph and not same_model(graph, self._graph)
        if config == old and not graph_changed and not data_changed:
            return
        dataset.require_features(graph.n_inputs)
        refuse_targets(config.loss, dataset)
        check_holdout(config, len(dataset))
        self._config, self._graph, self._dataset = config, graph, dataset
        if data_changed:
            self._shown_sample = 0
        if graph_changed:
            self.graph_changed.emit(graph)
        if data_changed:
            self.dataset_changed.emit(dataset)
        if graph_changed or (config.optimizer, config.hyperparameters) != \
                (old.optimizer, old.hyperparameters):
            self.optimizer_changed.emit(config.optimizer, dict(config.hyperparameters))
        if config.seed != old.seed:
            self.seed_changed.emit(config.seed)
        if config.epochs != old.epochs:
            self.epochs_changed.emit(config.epochs)
        self._restart()
        if message:
            self.status_reported.emit(message)

    def set_graph(self, graph: Graph) -> None:
        """Train another graph (same data) from fresh initial weights.

        Raises
        ------
        core.data.datasets.DataError
            If the data has fewer feature columns than the graph uses.
        core.training.config.ConfigError
            If the graph cannot be described (a formula the config refuses).
        """
        self.set_config(self._config.replace(graph=graph_spec(graph), initial_weights=None),
                        graph=graph, dataset=self._dataset)

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
        if source is None:
            source = data_source(dataset)
        # Other data may make other weights of the same formula: fresh initial weights.
        self.set_config(self._config.replace(data=source, initial_weights=None),
                        dataset=dataset)

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
        changes: dict[str, object] = {
            "graph": graph_spec(graph), "data": data_source(dataset),
            "initial_weights": None if initial_weights is None
            else tuple(np.asarray(initial_weights, dtype=float).ravel().tolist())}
        if optimizer is not None:
            changes["optimizer"] = optimizer
        if epochs is not None:
            changes["epochs"] = epochs
        if loss is not None:
            changes.update(loss=loss, delta=1.0 if delta is None else delta)
        config = self._config.replace(**changes)
        if hyperparameters:
            config = config.with_hyperparameters(**hyperparameters)
        self.set_config(config, graph=graph, dataset=dataset)

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
        config = self._config.replace(optimizer=name, hyperparameters=dict(values or {}))
        self._change_course(config, describe_change(self._config, config))

    def set_hyperparameter(self, name: str, value: float) -> None:
        """Change one hyperparameter.  Mid-run, training continues from the current weights
        and optimizer state (a marker on the loss curve says where); Reset starts over.

        Raises
        ------
        core.training.config.ConfigError
            If the name or value is not allowed; nothing changes then.
        """
        config = self._config.with_hyperparameters(**{name: value})
        if config != self._config:
            self._change_course(config, describe_change(self._config, config))

    def adopt(self, opened: OpenedSession) -> None:
        """Continue a run opened from a session file: its graph, data, trainer (at the
        saved step, its past replayed) and mid-run changes; every view is told."""
        config = opened.config
        for change in opened.changes:
            config = config.replace(optimizer=change.optimizer,
                                    hyperparameters=dict(change.hyperparameters))
        self._config, self._graph, self._dataset = config, opened.graph, opened.dataset
        self._shown_sample = 0
        self.graph_changed.emit(opened.graph)
        self.dataset_changed.emit(opened.dataset)
        self.optimizer_changed.emit(config.optimizer, dict(config.hyperparameters))
        self.seed_changed.emit(config.seed)
        self.epochs_changed.emit(config.epochs)
        self.schedule_changed.emit(config.shuffle, config.clip_value, config.clip_norm)
        self._trainer = opened.trainer
        self._stretches = list(opened.stretches)
        self._viewing = None
        self._original = None
        self._base_config = opened.config
        previous = opened.config
        self._changes = []
        for change in opened.changes:
            current = previous.replace(optimizer=change.optimizer,
                                       hyperparameters=dict(change.hyperparameters))
            self._changes.append((change, describe_change(previous, current)))
            previous = current
        self._last = None
        self._run += 1
        self._sync_shown_sample()
        self.training_restarted.emit()
        self.publish()

    # -- time travel and forks -----------------------------------------------------------

    @property
    def viewing(self) -> PastState | None:
        """The past step the graph shows (None: the present)."""
        return self._viewing

    @property
    def forked_at(self) -> int | None:
        """The step the running fork branched off at (None: no fork)."""
        return None if self._original is None else self._original.step

    def rebuild(self, step: int) -> PastState:
        """The state after ``step`` steps of this run, exactly: weights, optimizer state and
        the trace of the sample the next step trains (replayed from the nearest checkpoint
        by the stretch of the run that trained it).

        Raises
        ------
        core.training.checkpoint.CheckpointError
            If ``step`` is not in the run.
        """
        starts = [0, *(change.step for change, _ in self._changes)]
        index = max(i for i, start in enumerate(starts[:len(self._stretches)])
                    if start <= step)
        return self._stretches[index].rebuild(step)

    def view_step(self, step: int) -> PastState:
        """Show the graph exactly as it was after ``step`` steps (training pauses there
        until :meth:`back_to_present` or a training command).

        Raises
        ------
        core.training.checkpoint.CheckpointError
            If ``step`` is not in the run.
        """
        past = self.rebuild(step)
        self._viewing = past
        self._snapshot = None
        self.time_travelled.emit(step)
        self.publish()
        self.status_reported.emit(f"Showing step {step} as it was (sample {past.cursor.sample} "
                                  "next): Resume from here forks the run; Back to now returns")
        return past

    def back_to_present(self) -> None:
        """Show the present again."""
        if self._return_to_present():
            self.publish()

    def _return_to_present(self) -> bool:
        if self._viewing is None:
            return False
        self._viewing = None
        self._snapshot = None
        self.time_travelled.emit(-1)
        return True

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
        config = self._config
        if optimizer is not None and optimizer != config.optimizer:
            config = config.replace(optimizer=optimizer)
        if hyperparameters:
            config = config.with_hyperparameters(**hyperparameters)
        starts = [0, *(change.step for change, _ in self._changes)]
        index = max(i for i, start in enumerate(starts[:len(self._stretches)])
                    if start <= step)
        source = self._stretches[index]
        # The settings in force at ``step``: the stretch's own.
        at_step = self._base_config if index == 0 else self._base_config.replace(
            optimizer=self._changes[index - 1][0].optimizer,
            hyperparameters=dict(self._changes[index - 1][0].hyperparameters))
        if (config.optimizer, dict(config.hyperparameters)) == \
                (at_step.optimizer, dict(at_step.hyperparameters)):
            fork = source.fork(step)
            config = at_step
        else:
            fork = source.fork(step, config.optimizer_class(len(self._graph.weights),
                                                            **config.hyperparameters))
        if self._original is None:
            self._original = _Original(self._trainer, self._config, list(self._changes),
                                       list(self._stretches), self._base_config, step)
        else:
            self._original = dataclasses.replace(self._original, step=step)
        self._changes = [item for item in self._changes[:index] if item[0].step <= step]
        self._stretches = self._stretches[:index + 1]
        if config is not at_step:
            self._changes.append((Change(step, config.optimizer,
                                         MappingProxyType(dict(config.hyperparameters))),
                                  describe_change(at_step, config)))
            self._stretches.append(fork)
        else:
            self._stretches[-1] = fork
        self._trainer, self._config, self._viewing, self._last = fork, config, None, None
        self._sync_shown_sample()  # the sample the fork trains next
        self.optimizer_changed.emit(config.optimizer, dict(config.hyperparameters))
        self.time_travelled.emit(-1)
        self.publish()
        self.status_reported.emit(f"Forked at step {step}: training continues from there "
                                  "(the original run stays drawn in grey; Discard fork "
                                  "returns to it)")

    def fork_with_weights(self, values: Mapping[str, float]) -> None:
        """Fork the run at the step shown (as :meth:`resume_from` does, the original run
        kept) with some weights moved: ``values`` maps weight ids to their new values.
        The fork's own past starts there (no step of it led to these weights).

        Raises
        ------
        KeyError
            For a name that is not a weight of the graph; nothing changes then.
        """
        names = self._graph.weights
        for name in values:
            if name not in names:
                raise KeyError(f"{name} is not a weight of the graph")
        viewing = self._viewing
        step = self._trainer.cursor.step if viewing is None else viewing.checkpoint.step
        self.resume_from(step)
        checkpoint = self._trainer.checkpoint()
        weights = list(checkpoint.weights)
        for name, value in values.items():
            weights[names.index(name)] = float(value)
        self._trainer.restore(dataclasses.replace(checkpoint, weights=tuple(weights)))
        self.publish()
        moved = ", ".join(f"{self._graph[name].name} = {value:.4g}"
                          for name, value in values.items())
        self.status_reported.emit(f"Forked at step {step} with {moved}: training continues "
                                  "from there (the original run stays drawn in grey; "
                                  "Discard fork returns to it)")

    def discard_fork(self) -> None:
        """Drop the fork and continue the original run where it was."""
        original = self._original
        if original is None:
            return
        self._trainer, self._config = original.trainer, original.config
        self._changes, self._stretches = original.changes, original.stretches
        self._base_config = original.base_config
        self._original, self._viewing, self._last = None, None, None
        self._sync_shown_sample()
        self.optimizer_changed.emit(self._config.optimizer, dict(self._config.hyperparameters))
        self.time_travelled.emit(-1)
        self.publish()
        self.status_reported.emit("Fork discarded: back to the original run")

    def _change_course(self, config: TrainingConfig, what: str) -> None:
        """Train as ``config`` says from now on (it differs in optimizer or
        hyperparameters only): a fork of the run at the current step (same weights, same
        sample order; the optimizer's state carries over when it is of the same kind), or
        a fresh start before the first step."""
        step = self._trainer.cursor.step
        if step == 0 and not self._changes:
            self.set_config(config, message=f"{what}: training starts with it from the "
                                            "initial weights")
            return
        optimizer = config.optimizer_class(len(self._graph.weights), **config.hyperparameters)
        self._return_to_present()
        self._trainer = self._trainer.fork(step, optimizer)
        self._stretches.append(self._trainer)
        self._config = config
        self._changes.append((Change(step, config.optimizer,
                                     MappingProxyType(dict(config.hyperparameters))), what))
        self._last = None
        self.optimizer_changed.emit(config.optimizer, dict(config.hyperparameters))
        self.course_changed.emit(step, what)
        self.publish()
        self.status_reported.emit(f"{what} at step {step}: training continues from the "
                                  "current weights (Reset starts over)")

    def set_schedule(self, shuffle: bool, clip_value: float | None,
                     clip_norm: float | None) -> None:
        """Shuffle the samples or not, clip gradients or not (``None``: off); training
        starts over when any of them changes.

        Raises
        ------
        core.training.config.ConfigError
            For a clipping bound that is not allowed; nothing changes then.
        """
        old = self._config
        config = old.replace(shuffle=bool(shuffle), clip_value=clip_value,
                             clip_norm=clip_norm)
        if config == old:
            return
        what = []
        if config.shuffle != old.shuffle:
            what.append("shuffling " + ("on" if config.shuffle else "off"))
        if config.clip_value != old.clip_value:
            what.append("clip value " + ("off" if config.clip_value is None
                                         else f"{config.clip_value:g}"))
        if config.clip_norm != old.clip_norm:
            what.append("clip norm " + ("off" if config.clip_norm is None
                                        else f"{config.clip_norm:g}"))
        self.set_config(config, message=f"{', '.join(what).capitalize()}: training starts "
                                        "over from the initial weights")
        self.schedule_changed.emit(config.shuffle, config.clip_value, config.clip_norm)

    def set_seed(self, seed: int) -> None:
        """Draw new initial weights from ``seed`` and start over (also after a preset
        that brought its own initial weights).

        Raises
        ------
        core.training.config.ConfigError
            Outside the seed's range.
        """
        config = self._config.replace(seed=seed, initial_weights=None)
        if config == self._config:
            return
        if _preset_weights(self._graph) is not None:
            # The graph's preset has initial weights of its own; a new seed asks for
            # random ones.
            weights = initial_weights(len(self._graph.weights), config.seed)
            config = config.replace(initial_weights=tuple(weights.tolist()))
        self.set_config(config)

    def set_epochs(self, epochs: int) -> None:
        """Plan ``epochs`` epochs and start over.

        Raises
        ------
        core.training.config.ConfigError
            Outside the epochs' range.
        """
        self.set_config(self._config.replace(epochs=epochs))

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
        if self._trainer.finished and self._trainer.stopped_early is not None:
            if explain:
                self.status_reported.emit(holdout_status(self._trainer.stopped_early))
            return False
        if self._trainer.finished:
            if explain:
                self.status_reported.emit(f"All {count(self.epochs, 'epoch')} trained: "
                                          "press Reset (R) to start again")
            return False
        return True

    def step_sample(self) -> StepResult | None:
        """Train one sample and redraw; ``None`` if training cannot go on."""
        self._return_to_present()
        if not self.can_train():
            return None
        result = self._trainer.step_sample()
        self._after_steps(result, epochs_before=None)
        self.publish()
        return result

    def step_epoch(self) -> StepResult | None:
        """Train to the end of the current epoch and redraw; ``None`` if training cannot
        go on."""
        self._return_to_present()
        if not self.can_train():
            return None
        epochs_before = self._trainer.history.n_epochs
        result = self._trainer.step_epoch()
        self._after_steps(result, epochs_before=epochs_before)
        self.publish()
        return result

    def run_steps(self, n: int) -> StepResult | None:
        """Train ``n`` samples at once, drawing only the end (scripts, screenshots)."""
        self._return_to_present()
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
        self._return_to_present()
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
        """Back to the initial weights (same seed), history cleared; the formula is
        resolved against the data again."""
        if not fits(self._graph, self._dataset):
            self._graph = resolve_for_data(self._config.graph, self._dataset)
            self.graph_changed.emit(self._graph)
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
        # Built from the graph itself, not from the config's spec of it: a formula that
        # names the data's columns has its weights only once the data is known.
        config, graph = self._config, self._graph
        optimizer = config.optimizer_class(len(graph.weights), **config.hyperparameters)
        if config.initial_weights is not None:
            start = np.array(config.initial_weights)
        else:
            own = _preset_weights(graph)
            start = initial_weights(len(graph.weights), config.seed) if own is None else own
        return Trainer(graph, self._dataset, optimizer, epochs=config.epochs,
                       seed=config.seed, initial_weights=start, shuffle=config.shuffle,
                       clip_value=config.clip_value, clip_norm=config.clip_norm,
                       history_limit=HISTORY_LIMIT, holdout=config.holdout,
                       early_stop=config.early_stop)

    def _restart(self) -> None:
        self._trainer = self._new_trainer()
        self._base_config = self._config
        self._changes = []
        self._stretches = [self._trainer]
        self._viewing = None
        self._original = None
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
        elif result.finished and self._trainer.stopped_early is not None:
            self.training_finished.emit()
            self.status_reported.emit(holdout_status(self._trainer.stopped_early))
        elif result.finished:
            self.training_finished.emit()
            self.status_reported.emit(f"Finished: {count(self.epochs, 'epoch')}, "
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
        if self._viewing is not None:
            return self._past_snapshot(self._viewing)
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
            optimizer=self._config.optimizer, hyperparameters=dict(self._config.hyperparameters),
            seed=self._config.seed, trace=self._shown_trace(), sample=self._shown_sample,
            epoch=int(cursor.epoch), epochs=self._config.epochs, position=int(cursor.position),
            step=int(cursor.step), weights=weights, last_update=update,
            optimizer_state=state, last_loss=last_loss,
            epoch_loss=float(epoch_losses[-1]) if len(epoch_losses) else None,
            finished=bool(trainer.finished), divergence=trainer.diverged, history=history,
            changes=tuple((change.step, what) for change, what in self._changes),
            original=None if self._original is None
            else HistorySnapshot.of(self._original.trainer.history),
            forked_at=self.forked_at, holdout_rows=int(trainer.holdout_rows.size),
        )

    def _past_snapshot(self, past: PastState) -> Snapshot:
        """The graph, readouts and tables exactly as they were after a past step."""
        checkpoint = past.checkpoint
        weights = np.array(checkpoint.weights)
        weights.flags.writeable = False
        history = HistorySnapshot.of(self._trainer.history)
        losses = checkpoint.epoch_loss
        return Snapshot(
            run=self._run, graph=self._graph, dataset=self._dataset,
            optimizer=checkpoint.optimizer, hyperparameters=dict(self._config.hyperparameters),
            seed=self._config.seed, trace=past.trace, sample=past.cursor.sample,
            epoch=int(past.cursor.epoch), epochs=self._config.epochs,
            position=int(past.cursor.position), step=int(checkpoint.step), weights=weights,
            last_update=np.zeros_like(weights), optimizer_state=checkpoint.state_arrays(),
            last_loss=None, epoch_loss=float(losses[-1]) if losses else None,
            finished=False, divergence=None, history=history,
            changes=tuple((change.step, what) for change, what in self._changes),
            original=None if self._original is None
            else HistorySnapshot.of(self._original.trainer.history),
            forked_at=self.forked_at, viewing=int(checkpoint.step),
            holdout_rows=int(self._trainer.holdout_rows.size),
        )


@dataclasses.dataclass(frozen=True)
class _Original:
    """The run a fork branched off: everything needed to show it and to go back to it."""

    trainer: Trainer
    config: TrainingConfig
    changes: list[tuple[Change, str]]
    stretches: list[Trainer]
    base_config: TrainingConfig
    step: int


def describe_change(old: TrainingConfig, new: TrainingConfig) -> str:
    """What a change of optimizer or hyperparameters is, in a few words:
    ``lr 0.01 → 0.1`` or ``SGD → Adam``."""
    if old.optimizer != new.optimizer:
        return f"{old.optimizer_class.title} → {new.optimizer_class.title}"
    changed = [f"{name} {old.hyperparameters[name]:g} → {value:g}"
               for name, value in new.hyperparameters.items()
               if old.hyperparameters.get(name) != value]
    return ", ".join(changed) or "no change"


def _preset_weights(graph: Graph) -> np.ndarray | None:
    """The initial weights ``graph``'s preset brings, if it is a preset that has some."""
    from core.presets import PRESETS

    preset = PRESETS.get(graph.name)
    return None if preset is None else preset.start_weights(graph)


def graph_spec(graph: Graph) -> str:
    """How a config names ``graph``: its preset's name, else its formula."""
    from core.presets import PRESETS

    return graph.name if graph.name in PRESETS else graph.formula


def data_source(dataset: Dataset) -> DataSource:
    """How a config names ``dataset``: the graph's own data (built in), or its file."""
    if dataset.source == "built-in" or dataset.source.startswith("built-in:"):
        return DataSource()
    return DataSource(dataset.source)
