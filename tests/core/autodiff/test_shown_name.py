"""What people read for a node is its one unique name, wherever it is read."""

from core.autodiff.graph import Node
from core.autodiff.naming import shown_name
from core.presets import PRESETS
from core.training.divergence import node_name


def test_every_node_of_the_seed_is_shown_by_its_unique_name():
    graph = PRESETS["seed"].build()
    shown = [shown_name(node) for node in graph]
    assert len(set(shown)) == len(shown)
    assert [node_name(graph, node.id) for node in graph] == shown
    assert shown_name(graph["exp1"]) == "part_1" and shown_name(graph["mul1"]) == "w1·x1"


def test_a_node_built_without_a_graph_falls_back_to_its_label():
    node = Node(id="mul1", kind="op", label="×", op="mul", inputs=("a", "b"))
    assert shown_name(node) == "×"


def test_a_constant_is_written_exactly_once_everywhere():
    from core.autodiff.formula import parse_formula

    graph = parse_formula("0.123456789*w1*x1 + w2**-2")
    constant = next(node for node in graph if node.kind == "constant")
    assert constant.label == constant.expr == shown_name(constant) == "0.123456789"
    assert "w2**(-2)" in graph[graph.output].expr
