"""Time travel and forks: the graph shows a past step of the run exactly as it was, and
training may go on from there on a branch (a fork) while the original run stays drawn, to
go back to.

A past step is rebuilt by the :class:`~gui.session.course.Course` (the stretch that
trained it replays from its nearest checkpoint); a fork is a trainer forked at that step,
on the same sample order, optionally with other settings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

from PySide6.QtCore import QObject, Signal

from core.training.trainer import PastState, Trainer
from gui.session import status_words
from gui.session.course import Course, new_optimizer
from gui.session.snapshot_publisher import SnapshotPublisher


@dataclasses.dataclass(frozen=True)
class _Original:
    """The run a fork branched off (to show and to go back to), and where."""

    course: Course
    step: int


class TimeTravel(QObject):
    """Shows past steps of a :class:`~gui.session.course.Course` and forks it.

    Parameters
    ----------
    course
        The run (shared with the session's other parts).
    publisher
        Where the views' snapshots come from (told when the shown state changes).
    follow
        Called when the live trainer changed: the shown sample follows it.
    """

    #: The graph shows a past step (argument: the step) or the present again (-1).
    time_travelled = Signal(int)
    #: A fork trains with these settings.  Arguments: name, {hyperparameter: value}.
    optimizer_changed = Signal(str, object)
    #: A line for the status bar.
    status_reported = Signal(str)

    def __init__(self, course: Course, publisher: SnapshotPublisher,
                 follow: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._course = course
        self._publisher = publisher
        self._follow = follow
        self._viewing: PastState | None = None
        self._original: _Original | None = None

    @property
    def viewing(self) -> PastState | None:
        """The past step the graph shows (None: the present)."""
        return self._viewing

    @property
    def forked_at(self) -> int | None:
        """The step the running fork branched off at (None: no fork)."""
        return None if self._original is None else self._original.step

    @property
    def original(self) -> Trainer | None:
        """While a fork runs: the live trainer of the run it branched off."""
        return None if self._original is None else self._original.course.trainer

    def forget(self) -> None:
        """The run started over: no past step shown, no fork (nobody is told)."""
        self._viewing = None
        self._original = None

    # -- time travel --------------------------------------------------------------------

    def view_step(self, step: int) -> PastState:
        """Show the graph exactly as it was after ``step`` steps.

        Raises
        ------
        core.training.checkpoint.CheckpointError
            If ``step`` is not in the run.
        """
        past = self._course.rebuild(step)
        self._viewing = past
        self._publisher.invalidate()
        self.time_travelled.emit(step)
        self._publisher.publish()
        self.status_reported.emit(status_words.viewing(step, past.cursor.sample))
        return past

    def back_to_present(self) -> None:
        """Show the present again."""
        if self.to_present():
            self._publisher.publish()

    def to_present(self) -> bool:
        """Show the present again without redrawing yet; whether it was a past step."""
        if self._viewing is None:
            return False
        self._viewing = None
        self._publisher.invalidate()
        self.time_travelled.emit(-1)
        return True

    # -- forks --------------------------------------------------------------------------

    def resume_from(self, step: int, optimizer: str | None = None,
                    hyperparameters: Mapping[str, float] | None = None) -> None:
        """Fork the run after ``step`` steps, optionally with another optimizer or
        hyperparameters; the original run is kept (see :meth:`discard_fork`).

        Raises
        ------
        core.training.config.ConfigError
            For an unknown optimizer or a bad value.
        core.training.checkpoint.CheckpointError
            If ``step`` is not in the run.  Nothing changes on an error.
        """
        course = self._course
        config = course.config
        if optimizer is not None and optimizer != config.optimizer:
            config = config.replace(optimizer=optimizer)
        if hyperparameters:
            config = config.with_hyperparameters(**hyperparameters)
        index = course.stretch_index(step)
        source = course.stretch(index)
        # The settings in force at ``step``: the stretch's own.
        at_step = course.settings_of(index)
        change: str | None = None
        if (config.optimizer, dict(config.hyperparameters)) == \
                (at_step.optimizer, dict(at_step.hyperparameters)):
            fork = source.fork(step)
            config = at_step
        else:
            fork = source.fork(step, new_optimizer(config, course.graph))
            change = status_words.describe_change(at_step, config)
        if self._original is None:
            self._original = _Original(course.copy(), step)
        else:
            self._original = dataclasses.replace(self._original, step=step)
        course.branch(step, index, fork, config, change)
        self._viewing = None
        self._follow()  # the sample the fork trains next
        self.optimizer_changed.emit(config.optimizer, dict(config.hyperparameters))
        self.time_travelled.emit(-1)
        self._publisher.publish()
        self.status_reported.emit(status_words.forked(step))

    def fork_with_weights(self, values: Mapping[str, float]) -> None:
        """Fork the run at the step shown with some weights moved (``values``: weight id
        to new value); the fork's own past starts there.

        Raises
        ------
        KeyError
            For a name that is not a weight of the graph; nothing changes then.
        """
        graph = self._course.graph
        names = graph.weights
        for name in values:
            if name not in names:
                raise KeyError(f"{name} is not a weight of the graph")
        viewing = self._viewing
        step = self._course.trainer.cursor.step if viewing is None \
            else viewing.checkpoint.step
        self.resume_from(step)
        trainer = self._course.trainer
        checkpoint = trainer.checkpoint()
        weights = list(checkpoint.weights)
        for name, value in values.items():
            weights[names.index(name)] = float(value)
        trainer.restore(dataclasses.replace(checkpoint, weights=tuple(weights)))
        self._publisher.publish()
        moved = {graph[name].name: float(value) for name, value in values.items()}
        self.status_reported.emit(status_words.forked(step, moved))

    def discard_fork(self) -> None:
        """Drop the fork and continue the original run where it was."""
        original = self._original
        if original is None:
            return
        course = self._course
        course.restore(original.course)
        self._original, self._viewing = None, None
        self._follow()
        self.optimizer_changed.emit(course.config.optimizer, dict(course.config.hyperparameters))
        self.time_travelled.emit(-1)
        self._publisher.publish()
        self.status_reported.emit(status_words.FORK_DISCARDED)
