"""The loss landscape: the grid against the engine point by point, the stages it computes
once, blocks, progress, cancellation, memory, bad input, and the full-batch gradient."""

import itertools
import math
import re
import tracemalloc

import numpy as np
import pytest

from core.autodiff import ops
from core.autodiff.compiled import CompiledGraph
from core.autodiff.engine import evaluate
from core.autodiff.formula import parse_formula
from core.data.datasets import builtin_dataset
from core.geometry import landscape
from core.geometry.landscape import (
    MAX_GRID,
    MEMORY_BUDGET,
    LandscapeCancelled,
    full_batch_gradient,
    grid_values,
    landscape_grid,
    landscape_plan,
)
from core.presets import PRESETS


@pytest.fixture(scope="module")
def seed():
    return PRESETS["seed"].build()


@pytest.fixture(scope="module")
def data():
    dataset = builtin_dataset()
    return np.asarray(dataset.X), np.asarray(dataset.y)


@pytest.fixture(scope="module")
def weights():
    return np.random.default_rng(3).normal(0.0, 0.5, 9)


def _at(graph, weights, pair, x, y):
    w = np.array(weights, dtype=float)
    w[graph.weights.index(pair[0])] = x
    w[graph.weights.index(pair[1])] = y
    return w


POINTS = [(0, 0), (0, 10), (10, 0), (10, 10), (5, 5), (3, 8), (7, 1)]


@pytest.mark.parametrize("pair", [("w1", "w9"), ("w9", "w1"), ("w3", "w4"), ("w6", "w7"),
                                  ("w2", "w8"), ("w5", "w3")])
def test_grid_equals_the_engine_point_by_point(seed, data, weights, pair):
    X, Y = data
    result = landscape_grid(seed, X, Y, weights, pair, span=0.7, grid=11, sample=17)
    assert result.x_weight == pair[0] and result.y_weight == pair[1]
    assert result.loss.shape == result.sample_loss.shape == (11, 11)
    compiled = CompiledGraph(seed)
    for i, k in POINTS:
        w = _at(seed, weights, pair, result.xs[k], result.ys[i])
        assert result.loss[i, k] == pytest.approx(compiled.mean_loss(X, Y, w), rel=1e-12)
        trace = evaluate(seed, X[17], Y[17], w)
        assert result.sample_loss[i, k] == pytest.approx(trace.loss, rel=1e-12, abs=1e-300)


def test_every_op_of_a_formula_with_constants_and_powers(data):
    X, Y = data
    graph = parse_formula("h = tanh(a*x1 + 0.5)\nc*h**3 + relu(b*x2 - 0.25)/2 + "
                          "abs(sin(c*x3)) + sqrt(exp(b*x4)) + log(1 + sigmoid(a*x5))")
    w = np.array([0.3, -0.4, 0.8])
    compiled = CompiledGraph(graph)
    for pair in (("a", "b"), ("c", "a"), ("b", "c")):
        result = landscape_grid(graph, X, Y, w, pair, span=0.5, grid=5, sample=2)
        for i, k in [(0, 0), (4, 1), (2, 2), (3, 4)]:
            ww = _at(graph, w, pair, result.xs[k], result.ys[i])
            assert result.loss[i, k] == pytest.approx(compiled.mean_loss(X, Y, ww), rel=1e-12)
            assert result.sample_loss[i, k] == pytest.approx(
                evaluate(graph, X[2], Y[2], ww).loss, rel=1e-12)


def test_the_centre_is_the_current_loss_and_the_ends_are_the_span(seed, data, weights):
    X, Y = data
    result = landscape_grid(seed, X, Y, weights, "w4,w8", span=0.25, grid=21, sample=-1)
    assert result.xs[10] == weights[3] and result.ys[10] == weights[7]
    assert result.xs[0] == weights[3] - 0.25 and result.xs[-1] == weights[3] + 0.25
    assert result.ys[0] == weights[7] - 0.25 and result.ys[-1] == weights[7] + 0.25
    assert np.all(np.diff(result.xs) > 0)
    assert result.loss[10, 10] == pytest.approx(CompiledGraph(seed).mean_loss(X, Y, weights),
                                                rel=1e-12)
    assert result.sample == len(Y) - 1 and result.samples == len(Y)
    assert result.sample_loss[10, 10] == pytest.approx(
        evaluate(seed, X[-1], Y[-1], weights).loss, rel=1e-12)
    assert result.seconds > 0


def test_grid_values_even_and_odd():
    assert grid_values(1.0, 2.0, 2).tolist() == [-1.0, 3.0]
    assert grid_values(0.1, 1.0, 5).tolist()[2] == 0.1
    assert grid_values(0.0, 1.0, 5).tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]


def test_nodes_are_put_where_they_are_computed_once(seed):
    plan = landscape_plan(seed, "w1", "w9")
    # The sigmoid branch does not involve w1 or w9: once per sample.
    for node in ("sin1", "add4", "sigmoid1", "w3", "x3", "y"):
        assert plan.stage[node] == "data"
    # The tanh branch depends on w1 alone: once per column and sample.
    for node in ("mul1", "add1", "exp1", "tanh1"):
        assert plan.stage[node] == "x"
    for node in ("mul8", "y_pred", "residual", "loss"):
        assert plan.stage[node] == "grid"
    assert landscape_plan(seed, "w1", "w9") is plan  # generated once


def _recording_namespace(calls):
    def record(name, fn):
        def call(*args):
            calls.append((name, np.shape(args[0])))
            return fn(*args)
        return call
    return {name: record(name, fn) for name, fn in ops.ARRAY_NAMESPACE.items()}


def test_independent_nodes_are_computed_once_per_sample(data, weights, monkeypatch):
    """Every function call's operand shape, counted: the sigmoid (independent of both
    weights) runs once on (samples,), the exp and tanh (w1 only) once on (1, grid, samples),
    and nothing but arithmetic runs per grid point."""
    X, Y = data
    calls = []
    monkeypatch.setattr(landscape, "ARRAY_NAMESPACE", _recording_namespace(calls))
    graph = PRESETS["seed"].build()  # a new graph: its plan is generated with the recorder
    n = len(Y)
    landscape_grid(graph, X, Y, weights, ("w1", "w9"), grid=40, block_elements=4 * 40 * n)
    assert sorted(calls) == sorted([("sin", (n,)), ("sigmoid", (n,)),
                                    ("exp", (1, 40, n)), ("tanh", (1, 40, n))])
    calls.clear()
    landscape_grid(graph, X, Y, weights, ("w9", "w1"), grid=40, block_elements=4 * 40 * n)
    # Swapped, the tanh branch depends on the rows' weight: (rows, 1, samples), 10 blocks.
    assert sorted(calls) == sorted([("sin", (n,)), ("sigmoid", (n,))]
                                   + [("exp", (4, 1, n)), ("tanh", (4, 1, n))] * 10)


def test_blocks_of_rows_give_the_same_numbers(seed, data, weights):
    X, Y = data
    whole = landscape_grid(seed, X, Y, weights, "w2,w7", grid=17, block_elements=1 << 30)
    for elements in (17 * len(Y), 3 * 17 * len(Y)):  # one grid row, three rows a block
        blocked = landscape_grid(seed, X, Y, weights, "w2,w7", grid=17,
                                 block_elements=elements)
        assert np.array_equal(blocked.loss, whole.loss)
        assert np.array_equal(blocked.sample_loss, whole.sample_loss)
    # One sample a block: the same terms, summed in another order.
    single = landscape_grid(seed, X, Y, weights, "w2,w7", grid=17, block_elements=1)
    np.testing.assert_allclose(single.loss, whole.loss, rtol=1e-13)
    assert np.array_equal(single.sample_loss, whole.sample_loss)


def test_blocks_of_samples_give_the_same_numbers(seed, data, weights):
    X, Y = data
    whole = landscape_grid(seed, X, Y, weights, "w1,w5", grid=9, sample=300)
    # A budget this small leaves room for a few samples per block only.
    blocked = landscape_grid(seed, X, Y, weights, "w1,w5", grid=9, sample=300,
                             memory_budget=200_000)
    np.testing.assert_allclose(blocked.loss, whole.loss, rtol=1e-13)
    assert np.array_equal(blocked.sample_loss, whole.sample_loss)


def test_progress_rises_to_one_and_cancel_stops(seed, data, weights):
    X, Y = data
    seen = []
    landscape_grid(seed, X, Y, weights, "w1,w9", grid=30, block_elements=30 * len(Y),
                   progress=seen.append)
    assert len(seen) == 30
    assert all(a < b for a, b in itertools.pairwise(seen))
    assert seen[-1] == 1.0
    asked = []
    seen.clear()

    def cancelled():
        asked.append(True)
        return len(asked) > 3

    with pytest.raises(LandscapeCancelled):
        landscape_grid(seed, X, Y, weights, "w1,w9", grid=30, block_elements=30 * len(Y),
                       progress=seen.append, cancelled=cancelled)
    assert len(asked) == 4 and len(seen) == 3


def test_non_finite_losses_stay_inf_and_nan(data):
    X, Y = data
    graph = parse_formula("exp(a*x1) + sqrt(b)")
    result = landscape_grid(graph, X, Y, [200.0, 0.5], "a,b", span=1.0, grid=5)
    # b < 0: sqrt is nan everywhere on that row; a*x1 past ~709 overflows to inf.
    assert np.isnan(result.loss[0]).all() and np.isnan(result.sample_loss[0]).all()
    assert np.isinf(result.loss[4]).all()
    assert np.isinf(result.loss[2:]).all()


def test_peak_memory_of_the_largest_grid_is_under_the_budget(seed, data, weights):
    X, Y = data
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = landscape_grid(seed, X, Y, weights, "w3,w4", grid=MAX_GRID)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.loss.shape == (MAX_GRID, MAX_GRID)
    assert np.isfinite(result.loss).all()
    # One array over every point and sample would be 401 * 401 * 506 * 8 B = 651 MB.
    assert peak < MEMORY_BUDGET
    assert peak < 100 * 2**20


def test_peak_memory_follows_the_budget_for_many_samples(seed):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200_000, 5))
    Y = rng.normal(size=200_000)
    w = rng.normal(0.0, 0.3, 9)
    budget = 40 * 2**20
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = landscape_grid(seed, X, Y, w, "w1,w4", grid=6, memory_budget=budget)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Without blocks, each array would be 6 * 6 * 200,000 * 8 B = 58 MB.
    assert peak < budget
    assert result.loss[3, 3] == pytest.approx(
        CompiledGraph(seed).mean_loss(X, Y, _at(seed, w, ("w1", "w4"), result.xs[3],
                                                result.ys[3])), rel=1e-12)


@pytest.mark.parametrize(("options", "message"), [
    ({"grid": 402}, "grid must be a whole number of points per side from 2 to 401, got 402"),
    ({"grid": 1}, "from 2 to 401, got 1"),
    ({"grid": 10.0}, "got 10.0"),
    ({"grid": True}, "got True"),
    ({"span": 0.0}, "span must be a finite number > 0"),
    ({"span": -1.0}, "got -1.0"),
    ({"span": math.nan}, "got nan"),
    ({"span": math.inf}, "got inf"),
    ({"pair": "w1,w10"}, "unknown weight 'w10'; the graph's weights: w1, w2, w3, w4, w5, "
                         "w6, w7, w8, w9"),
    ({"pair": "w1,w1"}, "two different weights, got w1 twice"),
    ({"pair": "w1,x1"}, "'x1' is not a weight (it is a data input)"),
    ({"pair": "w1,part_2"}, "'part_2' is not a weight (it is an operation)"),
    ({"pair": "w1"}, "a pair of two weights (such as w1,w9), got 'w1'"),
    ({"pair": ("w1", "w2", "w3")}, "a pair of two weights"),
    ({"sample": 506}, "sample 506 is out of range: the data has 506 samples (0..505)"),
    ({"sample": -507}, "sample -507 is out of range"),
    ({"weights": np.ones(8)}, "the graph has 9 weights (w1, w2, w3, w4, w5, w6, w7, w8, w9), "
                              "got 8 values"),
    ({"weights": [math.nan, *[0.0] * 8]}, "w1 is nan: a landscape is centred on finite"),
])
def test_bad_input_is_a_clear_value_error(seed, data, options, message):
    X, Y = data
    arguments = {"pair": "w1,w9", "weights": np.zeros(9), **options}
    pair, w = arguments.pop("pair"), arguments.pop("weights")
    with pytest.raises(ValueError, match=re.escape(message)):
        landscape_grid(seed, X, Y, w, pair, **arguments)


def test_pairs_by_id_name_or_list(seed, data, weights):
    X, Y = data
    by_text = landscape_grid(seed, X, Y, weights, " w2 , w3", grid=3)
    by_list = landscape_grid(seed, X, Y, weights, ["w2", "w3"], grid=3)
    assert np.array_equal(by_text.loss, by_list.loss)
    named = parse_formula("slope*x1 + bias")
    result = landscape_grid(named, X, Y, [1.0, 0.0], "bias,slope", grid=3)
    assert (result.x_weight, result.y_weight) == ("bias", "slope")


def test_full_batch_gradient_is_the_slope_of_the_grid(seed, data, weights):
    X, Y = data
    gradient = full_batch_gradient(seed, X, Y, weights)
    _, per_sample = CompiledGraph(seed).batch(X, Y, weights)
    np.testing.assert_allclose(gradient, per_sample.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(full_batch_gradient(seed, X, Y, weights, rows_per_pass=37),
                               gradient, rtol=1e-12)
    h = 1e-5
    for x_name, y_name in (("w1", "w9"), ("w3", "w4"), ("w6", "w8")):
        result = landscape_grid(seed, X, Y, weights, (x_name, y_name), span=h, grid=3)
        slope_x = (result.loss[1, 2] - result.loss[1, 0]) / (2 * h)
        slope_y = (result.loss[2, 1] - result.loss[0, 1]) / (2 * h)
        assert slope_x == pytest.approx(gradient[seed.weights.index(x_name)], rel=1e-6)
        assert slope_y == pytest.approx(gradient[seed.weights.index(y_name)], rel=1e-6)


def test_full_batch_gradient_refuses_data_that_does_not_fit(seed, data):
    X, Y = data
    with pytest.raises(ValueError, match="the graph reads 5 feature columns; X has 4"):
        full_batch_gradient(seed, X[:, :4], Y, np.zeros(9))
    with pytest.raises(ValueError, match=r"Y must have shape \(506,\)"):
        full_batch_gradient(seed, X, Y[:5], np.zeros(9))
