"""Loading a data file off the interface thread, with progress and Cancel.

:class:`DataLoader` reads a file with :func:`core.data.datasets.load_dataset` in a worker on
its own ``QThread`` and reports through signals: the window stays responsive while a
million-row CSV is parsed.  Cancel returns at once; the worker stops at its next progress
report and whatever it still sends is ignored, so a cancelled load never replaces the data
the window has.  The loader knows nothing of the window: anything that wants a
:class:`~core.data.datasets.Dataset` from a file (Open data, a data summary dialog, a
target-column choice) can use it.

Usage::

    loader = DataLoader(parent)
    loader.loaded.connect(use_dataset)       # (path, Dataset)
    loader.failed.connect(show_problem)      # (path, one-line message)
    loader.progressed.connect(progress_bar)  # (path, percent 0..100)
    loader.load(path, target_column=-1)
    loader.cancel()
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QThread, Signal, Slot

from core.data.datasets import DataError, LoadCancelledError, load_dataset
from core.training.trainer import python_rows
from gui.worker_threads import join_finished, stop_all, worker_thread


class _LoadWorker(QObject):
    """Runs one load; meant for ``moveToThread``."""

    progressed = Signal(int, int)  # token, percent
    loaded = Signal(int, object)  # token, Dataset
    failed = Signal(int, str)  # token, message
    cancelled = Signal(int)  # token

    def __init__(self, token: int, path: str, target_column: int) -> None:
        super().__init__()
        self.token = token
        self.path = path
        self.target_column = target_column
        self._cancel = threading.Event()
        self._percent = -1

    def cancel(self) -> None:
        """Ask the load to stop (thread-safe)."""
        self._cancel.set()

    def _progress(self, fraction: float) -> None:
        if self._cancel.is_set():
            raise LoadCancelledError
        percent = int(100 * fraction)
        if percent != self._percent:  # at most 101 signals per load
            self._percent = percent
            self.progressed.emit(self.token, percent)

    @Slot()
    def run(self) -> None:
        try:
            dataset = load_dataset(self.path, self.target_column, progress=self._progress)
        except LoadCancelledError:
            self.cancelled.emit(self.token)
        except DataError as error:
            self.failed.emit(self.token, str(error))
        except MemoryError:
            self.failed.emit(self.token, f"{self.path}: there is not enough memory to load it")
        else:
            # The trainer's Python copy of the rows, made here rather than on the
            # interface thread when the window starts training on the data (python_rows
            # keeps it for the dataset): half a second for a million rows.
            python_rows(dataset, dataset.X, dataset.y)
            self.loaded.emit(self.token, dataset)


class DataLoader(QObject):
    """Loads data files in the background, one at a time.

    Notes
    -----
    Public API: :meth:`load`, :meth:`cancel`, :meth:`running`, :meth:`shutdown`; signals
    :attr:`started`, :attr:`progressed`, :attr:`loaded`, :attr:`failed`,
    :attr:`cancelled`.  Exactly one of loaded, failed or cancelled ends every load started
    (a new :meth:`load` cancels the one before).
    """

    #: Argument: the path.
    started = Signal(str)
    #: Arguments: the path, the percent done (0..100).
    progressed = Signal(str, int)
    #: Arguments: the path, the Dataset.
    loaded = Signal(str, object)
    #: Arguments: the path, what is wrong with the file (one line).
    failed = Signal(str, str)
    #: Argument: the path whose load was cancelled.
    cancelled = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._token = 0
        self._path = ""
        self._worker: _LoadWorker | None = None
        self._thread: QThread | None = None
        self._threads: dict[QThread, _LoadWorker] = {}

    def running(self) -> bool:
        """Whether a load is under way."""
        return self._worker is not None

    def load(self, path: str, target_column: int = -1) -> None:
        """Start loading ``path`` (cancelling a load under way)."""
        self.cancel()
        self._token += 1
        self._path = path
        worker = _LoadWorker(self._token, path, target_column)
        worker.progressed.connect(self._on_progressed)
        worker.loaded.connect(self._on_loaded)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        thread = worker_thread(self, worker, (worker.loaded, worker.failed, worker.cancelled),
                               self._on_thread_finished)
        self._worker, self._thread = worker, thread
        self._threads[thread] = worker
        self.started.emit(path)
        thread.start()

    def cancel(self) -> None:
        """Stop the load under way, if any: it reports :attr:`cancelled` now and nothing
        else later."""
        worker = self._worker
        if worker is None:
            return
        worker.cancel()
        self._worker = self._thread = None
        self.cancelled.emit(self._path)

    def shutdown(self) -> None:
        """Stop every worker and wait for their threads (the window is closing)."""
        self._worker = self._thread = None
        stop_all(self._threads)

    # -- from the worker (queued into this thread) -------------------------------------

    def _current(self, token: int) -> bool:
        return self._worker is not None and token == self._worker.token

    def _finish(self) -> None:
        self._worker = self._thread = None

    def _on_progressed(self, token: int, percent: int) -> None:
        if self._current(token):
            self.progressed.emit(self._path, percent)

    def _on_loaded(self, token: int, dataset: object) -> None:
        if self._current(token):
            self._finish()
            self.loaded.emit(self._path, dataset)

    def _on_failed(self, token: int, message: str) -> None:
        if self._current(token):
            self._finish()
            self.failed.emit(self._path, message)

    def _on_cancelled(self, token: int) -> None:
        if self._current(token):  # cancelled from inside (not by cancel(): that said so)
            self._finish()
            self.cancelled.emit(self._path)

    def _on_thread_finished(self) -> None:
        join_finished(self._threads)
