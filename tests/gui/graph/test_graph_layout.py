"""The layout: left to right, crossing-free for the seed graph (checked on the drawn
curves), numbers clear of edges, every preset laid out."""

from __future__ import annotations

import numpy as np
import pytest

from core import layout as graph_layout
from core.layout import (
    NodeExtent,
    RowLayout,
    assign_layers,
    compute_layout,
    count_crossings,
    place_columns,
)
from core.presets import PRESETS, resolve_graph
from gui.graph.geometry import text_collisions
from gui.graph.view import GraphView


def _polyline(path, samples: int = 48) -> np.ndarray:
    points = [path.pointAtPercent(k / samples) for k in range(samples + 1)]
    return np.array([(p.x(), p.y()) for p in points])


def _polylines_cross(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two polylines have a proper crossing (all segment pairs at once)."""
    p1, p2 = a[:-1, None, :], a[1:, None, :]
    q1, q2 = b[None, :-1, :], b[None, 1:, :]

    def orient(u, v, w):
        return (v[..., 0] - u[..., 0]) * (w[..., 1] - u[..., 1]) \
            - (v[..., 1] - u[..., 1]) * (w[..., 0] - u[..., 0])

    d1, d2 = orient(q1, q2, p1), orient(q1, q2, p2)
    d3, d4 = orient(p1, p2, q1), orient(p1, p2, q2)
    return bool(np.any((d1 * d2 < 0) & (d3 * d4 < 0)))


def drawn_crossings(view: GraphView) -> list[tuple]:
    """Pairs of drawn edges whose curves intersect, except edges sharing a node."""
    lines = {edge: _polyline(item.path()) for edge, item in view.edge_items.items()}
    edges = list(lines)
    found = []
    for i, a in enumerate(edges):
        for b in edges[i + 1:]:
            if set(a[:2]) & set(b[:2]):
                continue
            if _polylines_cross(lines[a], lines[b]):
                found.append((a, b))
    return found


def test_crossing_detector_sees_a_crossing():
    a = np.array([(0.0, 0.0), (10.0, 10.0)])
    b = np.array([(0.0, 10.0), (10.0, 0.0)])
    assert _polylines_cross(a, b)
    assert not _polylines_cross(a, a + np.array([0.0, 5.0]))


@pytest.fixture
def seed_view(qtbot, seed_graph):
    view = GraphView()
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.set_graph(seed_graph)
    return view


def test_seed_graph_is_drawn_without_crossings(seed_view):
    assert drawn_crossings(seed_view) == []


def test_seed_graph_numbers_and_shapes_are_clear_of_edges(seed_view):
    assert text_collisions(seed_view.node_items, seed_view.edge_items) == []


def test_no_two_nodes_overlap(seed_view):
    rects = {n: item.mapRectToScene(item.boundingRect())
             for n, item in seed_view.node_items.items()}
    names = list(rects)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not rects[a].intersects(rects[b]), (a, b)


def test_left_to_right_inputs_first_loss_last(seed_view, seed_graph):
    x = {n: item.pos().x() for n, item in seed_view.node_items.items()}
    assert x["loss"] == max(x.values())
    for feature in seed_graph.features:
        assert x[feature] == min(x.values())
    for operand, consumer, _ in seed_graph.edges:
        assert x[operand] < x[consumer]


def test_square_is_two_separate_parallel_edges(seed_view, seed_graph):
    # (w1*x1 + w2*x2) * (w1*x1 + w2*x2): one sum node, two edges into the product.
    parallel = [e for e in seed_graph.edges if e[1] == "mul3"]
    assert [e[2] for e in parallel] == [0, 1]
    assert parallel[0][0] == parallel[1][0]
    first, second = (seed_view.edge_items[e].path() for e in parallel)
    middle = (first.pointAtPercent(0.5), second.pointAtPercent(0.5))
    assert abs(middle[0].y() - middle[1].y()) > 4


def test_leaves_sit_next_to_their_consumer(seed_graph):
    layer = assign_layers(seed_graph)
    assert layer["w6"] == layer["add2"] - 1
    assert layer["y"] == layer["residual"] - 1


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_is_laid_out(name):
    graph = resolve_graph(name)[0]
    result = compute_layout(graph)
    assert set(result.positions) == set(graph.nodes)
    for operand, consumer, _ in graph.edges:
        assert len(result.polyline((operand, consumer))) >= 2


@pytest.mark.parametrize("name", ["seed", "linear", "neuron", "tiny"])
def test_tree_presets_have_no_crossings(name):
    graph = resolve_graph(name)[0]
    result = compute_layout(graph)
    _, _, succs, _ = graph_layout._proper_graph(graph, assign_layers(graph))
    assert count_crossings(result.layers, succs) == 0


def test_layout_is_deterministic(seed_graph):
    assert compute_layout(seed_graph).positions == compute_layout(seed_graph).positions


def test_shared_subexpression_gets_routed_long_edge():
    graph = resolve_graph("w1*x1 + sin(w2*x2) * exp(w3*x3 + w4)")[0]
    result = compute_layout(graph)
    for (operand, consumer), points in result.routes.items():
        span = result.layer_x.index(result.positions[consumer][0]) \
            - result.layer_x.index(result.positions[operand][0])
        assert len(points) == span - 1


FORMULAS = ["sigmoid(a*x1 + b)*c + relu(d*x2)",
            "tanh(a*x1 + b)*tanh(c*x2 + d)*e + log(1 + exp(f*x3))",
            "(a*x1 + b)**2 + (a*x1 + b)*c"]


@pytest.mark.parametrize("spec", ["seed", "linear", "neuron", "tiny", "mlp", *FORMULAS])
def test_numbers_are_clear_of_edges_and_of_other_nodes(qtbot, spec):
    view = GraphView()
    qtbot.addWidget(view)
    view.set_graph(resolve_graph(spec)[0])
    assert text_collisions(view.node_items, view.edge_items) == []
    rects = {n: item.mapRectToScene(item.boundingRect())
             for n, item in view.node_items.items()}
    names = list(rects)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not rects[a].intersects(rects[b]), (a, b)


@pytest.mark.parametrize("spec", ["linear", "neuron", "tiny", *FORMULAS[:2]])
def test_tree_graphs_are_drawn_without_crossings(qtbot, spec):
    view = GraphView()
    qtbot.addWidget(view)
    view.set_graph(resolve_graph(spec)[0])
    assert drawn_crossings(view) == []


def test_only_first_layer_leaves_have_numbers_on_their_left(seed_view, seed_graph):
    layer = assign_layers(seed_graph)
    for node_id, item in seed_view.node_items.items():
        first_layer_leaf = item.node.is_leaf and layer[node_id] == 0
        assert (item.text_side == "left") == first_layer_leaf, node_id
    # Numbers go on the side away from the leaf's edge: y feeds y - y' below it.
    assert seed_view.node_items["y"].text_side == "above"
    assert seed_view.node_items["w6"].text_side == "below"


def _two_columns(second_y: float, edge: bool = False) -> RowLayout:
    """Node a (layer 0, height 0) and node b (layer 1): shapes 40 wide, numbers 120 wide
    below the shapes."""
    extent = NodeExtent(left=60.0, right=60.0, above=20.0, below=60.0, shape_left=20.0,
                        shape_right=20.0)
    return RowLayout(order=("a", "b"), layers=(("a",), ("b",)),
                     succs={"a": ("b",) if edge else (), "b": ()}, chains={},
                     y={"a": 0.0, "b": second_y}, extents={"a": extent, "b": extent},
                     row_gap=10.0)


def test_numbers_reach_into_a_gap_beside_them_but_not_into_other_numbers():
    apart = place_columns(_two_columns(200.0), layer_gap=30.0, clearance=10.0)
    assert apart.layer_x[1] - apart.layer_x[0] == pytest.approx(20.0 + 30.0 + 20.0)
    level = place_columns(_two_columns(0.0), layer_gap=30.0, clearance=10.0)
    assert level.layer_x[1] - level.layer_x[0] == pytest.approx(60.0 + 10.0 + 60.0)
    wider = place_columns(_two_columns(200.0), layer_gap=30.0, clearance=10.0,
                          extra_gaps=[25.0])
    assert wider.layer_x[1] - wider.layer_x[0] == pytest.approx(70.0 + 25.0)


def test_a_steep_edge_gets_a_longer_gap():
    flat = place_columns(_two_columns(200.0), layer_gap=30.0, clearance=10.0)
    steep = place_columns(_two_columns(200.0, edge=True), layer_gap=30.0, clearance=10.0)
    gap = steep.layer_x[1] - steep.layer_x[0] - 40.0
    assert gap == pytest.approx(graph_layout.MAX_SLOPE_GAP * 200.0)
    assert steep.layer_x[1] - steep.layer_x[0] > flat.layer_x[1] - flat.layer_x[0]
