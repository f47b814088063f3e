"""The two passes the verdict stands on: the extended-precision reference and the running
error bound of float64 rounding, for every op of the table."""

import math

import numpy as np
import pytest

from core.autodiff.compiled import compiled_graph
from core.autodiff.formula import parse_formula
from core.autodiff.losses import with_loss
from core.autodiff.ops import OPS
from core.backward_check.exact import EXTENDED, extended_losses, extended_pass, rounding_bounds
from core.backward_check.points import sample_points
from core.data.datasets import Dataset
from core.presets import resolve_graph

#: Formulas that use every op of the table between them.
FORMULAS = {
    "seed": None,
    "mlp": None,
    "pow": "(w1*x1 + 2)**3 + w2*x2",
    "sqrt_log": "sqrt(w1*w1*x1*x1 + 1) + log(w2*w2 + 1)*x2",
    "relu_abs": "relu(w1*x1) + abs(w2*x2 - 0.5)",
    "div_cos_neg": "w1/(x1*x1 + 1) + cos(w2*x2) - (-(w1*w2))",
    "softplus_huber": "softplus(w1*x1) - w2*x2",
}
#: Formulas with another loss than the squared error on top (and Huber's δ).
LOSSES_ON = {"softplus_huber": ("huber", 0.5)}


def parse(name, formula):
    return with_loss(parse_formula(formula), *LOSSES_ON.get(name, ("mse", 1.0)))


def test_the_formulas_use_every_op():
    used = set()
    for name, formula in FORMULAS.items():
        graph = resolve_graph(name)[0] if formula is None else parse(name, formula)
        used |= {graph[n].op for n in graph.order if graph[n].op}
    assert used == set(OPS)


@pytest.mark.parametrize("name", FORMULAS)
def test_the_engine_is_within_its_error_bound_of_the_extended_gradient(name):
    formula = FORMULAS[name]
    if formula is None:
        graph, preset = resolve_graph(name)
        dataset = preset.dataset()
    else:
        graph = parse(name, formula)
        rng = np.random.default_rng(1)
        dataset = Dataset(rng.normal(0.0, 1.0, (60, 2)), rng.normal(0.0, 1.0, 60), "test")
    points = sample_points(graph, dataset, None, np.random.default_rng(0))
    x = np.array([p.x for p in points])
    y = np.array([p.y for p in points])
    w = np.array([p.w for p in points])
    truth = extended_pass(graph, x, y, w)
    bounds = rounding_bounds(graph, x, y, w)
    assert truth.grads.dtype == np.longdouble
    sample = compiled_graph(graph).sample
    engine = np.array([sample(x[k].tolist(), float(y[k]), w[k].tolist())[1]
                       for k in range(len(points))])
    losses = np.array([sample(x[k].tolist(), float(y[k]), w[k].tolist())[0]
                       for k in range(len(points))])
    if EXTENDED:
        error = np.abs(engine - truth.grads).astype(float)
        assert (error <= bounds.grads).all()
        assert (np.abs(losses - truth.loss).astype(float) <= bounds.loss).all()
        # A bound, not a guess orders of magnitude too large: some errors reach 1% of it.
        with np.errstate(invalid="ignore", divide="ignore"):
            assert np.nanmax(error / bounds.grads) > 0.01
    assert np.allclose(extended_losses(graph, x, y, w), truth.loss, rtol=0, atol=0)


def test_a_saturated_tanh_has_an_exact_zero_derivative_and_a_bound_of_a_few_roundoffs():
    graph = parse_formula("tanh(w1*x1)")
    x, y, w = np.array([[1.0]]), np.array([0.5]), np.array([[30.0]])
    bounds = rounding_bounds(graph, x, y, w)
    engine = compiled_graph(graph).sample([1.0], 0.5, [30.0])[1][0]
    assert engine == 0.0  # 1 - tanh(30)² rounds to 0
    # dL/dw = 2 (y' - y) (1 - t²) x: the bound counts the rounding of 1 - t·t, about
    # 3 units of roundoff, times 2 |y' - y| |x| = 1.
    assert 1e-16 < bounds.grads[0, 0] < 1e-14
    truth = extended_pass(graph, x, y, w).grads[0, 0]
    assert abs(truth) <= 1e-18  # long double rounds 1 - tanh² too, 1e-19 absolute


@pytest.mark.skipif(not EXTENDED, reason="np.longdouble is float64 on this machine")
def test_the_extended_pass_resolves_a_nearly_saturated_tanh():
    # At tanh(10), 1 - t² = sech²(10) = 8.2e-9: float64's 1 - t·t keeps about 8 digits of
    # it, long double's about 11.
    graph = parse_formula("tanh(w1*x1)")
    truth = extended_pass(graph, np.array([[1.0]]), np.array([0.5]), np.array([[10.0]]))
    e = math.exp(-20.0)
    sech2 = 4.0 * e / (1.0 + e) ** 2
    exact = 2.0 * (math.tanh(10.0) - 0.5) * sech2
    assert abs(float(truth.grads[0, 0]) - exact) <= 1e-10 * abs(exact)
