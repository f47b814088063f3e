"""The training session's settings: validated by the config, stored, announced; a change
of optimizer or hyperparameters mid-run changes the run's course instead of starting over.

Setters validate, store, then notify, all through one path
(:meth:`Configuration.set_config`): each setter asks the config for a changed copy, and
the config is where every rule lives, so a bad value raises
:class:`~core.training.config.ConfigError` before anything changes; a good one is stored,
each changed part is announced with its own signal, and training starts over from the
initial weights so every curve belongs to one setting.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal

from core.autodiff.breaks import configured
from core.autodiff.graph import Graph
from core.autodiff.losses import with_loss
from core.data.datasets import Dataset
from core.training.config import ConfigError, DataSource, TrainingConfig
from core.training.initial_weights import initial_weights
from core.training.loss_options import refuse_targets
from core.training.resolution import fits, resolve_for_data, same_model
from core.training.session_file import OpenedSession
from gui.session import status_words
from gui.session.course import Course, preset_weights
from gui.session.holdout_settings import check_holdout


@dataclass(frozen=True)
class SessionHooks:
    """What the settings ask of the session around them (called, in this order of need,
    while a setting changes).

    Attributes
    ----------
    data_replaced
        New data: the graph shows its first sample (called before any announcement).
    started_over
        The course has a new trainer at step 0: the views start over with it.
    to_present
        The graph shows the present again (before the course changes mid-run).
    publish
        Views redraw now.
    """

    data_replaced: Callable[[], None]
    started_over: Callable[[], None]
    to_present: Callable[[], object]
    publish: Callable[[], None]


class Configuration(QObject):
    """Changes the settings of a :class:`~gui.session.course.Course` and announces them.

    Parameters
    ----------
    course
        The run whose settings change (shared with the session's other parts).
    hooks
        What a change asks of the session around it.
    """

    #: The graph's structure changed (views lay out again).  Argument: the Graph.
    graph_changed = Signal(object)
    #: New data.  Argument: the Dataset.
    dataset_changed = Signal(object)
    #: Optimizer or hyperparameters changed.  Arguments: name, {hyperparameter: value}.
    optimizer_changed = Signal(str, object)
    seed_changed = Signal(int)
    epochs_changed = Signal(int)
    #: Training changed course mid-run.  Arguments: the step, what changed.
    course_changed = Signal(int, str)
    #: Shuffling or clipping changed.  Arguments: shuffle, clip_value, clip_norm.
    schedule_changed = Signal(bool, object, object)
    #: A line for the status bar.
    status_reported = Signal(str)

    def __init__(self, course: Course, hooks: SessionHooks,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._course = course
        self._hooks = hooks

    # -- the one path -------------------------------------------------------------------

    def set_config(self, config: TrainingConfig, *, graph: Graph | None = None,
                   dataset: Dataset | None = None, message: str | None = None) -> None:
        """Train as ``config`` says, starting over (see
        :meth:`gui.session.training_session.TrainingSession.set_config`)."""
        course = self._course
        old = course.config
        graph_changed = (graph is not None and graph is not course.graph) \
            or config.graph != old.graph
        if dataset is None:
            # The graph's own data comes with the graph: another graph, maybe other data.
            reload = config.data != old.data or (graph_changed and config.data.builtin)
            dataset = config.load_data() if reload else course.dataset
        data_changed = dataset is not course.dataset
        if graph is None and not graph_changed:
            graph = course.graph
        if graph is None or not fits(graph, dataset):
            # A formula's names mean what the current data's columns say: resolved (again,
            # when they say something else now).
            graph = resolve_for_data(config.graph, dataset)
        graph = configured(with_loss(graph, config.loss, config.delta), config.breaks)
        graph_changed = graph is not course.graph and not same_model(graph, course.graph)
        if config == old and not graph_changed and not data_changed:
            return
        dataset.require_features(graph.n_inputs)
        refuse_targets(config.loss, dataset)
        check_holdout(config, len(dataset))
        course.config, course.graph, course.dataset = config, graph, dataset
        if data_changed:
            self._hooks.data_replaced()
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
        schedule = (config.shuffle, config.clip_value, config.clip_norm)
        if schedule != (old.shuffle, old.clip_value, old.clip_norm):
            self.schedule_changed.emit(*schedule)
        self._start_over()
        if message:
            self.status_reported.emit(message)

    # -- settings that start over -------------------------------------------------------

    def set_graph(self, graph: Graph) -> None:
        """Train another graph (same data) from fresh initial weights."""
        course = self._course
        config, message = self._another_graph(graph=graph_spec(graph), initial_weights=None)
        self.set_config(config, graph=graph, dataset=course.dataset, message=message)

    def _another_graph(self, **changes: object) -> tuple[TrainingConfig, str | None]:
        """The config with ``changes`` (another graph), and what to say.  Derivatives broken
        on purpose stay if the new graph has their nodes; else they stay behind with the
        graph they were broken on (the new graph was refused: "the graph has no node named
        'h2'", a graph the user could not leave but by Debug > Reveal)."""
        config = self._course.config
        try:
            return config.replace(**changes), None
        except ConfigError as error:
            if error.field != "breaks":
                raise
        return config.replace(**changes, breaks=()), (
            "The derivative broken on purpose stayed with the graph before: this one has "
            "no node it names, and trains with the true derivatives")

    def set_dataset(self, dataset: Dataset, source: DataSource | None = None) -> None:
        """Train on other data (from ``source``) from fresh initial weights."""
        if source is None:
            source = data_source(dataset)
        # Other data may make other weights of the same formula: fresh initial weights.
        self.set_config(self._course.config.replace(data=source, initial_weights=None),
                        dataset=dataset)

    def set_model(self, graph: Graph, dataset: Dataset, *,
                  initial_weights: np.ndarray | None = None, optimizer: str | None = None,
                  hyperparameters: Mapping[str, float] | None = None,
                  epochs: int | None = None, loss: str | None = None,
                  delta: float | None = None) -> None:
        """Train another graph on other data (a preset) with the given settings, in one
        restart."""
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
        config, message = self._another_graph(**changes)
        if hyperparameters:
            config = config.with_hyperparameters(**hyperparameters)
        self.set_config(config, graph=graph, dataset=dataset, message=message)

    def set_schedule(self, shuffle: bool, clip_value: float | None,
                     clip_norm: float | None) -> None:
        """Shuffle or not, clip gradients or not (``None``: off), starting over."""
        old = self._course.config
        config = old.replace(shuffle=bool(shuffle), clip_value=clip_value,
                             clip_norm=clip_norm)
        if config == old:
            return
        what = status_words.describe_schedule(old, config)
        self.set_config(config, message=status_words.starts_over(what))

    def set_seed(self, seed: int) -> None:
        """Draw new initial weights from ``seed`` and start over (also after a preset
        that brought its own initial weights)."""
        course = self._course
        config = course.config.replace(seed=seed, initial_weights=None)
        if config == course.config:
            return
        if preset_weights(course.graph) is not None:
            # The graph's preset has initial weights of its own; a new seed asks for
            # random ones.
            weights = initial_weights(len(course.graph.weights), config.seed)
            config = config.replace(initial_weights=tuple(weights.tolist()))
        self.set_config(config)

    def set_epochs(self, epochs: int) -> None:
        """Plan ``epochs`` epochs and start over."""
        self.set_config(self._course.config.replace(epochs=epochs))

    def reset(self) -> None:
        """Back to the initial weights; the formula is resolved against the data again."""
        course = self._course
        if not fits(course.graph, course.dataset):
            course.graph = configured(resolve_for_data(course.config.graph, course.dataset),
                                      course.config.breaks)
            self.graph_changed.emit(course.graph)
        self._start_over()
        self.status_reported.emit(status_words.RESET)

    def adopt(self, opened: OpenedSession) -> None:
        """Continue a run opened from a session file; every view is told."""
        course = self._course
        course.adopt(opened)
        config = course.config
        self._hooks.data_replaced()
        self.graph_changed.emit(opened.graph)
        self.dataset_changed.emit(opened.dataset)
        self.optimizer_changed.emit(config.optimizer, dict(config.hyperparameters))
        self.seed_changed.emit(config.seed)
        self.epochs_changed.emit(config.epochs)
        self.schedule_changed.emit(config.shuffle, config.clip_value, config.clip_norm)
        self._hooks.started_over()

    # -- course changes -----------------------------------------------------------------

    def set_optimizer(self, name: str, values: Mapping[str, float] | None = None) -> None:
        """Train with another optimizer (its defaults, then ``values``): mid-run, a change
        of course; before the first step, a start with it."""
        config = self._course.config.replace(optimizer=name,
                                             hyperparameters=dict(values or {}))
        self._change_course(config, status_words.describe_change(self._course.config, config))

    def set_hyperparameter(self, name: str, value: float) -> None:
        """Change one hyperparameter: mid-run, a change of course."""
        old = self._course.config
        config = old.with_hyperparameters(**{name: value})
        if config != old:
            self._change_course(config, status_words.describe_change(old, config))

    def _change_course(self, config: TrainingConfig, what: str) -> None:
        """Train as ``config`` says from now on (it differs in optimizer or
        hyperparameters only): a fork of the run at the current step (same weights, same
        sample order), or a fresh start before the first step."""
        course = self._course
        if course.trainer.cursor.step == 0 and not course.changes:
            self.set_config(config, message=status_words.starts_with(what))
            return
        self._hooks.to_present()
        step = course.change(config, what)
        self.optimizer_changed.emit(config.optimizer, dict(config.hyperparameters))
        self.course_changed.emit(step, what)
        self._hooks.publish()
        self.status_reported.emit(status_words.course_changed(what, step))

    def _start_over(self) -> None:
        self._course.start()
        self._hooks.started_over()


def graph_spec(graph: Graph) -> str:
    """How a config names ``graph``: its preset's name, else its formula."""
    from core.presets import PRESETS

    return graph.name if graph.name in PRESETS else graph.formula


def data_source(dataset: Dataset) -> DataSource:
    """How a config names ``dataset``: the graph's own data (built in), or its file."""
    if dataset.source == "built-in" or dataset.source.startswith("built-in:"):
        return DataSource()
    return DataSource(dataset.source)
