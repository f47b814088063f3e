"""The centre of the window: the computational graph with every value and gradient.

Items are created and laid out in :meth:`GraphView.set_graph` (when the graph changes);
:meth:`GraphView.show_trace` only updates numbers and edge colours.  Zoom with Ctrl+wheel
or Ctrl+plus/minus, pan by dragging, fit with F.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPathStroker, QWheelEvent
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QWidget

from core.engine import Trace
from core.graph import Edge, Graph
from gui.edge_item import EdgeItem
from gui.graph_layout import GraphLayout, compute_layout
from gui.graph_legend import DerivativeLegend, EncodingLegend
from gui.node_item import NodeItem
from gui.theme import DEFAULT_THEME, Theme

#: How far apart (radians from the horizontal) the ports of a node's edges fan out.
PORT_SPREAD = 0.62
ZOOM_STEP = 1.2
MIN_ZOOM = 0.05
MAX_ZOOM = 8.0


class GraphView(QGraphicsView):
    """A zoomable, pannable drawing of a :class:`~core.graph.Graph` and its trace."""

    #: The view's zoom factor changed (1.0 = one scene unit per pixel).
    zoom_changed = Signal(float)

    def __init__(self, theme: Theme = DEFAULT_THEME, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.graph: Graph | None = None
        self.layout_result: GraphLayout | None = None
        self.node_items: dict[str, NodeItem] = {}
        self.edge_items: dict[Edge, EdgeItem] = {}
        self._highlighted: str | None = None
        self._auto_fit = True
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
        self._arrange()
        # A leaf whose numbers sit where edges pass gets them above or below instead.
        moved = False
        collisions = text_collisions(self.node_items, self.edge_items) if len(graph) <= 400 else []
        for node_id, edge in collisions:
            item = self.node_items[node_id]
            assert self.layout_result is not None
            layer = next(ids for ids in self.layout_result.layers if node_id in ids)
            real = [n for n in layer if not n.startswith("~")]
            if item.text_side == "left" and edge[1] != node_id:
                item.set_text_side("above" if real[0] == node_id else "below")
                moved = True
        if moved:
            self._arrange()
        margin = self.theme.px(20.0)
        bounds = scene.itemsBoundingRect().adjusted(-margin, -margin, margin, margin)
        scene.setSceneRect(bounds)
        self.derivative_legend.set_graph(graph)
        self._place_legends()
        self._auto_fit = True
        self.fit_all()

    def _arrange(self) -> None:
        """Lay out the node items and route the edges between them."""
        assert self.graph is not None
        extents = {node_id: item.extent() for node_id, item in self.node_items.items()}
        layout = compute_layout(self.graph, extents.__getitem__,
                                layer_gap=self.theme.px(self.theme.layer_gap),
                                row_gap=self.theme.px(self.theme.row_gap))
        self.layout_result = layout
        for node_id, item in self.node_items.items():
            item.setPos(*layout.positions[node_id])
        for edge, points in route_edges(self.graph, layout, self.node_items).items():
            self.edge_items[edge].set_points(points)

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
        """Show the whole graph, as large as the view allows."""
        rect = self.sceneRect()
        if rect.isEmpty():
            return
        self._auto_fit = True
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        self.zoom_changed.emit(self.zoom())

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

    def _place_legends(self) -> None:
        viewport = self.viewport().geometry()
        margin = 8
        for legend in (self.encoding_legend, self.derivative_legend):
            legend.adjustSize()
        self.encoding_legend.move(viewport.right() - self.encoding_legend.width() - margin,
                                  viewport.top() + margin)
        self.derivative_legend.move(
            viewport.right() - self.derivative_legend.width() - margin,
            viewport.bottom() - self.derivative_legend.height() - margin)

    def node_scene_rect(self, node_id: str) -> QRectF:
        item = self.node_items[node_id]
        return item.mapRectToScene(item.boundingRect())


def text_collisions(nodes: Mapping[str, NodeItem], edges: Mapping[Edge, EdgeItem]
                    ) -> list[tuple[str, Edge]]:
    """(node, edge) pairs where an edge's curve runs through the node's numbers, or
    through the shape of a node that is not one of its ends."""
    strokes = {}
    stroker = QPainterPathStroker()
    stroker.setWidth(2.0)
    for edge, item in edges.items():
        strokes[edge] = stroker.createStroke(item.path())
    found = []
    for node_id, node in nodes.items():
        text = node.text_rect()
        shape = node.shape_scene_rect().adjusted(4, 4, -4, -4)
        for edge, stroke in strokes.items():
            if not stroke.intersects(text) and (
                    node_id in edge[:2] or not stroke.intersects(shape)):
                continue
            found.append((node_id, edge))
    return found


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
