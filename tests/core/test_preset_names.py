"""The networks' presets name their steps (z1, h1, z), so that what the graph, the stepper
and every message show reads as the course writes a network, and they are still the same
graphs operation for operation as the one-line texts they had before."""

import numpy as np
import pytest

from core.autodiff.engine import evaluate
from core.autodiff.formula import parse_formula
from core.autodiff.naming import is_numbered
from core.presets import FORMER_FORMULAS, PRESETS, resolve_graph

NAMED = {
    "xor": ("z1", "h1", "z2", "h2", "z"),
    "xor-bce": ("z1", "h1", "z2", "h2"),
    "mlp": ("z1", "h1", "z2", "h2", "z3", "h3"),
}


@pytest.mark.parametrize("preset", list(NAMED))
def test_hidden_units_and_their_inputs_are_named(preset):
    graph = PRESETS[preset].build()
    assert graph.warnings == ()
    for name in NAMED[preset]:
        node = graph.by_name(name)
        assert node.op == ("tanh" if name.startswith("h") else "add"), name
    # The units' outputs times their weights read by the names: v1·h1, not #6.
    assert graph.by_name("v1·h1").op == "mul"
    assert graph.by_name("v2·h2").op == "mul"


def test_only_the_partial_sums_of_a_units_inputs_are_numbered():
    xor = PRESETS["xor"].build()
    numbered = [node for node in xor if is_numbered(node.name)]
    # w11·x1+w12·x2 is 13 characters: a partial sum of z1, left numbered.
    assert [node.expr for node in numbered] == ["w11 * x1 + w12 * x2", "w21 * x1 + w22 * x2"]
    before = parse_formula(FORMER_FORMULAS["xor"][0])
    assert sum(is_numbered(node.name) for node in before) == 8
    assert sum("#" in node.name for node in before) == 10
    assert sum("#" in node.name for node in xor) == 2


@pytest.mark.parametrize("preset", list(NAMED))
def test_the_named_preset_is_the_former_graph_operation_for_operation(preset):
    graph = PRESETS[preset].build()
    (text,) = FORMER_FORMULAS[preset]
    old = parse_formula(text)
    # Every node computes the same subexpression of the same operands.
    assert sorted((n.kind, n.op or "", n.expr) for n in graph) == sorted(
        (n.kind, n.op or "", n.expr) for n in old)
    assert graph.weights == old.weights
    rng = np.random.default_rng(7)
    x = rng.normal(size=graph.n_inputs)
    weights = rng.normal(size=len(graph.weights))
    new_trace, old_trace = evaluate(graph, x, 1.0, weights), evaluate(old, x, 1.0, weights)
    assert new_trace.loss == old_trace.loss  # bit for bit
    assert new_trace.weight_grads.tolist() == old_trace.weight_grads.tolist()
    # The text a session or a finger may still carry opens as the preset.
    built, found = resolve_graph(text)
    assert found is PRESETS[preset]
    assert built.names() == graph.names()
