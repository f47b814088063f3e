"""A gradient check's rings never cover a number: the layout keeps a weight's numbers and
its neighbours out of the ring's reach, ring or not."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRectF

from core.presets import resolve_graph
from gui.classroom.presentation import presentation_theme
from gui.graph.verdict_mark import WeightMark
from gui.graph.view import GraphView
from gui.theme import DEFAULT_THEME

THEMES = {
    "normal": DEFAULT_THEME,
    **{f"present {scale}": presentation_theme(DEFAULT_THEME, scale, input_gradients=False)
       for scale in (1.5, 2.0, 3.0)},
}


def overlaps(view):
    """(number's node, what it is under) for every number under a ring or a shape."""
    rings = [(node_id, mark.mapRectToScene(mark.boundingRect()))
             for node_id, mark in view.verdict_marks.items()]
    shapes = [(node_id, item.shape_scene_rect()) for node_id, item in view.node_items.items()]
    found = []
    for node_id, item in view.node_items.items():
        for drawn in item.number_scene_rects():
            # Less half a unit: rectangles that merely touch do not overlap.
            number = drawn.adjusted(0.5, 0.5, -0.5, -0.5)
            found += [(node_id, f"ring of {other}") for other, ring in rings
                      if ring.intersects(number)]
            found += [(node_id, f"shape of {other}") for other, shape in shapes
                      if shape.intersects(number)]
    return found


@pytest.mark.parametrize("theme", list(THEMES))
@pytest.mark.parametrize("graph", ["seed", "xor", "neuron"])
def test_no_number_is_under_a_ring_or_a_shape(qtbot, theme, graph):
    view = GraphView(THEMES[theme])
    qtbot.addWidget(view)
    view.resize(1024, 600)
    view.set_graph(resolve_graph(graph)[0])
    weights = [n for n, item in view.node_items.items() if item.node.kind == "weight"]
    assert weights
    view.set_verdict_marks({n: WeightMark("wrong") for n in weights})
    assert set(view.verdict_marks) == set(weights)
    assert overlaps(view) == []


def test_the_ring_is_where_the_layout_left_room(qtbot, seed_graph):
    view = GraphView(THEMES["present 2.0"])
    qtbot.addWidget(view)
    view.set_graph(seed_graph)
    view.set_verdict_marks({"w1": WeightMark("correct")})
    ring = view.verdict_marks["w1"]
    item = view.node_items["w1"]
    drawn = ring.mapRectToScene(QRectF(ring.ring_rect))
    reserved = item.mapRectToScene(item.ring_rect())
    # The ring's stroke (half its width outside its centre line) ends at the reserved
    # rectangle: left and right exactly.
    assert drawn.left() - ring._ring_width / 2 == pytest.approx(reserved.left())
    assert drawn.right() + ring._ring_width / 2 == pytest.approx(reserved.right())
