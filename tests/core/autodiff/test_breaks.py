"""Derivatives broken on purpose: checking a break, applying it to the nodes it names,
what the engine and the gradient check then compute, the reveal and the restore."""

import json

import numpy as np
import pytest

from core.autodiff.breaks import (
    BreakError,
    apply_breaks,
    check_breaks,
    configured,
    read_break_file,
    restore,
    reveal,
)
from core.autodiff.compiled import compiled_graph
from core.autodiff.engine import evaluate
from core.autodiff.gradcheck import check_graph
from core.autodiff.ops import OPS
from core.presets import resolve_graph

LAB = ("h1 = sigmoid(w1*x1 + w2*x2 + b1); h2 = sigmoid(w3*x1 + w4*x2 + b2); "
       "v1*h1 + v2*h2 + c")
SIGMOID_PLUS = {"name": "sigmoid", "args": ["a"], "derivatives": ["out*(1 + out)"],
                "nodes": ["h2"]}
X = np.array([0.3, -0.2, 0.1, 0.4, 0.5])
Y = 1.0


@pytest.fixture
def lab():
    return resolve_graph(LAB)[0]


def weights(graph):
    return np.linspace(-0.6, 0.7, len(graph.weights))


def test_a_break_replaces_the_rule_on_the_nodes_it_names_only(lab):
    broken = apply_breaks(lab, check_breaks([SIGMOID_PLUS]))
    h1, h2 = lab.by_name("h1").id, lab.by_name("h2").id
    assert list(broken.breaks) == [h2]
    assert broken.op_of(h1) is OPS["sigmoid"]
    row = broken.op_of(h2)
    assert row.forward == OPS["sigmoid"].forward
    assert row.local_derivatives((0.0,), 0.5) == (0.75,)  # σ(1 + σ) at σ = ½
    assert OPS["sigmoid"].local_derivatives((0.0,), 0.5) == (0.25,)
    assert not lab.breaks  # the graph it came from is unchanged


def test_a_break_without_nodes_breaks_every_node_of_its_op(lab):
    broken = apply_breaks(lab, check_breaks([{k: v for k, v in SIGMOID_PLUS.items()
                                               if k != "nodes"}]))
    assert sorted(broken[n].name for n in broken.breaks) == ["h1", "h2"]


def test_the_trace_and_the_compiled_path_use_the_broken_rule_and_the_same_forward(lab):
    broken = apply_breaks(lab, check_breaks([SIGMOID_PLUS]))
    w = weights(lab)
    right, wrong = evaluate(lab, X, Y, w), evaluate(broken, X, Y, w)
    assert right.values[lab.loss] == wrong.values[lab.loss]
    differ = {name for name in lab.weights if right.grads[name] != wrong.grads[name]}
    assert differ == {"w3", "w4", "b2"}
    loss, grads, _ = compiled_graph(broken).sample(list(X), Y, list(w))
    assert loss == wrong.values[lab.loss]
    assert list(grads) == [wrong.grads[name] for name in lab.weights]
    assert compiled_graph(broken) is not compiled_graph(lab)


def test_the_gradient_check_says_wrong_and_names_the_weights_behind_the_break(lab):
    broken = apply_breaks(lab, check_breaks([SIGMOID_PLUS]))
    w = weights(lab)
    assert check_graph(lab, X, Y, w).verdict == "correct"
    report = check_graph(broken, X, Y, w)
    assert report.verdict == "wrong"
    assert {c.name for c in report.weights if c.verdict == "wrong"} == {"w3", "w4", "b2"}


def test_reveal_says_what_was_replaced_and_restore_gives_the_graph_back(lab):
    broken = apply_breaks(lab, check_breaks([SIGMOID_PLUS]))
    (found,) = reveal(broken)
    assert found.name == "h2"
    assert found.broken == ("σ(a)·(1 + σ(a))",)
    assert found.true == ("σ(a)·(1 − σ(a))",)
    assert found.describe() == "node h2 (sigmoid): d/da: σ(a)·(1 + σ(a)) instead of " \
                               "σ(a)·(1 − σ(a))"
    assert restore(broken) is lab
    assert reveal(lab) == ()
    assert check_graph(restore(broken), X, Y, weights(lab)).verdict == "correct"


def test_applying_the_same_breaks_twice_gives_the_same_graph(lab):
    breaks = check_breaks([SIGMOID_PLUS])
    broken = apply_breaks(lab, breaks)
    assert apply_breaks(lab, breaks) is broken
    assert configured(broken, breaks) is broken
    assert configured(broken, ()) is lab
    assert apply_breaks(lab, ()) is lab


def test_a_binary_op_may_be_broken_on_one_operand(lab):
    broken = apply_breaks(lab, check_breaks([{"name": "mul", "args": ["p", "q"],
                                              "derivatives": ["q", "-p"],
                                              "nodes": ["v2·h2"]}]))
    row = broken.op_of(lab.by_name("v2·h2").id)
    assert row.local_derivatives((2.0, 3.0), 6.0) == (3.0, -2.0)


@pytest.mark.parametrize(("entry", "words"), [
    ({**SIGMOID_PLUS, "name": "frobnicate"}, "there is no op 'frobnicate' to break"),
    ({**SIGMOID_PLUS, "args": ["a", "b"], "derivatives": ["1", "1"]},
     "sigmoid takes 1 operand"),
    ({**SIGMOID_PLUS, "derivatives": ["out*(1 + "]}, '"derivatives[0]": cannot read'),
    ({**SIGMOID_PLUS, "derivatives": ["q"]}, "\"derivatives[0]\": unknown name 'q'"),
    ({**SIGMOID_PLUS, "forward": "tanh(a)"}, '"forward" must be sigmoid\'s own'),
    ({**SIGMOID_PLUS, "nodes": "h2"}, '"nodes" must be a list of node names'),
    ({**SIGMOID_PLUS, "nodes": []}, '"nodes" must be a list of node names'),
    ({**SIGMOID_PLUS, "colour": 1}, "unknown field 'colour'"),
    ({k: v for k, v in SIGMOID_PLUS.items() if k != "derivatives"},
     '"derivatives" is missing'),
])
def test_a_break_that_cannot_be_used_is_refused_in_one_line(entry, words):
    with pytest.raises(BreakError) as caught:
        check_breaks([entry])
    assert words in str(caught.value)
    assert "entry 1" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_forward_may_be_given_when_it_is_the_ops_own(lab):
    (checked,) = check_breaks([{**SIGMOID_PLUS, "forward": "sigmoid(a)"}])
    assert apply_breaks(lab, [checked]).breaks


@pytest.mark.parametrize(("nodes", "words"), [
    (["h3"], "the graph has no node named 'h3' (its sigmoid nodes: h1, h2)"),
    (["v2·h2"], "v2·h2 is a mul node, not sigmoid"),
    (["w3"], "w3 is not an op, not sigmoid"),
])
def test_a_node_the_graph_lacks_or_of_another_op_is_refused(lab, nodes, words):
    with pytest.raises(BreakError, match=r"entry 1 \('sigmoid'\)") as caught:
        apply_breaks(lab, check_breaks([{**SIGMOID_PLUS, "nodes": nodes}]))
    assert words in str(caught.value)


def test_an_op_the_graph_does_not_use_is_refused():
    graph = resolve_graph("w1*x1 + w2")[0]
    with pytest.raises(BreakError, match="the graph has no sigmoid node to break"):
        apply_breaks(graph, check_breaks([{k: v for k, v in SIGMOID_PLUS.items()
                                           if k != "nodes"}]))


def test_a_break_file_reads_like_an_ops_file(tmp_path):
    path = tmp_path / "break.json"
    path.write_text(json.dumps([SIGMOID_PLUS]), encoding="utf-8")
    (entry,) = read_break_file(str(path))
    assert entry["nodes"] == ["h2"]
    with pytest.raises(BreakError, match=r"--break .*missing\.json: no such file"):
        read_break_file(str(tmp_path / "missing.json"))


def test_the_stepper_shows_the_broken_rule_with_its_numbers():
    from core.debugger.stepper import plan_next_step
    from core.training.config import TrainingConfig
    from core.training.trainer import Trainer

    trainer = Trainer.from_config(TrainingConfig(graph=LAB, breaks=(SIGMOID_PLUS,)))
    plan = plan_next_step(trainer)
    graph = trainer.graph
    backward = [plan.positions[i] for i in plan.phase_range("backward")]
    captions = {graph[p.node].name: p.caption for p in backward
                if graph[p.node].op == "sigmoid"}
    assert "·(1 + σ(" in captions["h2"]
    assert "·(1 − σ(" in captions["h1"]


def test_a_broken_graph_and_its_original_are_freed_together():
    import gc
    import weakref

    graph = resolve_graph(LAB)[0]
    broken = apply_breaks(graph, check_breaks([SIGMOID_PLUS]))
    assert restore(broken) is graph
    refs = weakref.ref(graph), weakref.ref(broken)
    del graph, broken
    gc.collect()
    assert refs[0]() is None and refs[1]() is None
