"""The trainer: per-sample updates over epochs, returning immutable snapshots.

Training follows the course notebook: in each epoch every sample is visited once, in
dataset order (or shuffled per epoch from the seed), and the weights are updated after each
sample.  The loss recorded for a sample is computed before its update.

Each step runs on the compiled fast path (:class:`core.autodiff.compiled.CompiledGraph`, plain
Python floats).  Only when that path reports a non-finite number is the sample
redone on the trace path (:func:`core.autodiff.engine.evaluate`), which names the first node whose
value or gradient is nan or infinite.  Training then stops at that step without applying
its update, and :attr:`Trainer.diverged` says where.  An update that would make a weight
(or the optimizer's state) non-finite is refused the same way.

The trainer needs no event system: :meth:`Trainer.step_sample` and friends return a
:class:`StepResult` whose arrays are read-only copies, safe to keep and to send to another
thread.  :meth:`Trainer.run_for` trains for a time budget, for a GUI timer.

Any step can be restored exactly: :meth:`Trainer.checkpoint` and :meth:`Trainer.restore`
save and resume the whole state (:class:`core.training.checkpoint.Checkpoint`; which
checkpoints fit, and the ones kept every ``K`` steps: :mod:`core.training.checkpointing`).
:meth:`Trainer.state_at` and :meth:`Trainer.rebuild` recreate the state after any past step
by replaying at most ``K - 1`` steps, and :meth:`Trainer.fork` continues from there with
another optimizer or other hyperparameters on the same sample order
(:mod:`core.training.replay`).

A trainer for a :class:`core.training.config.TrainingConfig` is made by
:meth:`Trainer.from_config`, the one way every front end builds it.
"""

from __future__ import annotations

import gc
import math
import time
from array import array
from collections.abc import Callable, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol
from weakref import WeakKeyDictionary

import numpy as np

from core.autodiff.compiled import CompiledGraph, SampleFn, compiled_graph
from core.autodiff.engine import InputError, Trace, evaluate
from core.autodiff.graph import Graph
from core.training.checkpoint import Checkpoint
from core.training.checkpoint_log import CheckpointLog
from core.training.checkpointing import (
    check_fits,
    keep_checkpoint,
    load_optimizer_state,
    logged_checkpoint,
)
from core.training.divergence import node_name
from core.training.history import MIN_LIMIT, History
from core.training.holdout import EarlyStop, check_early_stop, early_stop, split_rows
from core.training.hyperparameters import (
    CLIP_NORM,
    CLIP_VALUE,
    EPOCHS,
    MAX_EPOCHS,
    SEED,
    HyperparameterError,
)
from core.training.initial_weights import initial_weights as draw_initial_weights
from core.training.optimizer_files import WEIGHT
from core.training.optimizers import Optimizer
from core.training.replay import PastState, Replay
from core.training.results import Cursor, Divergence, StepResult

if TYPE_CHECKING:
    from core.training.config import TrainingConfig

__all__ = ["CLIP_NORM", "CLIP_VALUE", "MAX_EPOCHS", "Cursor", "Divergence", "PastState",
           "StepResult", "Trainer", "TrainingData", "TrainingFinishedError",
           "clip_gradients"]

#: Steps per inner-loop batch; history is written once per batch.
CHUNK = 4096

#: Values buffered per batch at most (weights and gradients), to stay cache-friendly on
#: graphs with many weights.
CHUNK_VALUES = 1 << 16

#: Sub-stream of the seed used for per-epoch shuffling (weights use the seed itself).
_SHUFFLE_STREAM = 1


class TrainingData(Protocol):
    """What the trainer needs from a dataset (:class:`core.data.datasets.Dataset` has it)."""

    @property
    def X(self) -> np.ndarray: ...

    @property
    def y(self) -> np.ndarray: ...


class TrainingFinishedError(RuntimeError):
    """A step was asked for after the last epoch or after a divergence."""


def _frozen(values: Sequence[float] | np.ndarray) -> np.ndarray:
    array = np.array(values)  # a copy; lists of floats (even empty ones) become float64
    array.flags.writeable = False
    return array


def clip_gradients(g: Sequence[float], clip_value: float | None = None,
                   clip_norm: float | None = None) -> list[float]:
    """Gradient clipping: each component to ``[-clip_value, clip_value]``, then the whole
    vector rescaled to norm ``clip_norm`` if it is longer.  ``None`` turns either off."""
    result = list(g)
    if clip_value is not None:
        c = clip_value
        result = [c if v > c else -c if v < -c else v for v in result]
    if clip_norm is not None:
        norm = math.hypot(*result)  # hypot neither overflows nor underflows
        if norm > clip_norm:
            scale = clip_norm / norm
            result = [v * scale for v in result]
    return result


def _sample_function(graph: Graph) -> tuple[SampleFn, CompiledGraph | None]:
    try:
        compiled = compiled_graph(graph)
    except RecursionError:
        # Very large graphs can exceed the Python compiler's nesting limit; the trace path
        # is slower but computes the same numbers.
        def sample(x: Sequence[float], y: float, w: Sequence[float]
                   ) -> tuple[float, list[float], float]:
            trace = evaluate(graph, x, y, w)
            grads = [trace.grads[name] for name in graph.weights]
            check = 0.0 if trace.first_nonfinite() is None else math.nan
            return trace.loss, grads, check

        return sample, None
    return compiled.sample, compiled


_ROWS: WeakKeyDictionary[object, tuple[list[list[float]], list[float]]] = WeakKeyDictionary()


def python_rows(dataset: object, X: np.ndarray, y: np.ndarray
                ) -> tuple[list[list[float]], list[float]]:
    """The data as Python lists of floats, which the fast path reads.

    Converted once per dataset whose arrays are read-only (a
    :class:`core.data.datasets.Dataset`) and shared by every trainer on it: a comparison of
    seven optimizers holds one copy, not seven.  Trainers never write to these lists.
    """
    frozen = not X.flags.writeable and not y.flags.writeable
    if frozen:
        try:
            cached = _ROWS.get(dataset)
        except TypeError:  # not weakly referenceable: convert every time
            frozen = False
        else:
            if cached is not None:
                return cached
    # In blocks, so that another thread (the window's) gets its turn between them, and
    # without the cycle collector: a million new row lists would trigger full collections
    # that walk every one of them (pauses of a second) and can free nothing, since rows
    # hold floats only.
    block = 8192
    table: list[list[float]] = []
    collecting = gc.isenabled()
    gc.disable()
    try:
        for start in range(0, X.shape[0], block):
            table.extend(X[start:start + block].tolist())
    finally:
        if collecting:
            gc.enable()
    rows: tuple[list[list[float]], list[float]] = (table, y.tolist())
    if frozen:
        _ROWS[dataset] = rows
    return rows


def _whole_number(name: str, value: object, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise HyperparameterError(f"{name} must be a whole number >= {low}, got {value!r}")
    if high is not None and value > high:
        raise HyperparameterError(f"{name} must be <= {high}, got {value!r}")
    return int(value)


class Trainer:
    """Trains a graph's weights on a dataset, one sample per update.

    Parameters
    ----------
    graph
        The computational graph (its weights are trained).
    dataset
        Anything with ``X`` (n, k) and ``y`` (n,), k >= ``graph.n_inputs``.
    optimizer
        The update rule, for ``len(graph.weights)`` weights.
    epochs
        Passes over the data.
    seed
        Seeds the initial weights (N(0, 0.01), as
        :func:`core.training.initial_weights.initial_weights`) and the per-epoch shuffle.
    initial_weights
        Start here instead (one finite value per weight).
    shuffle
        Visit the samples in a new random order each epoch (default: dataset order).
    clip_value, clip_norm
        Optional gradient clipping (see :func:`clip_gradients`); off by default.
    history_limit
        At most this many per-step points are kept in :attr:`history`.
    holdout
        Keep this share of the rows (0 < F < 1, chosen by the seed) out of training
        (:func:`core.training.holdout.split_rows`): epochs visit the other rows only, and
        after each one the held-out rows' mean loss is recorded.  ``None``: every row
        trains.
    early_stop
        Stop once the held-out loss has not improved for this many epochs (needs
        ``holdout``).

    Raises
    ------
    HyperparameterError
        For bad ``epochs``, ``seed``, ``history_limit``, clipping, ``holdout`` or
        ``early_stop`` values (:class:`core.training.holdout.HoldoutError`: also when no
        row would remain for training).
    InputError
        When data, weights or optimizer do not fit the graph.
    """

    def __init__(self, graph: Graph, dataset: TrainingData, optimizer: Optimizer, *,
                 epochs: int = 20, seed: int = 0,
                 initial_weights: np.ndarray | Sequence[float] | None = None,
                 shuffle: bool = False, clip_value: float | None = None,
                 clip_norm: float | None = None, history_limit: int = 1_000_000,
                 holdout: float | None = None, early_stop: int | None = None) -> None:
        self.graph = graph
        self.dataset = dataset
        self.epochs = EPOCHS.validate(epochs)
        self.seed = SEED.validate(seed)
        history_limit = _whole_number("history_limit", history_limit, MIN_LIMIT)
        self.shuffle = bool(shuffle)
        self.clip_value = None if clip_value is None else CLIP_VALUE.validate(clip_value)
        self.clip_norm = None if clip_norm is None else CLIP_NORM.validate(clip_norm)
        X = np.asarray(dataset.X, dtype=float)
        y = np.asarray(dataset.y, dtype=float).ravel()
        if X.ndim != 2 or X.shape[0] == 0 or X.shape[0] != y.shape[0]:
            raise InputError(f"training needs X of shape (n, k) and y of shape (n,) with "
                             f"n >= 1, got {X.shape} and {y.shape}")
        if X.shape[1] < graph.n_inputs:
            raise InputError(f"the graph uses {graph.n_inputs} features, the data has "
                             f"{X.shape[1]}")
        n_weights = len(graph.weights)
        if initial_weights is None:
            start = draw_initial_weights(n_weights, self.seed)
        else:
            start = np.array(initial_weights, dtype=float).ravel()
            if start.size != n_weights:
                raise InputError(f"the graph has {n_weights} weights, got {start.size} "
                                 f"initial values")
            if not np.all(np.isfinite(start)):
                raise InputError("initial weights must be finite numbers")
        self._initial = start.tolist()
        self.early_stop = None if early_stop is None else check_early_stop(early_stop)
        if self.early_stop is not None and holdout is None:
            raise HyperparameterError("early_stop needs held-out data (holdout): it watches "
                                      "the held-out loss")
        train, held = split_rows(int(X.shape[0]), holdout, self.seed)
        self.holdout = None if holdout is None else float(holdout)
        self._n_rows = int(X.shape[0])
        self._n: int = int(train.size)
        # Plain Python floats: the fast path is several times slower on numpy scalars.
        self._rows, self._targets = python_rows(dataset, X, y)
        # Training visits the training rows only: position i of an epoch's order is
        # training row self._train[i] (None: every row, in dataset order).
        self._train: list[int] | None = None
        self._train_xs, self._train_ys = self._rows, self._targets
        self._held_X = X[held]
        self._held_y = y[held]
        self._held = held
        if held.size:
            self._train = train.tolist()
            self._train_xs = [self._rows[i] for i in self._train]
            self._train_ys = [self._targets[i] for i in self._train]
        self._sample, self._compiled = _sample_function(graph)
        self.history = History(n_weights, self._n, self.epochs, history_limit)
        self._check_optimizer(optimizer)
        self.optimizer = optimizer
        self._w: list[float] = []
        self.reset()

    @classmethod
    def from_config(cls, config: TrainingConfig, graph: Graph | None = None,
                    dataset: TrainingData | None = None, *,
                    history_limit: int = 1_000_000) -> Trainer:
        """A trainer for a :class:`core.training.config.TrainingConfig`, at step 0.

        Parameters
        ----------
        config
            The run (already validated).
        graph, dataset
            Built ones to share (default: built and loaded from the config).

        Raises
        ------
        core.data.datasets.DataError
            If the config's data cannot be loaded.
        InputError
            If the given data does not fit the graph.
        """
        if graph is None:
            graph, _ = config.build_graph()
        if dataset is None:
            dataset = config.load_data()
        # Sized by the graph given: a formula naming the data's columns has its weights
        # once it is resolved against the data.
        optimizer = config.optimizer_class(len(graph.weights), **config.hyperparameters)
        return cls(graph, dataset, optimizer, **config.trainer_options(),
                   history_limit=history_limit)

    # -- state ---------------------------------------------------------------------------

    def _check_optimizer(self, optimizer: Optimizer) -> None:
        if optimizer.n_weights != len(self.graph.weights):
            raise InputError(f"the optimizer is for {optimizer.n_weights} weights, the graph "
                             f"has {len(self.graph.weights)}")

    def reset(self) -> None:
        """Back to the initial weights, a fresh optimizer state, epoch 0 and no history."""
        self._w[:] = self._initial
        self.optimizer.reset()
        self.history.clear()
        self._log = CheckpointLog(self.total_steps, len(self._initial), self.optimizer.slots)
        self._replay = Replay(self)
        self._apply = self._make_apply()
        self._epoch = 0
        self._position = 0
        self._step = 0
        self._epoch_sum = 0.0
        self._finished = False
        self._diverged: Divergence | None = None
        self._stopped: EarlyStop | None = None
        self._completed: tuple[int, float, float | None] | None = None
        self._last: tuple[float, list[float]] = (math.nan, [])
        self._prepare_epoch()
        self._keep_checkpoint()

    def set_optimizer(self, optimizer: Optimizer) -> None:
        """Train with another optimizer from now on, starting over (see :meth:`reset`)."""
        self._check_optimizer(optimizer)
        self.optimizer = optimizer
        self.reset()

    def _make_apply(self) -> Callable[[list[float], Sequence[float]], bool]:
        update = self.optimizer.try_update
        clip_value, clip_norm = self.clip_value, self.clip_norm
        if clip_value is None and clip_norm is None:
            return update

        def clipped_update(w: list[float], g: Sequence[float]) -> bool:
            return update(w, clip_gradients(g, clip_value, clip_norm))

        return clipped_update

    def _epoch_order(self, epoch: int) -> list[int] | None:
        if not self.shuffle:
            return None
        rng = np.random.default_rng((self.seed, _SHUFFLE_STREAM, epoch))
        order: list[int] = rng.permutation(self._n).tolist()
        return order

    def _prepare_epoch(self) -> None:
        self._set_order(self._epoch_order(self._epoch))

    def _set_order(self, order: list[int] | None) -> None:
        self._order = order
        if order is None:
            self._xs, self._ys = self._train_xs, self._train_ys
        else:
            self._xs = [self._train_xs[i] for i in order]
            self._ys = [self._train_ys[i] for i in order]

    def sample_order(self, epoch: int) -> list[int]:
        """The dataset rows in the order epoch ``epoch`` (from 0) visits them (the
        training rows only, when some are held out)."""
        return self._dataset_rows(self._epoch_order(epoch))

    def _dataset_rows(self, order: Sequence[int] | None) -> list[int]:
        """Dataset rows of an epoch's positions (``None``: the training rows in order)."""
        positions = range(self._n) if order is None else order
        train = self._train
        return list(positions) if train is None else [train[i] for i in positions]

    def _sample_at(self, position: int) -> int:
        index = position if self._order is None else self._order[position]
        return index if self._train is None else self._train[index]

    @property
    def weights(self) -> np.ndarray:
        """A copy of the current weights, in ``graph.weights`` order."""
        return np.array(self._w)

    @property
    def initial_weights(self) -> np.ndarray:
        """A copy of the weights training starts from."""
        return np.array(self._initial)

    @property
    def n_samples(self) -> int:
        """Samples per epoch (the training rows)."""
        return self._n

    @property
    def n_rows(self) -> int:
        """Rows in the data, held-out ones included."""
        return self._n_rows

    @property
    def training_rows(self) -> np.ndarray:
        """The dataset rows training visits, sorted."""
        return np.arange(self._n_rows) if self._train is None else np.array(self._train)

    @property
    def holdout_rows(self) -> np.ndarray:
        """The dataset rows kept out of training, sorted (empty without ``holdout``)."""
        return self._held.copy()

    @property
    def stopped_early(self) -> EarlyStop | None:
        """Where and why early stopping ended training, or ``None``."""
        return self._stopped

    @property
    def n_weights(self) -> int:
        """Weights the graph has (and the optimizer updates)."""
        return len(self._initial)

    @property
    def total_steps(self) -> int:
        """Updates in a complete run: ``epochs * n_samples``."""
        return self.epochs * self._n

    @property
    def remaining(self) -> int:
        """Updates still to do (0 once finished or diverged)."""
        return 0 if self._finished else self.total_steps - self._step

    @property
    def cursor(self) -> Cursor:
        """The next sample to train.  After the last epoch: ``epoch == epochs``, position 0,
        sample 0.  After a divergence: the sample that diverged."""
        if self._finished and self._diverged is None:
            return Cursor(self._epoch, 0, 0, self._step)
        return Cursor(self._epoch, self._position, self._sample_at(self._position),
                      self._step)

    @property
    def finished(self) -> bool:
        """No more steps: every epoch is done, or training diverged."""
        return self._finished

    @property
    def diverged(self) -> Divergence | None:
        """Where training diverged, or ``None``."""
        return self._diverged

    # -- checkpoints ---------------------------------------------------------------------

    @property
    def checkpoints(self) -> CheckpointLog:
        """The checkpoints kept every :attr:`CheckpointLog.interval` steps (read it only)."""
        return self._log

    def _keep_checkpoint(self) -> None:
        keep_checkpoint(self._log, self._step, self._epoch_sum, self.optimizer, self._w)

    def _order_of(self, epoch: int) -> tuple[int, ...] | None:
        """Epoch ``epoch``'s sample order (``None``: dataset order)."""
        order = self._order if epoch == self._epoch and not self._finished \
            else self._epoch_order(epoch)
        return None if order is None else tuple(order)

    def checkpoint(self) -> Checkpoint:
        """The complete state now, immutable: :meth:`restore` continues from it exactly."""
        state = self.optimizer.state()
        return Checkpoint(
            step=self._step, epoch=self._epoch, position=self._position,
            weights=tuple(self._w), optimizer=self.optimizer.name,
            optimizer_state={slot: tuple(state[slot].tolist())
                             for slot in self.optimizer.slots},
            optimizer_steps=self.optimizer.step_count, epoch_sum=self._epoch_sum,
            epoch_loss=tuple(self.history.epoch_loss().tolist()), seed=self.seed,
            shuffle=self.shuffle, order=self._order_of(self._epoch),
            holdout_loss=tuple(self.history.holdout_loss().tolist()))

    def restore(self, checkpoint: Checkpoint, *, optimizer_state: bool = True) -> None:
        """Continue from ``checkpoint`` exactly as if training had never stopped there.

        The weights, the optimizer's state, the cursor, the epoch's running loss and the
        completed epochs' losses are set from it.  When the checkpoint is this run's own
        past (rebuilt, it is identical), history points and kept checkpoints of later steps
        are dropped and the earlier ones stay; otherwise the history starts over at the
        checkpoint's step, and steps before it can no longer be rebuilt.  A diverged or
        finished trainer can train again.

        Parameters
        ----------
        checkpoint
            From this run (or one with the same graph, data size, seed, shuffle, epochs at
            least up to its epoch, and optimizer kind).
        optimizer_state
            ``False``: start the optimizer afresh instead (for another optimizer kind).

        Raises
        ------
        CheckpointError
            If the checkpoint does not fit this trainer (:func:`check_fits`); nothing
            changed then.
        """
        own_past = optimizer_state and checkpoint.step <= self._step \
            and self._replay.is_own_past(checkpoint)
        self._load(checkpoint, optimizer_state,
                   history=self.history if own_past else None,
                   log=self._log if own_past else None)

    def _load(self, cp: Checkpoint, optimizer_state: bool, *, history: History | None,
              log: CheckpointLog | None) -> None:
        """Check that ``cp`` fits, then set the state from it.  ``history`` and ``log``:
        the history and the kept checkpoints to keep those before its step of (only when
        they are the past of ``cp``; ``None``: they start over at its step)."""
        check_fits(cp, self, optimizer_state)
        if optimizer_state:
            load_optimizer_state(self.optimizer, cp)
        else:
            self.optimizer.reset()
        self._w[:] = cp.weights
        self._epoch, self._position, self._step = cp.epoch, cp.position, cp.step
        self._epoch_sum = cp.epoch_sum
        self._stopped = None if cp.position else early_stop(cp.holdout_loss,
                                                             self.early_stop)
        self._finished = cp.step == self.total_steps or self._stopped is not None
        self._diverged = None
        self._completed = None
        self._last = (math.nan, [])
        if not self._finished:
            self._prepare_epoch()
            if cp.order is not None:
                self._set_order(list(cp.order))
        if history is None:
            self.history.clear()
        else:
            self.history = history
        self.history.rewind(cp.step, cp.epoch_loss, cp.holdout_loss)
        if log is not None:
            self._log = log
        self._log.rewind(cp.step)
        nearest = self._log.nearest(cp.step)
        if log is None or nearest is None \
                or int(self._log.steps()[nearest]) <= cp.step - self._log.interval:
            # Replays start here: what came before is not known to lead to this state.
            self._log.clear()
            self._keep_checkpoint()

    def _logged_checkpoint(self, index: int) -> Checkpoint:
        return logged_checkpoint(self._log, index, self, self.history, self._order_of)

    def _twin(self, optimizer: Optimizer | None = None,
              history_limit: int | None = None) -> Trainer:
        """A new trainer on the same graph, data, schedule and start."""
        return Trainer(self.graph, self.dataset,
                       optimizer if optimizer is not None else self.optimizer.with_values(),
                       epochs=self.epochs, seed=self.seed, initial_weights=self._initial,
                       shuffle=self.shuffle, clip_value=self.clip_value,
                       clip_norm=self.clip_norm,
                       history_limit=self.history.limit if history_limit is None
                       else history_limit, holdout=self.holdout, early_stop=self.early_stop)

    # -- the past (core.training.replay) -------------------------------------------------

    def state_at(self, step: int) -> Checkpoint:
        """The state after ``step`` updates of this run, rebuilt exactly (bit for bit).

        Replays at most ``checkpoints.interval - 1`` steps from the nearest kept
        checkpoint, on a separate trainer: this one is not changed
        (:meth:`core.training.replay.Replay.state_at`).

        Raises
        ------
        CheckpointError
            If ``step`` is not between the first kept checkpoint (0 unless the run was
            restored) and the current step.
        """
        return self._replay.state_at(_whole_number("step", step, 0))

    def rebuild(self, step: int) -> PastState:
        """The state after ``step`` updates, the next sample and its trace there.

        Raises
        ------
        CheckpointError
            As :meth:`state_at`.
        """
        return self._replay.rebuild(_whole_number("step", step, 0))

    def fork(self, step: int, optimizer: Optimizer | None = None) -> Trainer:
        """A new trainer that continues this run from after ``step`` updates.

        It trains on the same sample order from the same state; the history up to
        ``step`` is copied; so are the checkpoints before it when the optimizer is
        unchanged (otherwise the fork's past can be rebuilt from ``step`` on).

        Parameters
        ----------
        step
            Where to branch off (see :meth:`state_at`).
        optimizer
            Another optimizer or other hyperparameters (default: a copy of this one's).
            An optimizer of the same kind takes over the optimizer state (velocities,
            moments, step count); another kind starts with a fresh state.

        Raises
        ------
        CheckpointError
            As :meth:`state_at`.
        InputError
            If the optimizer is for another number of weights.
        """
        checkpoint = self.state_at(step)
        fork = self._twin(optimizer)
        self._replay.branch(fork, checkpoint)
        return fork

    def cursor_at(self, checkpoint: Checkpoint) -> Cursor:
        """The next sample to train from ``checkpoint``'s state (as :attr:`cursor` says
        after :meth:`restore`)."""
        if checkpoint.epoch >= self.epochs:
            return Cursor(self.epochs, 0, 0, checkpoint.step)
        order = checkpoint.order
        index = checkpoint.position if order is None else order[checkpoint.position]
        sample = index if self._train is None else self._train[index]
        return Cursor(checkpoint.epoch, checkpoint.position, sample, checkpoint.step)

    # -- stepping ------------------------------------------------------------------------

    def step_sample(self) -> StepResult:
        """Train one sample.

        Raises
        ------
        TrainingFinishedError
            If training is finished or diverged.
        """
        self._require_unfinished()
        cursor = self.cursor
        before = self._w[:]
        self._advance(1)
        return self._result(cursor, before)

    def step_epoch(self) -> StepResult:
        """Train to the end of the current epoch; the result is that epoch's last step.

        Raises
        ------
        TrainingFinishedError
            If training is finished or diverged.
        """
        self._require_unfinished()
        result = self.run(self._n - self._position)
        assert result is not None
        return result

    def run(self, n_steps: int) -> StepResult | None:
        """Train up to ``n_steps`` samples as fast as possible (stopping early at the end or
        at a divergence); the last step's result, or ``None`` if nothing was left to do."""
        n_steps = _whole_number("n_steps", n_steps, 0)
        todo = min(n_steps, self.remaining)
        if todo == 0:
            return None
        self._advance(todo - 1)
        if self._finished:
            return self._result(self.cursor, self._w[:])
        return self.step_sample()

    def run_for(self, seconds: float, max_steps: int | None = None) -> StepResult | None:
        """Train for about ``seconds`` (at least one step), at most ``max_steps`` steps.

        For a GUI timer: each call does a batch sized to the time budget and returns the
        last step's result, or ``None`` if nothing was left to do.
        """
        if not isinstance(seconds, (int, float)) or not 0.0 <= seconds < math.inf:
            raise HyperparameterError(f"seconds must be a finite number >= 0, got {seconds!r}")
        budget = self.remaining
        if max_steps is not None:
            budget = min(budget, _whole_number("max_steps", max_steps, 0))
        if budget == 0:
            return None
        deadline = time.perf_counter() + seconds
        chunk, used = 16, 0
        while used < budget - 1 and not self._finished:
            k = min(chunk, budget - 1 - used)
            started, before = time.perf_counter(), self._step
            self._advance(k)
            used += self._step - before
            now = time.perf_counter()
            if now >= deadline:
                break
            per_step = (now - started) / k
            chunk = max(1, min(4 * chunk, int(0.5 * (deadline - now) / max(per_step, 1e-9))))
        if self._finished:
            return self._result(self.cursor, self._w[:])
        return self.step_sample()

    def run_to_end(self) -> StepResult | None:
        """Train every remaining step; the last result, or ``None`` if already finished."""
        return self.run(self.remaining)

    def trace(self, sample: int | None = None,
              weights: Sequence[float] | None = None) -> Trace:
        """The full trace of a dataset row at the current weights (or at ``weights``),
        without training.

        Parameters
        ----------
        sample
            The row (negative counts from the end); ``None`` is the cursor's sample.
        weights
            One per weight, in ``graph.weights`` order (default: the current ones).
        """
        index = self.cursor.sample if sample is None else sample
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) \
                or not -self._n_rows <= index < self._n_rows:
            raise InputError(f"sample {index!r} is out of range: the data has "
                             f"{self._n_rows} samples (0..{self._n_rows - 1})")
        index = int(index) % self._n_rows
        return evaluate(self.graph, self._rows[index], self._targets[index],
                        self._w if weights is None else weights)

    def dataset_loss(self) -> float:
        """Mean loss over the training rows (the whole dataset unless rows are held out)
        at the current weights (inf or nan if some sample's loss is)."""
        X = np.asarray(self.dataset.X, dtype=float)
        y = np.asarray(self.dataset.y, dtype=float).ravel()
        if self._train is not None:
            X, y = X[self._train], y[self._train]
        return self._mean_loss(X, y)

    def holdout_loss(self) -> float | None:
        """Mean loss over the held-out rows at the current weights, or ``None`` when no
        rows are held out."""
        return self._mean_loss(self._held_X, self._held_y) if self._held.size else None

    def _mean_loss(self, X: np.ndarray, y: np.ndarray) -> float:
        if self._compiled is not None:
            return self._compiled.mean_loss(X, y, self._w)
        total = 0.0
        for x, target in zip(X.tolist(), y.tolist(), strict=True):
            total += evaluate(self.graph, x, target, self._w).loss
        return total / len(y)

    # -- the loop ------------------------------------------------------------------------

    def _advance(self, n_steps: int) -> None:
        """Up to ``n_steps`` updates on the fast path, in batches within one epoch."""
        sample = self._sample
        apply = self._apply
        w = self._w
        n_weights = len(w)
        chunk = max(16, min(CHUNK, CHUNK_VALUES // max(n_weights, 1)))
        interval = self._log.interval
        while n_steps > 0 and not self._finished:
            pos = self._position
            # A batch ends at the next multiple of the checkpoint interval, if not before.
            take = min(n_steps, self._n - pos, chunk, interval - self._step % interval)
            losses: list[float] = []
            # C doubles from the start: cheaper than Python lists converted later.
            wbuf = array("d")
            gbuf = array("d")
            add_loss, add_w, add_g = losses.append, wbuf.fromlist, gbuf.fromlist
            esum = self._epoch_sum
            suspect = False
            for x, target in zip(self._xs[pos:pos + take], self._ys[pos:pos + take],
                                 strict=True):
                loss, g, check = sample(x, target, w)  # never raises: inf/nan in check
                # check - check is 0.0 for finite numbers and nan for inf and nan.
                if check - check != 0.0 or not apply(w, g):
                    suspect = True
                    break
                add_loss(loss)
                add_w(w)
                add_g(g)
                esum += loss
            done = len(losses)
            if done:
                self._last = (losses[-1], gbuf[len(gbuf) - n_weights:].tolist())
                self._commit(losses, wbuf, gbuf, esum)
                n_steps -= done
            if suspect:
                self._careful_step()
                n_steps -= 1

    def _commit(self, losses: list[float], wbuf: Sequence[float], gbuf: Sequence[float],
                esum: float) -> None:
        done = len(losses)
        pos = self._position
        positions = range(pos, pos + done) if self._order is None \
            else self._order[pos:pos + done]
        samples = positions if self._train is None else self._dataset_rows(positions)
        self.history.extend(self._step, losses, wbuf, gbuf, samples)
        self._step += done
        self._position += done
        self._epoch_sum = esum
        if self._position == self._n:
            mean = esum / self._n
            held = self.holdout_loss()
            self.history.add_epoch(mean, held)
            self._completed = (self._step - 1, mean, held)
            self._epoch += 1
            self._position = 0
            self._epoch_sum = 0.0
            self._stopped = early_stop(self.history.holdout_loss(), self.early_stop)
            if self._epoch >= self.epochs or self._stopped is not None:
                self._finished = True
            else:
                self._prepare_epoch()
        if self._step % self._log.interval == 0:
            self._keep_checkpoint()

    def _careful_step(self) -> None:
        """One step on the trace path: after the fast path saw a non-finite
        number.  Either it was a false alarm (a check sum that overflowed) and the step is
        taken, or training stops with the first non-finite node."""
        index = self._sample_at(self._position)
        trace = evaluate(self.graph, self._rows[index], self._targets[index], self._w)
        grads = [trace.grads[name] for name in self.graph.weights]
        self._last = (trace.loss, grads)
        problem = trace.first_nonfinite()
        if problem is not None:
            self._diverge(problem.node, problem.op, problem.quantity, trace, problem.number,
                          f"the {problem.quantity} of {node_name(self.graph, problem.node)} "
                          f"became {problem.number}")
            return
        if not self._apply(self._w, grads):
            self._diverge_in_update(trace)
            return
        loss = trace.loss
        self._commit([loss], self._w[:], grads, self._epoch_sum + loss)

    def _diverge_in_update(self, trace: Trace) -> None:
        rejected = self.optimizer.rejected_update()
        names = self.graph.weights
        node, value, what = (names[0] if names else "", math.nan, "a value")
        if rejected is not None:
            for i, name in enumerate(names):
                bad = [(key, float(values[i])) for key, values in rejected.items()
                       if not math.isfinite(values[i])]
                if bad:
                    key, value = bad[0]
                    node = name
                    what = name if key == "weights" else f"its {key} for {name}"
                    break
        outcome = f"would make {what} {value}"
        refused = self.optimizer.refused_statement()
        if refused is not None:  # the arithmetic raised: say where, and what
            target, index, error = refused
            node = names[index] if index is not None and index < len(names) else node
            what = (f"its {target}" if index is None else node if target == WEIGHT else
                    f"its {target} for {node}")
            value = math.inf if error is OverflowError else math.nan
            outcome = (f"would divide by zero computing {what}" if error is ZeroDivisionError
                       else f"would make {what} inf (an overflow)" if error is OverflowError
                       else f"would make {what} nan")
        self._diverge(node, None, "value", trace, value,
                      f"the {self.optimizer.title} update {outcome}; it was not applied")

    def _diverge(self, node: str, op: str | None, quantity: str, trace: Trace, value: float,
                 detail: str) -> None:
        self._diverged = Divergence(
            node=node, op=op, quantity=quantity, epoch=self._epoch,
            sample=self._sample_at(self._position), step=self._step, trace=trace,
            value=value, detail=detail)
        self._finished = True

    def _result(self, cursor: Cursor, before: list[float]) -> StepResult:
        loss, grads = self._last
        epoch_loss = holdout_loss = None
        if self._completed is not None and self._completed[0] == cursor.step:
            epoch_loss, holdout_loss = self._completed[1], self._completed[2]
        diverged = self._diverged
        if diverged is not None and diverged.step != cursor.step:
            diverged = None
        state = {key: _frozen(value) for key, value in self.optimizer.state().items()}
        return StepResult(
            cursor=cursor, loss=loss, weights_before=_frozen(before),
            weights=_frozen(self._w), grads=_frozen(grads),
            optimizer_state=MappingProxyType(state), epoch_loss=epoch_loss,
            diverged=diverged, finished=self._finished, holdout_loss=holdout_loss,
            stopped_early=self._stopped)

    def _require_unfinished(self) -> None:
        if not self._finished:
            return
        if self._diverged is not None:
            raise TrainingFinishedError(f"training diverged at step {self._diverged.step}; "
                                        "reset to start over")
        if self._stopped is not None:
            raise TrainingFinishedError(f"training {self._stopped.describe()}; reset to "
                                        "start over")
        raise TrainingFinishedError(f"training finished after {self.epochs} epochs; reset "
                                    "to start over")
