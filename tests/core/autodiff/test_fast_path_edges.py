"""The fast path computes what the trace path computes at every op's edge values: zero,
signed zero, subnormals, the overflow thresholds of exp, the float maximum, infinities and
nan.  Never an exception; inf and nan where the trace has them.  Driven by the op table:
a new row is tested here without touching this file."""

from __future__ import annotations

import itertools
import math
import sys

import numpy as np
import pytest

from core.autodiff.compiled import CompiledGraph
from core.autodiff.engine import evaluate
from core.autodiff.graph import Graph, Node
from core.autodiff.ops import OPS, Op

#: Values where float arithmetic stops being ordinary.
GENERIC_EDGES = (0.0, -0.0, 1.0, -1.0, 5e-324, -5e-324, 709.8, -745.2, 710.0,
                 sys.float_info.max, -sys.float_info.max, math.inf, -math.inf, math.nan)

#: Exponents of pow worth trying at the edges: negative, fractional, zero, odd, even.
POW_PARAMS = (-1.0, -0.5, 0.0, 0.5, 3.0, 2.5)


def edge_values(op: Op) -> list[float]:
    """The generic edges, plus the ends of the interval the table says the op is smooth on."""
    values = list(GENERIC_EDGES)
    for end in op.domain:
        if end not in values:
            values.append(end)
    return values


def single_op_graph(op: Op, param: float | None) -> Graph:
    """y' = op(a) or op(a, b) with weights a, b, and the usual loss (y - y')^2."""
    operands = ("a", "b")[: op.arity]
    nodes = [Node(id=name, label=name, kind="weight", expr=name) for name in operands]
    nodes += [
        Node(id="y_pred", label="y'", kind="output", op=op.name, inputs=operands,
             param=param, expr=op.name),
        Node(id="y", label="y", kind="target", expr="y"),
        Node(id="residual", label="y - y'", kind="op", op="sub", inputs=("y", "y_pred")),
        Node(id="loss", label="L", kind="loss", op="square", inputs=("residual",)),
    ]
    return Graph(nodes, output="y_pred", loss="loss", formula=op.name)


def cases() -> list[tuple[str, float | None]]:
    result: list[tuple[str, float | None]] = []
    for name, op in OPS.items():
        result += [(name, p) for p in POW_PARAMS] if op.has_param else [(name, None)]
    return result


def same(actual: float, expected: float) -> bool:
    """Equal, nan equal to nan; finite values to within a few ulp (math and numpy may round
    a transcendental function differently in the last bit)."""
    if math.isnan(expected) or math.isinf(expected):
        return actual == expected or (math.isnan(actual) and math.isnan(expected))
    return math.isclose(actual, expected, rel_tol=1e-13, abs_tol=1e-300)


@pytest.mark.parametrize(("name", "param"), cases())
def test_fast_path_equals_trace_at_edge_values(name, param):
    op = OPS[name]
    graph = single_op_graph(op, param)
    compiled = CompiledGraph(graph)
    edges = edge_values(op)
    points = list(itertools.product(edges, repeat=op.arity))
    for y in (0.0, 1.0):
        for w in points:
            trace = evaluate(graph, [], y, w)
            loss, g, check = compiled.sample([], y, list(w))  # must not raise
            where = f"{name}{'' if param is None else f'(p={param})'} at {w}, y={y}"
            assert same(loss, trace.loss), where
            for actual, expected in zip(g, trace.weight_grads, strict=True):
                assert same(actual, float(expected)), where
            finite = math.isfinite(trace.loss) and np.all(np.isfinite(trace.weight_grads))
            if not finite:
                assert not math.isfinite(check), where
            batch_losses, batch_grads = compiled.batch(np.zeros((1, 0)), np.array([y]), w)
            assert same(float(batch_losses[0]), trace.loss), where
            for actual, expected in zip(batch_grads[0], trace.weight_grads, strict=True):
                assert same(float(actual), float(expected)), where


def test_every_op_of_the_table_is_covered():
    assert {name for name, _ in cases()} == set(OPS)
