"""The traced forward/backward pass: values, gradients, edges and steps."""

import math

import networkx as nx
import numpy as np
import pytest

from core.autodiff.engine import InputError, evaluate, forward, moved_forward, plan
from core.autodiff.formula import parse_formula
from core.autodiff.ops import OPS
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


def _numpy_reference(graph, x, y, w):
    """Values and gradients computed node by node with numpy float64 scalars (the op
    table's array templates), independently of the engine's scalar path."""
    values = {}
    for node in graph:
        if node.kind == "weight":
            values[node.id] = float(w[graph.weights.index(node.id)])
        elif node.kind == "input":
            values[node.id] = float(x[node.column])
        elif node.kind == "target":
            values[node.id] = float(y)
        elif node.kind == "constant":
            values[node.id] = node.constant
        else:
            args = tuple(values[i] for i in node.inputs)
            values[node.id] = OPS[node.op].evaluate(args, node.param)
    grads = dict.fromkeys(graph.order, 0.0)
    grads[graph.loss] = 1.0
    with np.errstate(all="ignore"):
        for node in reversed(list(graph)):
            if node.op is None:
                continue
            args = tuple(values[i] for i in node.inputs)
            local = OPS[node.op].local_derivatives(args, values[node.id], node.param)
            for operand, derivative in zip(node.inputs, local, strict=True):
                grads[operand] = float(np.float64(grads[operand])
                                       + np.float64(grads[node.id]) * derivative)
    return values, grads


def _same_numbers(actual, expected):
    """Equal to the last few bits where finite; the same inf, -inf or nan where not."""
    for key, value in expected.items():
        got = actual[key]
        if math.isfinite(value):
            assert got == pytest.approx(value, rel=1e-12, abs=1e-300), key
        else:
            assert math.isnan(got) if math.isnan(value) else got == value, (key, got, value)


@pytest.mark.parametrize("formula", [
    "tanh(exp((w1*x1 + w2*x2)**2 + w6) + w7) + sigmoid(sin(w3*x3) * (w4*x4 + w5*x5) + w8) * w9",
    "w2*x2 / (w1*x1)",
    "log(w1*x1) + sqrt(w2*x2)",
    "relu(log(w1*x1)) + abs(log(w2*x2))",
    "cos(exp(w2*x2 + w2)) + sin(exp(w2*x2 + w2) + w1)",
    "exp(w1*x1)**1.5 - w2",
])
@pytest.mark.parametrize("scale", [0.5, 400.0, -400.0])
def test_trace_equals_a_numpy_pass_finite_or_not(formula, scale):
    """Python floats with math where finite; where math would raise (overflow, log of a
    negative, 1/0, sin of inf), the same inf or nan numpy gives, so the trace reports the
    same first non-finite node."""
    graph = parse_formula(formula)
    rng = np.random.default_rng(5)
    for x0 in (0.0, 0.3, -2.0):
        x = np.array([x0, 1.0, *rng.normal(size=3)])
        w = scale * rng.uniform(0.5, 1.5, size=len(graph.weights))
        trace = evaluate(graph, x, 0.7, w)
        values, grads = _numpy_reference(graph, x, 0.7, w)
        _same_numbers(trace.values, values)
        _same_numbers(trace.grads, grads)


def test_hostile_inputs_give_the_numpy_non_finite_values():
    graph = parse_formula("log(w1*x1) + w2/x2 + sin(exp(w3*x3))")
    trace = evaluate(graph, [-1.0, 0.0, 1.0], 0.0, [1.0, 1.0, 1000.0])
    by_op = {graph[n].op: trace.values[n] for n in graph.order if graph[n].op in
             ("log", "div", "exp", "sin")}
    assert math.isnan(by_op["log"])
    assert by_op["div"] == math.inf
    assert by_op["exp"] == math.inf
    assert math.isnan(by_op["sin"])
    problem = trace.first_nonfinite()
    assert problem is not None and problem.op == "log" and problem.quantity == "value"


def test_steps_record_the_chain_rule_exactly(seed):
    trace = evaluate(seed, *next(_cases(1)))
    running = dict.fromkeys(seed.order, 0.0)
    for step in trace.steps:
        assert step.edge == (step.operand, step.node, step.arg)
        assert step.local == trace.local[step.edge]
        assert step.upstream == trace.grads[step.node]
        assert step.contribution == step.upstream * step.local
        running[step.operand] += step.contribution
        assert step.accumulated == running[step.operand]
    for node_id in seed.order:
        if node_id != seed.loss:
            assert running[node_id] == trace.grads[node_id]


def test_steps_follow_reverse_topological_order_and_argument_order(seed):
    trace = evaluate(seed, *next(_cases(1)))
    expected = [(operand, node.id, arg) for node in reversed(list(seed)) if node.op
                for arg, operand in enumerate(node.inputs)]
    assert [step.edge for step in trace.steps] == expected
    assert list(trace.local) == expected


def test_inputs_as_arrays_lists_tuples_or_ints_give_the_same_trace(seed):
    x, y, w = next(_cases(1))
    reference = evaluate(seed, x, y, w)
    for args in ((x.tolist(), y, w.tolist()), (tuple(x), np.float64(y), tuple(w)),
                 (x.reshape(1, 5), y, w.reshape(9, 1))):
        trace = evaluate(seed, *args)
        assert dict(trace.values) == dict(reference.values)
        assert dict(trace.grads) == dict(reference.grads)
    ints = evaluate(seed, [1, 2, 0, 1, 1], 3, [1] * 9)
    assert all(type(v) is float for v in ints.values.values())
    assert all(type(g) is float for g in ints.grads.values())


def test_the_plan_is_made_once_per_graph(seed):
    assert plan(seed) is plan(seed)
    assert plan(seed) is not plan(PRESETS["seed"].build())
    assert len(plan(seed).step_edges) == len(seed.edges)


def test_a_trace_cannot_be_changed(seed):
    trace = evaluate(seed, *next(_cases(1)))
    with pytest.raises(TypeError):
        trace.values[seed.loss] = 0.0  # type: ignore[index]
    with pytest.raises(TypeError):
        trace.local[seed.edges[0]] = 0.0  # type: ignore[index]
    assert isinstance(trace.steps, tuple)


@pytest.mark.parametrize("formula", [
    None,  # the seed graph
    "v*relu(a*x1 + b) + w*relu(c*x2 - b) + abs(d)",
    "tanh(exp(a*x1)*1e300) + log(b*x2)",  # overflow and a log outside its domain
])
def test_a_moved_weight_recomputes_only_downstream_and_equals_a_whole_pass(formula):
    graph = PRESETS["seed"].build() if formula is None else parse_formula(formula)
    rng = np.random.default_rng(3)
    x, weights = rng.normal(size=5), rng.normal(size=len(graph.weights))
    values = forward(graph, x, 0.7, weights)
    for i, weight in enumerate(graph.weights):
        for new in (weights[i] + 1e-7, -weights[i], 1e308):
            moved = weights.copy()
            moved[i] = new
            whole = forward(graph, x, 0.7, moved)
            changed = moved_forward(graph, values, weight, float(new))
            merged = {**values, **changed}
            assert merged.keys() == whole.keys()
            for node in whole:  # bit for bit, nan where the whole pass gives nan
                assert merged[node] == whole[node] or (
                    math.isnan(merged[node]) and math.isnan(whole[node])), node
            assert set(changed) <= {weight} | nx.descendants(graph.nx, weight)
