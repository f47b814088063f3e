"""What the model-over-data view evaluates and draws for one choice, prepared once.

A :class:`Choice` (one feature's curve, or two features' plane) on a :class:`Model` (the
graph, the data, the loss, the held-out rows) gives a :class:`Prepared`: the input rows
each frame evaluates with :func:`~core.geometry.model_function.predict` (the other
features at their means), the data points to draw, the colour scale, the decision
boundary's level and the words saying what is held fixed.  Pure numpy: no Qt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from core.autodiff.graph import Graph
from core.data.datasets import Dataset
from core.geometry.model_function import (
    boundary_level,
    curve_inputs,
    feature_means,
    feature_range,
    finite_span,
    plane_inputs,
)
from gui.formatting import short_number

#: Points of the one-feature curve.
CURVE_POINTS = 201
#: Grid points along each side of the heatmap.
GRID = 81
#: Data points drawn at most (evenly spread over the rows beyond that).
MAX_POINTS = 5000
@dataclass(frozen=True)
class Choice:
    """What the view shows: the picture and the data columns on its axes."""

    mode: str
    features: tuple[int, ...]


@dataclass(frozen=True)
class Prepared:
    """What one choice on one graph and dataset evaluates, fixed until they change.

    Attributes
    ----------
    choice
        The picture and its feature columns.
    xs, ys
        The curve's points, or the heatmap grid's (``ys`` empty for a curve).
    rows
        The input rows evaluated each frame: ``curve_inputs`` or ``plane_inputs``.
    means
        Every feature column's mean (the other features are held there).
    point_x, point_y, targets
        The data points drawn (at most :data:`MAX_POINTS`): their coordinates and target.
    held
        Per point drawn: whether its row is held out of training (drawn hollow).
    logit
        Whether y' is a logit (binary cross-entropy): the view shows σ(y').
    level
        Where the decision boundary is in y' (0 for a logit, else 0.5; the values shown
        are 0.5 there), or ``None`` (no classification).
    levels
        The colour scale's ends.
    note
        What the picture holds fixed, in words.
    """

    choice: Choice
    xs: np.ndarray
    ys: np.ndarray
    rows: np.ndarray
    means: np.ndarray
    point_x: np.ndarray
    point_y: np.ndarray
    targets: np.ndarray
    held: np.ndarray
    logit: bool
    level: float | None
    levels: tuple[float, float]
    note: str


def model_features(graph: Graph, dataset: Dataset) -> list[int]:
    """The data columns the model reads, in order (every column when it reads none)."""
    columns = sorted({c for f in graph.features
                      if (c := graph[f].column) is not None and c < dataset.n_features})
    return columns or list(range(dataset.n_features))


def prepare(model: Model, choice: Choice) -> Prepared:
    """The rows, points and words of ``choice`` on ``model``."""
    graph, dataset, loss = model.graph, model.dataset, model.loss
    X, y = dataset.X, dataset.y
    means = feature_means(X)
    names = dataset.feature_names
    logit = loss == "bce"
    level = boundary_level(y, loss)
    if level is not None:
        levels = (0.0, 1.0)
    else:
        low, high = finite_span(y)
        if not high > low:
            low, high = (low - 0.5, high + 0.5) if np.isfinite(low) else (-0.5, 0.5)
        levels = (low, high)
    step = max(1, -(-len(y) // MAX_POINTS))
    picked = np.arange(0, len(y), step)
    first = choice.features[0]
    xs = np.linspace(*feature_range(X[:, first]),
                     CURVE_POINTS if choice.mode == "curve" else GRID)
    if choice.mode == "curve":
        ys = np.empty(0)
        rows = curve_inputs(means, first, xs)
        point_y = y[picked]
    else:
        second = choice.features[1]
        ys = np.linspace(*feature_range(X[:, second]), GRID)
        rows = plane_inputs(means, (first, second), xs, ys)
        point_y = X[picked, second]
    others = [c for c in model_features(graph, dataset) if c not in choice.features]
    words = []
    if others:
        words.append("Other features at their means: " + ", ".join(
            f"{names[c]} = {mean_words(float(means[c]), X[:, c])}" for c in others))
    if step > 1:
        words.append(f"Points: {len(picked):,} of {len(y):,} rows, evenly spread.")
    held = np.zeros(len(y), dtype=bool)
    held[model.held] = True
    return Prepared(choice, xs, ys, rows, means, X[picked, first], point_y, y[picked],
                    held[picked], logit, level, levels, " ".join(words))



@dataclass(frozen=True, eq=False)
class Model:
    """What is trained: the graph, the data, the loss (``bce`` makes y' a logit) and the
    held-out rows (sorted indices; empty when every row trains)."""

    graph: Graph
    dataset: Dataset
    loss: str = "mse"
    held: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    def same(self, other: Model | None) -> bool:
        """The same graph and data objects, loss and held-out rows."""
        return other is not None and other.graph is self.graph \
            and other.dataset is self.dataset and other.loss == self.loss \
            and np.array_equal(other.held, self.held)


def mean_words(mean: float, column: np.ndarray) -> str:
    """A mean to the precision that shows on the plot: a hundredth of the column's
    spread (the standardized features' means, ~1e-17, read 0)."""
    low, high = finite_span(column)
    spread = high - low if np.isfinite(low) and high > low else abs(mean)
    if spread > 0:
        unit = 10.0 ** (math.floor(math.log10(spread)) - 2)
        mean = round(mean / unit) * unit
    return short_number(mean + 0.0, 3)  # + 0.0: no −0
