"""The fast path: straight-line Python generated from a graph's topological order.

Functions are generated from the op table's formulas (expression trees), all without loops
over nodes:

- ``sample(x, y, w) -> (loss, grads, check)`` on Python floats with :mod:`math`, for
  per-sample training.  ``check`` is the sum of every op value, weight and gradient: it is finite
  exactly when they all are (or it overflowed, which the caller treats the same way), so
  one ``isfinite`` call guards the whole pass.
- ``batch(X, Y, w) -> (losses, grads)`` on numpy arrays: the whole dataset in one pass.
- ``losses(x, y, w) -> loss`` forward only, where weights may be arrays: many weight
  vectors at once, for finite differences (:meth:`CompiledGraph.numeric_gradient`).
- ``runs(x, y, w) -> (loss, grads, check)`` forward and backward on one sample for many
  weight vectors at once (``w`` of shape ``(n_weights, runs)``), numpy's numbers, for
  learning-rate sweeps (:meth:`CompiledGraph.runs`).
- ``batch_outputs(x, y, w) -> y'`` on numpy arrays: the prediction of every row, computing
  only the nodes y' depends on (no targets needed), for :meth:`CompiledGraph.outputs`.

The numbers are the trace path's (:func:`core.autodiff.engine.evaluate`), inf and nan
included, and nothing raises.  ``math`` raises on overflow and domain errors (and Python
floats on division by zero) where the trace falls back to numpy's inf or nan, so ``sample``
catches that, and a non-finite check, and redoes the sample on the trace.  ``batch``
and ``losses`` do arithmetic on whole arrays; their functions give the trace's inf and nan,
and in ``losses`` the trace's numbers to the last bit (see :func:`_elementwise`), so finite
differences equal the trace's.  Every leaf of ``batch`` and ``losses`` is a
numpy float64, so that ``1/0`` there is inf, not an exception.  Tests check every function
against the trace at every op's edge values.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from weakref import WeakKeyDictionary

import numpy as np

from core.autodiff.engine import evaluate
from core.autodiff.graph import Graph
from core.autodiff.ops import Op
from core.expr.codegen import define
from core.expr.functions import ARRAY_NAMESPACE, SCALAR_ERRORS, SCALAR_NAMESPACE
from core.expr.tree import Expr, Num

#: Terms per statement of the generated finiteness check.
_TERMS = 64

__all__ = ["SCALAR_ERRORS", "BatchFn", "CompiledGraph", "RunsFn", "SampleFn",
           "compiled_graph"]

#: Bytes of intermediate arrays one :meth:`CompiledGraph.numeric_gradient` pass may hold.
NUMERIC_BUDGET = 64 << 20

SampleFn = Callable[[Sequence[float], float, Sequence[float]],
                    tuple[float, list[float], float]]
BatchFn = Callable[[np.ndarray, np.ndarray, Sequence[float]], tuple[np.ndarray, np.ndarray]]
RunsFn = Callable[[Sequence[float], float, np.ndarray], tuple[Any, list[Any], Any]]


#: Modes whose leaves are whole columns of the data.
_VECTORIZED = frozenset({"batch", "batch_losses", "batch_outputs"})
#: Modes that compute the forward pass alone, and what they return.
_FORWARD_RETURNS = {
    "losses": "    return {loss}",
    "batch_losses": "    return _broadcast({loss}, y.shape[0])",
    "batch_outputs": "    return _broadcast({output}, x.shape[0])",
}


def _generate(graph: Graph, mode: str) -> str:
    """Source of one function.  ``mode``: ``sample`` (math floats, falling back to the
    trace, ``_exact``, on errors and non-finite numbers), ``batch`` (whole dataset),
    ``batch_losses`` (its forward pass alone), ``batch_outputs`` (y' alone), ``losses``
    (forward only on one sample, weights may be arrays) or ``runs`` (one sample, many
    weight vectors)."""
    v = {node_id: f"v{i}" for i, node_id in enumerate(graph.order)}
    # batch_outputs computes y' and what it depends on; the other modes every node.
    used = _depends_on(graph, graph.output) if mode == "batch_outputs" else set(graph.order)
    lines = [f"def {mode}(x, y, w):", *_leaf_lines(graph, mode, used, v),
             *_forward_lines(graph, used, v)]
    if mode in _FORWARD_RETURNS:
        lines.append(_FORWARD_RETURNS[mode].format(loss=v[graph.loss],
                                                   output=v[graph.output]))
        return "\n".join(lines) + "\n"
    backward = _Backward(graph, mode, v)
    lines.extend(backward.lines())
    grads = [backward.ref.get(w, "0.0") for w in graph.weights]
    if mode in _VECTORIZED:
        cols = ", ".join(f"_broadcast({gw}, y.shape[0])" for gw in grads)
        lines.append(f"    return _broadcast({v[graph.loss]}, y.shape[0]), "
                     f"_stack([{cols}], axis=1)")
        return "\n".join(lines) + "\n"
    lines.extend(_check_lines(_check_terms(graph, mode, v, grads)))
    lines.append(f"    return {v[graph.loss]}, [{', '.join(grads)}], _check")
    if mode == "runs":  # numpy's inf and nan, per run; the caller replays the bad runs
        return "\n".join(lines) + "\n"
    return _guarded(lines)


def _wrapper(mode: str) -> Callable[[str], str]:
    """How a leaf's number is written: float64 leaves make every operation numpy's (inf
    and nan instead of exceptions), except on ``sample``'s Python floats."""
    if mode == "sample":
        return lambda text: text
    return lambda text: f"_f({text})"


def _leaf_lines(graph: Graph, mode: str, used: set[str], v: dict[str, str]) -> list[str]:
    """The leaves: weights, the features and the target the function uses, constants."""
    wrap = _wrapper(mode)
    # runs: the caller passes the sample as numpy scalars, converted once per dataset.
    data = (lambda text: text) if mode == "runs" else wrap
    lines: list[str] = []
    if graph.weights:
        if mode in ("sample", "losses", "runs"):  # losses, runs: weights may be arrays
            lines.append(f"    {', '.join(v[w] for w in graph.weights)}, = w")
        else:
            lines.extend(f"    {v[w]} = {wrap(f'w[{i}]')}"
                         for i, w in enumerate(graph.weights))
    for feature in (f for f in graph.features if f in used):
        column = graph[feature].column
        item = f"x[..., {column}]" if mode in _VECTORIZED else f"x[{column}]"
        lines.append(f"    {v[feature]} = {data(item)}")
    if graph.target in used:
        lines.append(f"    {v[graph.target]} = {data('y')}")
    for node in graph.nodes.values():
        if node.kind == "constant" and node.id in used:
            lines.append(f"    {v[node.id]} = {wrap(repr(node.constant))}")
    return lines


def _source(graph: Graph, node_id: str, formula: Expr, v: Mapping[str, str]) -> str:
    """One of a node's formulas (its forward value or a local derivative) as Python, in
    the generated variables."""
    node = graph[node_id]
    row = graph.op_of(node_id)
    return row.render(formula, [v[i] for i in node.inputs], out=v[node_id], param=node.param)


def _forward_lines(graph: Graph, used: set[str], v: dict[str, str]) -> list[str]:
    """The forward pass, in topological order."""
    sources = _FORWARD_SOURCES.get(graph)
    if sources is None:  # the same text for every mode: made once per graph
        sources = _FORWARD_SOURCES[graph] = {
            node_id: _source(graph, node_id, graph.op_of(node_id).forward, v)
            for node_id in graph.order if graph[node_id].op is not None}
    return [f"    {v[node_id]} = {sources[node_id]}"
            for node_id in graph.order if node_id in sources and node_id in used]


#: Graph -> each op node's forward formula in the generated variables ``v0``, ``v1`` ...
_FORWARD_SOURCES: WeakKeyDictionary[Graph, dict[str, str]] = WeakKeyDictionary()


_ONE, _MINUS_ONE = Num(1.0), Num(-1.0)


class _Backward:
    """The reversed loop, unrolled.  A node's gradient is final when it is reached, so an
    operand whose only local derivative so far is 1 can share its name; a second
    contribution then gives the operand a variable of its own.

    ``ref``: node id -> the name holding its gradient; ``owned``: the nodes with a
    gradient variable of their own."""

    def __init__(self, graph: Graph, mode: str, v: dict[str, str]) -> None:
        self.graph = graph
        self.mode = mode
        self.v = v
        self.g = {node_id: f"g{i}" for i, node_id in enumerate(graph.order)}
        self.ref: dict[str, str] = {graph.loss: self.g[graph.loss]}
        self.owned: set[str] = {graph.loss}

    def lines(self) -> list[str]:
        graph = self.graph
        needed = _needs_gradient(graph)
        lines = [f"    {self.g[graph.loss]} = {_wrapper(self.mode)('1.0')}"]
        for node_id in reversed(graph.order):
            node = graph[node_id]
            if node.op is None or node_id not in self.ref:
                continue
            derivatives = graph.op_of(node_id).derivatives
            for operand, derivative in zip(node.inputs, derivatives, strict=True):
                if operand in needed:
                    term = self._term(node_id, derivative)
                    lines.extend(self._accumulate(operand, term, self.ref[node_id]))
        return lines

    def _term(self, node_id: str, derivative: Expr) -> str:
        """The contribution along one edge: upstream gradient times local derivative."""
        upstream = self.ref[node_id]
        if derivative == _ONE:
            return upstream
        if derivative == _MINUS_ONE:
            return f"-{upstream}"
        local = _source(self.graph, node_id, derivative, self.v)
        if node_id == self.graph.loss and self.mode in ("sample", "runs"):
            # 1.0 * local: the same numbers, one operation fewer (the batch keeps the
            # product, which makes a constant local derivative a numpy number).
            return local
        return f"{upstream} * {local}"

    def _accumulate(self, operand: str, term: str, upstream: str) -> list[str]:
        g = self.g[operand]
        if operand not in self.ref:
            if term == upstream:  # the upstream gradient itself: share its name
                self.ref[operand] = term
                return []
            self.ref[operand] = g
            self.owned.add(operand)
            return [f"    {g} = {term}"]
        if operand in self.owned:
            return [f"    {g} += {term}"]
        line = f"    {g} = {self.ref[operand]} + {term}"
        self.ref[operand] = g
        self.owned.add(operand)
        return [line]


def _check_terms(graph: Graph, mode: str, v: dict[str, str], grads: list[str]) -> list[str]:
    """The terms whose sum is finite exactly when every op value, weight and gradient is
    (or the sum overflowed, which callers treat the same way).

    A non-finite gradient always reaches a weight's (inf * 0 is nan, inf - inf is nan), and
    an op value reaches a guard term of :func:`_guard_terms` through ops that keep inf and
    nan; so the guard terms, the weights and the weights' gradients are enough.  ``runs``
    leaves the weights and their gradients out: its caller checks the gradients, and its
    weights are finite."""
    terms = [v[i] for i in _guard_terms(graph)]
    if mode == "runs":  # each term is an array operation there
        return terms
    return [*terms, *(v[w] for w in graph.weights), *(gw for gw in grads if gw != "0.0")]


def _check_lines(check: list[str]) -> list[str]:
    """Sums of at most _TERMS terms per statement: Python's compiler recurses once per
    operator, so one huge expression would hit its recursion limit on large graphs."""
    chunks = [check[i:i + _TERMS] for i in range(0, len(check), _TERMS)] or [["0.0"]]
    return [f"    _check = {' + '.join(chunks[0])}",
            *(f"    _check += {' + '.join(chunk)}" for chunk in chunks[1:])]


def _guarded(lines: list[str]) -> str:
    """``sample``'s body in a ``try``: an exception or a non-finite check means some
    number is inf or nan (or the check overflowed): the trace then computes the sample,
    falling back to numpy op by op."""
    body = ["    try:", *("    " + line for line in lines[1:-1]),
            "    except _ERRORS:",
            "        return _exact(x, y, w)",
            "    if _check - _check != 0.0:  # 0.0 for finite numbers, nan for inf and nan",
            "        return _exact(x, y, w)",
            lines[-1]]
    return "\n".join([lines[0], *body]) + "\n"


def _depends_on(graph: Graph, node_id: str) -> set[str]:
    """``node_id`` and every node it is computed from."""
    found = {node_id}
    for other in reversed(graph.order):
        if other in found:
            found.update(graph[other].inputs)
    return found


#: Operands tried against a non-finite one by :func:`_keeps_nonfinite`.
_PROBES = (0.0, -0.0, 1.0, -1.0, 0.5, -3.0, 1e-300, 1e300, -1e300,
           math.inf, -math.inf, math.nan)


def _keeps_nonfinite(graph: Graph, node_id: str, position: int) -> bool:
    """Whether an inf or nan operand at ``position`` always gives the node an inf or nan
    value (``a + b``, ``a * b``, ``sin a``), found by evaluating the node's forward on
    non-finite operands; ``exp(-inf)``, ``tanh(inf)`` and ``1 / inf`` are finite."""
    node = graph[node_id]
    if node.op is None:
        return False
    return _op_keeps_nonfinite(graph.op_of(node_id), position, node.param)


@functools.lru_cache(maxsize=1024)
def _op_keeps_nonfinite(op: Op, position: int, param: float | None) -> bool:
    others = _PROBES if op.arity > 1 else (0.0,)
    for bad in (math.inf, -math.inf, math.nan):
        for other in others:
            args = [other] * op.arity
            args[position] = bad
            if math.isfinite(op.evaluate(tuple(args), param)):
                return False
    return True


def _guard_terms(graph: Graph) -> list[str]:
    """Op nodes whose values, summed, are finite exactly when every op value is: the loss,
    and each node an inf or nan could otherwise vanish behind (an ``exp``, ``tanh`` or
    divisor's operand).  Every other op value keeps inf and nan on its way to one of them.
    """
    uses: dict[str, list[tuple[str, int]]] = {node_id: [] for node_id in graph.order}
    for consumer in graph.order:
        for position, operand in enumerate(graph[consumer].inputs):
            uses[operand].append((consumer, position))
    terms = {graph.loss}
    guarded = {graph.loss}  # an inf or nan there surely reaches a term
    for node_id in reversed(graph.order):  # consumers before their operands
        if node_id in guarded or graph[node_id].op is None:
            continue
        if any(consumer in guarded and _keeps_nonfinite(graph, consumer, position)
               for consumer, position in uses[node_id]):
            guarded.add(node_id)
        else:
            terms.add(node_id)
            guarded.add(node_id)
    return [node_id for node_id in graph.order if node_id in terms]


def _needs_gradient(graph: Graph) -> set[str]:
    """Nodes whose gradient training needs: weights and every op above a weight."""
    needed: set[str] = set(graph.weights)
    for node_id in graph.order:
        if any(i in needed for i in graph[node_id].inputs):
            needed.add(node_id)
    return needed


def _broadcast(value: Any, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=float), (n,))


def _traced(graph: Graph) -> SampleFn:
    """``sample`` on the trace path: the slow, exact answer for samples where something is
    inf or nan.  ``check`` is nan when the trace has a non-finite value or gradient."""

    def exact(x: Sequence[float], y: float, w: Sequence[float]
              ) -> tuple[float, list[float], float]:
        trace = evaluate(graph, x, y, w)
        check = 0.0 if trace.first_nonfinite() is None else math.nan
        return trace.loss, [trace.grads[name] for name in graph.weights], check

    return exact


def _elementwise(scalar: Callable[..., float], array: Callable[..., Any], *,
                 every_element: bool) -> Callable[..., Any]:
    """An op-table function on arrays that agrees with the trace, which computes each
    element with the scalar function, and numpy's where that raises.

    With ``every_element`` each element goes through the scalar function: the trace's
    numbers to the last bit (numpy's exp or tanh round the last bit differently in about a
    third of cases, and finite differences magnify that a millionfold).  Without, numpy
    computes the array and only elements with a non-finite operand or result are redone:
    the same inf and nan as the trace, finite values to within an ulp, at numpy's speed.
    """

    def one(value: float, rest: tuple[Any, ...]) -> float:
        try:
            return float(scalar(value, *rest))
        except SCALAR_ERRORS:
            return float(array(np.float64(value), *rest))

    def apply(a: Any, *rest: Any) -> Any:
        if any(isinstance(r, np.ndarray) for r in rest):
            return several(a, *rest)
        if not isinstance(a, np.ndarray):
            return np.float64(one(float(a), rest))
        if every_element:
            values = a.ravel().tolist()
            try:
                exact = [scalar(value, *rest) for value in values]
            except SCALAR_ERRORS:
                exact = [one(value, rest) for value in values]
            return np.array(exact, dtype=np.float64).reshape(a.shape)
        result = np.array(array(a, *rest), dtype=np.float64)
        odd = ~(np.isfinite(result) & np.isfinite(a))
        if odd.any():
            result[odd] = [one(value, rest) for value in a[odd].tolist()]
        return result

    def several(*args: Any) -> Any:
        # Arrays beyond the first argument (max(c, a) with a constant c): element by
        # element over the broadcast arguments, as the trace computes each sample.
        columns = np.broadcast_arrays(*(np.asarray(x, dtype=np.float64) for x in args))
        rows = zip(*(c.ravel().tolist() for c in columns), strict=True)
        exact = [one(first, tuple(others)) for first, *others in rows]
        return np.array(exact, dtype=np.float64).reshape(columns[0].shape)

    return apply


class CompiledGraph:
    """Generated forward+backward functions for one graph.

    Parameters
    ----------
    graph
        The graph to compile.

    Attributes
    ----------
    sample_source, batch_source
        The generated Python, readable: a teaching aid as much as an optimisation.
    sample
        ``sample(x, y, w) -> (loss, grads, check)`` on one sample (Python floats); never
        raises for numbers: inf and nan come out as the trace path computes them, and then
        ``check`` is not finite.
    """

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.sample_source = _generate(graph, "sample")
        self.batch_source = _generate(graph, "batch")
        self._losses_source = _generate(graph, "losses")
        self._batch_losses_source = _generate(graph, "batch_losses")
        self._batch_outputs_source = _generate(graph, "batch_outputs")
        label = graph.name or "graph"
        # Arithmetic on whole arrays; functions agree with the trace on inf and nan, and
        # for finite differences to the last bit.
        array_ns: dict[str, Any] = {
            name: _elementwise(SCALAR_NAMESPACE[name], ARRAY_NAMESPACE[name],
                               every_element=False) for name in ARRAY_NAMESPACE}
        array_ns.update(_broadcast=_broadcast, _stack=np.stack, _f=np.float64)
        losses_ns: dict[str, Any] = {
            name: _elementwise(SCALAR_NAMESPACE[name], ARRAY_NAMESPACE[name],
                               every_element=True) for name in ARRAY_NAMESPACE}
        losses_ns.update(_f=np.float64)
        scalar_ns: dict[str, Any] = dict(SCALAR_NAMESPACE)
        scalar_ns.update(_ERRORS=SCALAR_ERRORS, _exact=_traced(graph))
        # The generated text is built only from the op table's trees, node indices and
        # float reprs of constants; no user text reaches it.
        for source, kind, namespace in ((self.sample_source, "", scalar_ns),
                                        (self.batch_source, "batch ", array_ns),
                                        (self._batch_losses_source, "batch losses ",
                                         array_ns),
                                        (self._batch_outputs_source, "batch outputs ",
                                         array_ns),
                                        (self._losses_source, "losses ", losses_ns)):
            define(source, f"<compiled {kind}{label}>", namespace)
        self.sample: SampleFn = scalar_ns["sample"]
        self._batch: BatchFn = array_ns["batch"]
        self._batch_losses: Callable[[np.ndarray, np.ndarray, Sequence[Any]], np.ndarray] = \
            array_ns["batch_losses"]
        self._batch_outputs: Callable[[np.ndarray, None, Sequence[Any]], np.ndarray] = \
            array_ns["batch_outputs"]
        self._losses: Callable[[Sequence[Any], Any, Sequence[Any]], Any] = \
            losses_ns["losses"]
        self._runs: RunsFn | None = None

    def batch(self, X: np.ndarray, Y: np.ndarray, w: Sequence[float] | np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
        """Per-sample losses ``(n,)`` and gradients ``(n, n_weights)`` for a whole dataset
        in one vectorized pass; non-finite results come back as inf/nan."""
        X = np.asarray(X, dtype=float)
        Y = np.asarray(Y, dtype=float)
        weights = np.asarray(w, dtype=float).ravel().tolist()
        with np.errstate(all="ignore"):
            losses, grads = self._batch(X, Y, weights)
        return np.asarray(losses, dtype=float), np.array(grads, dtype=float)

    def outputs(self, X: np.ndarray, w: Sequence[float] | np.ndarray) -> np.ndarray:
        """The prediction y' of every row of ``X`` ``(n, features)`` in one vectorized pass
        over the nodes y' depends on (no targets needed); inf/nan where the trace has them.
        """
        X = np.asarray(X, dtype=float)
        weights = np.asarray(w, dtype=float).ravel().tolist()
        with np.errstate(all="ignore"):
            return np.array(self._batch_outputs(X, None, weights), dtype=float)

    def mean_loss(self, X: np.ndarray, Y: np.ndarray, w: Sequence[float] | np.ndarray,
                  rows_per_pass: int = 1 << 15) -> float:
        """Mean loss over a dataset: the forward pass alone, vectorized, a block of rows at
        a time so that intermediates stay small (a million rows at once would hold an
        array per node); inf or nan if some sample's loss is."""
        weights = np.asarray(w, dtype=float).ravel().tolist()
        n = int(np.shape(Y)[0])
        total = 0.0
        with np.errstate(all="ignore"):
            for start in range(0, n, rows_per_pass):
                stop = min(n, start + rows_per_pass)
                losses = self._batch_losses(np.asarray(X[start:stop], dtype=float),
                                            np.asarray(Y[start:stop], dtype=float), weights)
                total += float(np.sum(losses))
        return total / n if n else math.nan

    def numeric_gradient(self, x: Sequence[float] | np.ndarray, y: float,
                         w: Sequence[float] | np.ndarray, eps: float,
                         progress: Callable[[float], None] | None = None) -> np.ndarray:
        """Central differences ``(L(w + eps e_i) - L(w - eps e_i)) / (2 eps)`` for every
        weight, the numbers :func:`core.autodiff.gradcheck.numeric_gradient` computes on
        the trace path, but many perturbed weight vectors per vectorized forward pass.

        A pass perturbs a block of ``k`` weights: each of them becomes an array of ``2k``
        values (its own ``+eps`` and ``-eps`` entries, its plain value elsewhere) and every
        other weight stays a scalar, so the loss comes back as ``2k`` losses.  ``k`` is
        sized so that one pass's intermediates fit :data:`NUMERIC_BUDGET`.  ``progress``
        is called with the fraction of weights done after each pass.
        """
        base = np.asarray(w, dtype=np.float64).ravel()
        row = [np.float64(value) for value in np.asarray(x, dtype=np.float64).ravel()]
        target = np.float64(y)
        n = base.size
        result = np.empty(n)
        block = max(1, min(n, NUMERIC_BUDGET // (16 * max(len(self.graph), 1))))
        weights: list[Any] = [np.float64(value) for value in base]
        for start in range(0, n, block):
            stop = min(n, start + block)
            k = stop - start
            for m, i in enumerate(range(start, stop)):
                column = np.full(2 * k, base[i])
                column[m] += eps  # as the trace path: w[i] + eps, w[i] - eps in float64
                column[k + m] -= eps
                weights[i] = column
            with np.errstate(all="ignore"):
                losses = np.broadcast_to(np.asarray(self._losses(row, target, weights),
                                                    dtype=np.float64), (2 * k,))
                result[start:stop] = (losses[:k] - losses[k:]) / (2.0 * eps)
            for i in range(start, stop):
                weights[i] = np.float64(base[i])
            if progress is not None:
                progress(stop / n)
        return result


    def runs(self) -> RunsFn:
        """``runs(x, y, w) -> (loss, grads, check)``: one sample's forward and backward
        pass for many runs at once, generated on first use.

        ``x`` and ``y`` are the sample (numpy float64 scalars, so that every operation is
        numpy's: a division by zero gives inf), ``w`` the finite weights of every
        run as an array ``(n_weights, runs)``.  ``loss`` and each of ``grads`` (one per
        weight, in order) are arrays over the runs (or scalars where a run makes no
        difference); call under ``np.errstate(all="ignore")``.  Numbers are numpy's, which
        may differ from the per-sample path's :mod:`math` in the last bit.  A run whose
        ``check`` or gradients are not all finite has an inf or nan somewhere in its
        pass (or its check overflowed): replay it on the trace path to find out.
        """
        if self._runs is None:
            source = _generate(self.graph, "runs")
            namespace: dict[str, Any] = {**ARRAY_NAMESPACE, "_f": np.float64}
            # Built from the op table's trees, as the other functions.
            define(source, f"<compiled runs {self.graph.name or 'graph'}>", namespace)
            self._runs = namespace["runs"]
        return self._runs


_CACHE: WeakKeyDictionary[Graph, CompiledGraph] = WeakKeyDictionary()


def compiled_graph(graph: Graph) -> CompiledGraph:
    """The graph's :class:`CompiledGraph`, generated once per graph and kept while the graph
    lives (graphs are immutable, so trainers, comparisons and resets can share it)."""
    compiled = _CACHE.get(graph)
    if compiled is None:
        compiled = _CACHE[graph] = CompiledGraph(graph)
    return compiled
