"""The points a student's ``backward_propagation`` is run at: samples of the data, each with
weights, and the forward dict the notebook's backward pass reads.

A backward pass can be right for small weights and wrong for larger ones (a sign slip in a
term that only matters when a weight is large, a cheat that tests ``abs(w) > 4``), so the
weights cover several scales and every weight is made large in turn:

* :data:`CURRENT_POINTS` points at the run's current weights (when there are some);
* :data:`POINTS_PER_SCALE` points at each of the scales :data:`SCALES`, every weight
  drawn from N(0, scale²);
* for each weight, one point with it at ``+m`` and one at ``-m``, ``m`` uniform in
  :data:`LARGE_RANGE` (4 to 10), the other weights from N(0, 1); at most
  :data:`LARGE_POINTS` of them (a graph with more weights gets that many, on weights
  chosen at random).

That is at most ``4 + 3 * 6 + 18 = 40`` points (exactly 40 for the seed's nine weights),
each on a different row of the data while rows last.  A point whose forward or backward pass
leaves no headroom (a non-finite number, or a magnitude above :data:`HEADROOM`, where a
correct backward's products may overflow in another order of multiplication) is redrawn:
another row and other weights, the scale and the large weight kept, then made gradually
smaller if it still does not fit (the current weights are kept, on other rows).  Everything
is drawn from the ``rng`` given, so a seed gives the same points.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from core.autodiff.engine import Trace, evaluate
from core.autodiff.graph import Graph
from core.data.datasets import Dataset
from core.numbers import number

__all__ = ["CURRENT_POINTS", "HEADROOM", "LARGE_POINTS", "LARGE_RANGE", "MAX_POINTS",
           "POINTS_PER_SCALE", "SCALES", "Point", "forward_dict", "notebook_aliases",
           "point_at", "sample_points"]

#: Points at the run's current weights.
CURRENT_POINTS = 4
#: Standard deviations of the weights of the random points.
SCALES = (0.1, 1.0, 3.0)
#: Random points per scale.
POINTS_PER_SCALE = 6
#: The magnitude of the one large weight of a "large" point, drawn uniformly.
LARGE_RANGE = (4.0, 10.0)
#: Points with one large weight, at most.
LARGE_POINTS = 18
#: The most points :func:`sample_points` returns.
MAX_POINTS = CURRENT_POINTS + len(SCALES) * POINTS_PER_SCALE + LARGE_POINTS
#: No value, gradient or local derivative of a point is larger than this: a correct
#: backward multiplies a few of them in its own order, and 1e100 cubed is still finite.
HEADROOM = 1e100
#: Draws of one point before its large weight is made smaller.
REDRAWS = 12
#: Draws of one point in all; a point that never fits is left out.
MAX_DRAWS = 40
#: How much smaller the large weight gets at each draw after :data:`REDRAWS`.
SHRINK = 0.85
#: The notebook's own names for the seed's three parts, after its intermediates.
NOTEBOOK_PARTS = (("part_1", "exp"), ("part_2", "tanh"), ("part_3", "sigmoid"))


@dataclass(frozen=True)
class Point:
    """One place where a student's backward is run.

    Attributes
    ----------
    row
        The data row (counted from 0, as ``--sample``); -1 for a point not from data.
    x
        That row's features (every column).
    y
        Its target.
    weights
        Weight name -> value, in the graph's weight order.
    forward_dict
        What ``backward_propagation(x, y, w, forward_dict)`` receives: the engine's
        values under the notebook's names (:func:`forward_dict`).
    kind
        How the weights were chosen, for messages: ``current weights``,
        ``weights ~ N(0, 0.1²)``, ``w3 = -7.31, others ~ N(0, 1)``.
    """

    row: int
    x: tuple[float, ...]
    y: float
    weights: Mapping[str, float]
    forward_dict: Mapping[str, float]
    kind: str

    @property
    def w(self) -> tuple[float, ...]:
        """The weights in the graph's order: the notebook's ``w`` (``w[0]`` is w1)."""
        return tuple(self.weights.values())

    def describe(self) -> str:
        """``sample 17 with w3 = -7.31, others ~ N(0, 1)``."""
        where = f"sample {self.row}" if self.row >= 0 else "a point"
        return f"{where} with {self.kind}"


def notebook_aliases(graph: Graph) -> Mapping[str, str]:
    """The notebook's names of intermediates for a graph built from a preset's formula
    (the seed's ``exp``, ``tanh``, ``sigmoid``, ``v1``, ``v2``), else none."""
    from core.presets import PRESETS  # the presets read files: only when asked

    for preset in PRESETS.values():
        if preset.formula == graph.formula and preset.aliases:
            return preset.aliases
    return {}


def forward_dict(trace: Trace, aliases: Mapping[str, str]) -> dict[str, float]:
    """The forward dict the notebook builds, from the engine's trace: ``loss``, ``y_pred``,
    ``dy_pred``, the preset's names of intermediates (for the seed ``exp``, ``tanh``,
    ``sigmoid``, ``v1``, ``v2``, and the notebook's ``part_1..3``), and every op node's id."""
    graph = trace.graph
    result = {node.id: float(trace.values[node.id]) for node in graph.op_nodes()}
    for name, node_id in aliases.items():
        if node_id in graph:
            result[name] = float(trace.values[node_id])
    for part, name in NOTEBOOK_PARTS:
        if name in result:
            result[part] = result[name]
    result["loss"] = float(trace.loss)
    result["y_pred"] = float(trace.y_pred)
    result["dy_pred"] = float(trace.dy_pred)
    return result


def _fits(trace: Trace) -> bool:
    """Every value, gradient and local derivative finite and within :data:`HEADROOM`."""
    numbers = [*trace.values.values(), *trace.grads.values(), *trace.step_locals]
    return all(math.isfinite(v) and abs(v) <= HEADROOM for v in numbers)


def point_at(graph: Graph, x: Sequence[float] | np.ndarray, y: float,
             weights: Sequence[float] | np.ndarray, row: int = -1, kind: str = "given weights",
             aliases: Mapping[str, str] | None = None) -> Point:
    """A point at given features, target and weights (in ``graph.weights`` order), with
    the engine's forward dict; no headroom check."""
    w = [float(v) for v in np.asarray(weights, dtype=np.float64).ravel()]
    if len(w) != len(graph.weights):
        raise ValueError(f"the graph has {len(graph.weights)} weights, got {len(w)} values")
    features = tuple(float(v) for v in np.asarray(x, dtype=np.float64).ravel())
    trace = evaluate(graph, features, float(y), w)
    names = notebook_aliases(graph) if aliases is None else aliases
    return Point(row, features, float(y), dict(zip(graph.weights, w, strict=True)),
                 forward_dict(trace, names), kind)


@dataclass(frozen=True)
class _Plan:
    """One point to draw: its weights' scale, and the large weight (index, sign, magnitude
    drawn in LARGE_RANGE) or none; or the current weights."""

    kind: str  # "current", "scale", "large"
    scale: float = 1.0
    index: int = -1
    sign: float = 1.0


def _plans(n_weights: int, current: bool, rng: np.random.Generator) -> list[_Plan]:
    plans: list[_Plan] = []
    if current:
        plans += [_Plan("current")] * CURRENT_POINTS
    else:  # as many more points at the middle scale
        plans += [_Plan("scale", 1.0)] * CURRENT_POINTS
    for scale in SCALES:
        plans += [_Plan("scale", scale)] * POINTS_PER_SCALE
    if 2 * n_weights <= LARGE_POINTS:
        large = [(i, sign) for i in range(n_weights) for sign in (1.0, -1.0)]
    else:
        chosen = rng.permutation(n_weights)[:LARGE_POINTS]
        large = [(int(i), 1.0 if k % 2 == 0 else -1.0) for k, i in enumerate(chosen)]
    plans += [_Plan("large", 1.0, i, sign) for i, sign in large]
    return plans


def sample_points(graph: Graph, dataset: Dataset,
                  current_weights: Sequence[float] | np.ndarray | None,
                  rng: np.random.Generator,
                  aliases: Mapping[str, str] | None = None) -> list[Point]:
    """The points a student's backward is judged at (see the module docstring).

    Parameters
    ----------
    graph, dataset
        The model and the data the rows come from.
    current_weights
        The run's weights in ``graph.weights`` order, or ``None`` (then those points are
        drawn at scale 1 instead).
    rng
        Every row and weight is drawn from it.
    aliases
        The notebook's names of intermediates (default: the preset's, if the graph is one).

    Returns
    -------
    list of Point
        At most :data:`MAX_POINTS`; fewer only where a point never fitted in
        :data:`MAX_DRAWS` draws (current weights whose forward pass overflows on every row
        tried, a graph that overflows for any large weight).
    """
    n_weights = len(graph.weights)
    current = None
    if current_weights is not None:
        current = np.asarray(current_weights, dtype=np.float64).ravel()
        if current.size != n_weights:
            raise ValueError(f"the graph has {n_weights} weights, the current weights "
                             f"have {current.size}")
    if len(dataset) == 0:
        raise ValueError("the data has no rows to check a backward pass on")
    names = notebook_aliases(graph) if aliases is None else aliases
    rows = _Rows(len(dataset), rng)
    points = []
    for plan in _plans(n_weights, current is not None, rng):
        point = _draw(graph, dataset, plan, current, rows, rng, names)
        if point is not None:
            points.append(point)
    return points


class _Rows:
    """Rows in a random order without repeats while the data lasts, then at random."""

    def __init__(self, n: int, rng: np.random.Generator) -> None:
        self.order = rng.permutation(n).tolist()
        self.n = n
        self.rng = rng
        self.used = 0

    def next(self) -> int:
        fresh = self.used < self.n
        row = int(self.order[self.used]) if fresh else int(self.rng.integers(self.n))
        self.used += 1
        return row


def _draw(graph: Graph, dataset: Dataset, plan: _Plan, current: np.ndarray | None,
          rows: _Rows, rng: np.random.Generator, aliases: Mapping[str, str]
          ) -> Point | None:
    n_weights = len(graph.weights)
    magnitude = float(rng.uniform(*LARGE_RANGE))
    scale = plan.scale
    for attempt in range(MAX_DRAWS):
        row = rows.next()
        x, y = dataset.row(row)
        if attempt >= REDRAWS:  # smaller weights until the passes fit
            magnitude *= SHRINK
            scale *= SHRINK
        if plan.kind == "current":
            assert current is not None
            w = current.copy()
            kind = "the current weights"
        elif plan.kind == "scale":
            w = rng.normal(0.0, scale, size=n_weights)
            kind = f"weights ~ N(0, {number(scale, 3)}²)"
        else:
            w = rng.normal(0.0, 1.0, size=n_weights)
            w[plan.index] = plan.sign * magnitude
            kind = (f"{graph.weights[plan.index]} = {number(w[plan.index])}, "
                    "others ~ N(0, 1)")
        trace = evaluate(graph, x, y, w)
        if _fits(trace):
            return Point(row, tuple(float(v) for v in x), float(y),
                         dict(zip(graph.weights, map(float, w), strict=True)),
                         forward_dict(trace, aliases), kind)
    return None
