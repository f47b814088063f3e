"""The course of one training run: the settings it started with, its mid-run changes of
optimizer or hyperparameters, and the trainer of each stretch between them.

A run that changes course mid-way is several stretches: the first trainer trains from
step 0, and each change forks the trainer at the step it happened (same weights, same
sample order) with the new optimizer.  A past step is rebuilt exactly by the stretch that
trained it.  :class:`Course` keeps that bookkeeping and nothing else: no Qt, no signals
(the session's parts announce what changed).
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

from core.autodiff.graph import Graph
from core.data.datasets import Dataset
from core.training.config import TrainingConfig
from core.training.initial_weights import initial_weights
from core.training.optimizers import Optimizer
from core.training.session_file import Change, OpenedSession
from core.training.trainer import PastState, StepResult, Trainer
from gui.session.status_words import describe_change

#: Per-step history points kept (then thinned evenly, see core.training.history).
HISTORY_LIMIT = 400_000


def build_trainer(config: TrainingConfig, graph: Graph, dataset: Dataset) -> Trainer:
    """A trainer for ``config`` at step 0, on ``graph`` and ``dataset`` as built.

    Built from the graph itself, not from the config's spec of it: a formula that names
    the data's columns has its weights only once the data is known, and a preset's graph
    brings its own initial weights.
    """
    if config.initial_weights is None:
        own = preset_weights(graph)
        start = initial_weights(len(graph.weights), config.seed) if own is None else own
        config = config.replace(initial_weights=tuple(start.tolist()))
    return Trainer.from_config(config, graph, dataset, history_limit=HISTORY_LIMIT)


def new_optimizer(config: TrainingConfig, graph: Graph) -> Optimizer:
    """A fresh optimizer of ``config``'s kind and hyperparameters for ``graph``'s weights."""
    return config.optimizer_class(len(graph.weights), **config.hyperparameters)


def preset_weights(graph: Graph) -> np.ndarray | None:
    """The initial weights ``graph``'s preset brings, if it is a preset that has some."""
    from core.presets import PRESETS

    preset = PRESETS.get(graph.name)
    return None if preset is None else preset.start_weights(graph)


class Course:
    """One run's settings, changes and trainers (see the module's docstring).

    Parameters
    ----------
    config, graph, dataset
        The run's configuration and its graph and data as built; no trainer yet
        (:meth:`start` builds one).

    Attributes
    ----------
    config
        The settings training uses now (``base_config`` plus every change).
    base_config
        The settings at step 0.
    graph, dataset
        What is trained, on what.
    trainer
        The live trainer (the last stretch's).
    last
        The newest step's result of the live trainer (``None`` before its first).
    """

    def __init__(self, config: TrainingConfig, graph: Graph, dataset: Dataset) -> None:
        self.config = config
        self.base_config = config
        self.graph = graph
        self.dataset = dataset
        self.last: StepResult | None = None
        #: Mid-run changes: (change, what changed), oldest first.
        self._changes: list[tuple[Change, str]] = []
        #: The trainers of the stretches, oldest first (one more than the changes).
        self._stretches: list[Trainer] = []

    # -- reading ------------------------------------------------------------------------

    @property
    def trainer(self) -> Trainer:
        return self._stretches[-1]

    @property
    def changes(self) -> tuple[Change, ...]:
        """The mid-run changes, oldest first."""
        return tuple(change for change, _ in self._changes)

    @property
    def marks(self) -> tuple[tuple[int, str], ...]:
        """Each change's step and words (``lr 0.01 → 0.1``), for the loss curve."""
        return tuple((change.step, what) for change, what in self._changes)

    def stretch_index(self, step: int) -> int:
        """Which stretch trained ``step`` (0: the first; a change's own step starts its
        stretch)."""
        starts = [0, *(change.step for change, _ in self._changes)]
        return max(i for i, start in enumerate(starts[:len(self._stretches)])
                   if start <= step)

    def stretch(self, index: int) -> Trainer:
        return self._stretches[index]

    def settings_of(self, index: int) -> TrainingConfig:
        """The settings stretch ``index`` trains with."""
        if index == 0:
            return self.base_config
        change = self._changes[index - 1][0]
        return self.base_config.replace(optimizer=change.optimizer,
                                        hyperparameters=dict(change.hyperparameters))

    def rebuild(self, step: int) -> PastState:
        """The state after ``step`` steps, exactly (replayed by the stretch that trained
        it).

        Raises
        ------
        core.training.checkpoint.CheckpointError
            If ``step`` is not in the run.
        """
        return self._stretches[self.stretch_index(step)].rebuild(step)

    # -- changing -----------------------------------------------------------------------

    def start(self) -> None:
        """Start over: a new trainer for ``config`` at step 0, no changes."""
        trainer = build_trainer(self.config, self.graph, self.dataset)
        self.base_config = self.config
        self._changes = []
        self._stretches = [trainer]
        self.last = None

    def change(self, config: TrainingConfig, what: str) -> int:
        """Train as ``config`` says (another optimizer or hyperparameters) from the current
        step on: a new stretch forked there.  Returns the step."""
        step = self.trainer.cursor.step
        self._stretches.append(self.trainer.fork(step, new_optimizer(config, self.graph)))
        self._changes.append((Change(step, config.optimizer,
                                     MappingProxyType(dict(config.hyperparameters))), what))
        self.config = config
        self.last = None
        return step

    def branch(self, step: int, index: int, trainer: Trainer, config: TrainingConfig,
               change: str | None) -> None:
        """Continue from ``step`` of stretch ``index`` with ``trainer`` (a fork of it);
        later stretches and changes are dropped.  With ``change`` (its words), the fork is
        a stretch of its own with ``config``'s settings; else it replaces stretch
        ``index``."""
        self._changes = [item for item in self._changes[:index] if item[0].step <= step]
        self._stretches = self._stretches[:index + 1]
        if change is None:
            self._stretches[-1] = trainer
        else:
            self._changes.append((Change(step, config.optimizer,
                                         MappingProxyType(dict(config.hyperparameters))),
                                  change))
            self._stretches.append(trainer)
        self.config = config
        self.last = None

    def adopt(self, opened: OpenedSession) -> None:
        """Take over a run opened from a session file (its trainer at the saved step)."""
        config = previous = opened.config
        self._changes = []
        for change in opened.changes:
            config = previous.replace(optimizer=change.optimizer,
                                      hyperparameters=dict(change.hyperparameters))
            self._changes.append((change, describe_change(previous, config)))
            previous = config
        self.config, self.base_config = config, opened.config
        self.graph, self.dataset = opened.graph, opened.dataset
        self._stretches = [*opened.stretches]
        if not self._stretches or self._stretches[-1] is not opened.trainer:
            self._stretches.append(opened.trainer)
        self.last = None

    def copy(self) -> Course:
        """The course as it is now, kept apart (the trainers are shared, not copied)."""
        other = Course(self.config, self.graph, self.dataset)
        other.base_config, other.last = self.base_config, self.last
        other._changes, other._stretches = list(self._changes), list(self._stretches)
        return other

    def restore(self, kept: Course) -> None:
        """Be the course ``kept`` (a :meth:`copy`) again, from its live trainer on."""
        self.config, self.base_config = kept.config, kept.base_config
        self.graph, self.dataset = kept.graph, kept.dataset
        self._changes, self._stretches = list(kept._changes), list(kept._stretches)
        self.last = None
