"""The fast path's finiteness guard: its few terms (the values an inf or nan could vanish
behind, the weights and the weights' gradients) are non-finite whenever any op value,
weight or gradient of the pass is, on graphs using every op, at weights that overflow."""

import math

import numpy as np
import pytest

from core.autodiff.compiled import CompiledGraph
from core.autodiff.engine import evaluate
from core.autodiff.formula import parse_formula
from core.autodiff.ops import OPS

FORMULAS = [
    "tanh(exp((w1*x1 + w2*x2)**2 + w6) + w7) + sigmoid(sin(w3*x3) * (w4*x4 + w5*x5) + w8) * w9",
    "w1*log(abs(w2*x1) + 1) + sqrt(w3*w3*x2*x2 + 1) - relu(w4*x3) + softplus(w5*x4) / (w6 + 3)",
    "cos(w1*x1) - w2**3 + (w3*x2)**-1.5 + -w4*x5 + exp(w5) * tanh(w6)",
    "exp(-exp(w1*x1)) + sigmoid(w2) / (tanh(w3*x2) - 1) + 1 / exp(w4*x3)",
]


def _something_non_finite(graph, trace):
    needed = set(graph.weights)
    for node_id in graph.order:
        if any(i in needed for i in graph[node_id].inputs):
            needed.add(node_id)
    values = [trace.values[i] for i in graph.order
              if graph[i].op is not None or i in graph.weights]
    grads = [trace.grads[i] for i in graph.order if i in needed]
    return not all(math.isfinite(v) for v in values + grads)


def test_the_formulas_use_every_function_op():
    used = {n.op for f in FORMULAS for n in parse_formula(f) if n.op}
    assert {"exp", "log", "sqrt", "tanh", "sin", "cos", "sigmoid", "relu", "abs",
            "softplus", "pow", "neg", "div", "square"} <= used <= set(OPS)


@pytest.mark.parametrize("formula", FORMULAS)
def test_a_non_finite_pass_always_fails_the_guard(formula):
    graph = parse_formula(formula)
    compiled = CompiledGraph(graph)
    rng = np.random.default_rng(11)
    scales = (1.0, 30.0, 300.0, 1e155, 1e300)
    flagged = 0
    for scale in scales:
        for _ in range(60):
            w = (rng.normal(size=len(graph.weights)) * scale).tolist()
            x = rng.normal(size=5).tolist()
            y = float(rng.normal())
            loss, grads, check = compiled.sample(x, y, w)
            trace = evaluate(graph, x, y, w)
            assert np.array_equal([loss, *grads], [trace.loss, *trace.weight_grads],
                                  equal_nan=True)
            if _something_non_finite(graph, trace):
                flagged += 1
                assert not math.isfinite(check), (w, x, y)
    assert flagged > 20  # the test reached non-finite passes


def test_a_gradient_that_overflows_alone_fails_the_guard():
    # Every value finite (w1·w2 = 1), but dL/dw2 = −2(y − y')·w1 overflows.
    graph = parse_formula("w1*w2")
    trace = evaluate(graph, [], 5.0, [1e308, 1e-308])
    assert all(math.isfinite(v) for v in trace.values.values())
    assert math.isinf(trace.grads["w2"])
    _, grads, check = CompiledGraph(graph).sample([], 5.0, [1e308, 1e-308])
    assert math.isinf(grads[1]) and not math.isfinite(check)
