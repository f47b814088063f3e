"""predict: y' for many rows at once equals the trace's y' sample by sample; the rows the
model view evaluates (a curve, a plane) hold the other features at their means."""

from pathlib import Path

import numpy as np
import pytest

from core.autodiff.engine import InputError, evaluate
from core.autodiff.formula import parse_formula
from core.data.datasets import builtin_dataset, load_dataset
from core.geometry.model_function import (
    ROWS_PER_PASS,
    boundary_level,
    by_correlation,
    curve_inputs,
    feature_means,
    feature_range,
    is_binary,
    plane_inputs,
    predict,
    probability,
)
from core.presets import PRESETS

COURSE_DATA = Path("/work/shared/data/data.pkl")
RNG = np.random.default_rng(5)


def _engine_y_pred(graph, X, weights):
    return np.array([evaluate(graph, row, 0.0, weights).y_pred for row in X])


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_predict_equals_engine_on_presets(name):
    graph = PRESETS[name].build()
    X = RNG.normal(size=(50, graph.n_inputs))
    weights = RNG.normal(scale=0.7, size=len(graph.weights))
    got = predict(graph, X, weights)
    assert got.shape == (50,)
    np.testing.assert_allclose(got, _engine_y_pred(graph, X, weights), rtol=1e-12,
                               atol=1e-12)


def test_predict_equals_engine_on_the_builtin_data():
    graph, data = PRESETS["seed"].build(), builtin_dataset()
    weights = RNG.normal(scale=0.5, size=len(graph.weights))
    np.testing.assert_allclose(predict(graph, data.X, weights),
                               _engine_y_pred(graph, data.X, weights), rtol=1e-12, atol=1e-12)
    # The built-in data is made so that all nine weights = 1 fit it exactly.
    np.testing.assert_allclose(predict(graph, data.X, np.ones(9)), data.y, atol=1e-9)


@pytest.mark.skipif(not COURSE_DATA.is_file(), reason=f"the course's data is not at "
                                                      f"{COURSE_DATA} on this machine")
def test_predict_fits_the_course_data_with_unit_weights():
    graph, data = PRESETS["seed"].build(), load_dataset(COURSE_DATA)
    np.testing.assert_allclose(predict(graph, data.X, np.ones(9)), data.y, atol=1e-9)


def test_predict_on_many_rows_goes_in_blocks_with_the_same_numbers():
    graph = PRESETS["seed"].build()
    X = RNG.normal(size=(ROWS_PER_PASS + 7, 5))
    weights = RNG.normal(size=9)
    whole = predict(graph, X, weights)
    assert whole.shape == (ROWS_PER_PASS + 7,)
    np.testing.assert_array_equal(whole[-7:], predict(graph, X[-7:], weights))


def test_predict_gives_inf_and_nan_as_the_trace_does():
    graph = parse_formula("exp(w1*x1) + log(w2*x2)")
    X = np.array([[1000.0, 1.0], [1.0, -1.0], [1.0, 0.0], [1.0, 1.0]])
    weights = np.array([1.0, 1.0])
    got = predict(graph, X, weights)
    expected = _engine_y_pred(graph, X, weights)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_array_equal(got[~np.isnan(got)], expected[~np.isnan(expected)])
    assert got[0] == np.inf and np.isnan(got[1]) and got[2] == -np.inf


def test_predict_needs_no_target_and_skips_the_loss():
    # Only the nodes y' depends on are computed: rows without a target column are enough.
    graph = PRESETS["xor"].build()
    X = np.array([[0.0, 1.0]])
    assert predict(graph, X, np.ones(9)).shape == (1,)


def test_a_constant_model_predicts_one_value_per_row():
    graph = parse_formula("w1 + 2")
    np.testing.assert_array_equal(predict(graph, np.zeros((3, 0)), [0.5]), [2.5] * 3)


@pytest.mark.parametrize(("X", "weights", "message"), [
    (np.zeros(5), np.ones(9), "2-D"),
    (np.zeros((3, 4)), np.ones(9), "uses 5 features"),
    (np.zeros((3, 5)), np.ones(8), "has 9 weights, got 8"),
])
def test_bad_inputs_are_named(X, weights, message):
    with pytest.raises(InputError, match=message):
        predict(PRESETS["seed"].build(), X, weights)


def test_curve_points_are_predict_at_the_means():
    graph, data = PRESETS["seed"].build(), builtin_dataset()
    weights = RNG.normal(scale=0.5, size=9)
    means = feature_means(data.X)
    np.testing.assert_allclose(means, data.X.mean(axis=0), rtol=1e-12, atol=1e-15)
    xs = np.linspace(*feature_range(data.X[:, 2]), 31)
    rows = curve_inputs(means, 2, xs)
    assert rows.shape == (31, 5)
    np.testing.assert_array_equal(rows[:, 2], xs)
    for other in (0, 1, 3, 4):
        assert np.all(rows[:, other] == means[other])
    curve = predict(graph, rows, weights)
    for k in (0, 15, 30):
        point = means.copy()
        point[2] = xs[k]
        assert curve[k] == pytest.approx(evaluate(graph, point, 0.0, weights).y_pred,
                                         rel=1e-12, abs=1e-12)


def test_plane_rows_follow_the_landscape_convention():
    means = np.array([0.1, 0.2, 0.3])
    xs, ys = np.array([1.0, 2.0, 3.0]), np.array([-1.0, -2.0])
    rows = plane_inputs(means, (2, 0), xs, ys)
    assert rows.shape == (6, 3)
    grid = rows.reshape(2, 3, 3)
    for i in range(2):
        for k in range(3):
            assert grid[i, k, 2] == xs[k] and grid[i, k, 0] == ys[i] and grid[i, k, 1] == 0.2
    with pytest.raises(ValueError, match="two different features"):
        plane_inputs(means, (1, 1), xs, ys)


def test_feature_range_pads_and_survives_odd_columns():
    assert feature_range(np.array([0.0, 10.0])) == pytest.approx((-0.5, 10.5))
    assert feature_range(np.array([2.0, 2.0])) == (1.5, 2.5)
    assert feature_range(np.array([np.nan, np.inf])) == (-0.5, 0.5)
    assert feature_means(np.array([[1.0, np.nan], [3.0, np.nan]])).tolist() == [2.0, 0.0]


def test_classification_and_its_boundary():
    assert is_binary(np.array([0.0, 1.0, 1.0]))
    assert not is_binary(np.array([0.0, 0.5]))
    assert not is_binary(np.array([]))
    assert boundary_level(np.array([0.0, 1.0])) == 0.5
    assert boundary_level(np.array([0.0, 2.0])) is None
    assert boundary_level(np.array([0.0, 1.0]), "bce") == 0.0  # a logit: σ(0) = 0.5
    assert probability(np.array([0.0]))[0] == 0.5
    np.testing.assert_allclose(probability(np.array([-800.0, 800.0, 2.0])),
                               [0.0, 1.0, 1 / (1 + np.exp(-2.0))], rtol=1e-15)


def test_features_by_how_much_they_go_with_the_target():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 4))
    X[:, 2] = 1.0  # constant: last
    y = 0.2 * X[:, 0] - 3.0 * X[:, 3] + 0.01 * rng.normal(size=200)
    assert by_correlation(X, y, [0, 1, 2, 3]) == [3, 0, 1, 2]
    assert by_correlation(X, y, [1, 0]) == [0, 1]
    assert by_correlation(builtin_dataset().X, builtin_dataset().y, range(5))[0] == 3
