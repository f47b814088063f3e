"""Optimizers: one update against hand-computed numbers, validation, refused updates."""

import ast
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.training.optimizers import (
    OPTIMIZERS,
    Hyperparameter,
    HyperparameterError,
    NonFiniteUpdateError,
    Optimizer,
    make_optimizer,
)

W0 = [1.0, -2.0]
G0 = [0.5, -0.25]


def _step(name, times=1, **values):
    optimizer = make_optimizer(name, 2, **values)
    w = list(W0)
    for _ in range(times):
        optimizer.update(w, G0)
    return optimizer, w


def test_registry_names_and_titles():
    assert list(OPTIMIZERS) == ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam",
                                "adamw"]
    for name, cls in OPTIMIZERS.items():
        assert cls.name == name
        assert cls.title
        assert cls.hyperparameters[0].name == "lr"
        for h in cls.hyperparameters:
            assert h.validate(h.default) == h.default
            assert "\n" not in h.doc and h.doc


def test_notebook_defaults():
    adam = make_optimizer("adam", 9)
    assert dict(adam.values) == {"lr": 0.01, "beta1": 0.9, "beta2": 0.99, "eps": 1e-7}
    assert dict(make_optimizer("momentum", 9).values) == {"lr": 0.01, "gamma": 0.9}
    assert make_optimizer("sgd", 9).values["lr"] == 0.01


def test_sgd_one_update():
    _, w = _step("sgd", lr=0.1)
    assert w == pytest.approx([0.95, -1.975], abs=1e-15)


def test_momentum_follows_the_notebook_rule_over_two_updates():
    # v1 = 0.1 g = (0.05, -0.025);  v2 = 0.9 v1 + 0.1 g = (0.095, -0.0475);  w -= v each time.
    optimizer, w = _step("momentum", times=2, lr=0.1, gamma=0.9)
    assert w == pytest.approx([1 - 0.05 - 0.095, -2 + 0.025 + 0.0475], abs=1e-15)
    assert optimizer.state()["velocity"] == pytest.approx([0.095, -0.0475], abs=1e-15)


def test_nesterov_one_update():
    # v = 0.1 g;  w -= 0.9 v + 0.1 g = 1.9 * 0.1 g.
    _, w = _step("nesterov", lr=0.1, gamma=0.9)
    assert w == pytest.approx([1 - 0.095, -2 + 0.0475], abs=1e-15)


def test_adagrad_one_update():
    # G = g^2, so the first step is lr * g / (|g| + eps): lr * sign(g), a hair shorter.
    optimizer, w = _step("adagrad", lr=0.1, eps=1e-7)
    assert w == pytest.approx([1 - 0.05 / 0.5000001, -2 + 0.025 / 0.2500001], abs=1e-15)
    assert optimizer.state()["sum_squares"] == pytest.approx([0.25, 0.0625])


def test_rmsprop_one_update():
    # E = (1 - rho) g^2, so the step is lr * g / (sqrt(0.1) |g| + eps) ~ lr / sqrt(0.1).
    _, w = _step("rmsprop", lr=0.1, rho=0.9, eps=1e-7)
    step = 0.1 / math.sqrt(0.1)
    assert w == pytest.approx([1 - step, -2 + step], abs=1e-5)
    assert w[0] == pytest.approx(1 - 0.05 / (math.sqrt(0.025) + 1e-7), abs=1e-15)


def test_adam_first_update_is_bias_corrected():
    # m = 0.1 g, v = 0.01 g^2; bias correction gives m_hat = g, v_hat = g^2, so the first step
    # is lr * g / (|g| + eps): almost exactly lr against the sign of the gradient.  (Without
    # the correction, as in the notebook, it would be lr * 10 g / (10 |g| + ...) too, but
    # later steps would differ; the two-step test below pins them.)
    optimizer, w = _step("adam", lr=0.1)
    assert w == pytest.approx([1 - 0.05 / 0.5000001, -2 + 0.025 / 0.2500001], abs=1e-15)
    state = optimizer.state()
    assert state["m"] == pytest.approx([0.05, -0.025], abs=1e-15)
    assert state["v"] == pytest.approx([0.0025, 0.000625], abs=1e-15)
    assert state["t"].tolist() == [1]


def test_adam_second_update_by_hand():
    _, w = _step("adam", times=2, lr=0.1)
    g, w1 = 0.5, 1 - 0.05 / 0.5000001
    m = 0.9 * 0.05 + 0.1 * g  # 0.095
    v = 0.99 * 0.0025 + 0.01 * g * g  # 0.004975
    m_hat, v_hat = m / (1 - 0.9**2), v / (1 - 0.99**2)  # 0.5, 0.25
    assert (m_hat, v_hat) == pytest.approx((0.5, 0.25))
    assert w[0] == pytest.approx(w1 - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-7), abs=1e-15)


def test_adamw_decays_the_weights_outside_the_moments():
    _, w = _step("adamw", lr=0.1, weight_decay=0.1)
    assert w == pytest.approx([1 - 0.1 * (0.5 / 0.5000001 + 0.1 * 1.0),
                               -2 - 0.1 * (-0.25 / 0.2500001 + 0.1 * -2.0)], abs=1e-15)
    _, plain = _step("adamw", lr=0.1, weight_decay=0.0)
    _, adam = _step("adam", lr=0.1)
    assert plain == adam


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_state_is_a_copy_and_reset_zeroes_it(name):
    optimizer, w = _step(name, times=3)
    state = optimizer.state()
    for values in state.values():
        values[...] = 123
    assert all(not np.any(v == 123) for v in optimizer.state().values())
    optimizer.reset()
    assert optimizer.step_count == 0
    for key, values in optimizer.state().items():
        assert np.all(values == 0), key
    assert w != W0


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_zero_gradient_leaves_weights_alone_except_adamw(name):
    optimizer = make_optimizer(name, 3)
    w = [0.5, -1.0, 2.0]
    optimizer.update(w, [0.0, 0.0, 0.0])
    if name == "adamw":
        assert w == pytest.approx([0.5 * (1 - 1e-4), -1.0 * (1 - 1e-4), 2.0 * (1 - 1e-4)])
    else:
        assert w == [0.5, -1.0, 2.0]


@pytest.mark.parametrize(("name", "values", "words"), [
    ("sgd", {"lr": -1}, "lr must be > 0, got -1"),
    ("sgd", {"lr": 0}, "lr must be > 0, got 0"),
    ("sgd", {"lr": "0.1"}, "lr must be a number"),
    ("sgd", {"lr": None}, "lr must be a number"),
    ("sgd", {"lr": True}, "lr must be a number"),
    ("sgd", {"lr": math.nan}, "lr must be a finite number"),
    ("sgd", {"lr": math.inf}, "lr must be a finite number"),
    ("momentum", {"gamma": 1.0}, "gamma must be in [0, 1), got 1"),
    ("momentum", {"gamma": -0.1}, "gamma must be in [0, 1)"),
    ("adam", {"beta1": 1.0}, "beta1 must be in [0, 1), got 1"),
    ("adam", {"beta2": 1.5}, "beta2 must be in [0, 1), got 1.5"),
    ("adam", {"beta2": -0.5}, "beta2 must be in [0, 1)"),
    ("adam", {"eps": -1e-8}, "eps must be > 0"),
    ("rmsprop", {"rho": 1}, "rho must be in [0, 1)"),
    ("adamw", {"weight_decay": -0.1}, "weight_decay must be >= 0"),
    ("sgd", {"gamma": 0.9}, "sgd has no hyperparameter 'gamma' (it has lr)"),
    ("adam", {"learning_rate": 0.1}, "no hyperparameter 'learning_rate'"),
])
def test_bad_hyperparameters_are_refused(name, values, words):
    with pytest.raises(HyperparameterError) as info:
        make_optimizer(name, 9, **values)
    assert words in str(info.value)
    assert "\n" not in str(info.value)


def test_edges_of_the_ranges_are_accepted():
    make_optimizer("adam", 9, beta1=0.0, beta2=0.0, lr=1e-12, eps=1e-300)
    make_optimizer("adamw", 9, weight_decay=0.0)
    make_optimizer("momentum", 9, gamma=np.float64(0.5), lr=np.int64(1))


def test_unknown_optimizer_lists_the_known_ones():
    with pytest.raises(HyperparameterError, match="unknown optimizer 'adamax'; known: sgd, "
                                                  "momentum, nesterov, adagrad, rmsprop, adam, "
                                                  "adamw"):
        make_optimizer("adamax", 9)
    assert make_optimizer(" Adam ", 9).name == "adam"


def test_bad_weight_count_and_abstract_base():
    with pytest.raises(HyperparameterError):
        make_optimizer("sgd", -1)
    with pytest.raises(TypeError):
        Optimizer(3)
    optimizer = make_optimizer("sgd", 3)
    with pytest.raises(ValueError, match="3 weights"):
        optimizer.update([1.0, 2.0], [0.0, 0.0])


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_an_update_that_overflows_is_refused_and_changes_nothing(name):
    optimizer = make_optimizer(name, 2, lr=1e308)
    w = [1.5e308, 2.0]
    before_w, before_state = list(w), optimizer.state()
    with pytest.raises(NonFiniteUpdateError):
        optimizer.update(w, [-1.0, -1.0])  # every rule steps w1 up by about lr: past 1.8e308
    assert w == before_w
    for key, value in optimizer.state().items():
        np.testing.assert_array_equal(value, before_state[key])
    rejected = optimizer.rejected_update()
    assert rejected is not None
    assert not math.isfinite(rejected["weights"][0])


def test_squared_gradient_overflow_in_the_state_is_refused():
    optimizer = make_optimizer("adam", 1)
    w = [0.0]
    assert not optimizer.try_update(w, [1e200])  # v = 0.01 * 1e400 = inf
    assert w == [0.0]
    assert optimizer.step_count == 0
    assert math.isinf(optimizer.rejected_update()["v"][0])


def test_generated_source_is_readable_and_empty_graphs_work():
    source = make_optimizer("momentum", 2, lr=0.5, gamma=0.25).source
    # The statements with the numbers in place, as Python reads them (parentheses aside).
    lines = {ast.dump(ast.parse(line.strip())) for line in source.splitlines()
             if " = " in line and not line.strip().startswith(("def", "if"))}
    assert ast.dump(ast.parse("velocity_0 = 0.25 * velocity_0 + 0.5 * g_0")) in lines
    assert ast.dump(ast.parse("w_1 = w_1 - velocity_1")) in lines
    optimizer = make_optimizer("adam", 0)
    optimizer.update([], [])
    assert optimizer.state()["m"].shape == (0,)


def test_large_weight_counts_compile():
    optimizer = make_optimizer("adamw", 3000)
    w = [1.0] * 3000
    optimizer.update(w, [0.5] * 3000)
    assert w[0] == pytest.approx(w[-1])
    assert w[0] < 1.0


def test_with_values_and_hyperparameter_lookup():
    adam = make_optimizer("adam", 4, lr=0.1)
    changed = adam.with_values(beta1=0.5)
    assert dict(changed.values) == {"lr": 0.1, "beta1": 0.5, "beta2": 0.99, "eps": 1e-7}
    assert adam.values["beta1"] == 0.9
    assert type(adam).hyperparameter("eps").interval == "> 0"
    assert type(adam).hyperparameter("beta1").interval == "in [0, 1)"
    with pytest.raises(HyperparameterError):
        type(adam).hyperparameter("gamma")
    with pytest.raises(TypeError):
        adam.values["lr"] = 1.0  # type: ignore[index]


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_validate_accepts_exactly_the_finite_numbers_in_range(value):
    h = Hyperparameter("beta", 0.5, 0.0, 1.0, True, False, "a fraction")
    if math.isfinite(value) and 0.0 <= value < 1.0:
        assert h.validate(value) == value
    else:
        with pytest.raises(HyperparameterError):
            h.validate(value)
