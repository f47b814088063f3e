"""The verdict on a student's gradients: equal to the exact ones, to within rounding?

At every point and for every weight the student's number ``s`` is compared with the
engine's analytic gradient ``g`` (the same arithmetic the app trains with, not a finite
difference), and is right when

    |s - g| <= tol = C (err + u |g|),      C = TOLERANCE_FACTOR = 16,

``u`` = 1.1e-16 the unit roundoff of float64 and ``err`` the *running error bound* of that
gradient at that point (:func:`core.backward_check.exact.rounding_bounds`): a first-order
bound on how far a float64 evaluation of the chain can be from the exact value, summing,
for every rounded operation on the way (forward values, local derivatives, chain-rule
products and sums), ``u`` times the magnitude of its result times the factor by which the
rest of the chain scales it.  That is the scale of "the magnitudes of the terms in the
chain" below which a float64 backward cannot be asked to be exact:

* a relative tolerance alone fails where the gradient is a difference of much larger terms
  or where a factor saturates: where tanh saturates, the engine's ``1 - tanh²`` is exactly
  0 while a correct ``sech²`` is 4e-26; both are within ``err``, which counts the rounding of
  ``1 - t·t`` (about ``3u``, times the upstream gradient and the rest of the chain);
* an absolute tolerance on the loss's or the gradient's overall size would let through
  real mistakes in small gradients (a weight behind a saturated unit has a gradient many
  orders smaller than the others'), so the floor is per weight and per point, and as large
  as rounding explains;
* ``C = 16`` covers other orders of operations and algebraic forms of the same chain (a
  bound is for one order; reordered, expanded or distributed forms of the seed's terms stay
  within it), library functions a unit in the last place off, and the bound's being first
  order.  Measured on the seed, 40 sets of 40 points: the shipped correct example, the
  notebook's formulas with its mistakes fixed (recomputing every intermediate), a version
  with exact ``sech²`` and ``σ'``, and one with the square expanded, products distributed
  and ``dL/dy'`` rearranged are at worst 0.042 of ``tol`` (a margin of 24); central
  differences with steps 1e-2 to 1e-8 are at their worst point at least 9e5 times ``tol``
  off (step 1e-4; typically 1e3 to 5e4 times at a point), five- and seven-point stencils
  at least 2e5 times: a difference quotient's rounding, ``u |L| / h``, is far above a
  backward's wherever a gradient is small next to the loss.

The engine's float64 gradient is itself off from the exact one by up to ``err``, so a value
outside ``tol`` but within ``CLOSE_CALL`` (1000) times it is a close call, settled against the
gradient computed in extended precision (``np.longdouble``: a 64-bit significand on x86-64,
2000 times float64's precision; :func:`core.backward_check.exact.extended_pass`).

A numerical derivative is not the exact one, and its errors have a signature: the
truncation error ``D(h) - g`` of the difference formula, which follows the curvature and
grows as ``h²``, plus the rounding of the loss divided by ``h``.  When a backward is off,
every number is finite and within 5% of the gradient (norm-wise, summed over the points),
and more than half of the (point, weight) pairs are off, the deviations are compared with
what central, forward and backward differences with steps ``h`` from 1e-1 to 1e-10 would
give: the truncation error computed in extended precision at every point, the rounding
bounded by the loss's running error bound over ``h``.  If one step explains every
deviation, the verdict says the numbers match a numerical derivative rather than the exact
one (a step that varies with the weight, as ``eps * max(1, |w|)``, is recognised too).  The
test is one of consistency: a slip of 1e-6 relative in the formulas of most weights is
within the rounding of a quotient with a step near 1e-10 and would be reported so too (a
slip in one weight's formula is not: it leaves the other weights exact).  Deviations
proportional to the gradient (a value off by 1e-9 relative everywhere) are not a difference
quotient's and are reported as wrong values.  Rounding errors of float32 arithmetic look
like those of a difference quotient with a step near 1e-8 and are reported as a numerical
derivative: the numbers cannot tell them apart, and either is wrong.

Out of reach of any verdict on numbers: a complex-step derivative (``Im f(w + ih) / h``) is
exact to rounding and passes, as does a central difference where the loss is quadratic in
every weight (a linear model: there ``D(h) = g`` for any ``h``, and with ``h`` near 1 its
rounding is a backward's).  On the seed's graph no difference quotient passes.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from core.autodiff.compiled import compiled_graph
from core.autodiff.graph import Graph
from core.backward_check.exact import (
    EXTENDED,
    UNIT_ROUNDOFF,
    ExtendedPass,
    as_arrays,
    extended_losses,
    extended_pass,
    rounding_bounds,
)
from core.backward_check.points import Point
from core.numbers import number

__all__ = ["CLOSE_CALL", "NUMERICAL_MESSAGE", "TOLERANCE_FACTOR", "Verdict",
           "WeightVerdict", "judge", "tolerances"]

#: ``C`` in ``tol = C (err + u |g|)``.
TOLERANCE_FACTOR = 16.0
#: A value within this many tolerances of the engine's is settled in extended precision.
CLOSE_CALL = 1000.0
#: What the verdict says of a numerical derivative.
NUMERICAL_MESSAGE = "matches a numerical derivative rather than the exact one"
#: Steps tried for a numerical derivative: ten per decade, 1e-1 down to 1e-10 (below, a
#: difference quotient is mostly rounding noise, which could be made to "explain" any
#: small error).
NUMERICAL_STEPS = 10.0 ** (-np.arange(10, 101) / 10.0)
#: Neighbouring steps differ by 10^0.1; the truncation error (``h²``) of the nearest one is
#: within 26% of the student's step's.
STEP_SLACK = 0.3
#: The rounding a difference quotient may carry, in units of the loss's error bound over
#: the step (the student's forward pass has its own order of operations).
NOISE_SAFETY = 4.0
#: A numerical derivative is off for most weights at most points (every weight's quotient
#: has its own error: on the seed's points central differences with steps 1e-2 to 1e-8
#: leave 76% to 90% of the (point, weight) pairs outside the tolerance; a slip in one
#: weight's formula leaves 11%), and by at most NUMERICAL_NORM_ERROR norm-wise (the sum
#: over the points of the error's norm over the sum of the gradient's).
NUMERICAL_SHARE = 0.5
NUMERICAL_NORM_ERROR = 0.05
#: Steps per extended-precision pass, at most.
STEPS_PER_PASS = 16
#: Numbers (lanes times op nodes) one extended-precision pass may hold: 64 MB of long
#: doubles.
NUMERICAL_MEMORY = 1 << 22
#: Weights whose deviations are compared with difference quotients: those furthest off.
NUMERICAL_WEIGHTS = 9
#: Lanes times op nodes times steps the comparison may evaluate, at most: about 2 s (a
#: 5-100-1 network of 2,000 nodes); the seed needs 2.3e7.  A larger graph's verdict says
#: wrong without naming a numerical derivative.
NUMERICAL_WORK = 1e8

Status = Literal["ok", "wrong"]


@dataclass(frozen=True)
class WeightVerdict:
    """One weight over all points.

    Attributes
    ----------
    name
        The weight (``w3``); the student's key is ``'d' + name``.
    status
        ``ok`` when the student's value is within tolerance at every point.
    wrong_points
        At how many points it is not.
    worst_point
        Index (into the points) where the error is the most tolerances.
    student, exact
        The student's value and the exact gradient there.
    error
        ``|student - exact|`` there (``inf`` for a non-finite value).
    tolerance
        The tolerance there.
    """

    name: str
    status: Status
    wrong_points: int
    worst_point: int
    student: float
    exact: float
    error: float
    tolerance: float

    @property
    def relative_error(self) -> float:
        """``error / |exact|`` (``inf`` where the exact gradient is 0 and the value not)."""
        if self.error == 0.0:
            return 0.0
        return self.error / abs(self.exact) if self.exact != 0.0 else math.inf

    @property
    def ratio(self) -> float:
        """``error / tolerance``: at most 1 at every point for an ``ok`` weight."""
        return self.error / self.tolerance


@dataclass(frozen=True)
class Verdict:
    """Whether a student's gradients are the exact ones.

    Attributes
    ----------
    correct
        Every weight ``ok`` at every point (and so not a numerical derivative).
    weights
        Per weight, in the graph's order.
    worst
        The weight (and through it the point) with the most tolerances of error.
    numerical_derivative_suspected
        The errors are what a finite difference of the forward pass gives.
    numerical_step
        The largest step ``h`` of a difference quotient that explains them (else None).
    message
        One line for the user.
    points
        How many points were judged.
    settled
        Close calls settled against the extended-precision gradient.
    extended_precision
        Whether ``np.longdouble`` is more precise than float64 here (else close calls
        are settled with a tolerance widened by the engine's own error bound).
    """

    correct: bool
    weights: tuple[WeightVerdict, ...]
    worst: WeightVerdict
    numerical_derivative_suspected: bool
    numerical_step: float | None
    message: str
    points: int
    settled: int
    extended_precision: bool

    @property
    def wrong(self) -> tuple[str, ...]:
        """Weights whose status is ``wrong``."""
        return tuple(v.name for v in self.weights if v.status == "wrong")

    @property
    def worst_ratio(self) -> float:
        """The largest error in tolerances over every weight and point (< 1: correct)."""
        return self.worst.ratio


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{where} is {type(value).__name__}, expected a number")
    if isinstance(value, numbers.Integral):
        whole = int(value)
        try:
            return float(whole)
        except OverflowError:  # beyond float64: as far off as a number gets
            return math.inf if whole > 0 else -math.inf
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"{where} is beyond the range of float64") from None


def _student_matrix(graph: Graph, points: Sequence[Point],
                    student_grads: Sequence[Mapping[str, object]]) -> np.ndarray:
    """The student's values ``(points, weights)``; keys ``dw1`` (as the notebook's
    backward returns them) or ``w1``."""
    if len(student_grads) != len(points):
        raise ValueError(f"{len(student_grads)} sets of gradients for {len(points)} points")
    matrix = np.empty((len(points), len(graph.weights)))
    for p, grads in enumerate(student_grads):
        if not isinstance(grads, Mapping):
            raise ValueError(f"point {p}: the gradients are {type(grads).__name__}, "
                             "expected a dict")
        for k, name in enumerate(graph.weights):
            key = f"d{name}"
            if key in grads and name in grads and grads[key] is not grads[name]:
                raise ValueError(f"point {p}: both {key} and {name} given")
            if key not in grads and name not in grads:
                raise ValueError(f"point {p}: no {key}")
            value = grads[key] if key in grads else grads[name]
            matrix[p, k] = _number(value, f"point {p}: {key}")
    return matrix


def _point_arrays(graph: Graph, points: Sequence[Point]
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not points:
        raise ValueError("no points to judge")
    for p, point in enumerate(points):
        if tuple(point.weights) != graph.weights:
            raise ValueError(f"point {p}: weights {', '.join(point.weights)} are not the "
                             f"graph's {', '.join(graph.weights)}")
    return as_arrays(graph, [pt.x for pt in points], [pt.y for pt in points],
                     [pt.w for pt in points])


def _engine_grads(graph: Graph, x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    sample = compiled_graph(graph).sample
    grads = np.array([sample(x[p].tolist(), float(y[p]), w[p].tolist())[1]
                      for p in range(len(y))], dtype=np.float64).reshape(w.shape)
    bad = np.argwhere(~np.isfinite(grads))
    if bad.size:
        p = int(bad[0][0])
        raise ValueError(f"point {p}: the engine's gradient is not finite there; "
                         "judge only points whose passes are finite")
    return grads


def tolerances(graph: Graph, points: Sequence[Point]) -> tuple[np.ndarray, np.ndarray]:
    """The engine's gradients and the tolerance of each ``(points, weights)``."""
    x, y, w = _point_arrays(graph, points)
    engine = _engine_grads(graph, x, y, w)
    bounds = rounding_bounds(graph, x, y, w)
    return engine, _tolerance(bounds.grads, engine)


def _tolerance(bound: np.ndarray, gradient: np.ndarray) -> np.ndarray:
    tol = TOLERANCE_FACTOR * (bound + UNIT_ROUNDOFF * np.abs(gradient))
    # A gradient exactly 0 with no rounding on the way is 0 in any order; denormals aside.
    return np.asarray(np.maximum(tol, np.finfo(np.float64).tiny), dtype=np.float64)


def judge(graph: Graph, points: Sequence[Point],
          student_grads: Sequence[Mapping[str, object]]) -> Verdict:
    """Judge a student's gradients at ``points`` (see the module docstring).

    Parameters
    ----------
    graph
        The model.
    points
        Where the student's backward ran (:func:`core.backward_check.points.sample_points`).
    student_grads
        One dict per point: ``'dw1'`` (or ``'w1'``) -> the student's number.

    Raises
    ------
    ValueError
        Points or gradients that do not fit the graph, or a value that is not a real
        number (one line naming the point and the key).
    """
    x, y, w = _point_arrays(graph, points)
    student = _student_matrix(graph, points, student_grads)
    # A student's number may be anything up to ±1.8e308: differences and ratios overflow
    # to inf, which is as wrong as they are.
    with np.errstate(all="ignore"):
        return _judge(graph, points, x, y, w, student)


def _judge(graph: Graph, points: Sequence[Point], x: np.ndarray, y: np.ndarray,
           w: np.ndarray, student: np.ndarray) -> Verdict:
    engine = _engine_grads(graph, x, y, w)
    bounds = rounding_bounds(graph, x, y, w)
    tol = _tolerance(bounds.grads, engine)
    finite = np.isfinite(student)
    error = np.where(finite, np.abs(student - engine), np.inf)
    ok = error <= tol
    exact, settled, truth = engine, 0, None
    if not ok.all():
        truth = extended_pass(graph, x, y, w)
        exact = truth.grads.astype(np.float64)
        close = finite & ~ok & (error <= CLOSE_CALL * tol)
        settled = int(close.sum())
        tol = _tolerance(bounds.grads, exact)
        if not EXTENDED:  # the reference is no better than the engine: allow its error
            tol = tol + bounds.grads
        deviation = truth.grads - student.astype(np.longdouble)
        error = np.where(finite, np.abs(deviation).astype(np.float64), np.inf)
        # Once the better reference is there, every value near the engine's is judged
        # against it (the error reported is against it too); values further off stay wrong.
        ok = (ok | close) & (error <= tol)
    weights = tuple(_weight_verdict(name, k, student, exact, error, tol, ok)
                    for k, name in enumerate(graph.weights))
    worst = max(weights, key=lambda v: (v.ratio, v.error))
    step = None
    if truth is not None and finite.all():
        step = _numerical_step(graph, x, y, w, student, ok, truth, bounds.loss, tol)
    message = _message(points, weights, worst, step, bool(ok.all()))
    return Verdict(bool(ok.all()), weights, worst, step is not None, step, message,
                   len(points), settled, EXTENDED)


def _weight_verdict(name: str, k: int, student: np.ndarray, exact: np.ndarray,
                    error: np.ndarray, tol: np.ndarray, ok: np.ndarray) -> WeightVerdict:
    ratio = error[:, k] / tol[:, k]
    p = int(np.argmax(ratio))
    return WeightVerdict(name, "ok" if ok[:, k].all() else "wrong",
                         int((~ok[:, k]).sum()), p, float(student[p, k]), float(exact[p, k]),
                         float(error[p, k]), float(tol[p, k]))


def _message(points: Sequence[Point], weights: Sequence[WeightVerdict], worst: WeightVerdict,
             step: float | None, correct: bool) -> str:
    if correct:
        return (f"correct at all {len(points)} points (the largest error is "
                f"{number(worst.ratio, 2)} of the tolerance)")
    at = points[worst.worst_point].describe()
    if step is not None:
        return (f"{NUMERICAL_MESSAGE} (a difference quotient with a step near "
                f"{number(step, 1)}): d{worst.name} is off by "
                f"{number(worst.relative_error, 2)} relative at {at}")
    wrong = [v for v in weights if v.status == "wrong"]
    # Enough digits to show the two numbers differ (17 tell any two float64 apart).
    relative = worst.relative_error
    digits = 6
    if 0.0 < relative < math.inf:
        digits = min(17, max(6, 2 - math.floor(math.log10(relative))))
    return (f"{', '.join('d' + v.name for v in wrong)} wrong; the worst, d{worst.name} "
            f"at {at}, is {worst.student + 0.0:.{digits}g} where the exact gradient is "
            f"{worst.exact + 0.0:.{digits}g}")  # + 0.0: -0 reads as 0


def _numerical_step(graph: Graph, x: np.ndarray, y: np.ndarray, w: np.ndarray,
                    student: np.ndarray, ok: np.ndarray, truth: ExtendedPass,
                    loss_bound: np.ndarray, tol: np.ndarray) -> float | None:
    """The largest step ``h`` at which central, forward or backward differences of the
    loss explain every deviation of ``student`` from the exact gradient, or None."""
    if (~ok).mean() < NUMERICAL_SHARE:
        return None
    exact = truth.grads
    deviation = (student.astype(np.longdouble) - exact).astype(np.float64)
    # Summed over the points: at an exact fit the gradient is 0 and any step's quotient is
    # off by all of itself.
    norms = np.linalg.norm(exact.astype(np.float64), axis=1)
    if np.linalg.norm(deviation, axis=1).sum() > NUMERICAL_NORM_ERROR * norms.sum():
        return None
    exact64 = exact.astype(np.float64)
    if _scaled(deviation, exact64, tol):
        return None
    # The weights furthest off (at most NUMERICAL_WEIGHTS), and no more work than
    # NUMERICAL_WORK: a difference quotient explains all weights or it is none.
    ratio = np.where(ok, 0.0, np.abs(deviation) / tol).max(axis=0)
    chosen = np.sort(np.argsort(-ratio, kind="stable")[:NUMERICAL_WEIGHTS])
    n_ops = sum(1 for node in graph.order if graph[node].op is not None)
    lanes_per_step = 2 * len(x) * len(chosen)
    if lanes_per_step * n_ops * len(NUMERICAL_STEPS) > NUMERICAL_WORK:
        return None
    per_pass = int(min(STEPS_PER_PASS, max(1, NUMERICAL_MEMORY // (lanes_per_step * n_ops))))
    deviation, exact, exact64 = deviation[:, chosen], exact[:, chosen], exact64[:, chosen]
    tol, magnitude = tol[:, chosen], np.abs(w[:, chosen])
    base = truth.loss[None, :, None]  # (1, points, 1)
    for start in range(0, len(NUMERICAL_STEPS), per_pass):
        steps = NUMERICAL_STEPS[start:start + per_pass]
        plus, minus = _shifted_losses(graph, x, y, w, chosen, steps)
        h = steps[:, None, None].astype(np.longdouble)
        # The rounding a float64 difference quotient may carry: the loss's error twice, and
        # the weight's shift w + h rounding by up to u |w|, times the gradient, over h.
        noise = NOISE_SAFETY * (loss_bound[None, :, None] + np.abs(exact64)[None] *
                                UNIT_ROUNDOFF * (magnitude[None] + steps[:, None, None])
                                ) / steps[:, None, None]
        candidates = (
            ((plus - minus) / (2 * h) - exact[None], noise),
            ((plus - base) / h - exact[None], 2.0 * noise),
            ((base - minus) / h - exact[None], 2.0 * noise),
        )
        fits = np.zeros(len(steps), dtype=bool)
        for truncation_ld, rounding in candidates:
            truncation = truncation_ld.astype(np.float64)
            residual = np.abs(deviation[None] - truncation)
            allowed = STEP_SLACK * np.abs(truncation) + rounding + tol[None]
            fits |= (residual <= allowed).reshape(len(steps), -1).all(axis=1)
        if fits.any():
            return float(steps[int(np.argmax(fits))])
    return None


def _shifted_losses(graph: Graph, x: np.ndarray, y: np.ndarray, w: np.ndarray,
                    chosen: np.ndarray, steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Losses in extended precision at ``w ± h e_i`` for every step, point and chosen
    weight ``i``: two arrays ``(steps, points, chosen)``."""
    n_points, n_chosen = len(w), len(chosen)
    n_steps = len(steps)
    lanes = np.broadcast_to(w.astype(np.longdouble)[None, :, None, :],
                            (2 * n_steps, n_points, n_chosen, w.shape[1])).copy()
    signed = np.concatenate([steps, -steps]).astype(np.longdouble)
    for k, i in enumerate(chosen):
        lanes[:, :, k, i] += signed[:, None]
    lanes = lanes.reshape(-1, w.shape[1])
    xs = np.broadcast_to(x[None, :, None, :], (2 * n_steps, n_points, n_chosen, x.shape[1]))
    ys = np.broadcast_to(y[None, :, None], (2 * n_steps, n_points, n_chosen))
    losses = extended_losses(graph, xs.reshape(-1, x.shape[1]), ys.reshape(-1), lanes)
    losses = losses.reshape(2 * n_steps, n_points, n_chosen)
    return losses[:n_steps], losses[n_steps:]


def _scaled(deviation: np.ndarray, exact: np.ndarray, tol: np.ndarray) -> bool:
    """Whether the deviations are the gradient times one factor (a value off by 1e-9
    relative everywhere): a difference quotient's errors are not proportional to the
    gradient (truncation follows the third derivative, rounding the loss)."""
    nonzero = exact != 0.0
    if not nonzero.any():
        return False
    factor = float(np.median(deviation[nonzero] / exact[nonzero]))
    return bool((np.abs(deviation - factor * exact) <= tol + 0.01 * np.abs(deviation)).all())
