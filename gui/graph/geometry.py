"""Geometry of the drawn graph: where edges attach and run, what they run into, and
what must stay clear of the legends.  Works on laid-out items; draws nothing."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainterPathStroker

from core.autodiff.graph import Edge, Graph
from core.layout import GraphLayout
from gui.graph.edge_item import EdgeItem
from gui.graph.node_item import NodeItem

#: How far apart (radians from the horizontal) the ports of a node's edges fan out.
PORT_SPREAD = 0.62


def content_boxes(nodes: Mapping[str, NodeItem], edges: Mapping[Edge, EdgeItem],
                  origin: QRectF, samples: int = 32) -> np.ndarray:
    """(left, top, right, bottom) of every node and of short pieces of every edge, relative
    to ``origin``'s top-left corner: what must stay clear of the legends."""
    boxes = []
    for node in nodes.values():
        rect = node.mapRectToScene(node.boundingRect())
        boxes.append((rect.left(), rect.top(), rect.right(), rect.bottom()))
    for edge in edges.values():
        path = edge.path()
        half = edge.theme.px(edge.theme.edge_max_width) / 2
        points = [path.pointAtPercent(k / samples) for k in range(samples + 1)]
        for a, b in itertools.pairwise(points):
            boxes.append((min(a.x(), b.x()) - half, min(a.y(), b.y()) - half,
                          max(a.x(), b.x()) + half, max(a.y(), b.y()) + half))
        arrow = edge.mapRectToScene(edge.arrow_rect())
        boxes.append((arrow.left(), arrow.top(), arrow.right(), arrow.bottom()))
    if not boxes:
        return np.zeros((0, 4))
    return np.asarray(boxes, dtype=float) - (origin.left(), origin.top(),
                                             origin.left(), origin.top())


def text_collisions(nodes: Mapping[str, NodeItem], edges: Mapping[Edge, EdgeItem]
                    ) -> list[tuple[str, Edge]]:
    """(node, edge) pairs where an edge's curve runs through the node's numbers, or
    through the shape of a node that is not one of its ends."""
    stroker = QPainterPathStroker()
    stroker.setWidth(2.0)
    edge_list = list(edges)
    strokes = [stroker.createStroke(edges[edge].path()) for edge in edge_list]
    node_list = list(nodes)
    texts = [nodes[n].text_rect() for n in node_list]
    shapes = [nodes[n].shape_scene_rect().adjusted(4, 4, -4, -4) for n in node_list]
    if not strokes or not texts:
        return []
    # Bounding boxes first, all pairs at once; curves only where boxes meet.
    stroke_boxes = _rect_array([stroke.boundingRect() for stroke in strokes])
    near = _rect_array([t.united(r) for t, r in zip(texts, shapes, strict=True)])
    meets = (near[:, None, 0] < stroke_boxes[None, :, 2]) \
        & (near[:, None, 2] > stroke_boxes[None, :, 0]) \
        & (near[:, None, 1] < stroke_boxes[None, :, 3]) \
        & (near[:, None, 3] > stroke_boxes[None, :, 1])
    found = []
    for i, j in zip(*np.nonzero(meets), strict=True):
        node_id, edge, stroke = node_list[i], edge_list[j], strokes[j]
        if not stroke.intersects(texts[i]) and (
                node_id in edge[:2] or not stroke.intersects(shapes[i])):
            continue
        found.append((node_id, edge))
    return found


def _rect_array(rects: Sequence[QRectF]) -> np.ndarray:
    return np.array([(r.left(), r.top(), r.right(), r.bottom()) for r in rects], dtype=float)


def route_edges(graph: Graph, layout: GraphLayout, items: Mapping[str, NodeItem]
                ) -> dict[Edge, list[QPointF]]:
    """Points of every edge: out-port, routing points, in-port.

    A node's incoming edges are fanned over the left side of its shape and its outgoing
    edges over the right side, both in the vertical order of the other ends, so edges that
    share a node never cross there.  Parallel edges (``s * s``) get separate ports and
    slightly separated routing points.
    """
    parallel: dict[tuple[str, str], list[Edge]] = {}
    for edge in graph.edges:
        parallel.setdefault((edge[0], edge[1]), []).append(edge)

    def waypoints(edge: Edge) -> list[QPointF]:
        group = parallel[(edge[0], edge[1])]
        offset = (group.index(edge) - (len(group) - 1) / 2) * 8.0
        return [QPointF(x, y + offset) for x, y in layout.routes[(edge[0], edge[1])]]

    def first_after(edge: Edge) -> QPointF:
        points = waypoints(edge)
        return points[0] if points else items[edge[1]].pos()

    def last_before(edge: Edge) -> QPointF:
        points = waypoints(edge)
        return points[-1] if points else items[edge[0]].pos()

    def angles(count: int) -> list[float]:
        if count == 1:
            return [0.0]
        return [-PORT_SPREAD + 2 * PORT_SPREAD * k / (count - 1) for k in range(count)]

    by_operand: dict[str, list[Edge]] = {}
    by_consumer: dict[str, list[Edge]] = {}
    for edge in graph.edges:
        by_operand.setdefault(edge[0], []).append(edge)
        by_consumer.setdefault(edge[1], []).append(edge)
    out_port: dict[Edge, QPointF] = {}
    in_port: dict[Edge, QPointF] = {}
    for node_id, item in items.items():
        outgoing = sorted(by_operand.get(node_id, []),
                          key=lambda e: (first_after(e).y(), e[2]))
        for edge, angle in zip(outgoing, angles(len(outgoing)), strict=True):
            out_port[edge] = item.port(angle, incoming=False)
        incoming = sorted(by_consumer.get(node_id, []),
                          key=lambda e: (last_before(e).y(), e[2]))
        for edge, angle in zip(incoming, angles(len(incoming)), strict=True):
            in_port[edge] = item.port(angle, incoming=True)
    return {edge: [out_port[edge], *waypoints(edge), in_port[edge]] for edge in graph.edges}
