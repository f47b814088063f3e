"""The compiled fast path equals the traced path (the per-sample path bit for bit: both
compute with the op table's scalar templates in the same order); autodiff equals finite
differences on random formulas."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from core.autodiff.compiled import CompiledGraph
from core.autodiff.engine import evaluate
from core.autodiff.formula import parse_formula
from core.autodiff.gradcheck import check_graph
from core.presets import PRESETS, dense_network_formula
from tests.core.autodiff.formula_strategies import formulas

RNG = np.random.default_rng(11)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_sample_path_equals_trace_on_presets(name):
    graph = PRESETS[name].build()
    compiled = CompiledGraph(graph)
    for _ in range(20):
        x = RNG.normal(size=graph.n_inputs)
        w = RNG.normal(scale=0.5, size=len(graph.weights))
        y = float(RNG.normal())
        trace = evaluate(graph, x, y, w)
        loss, grads, check = compiled.sample(x.tolist(), y, w.tolist())
        # The same functions in the same order: equal to the last bit, so a step shown
        # node by node from the trace is exactly the step training takes.
        assert loss == trace.loss
        assert grads == trace.weight_grads.tolist()
        assert math.isfinite(check)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_batch_path_equals_trace_on_presets(name):
    graph = PRESETS[name].build()
    compiled = CompiledGraph(graph)
    X = RNG.normal(size=(50, graph.n_inputs))
    Y = RNG.normal(size=50)
    w = RNG.normal(scale=0.5, size=len(graph.weights))
    losses, grads = compiled.batch(X, Y, w)
    assert losses.shape == (50,)
    assert grads.shape == (50, len(graph.weights))
    for i in range(50):
        trace = evaluate(graph, X[i], Y[i], w)
        assert losses[i] == pytest.approx(trace.loss, rel=1e-12)
        # numpy's tanh and exp round differently from math's in the last bit, and
        # 1 - tanh^2 near saturation magnifies that: absolute error on the gradient's scale.
        scale = float(np.abs(trace.weight_grads).max())
        np.testing.assert_allclose(grads[i], trace.weight_grads, rtol=1e-10,
                                   atol=1e-12 * scale + 1e-300)


def test_batch_handles_graphs_without_features():
    graph = parse_formula("w1*w2 + 3")
    losses, grads = CompiledGraph(graph).batch(np.zeros((4, 0)), np.arange(4.0), [2.0, 1.0])
    np.testing.assert_allclose(losses, (np.arange(4.0) - 5.0) ** 2)
    np.testing.assert_allclose(grads[:, 0], -2 * (np.arange(4.0) - 5.0) * 1.0)


def test_overflow_shows_in_the_check_as_the_trace_computes_it():
    graph = PRESETS["seed"].build()
    w = [1.0] * 9
    w[5] = 800.0  # exp(800) overflows: math.exp raises, float64 gives inf
    loss, grads, check = CompiledGraph(graph).sample([1.0] * 5, 1.0, w)
    trace = evaluate(graph, [1.0] * 5, 1.0, w)
    assert not math.isfinite(check)
    np.testing.assert_array_equal([loss, *grads], [trace.loss, *trace.weight_grads])


def test_non_finite_weight_shows_in_the_check():
    graph = parse_formula("tanh(w1*x1) + w2")
    _, _, check = CompiledGraph(graph).sample([1.0], 0.0, [math.inf, 0.0])
    assert not math.isfinite(check)


def test_large_graphs_compile_and_agree():
    graph = parse_formula(dense_network_formula(5, 30))
    assert len(graph) > 10 * len(PRESETS["seed"].build())
    compiled = CompiledGraph(graph)
    x = RNG.normal(size=5)
    w = RNG.normal(scale=0.3, size=len(graph.weights))
    loss, grads, _ = compiled.sample(x.tolist(), 0.3, w.tolist())
    trace = evaluate(graph, x, 0.3, w)
    assert loss == trace.loss
    np.testing.assert_array_equal(grads, trace.weight_grads)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(formula=formulas, seed=st.integers(0, 2**32 - 1))
def test_random_formulas_autodiff_equals_finite_differences(formula, seed):
    graph = parse_formula(formula)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=max(graph.n_inputs, 1))
    w = rng.uniform(-1.0, 1.0, size=len(graph.weights))
    y = float(rng.uniform(-1.0, 1.0))
    trace = evaluate(graph, x, y, w)
    assume(trace.first_nonfinite() is None)
    assume(abs(trace.loss) < 1e6 and np.all(np.abs(trace.weight_grads) < 1e6))
    # Central differences with step h carry rounding noise ~ 1e-16 |L| / h = 1e-10 |L|: a
    # gradient far below that (w1 * (w1*w1)**2 at w1 = 0.018) cannot be checked to 1e-5.
    assume(np.linalg.norm(trace.weight_grads) > 1e-4 * abs(trace.loss))
    report = check_graph(graph, x, y, w, eps=1e-6)
    assert report.relative_error < 1e-5, (formula, report)
    loss, grads, check = CompiledGraph(graph).sample(x.tolist(), y, w.tolist())
    assert math.isfinite(check)
    assert loss == trace.loss
    np.testing.assert_array_equal(grads, trace.weight_grads)


def test_generated_source_is_readable_python():
    compiled = CompiledGraph(PRESETS["seed"].build())
    assert compiled.sample_source.startswith("def sample(x, y, w):")
    assert "exp(" in compiled.sample_source
    assert "+=" in compiled.sample_source  # the shared sum accumulates
    compile(compiled.batch_source, "<test>", "exec")


def test_graphs_a_hundred_times_the_seed_compile():
    """The finiteness check is split into statements, so the Python compiler does not
    recurse past its limit on thousands of nodes."""
    graph = parse_formula(dense_network_formula(5, 175))
    assert len(graph) > 100 * len(PRESETS["seed"].build())
    compiled = CompiledGraph(graph)
    w = RNG.normal(scale=0.1, size=len(graph.weights))
    loss, grads, check = compiled.sample([0.1, 0.2, -0.3, 0.4, 0.5], 0.3, w.tolist())
    trace = evaluate(graph, [0.1, 0.2, -0.3, 0.4, 0.5], 0.3, w)
    assert math.isfinite(check)
    assert loss == trace.loss
    np.testing.assert_array_equal(grads, trace.weight_grads)


def test_a_graph_is_compiled_once():
    from core.autodiff.compiled import compiled_graph

    graph = PRESETS["seed"].build()
    assert compiled_graph(graph) is compiled_graph(graph)
    assert compiled_graph(graph) is not compiled_graph(PRESETS["seed"].build())
