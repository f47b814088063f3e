"""Forward and reverse-mode backward passes that record everything: the trace.

This is the explanatory path: it keeps the value and gradient of every node, the local
derivative on every edge and each backward step in order, so that views can replay a pass
node by node.  Training uses :mod:`core.autodiff.compiled`, which generates straight-line
code for the loss and weight gradients alone; the two compute the same numbers, bit for bit.

Arithmetic is on Python floats with :mod:`math`, through code generated from the op
table's formulas (each node's row read with :meth:`Graph.op_of`, broken ones included).
Where ``math`` raises instead of overflowing or leaving its domain, that one op is computed
with numpy instead, so overflow gives inf and domain errors give nan, which the trace
reports (:meth:`Trace.first_nonfinite`) instead of raising.

What a graph needs for a pass (its op rows in topological order, each with its operands
and compiled formulas) is prepared once per graph (:func:`plan`); graphs are immutable, so
the plan never goes stale.
"""

from __future__ import annotations

import math
from collections import ChainMap
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from weakref import WeakKeyDictionary

import numpy as np

from core.autodiff.graph import Edge, Graph
from core.autodiff.ops import SCALAR_ERRORS, Op


class InputError(ValueError):
    """Inputs that do not fit the graph (wrong number of weights or features)."""


@dataclass(frozen=True)
class BackwardStep:
    """One application of the chain rule along one edge.

    ``contribution = upstream * local`` is added into the operand's gradient, which is
    ``accumulated`` afterwards.
    """

    index: int
    node: str
    operand: str
    arg: int
    upstream: float
    local: float
    contribution: float
    accumulated: float

    @property
    def edge(self) -> Edge:
        return (self.operand, self.node, self.arg)


@dataclass(frozen=True)
class NonFinite:
    """The first node whose value or gradient is nan or infinite."""

    node: str
    op: str | None
    quantity: str  # "value" or "gradient"
    number: float


@dataclass(frozen=True)
class Trace:
    """Everything one forward and backward pass computed, for one sample.

    Attributes
    ----------
    graph
        The graph that was evaluated.
    values
        Node id -> forward value.
    grads
        Node id -> dL/d(node).  Nodes from which the loss is not reachable get 0.
    local
        Edge -> local derivative d(consumer)/d(operand) at that argument position.
    forward_order
        Node ids in the order the forward pass computed them.
    steps
        The backward chain-rule steps in the order they were applied.
    step_edges, step_locals, step_accumulated
        The recorded backward pass that ``local`` and ``steps`` read.
    """

    graph: Graph
    values: Mapping[str, float]
    grads: Mapping[str, float]
    forward_order: tuple[str, ...]
    #: The record :attr:`local` and :attr:`steps` are views of, built when first read (most
    #: readers need neither): the edges in the order the backward pass visited them and,
    #: per edge, its local derivative and the operand's gradient after that step.
    step_edges: tuple[Edge, ...]
    step_locals: tuple[float, ...]
    step_accumulated: tuple[float, ...]

    @cached_property
    def local(self) -> Mapping[Edge, float]:
        """Edge -> local derivative d(consumer)/d(operand), in backward order."""
        return MappingProxyType(dict(zip(self.step_edges, self.step_locals, strict=True)))

    @cached_property
    def steps(self) -> tuple[BackwardStep, ...]:
        """The chain-rule steps in the order applied; ``upstream`` is the consumer's final
        gradient and ``contribution`` the same product the pass added."""
        grads = self.grads
        return tuple(
            BackwardStep(index, node, operand, arg, grads[node], local, grads[node] * local,
                         accumulated)
            for index, ((operand, node, arg), local, accumulated) in enumerate(
                zip(self.step_edges, self.step_locals, self.step_accumulated, strict=True)
            )
        )

    @property
    def loss(self) -> float:
        return self.values[self.graph.loss]

    @property
    def y_pred(self) -> float:
        return self.values[self.graph.output]

    @property
    def dy_pred(self) -> float:
        """dL/dy', which the notebook calls ``dy_pred`` (= -2 (y - y'))."""
        return self.grads[self.graph.output]

    @property
    def weight_grads(self) -> np.ndarray:
        """dL/dw in the graph's weight order."""
        return np.array([self.grads[w] for w in self.graph.weights])

    def contribution(self, edge: Edge) -> float:
        """The gradient that flowed back along ``edge``: upstream gradient times local."""
        _, node, _ = edge
        return self.grads[node] * self.local[edge]

    def first_nonfinite(self) -> NonFinite | None:
        """The first non-finite value in forward order, else the first non-finite
        gradient in backward order, else ``None``."""
        for node_id in self.forward_order:
            value = self.values[node_id]
            if not math.isfinite(value):
                return NonFinite(node_id, self.graph[node_id].op, "value", value)
        for node_id in reversed(self.forward_order):
            grad = self.grads[node_id]
            if not math.isfinite(grad):
                return NonFinite(node_id, self.graph[node_id].op, "gradient", grad)
        return None


#: One op node as the passes visit it:
#: ``(node, inputs, a, b, param, op, value_of, derivatives_of)``: the node id, its operand
#: ids, the first two of them apart ("" where absent: the scalar formulas' arguments), the
#: op's parameter, the op row and its ``scalar_forward`` and ``scalar_derivatives``.
#: A plain tuple, not a NamedTuple: the loops unpack it, and unpacking a tuple subclass
#: costs three times as much.
OpRow = tuple[str, tuple[str, ...], str, str, float | None, Op,
              Callable[..., float], Callable[..., tuple[float, ...]]]


@dataclass(frozen=True)
class Plan:
    """What a pass over one graph needs, worked out once per graph.

    Attributes
    ----------
    weights, features, target
        Leaf ids to fill from the inputs (features with their data column).
    constants
        Constant leaf id -> value.
    n_inputs
        Feature columns a sample needs.
    ops, ops_reversed
        The op nodes in topological order (:data:`OpRow`), and reversed.
    step_edges
        Every edge in the order the backward pass visits it: op nodes in reverse
        topological order, each node's operands in argument order.
    zero_grads
        Every node id -> 0.0, in topological order: the gradients before a backward pass.
    op_index
        Op node id -> its place in ``ops``.
    consumers
        Node id -> the op nodes it is an operand of.
    """

    weights: tuple[str, ...]
    features: tuple[tuple[str, int], ...]
    target: str
    constants: Mapping[str, float]
    n_inputs: int
    ops: tuple[OpRow, ...]
    ops_reversed: tuple[OpRow, ...]
    step_edges: tuple[Edge, ...]
    zero_grads: Mapping[str, float]
    op_index: Mapping[str, int]
    consumers: Mapping[str, tuple[str, ...]]


def _make_plan(graph: Graph) -> Plan:
    features = []
    for feature in graph.features:
        column = graph[feature].column
        assert column is not None
        features.append((feature, column))
    constants = {}
    for node in graph.nodes.values():
        if node.kind == "constant":
            assert node.constant is not None
            constants[node.id] = node.constant
    ops: list[OpRow] = []
    for node in graph:
        if node.op is not None:
            row = graph.op_of(node.id)
            if len(node.inputs) != row.arity:
                raise ValueError(f"{node.id}: {node.op} takes {row.arity} operands, "
                                 f"got {len(node.inputs)}")
            a, b = (*node.inputs, "", "")[:2]
            ops.append((node.id, node.inputs, a, b, node.param, row,
                        row.scalar_forward, row.scalar_derivatives))
    step_edges = tuple((operand, node_id, arg)
                       for node_id, inputs, *_ in reversed(ops)
                       for arg, operand in enumerate(inputs))
    return Plan(graph.weights, tuple(features), graph.target, constants, graph.n_inputs,
                tuple(ops), tuple(reversed(ops)), step_edges, dict.fromkeys(graph.order, 0.0),
                {row[0]: index for index, row in enumerate(ops)},
                _consumers(graph.order, ops))


def _consumers(order: Sequence[str], ops: Sequence[OpRow]) -> dict[str, tuple[str, ...]]:
    found: dict[str, dict[str, None]] = {node_id: {} for node_id in order}
    for node_id, inputs, *_ in ops:
        for operand in inputs:
            found[operand][node_id] = None
    return {node_id: tuple(users) for node_id, users in found.items()}


_PLANS: WeakKeyDictionary[Graph, Plan] = WeakKeyDictionary()


def plan(graph: Graph) -> Plan:
    """The graph's :class:`Plan`, made on first use and kept while the graph lives."""
    found = _PLANS.get(graph)
    if found is None:
        found = _PLANS[graph] = _make_plan(graph)
    return found


def _floats(numbers: Sequence[float] | np.ndarray) -> list[float]:
    """A flat list of Python floats (the scalar code wants floats, not numpy scalars)."""
    if isinstance(numbers, (list, tuple)):
        try:
            return list(map(float, numbers))
        except TypeError:
            pass  # nested: let numpy flatten it
    return np.asarray(numbers, dtype=float).ravel().tolist()


def leaf_values(graph: Graph, x: Sequence[float] | np.ndarray, y: float,
                weights: Sequence[float] | np.ndarray) -> dict[str, float]:
    """Values of every leaf: weights, features from ``x`` by column, the target, constants."""
    p = plan(graph)
    w = _floats(weights)
    if len(w) != len(p.weights):
        raise InputError(f"the graph has {len(p.weights)} weights, got {len(w)} values")
    xs = _floats(x)
    if len(xs) < p.n_inputs:
        raise InputError(f"the graph uses {p.n_inputs} features, the sample has {len(xs)}")
    values = dict(zip(p.weights, w))  # noqa: B905 (lengths checked above)
    for feature, column in p.features:
        values[feature] = xs[column]
    if p.target:
        values[p.target] = float(y)
    values.update(p.constants)
    return values


def _operands(values: Mapping[str, float], inputs: tuple[str, ...]) -> tuple[float, ...]:
    return tuple(values[i] for i in inputs)


def forward(graph: Graph, x: Sequence[float] | np.ndarray, y: float,
            weights: Sequence[float] | np.ndarray) -> dict[str, float]:
    """Forward values of every node (no gradients)."""
    values = leaf_values(graph, x, y, weights)
    for node_id, inputs, a, b, param, row, value_of, _ in plan(graph).ops:
        try:
            values[node_id] = value_of(values, a, b, param)
        except SCALAR_ERRORS:
            # Overflow or outside the domain: numpy gives the inf or nan the trace reports.
            values[node_id] = row.evaluate(_operands(values, inputs), param)
    return values


def moved_forward(graph: Graph, values: Mapping[str, float], leaf: str, value: float,
                  within: Collection[str] | None = None) -> dict[str, float]:
    """The values that change when leaf ``leaf`` takes ``value`` and everything else is as
    in ``values`` (a :func:`forward`): the leaf and the op nodes downstream of it (only
    those in ``within``, when given), computed as :func:`forward` computes them, so equal
    to a whole forward pass's to the bit.  Costs the downstream nodes only, not the graph."""
    p = plan(graph)
    cone: list[int] = []
    seen = {leaf}
    stack = [leaf]
    while stack:
        for consumer in p.consumers[stack.pop()]:
            if consumer not in seen and (within is None or consumer in within):
                seen.add(consumer)
                stack.append(consumer)
                cone.append(p.op_index[consumer])
    changed = {leaf: float(value)}
    view = ChainMap(changed, values)  # type: ignore[arg-type]
    for index in sorted(cone):
        node_id, inputs, a, b, param, row, value_of, _ = p.ops[index]
        try:
            changed[node_id] = value_of(view, a, b, param)
        except SCALAR_ERRORS:
            changed[node_id] = row.evaluate(_operands(view, inputs), param)
    return changed


def backward(graph: Graph, values: Mapping[str, float]) -> Trace:
    """Reverse-mode pass from the loss: one reversed loop that accumulates (+=) into
    gradients, recording every chain-rule step."""
    return _backward(graph, dict(values))


def _backward(graph: Graph, values: dict[str, float]) -> Trace:
    p = plan(graph)
    grads = dict(p.zero_grads)
    grads[graph.loss] = 1.0  # dL/dL
    # Per step, in order: the edge's local derivative and the operand's gradient after it.
    locals_: list[float] = []
    accumulated: list[float] = []
    record = accumulated.append
    for node_id, inputs, a, b, param, row, _, derivatives_of in p.ops_reversed:
        upstream = grads[node_id]  # final: every consumer of node_id came before
        out = values[node_id]
        try:
            derivatives = derivatives_of(values, a, b, out, param)
        except SCALAR_ERRORS:
            derivatives = row.local_derivatives(_operands(values, inputs), out, param)
        locals_.extend(derivatives)
        # One derivative per operand, checked when the plan was made: zip without the
        # strict keyword, which would cost more than the arithmetic in this loop.
        for operand, local in zip(inputs, derivatives):  # noqa: B905
            # Chain rule along the edge: upstream gradient times local derivative, added
            # into what the operand's other consumers already sent back.
            grad = grads[operand] + upstream * local
            grads[operand] = grad
            record(grad)
    return Trace(
        graph=graph,
        values=MappingProxyType(values),
        grads=MappingProxyType(grads),
        forward_order=graph.order,
        step_edges=p.step_edges,
        step_locals=tuple(locals_),
        step_accumulated=tuple(accumulated),
    )


def evaluate(graph: Graph, x: Sequence[float] | np.ndarray, y: float,
             weights: Sequence[float] | np.ndarray) -> Trace:
    """Forward then backward on one sample; the full trace.

    Parameters
    ----------
    graph
        The computational graph.
    x
        The sample's feature row (at least ``graph.n_inputs`` columns).
    y
        The sample's target.
    weights
        One value per weight, in ``graph.weights`` order.
    """
    return _backward(graph, forward(graph, x, y, weights))


def loss_only(graph: Graph, x: Sequence[float] | np.ndarray, y: float,
              weights: Sequence[float] | np.ndarray) -> float:
    """The loss alone, from the trace path's forward pass (used by gradient checking)."""
    return forward(graph, x, y, weights)[graph.loss]
