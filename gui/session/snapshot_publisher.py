"""The snapshots the views draw: taken from a run's course, and published at a bounded
rate.

:func:`take_snapshot` turns the live state (a :class:`~gui.session.course.Course` and
what the graph shows, :class:`Shown`) into one immutable :class:`~gui.snapshot.Snapshot`,
or the state after a past step when the graph shows one.  :class:`SnapshotPublisher`
keeps the newest snapshot and tells the views: the graph at most
:data:`MAX_FRAMES_PER_SECOND` times a second, readouts, tables and history plots at most
:data:`MAX_READOUTS_PER_SECOND`, or at once when asked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal

from core.autodiff.engine import Trace
from core.training.trainer import PastState, Trainer
from gui.session.course import Course
from gui.session.rate_limiter import RateLimiter
from gui.snapshot import HistorySnapshot, Snapshot

#: The graph redraws at most this often while training runs.
MAX_FRAMES_PER_SECOND = 40.0
#: Numbers people read (tables, readouts) and plots of the history redraw at most this often
#: while training runs: faster is unreadable, and plots of many thousands of points cost time.
MAX_READOUTS_PER_SECOND = 8.0


@dataclass(frozen=True)
class Shown:
    """What the graph shows besides the course itself.

    Attributes
    ----------
    run
        Counts restarts (views tell a new run from more steps of the same one).
    sample
        The sample whose pass the graph shows.
    viewing
        The past step shown instead of the present, or ``None``.
    original
        While a fork runs: the trainer of the run it branched off (drawn in grey).
    forked_at
        The step the fork branched off at, or ``None``.
    """

    run: int
    sample: int
    viewing: PastState | None = None
    original: Trainer | None = None
    forked_at: int | None = None


def take_snapshot(course: Course, shown: Shown) -> Snapshot:
    """Everything the views draw, as it is now (or after the past step shown)."""
    if shown.viewing is not None:
        return _past_snapshot(course, shown, shown.viewing)
    trainer = course.trainer
    config = course.config
    cursor = trainer.cursor
    last = course.last
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
        run=shown.run, graph=course.graph, dataset=course.dataset,
        optimizer=config.optimizer, hyperparameters=dict(config.hyperparameters),
        seed=config.seed, trace=shown_trace(trainer, shown.sample), sample=shown.sample,
        epoch=int(cursor.epoch), epochs=config.epochs, position=int(cursor.position),
        step=int(cursor.step), weights=weights, last_update=update,
        optimizer_state=state, last_loss=last_loss,
        epoch_loss=float(epoch_losses[-1]) if len(epoch_losses) else None,
        finished=bool(trainer.finished), divergence=trainer.diverged, history=history,
        changes=course.marks, original=_original_history(shown),
        forked_at=shown.forked_at, holdout_rows=int(trainer.holdout_rows.size),
    )


def _past_snapshot(course: Course, shown: Shown, past: PastState) -> Snapshot:
    """The graph, readouts and tables exactly as they were after a past step."""
    checkpoint = past.checkpoint
    config = course.config
    weights = np.array(checkpoint.weights)
    weights.flags.writeable = False
    history = HistorySnapshot.of(course.trainer.history)
    losses = checkpoint.epoch_loss
    return Snapshot(
        run=shown.run, graph=course.graph, dataset=course.dataset,
        optimizer=checkpoint.optimizer, hyperparameters=dict(config.hyperparameters),
        seed=config.seed, trace=past.trace, sample=past.cursor.sample,
        epoch=int(past.cursor.epoch), epochs=config.epochs,
        position=int(past.cursor.position), step=int(checkpoint.step), weights=weights,
        last_update=np.zeros_like(weights), optimizer_state=checkpoint.state_arrays(),
        last_loss=None, epoch_loss=float(losses[-1]) if losses else None,
        finished=False, divergence=None, history=history, changes=course.marks,
        original=_original_history(shown), forked_at=shown.forked_at,
        viewing=int(checkpoint.step), holdout_rows=int(course.trainer.holdout_rows.size),
    )


def _original_history(shown: Shown) -> HistorySnapshot | None:
    return None if shown.original is None else HistorySnapshot.of(shown.original.history)


def shown_trace(trainer: Trainer, sample: int) -> Trace:
    """The pass the graph shows: ``sample`` at the current weights, or after a divergence
    the pass that went non-finite."""
    divergence = trainer.diverged
    if divergence is not None and divergence.trace is not None:
        return divergence.trace
    return trainer.trace(sample)


class SnapshotPublisher(QObject):
    """Keeps the newest snapshot and tells the views, at a bounded rate.

    Parameters
    ----------
    take
        Takes a snapshot of the state now (called at most once per change of state:
        :meth:`invalidate` says the state changed).
    """

    #: Redraw the graph from this Snapshot (at most MAX_FRAMES_PER_SECOND while playing).
    snapshot_updated = Signal(object)
    #: Redraw readouts, tables and history plots from this Snapshot (at most
    #: MAX_READOUTS_PER_SECOND while playing; with every snapshot otherwise).
    readouts_updated = Signal(object)

    def __init__(self, take: Callable[[], Snapshot], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._take = take
        self._snapshot: Snapshot | None = None
        self._frames = RateLimiter(MAX_FRAMES_PER_SECOND, self._publish_frame, self)
        self._readouts = RateLimiter(MAX_READOUTS_PER_SECOND, self._publish_readouts, self)

    def snapshot(self) -> Snapshot:
        """The newest snapshot (taken now if the state changed since the last one)."""
        if self._snapshot is None:
            self._snapshot = self._take()
        return self._snapshot

    def invalidate(self) -> None:
        """The state changed: the next snapshot is taken afresh (nobody is told yet)."""
        self._snapshot = None

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
        """Stop the redraw timers."""
        self._frames.cancel()
        self._readouts.cancel()

    def _publish_frame(self) -> None:
        self.snapshot_updated.emit(self.snapshot())

    def _publish_readouts(self) -> None:
        self.readouts_updated.emit(self.snapshot())
