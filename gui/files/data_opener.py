"""Open data (Ctrl+O) and data files dropped on the window: read in the background with a
progress dialog whose Cancel keeps the current data, then a summary of what the file
holds (the target column chosen there); OK trains on it, Cancel keeps the current data.

:class:`DataOpener` gets the training session, the settings that remember the last
folder, the parent of its dialogs and two ways to speak (a status line, a warning
dialog), not the window.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, QObject, QSettings, Qt
from PySide6.QtWidgets import QFileDialog, QProgressDialog, QWidget

from core.data.datasets import SUPPORTED_SUFFIXES, DataError, Dataset, load_dataset
from core.training.config import DataSource
from gui.files.data_loader import DataLoader
from gui.files.data_summary import DataSummaryDialog

if TYPE_CHECKING:
    from gui.session.training_session import TrainingSession

DATA_FILTER = f"Data files ({' '.join('*' + s for s in SUPPORTED_SUFFIXES)});;All files (*)"


def dropped_path(mime: QMimeData) -> str | None:
    """The one local data file (by its suffix) a drag carries, or None."""
    urls = mime.urls() if mime.hasUrls() else []
    if len(urls) != 1 or not urls[0].isLocalFile():
        return None
    path = urls[0].toLocalFile()
    return path if Path(path).suffix.lower() in SUPPORTED_SUFFIXES else None


class DataOpener(QObject):
    """Opens data files for one training session.

    Parameters
    ----------
    training
        The training session that trains on the data opened.
    settings
        Where the folder of the last file opened is remembered (None: nowhere).
    parent
        The dialogs' parent widget.
    status
        Shows a line in the status bar.
    warn
        Shows a problem in a dialog that does not block (title, text).
    """

    def __init__(self, training: TrainingSession, settings: QSettings | None,
                 parent: QWidget, status: Callable[[str], None],
                 warn: Callable[[str, str], None]) -> None:
        super().__init__(parent)
        self._training = training
        self._settings = settings
        self._parent = parent
        self._status = status
        self._warn = warn
        # Files are read off the interface thread: a million-row CSV takes seconds.
        self.loader = DataLoader(parent)
        #: The summary of the last file loaded (None before the first).
        self.summary: DataSummaryDialog | None = None
        #: The progress dialog of the file loading now (None: none is).
        self.load_dialog: QProgressDialog | None = None
        self.loader.progressed.connect(self._on_progressed)
        self.loader.loaded.connect(self._on_loaded)
        self.loader.failed.connect(self._on_failed)
        self.loader.cancelled.connect(self._on_cancelled)

    def choose_file(self) -> None:
        """File > Open data…: a file dialog in the folder last used."""
        settings = self._settings
        start = str(settings.value("files/last_dir", "")) if settings else ""
        path, _ = QFileDialog.getOpenFileName(self._parent, "Open data", start, DATA_FILTER)
        if path:
            self.load_file(path)

    def load_file(self, path: str) -> None:
        """Load ``path`` in the background, with a progress dialog whose Cancel keeps the
        current data; train on it once loaded (or say what is wrong with it)."""
        self._close_load_dialog()
        dialog = QProgressDialog(f"Loading {Path(path).name}…", "Cancel", 0, 100,
                                 self._parent)
        dialog.setObjectName("load_progress")
        dialog.setWindowTitle("Open data")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(400)  # small files load before it would show
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(self.loader.cancel)
        self.load_dialog = dialog
        self._status(f"Loading {path}…")
        self.loader.load(path)
        dialog.setValue(0)

    def open_file(self, path: str) -> Dataset | None:
        """Load ``path`` now (on this thread) and train on it; on a problem, say so and keep
        the current data.  The Open data command uses :meth:`load_file`."""
        try:
            dataset = load_dataset(path)
        except DataError as problem:
            self._on_failed(path, str(problem))
            return None
        return self._use(path, dataset)

    def shutdown(self) -> None:
        """Stop a file being read (the window closing)."""
        self.loader.shutdown()

    def _use(self, path: str, dataset: Dataset) -> Dataset | None:
        try:
            # The config records the file with its hash, so a saved run can tell if the
            # file changed since.
            self._training.set_dataset(dataset, DataSource.file(path))
        except DataError as problem:
            self._on_failed(path, str(problem))
            return None
        if self._settings is not None:
            self._settings.setValue("files/last_dir", str(Path(path).resolve().parent))
        self._status(f"Loaded {dataset.display_name}: {len(dataset)} samples")
        return dataset

    def _on_progressed(self, path: str, percent: int) -> None:
        del path
        if self.load_dialog is not None:
            self.load_dialog.setValue(percent)

    def _on_loaded(self, path: str, dataset: object) -> None:
        """Loaded: show what the file holds and let the target column be chosen; OK uses
        it, Cancel keeps the current data."""
        self._close_load_dialog()
        assert isinstance(dataset, Dataset)
        training = self._training
        summary = DataSummaryDialog(dataset, training.graph.n_inputs, self._parent)
        summary.accepted.connect(lambda: self._use(path, summary.dataset()))
        summary.rejected.connect(lambda: self._status(
            f"Not used: {path}; still training on {training.dataset.display_name}"))
        summary.finished.connect(summary.deleteLater)
        self.summary = summary
        summary.open()

    def _on_failed(self, path: str, message: str) -> None:
        self._close_load_dialog()
        self._status(f"Could not use {path}")
        self._warn("Cannot use this data", message)

    def _on_cancelled(self, path: str) -> None:
        self._close_load_dialog()
        current = self._training.dataset.display_name
        self._status(f"Loading {path} cancelled; still training on {current}")

    def _close_load_dialog(self) -> None:
        dialog, self.load_dialog = self.load_dialog, None
        if dialog is not None:
            dialog.canceled.disconnect(self.loader.cancel)
            dialog.close()
            dialog.deleteLater()
