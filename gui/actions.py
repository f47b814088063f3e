"""The training commands as QActions, shared by menus, toolbar and side-panel buttons.

One action per command means one shortcut, one enabled state and one check state, however
many buttons show it.  Texts and keys come from :mod:`gui.keymap`.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction

from gui.keymap import make_action
from gui.session import Session


class TrainingActions(QObject):
    """Step, epoch, play/pause and reset, bound to the session.  Stepping or resetting
    pauses first.

    ``forward`` is what the step action does (the window sends it to a lesson or the
    stepper when one is active); by default it trains one sample.  ``epoch`` likewise for
    Step epoch (which finishes the current phase while stepping).
    """

    def __init__(self, session: Session, parent: QObject | None = None,
                 forward: Callable[[], object] | None = None,
                 epoch: Callable[[], object] | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.step_sample = make_action(self, "step_forward",
                                       forward if forward is not None else self._on_step_sample)
        self.step_epoch = make_action(self, "step_epoch",
                                      epoch if epoch is not None else self._on_step_epoch)
        self.play = make_action(self, "play", self._on_play)
        self.reset = make_action(self, "reset", self._on_reset)
        session.play.training_started.connect(lambda: self._show_running(True))
        session.play.training_paused.connect(lambda: self._show_running(False))

    def all(self) -> list[QAction]:
        return [self.step_sample, self.step_epoch, self.play, self.reset]

    def by_name(self) -> dict[str, QAction]:
        """The actions under their keymap names."""
        return {action.objectName(): action for action in self.all()}

    def _on_step_sample(self) -> None:
        self.session.play.pause()
        self.session.training.step_sample()

    def _on_step_epoch(self) -> None:
        self.session.play.pause()
        self.session.training.step_epoch()

    def _on_reset(self) -> None:
        self.session.play.pause()
        self.session.training.reset()

    def _on_play(self) -> None:
        self.session.play.toggle_play()
        self._show_running(self.session.play.running)

    def _show_running(self, running: bool) -> None:
        self.play.blockSignals(True)
        self.play.setChecked(running)
        self.play.blockSignals(False)
        self.play.setText("&Pause" if running else "&Play")
