"""The loss landscape of any two weights, live while training.

Pick two weights (the two lists, or click weights in the graph: the last two clicked are
the pair).  The picture is the full-batch mean loss over a square of those two weights,
every other weight held at its current value, in filled bands (log-scaled colours as an
option), the current sample's own loss as dashed lines; over it the run's path projected
on the pair, the current point, the last step's per-sample descent direction and the
full-batch one (−gradient) from the current point, and the comparison's optimizers' paths
from the same start in their colours.  Clicking a point moves the two weights there as a
fork: the original run is kept, as "Resume from here" keeps it.

The square either follows the run's path (it holds the whole path with a margin) or is
±span around the current point, set by hand.  Grids are computed off the interface
thread (:mod:`gui.geometry.landscape_worker`): a change of pair, span, grid, graph or data
cancels the running computation; while training plays, the landscape (which changes with
every other weight) is recomputed at most every :data:`REFRESH_SECONDS`, or at once when the
current point leaves the middle of the square.  Nothing is computed while the view is
hidden.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPointF, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.autodiff.graph import Graph
from core.data.datasets import Dataset
from core.geometry.landscape import DEFAULT_GRID, DEFAULT_SPAN, full_batch_gradient
from core.training.trainer import StepResult
from gui.formatting import short_number
from gui.geometry.landscape_plot import Arrow, LandscapePlot, Path
from gui.geometry.landscape_square import followed_square, training_rows
from gui.geometry.landscape_worker import LandscapeJob, LandscapePicture, LandscapeRunner
from gui.number_spin_box import NumberSpinBox
from gui.session.compare_worker import ComparedRun
from gui.session.comparison_runner import ComparisonRunner
from gui.session.training_session import TrainingSession
from gui.snapshot import Snapshot
from gui.theme import DEFAULT_THEME, Theme

#: While training plays, the landscape is recomputed at most this often.
REFRESH_SECONDS = 0.5
#: The current point is "in the middle" while within this share of the half-width.
MIDDLE = 0.5
#: Up to this many rows, the full-batch gradient is computed on the interface thread with
#: every snapshot drawn (506 rows: 2 ms); on more, by the worker with each grid.
GRADIENT_ROWS = 4096
#: Grid sizes offered (points per side).
GRIDS = (51, 101, 201, 401)


class LandscapeView(QWidget):
    """Controls, progress and the picture of the loss over two weights.

    Parameters
    ----------
    training
        The session: its snapshots, signals and :meth:`TrainingSession.fork_with_weights`.
    comparison
        The comparison runner, whose finished runs' paths are drawn (None: none).
    theme
        Colours and text size.
    """

    #: The pair changed.  Arguments: x weight id, y weight id.
    pair_changed = Signal(str, str)

    def __init__(self, training: TrainingSession, comparison: ComparisonRunner | None = None,
                 theme: Theme = DEFAULT_THEME, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("landscape_view")
        self.training = training
        self.theme = theme
        self.runner = LandscapeRunner(self)
        self.pair: tuple[str, str] | None = None
        self._graph: Graph = training.graph
        self._snapshot: Snapshot | None = None
        self._last_step: StepResult | None = None
        self._compared: list[ComparedRun] = []
        #: The job of the picture shown, and of the newest request.
        self._shown_job: LandscapeJob | None = None
        self._asked: LandscapeJob | None = None
        self._asked_at = -math.inf
        #: The full-batch gradient, computed once per snapshot drawn.
        self._gradient_for: tuple[int, int, bytes] | None = None
        self._gradient: np.ndarray | None = None
        self._data_cache: tuple[int, tuple[np.ndarray, np.ndarray, np.ndarray | None]] | None \
            = None

        self.x_combo = QComboBox()
        self.x_combo.setObjectName("landscape_x")
        self.y_combo = QComboBox()
        self.y_combo.setObjectName("landscape_y")
        for combo, axis in ((self.x_combo, "x"), (self.y_combo, "y")):
            combo.setToolTip(f"The weight on the {axis} axis (or click two weights in the "
                             "graph)")
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(4)
            combo.currentIndexChanged.connect(self._on_combo)
        self.grid_combo = QComboBox()
        self.grid_combo.setObjectName("landscape_grid")
        self.grid_combo.setToolTip("Points per side of the grid")
        for grid in GRIDS:
            self.grid_combo.addItem(f"{grid}²", grid)
        self.grid_combo.setCurrentIndex(GRIDS.index(DEFAULT_GRID))
        self.grid_combo.currentIndexChanged.connect(lambda _i: self.recompute(stale=True))
        self.follow = QCheckBox("follow path")
        self.follow.setObjectName("landscape_follow")
        self.follow.setToolTip("The square holds the run's whole path (with a margin); "
                               "off: ± span around the current point")
        self.follow.setChecked(True)
        self.follow.toggled.connect(self._on_follow)
        self.span = NumberSpinBox()
        self.span.setObjectName("landscape_span")
        self.span.setPrefix("± ")
        self.span.setDecimals(3)
        self.span.setRange(0.001, 1000.0)
        self.span.setValue(DEFAULT_SPAN)
        self.span.setSingleStep(0.1)
        self.span.setKeyboardTracking(False)
        self.span.setToolTip("Half-width of the square around the current point")
        self.span.setEnabled(False)
        self.span.valueChanged.connect(lambda _v: self.recompute(stale=True))
        self.log = QCheckBox("log colours")
        self.log.setObjectName("landscape_log")
        self.log.setToolTip("Colour bands equal in log10 of the loss (valleys show detail)")
        # On by default: the valley, where training ends, is a small share of the range.
        self.log.setChecked(True)
        self.log.toggled.connect(self._on_log)
        self.progress = QProgressBar()
        self.progress.setObjectName("landscape_progress")
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.progress.setFormat("")
        self.progress.setMaximumHeight(self.fontMetrics().height() + 4)
        self.note = QLabel()
        self.note.setObjectName("landscape_note")
        self.note.setProperty("role", "muted")
        self.note.setWordWrap(True)
        self.note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.picture = LandscapePlot(theme)
        self.picture.plot.setToolTip("Click: move the two weights there and train on from "
                                     "there (a fork: the original run is kept)")

        first = QHBoxLayout()
        first.addWidget(QLabel("x"))
        first.addWidget(self.x_combo, 1)
        first.addWidget(QLabel("y"))
        first.addWidget(self.y_combo, 1)
        first.addWidget(self.grid_combo)
        second = QHBoxLayout()
        second.addWidget(self.follow)
        second.addWidget(self.span, 1)
        second.addWidget(self.log)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(3, 3, 3, 3)
        layout.setSpacing(3)
        layout.addLayout(first)
        layout.addLayout(second)
        layout.addWidget(self.progress)
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.note)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(lambda: self.recompute(stale=False))
        self.runner.started.connect(self._on_started)
        self.runner.progressed.connect(self._on_progressed)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        training.graph_changed.connect(self._on_graph_changed)
        training.dataset_changed.connect(self._on_data_changed)
        training.readouts_updated.connect(self.show_snapshot)
        training.step_finished.connect(self._on_step)
        training.training_restarted.connect(self._forget_step)
        training.time_travelled.connect(lambda _step: self._forget_step())
        if comparison is not None:
            comparison.finished.connect(self.set_compared)
            comparison.started.connect(lambda _names: self.set_compared([]))
            comparison.cleared.connect(lambda _message: self.set_compared([]))
        self.picture.plot.scene().sigMouseClicked.connect(self._on_plot_clicked)
        self.picture.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self._fill_combos(self._graph)
        self.show_snapshot(training.snapshot())

    @property
    def shown_job(self) -> LandscapeJob | None:
        """What the picture shown was computed for (None: no picture)."""
        return self._shown_job

    def busy(self) -> bool:
        """Whether a landscape is being computed or waits to be, or a throttled one is
        due."""
        return self.runner.busy() or self._timer.isActive()

    # -- the pair --------------------------------------------------------------------------

    def set_pair(self, x: str, y: str) -> bool:
        """Show the weights with ids ``x`` and ``y``; False (nothing changes) unless they
        are two different weights of the graph."""
        weights = self._graph.weights
        if x == y or x not in weights or y not in weights:
            return False
        if self.pair == (x, y):
            return True
        self.pair = (x, y)
        for combo, name in ((self.x_combo, x), (self.y_combo, y)):
            with QSignalBlocker(combo):
                combo.setCurrentIndex(weights.index(name))
        graph = self._graph
        self.picture.set_axis_names(graph[x].name, graph[y].name)
        self.picture.clear_picture()
        self._shown_job = None
        self.pair_changed.emit(x, y)
        self._draw_overlays()
        self.recompute(stale=True)
        return True

    def weight_clicked(self, node_id: str) -> None:
        """A node was clicked in the graph: a weight joins the pair (the last two weights
        clicked are the pair: the one before on x, this one on y)."""
        if node_id not in self._graph.weights or self.pair is None:
            return
        if node_id == self.pair[1]:
            return
        self.set_pair(self.pair[1], node_id)

    def _on_combo(self, _index: int) -> None:
        x, y = self.x_combo.currentData(), self.y_combo.currentData()
        if self.pair is not None and x == y:
            # The one chosen took the other's weight: they swap.
            x, y = (x, self.pair[0]) if self.sender() is self.x_combo else (self.pair[1], y)
        if isinstance(x, str) and isinstance(y, str) and not self.set_pair(x, y):
            self._show_pair_in_combos()

    def _show_pair_in_combos(self) -> None:
        if self.pair is None:
            return
        for combo, name in zip((self.x_combo, self.y_combo), self.pair, strict=True):
            with QSignalBlocker(combo):
                combo.setCurrentIndex(self._graph.weights.index(name))

    def _fill_combos(self, graph: Graph) -> None:
        self._graph = graph
        weights = graph.weights
        for combo in (self.x_combo, self.y_combo):
            with QSignalBlocker(combo):
                combo.clear()
                for weight in weights:
                    combo.addItem(graph[weight].name, weight)
            combo.setEnabled(len(weights) >= 2)
        old, self.pair = self.pair, None
        if len(weights) < 2:
            self.picture.clear_picture()
            self.note.setText(f"This graph has {len(weights)} weight"
                              f"{'' if len(weights) == 1 else 's'}: a landscape needs two.")
            return
        if old is not None and old[0] in weights and old[1] in weights:
            self.set_pair(*old)
        # Otherwise the first snapshot of this graph chooses (default_pair).

    def default_pair(self, weights: np.ndarray) -> tuple[str, str]:
        """The two weights the full-batch loss changes fastest along at ``weights`` (the
        largest |dL/dw|), in the graph's order; the first and the last weight when the
        gradient is not finite."""
        names = self._graph.weights
        X, Y, _ = self._data()
        try:
            gradient = np.abs(full_batch_gradient(self._graph, X, Y, weights))
        except ValueError:
            gradient = np.full(len(names), np.nan)
        if not np.isfinite(gradient).all():
            return names[0], names[-1]
        first, second = sorted(np.argsort(-gradient, kind="stable")[:2].tolist())
        return names[first], names[second]

    # -- reacting to the session -------------------------------------------------------------

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Keep the newest snapshot; draw it (and maybe recompute) if visible."""
        if snapshot.graph is not self._graph:
            return  # from before a change of graph (graph_changed brings the new one)
        self._snapshot = snapshot
        if self.pair is None and len(self._graph.weights) >= 2:
            self.set_pair(*self.default_pair(snapshot.weights))
        if self.isVisible():
            self._draw_overlays()
            self._maybe_recompute()

    def _on_graph_changed(self, graph: Graph) -> None:
        self.runner.cancel()
        self._asked = None
        self._shown_job = None
        self._gradient_for = None
        self._compared = []
        self._last_step = None
        self._snapshot = None
        self.picture.clear_picture()
        self._fill_combos(graph)

    def _on_data_changed(self, _dataset: Dataset) -> None:
        self.runner.cancel()
        self._asked = None
        self._shown_job = None
        self._data_cache = None
        self._gradient_for = None
        self.picture.clear_picture()

    def _on_step(self, result: StepResult) -> None:
        self._last_step = result

    def _forget_step(self) -> None:
        self._last_step = None

    def set_compared(self, runs: Sequence[ComparedRun]) -> None:
        """Draw these comparison runs' paths (none: the comparison is gone)."""
        self._compared = [run for run in runs if run.weights.ndim == 2
                          and run.weights.shape[1] == len(self._graph.weights)]
        if self.isVisible():
            self._draw_overlays()
            self._maybe_recompute()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.show_snapshot(self.training.snapshot())

    def set_theme(self, theme: Theme) -> None:
        """Redraw in ``theme``'s colours and text size."""
        self.theme = theme
        self.picture.set_theme(theme)
        self._draw_overlays()

    def shutdown(self) -> None:
        """Stop the worker thread (the window is closing)."""
        self._timer.stop()
        self.runner.shutdown()

    # -- data ------------------------------------------------------------------------------

    def _data(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """The rows training uses, ``(X, Y, rows)`` (rows None: all)."""
        dataset = self.training.dataset
        config = self.training.config
        holdout = config.holdout
        key = hash((id(dataset), holdout, config.seed))
        if self._data_cache is None or self._data_cache[0] != key:
            rows = training_rows(dataset, holdout, config.seed)
            X = np.asarray(dataset.X, dtype=float)
            Y = np.asarray(dataset.y, dtype=float).ravel()
            if rows is not None:
                X, Y = X[rows], Y[rows]
            self._data_cache = (key, (X, Y, rows))
        return self._data_cache[1]

    def _indices(self) -> tuple[int, int] | None:
        if self.pair is None:
            return None
        weights = self._graph.weights
        return weights.index(self.pair[0]), weights.index(self.pair[1])

    def current_point(self) -> tuple[float, float] | None:
        """The pair's values now (as the snapshot shows them)."""
        indices = self._indices()
        snapshot = self._snapshot
        if indices is None or snapshot is None or snapshot.graph is not self._graph:
            return None
        return float(snapshot.weights[indices[0]]), float(snapshot.weights[indices[1]])

    def path(self) -> np.ndarray:
        """The run's path over the pair, ``(points, 2)``: its start (when the history
        begins at step 0), then the weights after each recorded step."""
        indices = self._indices()
        snapshot = self._snapshot
        if indices is None or snapshot is None:
            return np.empty((0, 2))
        history = snapshot.history
        points = np.asarray(history.weights)[:, indices] if len(history) else \
            np.empty((0, 2))
        start = np.asarray(self.training.trainer.initial_weights)
        if len(start) == len(self._graph.weights) and (
                snapshot.forked_at is None or (len(history) and history.steps[0] == 0)):
            points = np.vstack((start[list(indices)][None, :], points))
        return points

    # -- what is drawn over the picture ------------------------------------------------------

    def full_gradient(self) -> np.ndarray | None:
        """The full-batch gradient at the current weights (cached per snapshot); on data
        of more than GRADIENT_ROWS rows, the worker's, at the weights of the last grid."""
        snapshot = self._snapshot
        if snapshot is None or snapshot.graph is not self._graph:
            return None
        X, Y, _ = self._data()
        if len(X) > GRADIENT_ROWS:
            shown = self.picture.picture
            return None if shown is None or shown.job.graph is not self._graph \
                else shown.gradient
        key = (snapshot.run, snapshot.step, np.asarray(snapshot.weights).tobytes())
        if self._gradient_for != key:
            try:
                self._gradient = full_batch_gradient(self._graph, X, Y, snapshot.weights)
            except ValueError:
                self._gradient = None
            self._gradient_for = key
        return self._gradient

    def arrows(self) -> list[Arrow]:
        """The descent directions at the current point: the last step's sample and the
        full batch (−gradient over the pair)."""
        indices = self._indices()
        current = self.current_point()
        snapshot = self._snapshot
        if indices is None or current is None or snapshot is None:
            return []
        i, k = indices
        result = []
        step = self._last_step
        if step is not None and snapshot.viewing is None \
                and step.cursor.step + 1 == snapshot.step:
            g = np.asarray(step.grads, dtype=float)
            if np.isfinite(g[[i, k]]).all():
                result.append(Arrow(current, (-float(g[i]), -float(g[k])),
                                    self.theme.sample_loss,
                                    f"−∇ sample {step.cursor.sample} (last step)"))
        full = self.full_gradient()
        if full is not None and np.isfinite(full[[i, k]]).all():
            result.append(Arrow(current, (-float(full[i]), -float(full[k])),
                                self.theme.epoch_loss, "−∇ full batch"))
        return result

    def _draw_overlays(self) -> None:
        indices = self._indices()
        snapshot = self._snapshot
        if indices is None or snapshot is None or snapshot.graph is not self._graph:
            self.picture.show_overlays([], [], None, [])
            return
        paths = []
        for k, run in enumerate(self._compared):
            paths.append(Path(run.weights[:, list(indices)], self.theme.line_colour(k),
                              run.title, width=3.6))
        if snapshot.original is not None and len(snapshot.original):
            paths.append(Path(np.asarray(snapshot.original.weights)[:, list(indices)],
                              self.theme.neutral, "original run", dashed=True))
        # Thin, with a thin halo, over the comparison's run of the same optimizer (which
        # follows the same path) so that both show.
        paths.append(Path(self.path(), self.theme.plot_foreground, "this run", width=1.6,
                          halo=1.0))
        extra = []
        if self._shown_job is not None:
            extra.append(("┄", self.theme.sample_loss,
                          f"loss of sample {self._shown_job.sample}"))
        self.picture.show_overlays(paths, self.arrows(), self.current_point(), extra)

    # -- computing -------------------------------------------------------------------------

    def square(self) -> tuple[tuple[float, float], float] | None:
        """The square to compute now: its centre (the pair's values) and half-width."""
        current = self.current_point()
        indices = self._indices()
        if current is None or indices is None:
            return None
        if not self.follow.isChecked():
            return current, float(self.span.value())
        return followed_square(self.path(), current,
                               [run.weights[:, list(indices)] for run in self._compared])

    def _job(self) -> LandscapeJob | None:
        snapshot = self._snapshot
        square = self.square()
        indices = self._indices()
        if snapshot is None or square is None or indices is None or self.pair is None:
            return None
        (cx, cy), half = square
        if not all(map(math.isfinite, (cx, cy, half))):
            return None
        X, Y, rows = self._data()
        weights = np.array(snapshot.weights, dtype=float)
        weights[indices[0]], weights[indices[1]] = cx, cy
        sample = int(snapshot.sample)
        if rows is not None:
            sample = min(int(np.searchsorted(rows, sample)), len(rows) - 1)
        current = np.array(snapshot.weights, dtype=float) if len(X) > GRADIENT_ROWS else None
        return LandscapeJob(self._graph, X, Y, weights, self.pair, half,
                            int(self.grid_combo.currentData()), sample, current)

    def _same(self, a: LandscapeJob | None, b: LandscapeJob) -> bool:
        return a is not None and a.graph is b.graph and a.pair == b.pair \
            and a.grid == b.grid and a.sample == b.sample and a.span == b.span \
            and a.X is b.X and np.array_equal(a.weights, b.weights)

    def _left_middle(self, job: LandscapeJob) -> bool:
        """Whether the current point is outside the middle of the square computed last
        (or the square wanted now is much larger or smaller)."""
        basis = self._asked or self._shown_job
        current = self.current_point()
        if basis is None or current is None or basis.pair != job.pair:
            return True
        cx, cy = basis.centre
        if max(abs(current[0] - cx), abs(current[1] - cy)) > MIDDLE * basis.span:
            return True
        return self.follow.isChecked() and not 0.5 < job.span / basis.span < 2.0

    def _maybe_recompute(self) -> None:
        """Recompute if what is shown is out of date: at once when the current point left
        the middle of the square, else at most every REFRESH_SECONDS."""
        job = self._job()
        if job is None or self._same(self._asked, job):
            return
        if self._left_middle(job):
            self.recompute(stale=self._asked is None or self._asked.pair != job.pair)
            return
        wait = self._asked_at + REFRESH_SECONDS - time.monotonic()
        if wait <= 0:
            self.recompute(stale=False)
        elif not self._timer.isActive():
            self._timer.start(max(1, round(wait * 1000)))

    def recompute(self, *, stale: bool) -> None:
        """Ask for the landscape of now.  ``stale``: what is being computed no longer
        applies (another pair, span, grid, graph or data) and is cancelled; otherwise a
        running computation finishes first (at most one in flight)."""
        self._timer.stop()
        if not self.isVisible():
            if stale:
                self.runner.cancel()
                self._asked = None
            return
        job = self._job()
        if job is None:
            return
        self._asked = self.runner.request(job, cancel_running=stale)
        self._asked_at = time.monotonic()

    def _on_started(self, job: LandscapeJob) -> None:
        self.progress.setValue(0)
        self.progress.setFormat(f"computing {job.grid}×{job.grid} … %p%")

    def _on_progressed(self, fraction: float) -> None:
        self.progress.setValue(round(fraction * 1000))

    def _on_finished(self, picture: LandscapePicture) -> None:
        job = picture.job
        if job.graph is not self._graph or job.pair != self.pair:
            return
        self._shown_job = job
        self.picture.show_picture(picture, self.log.isChecked())
        self.progress.setValue(1000)
        landscape = picture.landscape
        self.progress.setFormat(f"{job.grid}×{job.grid} over {landscape.samples} rows "
                                f"in {picture.seconds:.2f} s")
        self.note.setText("")
        self._draw_overlays()

    def _on_failed(self, message: str) -> None:
        self.progress.setValue(0)
        self.progress.setFormat("no landscape")
        self.note.setText(f"Cannot draw the landscape: {message}")

    def _on_log(self, on: bool) -> None:
        self.picture.set_log(on)

    def _on_follow(self, on: bool) -> None:
        self.span.setEnabled(not on)
        self.recompute(stale=True)

    # -- pointing and clicking --------------------------------------------------------------

    def describe_point(self, x: float, y: float) -> str:
        """What the picture says at ``(x, y)``: the two weights, the mean loss and the
        sample's loss at the nearest grid point ("" outside the square)."""
        picture = self.picture.picture
        if picture is None:
            return ""
        landscape = picture.landscape
        xs, ys = np.asarray(landscape.xs), np.asarray(landscape.ys)
        if not (xs[0] <= x <= xs[-1] and ys[0] <= y <= ys[-1]):
            return ""
        k = int(np.abs(xs - x).argmin())
        i = int(np.abs(ys - y).argmin())
        loss = float(landscape.loss[i, k])
        own = float(landscape.sample_loss[i, k])
        return (f"{landscape.x_weight} = {short_number(float(xs[k]))}, {landscape.y_weight} = "
                f"{short_number(float(ys[i]))}: mean loss {short_number(loss)}, sample "
                f"{picture.job.sample} {short_number(own)}. Click to train on from here.")

    def _on_mouse_moved(self, position: QPointF) -> None:
        if self.picture.picture is None:
            return
        point = self.picture.view.mapSceneToView(position)
        self.note.setText(self.describe_point(point.x(), point.y()))


    def _on_plot_clicked(self, event: object) -> None:
        button = getattr(event, "button", None)
        position = getattr(event, "scenePos", None)
        if button is None or position is None or button() != Qt.MouseButton.LeftButton \
                or getattr(event, "double", lambda: False)():
            return
        point = self.picture.view.mapSceneToView(position())
        self.fork_at(point)

    def fork_at(self, point: QPointF | tuple[float, float]) -> bool:
        """Move the pair to ``point`` (view coordinates) as a fork of the run, if the point
        lies in the square drawn."""
        job = self._shown_job
        if job is None or self.pair is None:
            return False
        x, y = (point.x(), point.y()) if isinstance(point, QPointF) else point
        cx, cy = job.centre
        if not (abs(x - cx) <= job.span and abs(y - cy) <= job.span):
            return False
        self.training.fork_with_weights({self.pair[0]: float(x), self.pair[1]: float(y)})
        return True
