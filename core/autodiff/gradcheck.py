"""Gradient checking: analytic gradients against central finite differences.

The check is the norm formula ``||g - g_num|| / (||g|| + ||g_num||)``: below 1e-7 the
backward pass is correct, above 1e-3 it is surely wrong, in between suspicious.  (The course
notebook divided element-wise, which explodes for tiny gradients; the norm formula does
not.)

A finite difference resolves a derivative only up to its own error, so a verdict first asks
whether the analytic and numeric values differ by more than that error (the *noise*):

* truncation: ``D(h) = g + L^(3) h^2 / 6 + O(h^4)``, so ``(D(2h) - D(h)) / 3`` estimates
  it (Richardson) from one more pair of loss evaluations per weight;
* rounding: each loss carries an error ``err(L)`` (:mod:`core.autodiff.rounding`, at least
  ``u |L|``), which the difference divides by ``h``: ``err(L) / h``.

The noise is ``NOISE_SAFETY`` times their sum.  A difference within the noise is agreement
(``correct``); beyond it the relative error meets the course's thresholds.  Without this
rule, a gradient of size 1e-5 checked with ``eps = 1e-7`` shows a relative error of 1e-5 from
rounding alone and would be called suspicious although backprop is right.
"""

from __future__ import annotations

import math
from collections import ChainMap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from core.autodiff.engine import evaluate, forward, loss_only, moved_forward
from core.autodiff.graph import Graph, Node
from core.autodiff.ops import Op
from core.autodiff.rounding import MACHINE_EPSILON, loss_rounding_error
from core.expr.evaluate import kink_distance

Verdict = Literal["correct", "suspicious", "wrong"]

CORRECT_BELOW = 1e-7
WRONG_ABOVE = 1e-3
DEFAULT_EPS = 1e-7
#: The finite-difference steps a user may choose (command line and window), ends included:
#: a larger step misleads by truncation (∝ eps²), a smaller one by rounding (∝ 1/eps).
EPS_RANGE = (1e-10, 1e-2)
#: Gradients whose norms sum to less than this are zero to within rounding: at an exact
#: fit central differences return ~1e-16 where the true gradient is 0.
ZERO_BELOW = 1e-12
#: The noise is this many times the estimated truncation plus rounding error: Richardson's
#: estimate is exact only to leading order, and rounding errors vary between points.
NOISE_SAFETY = 2.0
#: Without a trace, the loss is taken to carry this many units of rounding (``u |L|``).
LOSS_ROUNDING_ULPS = 16.0


@dataclass(frozen=True)
class WeightCheck:
    """One weight's analytic and numeric derivative and their relative error.

    ``truncation`` and ``rounding`` estimate the finite difference's two errors (see the
    module docstring); analytic and numeric values closer than ``noise`` agree.
    """

    name: str
    analytic: float
    numeric: float
    relative_error: float
    truncation: float = 0.0
    rounding: float = 0.0

    @property
    def noise(self) -> float:
        """What the finite difference cannot resolve: ``NOISE_SAFETY * (truncation +
        rounding)`` (``inf`` when not finite)."""
        noise = NOISE_SAFETY * (self.truncation + self.rounding)
        return noise if math.isfinite(noise) else math.inf

    @property
    def resolution(self) -> float:
        """The noise relative to the derivative's size: above 1e-3 the finite difference
        can tell little about this weight at this eps."""
        size = abs(self.analytic) + abs(self.numeric)
        if self.noise == 0.0:
            return 0.0
        return self.noise / size if size > 0.0 else math.inf

    @property
    def verdict(self) -> Verdict:
        return weight_verdict(self.analytic, self.numeric, self.noise)


@dataclass(frozen=True)
class GradCheckReport:
    """The result of a gradient check.

    Attributes
    ----------
    eps
        The finite-difference step.
    relative_error
        ``||g - g_num|| / (||g|| + ||g_num||)`` over all weights (0 when both are zero).
    verdict
        ``correct`` (< 1e-7), ``wrong`` (> 1e-3) or ``suspicious``.
    weights
        Per weight: analytic, numeric and relative error.
    """

    eps: float
    relative_error: float
    verdict: Verdict
    weights: tuple[WeightCheck, ...]

    @property
    def flagged(self) -> tuple[WeightCheck, ...]:
        """The weights whose verdict is not ``correct``."""
        return tuple(c for c in self.weights if c.verdict != "correct")

    @property
    def worst(self) -> WeightCheck | None:
        """The weight whose derivative disagrees most."""
        return max(self.weights, key=lambda c: c.relative_error, default=None)


def verdict_for(relative_error: float) -> Verdict:
    """Classify a relative error (nan counts as wrong)."""
    if not relative_error <= WRONG_ABOVE:
        return "wrong"
    return "correct" if relative_error < CORRECT_BELOW else "suspicious"


def weight_verdict(analytic: float, numeric: float, noise: float) -> Verdict:
    """Classify one derivative: ``correct`` when analytic and numeric differ by no more
    than the finite difference's ``noise``, else by the course's thresholds on their
    relative error (a non-finite value is wrong)."""
    difference = abs(analytic - numeric)
    if math.isfinite(noise) and difference <= noise:  # nan difference fails this
        return "correct"
    return verdict_for(relative_error(analytic, numeric))


def finite_difference_errors(numeric: np.ndarray, numeric_2eps: np.ndarray,
                             loss_error: float, eps: float) -> tuple[np.ndarray, float]:
    """The two errors of central differences with step ``eps``, per weight.

    Parameters
    ----------
    numeric, numeric_2eps
        Central differences with steps ``eps`` and ``2 eps``.
    loss_error
        The rounding error the loss carries (``err(L)``).
    eps
        The step.

    Returns
    -------
    truncation : numpy.ndarray
        ``|D(2h) - D(h)| / 3`` (Richardson), ``inf`` where not finite.
    rounding : float
        ``err(L) / h``.
    """
    with np.errstate(all="ignore"):
        truncation = np.abs(np.asarray(numeric_2eps) - np.asarray(numeric)) / 3.0
    return np.where(np.isfinite(truncation), truncation, np.inf), loss_error / eps


def relative_error(analytic: np.ndarray | float, numeric: np.ndarray | float) -> float:
    """``||a - n|| / (||a|| + ||n||)``, defined as 0 when both are zero to within
    rounding (``||a|| + ||n|| < ZERO_BELOW``)."""
    a = np.atleast_1d(np.asarray(analytic, dtype=float))
    n = np.atleast_1d(np.asarray(numeric, dtype=float))
    with np.errstate(all="ignore"):
        denominator = float(np.linalg.norm(a) + np.linalg.norm(n))
        if denominator < ZERO_BELOW:
            return 0.0
        return float(np.linalg.norm(a - n) / denominator)


def numeric_gradient(loss: Callable[[np.ndarray], float], weights: Sequence[float] | np.ndarray,
                     eps: float = DEFAULT_EPS) -> np.ndarray:
    """Central differences ``(L(w + eps e_i) - L(w - eps e_i)) / (2 eps)`` per weight."""
    if not eps > 0.0 or not np.isfinite(eps):
        raise ValueError(f"eps must be a positive finite number, got {eps}")
    w = np.array(weights, dtype=float)
    result = np.empty_like(w)
    for i in range(w.size):
        plus = w.copy()
        minus = w.copy()
        plus[i] += eps
        minus[i] -= eps
        result[i] = (loss(plus) - loss(minus)) / (2.0 * eps)
    return result


def graph_numeric_gradient(graph: Graph, x: Sequence[float] | np.ndarray, y: float,
                           weights: Sequence[float] | np.ndarray, eps: float = DEFAULT_EPS,
                           progress: Callable[[float], None] | None = None) -> np.ndarray:
    """:func:`numeric_gradient` of the graph's loss on one sample, the same numbers (to the
    last bit) computed on the fast path: many perturbed weight vectors per vectorized pass
    (:meth:`core.autodiff.compiled.CompiledGraph.numeric_gradient`), so that graphs with
    thousands of weights are checked in seconds rather than in time that grows with the
    square of the graph."""
    from core.autodiff.compiled import compiled_graph

    if not eps > 0.0 or not np.isfinite(eps):
        raise ValueError(f"eps must be a positive finite number, got {eps}")
    try:
        compiled = compiled_graph(graph)
    except RecursionError:  # beyond the Python compiler's nesting limit: the trace path
        return numeric_gradient(lambda w: loss_only(graph, x, y, w), weights, eps)
    return compiled.numeric_gradient(x, y, weights, eps, progress)


def check(loss: Callable[[np.ndarray], float], analytic: Sequence[float] | np.ndarray,
          weights: Sequence[float] | np.ndarray, names: Sequence[str],
          eps: float = DEFAULT_EPS, loss_error: float | None = None,
          differences: Callable[[float], np.ndarray] | None = None) -> GradCheckReport:
    """Check any analytic gradient (a student's backward function, the notebook's) against
    finite differences of ``loss``.

    Parameters
    ----------
    loss
        Weights -> loss, the function whose gradient is checked.
    analytic
        The gradient to check, one value per weight.
    weights
        Where to check.
    names
        Weight names, for the report.
    eps
        Finite-difference step.
    loss_error
        The rounding error of ``loss`` at ``weights``; default ``LOSS_ROUNDING_ULPS`` units
        of ``u |loss(weights)|``.

    Notes
    -----
    The overall verdict keeps the course's thresholds on the norm formula, except that a
    difference ``||g - g_num||`` within the norm of the per-weight noise is agreement.
    differences
        Step -> central differences of ``loss`` at ``weights`` for every weight, when they
        can be computed faster than through ``loss`` (:func:`graph_numeric_gradient`).
    """
    g = np.asarray(analytic, dtype=float).ravel()
    if g.size != len(names) or g.size != np.size(weights):
        raise ValueError(f"expected {len(names)} gradient values, got {g.size}")
    if differences is None:
        def differences(h: float) -> np.ndarray:
            return numeric_gradient(loss, weights, h)

    numeric = differences(eps)
    numeric_2eps = differences(2.0 * eps)
    if loss_error is None:
        at = np.asarray(weights, dtype=float)
        loss_error = LOSS_ROUNDING_ULPS * MACHINE_EPSILON * abs(loss(at))
    truncation, rounding = finite_difference_errors(numeric, numeric_2eps, loss_error, eps)
    per_weight = tuple(
        WeightCheck(name, float(a), float(n), relative_error(a, n), float(t), rounding)
        for name, a, n, t in zip(names, g, numeric, truncation, strict=True)
    )
    overall = relative_error(g, numeric)
    noise = np.array([c.noise for c in per_weight])
    with np.errstate(all="ignore"):
        within_noise = bool(np.linalg.norm(g - numeric) <= np.linalg.norm(noise))
    verdict: Verdict = "correct" if within_noise else verdict_for(overall)
    return GradCheckReport(eps=eps, relative_error=overall, verdict=verdict,
                           weights=per_weight)


def check_graph(graph: Graph, x: Sequence[float] | np.ndarray, y: float,
                weights: Sequence[float] | np.ndarray, eps: float = DEFAULT_EPS,
                analytic: Sequence[float] | np.ndarray | None = None,
                progress: Callable[[float], None] | None = None) -> GradCheckReport:
    """Check the engine's backward pass (or ``analytic``, if given) on one sample; the
    rounding error of the loss comes from the trace (:func:`loss_rounding_error`).
    ``progress`` is called with the fraction of the finite differences done."""
    trace = evaluate(graph, x, y, weights)
    if analytic is None:
        analytic = trace.weight_grads
    steps: list[float] = []

    def differences(h: float) -> np.ndarray:
        # Two steps (eps, 2 eps): each is half of the work.
        offset = 0.5 * len(steps)
        steps.append(h)
        report = None if progress is None else (
            lambda fraction: progress(min(1.0, offset + 0.5 * fraction)))
        return graph_numeric_gradient(graph, x, y, weights, h, report)

    return check(lambda w: loss_only(graph, x, y, w), analytic, weights, graph.weights, eps,
                 loss_error=loss_rounding_error(trace), differences=differences)


#: A node is at a kink when its operands are within this many finite-difference steps of
#: one: a step of eps (or 2 eps, for the truncation estimate) may then cross it.
KINK_BAND = 100.0
#: ... or within this many times as far as a step of 2 eps in one weight moves them (or
#: the argument of the kinked function): behind a large factor (a feature of 1000, a
#: weight that multiplies) a step of eps moves an operand much further than eps.
KINK_REACH = 4.0
#: The op's slope on the two sides of the band differs by more than this share of its size
#: (a jump, as relu's 0 and 1), or its value by more than this share beyond what the slopes
#: explain (a step): a function whose slope is continuous there (Huber at ±δ) is no kink
#: for the check, central differences agree with it.
SLOPE_JUMP = 1e-3
VALUE_JUMP = 1e-6


@dataclass(frozen=True)
class KinkCrossing:
    """An op node at a kink (:func:`kink_crossings`) and the weights whose own finite
    difference crosses it."""

    node: str
    op: str
    weights: tuple[str, ...]


def kink_crossings(graph: Graph, x: Sequence[float] | np.ndarray, y: float,
                   weights: Sequence[float] | np.ndarray, eps: float = DEFAULT_EPS
                   ) -> tuple[KinkCrossing, ...]:
    """Every op node whose operands are so close to a kink of its forward formula (relu and
    abs at 0, max and min where their operands meet, any call of a function with a kink,
    user ops too: :func:`core.expr.evaluate.kink_distance`) that a step of ``eps`` in a
    weight may cross it, and whose slope or value does jump there: at such a node the check
    does not say whether the backward pass is right.  How far a step reaches is measured:
    the operands' values with each weight moved by ``±2 eps``, recomputed only for the weights
    a node with a kink is computed from, and only between the weight and such nodes
    (:func:`core.autodiff.engine.moved_forward`).  Each comes with the weights whose step of
    ``2 eps`` moves the kinked function's argument at least a quarter of the way to the
    kink: a disagreement in their derivatives is the kink's, not the backward pass's."""
    values = forward(graph, x, y, weights)
    candidates = [node for node in graph.op_nodes()
                  if kink_distance(graph.op_of(node.id).forward,
                                   _operand_point(graph, node, values)) is not None]
    # Per candidate node, the values with each weight moved by ±2 eps that reach it: only
    # the nodes downstream of the weight and upstream of a candidate are computed again.
    upstream = _ancestors(graph, [operand for node in candidates for operand in node.inputs])
    uses: dict[str, list[str]] = {}  # operand -> the candidates it is an operand of
    for node in candidates:
        for operand in dict.fromkeys(node.inputs):
            uses.setdefault(operand, []).append(node.id)
    moved: dict[str, list[tuple[str, Mapping[str, float]]]] = {n.id: [] for n in candidates}
    for i, weight in enumerate(graph.weights):
        if weight not in upstream:
            continue
        for shift in (-2.0 * eps, 2.0 * eps):
            changed = moved_forward(graph, values, weight, float(weights[i]) + shift,
                                    within=upstream)
            view: Mapping[str, float] = ChainMap(changed, values)
            reached = {node_id for operand in changed for node_id in uses.get(operand, ())}
            for node_id in reached:
                moved[node_id].append((weight, view))

    found = []
    for node in candidates:
        row = graph.op_of(node.id)
        distance = kink_distance(row.forward, _operand_point(graph, node, values))
        assert distance is not None
        # How far a step in each weight moves the operands, and the kinked function's
        # argument (a weight that does not reach the node moves neither).
        operand_reach: dict[str, float] = {}
        kink_reach: dict[str, float] = {}
        for weight, other in moved[node.id]:
            moved_by = max(abs(other[i] - values[i]) for i in node.inputs)
            argument = abs((kink_distance(row.forward, _operand_point(graph, node, other))
                            or 0.0) - distance)
            operand_reach[weight] = max(operand_reach.get(weight, 0.0),
                                        _finite_or_zero(moved_by))
            kink_reach[weight] = max(kink_reach.get(weight, 0.0), _finite_or_zero(argument))
        band = max(KINK_BAND * eps, KINK_REACH * max(kink_reach.values(), default=0.0))
        probe = max(KINK_BAND * eps, KINK_REACH * max(operand_reach.values(), default=0.0))
        args = tuple(values[i] for i in node.inputs)
        if distance <= band and _jumps(row, args, node.param, probe):
            crossing = tuple(
                weight for weight in operand_reach  # in graph.weights order
                if operand_reach[weight] > 0.0
                and distance <= max(KINK_BAND * eps, KINK_REACH * kink_reach[weight]))
            found.append(KinkCrossing(node.id, row.name, crossing))
    return tuple(found)


def kinks(graph: Graph, x: Sequence[float] | np.ndarray, y: float,
          weights: Sequence[float] | np.ndarray, eps: float = DEFAULT_EPS
          ) -> list[tuple[str, str]]:
    """(node, op) of every node :func:`kink_crossings` finds."""
    return at_kinks(kink_crossings(graph, x, y, weights, eps))


def kinked_weights(graph: Graph, x: Sequence[float] | np.ndarray, y: float,
                   weights: Sequence[float] | np.ndarray, eps: float = DEFAULT_EPS
                   ) -> dict[str, tuple[str, ...]]:
    """Weight id -> the nodes of :func:`kink_crossings` its own finite difference crosses;
    weights no kink reaches are left out."""
    return crossed_weights(kink_crossings(graph, x, y, weights, eps))


def at_kinks(crossings: Sequence[KinkCrossing]) -> list[tuple[str, str]]:
    """(node, op) of each crossing, as :func:`kink_notes` takes them."""
    return [(c.node, c.op) for c in crossings]


def crossed_weights(crossings: Sequence[KinkCrossing]) -> dict[str, tuple[str, ...]]:
    """Weight id -> the crossings' nodes its finite difference crosses."""
    found: dict[str, list[str]] = {}
    for crossing in crossings:
        for weight in crossing.weights:
            found.setdefault(weight, []).append(crossing.node)
    return {weight: tuple(nodes) for weight, nodes in found.items()}


def shown_verdict(check: WeightCheck, kinked: Mapping[str, Sequence[str]]) -> str:
    """What to say of one weight: ``kinked`` where it disagrees and a kink its finite
    difference crosses explains it (:func:`kinked_weights`), else its verdict."""
    if check.verdict != "correct" and kinked.get(check.name):
        return "kinked"
    return check.verdict


def shown_overall(report: GradCheckReport, kinked: Mapping[str, Sequence[str]]) -> str:
    """The report's verdict, or ``kinked`` where every weight that disagrees is explained
    by a kink its finite difference crosses (:func:`shown_verdict`)."""
    flagged = report.flagged
    if flagged and all(shown_verdict(c, kinked) == "kinked" for c in flagged):
        return "kinked"
    return report.verdict


def _operand_point(graph: Graph, node: Node, values: Mapping[str, float]
                   ) -> dict[str, float]:
    """The node's op formula's variables: its operands' values, and its parameter."""
    row = graph.op_of(node.id)
    at = {arg: values[i] for arg, i in zip(row.args, node.inputs, strict=True)}
    if row.has_param and node.param is not None:
        at["p"] = node.param
    return at


def _ancestors(graph: Graph, nodes: Sequence[str]) -> set[str]:
    """``nodes`` and every node they are computed from."""
    found = set(nodes)
    stack = list(found)
    while stack:
        for operand in graph[stack.pop()].inputs:
            if operand not in found:
                found.add(operand)
                stack.append(operand)
    return found


def _finite_or_zero(value: float) -> float:
    return value if math.isfinite(value) else 0.0


def kink_notes(graph: Graph, found: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    """One line per node :func:`kinks` found, naming it as every message does."""
    return tuple(f"{graph[node].name} ({op}) is at its kink (or within the step of it), "
                 "where its derivative jumps; a disagreement there does not mean the "
                 "backward pass is wrong" for node, op in found)


def _jumps(row: Op, args: tuple[float, ...], param: float | None, band: float) -> bool:
    """Whether the op's slope or value differs on the two sides of ``args``, ``band``
    away along any operand."""
    for position in range(len(args)):
        sides = []
        for shift in (-band, band):
            moved = tuple(a + shift if i == position else a for i, a in enumerate(args))
            out = row.evaluate(moved, param)
            sides.append((out, row.local_derivatives(moved, out, param)[position]))
        (low, low_slope), (high, high_slope) = sides
        if not all(math.isfinite(v) for v in (low, low_slope, high, high_slope)):
            return True
        if abs(high_slope - low_slope) > SLOPE_JUMP * max(1.0, abs(low_slope),
                                                           abs(high_slope)):
            return True
        explained = band * (low_slope + high_slope)
        if abs(high - low - explained) > VALUE_JUMP * max(1.0, abs(low), abs(high)):
            return True
    return False
