"""The inspector's report, the wiggle experiment and the first non-finite value."""

import math

import numpy as np
import pytest

from core.autodiff.engine import evaluate
from core.autodiff.formula import parse_formula
from core.autodiff.ops import OPS
from core.data.datasets import builtin_dataset
from core.debugger.inspection import inspect_node, wiggle
from core.debugger.nonfinite import explain_nonfinite
from core.debugger.stepper import StepPlan, plan_next_step
from core.debugger.wording import derivative_words, forward_words, number
from core.presets import PRESETS
from core.training.optimizers import make_optimizer
from core.training.trainer import Trainer


@pytest.fixture(scope="module")
def seed():
    return PRESETS["seed"].build()


@pytest.fixture(scope="module")
def data():
    return builtin_dataset()


def test_the_report_on_an_op_holds_the_engines_numbers(seed, data):
    x, y = data.row(4)
    w = np.linspace(-0.5, 0.7, 9)
    trace = evaluate(seed, x, y, w)
    report = inspect_node(trace, "sigmoid1")
    # Named as the notebook names it; the op's symbol is apart.
    assert (report.name, report.symbol, report.op, report.role) == ("part_3", "σ", "sigmoid",
                                                                    "operation")
    assert report.value == trace.values["sigmoid1"]
    assert report.gradient == trace.grads["sigmoid1"]
    (only,) = report.inputs
    z = trace.values["add5"]
    s = 1 / (1 + math.exp(-z))
    assert only.node == "add5" and only.name == "v1·v2+w8" and only.value == z
    assert only.local == trace.local[("add5", "sigmoid1", 0)]
    assert only.local == pytest.approx(s * (1 - s), rel=1e-12)  # derived by hand
    assert only.contribution == trace.grads["sigmoid1"] * only.local
    assert only.rule == "σ(v1·v2+w8)·(1 − σ(v1·v2+w8))"
    assert only.rule_numbers == f"σ({number(z)})·(1 − σ({number(z)}))"
    assert report.formula.startswith("sigmoid(")


def test_the_report_shows_only_what_the_stepper_has_computed(seed, data):
    trainer = Trainer(seed, data, make_optimizer("sgd", 9))
    plan = plan_next_step(trainer)
    early = plan.positions[plan.position_of("forward", "mul1") - 1]
    report = inspect_node(plan.trace, "mul1", early)
    assert report.value is None and report.gradient is None
    assert all(i.local is None and i.contribution is None for i in report.inputs)
    computed = plan.positions[plan.position_of("forward", "mul1")]
    report = inspect_node(plan.trace, "mul1", computed)
    assert report.value == plan.trace.values["mul1"]
    assert [i.local for i in report.inputs] == [plan.trace.values["x1"],
                                                plan.trace.values["w1"]]
    assert all(i.contribution is None for i in report.inputs)
    applied = next(p for p in plan.positions if p.backward is not None
                   and p.backward.node == "mul1")
    report = inspect_node(plan.trace, "mul1", applied)
    assert report.gradient == plan.trace.grads["mul1"]
    assert report.inputs[0].contribution == plan.trace.contribution(("w1", "mul1", 0))
    assert report.inputs[1].contribution is None  # x1's step comes next


def test_wiggle_compares_the_gradients_prediction_with_the_actual_change(seed, data):
    x, y = data.row(0)
    w = np.full(9, 0.3)
    trace = evaluate(seed, x, y, w)
    small = wiggle(seed, x, y, w, "w7", 0.3 + 1e-3)
    assert small.predicted == pytest.approx(trace.grads["w7"] * 1e-3, rel=1e-9)
    bumped = w.copy()
    bumped[6] += 1e-3
    assert small.actual == evaluate(seed, x, y, bumped).loss - trace.loss
    # The difference is the curvature's share: it shrinks like delta squared.
    smaller = wiggle(seed, x, y, w, "w7", 0.3 + 1e-4)
    assert abs(smaller.difference) < abs(small.difference) / 50
    assert small.difference == small.actual - small.predicted
    assert w.tolist() == [0.3] * 9  # nothing the caller holds changes


def test_wiggle_moves_a_feature_and_refuses_anything_else(seed, data):
    x, y = data.row(2)
    w = np.full(9, 0.5)
    result = wiggle(seed, x, y, w, "x3", x[2] + 0.01)
    assert result.old == x[2]
    assert result.gradient == evaluate(seed, x, y, w).grads["x3"]
    with pytest.raises(ValueError, match="only a weight or a feature"):
        wiggle(seed, x, y, w, "mul1", 1.0)
    with pytest.raises(ValueError, match="finite"):
        wiggle(seed, x, y, w, "w1", math.inf)


def test_lr_1000_overflows_exp_and_the_plan_opens_there(seed, data):
    trainer = Trainer(seed, data, make_optimizer("sgd", 9, lr=1000.0))
    trainer.step_sample()
    result = trainer.step_sample()
    assert result.diverged is not None and result.diverged.node == "exp1"
    plan = plan_next_step(trainer)
    assert plan.trace.values == result.diverged.trace.values
    report = explain_nonfinite(plan)
    assert report is not None
    assert (report.node, report.quantity, report.number) == ("exp1", "value", math.inf)
    assert plan.positions[report.position].node == "exp1"
    assert plan.positions[report.position].phase == "forward"
    argument = plan.trace.values["add2"]
    assert argument > math.log(np.finfo(float).max)  # beyond exp's float64 range
    assert report.inputs == (("val", argument),)
    assert report.reason.startswith("part_1: exp of ")
    assert f"exp of {number(argument)} overflows float64" in report.reason
    # The update of a non-finite step is refused, as the trainer refuses it.
    assert plan.new_weights is None


@pytest.mark.parametrize(("formula", "x", "kind", "words"), [
    ("log(a*x1)", [0.0], "value", "a pole"),
    ("sqrt(a*x1)", [-1.0], "value", "not a number"),
    ("a*x1 / (b*x1 - b*x1)", [1.0], "value", "division by zero"),
])
def test_each_kind_of_floating_point_problem_is_named(formula, x, kind, words):
    graph = parse_formula(formula)
    trace = evaluate(graph, x, 0.0, [1.0] * len(graph.weights))
    report = explain_nonfinite(StepPlan(trace, make_optimizer("sgd", len(graph.weights))))
    assert report is not None and report.quantity == kind
    assert words in report.reason


def test_a_gradient_that_becomes_infinite_is_explained_at_its_chain_rule_step():
    # sqrt at 0 has the finite value 0 but an infinite slope 1/(2·sqrt 0).
    graph = parse_formula("sqrt(a*x1) + b")
    trace = evaluate(graph, [0.0], 1.0, [1.0, 0.0])
    plan = StepPlan(trace, make_optimizer("sgd", 2))
    report = explain_nonfinite(plan)
    assert report is not None
    assert report.quantity == "gradient" and graph[report.node].label == "×"
    step = plan.positions[report.position].backward
    assert step.node == report.node or step.operand == report.node
    assert math.isinf(step.local)
    assert "the local derivative ∂sqrt(a·x1)/∂(a·x1) is +∞" in report.reason
    assert report.inputs[1] == ("∂sqrt(a·x1)/∂(a·x1)", step.local)


def test_every_op_has_words_for_people_from_its_trees():
    for op in OPS.values():
        operands = ("first", "second")[:op.arity]
        forward = forward_words(op, operands, 2.0)
        assert "first" in forward and "{" not in forward, (op.name, forward)
        for position in range(op.arity):
            rule = derivative_words(op, position, operands, 2.0)
            assert rule and "{" not in rule and "out" not in rule, (op.name, rule)


@pytest.mark.parametrize(("name", "args", "problem"), [
    ("exp", (800.0,), "overflow"), ("log", (0.0,), "divide by zero"),
    ("sqrt", (-1.0,), "invalid value"), ("mul", (1e200, 1e200), "overflow"),
    ("tanh", (3.0,), None),
])
def test_the_op_table_names_the_floating_point_problem(name, args, problem):
    assert OPS[name].floating_point_problem(args) == problem
