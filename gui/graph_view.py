"""The centre of the window: the computational graph with every value and gradient.

Items are created and laid out in :meth:`GraphView.set_graph` (when the graph changes);
:meth:`GraphView.show_trace` only updates numbers and edge colours.  Zoom with Ctrl+wheel
or Ctrl+plus/minus, pan by dragging, fit with F.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPathStroker, QTransform, QWheelEvent
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QWidget

from core.engine import Trace
from core.graph import Edge, Graph
from gui.edge_item import EdgeItem
from gui.graph_layout import GraphLayout, RowLayout, assign_layers, place_columns, place_rows
from gui.graph_legend import LARGEST_PX, SMALLEST_PX, DerivativeLegend, EncodingLegend
from gui.node_item import NodeItem
from gui.theme import DEFAULT_THEME, Theme
from gui.view_fit import fit_around

#: How far apart (radians from the horizontal) the ports of a node's edges fan out.
PORT_SPREAD = 0.62
ZOOM_STEP = 1.2
MIN_ZOOM = 0.05
MAX_ZOOM = 8.0
#: Graphs up to this many nodes get the finer points of the layout: numbers away from the
#: edges of leaves, gaps widened where edges run through numbers, exact edges for the fit.
CHECK_LIMIT = 400
#: How much a gap between layers grows per round, and at most how many rounds.
WIDEN_STEP = 8.0
MAX_WIDENINGS = 16
#: Scene units of white around the graph.
SCENE_MARGIN = 10.0
#: Pixels kept between a legend and the nearest drawing.
LEGEND_CLEARANCE = 6


class GraphView(QGraphicsView):
    """A zoomable, pannable drawing of a :class:`~core.graph.Graph` and its trace."""

    #: The view's zoom factor changed (1.0 = one scene unit per pixel).
    zoom_changed = Signal(float)

    def __init__(self, theme: Theme = DEFAULT_THEME, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.graph: Graph | None = None
        self.layout_result: GraphLayout | None = None
        self._rows: RowLayout | None = None
        self.node_items: dict[str, NodeItem] = {}
        self.edge_items: dict[Edge, EdgeItem] = {}
        self._highlighted: str | None = None
        self._auto_fit = True
        self._graph_rect = QRectF()
        self._content_boxes = np.zeros((0, 4))
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setOptimizationFlags(QGraphicsView.OptimizationFlag.DontSavePainterState)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setBackgroundBrush(QColor(theme.background))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.encoding_legend = EncodingLegend(theme, self)
        self.derivative_legend = DerivativeLegend(theme, self)

    # -- structure (only when the graph changes) ------------------------------------

    def set_graph(self, graph: Graph) -> None:
        """Create one item per node and edge, lay them out and fit the view."""
        scene = self.scene()
        scene.clear()
        self.graph = graph
        self._highlighted = None
        self.node_items = {node.id: NodeItem(node, self.theme) for node in graph}
        for item in self.node_items.values():
            scene.addItem(item)
        self.edge_items = {edge: EdgeItem(edge, self.theme) for edge in graph.edges}
        for item in self.edge_items.values():
            scene.addItem(item)
        # Leaves of the first layer show their numbers on their left, where no edge
        # arrives and the column is already wide; any other leaf shows them below (or
        # above) like an op, so that its layer stays as narrow as its shapes.
        layer = assign_layers(graph)
        for node_id, item in self.node_items.items():
            if item.text_side == "left" and layer[node_id] > 0:
                item.set_text_side("below")
        self._arrange()
        # Numbers go on the side away from the edge leaving the leaf (in graphs small
        # enough to lay out twice).
        moved = False
        for node_id, item in self.node_items.items() if len(graph) <= CHECK_LIMIT else ():
            consumers = graph.consumers(node_id)
            if item.node.is_leaf and item.text_side != "left" and consumers:
                side = "above" if self.node_items[consumers[0][0]].y() > item.y() \
                    else "below"
                if side != item.text_side:
                    item.set_text_side(side)
                    moved = True
        if moved:
            self._arrange()
        if len(graph) <= CHECK_LIMIT:
            self._widen_where_edges_hit_numbers()
        margin = self.theme.px(SCENE_MARGIN)
        bounds = scene.itemsBoundingRect().adjusted(-margin, -margin, margin, margin)
        scene.setSceneRect(bounds)
        self._graph_rect = bounds
        self._content_boxes = content_boxes(self.node_items, self.edge_items, bounds,
                                            samples=32 if len(graph) <= CHECK_LIMIT else 6)
        self.derivative_legend.set_graph(graph)
        self._place_legends()
        self._auto_fit = True
        self.fit_all()

    def _arrange(self, extra_gaps: Sequence[float] = (), *, same_rows: bool = False) -> None:
        """Lay out the node items and route the edges between them; with ``same_rows``,
        only place the columns again (nothing but the gaps changed)."""
        assert self.graph is not None
        theme = self.theme
        if not same_rows or self._rows is None:
            extents = {node_id: item.extent() for node_id, item in self.node_items.items()}
            self._rows = place_rows(self.graph, extents.__getitem__,
                                    row_gap=theme.px(theme.row_gap))
        layout = place_columns(self._rows, layer_gap=theme.px(theme.layer_gap),
                               clearance=theme.px(theme.text_clearance),
                               extra_gaps=extra_gaps)
        self.layout_result = layout
        for node_id, item in self.node_items.items():
            item.setPos(*layout.positions[node_id])
        for edge, points in route_edges(self.graph, layout, self.node_items).items():
            self.edge_items[edge].set_points(points)

    def _widen_where_edges_hit_numbers(self) -> None:
        """Widen, a step at a time, each gap between layers where an edge runs through a
        node's numbers or shape: a longer gap gives the curve room to level out."""
        assert self.layout_result is not None
        step = self.theme.px(WIDEN_STEP)
        extra = [0.0] * max(0, len(self.layout_result.layer_x) - 1)
        for _ in range(MAX_WIDENINGS):
            gaps = self._gaps_with_collisions()
            if not gaps:
                return
            for i in gaps:
                extra[i] += step
            self._arrange(extra, same_rows=True)

    def _gaps_with_collisions(self) -> set[int]:
        assert self.layout_result is not None
        layer_x = self.layout_result.layer_x
        gaps: set[int] = set()
        for node_id, edge in text_collisions(self.node_items, self.edge_items):
            node = self.node_items[node_id]
            box = node.text_rect().united(node.shape_scene_rect())
            start = self.node_items[edge[0]].x()
            end = self.node_items[edge[1]].x()
            left, right = max(box.left(), start), min(box.right(), end)
            if left > right:  # Only the arrowhead's end: the gap before the consumer.
                left, right = start, end
            gaps.update(i for i in range(len(layer_x) - 1)
                        if layer_x[i] < right and layer_x[i + 1] > left
                        and layer_x[i] >= start and layer_x[i + 1] <= end)
        return gaps

    # -- state (every frame) ------------------------------------------------------

    def show_trace(self, trace: Trace) -> None:
        """Show the values, gradients and edge contributions of ``trace``."""
        values, grads, local = trace.values, trace.grads, trace.local
        for node_id, item in self.node_items.items():
            item.set_numbers(values.get(node_id, math.nan), grads.get(node_id, math.nan))
        for edge, item in self.edge_items.items():
            consumer_grad = grads.get(edge[1], math.nan)
            derivative = local.get(edge, math.nan)
            # Python floats do not raise: inf * 0 is nan, which the edge shows in red.
            item.set_contribution(consumer_grad * derivative, derivative)

    def highlight_node(self, node_id: str | None) -> None:
        """Mark one node (e.g. where training diverged); ``None`` clears the mark."""
        if self._highlighted in self.node_items:
            self.node_items[self._highlighted].set_highlighted(False)
        self._highlighted = node_id
        if node_id in self.node_items:
            item = self.node_items[node_id]
            item.set_highlighted(True)
            self.ensureVisible(item)

    # -- zoom and pan ---------------------------------------------------------------

    def zoom(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float) -> None:
        current = self.zoom()
        target = min(MAX_ZOOM, max(MIN_ZOOM, current * factor))
        if target != current:
            self._auto_fit = False
            self.scale(target / current, target / current)
            self.zoom_changed.emit(self.zoom())

    def zoom_in(self) -> None:
        self.zoom_by(ZOOM_STEP)

    def zoom_out(self) -> None:
        self.zoom_by(1 / ZOOM_STEP)

    def fit_all(self) -> None:
        """Show the whole graph, as large as the view allows without any of it lying
        under a legend."""
        rect = self._graph_rect
        if rect.isEmpty():
            return
        self._auto_fit = True
        width, height = self.viewport().width(), self.viewport().height()
        placement = fit_around(self._content_boxes, (rect.width(), rect.height()),
                               (width, height), self._legend_obstacles())
        zoom = placement.zoom
        # The view's scene rect spans the viewport (less a pixel, so no scroll bar
        # appears) with the graph where the placement puts it; it still holds the whole
        # graph, so panning after a zoom reaches every node.
        shown = QRectF(rect.left() - placement.left / zoom, rect.top() - placement.top / zoom,
                       (width - 1) / zoom, (height - 1) / zoom)
        self.setSceneRect(shown.united(rect))
        self.setTransform(QTransform.fromScale(zoom, zoom))
        self.centerOn(shown.center())
        self.zoom_changed.emit(self.zoom())

    def _legend_obstacles(self) -> list[tuple[float, float, float, float]]:
        """Viewport rectangles of the shown legends, with a little room around them."""
        corner = self.viewport().geometry().topLeft()
        room = LEGEND_CLEARANCE
        found = []
        for legend in (self.encoding_legend, self.derivative_legend):
            if legend.isHidden():
                continue
            box = legend.geometry().translated(-corner)
            found.append((box.left() - room, box.top() - room, box.right() + 1 + room,
                          box.bottom() + 1 + room))
        return found

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120.0
            if steps:
                self.zoom_by(ZOOM_STEP ** steps)
            event.accept()
            return
        super().wheelEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_legends()
        if self._auto_fit:
            self.fit_all()

    def set_legends_visible(self, visible: bool) -> None:
        self.encoding_legend.setVisible(visible)
        self.derivative_legend.setVisible(visible)
        if self._auto_fit:
            self.fit_all()

    def _place_legends(self) -> None:
        viewport = self.viewport().geometry()
        margin = 8
        # Smaller text in a small view, where the legends would cost the graph most.
        size = round(min(viewport.height() / 48, viewport.width() / 90))
        size = min(max(size, SMALLEST_PX), round(self.theme.px(LARGEST_PX)))
        for legend in (self.encoding_legend, self.derivative_legend):
            legend.set_text_px(size)
            legend.adjustSize()
        self.encoding_legend.move(viewport.right() - self.encoding_legend.width() - margin,
                                  viewport.top() + margin)
        self.derivative_legend.move(
            viewport.right() - self.derivative_legend.width() - margin,
            viewport.bottom() - self.derivative_legend.height() - margin)

    def node_scene_rect(self, node_id: str) -> QRectF:
        item = self.node_items[node_id]
        return item.mapRectToScene(item.boundingRect())


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
