"""What the stepper, the inspector and the notes write for an op or an optimizer's rule
comes from the same trees as the numbers: the op row's forward and derivatives, the
optimizer's per_step and update statements."""

import ast
import json
import math
from pathlib import Path

import pytest

from core.autodiff.engine import evaluate
from core.autodiff.formula import parse_formula
from core.autodiff.ops import OPS
from core.data.datasets import builtin_dataset
from core.debugger.stepper import StepPlan, plan_next_step
from core.debugger.wording import (
    derivative_numbers,
    derivative_words,
    forward_numbers,
    forward_words,
    number,
    of_phrase,
)
from core.expr.parse import parse_expression
from core.presets import PRESETS
from core.training.optimizers import OPTIMIZERS, make_optimizer, optimizer_from_definition
from core.training.trainer import Trainer

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(("op", "operands", "param", "expected"), [
    ("mul", ("w1", "x1"), None, "w1·x1"),
    ("add", ("w4·x4", "w5·x5"), None, "w4·x4 + w5·x5"),
    ("sub", ("y", "y'"), None, "y − y'"),
    ("sigmoid", ("v1·v2+w8",), None, "σ(v1·v2+w8)"),
    ("square", ("y−y'",), None, "(y−y')²"),
    ("sqrt", ("c",), None, "√c"),
    ("huber", ("r",), 0.5, "huber(r; δ = 0.5)"),
])
def test_forward_words_are_the_forward_tree_in_the_operands_names(op, operands, param,
                                                                 expected):
    assert forward_words(OPS[op], operands, param) == expected


@pytest.mark.parametrize(("op", "position", "operands", "expected"), [
    ("mul", 0, ("part_3", "w9"), "w9"),
    ("mul", 1, ("part_3", "w9"), "part_3"),
    ("sub", 1, ("y", "y'"), "−1"),
    ("tanh", 0, ("part_1+w7",), "1 − tanh²(part_1+w7)"),
    ("sigmoid", 0, ("z",), "σ(z)·(1 − σ(z))"),
    ("square", 0, ("y−y'",), "2·(y−y')"),
    ("exp", 0, ("val",), "exp(val)"),
    ("div", 1, ("a", "b"), "−a/b²"),
    ("relu", 0, ("w·x3",), "step(w·x3)"),
])
def test_derivative_words_replace_out_by_the_forward_value(op, position, operands, expected):
    assert derivative_words(OPS[op], position, operands) == expected


@pytest.mark.parametrize(("op", "position", "values", "param", "expected"), [
    ("tanh", 0, (1.033,), None, "1 − tanh²(1.033)"),
    ("sigmoid", 0, (-0.5,), None, "σ(−0.5)·(1 − σ(−0.5))"),
    ("mul", 0, (2.0, -0.25), None, "−0.25"),
    ("square", 0, (-2.177,), None, "2·(−2.177)"),
    ("pow", 0, (0.35,), 3.0, "3·0.35^(3 − 1)"),
    ("div", 1, (1.131, 0.55), None, "−1.131/0.55²"),
])
def test_derivative_numbers_fill_in_the_operands_values(op, position, values, param,
                                                        expected):
    assert derivative_numbers(OPS[op], position, values, param) == expected


def test_forward_numbers_and_the_of_phrase():
    assert forward_numbers(OPS["mul"], (0.5, -1.2)) == "0.5·(−1.2)"
    assert forward_numbers(OPS["pow"], (0.35,), 3.0) == "0.35^3"
    assert of_phrase(OPS["exp"], 812.4) == "exp of 812.4"
    assert of_phrase(OPS["sigmoid"], -3.0) == "σ of −3"
    # Not one function of the operand: the op applied to the number.
    assert of_phrase(OPS["square"], -3.0) == "(−3)²"


def test_a_rule_written_from_the_tree_is_the_number_the_engine_computes():
    """The rule's words and the engine's local derivative are one tree: the words read
    back as a formula give the engine's number."""
    for name in ("tanh", "sigmoid", "sin", "cos", "exp", "log", "softplus"):
        op = OPS[name]
        a = 0.7
        out = op.evaluate((a,))
        (local,) = op.local_derivatives((a,), out)
        text = derivative_words(op, 0, ("a",))
        readable = (text.replace("σ", "sigmoid").replace("·", "*").replace("−", "-")
                    .replace("tanh²(a)", "tanh(a)**2"))
        value = evaluate_text(readable, a)
        assert value == pytest.approx(local, rel=1e-15), (name, text)


def evaluate_text(text, a):
    from core.expr.evaluate import evaluate as walk

    return walk(parse_expression(text), {"a": a})


# -- the stepper ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed():
    return PRESETS["seed"].build()


@pytest.fixture(scope="module")
def data():
    return builtin_dataset()


def _plan(graph, data, optimizer, steps):
    trainer = Trainer(graph, data, optimizer, epochs=2)
    trainer.run(steps)
    return trainer, plan_next_step(trainer)


def test_adams_once_per_step_statements_are_written_with_t(seed, data):
    _, plan = _plan(seed, data, make_optimizer("adam", 9, beta1=0.9, beta2=0.99), 2)
    lines = plan.positions[-1].update.lines
    assert lines[0] == f"bc1 = 1 − 0.9^3 = {number(1.0 - 0.9 ** 3)}"
    assert lines[1] == f"bc2 = 1 − 0.99^3 = {number(1.0 - 0.99 ** 3)}"
    update = plan.positions[-1].update
    m, v, g = update.state_before["m"], update.state_before["v"], update.grad
    assert lines[2] == (f"m[w9] = 0.9·{_factor(m)} + (1 − 0.9)·{_factor(g)} = "
                        f"{number(update.state_after['m'])}")
    assert lines[3] == (f"v[w9] = 0.99·{_factor(v)} + (1 − 0.99)·{_factor(g)}·{_factor(g)} "
                        f"= {number(update.state_after['v'])}")
    assert lines[4].startswith(f"w9 = {number(update.old, 6)} − 0.01·")
    assert "√(" in lines[4]
    assert lines[4].endswith(f"= {number(update.new, 6)}")


def _factor(value):
    text = number(value)
    return f"({text})" if value < 0 else text


def _file_optimizer(name, n):
    document = json.loads((ROOT / "resources" / "optimizers" / f"{name}.json").read_text())
    return optimizer_from_definition(document)(n)


def test_a_value_the_rule_computes_on_the_way_is_shown_with_its_number(seed, data):
    # Lion: c = β1·m + (1 − β1)·g, neither the weight nor a state.
    _, plan = _plan(seed, data, _file_optimizer("lion", 9), 3)
    update = plan.positions[-1].update
    m, g = update.state_before["m"], update.grad
    c = 0.9 * m + (1.0 - 0.9) * g
    c_line, w_line, m_line = update.lines
    assert c_line == f"c[w9] = 0.9·{_factor(m)} + (1 − 0.9)·{_factor(g)} = {number(c)}"
    assert w_line.startswith(f"w9 = {number(update.old, 6)} − 0.001·(sign({number(c)}) + 0·")
    assert w_line.endswith(f"= {number(update.new, 6)}")
    assert m_line.endswith(f"= {number(update.state_after['m'])}")


def test_signsgd_writes_the_sign_of_the_gradient(seed, data):
    _, plan = _plan(seed, data, _file_optimizer("signsgd", 9), 1)
    update = plan.positions[-1].update
    assert update.lines == (f"w9 = {number(update.old, 6)} − 0.001·sign({number(update.grad)}) = "
                            f"{number(update.new, 6)}",)


@pytest.mark.parametrize("optimizer", [*sorted(OPTIMIZERS), "lion", "signsgd"])
def test_every_line_ends_with_the_trainers_number(seed, data, optimizer):
    made = (_file_optimizer(optimizer, 9) if optimizer not in OPTIMIZERS
            else make_optimizer(optimizer, 9))
    trainer, plan = _plan(seed, data, made, 4)
    result = trainer.step_sample()
    assert plan.new_weights.tolist() == result.weights.tolist()
    for i, position in enumerate(p for p in plan.positions if p.update is not None):
        update = position.update
        label = plan.graph[update.weight].name
        statements = {line.split(" = ")[0]: line for line in update.lines}
        assert statements[label].endswith(f" = {number(result.weights[i], 6)}")
        for slot in made.slots:
            assert statements[f"{slot}[{label}]"].endswith(
                f" = {number(result.optimizer_state[slot][i])}")


def test_a_broken_derivative_is_written_as_the_graph_computes_it():
    graph = parse_formula("sigmoid(w*x1)")
    row = OPS["sigmoid"]
    broken = row.with_derivatives((parse_expression("out * (1 + out)"),))
    node = next(n.id for n in graph if n.op == "sigmoid")
    graph = graph.with_breaks({node: broken})
    trace = evaluate(graph, [0.5], 1.0, [0.8])
    plan = StepPlan(trace, make_optimizer("sgd", 1))
    position = next(p for p in plan.positions
                    if p.backward is not None and p.backward.node == node)
    z = 0.4
    s = 1.0 / (1.0 + math.exp(-z))
    assert position.backward.local == pytest.approx(s * (1.0 + s), rel=1e-15)
    assert f"= σ({number(z)})·(1 + σ({number(z)})) = {number(s * (1.0 + s))}" \
        in position.caption


def test_the_debugger_reads_no_source_text_back():
    """No regular expression over rule text and nothing run: the words come from trees."""
    for path in sorted((ROOT / "core" / "debugger").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree)
                    if isinstance(node, ast.Import | ast.ImportFrom)
                    for alias in node.names} | {
            node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert "re" not in imported, path.name
        called = {node.func.id for node in ast.walk(tree)
                  if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
        assert not called & {"eval", "exec", "compile"}, path.name


@pytest.mark.parametrize("name", list(PRESETS))
def test_plans_of_every_preset_leave_no_placeholder(name):
    preset = PRESETS[name]
    graph = preset.build()
    _, plan = _plan(graph, preset.dataset(), make_optimizer("adam", len(graph.weights)), 1)
    for position in plan.positions:
        for text in (position.text, position.caption):
            assert "{" not in text and "out" not in text.split(), text


def test_a_state_set_twice_shows_each_step_and_ends_with_the_trainers_number(seed, data):
    document = {"name": "twice", "hyperparameters": {"lr": 0.1}, "state": ["m"],
                "update": ["m = 2 * g", "m = 0.5 * m + g", "w = w - lr * m"]}
    made = optimizer_from_definition(document)(9)
    trainer, plan = _plan(seed, data, made, 2)
    update = plan.positions[-1].update
    g = update.grad
    first, second, step = update.lines
    assert first == f"m[w9] = 2·{_factor(g)} = {number(2 * g)}"
    assert second.startswith(f"m[w9] = 0.5·{_factor(2 * g)} + ")
    assert second.endswith(f"= {number(update.state_after['m'])}")
    assert update.state_after["m"] == 0.5 * (2 * g) + g
    assert step.endswith(f"= {number(trainer.step_sample().weights[-1], 6)}")


@pytest.mark.parametrize("optimizer", [*sorted(OPTIMIZERS), "lion", "signsgd"])
def test_a_negative_number_after_an_operator_is_in_parentheses(seed, data, optimizer):
    made = (_file_optimizer(optimizer, 9) if optimizer not in OPTIMIZERS
            else make_optimizer(optimizer, 9))
    _, plan = _plan(seed, data, made, 5)
    for position in plan.positions:
        for text in (position.text, position.caption):
            for bare in ("·−", "/−", "− −", "+ −", "^−"):
                assert bare not in text, text


@pytest.mark.parametrize(("text", "expected"), [
    ("lr * (m / bc1)", "0.01·(−0.0014/0.34)"),
    ("a - b * c", "1 − (−2·3)"),
    ("a * (b * c)", "1·(−2·3)"),
    ("-(b * c)", "−(−2·3)"),
    ("b * c - a", "−2·3 − 1"),
])
def test_an_operand_led_by_a_negative_number_is_in_parentheses(text, expected):
    from core.expr.text import with_numbers

    values = {"lr": 0.01, "m": -0.0014, "bc1": 0.34, "a": 1.0, "b": -2.0, "c": 3.0}
    assert with_numbers(parse_expression(text), values, number) == expected


def test_a_user_ops_rule_is_written_from_its_file_formulas():
    from core.autodiff.user_ops import user_ops

    definition = {"name": "sp", "args": ["z"], "forward": "log(1 + exp(z))",
                  "derivatives": ["sigmoid(z)"], "domain": [-4, 4]}
    with user_ops([definition]):
        graph = parse_formula("sp(w*x1) + b")
        trace = evaluate(graph, [2.0], 1.0, [0.0, 0.25])  # b, w
        plan = StepPlan(trace, make_optimizer("sgd", 2))
        node = next(n.id for n in graph if n.op == "sp")
        forward = plan.positions[plan.position_of("forward", node)]
        assert forward.text == (f"sp(w·x1) = log(1 + exp(w·x1)) = log(1 + exp(0.5)) = "
                                f"{number(math.log1p(math.exp(0.5)))}")
        backward = next(p for p in plan.positions
                        if p.backward is not None and p.backward.node == node)
        assert backward.caption.startswith(
            f"sp(w·x1): ∂sp(w·x1)/∂(w·x1) = σ(0.5) = {number(1.0 / (1.0 + math.exp(-0.5)))}")


def test_an_update_line_adds_up_with_the_old_weight_as_exact_as_the_new():
    # A step of 1e-5 on 1.234567: "1.235 − 1e−5·(−1.083) = 1.23458" does not add up;
    # the old value is written with the new one's six digits.
    graph = parse_formula("a*x1 + b")
    trace = evaluate(graph, [0.5], 1.0, [1.234567, -0.7])
    plan = StepPlan(trace, make_optimizer("sgd", 2, lr=1e-5))
    update = plan.positions[plan.phase_range("update").start].update
    assert update.lines == (f"a = 1.23457 − 1e−5·{_factor(update.grad)} = "
                            f"{number(update.new, 6)}",)
    assert number(update.new, 6) == "1.23458"
