"""Check my backward…: run a student's ``backward_propagation`` file against the engine,
off the interface thread, and show which weights it gets wrong.

Running it is an explicit act: a file dialog, then a confirmation that says the file's code
will run (contained, in a separate process with a time limit; the result says which
protections this machine gave).  The check runs in a worker thread that
touches no widget; its report (or the one-line reason the file cannot be checked) comes
back by a queued signal.  The window keeps working meanwhile, and whatever the file does,
the app keeps running.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt, QThread, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from core.autodiff.graph import Graph
from core.backward_check.checker import (
    DEFAULT_SAMPLES,
    BackwardCheckReport,
    StudentCodeError,
    check_backward_file,
)
from core.backward_check.points import notebook_aliases
from core.backward_check.sandbox import DEFAULT_TIMEOUT
from core.data.datasets import Dataset
from gui.formatting import short_number
from gui.graph.verdict_mark import WeightMark

PYTHON_FILTER = "Python files (*.py);;All files (*)"
#: Where the file dialog opens the first time: the shipped example backward files.
EXAMPLES_FOLDER = Path(__file__).resolve().parents[2] / "resources" / "examples"
#: The settings key remembering the folder of the last file checked.
FOLDER_KEY = "files/backward_dir"
#: Points a check from the window runs at (at least; 40 for the seed).
WINDOW_SAMPLES = DEFAULT_SAMPLES


class BackwardCheckThread(QThread):
    """Runs one check; emits ``succeeded(report)`` or ``failed(message)``."""

    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, path: str, graph: Graph, dataset: Dataset,
                 aliases: Mapping[str, str], timeout: float = DEFAULT_TIMEOUT,
                 parent: QObject | None = None,
                 current_weights: Sequence[float] | None = None) -> None:
        super().__init__(parent)
        self.timeout = timeout
        self.path = path
        self.graph = graph
        self.dataset = dataset
        self.aliases = dict(aliases)
        #: The run's weights: some of the check's points are taken there.
        self.current_weights = None if current_weights is None else list(current_weights)
        self.cancel = threading.Event()

    def run(self) -> None:
        try:
            report = check_backward_file(self.path, self.graph, self.dataset, self.aliases,
                                         samples=WINDOW_SAMPLES, timeout=self.timeout,
                                         cancel=self.cancel,
                                         current_weights=self.current_weights)
        except StudentCodeError as error:
            self.failed.emit(str(error))
        except Exception as error:  # anything else must reach the user, not kill the app
            self.failed.emit(f"{Path(self.path).name} could not be checked: "
                             f"{type(error).__name__}: {error}")
        else:
            self.succeeded.emit(report)


def weight_marks(report: BackwardCheckReport) -> dict[str, WeightMark]:
    """A mark for every weight: wrong ones say their error and the worst sample."""
    marks = {}
    for finding in report.weights:
        if finding.verdict == "correct":
            marks[finding.name] = WeightMark("correct")
            continue
        error = finding.max_relative_error
        size = short_number(error, 2)
        marks[finding.name] = WeightMark(finding.verdict,
                                         f"error {size}, worst sample {finding.worst_sample}")
    return marks


def summary(report: BackwardCheckReport) -> str:
    """What the result dialog says, in plain words."""
    name = Path(report.path).name
    lines = []
    if not report.flagged:
        lines.append(f"{name}: every derivative is correct at {report.samples} points.")
    else:
        lines.append(f"{name}: {', '.join(f.key for f in report.weights if f.verdict != 'correct')}"
                     f" {'is' if len(report.flagged) == 1 else 'are'} not right "
                     f"({report.samples} points).")
        for f in report.weights:
            if f.verdict == "correct":
                continue
            lines.append(f"  {f.key}: wrong at {f.wrong_points} of {report.samples} points; "
                         f"worst at sample {f.worst_sample}: yours "
                         f"{short_number(f.student, 6)}, exact {short_number(f.exact, 6)}")
    if report.message:
        lines.append(report.message[0].upper() + report.message[1:] + ".")
    if report.forward is not None:
        forward = report.forward
        if forward.verdict == "correct":
            lines.append("forward_propagation: correct.")
        else:
            lines.append(f"forward_propagation: {forward.verdict} "
                         f"({', '.join(forward.wrong) or 'no loss'}); backward was checked "
                         "with the engine's forward values.")
    lines += ["", containment_line(report)]
    return "\n".join(lines)


def containment_line(report: BackwardCheckReport) -> str:
    """Which protections applied to the student's code, in one sentence."""
    return f"Your code ran {report.containment.describe()}."


class BackwardChecker(QObject):
    """The window's "Check my backward…" command: choose, confirm, run, report.

    ``started``, ``finished(report)`` and ``failed(message)`` let the window mark the graph
    and tests wait; the dialogs are parented to ``window``; the folder last chosen is
    remembered in ``settings`` (if given).
    """

    started = Signal(str)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, window: QWidget, settings: QSettings | None = None) -> None:
        super().__init__(window)
        self.window = window
        self._settings = settings
        self._thread: BackwardCheckThread | None = None
        #: Seconds the student's code may run.
        self.timeout = DEFAULT_TIMEOUT
        self.last_report: BackwardCheckReport | None = None
        self.last_message = ""
        #: Where the file dialog opens: the examples the first time, then the folder of
        #: the last file chosen (remembered in the window's settings, if it has any).
        remembered = settings.value(FOLDER_KEY, "") if settings is not None else ""
        self.folder = str(remembered) if remembered and Path(str(remembered)).is_dir() \
            else str(EXAMPLES_FOLDER)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    def choose_and_run(self, graph: Graph, dataset: Dataset,
                       current_weights: Sequence[float] | None = None) -> None:
        """File dialog, confirmation, then :meth:`start`."""
        if self.running:
            QMessageBox.information(self.window, "Check my backward",
                                    "A check is already running.")
            return
        path, _ = QFileDialog.getOpenFileName(self.window, "Check my backward: choose your "
                                              "Python file", self.folder, PYTHON_FILTER)
        if path:
            self._remember_folder(str(Path(path).resolve().parent))
        if path and self.confirm(path):
            self.start(path, graph, dataset, current_weights)

    def _remember_folder(self, folder: str) -> None:
        self.folder = folder
        if self._settings is not None:
            self._settings.setValue(FOLDER_KEY, folder)

    def confirm(self, path: str) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Question, "Run your code?",
            f"This runs the Python code in {Path(path).name} on this computer, in a separate "
            f"process stopped after {self.timeout:g} s, calling its backward_propagation "
            f"(and forward_propagation) at {WINDOW_SAMPLES} or more points.\n\n"
            "It runs contained as far as this computer allows (its own empty folder, no "
            "network, no access to your files); the result says which protections applied."
            "\n\nOnly run files you trust. Run it?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self.window)
        # The file's name is the user's: shown as it is, never read as markup.
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes

    def start(self, path: str, graph: Graph, dataset: Dataset,
              current_weights: Sequence[float] | None = None) -> None:
        """Run the check in a worker thread (no dialog)."""
        if self.running:
            return
        thread = BackwardCheckThread(path, graph, dataset, notebook_aliases(graph), self.timeout,
                                     self, current_weights)
        thread.succeeded.connect(self._on_succeeded)
        thread.failed.connect(self._on_failed)
        # Forgotten only once the thread has really ended (its report arrives just before):
        # a window closing in between still waits for it.
        thread.finished.connect(self._on_thread_finished)
        self._thread = thread
        self.started.emit(path)
        thread.start()

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until the running check ends (for tests)."""
        thread = self._thread
        return thread is None or thread.wait(msecs)

    def cancel(self) -> None:
        """Stop a running check at once and wait for its thread (the window closing)."""
        thread = self._thread
        if thread is None:
            return
        with contextlib.suppress(RuntimeError):  # already disconnected
            thread.succeeded.disconnect()
            thread.failed.disconnect()
        thread.cancel.set()
        thread.wait()
        self._thread = None

    def _on_thread_finished(self) -> None:
        thread = self.sender()
        if thread is self._thread:
            self._thread = None
        if thread is not None:
            thread.deleteLater()

    def _on_succeeded(self, report: BackwardCheckReport) -> None:
        self.last_report = report
        self.last_message = summary(report)
        self.finished.emit(report)
        self._show(QMessageBox.Icon.Information if not report.flagged
                   else QMessageBox.Icon.Warning, "Check my backward", self.last_message)

    def _on_failed(self, message: str) -> None:
        self.last_report = None
        self.last_message = message
        self.failed.emit(message)
        self._show(QMessageBox.Icon.Warning, "Your file cannot be checked", message)

    def _show(self, icon: QMessageBox.Icon, title: str, text: str) -> None:
        # Not modal-blocking: the window stays usable and tests are not stopped.
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self.window)
        # The text holds the student's own words (an exception's message): never markup.
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setObjectName("check_backward_result")
        box.setModal(False)
        box.open()
