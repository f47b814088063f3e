"""File > Open session, Save session, Save session as: the window's side of session files
(:mod:`core.training.session_file`).

Saving writes the run's first configuration, its mid-run changes, the state at the cursor
and the history, atomically.  Opening checks the file and replays the run before anything
in the window changes: a file that cannot be opened is explained in a dialog and the
current run stays as it was.  When the session's data file changed since it was saved,
the window warns and asks whether to use the file as it is now.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from core.data.datasets import DataError, load_dataset
from core.training.registrations import Registered
from core.training.session_file import (
    DataChangedError,
    SessionError,
    accept_current_data,
    capture,
    open_session,
    read_session,
    save_session,
)
from gui.plain_text import plain_message_box
from gui.session.training_session import HISTORY_LIMIT, TrainingSession

SESSION_FILTER = "Backprop Explorer sessions (*.bpsession.json *.json);;All files (*)"
SESSION_SUFFIX = ".bpsession.json"


class SessionFiles(QObject):
    """Saves and opens sessions for one window.

    Parameters
    ----------
    training
        The window's training session.
    window
        The parent of the dialogs.
    report
        Called with (title, problem) for a failure, ("", message) for a success.
    """

    #: The file the run was last saved to or opened from ("" for none).
    path_changed = Signal(str)
    #: A session was opened (its run adopted).
    opened = Signal()

    def __init__(self, training: TrainingSession, window: QWidget,
                 report: Callable[[str, str], None]) -> None:
        super().__init__(window)
        self.training = training
        self.window = window
        self.report = report
        self.path = ""
        #: Answers "use the changed data file?"; replaced in tests.
        self.ask_to_use_changed_data: Callable[[DataChangedError], bool] = self._ask

    # -- saving --------------------------------------------------------------------------

    def save(self) -> bool:
        """Save to the current file, or ask for one."""
        if not self.path:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        start = self.path or f"run{SESSION_SUFFIX}"
        path, _ = QFileDialog.getSaveFileName(self.window, "Save session", start,
                                              SESSION_FILTER)
        if not path:
            return False
        if not path.lower().endswith(".json"):
            path += SESSION_SUFFIX
        return self.save_to(path)

    def save_to(self, path: str) -> bool:
        """Write the run to ``path`` (atomically); report success or the problem."""
        training = self.training
        data = training.base_config.data
        try:
            other_target = data.path is not None and training.dataset.target_name != \
                load_dataset(data.path).target_name
        except DataError as problem:
            self.report("Cannot save the session", str(problem))
            return False
        if other_target:
            # Session files name the data file, whose target is its last column.
            self.report("Cannot save the session",
                        f"this run trains on {data.path} with {training.dataset.target_name}"
                        " as the target; a session can only record the file's last column "
                        "as the target")
            return False
        try:
            save_session(path, capture(training.base_config, training.trainer,
                                       training.changes))
        except (SessionError, DataError) as problem:
            self.report("Cannot save the session", str(problem))
            return False
        self._set_path(path)
        self.report("", f"Saved the session at step {training.trainer.cursor.step} to {path}")
        return True

    # -- opening -------------------------------------------------------------------------

    def choose_and_open(self) -> bool:
        start = str(Path(self.path).parent) if self.path else ""
        path, _ = QFileDialog.getOpenFileName(self.window, "Open session", start,
                                              SESSION_FILTER)
        return bool(path) and self.open_path(path)

    def open_path(self, path: str) -> bool:
        """Open the session in ``path``; on any problem say so and change nothing."""
        # Reading registers the ops and optimizer it embeds: taken back if it is refused.
        registered = Registered()
        try:
            session = read_session(path)
            try:
                opened = open_session(session, path, history_limit=HISTORY_LIMIT)
            except DataChangedError as changed:
                if not self.ask_to_use_changed_data(changed):
                    registered.restore()
                    self.report("", f"Not opened: {changed.path} changed since the session "
                                    "was saved")
                    return False
                opened = open_session(accept_current_data(session), path,
                                      history_limit=HISTORY_LIMIT)
        except SessionError as problem:
            registered.restore()
            self.report("Cannot open the session", str(problem))
            return False
        self.training.adopt(opened)
        self._set_path(path)
        self.opened.emit()
        how = "" if opened.replayed else " (restored; its earlier steps cannot be shown)"
        self.report("", f"Opened {path}: step {opened.trainer.cursor.step}{how}")
        return True

    def _ask(self, changed: DataChangedError) -> bool:
        box = plain_message_box(  # the message quotes the file's path
            QMessageBox.Icon.Warning, "The data changed",
            f"{changed}.\n\nUse the file as it is now? The run is replayed on it and "
            "refused if it does not arrive at the saved state.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self.window)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.exec()
        return box.standardButton(box.clickedButton()) == QMessageBox.StandardButton.Yes

    def _set_path(self, path: str) -> None:
        self.path = path
        self.path_changed.emit(path)
