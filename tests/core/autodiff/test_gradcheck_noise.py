"""Noise-aware verdicts: a finite difference resolves a derivative only to its own
truncation and rounding error, and a difference within that is agreement."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from core.autodiff.engine import evaluate
from core.autodiff.formula import parse_formula
from core.autodiff.gradcheck import (
    NOISE_SAFETY,
    WeightCheck,
    check,
    check_graph,
    finite_difference_errors,
    numeric_gradient,
    weight_verdict,
)
from core.autodiff.rounding import MACHINE_EPSILON, loss_rounding_error
from core.presets import PRESETS
from tests.core.autodiff.formula_strategies import formulas
from tests.seed_reference import notebook_buggy_gradients, seed_gradients

EPS_RANGE = (1e-4, 1e-5, 1e-6, 1e-7, 1e-8)
#: Weight scales from the notebook's initialisation (0.01) to trained and wild weights.
WEIGHT_SCALES = (0.01, 0.3, 1.0, 2.0)
NOTEBOOK_BUGS = ("w1", "w2", "w3", "w6", "w7")


@pytest.fixture(scope="module")
def seed():
    return PRESETS["seed"].build()


def random_points(seed_value, count):
    """Seeded (x, y, w) draws: standardized features, targets of either sign, weights at
    every scale in turn."""
    rng = np.random.default_rng(seed_value)
    for i in range(count):
        scale = WEIGHT_SCALES[i % len(WEIGHT_SCALES)]
        yield rng.normal(size=5), 2.0 * rng.normal(), rng.normal(scale=scale, size=9)


def test_a_correct_gradient_is_never_flagged_for_any_eps_from_1e4_to_1e8(seed):
    checked = 0
    for x, y, w in random_points(11, 48):
        for eps in EPS_RANGE:
            report = check_graph(seed, x, y, w, eps)
            assert report.flagged == (), (eps, x, y, w, report)
            assert report.verdict == "correct"
            checked += 1
    assert checked == 48 * len(EPS_RANGE)


def test_the_hand_derived_gradient_is_never_flagged_either(seed):
    # Independent of the engine: the paper derivation of tests/seed_reference.py.
    for x, y, w in random_points(12, 8):
        for eps in EPS_RANGE:
            report = check_graph(seed, x, y, w, eps, analytic=seed_gradients(x, y, w))
            assert report.flagged == (), (eps, report)


def test_the_notebook_backward_is_always_flagged_on_exactly_its_five_weights(seed):
    wrong_verdicts = 0
    for x, y, w in random_points(13, 48):
        buggy = notebook_buggy_gradients(x, y, w)
        for eps in EPS_RANGE:
            report = check_graph(seed, x, y, w, eps, analytic=buggy)
            assert {c.name for c in report.flagged} == set(NOTEBOOK_BUGS), (eps, report)
            wrong_verdicts += sum(c.verdict == "wrong" for c in report.weights)
    # Flagged, and nearly always as surely wrong rather than merely suspicious.
    assert wrong_verdicts >= 0.9 * 48 * len(EPS_RANGE) * len(NOTEBOOK_BUGS)


def test_a_small_error_beyond_the_noise_is_flagged(seed):
    """A relative error of 1e-4 on one weight hides in the norm formula, not per weight."""
    x, y, w = next(random_points(14, 1))
    g = evaluate(seed, x, y, w).weight_grads
    g[8] *= 1.0 + 1e-4
    report = check_graph(seed, x, y, w, 1e-6, analytic=g)
    assert [c.name for c in report.flagged] == ["w9"]
    assert report.weights[8].verdict == "suspicious"


def test_weight_verdict_rule():
    assert weight_verdict(1e-5, 1.0001e-5, noise=1e-8) == "correct"  # rel. error 5e-5
    assert weight_verdict(1e-5, 1.0001e-5, noise=1e-10) == "suspicious"
    assert weight_verdict(1.0, 1.0 + 1e-9, noise=0.0) == "correct"  # course: < 1e-7
    assert weight_verdict(1.0, 2.0, noise=0.1) == "wrong"
    assert weight_verdict(1.0, 2.0, noise=math.inf) == "wrong"  # no estimate, no pass
    assert weight_verdict(math.nan, 1.0, noise=1.0) == "wrong"
    assert weight_verdict(1.0, math.nan, noise=math.nan) == "wrong"


def test_richardson_estimates_the_truncation_of_a_cubic():
    """For L = w^3, D(h) = 3 w^2 + h^2 exactly: the truncation error is h^2."""
    w, h = np.array([0.7]), 1e-2
    loss = lambda v: float(v[0] ** 3)  # noqa: E731
    numeric = numeric_gradient(loss, w, h)
    truncation, rounding = finite_difference_errors(numeric, numeric_gradient(loss, w, 2 * h),
                                                    loss_error=1e-16, eps=h)
    assert numeric[0] - 3 * 0.49 == pytest.approx(h * h, rel=1e-6)
    assert truncation[0] == pytest.approx(h * h, rel=1e-6)
    assert rounding == pytest.approx(1e-14)
    report = check(loss, [3 * 0.49], w, ["w"], eps=h)
    assert report.weights[0].noise == pytest.approx(NOISE_SAFETY * (h * h + rounding),
                                                    rel=1e-3)
    assert report.weights[0].verdict == "correct"
    assert report.weights[0].relative_error > 1e-5  # the course's rule alone says suspicious


def test_noise_and_resolution_of_a_weight_check():
    c = WeightCheck("w", 1e-6, 1.1e-6, 0.05, truncation=2e-8, rounding=4e-8)
    assert c.noise == pytest.approx(NOISE_SAFETY * 6e-8)
    assert c.resolution == pytest.approx(c.noise / 2.1e-6)
    assert c.verdict == "correct"
    assert WeightCheck("w", 0.0, 0.0, 0.0).resolution == 0.0
    assert WeightCheck("w", 1.0, 1.0, 0.0, truncation=math.inf).noise == math.inf


def exact_loss(graph, x, y, w):
    """The loss in exact rational arithmetic (graphs of +, -, *, square only)."""
    values = {name: Fraction(float(v)) for name, v in zip(graph.weights, w, strict=True)}
    for feature in graph.features:
        values[feature] = Fraction(float(x[graph[feature].column]))
    values[graph.target] = Fraction(float(y))
    rules = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b,
             "mul": lambda a, b: a * b, "square": lambda a: a * a}
    for node in graph.op_nodes():
        values[node.id] = rules[node.op](*(values[i] for i in node.inputs))
    return values[graph.loss]


def test_the_rounding_bound_bounds_the_actual_rounding_of_the_loss():
    graph = PRESETS["linear"].build()
    rng = np.random.default_rng(3)
    for _ in range(200):
        x, y, w = rng.normal(size=5) * 10, rng.normal() * 30, rng.normal(size=6) * 5
        trace = evaluate(graph, x, y, w)
        actual = abs(Fraction(trace.loss) - exact_loss(graph, x, y, w))
        bound = loss_rounding_error(trace)
        # Weights are exact here, so the bound minus their u|w| terms must still hold.
        assert actual <= Fraction(bound)
        assert bound >= MACHINE_EPSILON * abs(trace.loss)


def test_the_rounding_bound_by_hand_on_the_tiny_graph():
    """y' = w1 x1 + w2 with x1 = 3, w1 = 2, w2 = 1, y = 10: L = (10 - 7)^2 = 9.

    err(w1) = 2u, err(w2) = u; err(w1 x1) = 6u + 3 * 2u = 12u; err(y') = 7u + 12u + u = 20u;
    err(y - y') = 3u + 20u = 23u; err(L) = 9u + 2 * 3 * 23u = 147u.
    """
    graph = PRESETS["tiny"].build()
    trace = evaluate(graph, [3.0], 10.0, [2.0, 1.0])
    assert trace.loss == 9.0
    assert loss_rounding_error(trace) == pytest.approx(147 * MACHINE_EPSILON, rel=1e-12)


def test_an_overflowing_value_gives_no_noise_estimate_and_nan_gradients_stay_wrong(seed):
    """exp(3600) overflows: the bound is infinite, so no difference counts as noise; the
    nan gradients behind the overflow are wrong, the others meet the course's rule."""
    x, w = np.ones(5), np.full(9, 30.0)
    trace = evaluate(seed, x, 1.0, w)
    assert trace.first_nonfinite() is not None
    assert loss_rounding_error(trace) == math.inf
    report = check_graph(seed, x, 1.0, w)
    assert all(c.noise == math.inf for c in report.weights)
    assert {c.name for c in report.flagged} == {"w1", "w2", "w6"}
    assert report.verdict == "wrong"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(formula=formulas, seed=st.integers(0, 2**32 - 1),
       eps=st.sampled_from((1e-4, 1e-6, 1e-8)))
def test_any_graphs_correct_gradient_is_never_flagged_and_a_wrong_one_is(formula, seed, eps):
    """The rule is not tuned to the seed: on random formulas of every op, the engine's
    gradient agrees within the noise, and one derivative made 50% too large (where it is
    clearly bigger than the noise) is flagged."""
    graph = parse_formula(formula)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=max(graph.n_inputs, 1))
    w = rng.uniform(-1.0, 1.0, size=len(graph.weights))
    y = float(rng.uniform(-1.0, 1.0))
    trace = evaluate(graph, x, y, w)
    assume(trace.first_nonfinite() is None)
    assume(abs(trace.loss) < 1e6 and np.all(np.abs(trace.weight_grads) < 1e6))
    report = check_graph(graph, x, y, w, eps)
    assert report.flagged == (), (formula, eps, report)
    g = trace.weight_grads.copy()
    i = int(np.argmax(np.abs(g)))
    assume(abs(g[i]) > 100 * report.weights[i].noise)
    g[i] *= 1.5
    wrong = check_graph(graph, x, y, w, eps, analytic=g)
    assert [c.name for c in wrong.flagged] == [graph.weights[i]], (formula, wrong)
