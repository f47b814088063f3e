"""The model as a function of its inputs: y' over many input rows at once.

:func:`predict` is the forward pass of the graph up to y' on a whole array of rows, the
nodes y' depends on and no others (:meth:`core.autodiff.compiled.CompiledGraph.outputs`),
the numbers the trace computes for one sample (:func:`core.autodiff.engine.evaluate`)
to within an ulp per op.

The rest builds the inputs the "model over its data" view evaluates: a feature's range,
rows that vary one or two features over a grid while the other features stay at their
means, and whether the data is a classification (where the decision boundary sits).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from core.autodiff.compiled import compiled_graph
from core.autodiff.engine import InputError
from core.autodiff.graph import Graph

__all__ = ["ROWS_PER_PASS", "boundary_level", "by_correlation", "curve_inputs", "feature_means",
           "feature_range", "finite_span", "is_binary", "plane_inputs", "predict",
           "probability"]

#: Rows per vectorized pass: every node of the graph holds an array this long at once.
ROWS_PER_PASS = 1 << 15


def predict(graph: Graph, X: np.ndarray, weights: Sequence[float] | np.ndarray) -> np.ndarray:
    """The model's output y' for every row of ``X``, vectorized over rows.

    Parameters
    ----------
    graph
        The computational graph; only the nodes y' depends on are computed (the target and
        the loss are not needed).
    X
        Input rows, shape ``(n, features)``, at least ``graph.n_inputs`` columns (column
        ``j`` feeds ``x{j+1}``).
    weights
        One value per weight, in ``graph.weights`` order.

    Returns
    -------
    numpy.ndarray
        y' per row, shape ``(n,)``; inf or nan where the trace would have them.

    Raises
    ------
    core.autodiff.engine.InputError
        If ``X`` is not 2-D, has too few columns, or the number of weights is wrong.
    """
    rows = np.asarray(X, dtype=float)
    if rows.ndim != 2:
        raise InputError(f"input rows must be a 2-D array (rows x features), got shape "
                         f"{rows.shape}")
    if rows.shape[1] < graph.n_inputs:
        raise InputError(f"the graph uses {graph.n_inputs} features, the rows have "
                         f"{rows.shape[1]}")
    w = np.asarray(weights, dtype=float).ravel()
    if w.size != len(graph.weights):
        raise InputError(f"the graph has {len(graph.weights)} weights, got {w.size} values")
    compiled = compiled_graph(graph)
    n = rows.shape[0]
    if n <= ROWS_PER_PASS:
        return compiled.outputs(rows, w)
    # In blocks, so that the intermediate arrays (one per node) stay small.
    out = np.empty(n)
    for start in range(0, n, ROWS_PER_PASS):
        stop = min(n, start + ROWS_PER_PASS)
        out[start:stop] = compiled.outputs(rows[start:stop], w)
    return out


def probability(logits: np.ndarray) -> np.ndarray:
    """σ(y'): the predicted probability of class 1 when y' is a logit (binary
    cross-entropy), without overflow for large |y'|."""
    with np.errstate(all="ignore"):
        return np.asarray(np.exp(-np.logaddexp(0.0, -np.asarray(logits, dtype=float))))


def feature_means(X: np.ndarray) -> np.ndarray:
    """The mean of every feature column over its finite values (0.0 where none is)."""
    columns = np.asarray(X, dtype=float)
    finite = np.isfinite(columns)
    counts = finite.sum(axis=0)
    sums = np.where(finite, columns, 0.0).sum(axis=0)
    return np.asarray(np.where(counts > 0, sums / np.maximum(counts, 1), 0.0))


def feature_range(values: np.ndarray, margin: float = 0.05) -> tuple[float, float]:
    """The span of a feature's finite values, widened by ``margin`` of its width on each
    side; a single value (or none) gets a span of 1 around it (around 0)."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return -0.5, 0.5
    low, high = float(finite.min()), float(finite.max())
    if not high > low:
        return low - 0.5, high + 0.5
    pad = (high - low) * margin
    return low - pad, high + pad


def curve_inputs(means: np.ndarray, feature: int, xs: np.ndarray) -> np.ndarray:
    """Rows that take ``xs`` in column ``feature`` and every other column's mean:
    shape ``(len(xs), len(means))``."""
    rows = np.tile(np.asarray(means, dtype=float), (len(xs), 1))
    rows[:, feature] = xs
    return rows


def plane_inputs(means: np.ndarray, features: tuple[int, int], xs: np.ndarray,
                 ys: np.ndarray) -> np.ndarray:
    """Rows on the grid ``xs`` x ``ys`` of two feature columns, the others at their means.

    Row ``i * len(xs) + k`` is at ``(xs[k], ys[i])``, so ``predict(...)`` reshaped to
    ``(len(ys), len(xs))`` has ``values[i][k]`` at ``(xs[k], ys[i])`` (as a loss
    landscape's grid).
    """
    first, second = features
    if first == second:
        raise ValueError(f"a plane needs two different features, got column {first} twice")
    grid_x, grid_y = np.meshgrid(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
    rows = np.tile(np.asarray(means, dtype=float), (grid_x.size, 1))
    rows[:, first] = grid_x.ravel()
    rows[:, second] = grid_y.ravel()
    return rows


def by_correlation(X: np.ndarray, y: np.ndarray, columns: Sequence[int]) -> list[int]:
    """``columns`` ordered by how strongly each goes with the target (|Pearson r|, the
    strongest first; ties and constant columns keep their order, constant ones last)."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    finite = np.isfinite(y)

    def strength(column: int) -> float:
        x = X[:, column]
        keep = finite & np.isfinite(x)
        if keep.sum() < 2:
            return -1.0
        dx, dy = x[keep] - x[keep].mean(), y[keep] - y[keep].mean()
        scale = math.sqrt(float(dx @ dx) * float(dy @ dy))
        return abs(float(dx @ dy)) / scale if scale > 0 else -1.0

    return sorted(columns, key=lambda column: -strength(column))


def is_binary(y: np.ndarray) -> bool:
    """Whether every target is 0 or 1 (and there is at least one)."""
    targets = np.asarray(y, dtype=float)
    return bool(targets.size) and bool(np.all((targets == 0.0) | (targets == 1.0)))


def boundary_level(y: np.ndarray, loss: str = "mse") -> float | None:
    """Where the decision boundary is, in y': 0.0 with binary cross-entropy (y' is a logit,
    σ(y') = 0.5 there), 0.5 for other losses on targets that are all 0 or 1, ``None``
    when the data is no classification."""
    if loss == "bce":
        return 0.0
    return 0.5 if is_binary(y) else None


def finite_span(*arrays: np.ndarray) -> tuple[float, float]:
    """(min, max) over the finite values of all arrays; (nan, nan) if there are none."""
    lows, highs = [], []
    for array in arrays:
        values = np.asarray(array, dtype=float)
        values = values[np.isfinite(values)]
        if values.size:
            lows.append(float(values.min()))
            highs.append(float(values.max()))
    if not lows:
        return math.nan, math.nan
    return min(lows), max(highs)
