"""Computing loss landscapes off the interface thread, one at a time, the newest wins.

:class:`LandscapeRunner` owns one worker thread.  :meth:`LandscapeRunner.request` asks
for a grid; at most one is computed at a time: a request made while one runs cancels it
(it is stale: the newest request describes what the window shows) and waits for it to
stop, then the newest pending request starts.  The worker computes with
:func:`core.geometry.landscape.landscape_grid`, whose ``progress`` callback comes between
chunks: it reports the fraction done and pauses for a moment (:data:`GIL_PAUSE`), so the
interface thread gets the interpreter several times a second whatever the grid's size,
as the comparison worker does; its ``cancelled`` callback reads the job's flag.  The
contour lines are traced in the worker too (:mod:`gui.geometry.landscape_contours`), so
the interface thread only hands arrays to pyqtgraph.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from core.autodiff.graph import Graph
from core.geometry.landscape import (
    Landscape,
    LandscapeCancelled,
    full_batch_gradient,
    landscape_grid,
)
from gui.geometry.landscape_contours import band_edges, contour_segments

#: Seconds the worker leaves the interpreter free between chunks of the grid, at most
#: every PAUSE_EVERY seconds (progress is reported then too).
GIL_PAUSE = 0.003
PAUSE_EVERY = 0.015
#: Filled bands of the full-batch loss (lines between them), and lines of the sample's loss.
BANDS = 12
SAMPLE_LINES = 6


@dataclass(frozen=True, eq=False)
class LandscapeJob:
    """What to compute: a grid of the loss over two weights, the others held.

    Attributes
    ----------
    graph, X, Y
        The model and the rows it trains on (copies: the worker reads them).
    weights
        All the weights, the pair's at the square's centre.
    pair
        The two weights (ids), x then y.
    span, grid
        Half-width of the square around the centre; points per side.
    sample
        The row whose own loss is drawn as lines.
    current
        The weights now, where the full-batch gradient is wanted (None: not wanted).
    """

    graph: Graph
    X: np.ndarray
    Y: np.ndarray
    weights: np.ndarray
    pair: tuple[str, str]
    span: float
    grid: int
    sample: int
    current: np.ndarray | None = None
    token: int = 0
    cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def centre(self) -> tuple[float, float]:
        """The pair's values at the square's centre."""
        weights = self.graph.weights
        return (float(self.weights[weights.index(self.pair[0])]),
                float(self.weights[weights.index(self.pair[1])]))


@dataclass(frozen=True)
class Lines:
    """Contour lines: segment end points in pairs, and the levels they are at."""

    x: np.ndarray
    y: np.ndarray
    levels: np.ndarray


@dataclass(frozen=True)
class LandscapePicture:
    """A computed grid and everything drawn from it, for linear and log colours.

    Attributes
    ----------
    job
        What was asked.
    landscape
        The core's grid.
    edges
        ``{log: band edges}`` (in log10 of the loss when ``log``), or None when the loss
        has no finite (positive) value.
    bands
        ``{log: the lines between the bands}``.
    sample_lines
        ``{log: the current sample's loss lines}``.
    seconds
        The whole job's time, lines included.
    gradient
        The full-batch gradient at ``job.current`` (None when not asked for).
    """

    job: LandscapeJob
    landscape: Landscape
    edges: dict[bool, np.ndarray | None]
    bands: dict[bool, Lines]
    sample_lines: dict[bool, Lines]
    seconds: float
    gradient: np.ndarray | None = None


def _lines(xs: np.ndarray, ys: np.ndarray, values: np.ndarray,
           levels: np.ndarray) -> Lines:
    x, y = contour_segments(xs, ys, values, levels.tolist())
    return Lines(x, y, levels)


def picture(job: LandscapeJob, landscape: Landscape, seconds: float,
            gradient: np.ndarray | None = None) -> LandscapePicture:
    """The contour lines of ``landscape`` for both colour scales."""
    xs, ys = np.asarray(landscape.xs), np.asarray(landscape.ys)
    loss = np.asarray(landscape.loss, dtype=float)
    sample = np.asarray(landscape.sample_loss, dtype=float)
    edges: dict[bool, np.ndarray | None] = {}
    bands: dict[bool, Lines] = {}
    sample_lines: dict[bool, Lines] = {}
    for log in (False, True):
        edge = band_edges(loss, BANDS, log=log)
        edges[log] = edge
        inner = np.empty(0) if edge is None else edge[1:-1]
        bands[log] = _lines(xs, ys, loss, 10.0 ** inner if log else inner)
        own = band_edges(sample, SAMPLE_LINES, log=log)
        levels = np.empty(0) if own is None else own[1:-1]
        sample_lines[log] = _lines(xs, ys, sample, 10.0 ** levels if log else levels)
    return LandscapePicture(job, landscape, edges, bands, sample_lines, seconds, gradient)


class LandscapeWorker(QObject):
    """Computes jobs sent to :meth:`run`; lives in the runner's thread."""

    #: Arguments: token, fraction done.
    progressed = Signal(int, float)
    #: Arguments: token, LandscapePicture.
    finished = Signal(int, object)
    #: Argument: token.
    cancelled = Signal(int)
    #: Arguments: token, one line saying what went wrong.
    failed = Signal(int, str)

    @Slot(object)
    def run(self, job: LandscapeJob) -> None:
        started = time.perf_counter()
        paused = [started]

        def progress(fraction: float) -> None:
            # Numpy holds the interpreter between its calls: a short sleep now and then
            # lets the interface thread in between chunks.
            now = time.perf_counter()
            if now - paused[0] >= PAUSE_EVERY:
                time.sleep(GIL_PAUSE)
                paused[0] = time.perf_counter()
                if not job.cancel.is_set():
                    self.progressed.emit(job.token, float(fraction))

        try:
            if job.cancel.is_set():
                raise LandscapeCancelled
            landscape = landscape_grid(job.graph, job.X, job.Y, job.weights, job.pair,
                                       span=job.span, grid=job.grid, sample=job.sample,
                                       progress=progress, cancelled=job.cancel.is_set)
            time.sleep(GIL_PAUSE)
            if job.cancel.is_set():
                raise LandscapeCancelled
            gradient = None if job.current is None else \
                full_batch_gradient(job.graph, job.X, job.Y, job.current)
            result = picture(job, landscape, time.perf_counter() - started, gradient)
        except LandscapeCancelled:
            self.cancelled.emit(job.token)
            return
        except Exception as error:  # reported in the view; the app goes on
            self.failed.emit(job.token, str(error) or type(error).__name__)
            return
        self.finished.emit(job.token, result)


class LandscapeRunner(QObject):
    """At most one landscape in flight; a newer request cancels the running one.

    Notes
    -----
    Signals: :attr:`started` (a job began), :attr:`progressed`, :attr:`finished`,
    :attr:`failed`.  A cancelled job sends nothing; :attr:`cancelled_jobs` counts them.
    """

    started = Signal(object)
    #: Argument: fraction done of the current job.
    progressed = Signal(float)
    #: Argument: the LandscapePicture of the newest request.
    finished = Signal(object)
    #: Argument: one line.
    failed = Signal(str)
    _submit = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread(self)
        self._thread.setObjectName("landscape_thread")
        self._worker = LandscapeWorker()
        self._worker.moveToThread(self._thread)
        self._submit.connect(self._worker.run)
        self._worker.progressed.connect(self._on_progressed)
        self._worker.finished.connect(self._on_finished)
        self._worker.cancelled.connect(self._on_done)
        self._worker.failed.connect(self._on_failed)
        self._thread.finished.connect(self._worker.deleteLater)
        # The thread starts with the first job: a window whose landscape is never shown
        # has no thread to stop (a script that builds a window and exits without quitting
        # the application would otherwise destroy a running QThread).
        # The window's close stops the thread (shutdown); quitting without it does too.
        application = QCoreApplication.instance()
        if application is not None:
            application.aboutToQuit.connect(self.shutdown)
        self._token = 0
        self._running: LandscapeJob | None = None
        self._pending: LandscapeJob | None = None
        self._closed = False
        #: Jobs stopped before their end because a newer one was asked for.
        self.cancelled_jobs = 0
        #: Jobs started.
        self.started_jobs = 0

    def busy(self) -> bool:
        """Whether a job runs or waits."""
        return self._running is not None or self._pending is not None

    def request(self, job: LandscapeJob, *, cancel_running: bool = True) -> LandscapeJob:
        """Compute ``job`` next; an older waiting request is dropped.  ``cancel_running``:
        the running job (if any) is stale and stops at its next chunk; otherwise it
        finishes first.  Returns the job as numbered."""
        if self._closed:
            return job
        self._token += 1
        numbered = replace(job, token=self._token, cancel=threading.Event())
        if cancel_running and self._running is not None \
                and not self._running.cancel.is_set():
            self._running.cancel.set()
            self.cancelled_jobs += 1
        self._pending = numbered
        self._start_pending()
        return numbered

    def cancel(self) -> None:
        """Stop the running job and drop the waiting one (what they show is gone)."""
        self._pending = None
        if self._running is not None and not self._running.cancel.is_set():
            self._running.cancel.set()
            self.cancelled_jobs += 1

    def shutdown(self) -> None:
        """Stop the job and the thread, and wait for it (the window is closing)."""
        if self._closed:
            return
        self._closed = True
        self.cancel()
        if self._thread.isRunning():
            self._thread.quit()
            self._thread.wait()

    def _start_pending(self) -> None:
        if self._running is not None or self._pending is None or self._closed:
            return
        job, self._pending = self._pending, None
        if not self._thread.isRunning():
            self._thread.start()
        self._running = job
        self.started_jobs += 1
        self.started.emit(job)
        self._submit.emit(job)

    def _current(self, token: int) -> bool:
        return self._running is not None and self._running.token == token \
            and not self._running.cancel.is_set()

    def _on_progressed(self, token: int, fraction: float) -> None:
        if self._current(token):
            self.progressed.emit(fraction)

    def _on_finished(self, token: int, result: LandscapePicture) -> None:
        current = self._current(token)
        self._on_done(token)
        if current:
            self.finished.emit(result)

    def _on_failed(self, token: int, message: str) -> None:
        current = self._current(token)
        self._on_done(token)
        if current:
            self.failed.emit(message)

    def _on_done(self, token: int) -> None:
        if self._running is not None and self._running.token == token:
            self._running = None
        self._start_pending()
