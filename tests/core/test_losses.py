"""The losses on top of the graph: values and gradients against hand-derived ones and
finite differences, Huber on both sides of δ, cross-entropy at z = ±800 and its refusal of
targets other than 0 and 1, and the squared error unchanged."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.autodiff.engine import evaluate
from core.autodiff.formula import parse_formula
from core.autodiff.gradcheck import check_graph, kinks
from core.autodiff.losses import (
    LOSSES,
    LossError,
    check_delta,
    loss_of,
    target_problem,
    with_loss,
)
from core.autodiff.ops import FUNCTIONS, OPS
from core.data.datasets import DataError
from core.presets import resolve_graph
from core.training.config import ConfigError, TrainingConfig
from core.training.metrics import accuracy

#: y' = w·x1 + b: with x1 = 1, the prediction is w + b and dL/dw = dL/dy'.
LINEAR = "w*x1 + b"


def linear(loss: str, delta: float = 1.0):
    return with_loss(parse_formula(LINEAR), loss, delta)


def loss_and_slope(loss: str, y: float, z: float, delta: float = 1.0):
    """L and dL/dy' at prediction z (w = z, b = 0, x1 = 1)."""
    trace = evaluate(linear(loss, delta), [1.0], y, [0.0, z])
    return trace.loss, float(trace.weight_grads[1])  # weights (b, w)


@pytest.mark.parametrize(("y", "z"), [(1.0, 0.25), (-2.0, 1.5), (0.5, -3.0)])
def test_mse_and_mae_match_hand_derived_values(y, z):
    r = y - z
    assert loss_and_slope("mse", y, z) == (pytest.approx(r * r), pytest.approx(-2 * r))
    assert loss_and_slope("mae", y, z) == (pytest.approx(abs(r)),
                                           pytest.approx(-math.copysign(1.0, r)))


@pytest.mark.parametrize("delta", [0.5, 1.0, 2.5])
@pytest.mark.parametrize("r", [0.1, -0.3, 0.45, 0.7, -1.8, 2.0, -4.0, 9.0])
def test_huber_is_square_inside_delta_and_linear_beyond(delta, r):
    y, z = 1.0, 1.0 - r
    value, slope = loss_and_slope("huber", y, z, delta)
    if abs(r) <= delta:
        assert value == pytest.approx(0.5 * r * r)
        assert slope == pytest.approx(-r)  # dL/dy' = −clip(r) = −r
    else:
        assert value == pytest.approx(delta * (abs(r) - 0.5 * delta))
        assert slope == pytest.approx(-math.copysign(delta, r))


@pytest.mark.parametrize(("y", "z"), [(0.0, 0.3), (1.0, 0.3), (1.0, -2.0), (0.0, 4.0)])
def test_bce_matches_the_log_of_the_sigmoid(y, z):
    s = 1.0 / (1.0 + math.exp(-z))
    value, slope = loss_and_slope("bce", y, z)
    assert value == pytest.approx(-(y * math.log(s) + (1 - y) * math.log(1 - s)))
    assert slope == pytest.approx(s - y)  # dL/dz = σ(z) − y


@pytest.mark.parametrize(("y", "z", "expected_loss", "expected_slope"), [
    (1.0, 800.0, 0.0, 0.0), (0.0, -800.0, 0.0, 0.0),
    (0.0, 800.0, 800.0, 1.0), (1.0, -800.0, 800.0, -1.0)])
def test_bce_is_finite_and_right_at_huge_logits(y, z, expected_loss, expected_slope):
    value, slope = loss_and_slope("bce", y, z)
    assert value == expected_loss
    assert slope == expected_slope


@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_every_loss_passes_the_gradient_check_on_the_seed(loss, y):
    graph = with_loss(resolve_graph("seed")[0], loss, 0.3)
    rng = np.random.default_rng(3)
    for _ in range(3):
        weights = rng.normal(0.0, 1.0, len(graph.weights))
        x = rng.normal(0.0, 1.0, 5)
        if kinks(graph, x, y, weights):
            continue
        report = check_graph(graph, x, y, weights)
        assert report.verdict == "correct", (loss, report.relative_error)


def test_mse_is_the_graph_as_parsed_bit_for_bit():
    graph = resolve_graph("seed")[0]
    assert with_loss(graph, "mse") is graph
    assert list(TrainingConfig().build_graph()[0]) == list(graph)
    top = graph["loss"]
    assert (top.op, top.inputs, graph["residual"].inputs) == ("square", ("residual",),
                                                              ("y", "y_pred"))
    # The same numbers as (y − y')² written out.
    trace = evaluate(graph, [0.1, -0.2, 0.3, 0.4, -0.5], 0.7, [0.1] * 9)
    r = 0.7 - trace.values["y_pred"]
    assert trace.loss == r * r


def test_each_loss_is_a_node_named_L_with_its_ops():
    graph = resolve_graph("seed")[0]
    tops = {loss: with_loss(graph, loss, 0.5) for loss in LOSSES}
    assert {loss: g["loss"].op for loss, g in tops.items()} == {
        "mse": "square", "mae": "abs", "huber": "huber", "bce": "sub"}
    assert all(g["loss"].name == "L" and g.loss == "loss" for g in tops.values())
    assert tops["huber"]["loss"].param == 0.5
    bce = tops["bce"]
    assert {bce[i].op for i in bce["loss"].inputs} == {"softplus", "mul"}
    assert "residual" not in bce
    assert [loss_of(g) for g in tops.values()] == [
        ("mse", 1.0), ("mae", 1.0), ("huber", 0.5), ("bce", 1.0)]
    # The graph below y' is the same.
    assert tops["bce"].weights == graph.weights
    assert with_loss(graph, "huber", 0.5) is tops["huber"]  # cached


def test_new_ops_are_rows_of_the_table_and_huber_is_no_formula_function():
    assert {"softplus", "huber"} <= set(OPS)
    assert "softplus" in FUNCTIONS
    assert not {"huber", "pow"} & FUNCTIONS
    assert OPS["softplus"].evaluate((800.0,)) == 800.0
    assert OPS["softplus"].evaluate((-800.0,)) == 0.0


@pytest.mark.parametrize("bad", [0.5, 2.0, -1.0])
def test_bce_refuses_targets_other_than_0_and_1(bad):
    y = np.array([0.0, 1.0, 1.0, bad, 0.0, bad])
    message = target_problem("bce", y, "data.csv")
    assert message is not None
    assert f"sample 3 of data.csv has y = {bad:g}" in message
    assert "2 targets" in message
    assert target_problem("bce", np.array([0.0, 1.0]), "x") is None
    assert target_problem("mse", y, "x") is None


def test_config_refuses_bce_on_the_builtin_data():
    config = TrainingConfig(loss="bce")
    with pytest.raises(DataError, match=r"sample 0 of the built-in data has y = 1\.78"):
        config.load_data()


@pytest.mark.parametrize("delta", [0.0, -1.0, math.inf, math.nan, "1", True])
def test_delta_must_be_finite_and_positive(delta):
    with pytest.raises(LossError):
        check_delta(delta)
    with pytest.raises(ConfigError) as raised:
        TrainingConfig(loss="huber", delta=delta)
    assert raised.value.field == "delta"


def test_config_keeps_loss_and_delta_and_old_configs_load():
    config = TrainingConfig(loss=" Huber ", delta=0.25)
    assert (config.loss, config.delta) == ("huber", 0.25)
    again = TrainingConfig.from_json(config.to_json())
    assert (again.loss, again.delta) == ("huber", 0.25)
    old = config.to_dict()
    del old["loss"], old["delta"]
    assert (TrainingConfig.from_dict(old).loss, TrainingConfig.from_dict(old).delta) == (
        "mse", 1.0)
    assert config.build_graph()[0]["loss"].op == "huber"
    with pytest.raises(ConfigError, match="unknown loss"):
        TrainingConfig(loss="hinge")


def test_accuracy_reads_the_prediction_as_a_logit():
    assert accuracy(np.array([2.0, -1.0, 0.5, -3.0]), np.array([1.0, 0.0, 0.0, 1.0])) == 0.5
    assert accuracy(np.array([0.0]), np.array([0.0])) == 1.0  # 0 is not > 0: says 0
    assert math.isnan(accuracy(np.array([]), np.array([])))
    with pytest.raises(ValueError, match="3 predictions for 2 targets"):
        accuracy(np.zeros(3), np.zeros(2))


def test_a_loss_replaces_any_other_and_mse_comes_back_node_for_node():
    graph = resolve_graph("seed")[0]
    for first in LOSSES:
        for second in LOSSES:
            again = with_loss(with_loss(graph, first, 0.5), second, 2.0)
            assert loss_of(again) == (second, 2.0 if second == "huber" else 1.0)
            assert again.weights == graph.weights
            assert len(again) == len(with_loss(graph, second, 2.0))
    back = with_loss(with_loss(graph, "bce"), "mse")
    assert list(back) == list(graph)


@pytest.mark.parametrize("r", [0.5, 0.5 + 1e-9, 0.5 - 1e-9, -0.5, 0.0, 1e-9])
def test_huber_needs_no_kink_note_its_slope_is_continuous(r):
    """Huber's derivative (r clipped to [−δ, δ]) is continuous: at r = ±δ and at 0 the
    central differences agree with it, so unlike abs it is not listed as kinked."""
    graph = linear("huber", 0.5)
    # x1 = 1, b = 0: y' = w, r = y − w with y = 1.
    report = check_graph(graph, [1.0], 1.0, [0.0, 1.0 - r])
    assert report.verdict == "correct", report.relative_error
    assert kinks(graph, [1.0], 1.0, [0.0, 1.0 - r]) == []


def test_softplus_and_huber_scalar_functions_equal_the_array_ones_bit_for_bit():
    from core.autodiff.ops import ARRAY_NAMESPACE, SCALAR_NAMESPACE

    rng = np.random.default_rng(11)
    points = np.concatenate([rng.normal(0.0, 3.0, 2000), rng.uniform(-800, 800, 200),
                             [0.0, -0.0, 1e-300, -1e-300, 36.7, -36.7, 710.0, -750.0]])
    scalar = [SCALAR_NAMESPACE["softplus"](float(z)) for z in points]
    assert np.array_equal(scalar, ARRAY_NAMESPACE["softplus"](points))
    for delta in (0.1, 1.0, 3.0):
        scalar = [SCALAR_NAMESPACE["huber"](float(r), delta) for r in points]
        assert np.array_equal(scalar, ARRAY_NAMESPACE["huber"](points, delta))
