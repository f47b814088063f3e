"""Asking before a trained run is lost: Save, Discard or Cancel when the window closes.

The window asks its :class:`QuitGuard` (if it has one) before closing.  The guard knows
whether at least one step was trained since the run was last opened or saved; only then
it asks, with Qt's standard buttons: Save (the session, as File > Save session does; a
cancelled or failed save keeps the window open), Discard (close) or Cancel (keep the
window).  A window gets a guard only when ``python main.py`` opens it for a user: not
with ``--screenshot`` and not in tests that do not give it one, so nothing can wait for an
answer nobody gives.  Ctrl+C in the terminal closes the window without asking
(:func:`close_on_interrupt`).
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

if TYPE_CHECKING:
    from gui.files.session_files import SessionFiles
    from gui.session.training_session import TrainingSession

__all__ = ["Answer", "QuitGuard", "close_on_interrupt"]

Answer = QMessageBox.StandardButton
#: How often Python gets to run a pending Ctrl+C while Qt waits for events (ms).
INTERRUPT_POLL_MS = 200


class QuitGuard(QObject):
    """Whether closing the window loses trained steps, and asking the user if so.

    Parameters
    ----------
    training
        The training session whose trained steps are counted.
    session_files
        Saves the run (File > Save session); saving or opening a file counts as saved.
    window
        The window asking; the question's parent.

    Notes
    -----
    Public API: :attr:`unsaved`, :meth:`may_close`, :meth:`disarm`; :attr:`ask` shows the
    question and returns the button chosen (tests replace it).
    """

    def __init__(self, training: TrainingSession, session_files: SessionFiles,
                 window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self._training = training
        self._session_files = session_files
        self._unsaved = False
        self._armed = True
        training.step_finished.connect(self._trained)
        # Starting over leaves no trained step to lose.
        training.training_restarted.connect(self._saved)
        # Saved to, or opened from, a file.
        session_files.path_changed.connect(self._saved)
        #: Shows the question; returns Save, Discard or Cancel.
        self.ask: Callable[[str], Answer] = self._ask

    @property
    def unsaved(self) -> bool:
        """At least one step was trained since the run was last opened or saved."""
        return self._unsaved

    def may_close(self) -> bool:
        """Whether the window may close now (asking first when trained steps are unsaved)."""
        if not self._unsaved or not self._armed:
            return True
        step = self._training.trainer.cursor.step
        answer = self.ask(f"The run is at step {step}, with steps trained since it was "
                          "last saved. Save it as a session before quitting?")
        if answer == Answer.Save:
            return self._session_files.save()
        return answer == Answer.Discard

    def disarm(self) -> None:
        """Closing no longer asks (Ctrl+C in the terminal)."""
        self._armed = False

    def _trained(self, *_args: object) -> None:
        self._unsaved = True

    def _saved(self, *_args: object) -> None:
        self._unsaved = False

    def _ask(self, text: str) -> Answer:
        box = QMessageBox(QMessageBox.Icon.Question, "Save the run?", text,
                          Answer.Save | Answer.Discard | Answer.Cancel, self.window)
        box.setObjectName("quit_box")
        box.setDefaultButton(Answer.Save)
        box.setEscapeButton(Answer.Cancel)
        box.exec()
        return box.standardButton(box.clickedButton())


def close_on_interrupt(window: QWidget, guard: QuitGuard | None = None
                       ) -> Callable[[], bool]:
    """Ctrl+C (SIGINT) in the terminal closes ``window`` without asking (``guard``, its
    quit guard, is disarmed) and quits.

    Returns a function telling whether that happened (the exit status is then 130).
    Qt's event loop does not run Python code while it waits, so a timer wakes it a few
    times a second to let Python's signal handler run.
    """
    interrupted = [False]

    def handler(_signum: int, _frame: object) -> None:
        interrupted[0] = True
        if guard is not None:
            guard.disarm()
        window.close()
        QApplication.quit()

    signal.signal(signal.SIGINT, handler)
    poll = QTimer(window)
    poll.timeout.connect(lambda: None)
    poll.start(INTERRUPT_POLL_MS)
    return lambda: interrupted[0]
