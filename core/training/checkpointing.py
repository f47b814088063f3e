"""A trainer's checkpoints: which fit it, loading their optimizer state, and the ones it
keeps every ``K`` steps (:class:`core.training.checkpoint_log.CheckpointLog`).

The trainer (:meth:`core.training.trainer.Trainer.restore`) calls :func:`check_fits`
before it changes anything, so a checkpoint that does not fit leaves it as it was; a
kept checkpoint is written with :func:`keep_checkpoint` and read back whole with
:func:`logged_checkpoint` (what the log does not store is derived exactly: the epoch and
position from the step, the completed epochs' losses from the history, the sample order
from the seed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from core.training.checkpoint import Checkpoint, CheckpointError
from core.training.hyperparameters import HyperparameterError

if TYPE_CHECKING:
    import numpy as np

    from core.training.checkpoint_log import CheckpointLog
    from core.training.history import History
    from core.training.optimizers import Optimizer

__all__ = ["Schedule", "check_fits", "keep_checkpoint", "load_optimizer_state",
           "logged_checkpoint"]


class Schedule(Protocol):
    """What decides whether a checkpoint fits a run (:class:`Trainer` has it)."""

    seed: int
    shuffle: bool
    epochs: int
    optimizer: Optimizer

    @property
    def n_weights(self) -> int: ...

    @property
    def n_samples(self) -> int: ...

    @property
    def total_steps(self) -> int: ...

    @property
    def holdout_rows(self) -> np.ndarray: ...


def _on_off(flag: bool) -> str:
    return "on" if flag else "off"


def check_fits(cp: Checkpoint, run: Schedule, optimizer_state: bool) -> None:
    """Whether ``cp`` can be continued by ``run``: same number of weights, seed and shuffle,
    a step within the run on data of its size, held-out losses exactly when rows are held
    out, and (with ``optimizer_state``) the optimizer's kind.

    Raises
    ------
    CheckpointError
        Naming what does not fit.
    """
    if len(cp.weights) != run.n_weights:
        raise CheckpointError(f"the checkpoint has {len(cp.weights)} weights, the graph "
                              f"has {run.n_weights}")
    if (cp.seed, cp.shuffle) != (run.seed, run.shuffle):
        raise CheckpointError(
            f"the checkpoint was made with seed {cp.seed}, shuffle {_on_off(cp.shuffle)}; "
            f"this run has seed {run.seed}, shuffle {_on_off(run.shuffle)}")
    n = run.n_samples
    if cp.step != cp.epoch * n + cp.position or cp.position >= n:
        raise CheckpointError(f"the checkpoint's step {cp.step} (epoch {cp.epoch}, "
                              f"position {cp.position}) does not fit data of {n} samples")
    if cp.step > run.total_steps:
        raise CheckpointError(f"the checkpoint is at step {cp.step}, beyond this run's "
                              f"{run.total_steps} steps ({run.epochs} epochs)")
    if cp.order is not None and len(cp.order) != n:
        raise CheckpointError(f"the checkpoint's order has {len(cp.order)} samples, the "
                              f"data has {n}")
    held = run.holdout_rows.size
    if held and len(cp.holdout_loss) != cp.epoch:
        raise CheckpointError("the checkpoint has no held-out losses; this run holds "
                              f"{held} rows out")
    if not held and cp.holdout_loss:
        raise CheckpointError("the checkpoint has held-out losses; this run holds no rows "
                              "out")
    if optimizer_state and cp.optimizer != run.optimizer.name:
        raise CheckpointError(f"the checkpoint's optimizer state is for {cp.optimizer}, "
                              f"this run uses {run.optimizer.name}")


def load_optimizer_state(optimizer: Optimizer, cp: Checkpoint) -> None:
    """Set ``optimizer``'s state (its vectors, and its step count if it counts steps) from
    ``cp``, whose optimizer must be of the same kind (:func:`check_fits`).

    Raises
    ------
    CheckpointError
        If the state does not fit the optimizer; the optimizer is unchanged then.
    """
    state: dict[str, object] = dict(cp.state_arrays())
    if optimizer.counts_steps:
        state["t"] = cp.optimizer_steps
    try:
        optimizer.load_state(state)  # type: ignore[arg-type]
    except HyperparameterError as error:
        raise CheckpointError(str(error)) from None


def keep_checkpoint(log: CheckpointLog, step: int, epoch_sum: float, optimizer: Optimizer,
                    weights: list[float]) -> None:
    """Add the state after ``step`` updates to ``log``."""
    state = optimizer.state()
    log.add(step, epoch_sum, optimizer.step_count, weights,
            {slot: state[slot].tolist() for slot in optimizer.slots})


def logged_checkpoint(log: CheckpointLog, index: int, run: Schedule, history: History,
                      order_of: Callable[[int], tuple[int, ...] | None]) -> Checkpoint:
    """The whole checkpoint kept at ``log``'s row ``index``.

    Parameters
    ----------
    log, index
        The kept checkpoints and which one.
    run
        Its seed, shuffle, optimizer and samples per epoch.
    history
        The run's history, for the losses of the epochs completed before the checkpoint.
    order_of
        An epoch's sample order (``None``: dataset order).
    """
    step, epoch_sum, optimizer_steps, weights, state = log.read(index)
    epoch, position = divmod(step, run.n_samples)
    return Checkpoint(
        step=step, epoch=epoch, position=position, weights=tuple(weights),
        optimizer=run.optimizer.name,
        optimizer_state={slot: tuple(values) for slot, values in state.items()},
        optimizer_steps=optimizer_steps, epoch_sum=epoch_sum,
        epoch_loss=tuple(history.epoch_loss()[:epoch].tolist()), seed=run.seed,
        shuffle=run.shuffle, order=order_of(epoch),
        holdout_loss=tuple(history.holdout_loss()[:epoch].tolist()))
