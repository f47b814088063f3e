"""The seed model in the notebook's names: the same graph, node for node and bit for bit,
and the text it had before still opens as the seed."""

import json
import math

import numpy as np
import pytest

from core.autodiff.compiled import CompiledGraph
from core.autodiff.engine import evaluate
from core.autodiff.formula import parse_formula
from core.data.datasets import builtin_dataset
from core.debugger.stepper import StepPlan
from core.presets import FORMER_FORMULAS, PRESETS, preset_of_formula, read_preset, resolve_graph
from core.training.optimizers import make_optimizer
from tests.seed_reference import seed_forward

OLD_TEXT = FORMER_FORMULAS["seed"][0]
#: The notebook's forward_propagation: which node each of its names is.
NOTEBOOK = {"val": "add2", "part_1": "exp1", "part_2": "tanh1", "v1": "sin1", "v2": "add4",
            "part_3": "sigmoid1", "y'": "y_pred", "L": "loss"}


@pytest.fixture(scope="module")
def seed():
    return PRESETS["seed"].build()


def test_the_seed_names_its_steps_as_the_notebook_does(seed):
    for name, node_id in NOTEBOOK.items():
        assert seed.by_name(name).id == node_id
    assert seed["exp1"].op == "exp" and seed["tanh1"].op == "tanh"
    assert seed["sin1"].op == "sin" and seed["sigmoid1"].op == "sigmoid"
    assert seed.warnings == ()
    assert PRESETS["seed"].formula.splitlines() == [
        "val = (w1*x1 + w2*x2)*(w1*x1 + w2*x2) + w6",
        "part_1 = exp(val)",
        "part_2 = tanh(part_1 + w7)",
        "v1 = sin(w3*x3)",
        "v2 = w4*x4 + w5*x5",
        "part_3 = sigmoid(v1*v2 + w8)",
        "part_2 + part_3*w9",
    ]


def test_every_other_seed_node_has_a_short_name_from_its_operands(seed):
    assert {i: n for i, n in seed.names().items() if i not in NOTEBOOK.values()} == {
        "w1": "w1", "x1": "x1", "mul1": "w1·x1", "w2": "w2", "x2": "x2", "mul2": "w2·x2",
        "add1": "w1·x1+w2·x2", "mul3": "#4", "w6": "w6", "w7": "w7", "add3": "part_1+w7",
        "w3": "w3", "x3": "x3", "mul4": "w3·x3", "w4": "w4", "x4": "x4", "mul5": "w4·x4",
        "w5": "w5", "x5": "x5", "mul6": "w5·x5", "mul7": "v1·v2", "w8": "w8",
        "add5": "v1·v2+w8", "w9": "w9", "mul8": "part_3·w9", "y": "y", "residual": "y−y'"}


def test_the_named_steps_are_the_notebooks_subexpressions(seed):
    x, y = builtin_dataset().row(5)
    w = np.linspace(-0.8, 0.9, 9)
    trace = evaluate(seed, x, y, w)
    expected = seed_forward(x, y, w)
    value = {name: trace.values[seed.by_name(name).id] for name in NOTEBOOK}
    assert value["val"] == pytest.approx(expected["s"] ** 2 + w[5], rel=1e-14)
    assert value["part_1"] == pytest.approx(expected["exp"], rel=1e-14)
    assert value["part_2"] == pytest.approx(expected["tanh"], rel=1e-14)
    assert value["v1"] == pytest.approx(expected["v1"], rel=1e-14)
    assert value["v2"] == pytest.approx(expected["v2"], rel=1e-14)
    assert value["part_3"] == pytest.approx(expected["sigmoid"], rel=1e-14)
    assert value["y'"] == pytest.approx(expected["y_pred"], rel=1e-14)
    assert value["L"] == pytest.approx(expected["loss"], rel=1e-14)


def test_the_named_seed_is_the_old_graph_node_for_node(seed):
    old = parse_formula(OLD_TEXT)
    assert old.order == seed.order
    assert old.edges == seed.edges
    for node in seed:
        twin = old[node.id]
        assert (node.kind, node.op, node.inputs, node.label, node.expr) == (
            twin.kind, twin.op, twin.inputs, twin.label, twin.expr)
    # The stepper's 36 backward positions: dL/dL = 1, then one per edge.
    trace = evaluate(seed, *builtin_dataset().row(0), np.full(9, 0.1))
    plan = StepPlan(trace, make_optimizer("sgd", 9))
    assert [p.phase for p in plan.positions].count("backward") == 36
    old_trace = evaluate(old, *builtin_dataset().row(0), np.full(9, 0.1))
    old_plan = StepPlan(old_trace, make_optimizer("sgd", 9))
    assert [(p.phase, p.node) for p in plan.positions] == [
        (p.phase, p.node) for p in old_plan.positions]


def test_values_and_gradients_are_bit_identical_to_the_old_text(seed):
    old = parse_formula(OLD_TEXT)
    data = builtin_dataset()
    rng = np.random.default_rng(16)
    for row in (0, 1, 107, 505):
        x, y = data.row(row)
        for w in (np.full(9, 0.01), rng.normal(size=9), rng.normal(scale=2.0, size=9)):
            a, b = evaluate(seed, x, y, w), evaluate(old, x, y, w)
            assert dict(a.values) == dict(b.values)
            assert dict(a.grads) == dict(b.grads)
            assert dict(a.local) == dict(b.local)
            fast_a = CompiledGraph(seed).sample(list(x), y, list(w))
            fast_b = CompiledGraph(old).sample(list(x), y, list(w))
            assert fast_a[0] == fast_b[0] or (math.isnan(fast_a[0]) and math.isnan(fast_b[0]))
            assert list(fast_a[1]) == list(fast_b[1])


@pytest.mark.parametrize("text", [OLD_TEXT, PRESETS["seed"].formula,
                                  PRESETS["seed"].formula.replace("\n", " "),
                                  "  " + OLD_TEXT.replace(" + ", "  +\n ") + "\n"])
def test_the_seeds_texts_old_and_new_resolve_to_the_seed(text):
    graph, preset = resolve_graph(text)
    assert preset is PRESETS["seed"]
    assert graph.name == "seed"
    assert graph.by_name("part_1").id == "exp1"
    assert preset_of_formula(text) is PRESETS["seed"]


def test_the_old_text_over_a_column_named_like_a_seed_weight_is_a_formula():
    graph, preset = resolve_graph(OLD_TEXT, columns=("w1", "a"))
    assert preset is None
    assert "w1" not in graph.weights


def test_a_preset_file_with_the_old_text_reads_as_the_seed(tmp_path):
    raw = json.loads((PRESETS["seed"].folder / "seed.json").read_text(encoding="utf-8"))
    raw["formula"] = OLD_TEXT
    raw["name"] = "my_seed"
    path = tmp_path / "my_seed.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    _, preset = read_preset(path)
    assert preset.formula == PRESETS["seed"].formula
    graph = preset.build()
    assert graph.by_name("v2").id == "add4"
    assert graph.formula == preset.formula  # so check-backward keeps the notebook's keys


def test_a_typed_similar_formula_is_not_taken_for_the_seed():
    text = OLD_TEXT.replace("w9", "w10")
    graph, preset = resolve_graph(text)
    assert preset is None and graph.name == ""
