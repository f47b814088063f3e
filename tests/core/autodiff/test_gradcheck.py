"""Gradient checking as library code: the norm formula, verdicts, the notebook's bugs."""

import numpy as np
import pytest

from core.autodiff.engine import loss_only
from core.autodiff.gradcheck import (
    CORRECT_BELOW,
    WRONG_ABOVE,
    check,
    check_graph,
    numeric_gradient,
    relative_error,
    verdict_for,
)
from core.presets import PRESETS
from tests.seed_reference import notebook_buggy_gradients, seed_gradients

RNG = np.random.default_rng(5)


@pytest.fixture(scope="module")
def seed():
    return PRESETS["seed"].build()


def test_engine_gradients_are_correct_on_the_seed(seed):
    for _ in range(10):
        x, w = RNG.normal(size=5), RNG.normal(scale=0.5, size=9)
        report = check_graph(seed, x, 1.8, w)
        assert report.verdict == "correct", report
        assert report.eps == 1e-7
        assert [c.name for c in report.weights] == list(seed.weights)


def test_notebook_backward_is_detected_as_wrong(seed):
    """The course notebook's tan(tanh) and dw3 bugs fail the check."""
    x, w = RNG.normal(size=5), RNG.normal(scale=0.5, size=9)
    report = check_graph(seed, x, 1.8, w, analytic=notebook_buggy_gradients(x, 1.8, w))
    assert report.verdict == "wrong"
    bad = {c.name for c in report.weights if c.verdict == "wrong"}
    assert {"w1", "w2", "w3", "w6", "w7"} <= bad
    assert {"w4", "w5", "w8", "w9"}.isdisjoint(bad)


def test_fixed_notebook_backward_passes(seed):
    x, w = RNG.normal(size=5), RNG.normal(scale=0.5, size=9)
    report = check_graph(seed, x, 1.8, w, analytic=seed_gradients(x, 1.8, w))
    assert report.verdict == "correct"


def test_numeric_gradient_matches_the_notebook_example():
    """f = w1^2 x1 x2 + ... at w1=1, x1=3, x2=4 (the notebook's worked example): 2 w1 x1 x2."""
    f = lambda w: w[0] ** 2 * 3 * 4 + w[1] * 4  # noqa: E731
    numeric = numeric_gradient(f, np.array([1.0, 2.0]), eps=1e-4)
    np.testing.assert_allclose(numeric, [24.0, 4.0], rtol=1e-8)


def test_norm_formula_and_all_zero_gradients():
    assert relative_error([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert relative_error([1.0, 0.0], [0.0, 0.0]) == 1.0
    assert relative_error([3.0, 4.0], [3.0, 4.0]) == 0.0
    assert relative_error([1.0, 0.0], [0.0, 1.0]) == pytest.approx(np.sqrt(2) / 2)
    report = check(lambda w: 5.0, [0.0, 0.0], [1.0, 2.0], ["a", "b"])
    assert report.relative_error == 0.0
    assert report.verdict == "correct"


def test_verdict_thresholds():
    assert verdict_for(CORRECT_BELOW / 2) == "correct"
    assert verdict_for(1e-5) == "suspicious"
    assert verdict_for(WRONG_ABOVE * 2) == "wrong"
    assert verdict_for(float("nan")) == "wrong"


def test_bad_eps_is_refused(seed):
    with pytest.raises(ValueError, match="eps"):
        check_graph(seed, np.ones(5), 1.0, np.ones(9), eps=0.0)
    with pytest.raises(ValueError, match="eps"):
        check_graph(seed, np.ones(5), 1.0, np.ones(9), eps=-1e-7)


def test_analytic_of_wrong_length_is_refused(seed):
    with pytest.raises(ValueError, match="9 gradient values"):
        check(lambda w: loss_only(seed, np.ones(5), 1.0, w), [1.0], np.ones(9), seed.weights)


def test_worst_weight_is_named(seed):
    x, w = RNG.normal(size=5), RNG.normal(scale=0.5, size=9)
    g = seed_gradients(x, 1.8, w)
    g[3] += 1.0
    report = check_graph(seed, x, 1.8, w, analytic=g)
    assert report.worst is not None
    assert report.worst.name == "w4"


def test_a_zero_gradient_against_rounding_noise_is_correct():
    # At an exact fit the analytic gradient is 0 and central differences give ~1e-16 of
    # rounding: that is agreement, not a wrong backward pass.
    assert relative_error([0.0, 0.0], [-2.2e-16, 2.2e-16]) == 0.0
    assert relative_error([1e-9], [0.0]) == 1.0
    x = np.linspace(-1.0, 1.0, 10)
    graph = PRESETS["tiny"].build()
    report = check_graph(graph, [x[0]], 2 * x[0] + 1, [2.0, 1.0])
    assert report.verdict == "correct"
