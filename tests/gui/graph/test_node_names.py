"""An op node shows its symbol and, small above it, its name (the seed graph has eight ×
and five +: the name says which is which); the names are clear of the other nodes and
of the edges that do not end at their node.  Presentation's theme leaves them out, so the
whole graph keeps its 16 px digits on a projector."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QPainterPathStroker

from core.presets import PRESETS, resolve_graph
from gui.classroom.presentation import presentation_theme
from gui.graph.view import GraphView
from gui.theme import DEFAULT_THEME

THEMES = {"normal": DEFAULT_THEME,
          "presentation": presentation_theme(DEFAULT_THEME, 2.0, input_gradients=False)}


def view_of(qtbot, graph, theme=DEFAULT_THEME):
    view = GraphView(theme)
    qtbot.addWidget(view)
    view.set_graph(graph)
    return view


def test_seed_op_nodes_show_their_symbol_and_their_name(qtbot):
    graph = resolve_graph("seed")[0]
    items = view_of(qtbot, graph).node_items
    shown = {node_id: (item.shape_label, item.name_text) for node_id, item in items.items()}
    assert shown["mul7"] == ("×", "v1·v2")
    assert shown["sigmoid1"] == ("σ", "part_3")
    assert shown["exp1"] == ("exp", "part_1")
    assert shown["mul3"] == ("×", "#4")
    assert shown["add1"] == ("+", "w1·x1+w2·x2")
    # Leaves are their name; y' and L keep their tag; y − y' is its own name.
    assert shown["w1"] == ("w1", "")
    assert (items["y_pred"].shape_label, items["y_pred"].tag) == ("+", "y'")
    assert (items["loss"].tag, items["loss"].name_text, items["residual"].name_text) == \
        ("L", "", "")
    # Every × and + of the seed can be told apart by what is drawn.
    ops = [(item.shape_label, item.name_text or item.tag) for item in items.values()
           if graph[item.node.id].op is not None]
    assert len(ops) == len(set(ops)) and sum(1 for s, _ in ops if s == "×") == 8


def test_the_tooltip_names_the_node(qtbot):
    items = view_of(qtbot, resolve_graph("seed")[0]).node_items
    tip = items["mul7"].tooltip_html()
    assert tip.startswith("<b>v1·v2</b>") and "∂L/∂(v1·v2) =" in tip


def test_presentation_leaves_the_names_to_the_captions(qtbot):
    view = view_of(qtbot, resolve_graph("seed")[0], THEMES["presentation"])
    assert not any(item.name_text for item in view.node_items.values())
    assert view.node_items["y_pred"].tag == "y'"


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_names_are_inside_the_nodes_room_and_clear_of_everything_else(qtbot, preset):
    graph = resolve_graph(preset)[0]
    view = view_of(qtbot, graph, THEMES["normal"])
    items = view.node_items
    stroker = QPainterPathStroker()
    stroker.setWidth(2.0)
    strokes = {edge: stroker.createStroke(item.path()) for edge, item in view.edge_items.items()}
    named = [(node_id, item) for node_id, item in items.items() if item.name_text]
    assert named or preset == "tiny"
    for node_id, item in named:
        assert item.name_text == graph[node_id].name
        extent = item.extent()
        assert -item.name_rect.top() <= extent.above + 1e-9
        assert item.name_rect.left() >= -extent.left - 1e-9
        assert item.name_rect.right() <= extent.right + 1e-9
        name = item.name_scene_rect().adjusted(0.5, 0.5, -0.5, -0.5)
        for other_id, other in items.items():
            if other_id == node_id:
                continue
            rects = [other.shape_scene_rect(), *other.number_scene_rects()]
            if other.name_text:
                rects.append(other.name_scene_rect())
            assert not any(name.intersects(rect) for rect in rects), (node_id, other_id)
        for edge, stroke in strokes.items():
            if node_id not in edge[:2]:
                assert not stroke.intersects(name), (node_id, edge)
