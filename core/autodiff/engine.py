"""Forward and reverse-mode backward passes that record everything: the trace.

This is the explanatory path: it keeps the value and gradient of every node, the local
derivative on every edge and each backward step in order, so that views can replay a pass
node by node.  Training uses :mod:`core.autodiff.compiled`, which computes the same numbers faster
and is tested equal to this.

Arithmetic is float64 with numpy's error state silenced: overflow gives inf and domain
errors give nan, which the trace reports (:meth:`Trace.first_nonfinite`) instead of raising.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from core.autodiff.graph import Edge, Graph
from core.autodiff.ops import OPS


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
    """

    graph: Graph
    values: Mapping[str, float]
    grads: Mapping[str, float]
    local: Mapping[Edge, float]
    forward_order: tuple[str, ...]
    steps: tuple[BackwardStep, ...]

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


def leaf_values(graph: Graph, x: Sequence[float] | np.ndarray, y: float,
                weights: Sequence[float] | np.ndarray) -> dict[str, float]:
    """Values of every leaf: features from ``x`` by column, the target, weights, constants."""
    w = np.asarray(weights, dtype=float).ravel()
    if w.size != len(graph.weights):
        raise InputError(f"the graph has {len(graph.weights)} weights, got {w.size} values")
    xs = np.asarray(x, dtype=float).ravel()
    if xs.size < graph.n_inputs:
        raise InputError(f"the graph uses {graph.n_inputs} features, the sample has {xs.size}")
    values: dict[str, float] = dict(zip(graph.weights, (float(v) for v in w), strict=True))
    for feature in graph.features:
        column = graph[feature].column
        assert column is not None
        values[feature] = float(xs[column])
    if graph.target:
        values[graph.target] = float(y)
    for node in graph.nodes.values():
        if node.kind == "constant":
            assert node.constant is not None
            values[node.id] = node.constant
    return values


def forward(graph: Graph, x: Sequence[float] | np.ndarray, y: float,
            weights: Sequence[float] | np.ndarray) -> dict[str, float]:
    """Forward values of every node (no gradients)."""
    values = leaf_values(graph, x, y, weights)
    for node_id in graph.order:
        node = graph[node_id]
        if node.op is not None:
            args = tuple(values[i] for i in node.inputs)
            values[node_id] = OPS[node.op].evaluate(args, node.param)
    return values


def backward(graph: Graph, values: Mapping[str, float]) -> Trace:
    """Reverse-mode pass from the loss: one reversed loop that accumulates (+=) into
    gradients, recording every chain-rule step."""
    grads = dict.fromkeys(graph.order, 0.0)
    grads[graph.loss] = 1.0  # dL/dL
    local: dict[Edge, float] = {}
    steps: list[BackwardStep] = []
    with np.errstate(all="ignore"):
        for node_id in reversed(graph.order):
            node = graph[node_id]
            if node.op is None:
                continue
            args = tuple(values[i] for i in node.inputs)
            derivatives = OPS[node.op].local_derivatives(args, values[node_id], node.param)
            upstream = grads[node_id]
            for position, (operand, derivative) in enumerate(
                zip(node.inputs, derivatives, strict=True)
            ):
                local[(operand, node_id, position)] = derivative
                contribution = float(np.float64(upstream) * derivative)
                grads[operand] = float(np.float64(grads[operand]) + contribution)
                steps.append(BackwardStep(len(steps), node_id, operand, position, upstream,
                                          derivative, contribution, grads[operand]))
    return Trace(
        graph=graph,
        values=MappingProxyType(dict(values)),
        grads=MappingProxyType(grads),
        local=MappingProxyType(local),
        forward_order=graph.order,
        steps=tuple(steps),
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
    return backward(graph, forward(graph, x, y, weights))


def loss_only(graph: Graph, x: Sequence[float] | np.ndarray, y: float,
              weights: Sequence[float] | np.ndarray) -> float:
    """The loss alone, from the trace path's forward pass (used by gradient checking)."""
    return forward(graph, x, y, weights)[graph.loss]
