"""Finite differences on the fast path equal the trace path's, to the last bit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.autodiff.engine import evaluate, loss_only
from core.autodiff.formula import parse_formula
from core.autodiff.gradcheck import check, check_graph, graph_numeric_gradient, numeric_gradient
from core.autodiff.rounding import loss_rounding_error
from core.presets import PRESETS, dense_network_formula
from tests.core.autodiff.formula_strategies import formulas


def trace_numeric(graph, x, y, w, eps):
    return numeric_gradient(lambda v: loss_only(graph, x, y, v), w, eps)


@pytest.mark.parametrize("name", sorted(PRESETS))
@pytest.mark.parametrize("eps", [1e-7, 1e-4])
def test_presets_equal_the_trace_path(name, eps):
    graph = PRESETS[name].build()
    rng = np.random.default_rng(len(name))
    for _ in range(5):
        x = rng.normal(size=graph.n_inputs)
        w = rng.normal(scale=0.7, size=len(graph.weights))
        y = float(rng.normal())
        np.testing.assert_array_equal(graph_numeric_gradient(graph, x, y, w, eps),
                                      trace_numeric(graph, x, y, w, eps))


def test_many_weights_are_checked_in_several_blocks_and_equal_the_trace(monkeypatch):
    import core.autodiff.compiled as compiled

    # A tiny budget forces a block of a few weights per pass: block edges are exercised.
    monkeypatch.setattr(compiled, "NUMERIC_BUDGET", 16 * 200 * 3)
    graph = parse_formula(dense_network_formula(3, 12, "sigmoid"))
    rng = np.random.default_rng(3)
    x, w = rng.normal(size=3), rng.normal(size=len(graph.weights))
    np.testing.assert_array_equal(compiled.CompiledGraph(graph).numeric_gradient(x, 0.2, w, 1e-6),
                                  trace_numeric(graph, x, 0.2, w, 1e-6))


def test_non_finite_losses_give_the_trace_paths_nan_and_inf():
    # log(w) at w = 1e-8 with eps 1e-7: log of a negative is nan on both paths;
    # exp(1000) overflows: math raises, the trace falls back to numpy's inf.
    graph = parse_formula("log(w) + v*x1 + exp(u*1000)")
    assert graph.weights == ("u", "v", "w")
    w = [1.0, 0.5, 1e-8]
    fast = graph_numeric_gradient(graph, [1.0], 0.0, w, 1e-7)
    np.testing.assert_array_equal(fast, trace_numeric(graph, [1.0], 0.0, w, 1e-7))
    assert not np.all(np.isfinite(fast))


def test_check_graph_reports_what_the_trace_path_check_reports():
    graph = PRESETS["seed"].build()
    x, y, w = [0.1, -0.2, 0.3, 0.4, -0.5], 0.7, np.full(9, 0.3)
    fast = check_graph(graph, x, y, w)
    slow = check(lambda v: loss_only(graph, x, y, v), [c.analytic for c in fast.weights], w,
                 graph.weights, loss_error=loss_rounding_error(evaluate(graph, x, y, w)))
    assert fast == slow


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(formula=formulas, seed=st.integers(0, 2**32 - 1))
def test_random_formulas_equal_the_trace_path(formula, seed):
    graph = parse_formula(formula)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2.0, 2.0, size=max(graph.n_inputs, 1))
    w = rng.uniform(-2.0, 2.0, size=len(graph.weights))
    y = float(rng.uniform(-1.0, 1.0))
    fast = graph_numeric_gradient(graph, x, y, w, 1e-6)
    slow = trace_numeric(graph, x, y, w, 1e-6)
    same = [a == b or (math.isnan(a) and math.isnan(b)) for a, b in zip(fast, slow, strict=True)]
    assert all(same), formula
