"""The graph draws a stepper's partial picture; every node shows its operation; what people
read names nodes as drawn."""

from __future__ import annotations

import re

import pytest

from core.debugger.stepper import Stepper
from core.presets import resolve_graph
from gui.formatting import short_number
from gui.graph.view import GraphView
from tests.gui.graph.views import first_sample_plan, fitted_view

INTERNAL_ID = re.compile(r"\b(?:add|sub|mul|exp|tanh|sin|sigmoid|square)\d+\b|y_pred|residual")


@pytest.fixture
def seed_view(qtbot, seed_graph, dataset):
    view = GraphView()
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.set_graph(seed_graph)
    view.show()
    return view, first_sample_plan(seed_graph, dataset, "adam")


def picture(view):
    nodes = {n: (i.value_text, i.grad_text, i.mark) for n, i in view.node_items.items()}
    edges = {e: (i.applied, i.active, i.colour.name(), i.width)
             for e, i in view.edge_items.items()}
    return nodes, edges, view.step_note.text


def test_forward_positions_show_values_so_far_and_no_gradients(seed_view):
    view, plan = seed_view
    position = plan.positions[plan.position_of("forward", "mul1")]
    view.show_step(position, plan.trace)
    order = plan.trace.forward_order
    for i, node_id in enumerate(order):
        item = view.node_items[node_id]
        assert (item.value_text != "") == (i <= order.index("mul1"))
        assert item.grad_text == ""
    assert view.node_items["mul1"].mark == "active"
    assert view.node_items["w1"].mark == view.node_items["x1"].mark == "input"
    assert not any(item.applied for item in view.edge_items.values())
    assert view.step_note.isVisible() and view.step_note.text == position.text


def test_backward_positions_show_the_active_edge_and_its_arithmetic(seed_view):
    view, plan = seed_view
    position = next(p for p in plan.positions if p.backward is not None
                    and p.backward.operand == "w9")
    view.show_step(position, plan.trace)
    step = position.backward
    edge = view.edge_items[step.edge]
    assert edge.active and edge.applied
    assert edge.contribution == step.contribution and edge.local == step.local
    assert sum(item.active for item in view.edge_items.values()) == 1
    assert sum(item.applied for item in view.edge_items.values()) == step.index + 1
    assert view.node_items["w9"].mark == "receiver"
    assert view.node_items["mul8"].mark == "active"
    assert view.step_note.text == position.text
    assert "∂L/∂w9 = ∂L/∂(part_3·w9) · ∂(part_3·w9)/∂w9" in view.step_note.text
    # Gradients only where they have been accumulated.
    for node_id, item in view.node_items.items():
        assert (item.grad_text != "") == (node_id in position.grads)


def test_stepping_back_restores_the_previous_picture(seed_view):
    view, plan = seed_view
    stepper = Stepper(plan)
    pictures = []
    for _ in range(len(plan)):
        view.show_step(stepper.position, plan.trace)
        pictures.append(picture(view))
        stepper.forward()
    for expected in reversed(pictures[:-1]):
        view.show_step(stepper.back(), plan.trace)
        assert picture(view) == expected


def test_update_positions_show_the_new_weight(seed_view):
    view, plan = seed_view
    position = plan.positions[plan.position_of("update", "w3")]
    view.show_step(position, plan.trace)
    new = position.update.new
    assert view.node_items["w3"].value_text == short_number(new)
    assert view.node_items["w3"].value == new
    assert view.node_items["w4"].value == plan.trace.values["w4"]  # not updated yet
    assert all(item.applied for item in view.edge_items.values())


def test_clearing_the_step_removes_marks_and_the_note(seed_view):
    view, plan = seed_view
    view.show_step(plan.positions[40], plan.trace)
    view.clear_step()
    assert not view.step_note.isVisible()
    assert all(item.mark is None for item in view.node_items.values())
    assert not any(item.active for item in view.edge_items.values())


def test_the_output_node_shows_its_op_and_is_marked_y_prime(qtbot):
    graph, _ = resolve_graph("sigmoid(a*x1 + b)")
    view = GraphView()
    qtbot.addWidget(view)
    view.set_graph(graph)
    output = view.node_items[graph.output]
    assert (output.shape_label, output.tag) == ("σ", "y'")
    loss = view.node_items[graph.loss]
    assert (loss.shape_label, loss.tag) == ("x²", "L")
    assert view.node_items["a"].tag == ""
    # The tag is inside what the layout reserves for the node.
    extent = output.extent()
    assert -output.tag_rect.top() <= extent.above + 1e-9


def test_tooltips_name_nodes_and_edges_as_drawn(seed_view):
    view, plan = seed_view
    view.show_trace(plan.trace)
    for item in view.node_items.values():
        assert not INTERNAL_ID.search(item.tooltip_html()), item.tooltip_html()
    for item in view.edge_items.values():
        assert not INTERNAL_ID.search(item.tooltip_html()), item.tooltip_html()
    html = view.edge_items[("sigmoid1", "mul8", 0)].tooltip_html()
    # By the nodes' one names, as their captions say (not the σ and × several share).
    assert "part_3 → part_3·w9" in html and "∂(part_3·w9)/∂part_3 = w9 = 0.9" in html


def test_clicking_a_node_reports_it(qtbot, seed_view):
    from PySide6.QtCore import Qt

    view, _ = seed_view
    item = view.node_items["tanh1"]
    point = view.mapFromScene(item.shape_scene_rect().center())
    with qtbot.waitSignal(view.node_clicked, timeout=1000) as signal:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert signal.args == ["tanh1"]


@pytest.mark.parametrize("size", [(1200, 700), (910, 330)])
def test_the_note_leaves_the_weight_receiving_the_gradient_in_sight(qtbot, seed_graph, dataset,
                                                                   size):
    """Where w9 receives its gradient (the lesson's stop on σ·w9), the note covers neither
    w9 nor the product, even in a view as short as the lesson's at 1280x720: the note moves
    further away on a longer stem instead."""
    view = fitted_view(qtbot, seed_graph, size)
    plan = first_sample_plan(seed_graph, dataset)
    position = next(p for p in plan.positions if p.receiver == "w9")
    view.show_step(position, plan.trace)
    note = view.step_note
    box = note.deviceTransform(view.viewportTransform()).mapRect(note.boundingRect())
    for node_id in (position.node, position.receiver):
        shape = view.mapFromScene(view.node_items[node_id].shape_scene_rect())
        # (less a pixel: the mapping to whole pixels rounds)
        assert not box.intersects(shape.boundingRect().toRectF().adjusted(1, 1, -1, -1)), (
            node_id, note.text)
