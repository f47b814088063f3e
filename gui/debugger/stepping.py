"""Stepping mode: one training step node by node, on the window's training state.

The controller plans the step the trainer takes next (:func:`core.debugger.stepper.
plan_next_step`) and moves a :class:`~core.debugger.stepper.Stepper` over it; views listen
to :attr:`SteppingController.position_changed`.  Stepping changes nothing: the step is
trained for real (by the training session, exactly as Step sample trains it) when the user steps
past the last position, leaves the mode or presses Play.  The plan's numbers are the
step's numbers: a test checks the weights are the same to the last bit.

A change of model, data or optimizer while stepping plans the new next step afresh.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from core.debugger.nonfinite import NonFiniteReport, explain_nonfinite
from core.debugger.stepper import PHASE_TITLES, Stepper, StepPlan, StepPosition, plan_next_step

if TYPE_CHECKING:
    from gui.session import Session


class SteppingController(QObject):
    """Stepping mode over the window's training session.

    Parameters
    ----------
    session
        The window's session: its training session trains the step, its play loop plays.
    """

    #: Stepping mode began.
    started = Signal()
    #: Stepping mode ended.
    stopped = Signal()
    #: The stepper moved (or a new step was planned).  Argument: the StepPosition.
    position_changed = Signal(object)
    #: One line for the status bar.
    status_reported = Signal(str)

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        training = session.training
        self.plan: StepPlan | None = None
        self.stepper: Stepper | None = None
        self.problem: NonFiniteReport | None = None
        self._planned_at = -1
        for signal in (training.training_restarted, training.graph_changed,
                       training.dataset_changed, training.optimizer_changed):
            signal.connect(self._replan)
        training.step_finished.connect(self._on_step_finished)

    # -- state ----------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return self.stepper is not None

    @property
    def position(self) -> StepPosition | None:
        return None if self.stepper is None else self.stepper.position

    def where(self) -> str:
        """``Backward pass 12/36 · step 4, sample 3``: where the stepper is, for people.
        Steps are numbered as everywhere in the app: by the updates done before them (the
        first is step 0, as in "Diverged at step 1")."""
        if self.stepper is None or self.plan is None:
            return ""
        position = self.stepper.position
        span = self.plan.phase_range(position.phase)
        title = PHASE_TITLES[position.phase]
        return (f"{title[:1].upper()}{title[1:]} {position.index - span.start + 1}/"
                f"{len(span)} · step {self.session.training.trainer.cursor.step}, sample "
                f"{self.plan.sample}")

    # -- entering and leaving ---------------------------------------------------------------

    def start(self, index: int = 0) -> bool:
        """Enter stepping mode on the next training step, at position ``index``
        (negative counts from the end).  Returns whether it could."""
        self.session.play.pause()
        trainer = self.session.training.trainer
        if trainer.finished and trainer.diverged is None:
            self.status_reported.emit("Every epoch is trained: Reset (R) to step through "
                                      "a step again")
            return False
        was_active = self.active
        self._plan(index)
        if not was_active:
            self.started.emit()
        self._announce()
        return True

    def start_at_problem(self) -> bool:
        """Enter stepping mode on the step that went non-finite, at the first offending
        node."""
        if not self.start():
            return False
        plan, stepper = self.plan, self.stepper
        if plan is None or stepper is None:
            return False
        if self.problem is not None:
            stepper.go(self.problem.position)
        elif plan.new_weights is None and len(plan.phase_range("update")):
            # Every number of the pass is finite; the optimizer's update is not.
            stepper.go(plan.phase_range("update").start)
        self._announce()
        return True

    def stop(self, *, finish: bool = True) -> None:
        """Leave stepping mode; with ``finish``, the step is trained normally (as Step
        sample trains it)."""
        if self.stepper is None:
            return
        self.stepper = None
        self.plan = None
        self.problem = None
        if finish and self._can_finish():
            self.session.training.step_sample()
        self.stopped.emit()

    def toggle(self, on: bool | None = None) -> None:
        """Enter or leave stepping mode."""
        wanted = not self.active if on is None else bool(on)
        if wanted and not self.active:
            self.start()
        elif not wanted and self.active:
            self.stop()
        else:
            # Whoever asked shows the state it expected; say the real one again.
            (self.started if self.active else self.stopped).emit()

    def play(self) -> None:
        """Finish the step being stepped through, then play."""
        self.stop()
        self.session.play.play()

    # -- moving ---------------------------------------------------------------------------

    def next(self) -> None:
        """One position on; past the last one, train the step and plan the next."""
        if self.stepper is None:
            return
        if not self.stepper.at_end:
            self.stepper.forward()
            self._announce()
            return
        if not self._can_finish():
            self.status_reported.emit(self.problem.reason if self.problem is not None
                                      else "This step cannot be trained")
            return
        # The session reports the step; _on_step_finished plans the next one.
        self.session.training.step_sample()

    def previous(self) -> None:
        if self.stepper is not None:
            self.stepper.back()
            self._announce()

    def start_of_pass(self) -> None:
        if self.stepper is not None:
            self.stepper.start_of_pass()
            self._announce()

    def end_of_pass(self) -> None:
        if self.stepper is not None:
            self.stepper.end_of_pass()
            self._announce()

    def finish_phase(self) -> None:
        if self.stepper is not None:
            self.stepper.finish_phase()
            self._announce()

    def go(self, index: int) -> None:
        if self.stepper is not None:
            self.stepper.go(index)
            self._announce()

    # -- internals ------------------------------------------------------------------------

    def _plan(self, index: int) -> None:
        trainer = self.session.training.trainer
        self._planned_at = trainer.cursor.step
        plan = plan_next_step(trainer)
        self.plan = plan
        self.problem = explain_nonfinite(plan)
        self.stepper = Stepper(plan, index if index >= 0 else len(plan) + index)

    def _can_finish(self) -> bool:
        trainer = self.session.training.trainer
        return not trainer.finished

    def replan(self) -> None:
        """Plan the next step afresh (the training state changed under the stepper)."""
        self._replan()

    def _replan(self, *_args: object) -> None:
        if self.stepper is None:
            return
        trainer = self.session.training.trainer
        if trainer.finished and trainer.diverged is None:
            self.stop(finish=False)
            return
        self._plan(0)
        self._announce()

    def _on_step_finished(self, *_args: object) -> None:
        """Training moved on (this controller's own step, or any other): plan the step
        that comes next, or at a divergence the one that failed."""
        trainer = self.session.training.trainer
        if self.stepper is not None and (trainer.cursor.step != self._planned_at
                                         or trainer.diverged is not None):
            self._replan()

    def _announce(self) -> None:
        if self.stepper is not None:
            self.position_changed.emit(self.stepper.position)
