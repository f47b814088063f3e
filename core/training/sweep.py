"""Learning-rate sweeps: many runs of one model trained at once, one learning rate each.

``runs`` learning rates, log-spaced from ``lr_min`` to ``lr_max`` (both included), for each
of several optimizers.  Every run starts from the config's initial weights and visits the
samples in the order :class:`core.training.trainer.Trainer` does (its seed, shuffle and
epochs), so each run is the ``train`` run with that learning rate.  They are trained
together: the weights of all runs are one array ``(n_weights, runs)`` (a column per run,
every optimizer side by side), each step is one forward and backward pass over that array
(:meth:`core.autodiff.compiled.CompiledGraph.runs`) and one update per optimizer over its
columns, generated from the optimizer's rule (:mod:`core.training.vectorized`).

A run that meets an inf or nan is replayed for that step on the trainer itself, which
names the node exactly as ``train`` does; a run that truly diverged is frozen in place
(its column stops changing) while the others go on undisturbed.  Numbers are numpy's: the
updates and the arithmetic round as the trainer's do, but numpy's ``tanh`` (and the
sigmoid's formula) may differ from :mod:`math`'s in the last bit.  On the seed graph over
5 epochs, learning rates 1e-3..0.1, SGD runs agree with ``train`` to 1e-14 and Adam runs
to 3e-9 relative; where training is chaotic (Adam or Momentum at 0.3 and above there) such
differences grow, as they would between two machines.
"""

from __future__ import annotations

import difflib
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from core.autodiff.compiled import compiled_graph
from core.autodiff.engine import evaluate
from core.autodiff.graph import Graph
from core.training.checkpoint import Checkpoint
from core.training.history import MIN_LIMIT
from core.training.hyperparameters import EPOCHS, LR, HyperparameterError, flag, shown
from core.training.optimizers import OPTIMIZERS, optimizer_class
from core.training.trainer import Divergence, Trainer, TrainingData
from core.training.vectorized import RunsUpdate, runs_update

if TYPE_CHECKING:
    from core.training.config import TrainingConfig

__all__ = ["MAX_RUNS", "REPORT_INTERVAL", "SweepCancelled", "SweepError", "SweepResult", "SweepRun",
           "learning_rates", "run_sweep"]

#: Learning rates per optimizer at most.
MAX_RUNS = 1000

#: Seconds between calls of ``progress`` and ``cancelled`` at most (the clock is read
#: every 16 steps).
REPORT_INTERVAL = 0.02


class SweepError(HyperparameterError):
    """A sweep's range, run count or optimizer list that is not allowed."""


class SweepCancelled(Exception):  # noqa: N818  (the agreed name, as LandscapeCancelled)
    """``cancelled()`` returned True: the sweep stopped without a result."""


@dataclass(frozen=True)
class SweepRun:
    """One run of a sweep: the fields of ``train``'s result with this learning rate.

    Attributes
    ----------
    optimizer
        The optimizer's registry name.
    lr
        The learning rate.
    final_loss
        Mean loss over the data at the final weights (as ``train``'s ``final_loss``; for a
        diverged run, at the weights before the step that diverged).
    last_epoch_loss
        The last completed epoch's mean loss, ``None`` if none completed.
    epoch_loss
        The mean of the per-sample losses of each completed epoch, each loss computed
        before its update.
    diverged
        ``None``, or where the run diverged as ``train`` reports it: ``node``, ``op``,
        ``quantity``, ``epoch``, ``sample``, ``step`` and ``detail`` (the sentence).
    final_weights
        The weights at the end (before the failing step for a diverged run).
    steps
        Updates applied.
    holdout_loss
        Mean loss over the held-out rows at the final weights (``None``: none held out).
    accuracy
        With binary cross-entropy, as ``train``'s: per completed epoch, the fraction of
        training rows classified right at the weights the epoch ended with (else empty).
    """

    optimizer: str
    lr: float
    final_loss: float
    last_epoch_loss: float | None
    epoch_loss: tuple[float, ...]
    diverged: dict[str, Any] | None
    final_weights: tuple[float, ...] = ()
    steps: int = 0
    holdout_loss: float | None = None
    accuracy: tuple[float, ...] = ()


@dataclass(frozen=True)
class SweepResult:
    """Every run of a sweep, optimizer by optimizer, learning rates ascending.

    Attributes
    ----------
    runs
        The runs.
    optimizers
        The optimizers' names, in the order given.
    hyperparameters
        Each optimizer's other hyperparameters (all runs of it share them).
    weight_names, initial_weights
        The weights and where every run started.
    epochs, n_samples
        Epochs planned and samples per epoch (the training rows).
    holdout_rows
        Rows kept out of training (``config.holdout``).
    seconds
        Time spent training (the final losses and replays included).
    """

    runs: tuple[SweepRun, ...]
    optimizers: tuple[str, ...] = ()
    hyperparameters: Mapping[str, Mapping[str, float]] | None = None
    weight_names: tuple[str, ...] = ()
    initial_weights: tuple[float, ...] = ()
    epochs: int = 0
    n_samples: int = 0
    holdout_rows: int = 0
    seconds: float = 0.0

    def of(self, optimizer: str) -> tuple[SweepRun, ...]:
        """The runs of one optimizer."""
        return tuple(run for run in self.runs if run.optimizer == optimizer)

    @property
    def run_steps(self) -> int:
        """Updates applied over all runs."""
        return sum(run.steps for run in self.runs)


# -- checking the request -------------------------------------------------------------------


def learning_rates(lr_min: float, lr_max: float, runs: int) -> np.ndarray:
    """``runs`` log-spaced learning rates from ``lr_min`` to ``lr_max``, both included.

    Raises
    ------
    SweepError
        Unless 0 < lr_min < lr_max are finite learning rates and 1 <= runs <= MAX_RUNS
        (one run takes ``lr_min``).
    """
    for name, value in (("lr_min", lr_min), ("lr_max", lr_max)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) \
                or not math.isfinite(value) or value <= 0:
            raise SweepError(f"{flag(name)} must be a finite learning rate > 0, got "
                             f"{shown(value)}")
        try:
            LR.validate(float(value))
        except HyperparameterError as error:
            raise SweepError(f"{flag(name)}: {error}") from None
    if not lr_min < lr_max:
        raise SweepError(f"--lr-min must be below --lr-max, got {lr_min:g} and {lr_max:g}")
    if isinstance(runs, bool) or not isinstance(runs, (int, np.integer)) or runs < 1:
        raise SweepError(f"--runs must be a whole number >= 1, got {shown(runs)}")
    if runs > MAX_RUNS:
        raise SweepError(f"--runs {runs} is too many: at most {MAX_RUNS} learning rates per "
                         f"optimizer")
    if runs == 1:
        return np.array([float(lr_min)])
    return np.geomspace(float(lr_min), float(lr_max), int(runs))


def optimizer_names(optimizers: Sequence[str]) -> tuple[str, ...]:
    """The optimizers' registry names, checked: known, none twice, at least one.

    Raises
    ------
    SweepError
        For an unknown name (with the closest known one), a repeat or an empty list.
    """
    names: list[str] = []
    for given in optimizers:
        name = given.strip().lower() if isinstance(given, str) else given
        if name not in OPTIMIZERS:
            close = difflib.get_close_matches(str(name), list(OPTIMIZERS), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise SweepError(f"unknown optimizer {shown(given)}{hint}; known: "
                             f"{', '.join(OPTIMIZERS)}")
        if name in names:
            raise SweepError(f"optimizer {name} is listed twice")
        names.append(name)
    if not names:
        raise SweepError(f"no optimizer to sweep; known: {', '.join(OPTIMIZERS)}")
    return tuple(names)


def _hyperparameters(name: str, given: Mapping[str, float]) -> dict[str, float]:
    """The optimizer's hyperparameters but lr: its defaults, with the given values it has."""
    values = optimizer_class(name).defaults()
    values.update({key: value for key, value in given.items() if key in values})
    # Validated as a config would: an optimizer with these values.
    optimizer_class(name)(0, **values)
    values.pop("lr")
    return values


# -- the sweep --------------------------------------------------------------------------------


@dataclass
class _Group:
    """The columns of one optimizer and its generated update."""

    name: str
    start: int
    stop: int
    update: RunsUpdate
    values: dict[str, float]
    lr: np.ndarray
    state: list[np.ndarray]
    #: The step's new weights and state, before they are taken.
    new: tuple[np.ndarray, ...] = ()
    #: Columns of runs that diverged, frozen.
    frozen: list[int] = field(default_factory=list)


def run_sweep(config: TrainingConfig, optimizers: Sequence[str], lr_min: float,
              lr_max: float, runs: int, *, epochs: int | None = None,
              progress: Callable[[float], None] | None = None,
              cancelled: Callable[[], bool] | None = None,
              hyperparameters: Mapping[str, float] | None = None,
              epoch_finished: Callable[[int, np.ndarray], None] | None = None
              ) -> SweepResult:
    """Train ``runs`` learning rates per optimizer at once (see the module's docstring).

    Parameters
    ----------
    config
        The model, loss, data, held-out rows, seed, shuffle, clipping and initial weights
        (its optimizer and learning rate are not used; nor is early stopping: every run
        trains every epoch).
    optimizers
        Registry names (``sgd``, ``adam``, ...).
    lr_min, lr_max, runs
        The learning rates of every optimizer (:func:`learning_rates`).
    epochs
        Passes over the data (default: the config's).
    progress
        Called with the fraction of steps done (0..1): at the start, about every
        :data:`REPORT_INTERVAL` seconds, and with 1.0 at the end.
    cancelled
        Called at the start and about every :data:`REPORT_INTERVAL` seconds; True stops
        the sweep with :class:`SweepCancelled`.
    hyperparameters
        Other hyperparameters by name, for every optimizer that has them (default: the
        config's); the rest take their defaults.
    epoch_finished
        Called after each epoch with its number (from 0) and the epoch's mean loss of
        every run (nan for runs frozen before it ended), in :attr:`SweepResult.runs` order.

    Raises
    ------
    SweepError
        For a bad range, run count or optimizer list.
    core.training.hyperparameters.HyperparameterError
        For bad epochs or hyperparameter values.
    core.data.datasets.DataError, core.autodiff.engine.InputError
        As :meth:`core.training.trainer.Trainer.from_config`.
    SweepCancelled
        When ``cancelled()`` returned True.
    """
    started = time.perf_counter()
    names = optimizer_names(optimizers)
    rates = learning_rates(lr_min, lr_max, runs)
    epochs = config.epochs if epochs is None else EPOCHS.validate(epochs)
    given = dict(config.hyperparameters if hyperparameters is None else hyperparameters)
    values = {name: _hyperparameters(name, given) for name in names}
    # Every run trains all its epochs: early stopping would end runs at different epochs.
    config = config.replace(epochs=epochs, early_stop=None)
    graph, _ = config.build_graph()
    dataset = config.load_data()
    # The trainer of the first run: checks the data against the graph, and knows the
    # start, the training rows and the sample order exactly as train does.
    reference = Trainer.from_config(config.replace(optimizer=names[0], hyperparameters={
        **values[names[0]], "lr": float(rates[0])}), graph, dataset, history_limit=MIN_LIMIT)
    sweep = _Sweep(config, graph, dataset, reference, names, values, rates)
    sweep.train(progress, cancelled, epoch_finished)
    return sweep.result(time.perf_counter() - started)


class _Sweep:
    """The state of a sweep: every run's weights, optimizer state and losses."""

    def __init__(self, config: TrainingConfig, graph: Graph, dataset: TrainingData,
                 reference: Trainer, names: tuple[str, ...], values: dict[str, dict[str, float]],
                 rates: np.ndarray) -> None:
        self.config = config
        self.graph = graph
        self.dataset = dataset
        self.reference = reference
        self.values = values
        try:
            self.pass_ = compiled_graph(graph).runs()
        except RecursionError:
            raise SweepError(f"the graph is too large to sweep ({len(graph)} nodes); train "
                             "its learning rates one by one") from None
        self.n_weights = len(graph.weights)
        per = rates.size
        self.n_runs = per * len(names)
        start = np.asarray(reference.initial_weights, dtype=float)
        self.start = start
        # A column per run: each weight's row is contiguous, as the pass reads it.
        self.W = np.repeat(start[:, None], self.n_runs, axis=1)
        self.groups: list[_Group] = []
        for k, name in enumerate(names):
            update = runs_update(optimizer_class(name), values[name])
            self.groups.append(_Group(
                name=name, start=k * per, stop=(k + 1) * per, update=update,
                values=values[name], lr=rates.copy(),
                state=[np.zeros((self.n_weights, per)) for _ in update.slots]))
        self.epochs = config.epochs
        X = np.asarray(dataset.X, dtype=float)
        y = np.asarray(dataset.y, dtype=float).ravel()
        # A row of X gives numpy scalars, as the pass takes them (arithmetic on them is
        # numpy's), without a copy of the data.
        self.rows, self.targets = X, y
        self.n = reference.n_samples
        # The trainer's epoch orders are positions among the training rows.
        self.training_rows = reference.training_rows
        self.position_of = {row: k for k, row in enumerate(self.training_rows.tolist())}
        self.held_out = reference.holdout_rows
        # With binary cross-entropy, each epoch's accuracy (core.training.metrics).
        self.classifies = config.loss == "bce"
        self.accuracy: list[np.ndarray] = []
        self.active = np.ones(self.n_runs, dtype=bool)
        self.frozen: list[int] = []
        self.diverged: dict[int, dict[str, Any]] = {}
        self.completed = np.zeros(self.n_runs, dtype=int)  # epochs completed per run
        self.epoch_loss: list[np.ndarray] = []  # per completed epoch, nan for frozen runs
        self.steps = np.zeros(self.n_runs, dtype=int)
        self.t = 0  # updates applied to the running runs
        # Trainers that replay one run's step: per optimizer for steps the learning rate
        # cannot change, per run for the others.
        self.replayers: dict[int | str, Trainer] = {}

    # -- training ---------------------------------------------------------------------

    def train(self, progress: Callable[[float], None] | None,
              cancelled: Callable[[], bool] | None,
              epoch_finished: Callable[[int, np.ndarray], None] | None) -> None:
        total = self.epochs * self.n
        runs_pass = self.pass_
        clip_value, clip_norm = self.config.clip_value, self.config.clip_norm
        rows, targets = self.rows, self.targets
        W = self.W
        groups = self.groups
        single = len(groups) == 1
        shape = (self.n_weights, self.n_runs)
        add = np.add.reduce
        next_report = 0.0
        step = 0
        with np.errstate(all="ignore"):
            for epoch in range(self.epochs):
                order = self.reference.sample_order(epoch)
                esum = np.zeros(self.n_runs)
                for position, row in enumerate(order):
                    if step & 15 == 0 and (step == 0 or time.perf_counter() >= next_report):
                        if cancelled is not None and cancelled():
                            raise SweepCancelled("the sweep was cancelled")
                        if progress is not None:
                            progress(step / total)
                        next_report = time.perf_counter() + REPORT_INTERVAL
                    x, target = rows[row], targets[row]
                    loss, grads, check = runs_pass(x, target, W)
                    G = np.array(grads)
                    if G.shape != shape:  # some gradient the same for every run
                        G = np.array([np.broadcast_to(g, (self.n_runs,)) for g in grads])
                    check = check + add(G, 0)
                    if clip_value is not None:
                        G = np.clip(G, -clip_value, clip_value)
                    if clip_norm is not None:
                        norm = np.hypot.reduce(G, axis=0)
                        G = G * np.where(norm > clip_norm, clip_norm / norm, 1.0)
                    t = self.t + 1
                    for group in groups:
                        a, b = group.start, group.stop
                        group.new = new = group.update.apply(W[:, a:b], G[:, a:b], group.lr,
                                                             t, *group.state)
                        if len(new) > 1:  # the new state must be finite, as the trainer's
                            every = new[1]
                            for array in new[2:]:
                                every = every + array
                            check[a:b] += add(every, 0)
                    new_W = groups[0].new[0] if single else \
                        np.concatenate([group.new[0] for group in groups], axis=1)
                    check += add(new_W, 0)  # and the new weights
                    if loss.shape != (self.n_runs,):  # the same for every run
                        loss = np.broadcast_to(loss, (self.n_runs,))
                    frozen = self.frozen
                    if frozen:
                        check[frozen] = 0.0
                    # One sum: finite unless some run's is not (or it overflowed).
                    if not math.isfinite(add(check)):
                        bad = np.flatnonzero(~np.isfinite(check)).tolist()
                        if bad:
                            loss = loss.copy()
                        for run in bad:
                            self._replay(run, epoch, position, row, step, esum, loss, new_W)
                        frozen = self.frozen
                    if frozen:  # their columns stay as they are
                        new_W[:, frozen] = W[:, frozen]
                        for group in groups:
                            if group.frozen:
                                for old, array in zip(group.state, group.new[1:], strict=True):
                                    array[:, group.frozen] = old[:, group.frozen]
                    W = self.W = new_W
                    for group in groups:
                        group.state = list(group.new[1:])
                    esum += loss
                    self.t = t
                    step += 1
                means = esum / self.n
                means[~self.active] = np.nan
                self.epoch_loss.append(means)
                self.completed[self.active] += 1
                if self.classifies:
                    self.accuracy.append(self._accuracy())
                if epoch_finished is not None:
                    epoch_finished(epoch, means.copy())
        if progress is not None:
            progress(1.0)
        self.steps = np.where(self.active, total, self.steps)

    def _accuracy(self) -> np.ndarray:
        """Every running run's accuracy over the training rows at its weights now."""
        from core.training.metrics import accuracy

        X = np.asarray(self.dataset.X, dtype=float)[self.training_rows]
        y = np.asarray(self.dataset.y, dtype=float).ravel()[self.training_rows]
        compiled = compiled_graph(self.graph)
        result = np.full(self.n_runs, np.nan)
        for run in np.flatnonzero(self.active).tolist():
            result[run] = accuracy(compiled.outputs(X, self.W[:, run]), y)
        return result

    def _group_of(self, run: int) -> _Group:
        for group in self.groups:
            if group.start <= run < group.stop:
                return group
        raise IndexError(run)

    def _replay(self, run: int, epoch: int, position: int, row: int, step: int,
                esum: np.ndarray, loss: np.ndarray, new_W: np.ndarray) -> None:
        """Redo one run's step on a trainer (the trace path when anything is inf or nan):
        freeze the run if it diverged, else take the trainer's step."""
        group = self._group_of(run)
        column = run - group.start
        weights = self.W[:, run].tolist()
        # The trainer's own per-sample pass: when it flags the step and the trace has an
        # inf or nan, the trainer stops before the update, whatever the learning rate.
        x, target = self.rows[row].tolist(), float(self.targets[row])
        _, _, check = compiled_graph(self.graph).sample(x, target, weights)
        stops = check - check != 0.0 and \
            evaluate(self.graph, x, target, weights).first_nonfinite() is not None
        trainer = self._replayer(group.name if stops else run, group, column)
        slots = group.update.slots
        order = None
        if self.config.shuffle:
            order = tuple(self.position_of[row] for row in self.reference.sample_order(epoch))
        trainer.restore(Checkpoint(
            step=step, epoch=epoch, position=position,
            weights=tuple(weights), optimizer=group.name,
            optimizer_state={slot: tuple(state[:, column].tolist())
                             for slot, state in zip(slots, group.state, strict=True)},
            optimizer_steps=self.t if group.update.counts_steps else 0,
            epoch_sum=float(esum[run]),
            epoch_loss=tuple(float(means[run]) for means in self.epoch_loss),
            seed=self.config.seed,
            shuffle=self.config.shuffle, order=order,
            # Not computed during sweeps; read only by early stopping, which is off.
            holdout_loss=(math.nan,) * epoch if self.held_out.size else ()))
        result = trainer.step_sample()
        if result.diverged is not None:
            self.diverged[run] = divergence_fields(result.diverged)
            self.active[run] = False
            self.frozen.append(run)
            group.frozen.append(column)
            self.steps[run] = step
            self.replayers.pop(run, None)  # never needed again
            return
        # A false alarm (a check that overflowed, or numpy's inf where math's is finite):
        # the run goes on from the trainer's numbers.
        new_W[:, run] = result.weights
        state = trainer.optimizer.state()
        for k, slot in enumerate(slots):
            group.new[1 + k][:, column] = state[slot]
        loss[run] = result.loss

    def _replayer(self, key: int | str, group: _Group, column: int) -> Trainer:
        """The replay trainer of a run (``key`` its index) or of an optimizer (its name:
        any of its learning rates will do)."""
        trainer = self.replayers.get(key)
        if trainer is None:
            config = self.config.replace(optimizer=group.name, hyperparameters={
                **group.values, "lr": float(group.lr[column])})
            trainer = Trainer.from_config(config, self.graph, self.dataset,
                                          history_limit=MIN_LIMIT)
            self.replayers[key] = trainer
        return trainer

    # -- the result -----------------------------------------------------------------------

    def result(self, seconds: float) -> SweepResult:
        compiled = compiled_graph(self.graph)
        X = np.asarray(self.dataset.X, dtype=float)
        y = np.asarray(self.dataset.y, dtype=float).ravel()
        held = self.held_out
        X_train, y_train = X[self.training_rows], y[self.training_rows]
        X_held, y_held = X[held], y[held]
        runs: list[SweepRun] = []
        for group in self.groups:
            for column, lr in enumerate(group.lr.tolist()):
                run = group.start + column
                weights = self.W[:, run]
                done = int(self.completed[run])
                epoch_loss = tuple(float(means[run]) for means in self.epoch_loss[:done])
                runs.append(SweepRun(
                    optimizer=group.name, lr=lr,
                    final_loss=compiled.mean_loss(X_train, y_train, weights),
                    last_epoch_loss=epoch_loss[-1] if epoch_loss else None,
                    epoch_loss=epoch_loss, diverged=self.diverged.get(run),
                    accuracy=tuple(float(a[run]) for a in self.accuracy[:done]),
                    final_weights=tuple(weights.tolist()), steps=int(self.steps[run]),
                    holdout_loss=compiled.mean_loss(X_held, y_held, weights)
                    if held.size else None))
        return SweepResult(
            runs=tuple(runs), optimizers=tuple(group.name for group in self.groups),
            hyperparameters={group.name: dict(group.values) for group in self.groups},
            weight_names=tuple(self.graph.weights),
            initial_weights=tuple(self.start.tolist()), epochs=self.epochs,
            n_samples=self.n, holdout_rows=int(held.size), seconds=seconds)


def divergence_fields(divergence: Divergence) -> dict[str, Any]:
    """Where a run diverged, as ``train``'s JSON says it."""
    return {"node": divergence.node, "op": divergence.op, "quantity": divergence.quantity,
            "epoch": divergence.epoch, "sample": divergence.sample, "step": divergence.step,
            "detail": divergence.detail}
