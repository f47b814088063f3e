"""The loss landscape beside the graph in an animation's frames.

The picture is the Loss landscape dock's own (:class:`gui.geometry.landscape_plot.
LandscapePlot`): the full-batch mean loss over two weights in filled bands, every other
weight at its value in that frame, the shown sample's loss as dashed lines, the run's path
over the pair, the current point and the full-batch descent direction.  Unlike the dock,
whose square follows the path as it grows, the square is fixed for the whole animation (so
the axes never move between frames): it holds the path from the first frame's step to the
last one's (trained once beforehand on a copy of the run) with the dock's margin.  The pair
is chosen as the dock chooses it: the two weights the full-batch loss changes fastest along
at the first frame.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

from core.autodiff.graph import Graph
from core.geometry.landscape import full_batch_gradient, landscape_grid
from core.training.holdout import split_rows
from core.training.trainer import Trainer
from gui.theme import Theme

if TYPE_CHECKING:
    from gui.geometry.landscape_plot import LandscapePlot
    from gui.geometry.landscape_worker import LandscapePicture

#: Points per side of each frame's grid (the dock's smallest choice; a frame is small).
GRID = 51
#: The square holds the path with this margin (the dock's), and is this half-width when
#: the path does not move.
MARGIN = 1.4
FALLBACK_SPAN = 1.0


def training_data(trainer: Trainer) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The rows ``trainer`` trains on, ``(X, Y, rows)``: held-out rows left out (``rows``:
    their indices in the data, None for all of them)."""
    X = np.asarray(trainer.dataset.X, dtype=float)
    Y = np.asarray(trainer.dataset.y, dtype=float).ravel()
    holdout = getattr(trainer, "holdout", None)
    if holdout is None:
        return X, Y, None
    rows, _ = split_rows(int(X.shape[0]), holdout, trainer.seed)
    return X[rows], Y[rows], np.asarray(rows)


def default_pair(graph: Graph, X: np.ndarray, Y: np.ndarray,
                 weights: np.ndarray) -> tuple[str, str]:
    """The two weights with the largest full-batch |dL/dw| at ``weights``, in the graph's
    order (the first and last weight when the gradient is not finite)."""
    names = graph.weights
    try:
        gradient = np.abs(full_batch_gradient(graph, X, Y, weights))
    except ValueError:
        gradient = np.full(len(names), np.nan)
    if len(names) < 2 or not np.isfinite(gradient).all():
        return names[0], names[-1]
    first, second = sorted(np.argsort(-gradient, kind="stable")[:2].tolist())
    return names[first], names[second]


def path_square(points: np.ndarray) -> tuple[tuple[float, float], float]:
    """Centre and half-width of the square holding ``points`` (n x 2) with the margin."""
    points = points[np.isfinite(points).all(axis=1)]
    if points.size == 0:
        return (0.0, 0.0), FALLBACK_SPAN
    low, high = points.min(axis=0), points.max(axis=0)
    centre = (low + high) / 2
    half = float((high - low).max()) / 2 * MARGIN
    if not half > 1e-6:
        half = FALLBACK_SPAN
    return (float(centre[0]), float(centre[1])), half


class LandscapePanel:
    """Draws the landscape of ``pair`` over a fixed square for each frame.

    Parameters
    ----------
    trainer
        The run at the first frame (read only).
    last_step
        The last frame's step: a copy of the run is trained to it to find the square.
    pair
        The two weights (ids), or None for :func:`default_pair`.
    size
        The panel's (width, height) in pixels.
    """

    def __init__(self, trainer: Trainer, last_step: int, pair: tuple[str, str] | None,
                 size: tuple[int, int], theme: Theme) -> None:
        from gui.geometry.landscape_plot import LandscapePlot
        from gui.offscreen import offscreen_application

        self._app = offscreen_application()  # a widget needs one (none on the command line)
        graph = trainer.graph
        self.graph = graph
        self.theme = theme
        self.X, self.Y, self.rows = training_data(trainer)
        self.pair = pair or default_pair(graph, self.X, self.Y, trainer.weights)
        names = graph.weights
        self.indices = [names.index(self.pair[0]), names.index(self.pair[1])]
        self.start_step = trainer.cursor.step
        self.start_point = np.asarray(trainer.weights)[self.indices][None, :]
        scout = trainer.fork(trainer.cursor.step)
        scout.run(max(last_step - trainer.cursor.step, 0))
        self.centre, self.half = path_square(self._path(scout))
        self.widget: LandscapePlot = LandscapePlot(theme)
        self.widget.setFixedSize(*size)
        self.widget.set_axis_names(graph[self.pair[0]].name, graph[self.pair[1]].name)
        #: The last :meth:`compute`: (for which trainer state, picture, gradient, row).
        self._computed: tuple[tuple[int, int, bool, int], LandscapePicture | None,
                              np.ndarray | None, int] | None = None

    def _path(self, trainer: Trainer) -> np.ndarray:
        """``trainer``'s path over the pair from the first frame on: the first frame's
        point, then the weights after each step since."""
        history = trainer.history
        steps = history.steps()
        if len(steps) == 0:
            return self.start_point
        weights = np.asarray(history.weights())[steps >= self.start_step]
        return np.vstack((self.start_point, weights[:, self.indices]))

    def _key(self, trainer: Trainer, sample: int) -> tuple[int, int, bool, int]:
        return id(trainer), trainer.cursor.step, trainer.diverged is not None, sample

    def compute(self, trainer: Trainer, sample: int) -> None:
        """Compute the grid, its lines and the full-batch gradient for ``trainer`` as it is
        now (numpy only, no drawing: the window may answer input between this and
        :meth:`draw`)."""
        from gui.geometry.landscape_worker import LandscapeJob, picture

        key = self._key(trainer, sample)
        weights = np.array(trainer.weights, dtype=float)
        centred = weights.copy()
        centred[self.indices] = self.centre
        if self.rows is not None:  # the sample's place among the training rows
            sample = int(np.searchsorted(self.rows, sample))
        sample = min(max(sample, 0), self.X.shape[0] - 1)
        started = time.perf_counter()
        try:
            landscape = landscape_grid(self.graph, self.X, self.Y, centred, self.pair,
                                       span=self.half, grid=GRID, sample=sample)
        except ValueError:  # a weight went non-finite: the frame shows the graph's red
            self._computed = (key, None, None, sample)
            return
        job = LandscapeJob(self.graph, self.X, self.Y, centred, self.pair, self.half, GRID,
                           sample)
        shown = picture(job, landscape, time.perf_counter() - started)
        try:
            gradient: np.ndarray | None = full_batch_gradient(self.graph, self.X, self.Y,
                                                              weights)
        except ValueError:
            gradient = None
        self._computed = (key, shown, gradient, sample)

    def draw(self, trainer: Trainer, sample: int) -> None:
        """The landscape at ``trainer``'s weights, with the path since the first frame
        (computed here unless :meth:`compute` just did)."""
        from gui.geometry.landscape_plot import Arrow, Path

        if self._computed is None or self._computed[0] != self._key(trainer, sample):
            self.compute(trainer, sample)
        assert self._computed is not None
        _, shown, gradient, row = self._computed
        plot = self.widget
        if shown is None:
            plot.clear_picture()
            plot.show_overlays([], [], None, [])
            return
        plot.show_picture(shown, False)
        weights = np.asarray(trainer.weights, dtype=float)
        current = (float(weights[self.indices[0]]), float(weights[self.indices[1]]))
        arrows = []
        if gradient is not None and np.isfinite(gradient[self.indices]).all():
            arrows.append(Arrow(current, (-float(gradient[self.indices[0]]),
                                          -float(gradient[self.indices[1]])),
                                self.theme.epoch_loss, "−∇ full batch"))
        theme = self.theme
        plot.show_overlays([Path(self._path(trainer), theme.plot_foreground, "this run")],
                           arrows, current, [("┄", theme.positive, f"loss of sample {row}")])
