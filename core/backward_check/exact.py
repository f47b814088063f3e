"""Two passes over a graph for judging a student's gradients, vectorized over many points.

* :func:`extended_pass`: forward and backward in ``np.longdouble`` (on x86-64 Linux the
  80-bit extended format, 64-bit significand: unit roundoff 5.4e-20 against float64's
  1.1e-16), the reference a float64 gradient is compared with when the float64 engine's own
  rounding could decide the verdict.
* :func:`rounding_bounds`: the float64 forward and backward passes evaluated in *running
  error analysis* (Wilkinson): every number carries a first-order bound on the rounding
  error a float64 evaluation of it accumulates, so every weight's gradient comes with the
  size of the error a correct float64 backward may have at that point.

Both read the op table's own formulas (forward and local derivatives, expression trees),
compiled here against other number types (:func:`core.expr.codegen.compile_lambda`):
numpy's functions are dtype-generic, so the array namespace computes in long double when
given long doubles; and :class:`Bounded` numbers carry their error bound through the same
formulas.  No derivative rule is written twice:
the error a function adds to its operand's error is ``|f'(a)| err(a)``, with ``f'`` read
from the op table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

import numpy as np

from core.autodiff.graph import Graph
from core.autodiff.ops import OPS, Op
from core.expr.codegen import compile_lambda
from core.expr.functions import ARRAY_NAMESPACE

#: float64's unit roundoff: a correctly rounded operation is off by at most this, relatively.
UNIT_ROUNDOFF = float(np.finfo(np.float64).eps) / 2.0
#: Whether ``np.longdouble`` has more precision than float64 here (not on ARM macOS or
#: Windows, where it is float64 itself).
EXTENDED = bool(np.finfo(np.longdouble).eps < np.finfo(np.float64).eps)
#: Functions the formulas call that are not ops: piecewise constant, so rounding in their
#: operand changes their value only at a jump, which the bound does not model.
PIECEWISE_CONSTANT = frozenset({"step", "sign"})
#: Functions that pick one of their arguments: exact, with the picked argument's error.
SELECTING = frozenset({"max", "min"})

_unknown = set(ARRAY_NAMESPACE) - set(OPS) - PIECEWISE_CONSTANT - SELECTING
if _unknown:  # pragma: no cover - guards a new function without a derivative
    raise ImportError(f"no derivative for the formula function(s) {sorted(_unknown)}")


@dataclass(frozen=True)
class _Row:
    forward: Callable[..., Any]
    derivatives: Callable[..., tuple[Any, ...]]


def _compile_row(op: Op, namespace: Mapping[str, Any]) -> _Row:
    """The op's formulas as functions of ``(a, b, p)`` and ``(a, b, out, p)`` on the
    numbers ``namespace``'s functions take."""
    return _Row(compile_lambda(("a", "b", "p"), op.forward, namespace=namespace),
                compile_lambda(("a", "b", "out", "p"), op.derivatives, namespace=namespace))


class _Rows:
    """Compiled rows for one namespace, made on first use per op row (broken ones too)."""

    def __init__(self, namespace: Mapping[str, Any]) -> None:
        self.namespace = namespace
        self._rows: WeakKeyDictionary[Op, _Row] = WeakKeyDictionary()

    def __getitem__(self, op: Op) -> _Row:
        found = self._rows.get(op)
        if found is None:
            found = self._rows[op] = _compile_row(op, self.namespace)
        return found


class Bounded:
    """Float64 numbers (an array, one per point) with a first-order bound on their error.

    ``err`` bounds ``|computed - exact|`` for a float64 evaluation in this order: each
    operation rounds its result once (``u |result|``) and passes on its operands' errors
    scaled by its partial derivatives.  Inputs are exact (weights, features and targets
    are the float64 numbers the student is given).
    """

    __slots__ = ("err", "value")

    def __init__(self, value: Any, err: Any = 0.0) -> None:
        self.value = np.asarray(value, dtype=np.float64)
        self.err = np.asarray(err, dtype=np.float64)

    def _rounded(self, value: np.ndarray, err: np.ndarray) -> Bounded:
        return Bounded(value, err + UNIT_ROUNDOFF * np.abs(value))

    def __add__(self, other: Any) -> Bounded:
        o = _lift(other)
        return self._rounded(self.value + o.value, self.err + o.err)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Bounded:
        o = _lift(other)
        return self._rounded(self.value - o.value, self.err + o.err)

    def __rsub__(self, other: Any) -> Bounded:
        return _lift(other) - self

    def __mul__(self, other: Any) -> Bounded:
        o = _lift(other)
        return self._rounded(self.value * o.value,
                             np.abs(self.value) * o.err + np.abs(o.value) * self.err)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Bounded:
        o = _lift(other)
        value = self.value / o.value
        return self._rounded(value, (self.err + np.abs(value) * o.err) / np.abs(o.value))

    def __rtruediv__(self, other: Any) -> Bounded:
        return _lift(other) / self

    def __neg__(self) -> Bounded:
        return Bounded(-self.value, self.err)


def _lift(number: Any) -> Bounded:
    return number if isinstance(number, Bounded) else Bounded(number)


_ARRAY_ROWS = _Rows(ARRAY_NAMESPACE)


def _bounded_selection(name: str) -> Callable[..., Bounded]:
    function = ARRAY_NAMESPACE[name]

    def apply(a: Any, b: Any) -> Bounded:
        x, y = _lift(a), _lift(b)
        out = np.asarray(function(x.value, y.value), dtype=np.float64)
        return Bounded(out, np.where(out == x.value, x.err, y.err))

    return apply


def _bounded_function(name: str) -> Callable[..., Bounded]:
    if name in SELECTING:
        return _bounded_selection(name)
    function = ARRAY_NAMESPACE[name]
    row = _ARRAY_ROWS[OPS[name]] if name in OPS else None

    def apply(a: Any, *param: Any) -> Bounded:
        x = _lift(a)
        out = np.asarray(function(x.value, *param), dtype=np.float64)
        if row is None:  # piecewise constant
            return Bounded(out)
        slope = row.derivatives(x.value, None, out, *(param or (None,)))[0]
        # A library function is within one unit in the last place (2u), not correctly
        # rounded (u): one more u than an arithmetic operation.
        return x._rounded(out, np.abs(slope) * x.err + UNIT_ROUNDOFF * np.abs(out))

    return apply


_BOUNDED_NAMESPACE = {name: _bounded_function(name) for name in ARRAY_NAMESPACE}
_BOUNDED_ROWS = _Rows(_BOUNDED_NAMESPACE)


def _pass(graph: Graph, rows: _Rows, leaves: dict[str, Any]
          ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Forward values and gradients dL/d(node) of every node, on whatever numbers
    ``leaves`` holds (one entry per leaf id), in the engine's order of operations."""
    values = dict(leaves)
    ops = [(node_id, graph[node_id]) for node_id in graph.order if graph[node_id].op]
    with np.errstate(all="ignore"):
        for node_id, node in ops:
            a, b = (*node.inputs, "", "")[:2]
            assert node.op is not None
            values[node_id] = rows[graph.op_of(node_id)].forward(values[a], values.get(b),
                                                                 node.param)
        grads: dict[str, Any] = {graph.loss: 1.0}
        for node_id, node in reversed(ops):
            upstream = grads.get(node_id)
            if upstream is None:
                continue
            a, b = (*node.inputs, "", "")[:2]
            assert node.op is not None
            locals_ = rows[graph.op_of(node_id)].derivatives(values[a], values.get(b),
                                                             values[node_id], node.param)
            for operand, local in zip(node.inputs, locals_, strict=True):
                contribution = upstream * local
                previous = grads.get(operand)
                grads[operand] = contribution if previous is None else previous + contribution
    return values, grads


def _leaves(graph: Graph, x: np.ndarray, y: np.ndarray, w: np.ndarray,
            make: Callable[[np.ndarray], Any]) -> dict[str, Any]:
    """Leaf values: ``x`` (points, features), ``y`` (points,), ``w`` (points, weights)."""
    leaves: dict[str, Any] = {}
    for k, name in enumerate(graph.weights):
        leaves[name] = make(w[:, k])
    for feature in graph.features:
        column = graph[feature].column
        assert column is not None
        leaves[feature] = make(x[:, column])
    if graph.target:
        leaves[graph.target] = make(y)
    for node_id in graph.order:
        node = graph[node_id]
        if node.kind == "constant":
            assert node.constant is not None
            leaves[node_id] = make(np.full(len(y), node.constant))
    return leaves


def _weight_grads(graph: Graph, grads: Mapping[str, Any], n: int,
                  pick: Callable[[Any], np.ndarray], dtype: Any) -> np.ndarray:
    out = np.zeros((n, len(graph.weights)), dtype=dtype)
    for k, name in enumerate(graph.weights):
        if name in grads:  # a weight the loss does not reach has gradient 0
            out[:, k] = np.broadcast_to(pick(grads[name]), (n,))
    return out


@dataclass(frozen=True)
class ExtendedPass:
    """Loss and weight gradients in long double, one row per point."""

    loss: np.ndarray  # (points,)
    grads: np.ndarray  # (points, weights)


def extended_pass(graph: Graph, x: np.ndarray, y: np.ndarray, w: np.ndarray
                  ) -> ExtendedPass:
    """Forward and backward in ``np.longdouble`` at every point.

    Parameters
    ----------
    x, y, w
        Features ``(points, features)``, targets ``(points,)`` and weights
        ``(points, weights)`` in ``graph.weights`` order; float64, taken as exact.
    """
    n = len(y)
    leaves = _leaves(graph, np.asarray(x), np.asarray(y), np.asarray(w),
                     lambda column: np.asarray(column, dtype=np.longdouble))
    values, grads = _pass(graph, _ARRAY_ROWS, leaves)
    loss = np.broadcast_to(np.asarray(values[graph.loss], dtype=np.longdouble), (n,))
    return ExtendedPass(loss.copy(), _weight_grads(
        graph, grads, n, lambda g: np.asarray(g, dtype=np.longdouble), np.longdouble))


def extended_losses(graph: Graph, x: np.ndarray, y: np.ndarray, w: np.ndarray
                    ) -> np.ndarray:
    """The forward pass alone in ``np.longdouble``: the loss at every point."""
    leaves = _leaves(graph, np.asarray(x), np.asarray(y), np.asarray(w),
                     lambda column: np.asarray(column, dtype=np.longdouble))
    values = dict(leaves)
    with np.errstate(all="ignore"):
        for node_id in graph.order:
            node = graph[node_id]
            if node.op is None:
                continue
            a, b = (*node.inputs, "", "")[:2]
            values[node_id] = _ARRAY_ROWS[graph.op_of(node_id)].forward(
                values[a], values.get(b), node.param)
    return np.broadcast_to(np.asarray(values[graph.loss], dtype=np.longdouble),
                           (len(y),)).copy()


@dataclass(frozen=True)
class RoundingBounds:
    """First-order bounds on float64 rounding error, one row per point.

    Attributes
    ----------
    loss
        Bound on the error of the computed loss ``(points,)``.
    grads
        Bound on the error of each computed weight gradient ``(points, weights)``.
    """

    loss: np.ndarray
    grads: np.ndarray


def rounding_bounds(graph: Graph, x: np.ndarray, y: np.ndarray, w: np.ndarray
                    ) -> RoundingBounds:
    """Running error bounds of the float64 forward and backward passes at every point
    (arguments as :func:`extended_pass`)."""
    n = len(y)
    leaves = _leaves(graph, np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64),
                     np.asarray(w, dtype=np.float64), Bounded)
    values, grads = _pass(graph, _BOUNDED_ROWS, leaves)
    loss = np.broadcast_to(_lift(values[graph.loss]).err, (n,)).copy()
    return RoundingBounds(loss, _weight_grads(graph, grads, n, lambda g: _lift(g).err,
                                              np.float64))


def as_arrays(graph: Graph, xs: Sequence[Sequence[float]], ys: Sequence[float],
              ws: Sequence[Sequence[float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points as the float64 arrays the passes take, checked against the graph."""
    x = np.asarray(xs, dtype=np.float64)
    y = np.asarray(ys, dtype=np.float64)
    w = np.asarray(ws, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] < graph.n_inputs:
        raise ValueError(f"the graph uses {graph.n_inputs} features, the points have "
                         f"shape {x.shape}")
    if w.ndim != 2 or w.shape[1] != len(graph.weights) or not len(w) == len(y) == len(x):
        raise ValueError(f"the graph has {len(graph.weights)} weights, the points' weights "
                         f"have shape {w.shape}")
    return x, y, w
