"""The verdict on a student's gradients: exact to within float64 rounding at every point, or
wrong; a numerical derivative is flagged; close calls settled in extended precision.

The students' backward passes run here in the test's own process (the sandbox is not what
is tested): each is a function of ``(x, y, w, forward_dict)`` as the notebook's."""

import importlib.util
import math
import time
from decimal import Decimal, localcontext

import numpy as np
import pytest

from core.autodiff.compiled import compiled_graph
from core.autodiff.engine import evaluate
from core.autodiff.formula import parse_formula
from core.backward_check.exact import EXTENDED, extended_pass
from core.backward_check.points import point_at, sample_points
from core.backward_check.verdict import (
    CLOSE_CALL,
    NUMERICAL_MESSAGE,
    judge,
    tolerances,
)
from core.presets import PRESETS, dense_network_formula, resolve_graph
from tests.conftest import ROOT
from tests.seed_reference import seed_gradients

EXAMPLES = ROOT / "resources" / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CORRECT = load("correct_backward")
NOTEBOOK = load("notebook_backward")


def consistent(verdict):
    """A verdict agrees with itself: a weight is ok exactly when its worst error is within
    the tolerance, and the whole is correct exactly when every weight is ok."""
    for weight in verdict.weights:
        assert (weight.status == "ok") == (weight.ratio <= 1.0), weight
        assert (weight.status == "ok") == (weight.wrong_points == 0), weight
    assert verdict.correct == all(w.status == "ok" for w in verdict.weights)
    assert verdict.correct == (verdict.worst_ratio <= 1.0)
    return verdict


def run(backward, points):
    """The student's dicts at every point, as the notebook's backward returns them."""
    return [{key: float(value) for key, value in
             backward(np.array(p.x), p.y, np.array(p.w), dict(p.forward_dict)).items()}
            for p in points]


# -- Students --------------------------------------------------------------------------------

def notebook_formulas(x, y, w, forward_dict):
    """The notebook's formulas with its mistakes fixed, every intermediate recomputed from
    x and w in the notebook's own order (not read from the forward dict)."""
    val = (w[0]*x[0] + w[1]*x[1])**2 + w[5]
    exp = np.exp(val)
    tanh = np.tanh(exp + w[6])
    v1 = np.sin(w[2]*x[2])
    v2 = w[3]*x[3] + w[4]*x[4]
    sig = 1 / (1 + np.exp(-(v1*v2 + w[7])))
    dy_pred = -2 * (y - (tanh + sig*w[8]))
    return {
        "dw1": dy_pred * (1 - tanh**2) * exp * (2*(w[0]*x[0] + w[1]*x[1])*x[0]),
        "dw2": dy_pred * (1 - tanh**2) * exp * (2*(w[0]*x[0] + w[1]*x[1])*x[1]),
        "dw3": dy_pred * w[8] * sig*(1 - sig) * v2 * np.cos(w[2]*x[2]) * x[2],
        "dw4": dy_pred * w[8] * sig*(1 - sig) * v1 * x[3],
        "dw5": dy_pred * w[8] * sig*(1 - sig) * v1 * x[4],
        "dw6": dy_pred * (1 - tanh**2) * exp,
        "dw7": dy_pred * (1 - tanh**2),
        "dw8": dy_pred * w[8] * sig*(1 - sig),
        "dw9": dy_pred * sig,
    }


def rearranged(x, y, w, forward_dict):
    """Correct, with the square expanded, the products distributed and dL/dy' written as
    2 y' - 2 y from its terms: other algebraic forms of the same chain."""
    a, b = w[0]*x[0], w[1]*x[1]
    exp = np.exp(a*a + 2*a*b + b*b + w[5])
    tanh = np.tanh(exp + w[6])
    v1 = np.sin(w[2]*x[2])
    v2 = w[3]*x[3] + w[4]*x[4]
    sig = 1 / (1 + np.exp(-(v1*v2 + w[7])))
    dy = 2*tanh + 2*sig*w[8] - 2*y
    dexp = dy * (1 - tanh*tanh) * exp
    dz = dy * w[8] * sig * (1 - sig)
    return {"dw1": 2*dexp*(w[0]*x[0]*x[0] + w[1]*x[1]*x[0]),
            "dw2": 2*dexp*(w[0]*x[0]*x[1] + w[1]*x[1]*x[1]),
            "dw3": dz * v2 * np.cos(w[2]*x[2]) * x[2], "dw4": dz * v1 * x[3],
            "dw5": dz * v1 * x[4], "dw6": dexp, "dw7": dy * (1 - tanh*tanh), "dw8": dz,
            "dw9": dy * sig}


def sech2(a):
    """sech² a, exactly where 1 - tanh² a rounds to 0: 4 e^(-2|a|) / (1 + e^(-2|a|))²."""
    e = np.exp(-2.0 * abs(a))
    return 4.0 * e / (1.0 + e)**2


def exact_sech2(x, y, w, forward_dict):
    """Correct, with sech² and σ' computed from their inputs, not as 1 - tanh² and
    s (1 - s): nonzero (4e-26 ...) where the engine's tanh and sigmoid saturate to 1.0."""
    grads = CORRECT.backward_propagation(x, y, w, forward_dict)
    dy = forward_dict["dy_pred"]
    s = w[0]*x[0] + w[1]*x[1]
    dtanh = dy * sech2(forward_dict["exp"] + w[6])
    dexp = dtanh * forward_dict["exp"]
    z = forward_dict["v1"] * forward_dict["v2"] + w[7]
    dz = dy * w[8] * sech2(z / 2.0) / 4.0  # σ'(z) = sech²(z/2) / 4
    grads.update(dw1=dexp*2*s*x[0], dw2=dexp*2*s*x[1], dw6=dexp, dw7=dtanh, dw8=dz,
                 dw3=dz * forward_dict["v2"] * np.cos(w[2]*x[2]) * x[2],
                 dw4=dz * forward_dict["v1"] * x[3], dw5=dz * forward_dict["v1"] * x[4])
    return grads


def zeros(x, y, w, forward_dict):
    return {f"dw{i}": 0.0 for i in range(1, 10)}


def central_differences(eps):
    """A "backward" that is central differences of the student's own forward pass."""
    def backward(x, y, w, forward_dict):
        grads = {}
        for i in range(9):
            plus, minus = w.copy(), w.copy()
            plus[i] += eps
            minus[i] -= eps
            grads[f"dw{i + 1}"] = (CORRECT.forward_propagation(x, y, plus)["loss"]
                                   - CORRECT.forward_propagation(x, y, minus)["loss"]) / (2*eps)
        return grads
    return backward


def five_point_stencil(h):
    """A fourth-order difference quotient: (-L(2h) + 8 L(h) - 8 L(-h) + L(-2h)) / 12h."""
    def backward(x, y, w, forward_dict):
        grads = {}
        for i in range(9):
            total = 0.0
            for k, c in ((-2, 1.0), (-1, -8.0), (1, 8.0), (2, -1.0)):
                shifted = w.copy()
                shifted[i] += k * h
                total += c * CORRECT.forward_propagation(x, y, shifted)["loss"]
            grads[f"dw{i + 1}"] = total / (12 * h)
        return grads
    return backward


def complex_step(x, y, w, forward_dict):
    """Im L(w + i h e_k) / h with h = 1e-30: a derivative exact to rounding."""
    grads = {}
    for k in range(9):
        wc = w.astype(complex)
        wc[k] += 1e-30j
        s = wc[0]*x[0] + wc[1]*x[1]
        tanh = np.tanh(np.exp(s*s + wc[5]) + wc[6])
        sig = 1 / (1 + np.exp(-(np.sin(wc[2]*x[2]) * (wc[3]*x[3] + wc[4]*x[4]) + wc[7])))
        grads[f"dw{k + 1}"] = ((y - (tanh + sig*wc[8]))**2).imag / 1e-30
    return grads


def wrong_above_4(x, y, w, forward_dict):
    """Correct unless some weight exceeds 4 in size; then 1% off."""
    grads = CORRECT.backward_propagation(x, y, w, forward_dict)
    if np.max(np.abs(w)) > 4:
        grads = {key: value * 1.01 for key, value in grads.items()}
    return grads


def dw3_sign_slip_above_4(x, y, w, forward_dict):
    """Correct unless w3 > 4; then dw3's sign is wrong."""
    grads = CORRECT.backward_propagation(x, y, w, forward_dict)
    if w[2] > 4:
        grads["dw3"] = -grads["dw3"]
    return grads


# -- The shipped examples --------------------------------------------------------------------

def test_the_notebooks_backward_is_wrong_on_w1_w2_w3_w6_w7(seed, points):
    graph, _ = seed
    verdict = consistent(judge(graph, points, run(NOTEBOOK.backward_propagation, points)))
    assert not verdict.correct
    assert verdict.wrong == ("w1", "w2", "w3", "w6", "w7")
    assert not verdict.numerical_derivative_suspected
    statuses = {v.name: v.status for v in verdict.weights}
    assert statuses["w9"] == "ok" and statuses["w8"] == "ok"
    assert verdict.message.startswith("dw1, dw2, dw3, dw6, dw7 wrong; the worst, ")
    worst = verdict.worst
    assert worst.error > 1e3 * worst.tolerance
    # The worst point is reported: the student's and the exact value there.
    point = points[worst.worst_point]
    assert points[worst.worst_point].describe() in verdict.message
    exact = evaluate(graph, point.x, point.y, point.w).weight_grads
    assert worst.exact == pytest.approx(exact[graph.weights.index(worst.name)], rel=1e-14)


@pytest.mark.parametrize("backward", [CORRECT.backward_propagation, notebook_formulas,
                                      exact_sech2, rearranged],
                         ids=["correct_example", "notebook_formulas", "exact_sech2",
                              "rearranged"])
def test_a_correct_backward_is_correct_at_every_point(seed, points, backward):
    graph, _ = seed
    verdict = consistent(judge(graph, points, run(backward, points)))
    assert verdict.correct, verdict.message
    assert verdict.wrong == ()
    assert not verdict.numerical_derivative_suspected
    assert all(v.status == "ok" and v.wrong_points == 0 for v in verdict.weights)
    # Far inside the tolerance: the worst error is under a tenth of it.
    assert verdict.worst_ratio < 0.1
    assert verdict.message == (f"correct at all 40 points (the largest error is "
                               f"{verdict.worst_ratio:.2g} of the tolerance)")


def test_the_points_include_saturation_where_the_engines_derivative_is_exactly_zero(points):
    saturated = [p for p in points if abs(p.forward_dict["tanh"]) == 1.0]
    assert len(saturated) >= 5
    # There the engine's 1 - tanh² is 0 and at some a correct sech² is not (it is judged
    # correct with the others by test_a_correct_backward_is_correct_at_every_point).
    assert all(1.0 - p.forward_dict["tanh"]**2 == 0.0 for p in saturated)
    assert any(sech2(p.forward_dict["exp"] + p.w[6]) > 0.0 for p in saturated)


def test_saturated_tanh_and_sigmoid_pass_with_either_formula(seed):
    graph, dataset = seed
    x, y = dataset.row(3)
    # tanh(exp(...) + w7) with w7 = 25: 1.0 in float64, sech² = 7.7e-22; sigmoid(z) with
    # w8 = 40: 1.0, σ' = 4e-18; and both with large arguments.
    weights = [[0.3, -0.2, 0.5, 0.4, -0.3, 0.1, 25.0, 40.0, 2.0],
               [0.3, -0.2, 0.5, 0.4, -0.3, 0.1, -25.0, -40.0, -2.0],
               [0.3, -0.2, 0.5, 0.4, -0.3, 3.0, 0.0, 38.0, 1.0]]
    points = [point_at(graph, x, y, w) for w in weights]
    for p in points:
        assert abs(p.forward_dict["tanh"]) == 1.0
        assert p.forward_dict["sigmoid"] in (0.0, 1.0) or 1 - p.forward_dict["sigmoid"] == 1.0
    for backward in (CORRECT.backward_propagation, notebook_formulas, exact_sech2):
        student = run(backward, points)
        verdict = judge(graph, points, student)
        assert verdict.correct, verdict.message
    # The two formulas give different numbers there: one is exactly 0, the other not.
    assert run(exact_sech2, points)[0]["dw7"] != run(CORRECT.backward_propagation,
                                                     points)[0]["dw7"]


# -- Wrong ones ------------------------------------------------------------------------------

def test_all_zeros_is_wrong_and_not_a_numerical_derivative(seed, points):
    graph, _ = seed
    verdict = judge(graph, points, run(zeros, points))
    assert not verdict.correct
    assert set(verdict.wrong) == set(graph.weights)
    assert not verdict.numerical_derivative_suspected


@pytest.mark.parametrize("eps", [1e-4, 1e-5, 1e-6, 1e-7])
def test_central_differences_are_flagged_and_not_correct(seed, points, eps):
    graph, _ = seed
    started = time.perf_counter()
    verdict = consistent(judge(graph, points, run(central_differences(eps), points)))
    assert time.perf_counter() - started < 5.0
    assert not verdict.correct
    assert verdict.numerical_derivative_suspected
    assert verdict.message.startswith(NUMERICAL_MESSAGE)
    # The step found is the one used, to within a factor of ten.
    assert verdict.numerical_step is not None
    assert eps / 10 <= verdict.numerical_step <= eps * 10
    # Off by far more than rounding: a million tolerances or more.
    assert verdict.worst_ratio > 1e5


@pytest.mark.parametrize("h", [1e-3, 1e-4])
def test_a_fourth_order_stencil_is_not_correct_either(seed, points, h):
    graph, _ = seed
    verdict = judge(graph, points, run(five_point_stencil(h), points))
    assert not verdict.correct
    assert verdict.numerical_derivative_suspected
    assert verdict.worst_ratio > 1e4


def test_a_complex_step_derivative_is_exact_and_passes(seed, points):
    # Out of reach of a verdict on numbers, and no numerical derivative in the sense of a
    # difference quotient: Im L(w + ih) / h is the derivative to rounding.
    graph, _ = seed
    with np.errstate(over="ignore", invalid="ignore"):
        student = run(complex_step, points)
    assert judge(graph, points, student).correct


@pytest.mark.parametrize("backward", [wrong_above_4, dw3_sign_slip_above_4],
                         ids=["any_weight_1pc", "dw3_sign"])
def test_a_backward_wrong_only_for_weights_above_4_is_caught(seed, points, backward):
    graph, _ = seed
    verdict = judge(graph, points, run(backward, points))
    assert not verdict.correct
    assert not verdict.numerical_derivative_suspected
    # Wrong only where the condition holds; right elsewhere.
    for weight in verdict.weights:
        if weight.status == "wrong":
            point = points[weight.worst_point]
            assert max(abs(v) for v in point.w) > 4
    if backward is dw3_sign_slip_above_4:
        assert verdict.wrong == ("w3",)


@pytest.mark.parametrize(("relative", "correct"), [(1e-15, True), (1e-12, False),
                                                    (1e-9, False)])
def test_the_engines_gradients_scaled_a_little(seed, points, relative, correct):
    # 1e-15 relative (4.5 units of roundoff) is rounding; 1e-12 is not, at every point.
    graph, _ = seed
    student = [{f"d{name}": float(g * (1 + relative)) for name, g in
                zip(graph.weights, evaluate(graph, p.x, p.y, p.w).weight_grads, strict=True)}
               for p in points]
    verdict = consistent(judge(graph, points, student))
    assert verdict.correct is correct, verdict.message
    assert not verdict.numerical_derivative_suspected  # a scaled gradient is not one


@pytest.mark.skipif(not EXTENDED, reason="np.longdouble is float64 on this machine: close "
                    "calls get a tolerance widened by the engine's error")
@pytest.mark.parametrize(("fraction", "correct"), [(0.9, True), (-0.9, True), (1.1, False),
                                                    (-1.1, False)])
def test_both_sides_of_the_tolerance(seed, points, fraction, correct):
    # The exact gradient plus a fraction of the tolerance at each point and weight.
    graph, _ = seed
    _, tol = tolerances(graph, points)
    x = np.array([p.x for p in points])
    exact = extended_pass(graph, x, np.array([p.y for p in points]),
                          np.array([p.w for p in points])).grads
    values = exact + np.longdouble(fraction) * tol
    student = [{f"d{name}": float(values[p, k]) for k, name in enumerate(graph.weights)}
               for p in range(len(points))]
    verdict = consistent(judge(graph, points, student))
    assert verdict.correct is correct
    assert verdict.worst_ratio == pytest.approx(abs(fraction), rel=0.05)
    if not correct:  # outside the tolerance of the engine's value, inside 1000 times it
        assert verdict.settled > 0
        assert verdict.worst.error < CLOSE_CALL * verdict.worst.tolerance


def test_non_finite_values_are_wrong(seed, points):
    graph, _ = seed
    for bad in (math.nan, math.inf, -math.inf, 10**400):
        student = run(CORRECT.backward_propagation, points)
        student[7]["dw4"] = bad
        verdict = judge(graph, points, student)
        assert not verdict.correct
        assert verdict.wrong == ("w4",)
        assert verdict.worst.worst_point == 7
        assert verdict.worst.error == math.inf
        assert not verdict.numerical_derivative_suspected


def test_values_of_the_wrong_type_are_refused_in_one_line(seed, points):
    graph, _ = seed
    good = run(CORRECT.backward_propagation, points)
    for bad, name in (("0.5", "str"), ([0.5], "list"), (None, "NoneType"), (True, "bool"),
                      (1j, "complex")):
        student = [dict(d) for d in good]
        student[2]["dw5"] = bad
        with pytest.raises(ValueError, match=f"^point 2: dw5 is {name}, expected a number$"):
            judge(graph, points, student)
    student = [dict(d) for d in good]
    del student[0]["dw1"]
    with pytest.raises(ValueError, match="point 0: no dw1"):
        judge(graph, points, student)
    with pytest.raises(ValueError, match="39 sets of gradients for 40 points"):
        judge(graph, points, good[:-1])
    with pytest.raises(ValueError, match="point 1: the gradients are list"):
        judge(graph, points, [good[0], [1.0] * 9, *good[2:]])
    with pytest.raises(ValueError, match="no points"):
        judge(graph, [], [])
    # Plain weight names are taken too; numpy numbers and ints are numbers.
    renamed = [{k[1:]: np.float64(v) for k, v in d.items()} for d in good]
    assert judge(graph, points, renamed).correct


# -- Independent values ----------------------------------------------------------------------

def test_the_gradients_at_zero_weights_equal_hand_derived_values_to_20_digits(seed):
    # At w = 0: s = 0, exp = 1, y' = tanh(1), the sigmoid's branch is 0 (w9 = 0, v1 = 0),
    # so dw6 = dw7 = dy sech²(1), dw9 = dy σ(0) = dy / 2 with dy = -2 (y - tanh 1), and the
    # other six are exactly 0.  Computed here with 40-digit decimals.
    graph, dataset = seed
    x, y = dataset.row(11)
    with localcontext() as context:
        context.prec = 40
        e2 = Decimal(2).exp()
        tanh1 = (e2 - 1) / (e2 + 1)
        dy = -2 * (Decimal(y) - tanh1)
        hand = {"w6": dy * (1 - tanh1 * tanh1), "w7": dy * (1 - tanh1 * tanh1), "w9": dy / 2}
    truth = extended_pass(graph, np.array([x]), np.array([y]), np.zeros((1, 9))).grads[0]
    for k, name in enumerate(graph.weights):
        expected = hand.get(name, Decimal(0))
        got = Decimal(np.format_float_scientific(truth[k], unique=True))
        tolerance = Decimal("1e-18") if EXTENDED else Decimal("1e-15")
        assert abs(got - expected) <= tolerance * abs(expected), name
    point = point_at(graph, x, y, np.zeros(9))
    student = [{f"d{name}": float(hand.get(name, Decimal(0))) for name in graph.weights}]
    verdict = judge(graph, [point], student)
    assert verdict.correct and verdict.worst_ratio < 0.1


def test_the_hand_derived_seed_gradients_are_correct(seed, points):
    # tests/seed_reference.py derives the seed's gradients on paper, sharing no code.
    graph, _ = seed
    student = [dict(zip((f"dw{i}" for i in range(1, 10)), seed_gradients(p.x, p.y, p.w),
                        strict=True)) for p in points]
    verdict = judge(graph, points, student)
    assert verdict.correct, verdict.message


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_presets_numpy_gradients_are_correct_and_its_differences_not(name):
    # The batch path computes the gradients with numpy's functions on arrays (the engine's
    # are math's, on floats): another implementation, equally exact.
    graph, preset = resolve_graph(name)
    points = sample_points(graph, preset.dataset(), None, np.random.default_rng(4))
    x = np.array([p.x for p in points])
    y = np.array([p.y for p in points])
    w = np.array([p.w for p in points])
    compiled = compiled_graph(graph)
    batch = np.array([compiled.batch(x[k:k + 1], y[k:k + 1], w[k])[1][0]
                      for k in range(len(points))])
    student = [{f"d{n}": float(g) for n, g in zip(graph.weights, row, strict=True)}
               for row in batch]
    assert judge(graph, points, student).correct
    numeric = [{f"d{n}": float(g) for n, g in zip(graph.weights, compiled.numeric_gradient(
        p.x, p.y, p.w, 1e-5), strict=True)} for p in points]
    verdict = judge(graph, points, numeric)
    assert not verdict.correct and verdict.numerical_derivative_suspected


def test_at_an_exact_fit_a_correct_backward_passes_and_differences_are_flagged(seed):
    # The built-in data's targets are the seed's output with every weight 1: at the current
    # weights all ones the loss and every gradient are 0, and a difference quotient is off
    # by all of itself there.
    graph, dataset = seed
    points = sample_points(graph, dataset, np.ones(9), np.random.default_rng(3))
    assert all(p.forward_dict["loss"] == 0.0 for p in points[:4])
    for backward in (CORRECT.backward_propagation, notebook_formulas, exact_sech2):
        assert judge(graph, points, run(backward, points)).correct
    verdict = judge(graph, points, run(central_differences(1e-5), points))
    assert not verdict.correct and verdict.numerical_derivative_suspected


def test_huge_and_tiny_values_are_judged_without_warnings(seed, points):
    # pytest turns numpy's overflow warnings into errors: none may escape.
    graph, _ = seed
    for bad in (1e308, -1.7e308, 1e-300):
        student = run(CORRECT.backward_propagation, points)
        student[3]["dw2"] = student[5]["dw2"] = bad
        verdict = judge(graph, points, student)
        assert verdict.wrong == ("w2",)
        assert verdict.worst.worst_point in (3, 5)
    scaled = [{key: value * 1e300 for key, value in d.items()}
              for d in run(CORRECT.backward_propagation, points)]
    assert set(judge(graph, points, scaled).wrong) == set(graph.weights)


def test_a_large_network_is_judged_and_its_differences_recognised_in_bounded_time():
    # 5-10-1: 71 weights, 209 nodes; the numerical comparison looks at the 9 weights
    # furthest off.
    graph = parse_formula(dense_network_formula(5, 10))
    _, preset = resolve_graph("seed")
    points = sample_points(graph, preset.dataset(), None, np.random.default_rng(0))
    compiled = compiled_graph(graph)
    numeric = [{f"d{n}": float(g) for n, g in zip(graph.weights, compiled.numeric_gradient(
        p.x, p.y, p.w, 1e-5), strict=True)} for p in points]
    started = time.perf_counter()
    verdict = judge(graph, points, numeric)
    assert time.perf_counter() - started < 10.0
    assert not verdict.correct and verdict.numerical_derivative_suspected


@pytest.mark.parametrize("relative", [1e-3, 1e-6])
def test_a_slip_in_one_weights_formula_is_wrong_not_numerical(seed, points, relative):
    graph, _ = seed

    def slip(x, y, w, forward_dict):
        grads = CORRECT.backward_propagation(x, y, w, forward_dict)
        grads["dw9"] *= 1 + relative
        return grads

    verdict = judge(graph, points, run(slip, points))
    assert verdict.wrong == ("w9",)
    assert not verdict.numerical_derivative_suspected
