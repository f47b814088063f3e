"""The fast path: straight-line Python generated from a graph's topological order.

Two functions are generated from the op table's templates, both without loops over nodes:

- ``sample(x, y, w) -> (loss, grads, check)`` on Python floats with :mod:`math`, for
  per-sample training.  ``check`` is the sum of every op value, weight and gradient: it is finite
  exactly when they all are (or it overflowed, which the caller treats the same way), so
  one ``isfinite`` call guards the whole pass.
- ``batch(X, Y, w) -> (losses, grads)`` on numpy arrays: the whole dataset in one pass.

``math`` raises on overflow and domain errors where numpy returns inf or nan; callers catch
:data:`SCALAR_ERRORS` and redo the sample on the trace path (:func:`core.autodiff.engine.evaluate`),
which reports the first non-finite node.  Tests check both functions equal the trace.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from weakref import WeakKeyDictionary

import numpy as np

from core.autodiff.graph import Graph
from core.autodiff.ops import ARRAY_NAMESPACE, OPS, SCALAR_ERRORS, SCALAR_NAMESPACE

#: Terms per statement of the generated finiteness check.
_TERMS = 64

__all__ = ["SCALAR_ERRORS", "BatchFn", "CompiledGraph", "SampleFn", "compiled_graph"]

SampleFn = Callable[[Sequence[float], float, Sequence[float]],
                    tuple[float, list[float], float]]
BatchFn = Callable[[np.ndarray, np.ndarray, Sequence[float]], tuple[np.ndarray, np.ndarray]]


def _generate(graph: Graph, vectorized: bool) -> str:
    index = {node_id: i for i, node_id in enumerate(graph.order)}
    v = {node_id: f"v{i}" for node_id, i in index.items()}
    g = {node_id: f"g{i}" for node_id, i in index.items()}
    lines: list[str] = []
    name = "batch" if vectorized else "sample"
    lines.append(f"def {name}(x, y, w):")
    # Leaves.
    if graph.weights:
        lines.append(f"    {', '.join(v[w] for w in graph.weights)}, = w")
    for feature in graph.features:
        column = graph[feature].column
        lines.append(f"    {v[feature]} = x[{'..., ' if vectorized else ''}{column}]")
    if graph.target:
        lines.append(f"    {v[graph.target]} = y")
    for node in graph.nodes.values():
        if node.kind == "constant":
            lines.append(f"    {v[node.id]} = {node.constant!r}")
    # Forward, in topological order.
    for node_id in graph.order:
        node = graph[node_id]
        if node.op is None:
            continue
        row = OPS[node.op]
        operands = tuple(v[i] for i in node.inputs)
        lines.append(f"    {v[node_id]} = {row.render(row.forward, operands, param=node.param)}")
    # Backward: the reversed loop, unrolled.  A node's gradient is final when it is
    # reached, so an operand whose only local derivative so far is 1 can share its name;
    # a second contribution then gives the operand a variable of its own.
    needed = _needs_gradient(graph)
    ref: dict[str, str] = {graph.loss: g[graph.loss]}
    owned: set[str] = {graph.loss}
    lines.append(f"    {g[graph.loss]} = 1.0")
    for node_id in reversed(graph.order):
        node = graph[node_id]
        if node.op is None or node_id not in ref:
            continue
        row = OPS[node.op]
        operands = tuple(v[i] for i in node.inputs)
        upstream = ref[node_id]
        for operand, template in zip(node.inputs, row.derivatives, strict=True):
            if operand not in needed:
                continue
            local = row.render(template, operands, out=v[node_id], param=node.param)
            term = {"1.0": upstream, "-1.0": f"-{upstream}"}.get(local, f"{upstream} * {local}")
            if operand not in ref:
                if term == upstream:
                    ref[operand] = upstream
                else:
                    lines.append(f"    {g[operand]} = {term}")
                    ref[operand] = g[operand]
                    owned.add(operand)
            elif operand in owned:
                lines.append(f"    {g[operand]} += {term}")
            else:
                lines.append(f"    {g[operand]} = {ref[operand]} + {term}")
                ref[operand] = g[operand]
                owned.add(operand)
    grads = [ref.get(w, "0.0") for w in graph.weights]
    if vectorized:
        cols = ", ".join(f"_broadcast({gw}, y.shape[0])" for gw in grads)
        lines.append(f"    return _broadcast({v[graph.loss]}, y.shape[0]), "
                     f"_stack([{cols}], axis=1)")
    else:
        # Op values, weights and their gradients: any non-finite intermediate reaches one
        # of these (inf * 0 is nan, inf - inf is nan), so their sum is the guard.
        check = [v[i] for i in graph.order if graph[i].op is not None or i in graph.weights]
        check += [ref[i] for i in graph.order if i in owned and graph[i].op is not None]
        check += [gw for gw in grads if gw != "0.0"]
        # Sums of at most _TERMS terms per statement: Python's compiler recurses once per
        # operator, so one huge expression would hit its recursion limit on large graphs.
        chunks = [check[i:i + _TERMS] for i in range(0, len(check), _TERMS)] or [["0.0"]]
        lines.append(f"    _check = {' + '.join(chunks[0])}")
        lines.extend(f"    _check += {' + '.join(chunk)}" for chunk in chunks[1:])
        lines.append(f"    return {v[graph.loss]}, [{', '.join(grads)}], _check")
    return "\n".join(lines) + "\n"


def _needs_gradient(graph: Graph) -> set[str]:
    """Nodes whose gradient training needs: weights and every op above a weight."""
    needed: set[str] = set(graph.weights)
    for node_id in graph.order:
        if any(i in needed for i in graph[node_id].inputs):
            needed.add(node_id)
    return needed


def _broadcast(value: Any, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=float), (n,))


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
    """

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.sample_source = _generate(graph, vectorized=False)
        self.batch_source = _generate(graph, vectorized=True)
        scalar_ns: dict[str, Any] = dict(SCALAR_NAMESPACE)
        array_ns: dict[str, Any] = dict(ARRAY_NAMESPACE)
        array_ns.update(_broadcast=_broadcast, _stack=np.stack)
        # The generated text is built only from the op table's templates, node indices and
        # float reprs of constants; no user text reaches it.
        exec(compile(self.sample_source, f"<compiled {graph.name or 'graph'}>", "exec"),  # noqa: S102
             scalar_ns)
        exec(compile(self.batch_source, f"<compiled batch {graph.name or 'graph'}>", "exec"),  # noqa: S102
             array_ns)
        self.sample: SampleFn = scalar_ns["sample"]
        self._batch: BatchFn = array_ns["batch"]

    def batch(self, X: np.ndarray, Y: np.ndarray, w: Sequence[float] | np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
        """Per-sample losses ``(n,)`` and gradients ``(n, n_weights)`` for a whole dataset
        in one vectorized pass; non-finite results come back as inf/nan."""
        X = np.asarray(X, dtype=float)
        Y = np.asarray(Y, dtype=float)
        weights = [float(value) for value in np.asarray(w, dtype=float).ravel()]
        with np.errstate(all="ignore"):
            losses, grads = self._batch(X, Y, weights)
        return np.asarray(losses, dtype=float), np.array(grads, dtype=float)


_CACHE: WeakKeyDictionary[Graph, CompiledGraph] = WeakKeyDictionary()


def compiled_graph(graph: Graph) -> CompiledGraph:
    """The graph's :class:`CompiledGraph`, generated once per graph and kept while the graph
    lives (graphs are immutable, so trainers, comparisons and resets can share it)."""
    compiled = _CACHE.get(graph)
    if compiled is None:
        compiled = _CACHE[graph] = CompiledGraph(graph)
    return compiled
