"""Time travel in a run: the state after any past step, rebuilt exactly, and forks from it.

Every ``K`` steps the trainer keeps a checkpoint (:mod:`core.training.checkpoint_log`).
The state after step ``s`` is the nearest kept checkpoint at or before ``s`` with the
steps between replayed on a separate trainer (a *replayer*, made once and reused while the
optimizer's rule stays the same): at most ``K - 1`` steps, the same arithmetic in the same
order, so the numbers are equal bit for bit.  A fork is a new trainer loaded with such a
state, continuing on the same sample order with the same or another optimizer.

:class:`Replay` does this for one trainer, through the few members listed in
:class:`Replayable` (:class:`core.training.trainer.Trainer` has them).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from core.training.checkpoint import Checkpoint, CheckpointError
from core.training.history import MIN_LIMIT

if TYPE_CHECKING:
    from core.autodiff.engine import Trace
    from core.training.checkpoint_log import CheckpointLog
    from core.training.history import History
    from core.training.optimizers import Optimizer
    from core.training.results import Cursor

__all__ = ["PastState", "Replay", "Replayable"]


@dataclass(frozen=True)
class PastState:
    """The state after some step, rebuilt (:meth:`Replay.rebuild`).

    Attributes
    ----------
    checkpoint
        Weights, optimizer state and cursor after ``checkpoint.step`` updates.
    cursor
        The next sample to train from there (as :attr:`Trainer.cursor` would say).
    trace
        The trace of that sample at those weights: what the next step computes.
    """

    checkpoint: Checkpoint
    cursor: Cursor
    trace: Trace


class Replayable(Protocol):
    """What replaying needs of a trainer: its state now, its kept checkpoints, and a way
    to make a trainer like it, load a state into one and step it."""

    optimizer: Optimizer
    history: History

    @property
    def cursor(self) -> Cursor: ...

    @property
    def checkpoints(self) -> CheckpointLog: ...

    def checkpoint(self) -> Checkpoint: ...

    def cursor_at(self, checkpoint: Checkpoint) -> Cursor: ...

    def trace(self, sample: int | None = None,
              weights: Sequence[float] | None = None) -> Trace: ...

    def _logged_checkpoint(self, index: int) -> Checkpoint: ...

    def _twin(self, optimizer: Optimizer | None = None,
              history_limit: int | None = None) -> Replayable: ...

    def _load(self, cp: Checkpoint, optimizer_state: bool, *, history: History | None,
              log: CheckpointLog | None) -> None: ...

    def _advance(self, n_steps: int) -> None: ...


class Replay:
    """Rebuilds the past states of one run and branches off them.

    Parameters
    ----------
    run
        The trainer whose past this is; it is read, never changed.
    """

    @property
    def _run(self) -> Replayable:
        run = self._run_ref()
        if run is None:  # pragma: no cover - the trainer owns its replay
            raise ReferenceError("the trainer of this replay is gone")
        return run

    def __init__(self, run: Replayable) -> None:
        # Weakly: the trainer owns this object, and a cycle back to it would keep every
        # trainer of a comparison alive until the garbage collector ran.
        self._run_ref = weakref.ref(run)
        self._replayer: Replayable | None = None

    def state_at(self, step: int) -> Checkpoint:
        """The state after ``step`` updates of the run, rebuilt exactly (bit for bit).

        Raises
        ------
        CheckpointError
            If ``step`` is not between the first kept checkpoint (0 unless the run was
            restored) and the current step.
        """
        run = self._run
        now = run.cursor.step
        if step > now:
            raise CheckpointError(f"step {step} has not been trained: this run is at step "
                                  f"{now}")
        if step == now:
            return run.checkpoint()
        log = run.checkpoints
        index = log.nearest(step)
        if index is None:
            first = int(log.steps()[0])
            raise CheckpointError(f"step {step} is before this run's first checkpoint "
                                  f"(step {first}, where it was restored)")
        base = run._logged_checkpoint(index)
        if base.step == step:
            return base
        replayer = self._replayer
        if replayer is None or replayer.optimizer.values != run.optimizer.values \
                or type(replayer.optimizer) is not type(run.optimizer):
            replayer = self._replayer = run._twin(history_limit=MIN_LIMIT)
        replayer._load(base, True, history=None, log=None)
        replayer._advance(step - base.step)
        return replayer.checkpoint()

    def rebuild(self, step: int) -> PastState:
        """The state after ``step`` updates, the next sample and its trace there.

        Raises
        ------
        CheckpointError
            As :meth:`state_at`.
        """
        checkpoint = self.state_at(step)
        cursor = self._run.cursor_at(checkpoint)
        return PastState(checkpoint, cursor, self._run.trace(cursor.sample, checkpoint.weights))

    def is_own_past(self, checkpoint: Checkpoint) -> bool:
        """Whether ``checkpoint`` is the run's own state at its step (rebuilt identical)."""
        try:
            rebuilt = self.state_at(checkpoint.step)
        except CheckpointError:
            return False
        return rebuilt.identical(checkpoint)

    def branch(self, fork: Replayable, checkpoint: Checkpoint) -> None:
        """Load ``checkpoint`` (from :meth:`state_at`) into ``fork`` (a new trainer like
        the run, :meth:`Replayable._twin`), with the run's history up to its step, and the
        run's kept checkpoints when the fork's optimizer has the same rule."""
        run = self._run
        same_kind = fork.optimizer.name == run.optimizer.name
        same_rule = same_kind and fork.optimizer.values == run.optimizer.values
        # With the same rule the fork's past is the run's, and replays of it agree.
        log = run.checkpoints.copy() if same_rule else None
        fork._load(checkpoint, same_kind, history=run.history.copy(), log=log)
