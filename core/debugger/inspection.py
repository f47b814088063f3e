"""What the node inspector shows, and the wiggle experiment.

:func:`inspect_node` gathers, for one node, its op and formula, its inputs and their
values, its value, the local derivative with respect to each input (the rule and the
number), the upstream gradient dL/d(node) and the gradient it passes to each input; all
from the engine's trace, optionally restricted to what a stepper position has computed.

:func:`wiggle` changes one weight or feature by a small delta and compares the change of
the loss the gradient predicts (gradient × delta) with the actual change: the meaning of a
gradient, and of a finite difference, made touchable.  Nothing is trained.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.autodiff.engine import Trace, evaluate, loss_only
from core.autodiff.graph import Graph
from core.debugger.stepper import StepPosition
from core.debugger.wording import (
    derivative_numbers,
    derivative_words,
    forward_words,
    kind_words,
    name,
    operand_names,
    operand_values,
)


@dataclass(frozen=True)
class InputReport:
    """One operand of an op node, seen from that node.

    Attributes
    ----------
    node, name
        The operand's id and its name (``v1·v2+w8``).
    value
        Its value (``None`` when not computed yet).
    rule
        The local derivative d(node)/d(operand) in the operands' names (``1 − tanh²(part_1+w7)``).
    rule_numbers
        The same with the operands' values (``1 − tanh²(1.033)``), or ``""``.
    local
        The local derivative's value (``None`` when not computed yet).
    contribution
        The gradient passed back along this edge, upstream × local (``None`` until the
        chain rule has been applied there).
    """

    node: str
    name: str
    value: float | None
    rule: str
    rule_numbers: str
    local: float | None
    contribution: float | None


@dataclass(frozen=True)
class NodeReport:
    """Everything the inspector shows about one node.

    Attributes
    ----------
    node, name, role
        Id, name (``part_3``, ``w1·x1``, ``y'``) and role in words (``weight``, ``operation``).
    op
        The op table's name, ``None`` for leaves.
    symbol
        The op's symbol as drawn (``×``, ``σ``), ``""`` for leaves.
    formula
        The subexpression the node computes, in formula syntax.
    computes
        The op applied to the operands' names (``w1·x1``), ``""`` for leaves.
    rule
        The op's derivative rule (``d tanh x/dx = 1 − tanh²x``), ``""`` for leaves.
    value
        Its value, ``None`` when not computed yet.
    gradient
        dL/d(node) (the upstream gradient of its local derivatives), ``None`` when it has
        received nothing yet.
    inputs
        One report per operand.
    """

    node: str
    name: str
    role: str
    op: str | None
    symbol: str
    formula: str
    computes: str
    rule: str
    value: float | None
    gradient: float | None
    inputs: tuple[InputReport, ...]


def inspect_node(trace: Trace, node_id: str, position: StepPosition | None = None
                 ) -> NodeReport:
    """The inspector's report on ``node_id``, from ``trace``; with ``position``, only what
    a stepper at that position has computed so far.

    Raises
    ------
    KeyError
        If the graph has no such node.
    """
    graph = trace.graph
    node = graph[node_id]
    values = trace.values if position is None else position.values
    grads = trace.grads if position is None else position.grads
    applied = _applied_edges(trace, position)
    row = None if node.op is None else graph.op_of(node_id)
    names = operand_names(graph, node)
    inputs = []
    if row is not None:
        known = all(i in values for i in node.inputs) and node_id in values
        for arg, operand in enumerate(node.inputs):
            edge = (operand, node_id, arg)
            inputs.append(InputReport(
                node=operand, name=names[arg], value=values.get(operand),
                rule=derivative_words(row, arg, names, node.param),
                rule_numbers=derivative_numbers(row, arg, operand_values(values, node),
                                                node.param) if known else "",
                local=trace.local.get(edge) if known else None,
                contribution=trace.contribution(edge) if applied is None or edge in applied
                else None))
    return NodeReport(
        node=node_id, name=name(node), role=kind_words(node), op=node.op,
        symbol=row.symbol if row is not None else "", formula=node.expr,
        computes=forward_words(row, names, node.param) if row is not None else "",
        rule=row.derivative_text if row is not None else "",
        value=values.get(node_id), gradient=grads.get(node_id), inputs=tuple(inputs))


def _applied_edges(trace: Trace, position: StepPosition | None) -> set[tuple[str, str, int]] | None:
    """The edges the chain rule has been applied along at ``position`` (``None``: all)."""
    if position is None or position.phase == "update":
        return None
    if position.phase == "forward" or position.backward is None:
        return set()
    return {step.edge for step in trace.steps[:position.backward.index + 1]}


@dataclass(frozen=True)
class Wiggle:
    """The loss's response to changing one weight or feature by ``delta``.

    Attributes
    ----------
    node
        The weight or feature changed.
    old, new
        Its value before and after.
    gradient
        dL/d(node) before the change.
    loss_before, loss_after
        The loss at the old and the new value.
    """

    node: str
    old: float
    new: float
    gradient: float
    loss_before: float
    loss_after: float

    @property
    def delta(self) -> float:
        return self.new - self.old

    @property
    def predicted(self) -> float:
        """The change of the loss the gradient predicts: gradient × delta."""
        return self.gradient * self.delta

    @property
    def actual(self) -> float:
        """The change of the loss that happens."""
        return self.loss_after - self.loss_before

    @property
    def difference(self) -> float:
        """actual − predicted: the curvature's share, of order delta²."""
        return self.actual - self.predicted


def wiggle(graph: Graph, x: Sequence[float] | np.ndarray, y: float,
           weights: Sequence[float] | np.ndarray, node_id: str, new_value: float) -> Wiggle:
    """Set weight or feature ``node_id`` to ``new_value`` and measure the loss; nothing
    else changes (``weights`` and ``x`` are copied).

    Raises
    ------
    ValueError
        If ``node_id`` is neither a weight nor a feature of ``graph``, or the value is not
        a finite number.
    """
    if node_id not in graph or graph[node_id].kind not in ("weight", "input"):
        raise ValueError(f"only a weight or a feature can be wiggled, not {node_id!r}")
    if not np.isfinite(new_value):
        raise ValueError(f"the new value must be a finite number, got {new_value}")
    node = graph[node_id]
    w = np.array(weights, dtype=float).ravel()
    xs = np.array(x, dtype=float).ravel()
    trace = evaluate(graph, xs, y, w)
    old = trace.values[node_id]
    if node.kind == "weight":
        w[graph.weights.index(node_id)] = new_value
    else:
        assert node.column is not None
        xs[node.column] = new_value
    return Wiggle(node=node_id, old=old, new=float(new_value), gradient=trace.grads[node_id],
                  loss_before=trace.loss, loss_after=loss_only(graph, xs, y, w))
