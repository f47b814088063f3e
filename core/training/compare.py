"""Comparing optimizers fairly: same initial weights, same data, same sample order.

The course notebook drew fresh random weights for each optimizer, so its comparison mixed
the optimizer's effect with the starting point's.  Here every run starts from one set of
weights and visits the samples in the same order; only the update rule differs.
"""

from __future__ import annotations

import functools
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from core.autodiff.engine import InputError
from core.autodiff.graph import Graph
from core.training.holdout import EarlyStop
from core.training.initial_weights import initial_weights as draw_initial_weights
from core.training.optimizers import Optimizer
from core.training.trainer import Divergence, Trainer, TrainingData

if TYPE_CHECKING:
    from core.training.config import TrainingConfig

#: Called now and then during a run with the trainer (for progress displays).
Progress = Callable[[Trainer], None]


@dataclass(frozen=True)
class TrainingRun:
    """The outcome of one complete training run.

    Attributes
    ----------
    optimizer, title
        The optimizer's registry name and display name.
    hyperparameters
        Its hyperparameter values.
    weight_names
        Names of the weights, in the order of the weight arrays.
    initial_weights, final_weights
        Where training started and ended (the last applied update).
    epoch_loss
        Mean per-sample loss of each completed epoch.
    sample_steps, sample_loss
        Step numbers and losses of the recorded per-sample points (every
        ``sample_stride``-th step once the history was decimated).
    steps
        Updates applied.
    diverged
        Where training diverged, or ``None``.
    final_loss
        Mean loss over the training rows (the whole dataset unless rows are held out) at
        the final weights.
    seconds
        Wall-clock training time.
    holdout_loss
        The held-out rows' mean loss after each completed epoch (empty without held-out
        rows).
    stopped_early
        Where early stopping ended the run, or ``None``.
    holdout_rows
        How many rows were held out of training.
    """

    optimizer: str
    title: str
    hyperparameters: Mapping[str, float]
    weight_names: tuple[str, ...]
    initial_weights: np.ndarray
    final_weights: np.ndarray
    epoch_loss: np.ndarray
    sample_steps: np.ndarray
    sample_loss: np.ndarray
    sample_stride: int
    steps: int
    diverged: Divergence | None
    final_loss: float
    seconds: float
    holdout_loss: np.ndarray = field(default_factory=lambda: np.empty(0))
    stopped_early: EarlyStop | None = None
    holdout_rows: int = 0


def train_to_end(trainer: Trainer, progress: Progress | None = None,
                 interval: float = 0.1) -> TrainingRun:
    """Run ``trainer`` until it finishes or diverges.

    Parameters
    ----------
    trainer
        A trainer (it is run from where it is).
    progress
        Called about every ``interval`` seconds, and once at the end.
    """
    started = time.perf_counter()
    if progress is None:
        trainer.run_to_end()
    else:
        while not trainer.finished:
            trainer.run_for(interval)
            progress(trainer)
    seconds = time.perf_counter() - started
    history = trainer.history
    return TrainingRun(
        optimizer=trainer.optimizer.name,
        title=trainer.optimizer.title,
        hyperparameters=dict(trainer.optimizer.values),
        weight_names=tuple(trainer.graph.weights),
        initial_weights=trainer.initial_weights,
        final_weights=trainer.weights,
        epoch_loss=history.epoch_loss().copy(),
        sample_steps=history.steps().copy(),
        sample_loss=history.sample_loss().copy(),
        sample_stride=history.stride,
        steps=trainer.cursor.step,
        diverged=trainer.diverged,
        final_loss=trainer.dataset_loss(),
        seconds=seconds,
        holdout_loss=history.holdout_loss().copy(),
        stopped_early=trainer.stopped_early,
        holdout_rows=int(trainer.holdout_rows.size),
    )


@dataclass(frozen=True)
class Comparison:
    """Several optimizers trained from the same initial weights on the same samples.

    Attributes
    ----------
    runs
        One run per optimizer, in the order given.
    initial_weights
        The shared starting point.
    epochs, seed, shuffle, n_samples
        The shared schedule.
    """

    runs: tuple[TrainingRun, ...]
    initial_weights: np.ndarray
    epochs: int
    seed: int
    shuffle: bool
    n_samples: int

    def run(self, optimizer: str) -> TrainingRun:
        """The run of the optimizer named ``optimizer``."""
        for run in self.runs:
            if run.optimizer == optimizer:
                return run
        raise KeyError(optimizer)

    def epoch_loss_table(self) -> np.ndarray:
        """Epoch losses as an (epochs, runs) array; nan where a run diverged earlier."""
        table = np.full((self.epochs, len(self.runs)), np.nan)
        for k, run in enumerate(self.runs):
            table[:run.epoch_loss.size, k] = run.epoch_loss
        return table

    def best(self) -> TrainingRun | None:
        """The run with the lowest final dataset loss among those that did not diverge."""
        finished = [r for r in self.runs if r.diverged is None and np.isfinite(r.final_loss)]
        return min(finished, key=lambda r: r.final_loss, default=None)


def compare_optimizers(graph: Graph, dataset: TrainingData,
                       optimizers: Sequence[Optimizer], *, epochs: int = 20, seed: int = 0,
                       initial_weights: np.ndarray | Sequence[float] | None = None,
                       shuffle: bool = False, clip_value: float | None = None,
                       clip_norm: float | None = None, history_limit: int = 1_000_000,
                       progress: Callable[[int, Trainer], None] | None = None,
                       holdout: float | None = None,
                       early_stop: int | None = None) -> Comparison:
    """Train each optimizer from the same initial weights, on the same sample order.

    Parameters
    ----------
    graph, dataset
        What to train on.
    optimizers
        The optimizers to compare (each sized for the graph's weights).
    epochs, seed, shuffle, clip_value, clip_norm, history_limit, holdout, early_stop
        As for :class:`core.training.trainer.Trainer`, shared by every run.
    initial_weights
        The shared starting point; default N(0, 0.01) drawn once from ``seed``.
    progress
        Called now and then with the run's index and its trainer.

    Raises
    ------
    core.training.optimizers.HyperparameterError, core.autodiff.engine.InputError
        As the trainer does.
    """
    start = (draw_initial_weights(len(graph.weights), seed) if initial_weights is None
             else np.array(initial_weights, dtype=float).ravel())
    def trainer_for(optimizer: Optimizer) -> Trainer:
        return Trainer(graph, dataset, optimizer, epochs=epochs, seed=seed,
                       initial_weights=start, shuffle=shuffle, clip_value=clip_value,
                       clip_norm=clip_norm, history_limit=history_limit, holdout=holdout,
                       early_stop=early_stop)

    # Every input is checked before anything trains: the shared ones by the first trainer,
    # each optimizer's size here.
    # The queue alone holds the first trainer: a local here would keep it alive while
    # the others train.
    queue: deque[Trainer | Callable[[], Trainer]] = deque(
        [trainer_for(optimizers[0])] if optimizers else [])
    for optimizer in optimizers[1:]:
        if optimizer.n_weights != len(graph.weights):
            raise InputError(f"the optimizer is for {optimizer.n_weights} weights, the graph "
                             f"has {len(graph.weights)}")
    queue.extend(functools.partial(trainer_for, optimizer) for optimizer in optimizers[1:])
    return _train_each(queue, dataset, progress, epochs=epochs, seed=seed, shuffle=shuffle,
                       start=start)


def compare_configs(configs: Sequence[TrainingConfig], graph: Graph | None = None,
                    dataset: TrainingData | None = None, *, history_limit: int = 1_000_000,
                    progress: Callable[[int, Trainer], None] | None = None) -> Comparison:
    """Train each config's run (:meth:`Trainer.from_config`): the configs share the graph,
    data, loss, schedule and start, and differ in the optimizer only.

    Parameters
    ----------
    configs
        One per run (validated), in the comparison's order.
    graph, dataset
        Built ones to share (default: built and loaded from the first config).
    history_limit, progress
        As for :func:`compare_optimizers`.

    Raises
    ------
    ValueError
        If the configs differ in more than the optimizer and its hyperparameters, or there
        are none.
    core.data.datasets.DataError, core.autodiff.engine.InputError
        As :meth:`Trainer.from_config`.
    """
    if not configs:
        raise ValueError("a comparison needs at least one config")
    first = configs[0]
    shared = _shared_run(first)
    for config in configs[1:]:
        if _shared_run(config) != shared:
            raise ValueError(f"the runs of {first.optimizer} and {config.optimizer} differ in "
                             "more than the optimizer")
    if graph is None:
        graph, _ = first.build_graph()
    if dataset is None:
        dataset = first.load_data()
    built_graph, built_dataset = graph, dataset

    def trainer_for(config: TrainingConfig) -> Trainer:
        return Trainer.from_config(config, built_graph, built_dataset,
                                   history_limit=history_limit)

    trainer = trainer_for(first)
    start = trainer.initial_weights
    queue: deque[Trainer | Callable[[], Trainer]] = deque([trainer])
    del trainer  # the queue alone holds it
    for config in configs[1:]:
        config.make_optimizer()  # checked before anything trains
    queue.extend(functools.partial(trainer_for, config) for config in configs[1:])
    return _train_each(queue, dataset, progress, epochs=first.epochs, seed=first.seed,
                       shuffle=first.shuffle, start=start)


def _shared_run(config: TrainingConfig) -> dict[str, object]:
    """What the runs of a comparison share: the config without its optimizer."""
    options = config.trainer_options()
    options["initial_weights"] = np.asarray(options["initial_weights"], dtype=float).tolist()
    return {**options, "graph": config.graph, "data": config.data, "loss": config.loss,
            "delta": config.delta}


def _train_each(queue: deque[Trainer | Callable[[], Trainer]], dataset: TrainingData,
                progress: Callable[[int, Trainer], None] | None, *,
                epochs: int, seed: int, shuffle: bool, start: np.ndarray) -> Comparison:
    """Train the runs of ``queue`` one after another, emptying it: the first may be a made
    trainer (it checked the shared inputs), the others are made in turn.  One trainer
    lives at a time (its history can be large): the queue must be its only holder.  All of
    them read one shared copy of the data (python_rows)."""
    runs = []
    for k in range(len(queue)):
        item = queue.popleft()
        trainer = item if isinstance(item, Trainer) else item()
        del item
        report = None if progress is None else (lambda t, k=k: progress(k, t))
        runs.append(train_to_end(trainer, report))
        del trainer
    n_samples = len(np.asarray(dataset.y).ravel())
    return Comparison(runs=tuple(runs), initial_weights=start.copy(), epochs=epochs,
                      seed=seed, shuffle=shuffle, n_samples=n_samples)
