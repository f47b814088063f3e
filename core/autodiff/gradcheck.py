"""Gradient checking: analytic gradients against central finite differences.

The check is the norm formula ``||g - g_num|| / (||g|| + ||g_num||)``: below 1e-7 the
backward pass is correct, above 1e-3 it is surely wrong, in between suspicious.  (The course
notebook divided element-wise, which explodes for tiny gradients; the norm formula does
not.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from core.autodiff.engine import evaluate, forward, loss_only
from core.autodiff.graph import Graph

Verdict = Literal["correct", "suspicious", "wrong"]

CORRECT_BELOW = 1e-7
WRONG_ABOVE = 1e-3
DEFAULT_EPS = 1e-7
#: Gradients whose norms sum to less than this are zero to within rounding: at an exact
#: fit central differences return ~1e-16 where the true gradient is 0.
ZERO_BELOW = 1e-12


@dataclass(frozen=True)
class WeightCheck:
    """One weight's analytic and numeric derivative and their relative error."""

    name: str
    analytic: float
    numeric: float
    relative_error: float

    @property
    def verdict(self) -> Verdict:
        return verdict_for(self.relative_error)


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
    def worst(self) -> WeightCheck | None:
        """The weight whose derivative disagrees most."""
        return max(self.weights, key=lambda c: c.relative_error, default=None)


def verdict_for(relative_error: float) -> Verdict:
    """Classify a relative error (nan counts as wrong)."""
    if not relative_error <= WRONG_ABOVE:
        return "wrong"
    return "correct" if relative_error < CORRECT_BELOW else "suspicious"


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


def check(loss: Callable[[np.ndarray], float], analytic: Sequence[float] | np.ndarray,
          weights: Sequence[float] | np.ndarray, names: Sequence[str],
          eps: float = DEFAULT_EPS) -> GradCheckReport:
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
    """
    g = np.asarray(analytic, dtype=float).ravel()
    if g.size != len(names) or g.size != np.size(weights):
        raise ValueError(f"expected {len(names)} gradient values, got {g.size}")
    numeric = numeric_gradient(loss, weights, eps)
    per_weight = tuple(
        WeightCheck(name, float(a), float(n), relative_error(a, n))
        for name, a, n in zip(names, g, numeric, strict=True)
    )
    overall = relative_error(g, numeric)
    return GradCheckReport(eps=eps, relative_error=overall, verdict=verdict_for(overall),
                           weights=per_weight)


def check_graph(graph: Graph, x: Sequence[float] | np.ndarray, y: float,
                weights: Sequence[float] | np.ndarray, eps: float = DEFAULT_EPS,
                analytic: Sequence[float] | np.ndarray | None = None) -> GradCheckReport:
    """Check the engine's backward pass (or ``analytic``, if given) on one sample."""
    if analytic is None:
        analytic = evaluate(graph, x, y, weights).weight_grads
    return check(lambda w: loss_only(graph, x, y, w), analytic, weights, graph.weights, eps)


#: Ops with a kink at 0: the derivative is undefined there, the engine takes one
#: one-sided slope and central differences see the mean of both.
KINKED_OPS = ("relu", "abs")


def kinks(graph: Graph, x: Sequence[float] | np.ndarray, y: float,
          weights: Sequence[float] | np.ndarray, eps: float = DEFAULT_EPS
          ) -> list[tuple[str, str]]:
    """(node, op) of every kinked op whose input is so close to 0 that a step of ``eps``
    may cross the kink: there the check does not say whether the backward pass is right."""
    values = forward(graph, x, y, weights)
    return [(node.id, str(node.op)) for node in graph.op_nodes()
            if node.op in KINKED_OPS and abs(values[node.inputs[0]]) <= 100.0 * eps]
