"""A node's and an edge's tooltip write the local derivative in the graph's names from the
row the node computes with (its trees), a derivative broken on purpose included."""

from __future__ import annotations

from html import unescape

from core.autodiff.engine import evaluate
from core.autodiff.formula import parse_formula
from core.autodiff.ops import OPS
from core.expr.parse import parse_expression
from core.presets import resolve_graph
from gui.graph.view import GraphView


def _view(qtbot, graph):
    view = GraphView()
    qtbot.addWidget(view)
    view.set_graph(graph)
    return view


def test_seed_tooltips_write_each_rule_in_the_nodes_names(qtbot):
    view = _view(qtbot, resolve_graph("seed")[0])
    tanh = view.node_items["tanh1"].tooltip_html()
    assert "local rule: ∂part_2/∂(part_1+w7) = 1 − tanh²(part_1+w7)" in tanh
    product = view.node_items["mul7"].tooltip_html()
    assert "local rule: ∂(v1·v2)/∂v1 = v2" in product
    assert "local rule: ∂(v1·v2)/∂v2 = v1" in product
    # A leaf has no rule; the edge into σ says its consumer's rule before any number.
    assert "local rule" not in view.node_items["w1"].tooltip_html()
    edge = view.edge_items[("add5", "sigmoid1", 0)].tooltip_html()
    assert "local ∂part_3/∂(v1·v2+w8) = σ(v1·v2+w8)·(1 − σ(v1·v2+w8))<br>" in edge
    assert "not reached this edge yet" in edge


def test_a_broken_rule_is_what_the_tooltips_say(qtbot):
    graph = parse_formula("sigmoid(w*x1)")
    node = next(n.id for n in graph if n.op == "sigmoid")
    broken = OPS["sigmoid"].with_derivatives((parse_expression("out * (1 + out)"),))
    graph = graph.with_breaks({node: broken})
    view = _view(qtbot, graph)
    # The item draws the row the graph computes with, not the table's.
    assert view.node_items[node].row is graph.op_of(node) is not OPS["sigmoid"]
    view.show_trace(evaluate(graph, [0.5], 1.0, [0.8]))
    assert "∂y'/∂(w·x1) = σ(w·x1)·(1 + σ(w·x1))" in unescape(
        view.node_items[node].tooltip_html())
    edge = next(item for e, item in view.edge_items.items() if e[1] == node)
    assert "local ∂y'/∂(w·x1) = σ(w·x1)·(1 + σ(w·x1)) = 0.95" in unescape(edge.tooltip_html())
