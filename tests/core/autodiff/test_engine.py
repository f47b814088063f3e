"""The traced forward/backward pass: values, gradients, edges and steps."""

import math

import numpy as np
import pytest

from core.autodiff.engine import InputError, evaluate, forward
from core.autodiff.formula import parse_formula
from core.presets import PRESETS
from tests.seed_reference import seed_forward, seed_gradients

RNG = np.random.default_rng(3)


@pytest.fixture(scope="module")
def seed():
    return PRESETS["seed"].build()


def _cases(count=20):
    for _ in range(count):
        x = RNG.normal(size=5)
        w = RNG.normal(scale=0.7, size=9)
        yield x, float(RNG.normal(1.8, 0.2)), w


def test_seed_values_match_hand_derived_forward(seed):
    aliases = PRESETS["seed"].aliases
    for x, y, w in _cases():
        trace = evaluate(seed, x, y, w)
        expected = seed_forward(x, y, w)
        for name in ("exp", "tanh", "sigmoid", "v1", "v2", "y_pred", "loss"):
            assert trace.values[aliases[name]] == pytest.approx(expected[name], rel=1e-13)
        assert trace.loss == pytest.approx(expected["loss"], rel=1e-13)
        assert trace.dy_pred == pytest.approx(expected["dy_pred"], rel=1e-13)


def test_seed_gradients_match_hand_derived_backward(seed):
    for x, y, w in _cases():
        trace = evaluate(seed, x, y, w)
        np.testing.assert_allclose(trace.weight_grads, seed_gradients(x, y, w),
                                   rtol=1e-11, atol=1e-14)


def test_shared_sum_accumulates_two_contributions(seed):
    x, y, w = next(_cases(1))
    trace = evaluate(seed, x, y, w)
    square = next(n for n in seed.op_nodes() if n.op == "mul" and n.inputs[0] == n.inputs[1])
    shared = square.inputs[0]
    into_shared = [s for s in trace.steps if s.operand == shared]
    assert [s.arg for s in into_shared] == [0, 1]
    first, second = into_shared
    assert first.contribution == pytest.approx(second.contribution)
    assert first.accumulated == pytest.approx(first.contribution)
    assert second.accumulated == pytest.approx(first.contribution + second.contribution)
    assert trace.grads[shared] == second.accumulated
    # Both parallel edges carry the local derivative s (d(s*s)/ds = s + s, split per edge).
    s = trace.values[shared]
    assert trace.local[(shared, square.id, 0)] == trace.local[(shared, square.id, 1)] == s


def test_every_edge_has_a_local_derivative_and_a_step(seed):
    trace = evaluate(seed, *next(_cases(1)))
    assert set(trace.local) == set(seed.edges)
    assert len(trace.steps) == len(seed.edges)
    assert [s.index for s in trace.steps] == list(range(len(trace.steps)))
    # Each step's upstream gradient is final: every consumer was processed before.
    position = {node: i for i, node in enumerate(seed.order)}
    for step in trace.steps:
        assert step.upstream == trace.grads[step.node]
        assert step.contribution == pytest.approx(step.upstream * step.local)
        assert position[step.operand] < position[step.node]
    assert trace.steps[0].node == seed.loss
    assert trace.grads[seed.loss] == 1.0


def test_gradient_of_a_node_is_the_sum_of_its_edge_contributions(seed):
    trace = evaluate(seed, *next(_cases(1)))
    for node_id in seed.order:
        if node_id == seed.loss:
            continue
        total = sum(trace.contribution((node_id, consumer, arg))
                    for consumer, arg in seed.consumers(node_id))
        assert trace.grads[node_id] == pytest.approx(total, rel=1e-12, abs=1e-300)


def test_forward_order_is_topological(seed):
    trace = evaluate(seed, *next(_cases(1)))
    seen = set()
    for node_id in trace.forward_order:
        assert all(i in seen for i in seed[node_id].inputs)
        seen.add(node_id)


def test_dy_pred_is_minus_two_residual(seed):
    x, y, w = next(_cases(1))
    trace = evaluate(seed, x, y, w)
    assert trace.dy_pred == pytest.approx(-2.0 * (y - trace.y_pred))


def test_overflow_is_reported_at_the_first_non_finite_node(seed):
    w = np.ones(9)
    w[5] = 800.0  # exp(s^2 + 800) overflows
    trace = evaluate(seed, np.ones(5), 1.0, w)
    problem = trace.first_nonfinite()
    assert problem is not None
    assert problem.node == PRESETS["seed"].aliases["exp"]
    assert problem.op == "exp"
    assert problem.quantity == "value"
    assert math.isinf(problem.number)


def test_finite_pass_reports_nothing(seed):
    assert evaluate(seed, *next(_cases(1))).first_nonfinite() is None


def test_wrong_input_sizes_are_refused(seed):
    with pytest.raises(InputError, match="9 weights"):
        forward(seed, np.ones(5), 0.0, np.ones(8))
    with pytest.raises(InputError, match="5 features"):
        forward(seed, np.ones(3), 0.0, np.ones(9))


def test_features_are_taken_by_column():
    graph = parse_formula("w1*x3 + w2")
    trace = evaluate(graph, [10.0, 20.0, 30.0], 0.0, [2.0, 1.0])
    assert trace.y_pred == 61.0
    assert graph.n_inputs == 3
