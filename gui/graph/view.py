"""The centre of the window: the computational graph with every value and gradient.

Items are created and laid out in :meth:`GraphView.set_graph` (when the graph changes);
:meth:`GraphView.show_trace` only updates numbers and edge colours.  Zoom with Ctrl+wheel
or Ctrl+plus/minus, pan by dragging, fit with F.  Fitting shows the whole graph as large
as it can be without any of it under a legend (:mod:`gui.graph.fit`), so the numbers are
as big as the window allows.  When presenting (or with View > Follow the stepper) a
camera (:mod:`gui.graph.camera`) zooms to what the stepper, a lesson stop or the
spotlight names, its numbers at least 20 px tall, with an overview inset of the whole
graph in a corner (:mod:`gui.graph.overview`): what a projector needs.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QMouseEvent,
    QPainter,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QWidget

from core.autodiff.engine import Trace
from core.autodiff.graph import Edge, Graph
from core.autodiff.naming import shown_name
from core.debugger.stepper import StepPosition
from core.debugger.wording import local_rules
from core.layout import GraphLayout, RowLayout, assign_layers, place_columns, place_rows
from gui.debugger.step_note import NOTE_PX, StepNote
from gui.graph.camera import AIM_MARGIN, MIN_DIGIT_PX, FocusCamera, digit_ink
from gui.graph.edge_item import EdgeItem
from gui.graph.fit import Placement, fit_around
from gui.graph.geometry import content_boxes, route_edges, text_collisions
from gui.graph.legend import LARGEST_PX, SMALLEST_PX, DerivativeLegend, EncodingLegend
from gui.graph.node_item import NodeItem, TextSide
from gui.graph.overview import Overview
from gui.graph.verdict_mark import VerdictMark, WeightMark
from gui.theme import DEFAULT_THEME, Theme

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


def note_theme(theme: Theme) -> Theme:
    """The chain-rule note's theme: on a projector (text scaled up) the note's digits are
    at least :data:`~gui.graph.camera.MIN_DIGIT_PX` tall, like the numbers around it."""
    if theme.text_scale <= 1.0:
        return theme
    wanted = MIN_DIGIT_PX * AIM_MARGIN
    scale = theme.text_scale
    for _ in range(40):
        font = replace(theme, text_scale=scale).font(NOTE_PX, family=theme.number_family)
        if digit_ink(font) >= wanted:
            break
        scale *= 1.05
    return replace(theme, text_scale=scale)


class GraphView(QGraphicsView):
    """A zoomable, pannable drawing of a :class:`~core.autodiff.graph.Graph` and its trace."""

    #: The view's zoom factor changed (1.0 = one scene unit per pixel).
    zoom_changed = Signal(float)
    #: A node was clicked (not dragged).  Argument: the node's id.
    node_clicked = Signal(str)
    #: Tab (True) or Shift+Tab (False) while :attr:`tab_walks_nodes` is set.
    node_walk_requested = Signal(bool)

    def __init__(self, theme: Theme = DEFAULT_THEME, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.graph: Graph | None = None
        self.layout_result: GraphLayout | None = None
        self._rows: RowLayout | None = None
        self.node_items: dict[str, NodeItem] = {}
        self.edge_items: dict[Edge, EdgeItem] = {}
        self._highlighted: str | None = None
        self.verdict_marks: dict[str, VerdictMark] = {}
        self._auto_fit = True
        self._graph_rect = QRectF()
        #: :meth:`show_at` is moving the view (the overview waits for the end).
        self._moving = False
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
        self._legends_wanted = True
        #: More boxes floating over the view (a backward check's result) that the fit
        #: keeps the graph clear of, like the legends.
        self.overlays: list[QWidget] = []
        self.blanked = False
        self.step_note = StepNote(note_theme(theme))
        self._note_anchor: QPointF | None = None
        self._note_anchor_below: QPointF | None = None
        self._marked: set[str] = set()
        self._press: QPoint | None = None
        self._trace: Trace | None = None
        self.spotlight: frozenset[str] = frozenset()
        self.hidden_number: tuple[str, str] | None = None
        #: Tab and Shift+Tab walk through the nodes instead of moving the focus.
        self.tab_walks_nodes = False
        #: Zooms and pans to what the stepper, a lesson or the spotlight names, while
        #: presenting or following (:mod:`gui.graph.camera`).
        self.camera = FocusCamera(self, self)
        #: The whole graph, small, in a corner while the view is zoomed in.
        self.overview = Overview(self, self)
        self.zoom_changed.connect(lambda _zoom: self.refresh_overview())

    # -- the camera -------------------------------------------------------------------

    def set_presenting(self, on: bool) -> None:
        """Presentation mode: the camera follows the focus (leaving: as the View toggle
        says)."""
        self.camera.set_presenting(on)
        self._show_scroll_bars()

    def set_following(self, on: bool) -> None:
        """View > Follow the stepper: the camera follows the focus in the normal window."""
        self.camera.set_following(on)
        self._show_scroll_bars()

    def focus_view(self, node_ids: Sequence[str]) -> None:
        """A lesson stop's own view: these nodes (ids), with the stepper's active node if
        there is one; empty: the stop sets none."""
        self.camera.set_nodes("view", node_ids, neighbours=False)

    def _show_scroll_bars(self) -> None:
        # A camera's zoom would make scroll bars come and go, and the viewport's size with
        # them; dragging still pans.
        policy = Qt.ScrollBarPolicy.ScrollBarAlwaysOff if self.camera.engaged \
            else Qt.ScrollBarPolicy.ScrollBarAsNeeded
        self.setHorizontalScrollBarPolicy(policy)
        self.setVerticalScrollBarPolicy(policy)

    def graph_rect(self) -> QRectF:
        """The graph's scene rectangle, margin included."""
        return QRectF(self._graph_rect)

    def note_size(self) -> tuple[float, float]:
        """The chain-rule note's size in pixels; (0, 0) when hidden."""
        return self.step_note.size() if self.step_note.isVisible() else (0.0, 0.0)

    def free_area(self) -> QRectF:
        """The part of the viewport the camera shows its focus in: all of it, less the
        column of the legends on the right when they are shown (and leave half)."""
        area = QRectF(self.viewport().rect())
        lefts = [left for left, _top, _right, _bottom in self._legend_obstacles()]
        if lefts and min(lefts) >= area.width() / 2:
            area.setRight(min(lefts))
        return area

    def note_anchor(self) -> QPointF | None:
        """The scene point the chain-rule note hangs from (``None``: no note)."""
        return None if self._note_anchor is None else QPointF(self._note_anchor)

    def note_gap(self) -> float:
        """Pixels between the note and its anchor."""
        return self.theme.px(12.0)

    def place_note(self) -> None:
        """Place the chain-rule note again (the view moved)."""
        self._place_note()
        self.refresh_overview()

    def look_at(self, point: QPointF) -> None:
        """Centre the view on the scene ``point`` at the current zoom (the overview was
        clicked); the camera lets go until the focus moves."""
        self.camera.release()
        self._auto_fit = False
        self.show_at(self.zoom(), point, place_note=True)

    def show_at(self, zoom: float, centre: QPointF, *, place_note: bool = False) -> None:
        """Show the scene at ``zoom`` centred on ``centre``, with room to centre any point
        of the graph however near its edge; with ``place_note``, the chain-rule note placed
        again.  The overview is refreshed once, after the move (not at each scroll)."""
        room_w, room_h = self.viewport().width() / zoom, self.viewport().height() / zoom
        self._moving = True
        try:
            self.setSceneRect(self._graph_rect.adjusted(-room_w, -room_h, room_w, room_h))
            self.setTransform(QTransform.fromScale(zoom, zoom))
            self.centerOn(centre)
        finally:
            self._moving = False
        if place_note:
            self._place_note()
        self.zoom_changed.emit(zoom)  # refreshes the overview

    def refresh_overview(self) -> None:
        """Show or hide the overview inset, in a corner clear of the nodes discussed, the
        numbers of the focus, the note and the legends, covering the fewest other
        numbers."""
        focus = self.camera.focus()
        items = self.node_items

        def on_screen(rects: Iterable[QRectF]) -> list[QRectF]:
            return [QRectF(self.mapFromScene(rect).boundingRect()) for rect in rects]

        never = on_screen(items[n].drawn_scene_rect() for n in focus.core | focus.near)
        never += on_screen(rect for n in focus.nodes for rect in items[n].number_scene_rects())
        if self.step_note.isVisible() and self.step_note.scene() is self.scene():
            never.append(self.step_note.deviceTransform(self.viewportTransform())
                         .mapRect(self.step_note.boundingRect()))
        never += [QRectF(left, top, right - left, bottom - top)
                  for left, top, right, bottom in self._legend_obstacles()]
        viewport = QRectF(self.viewport().rect())
        # Every other number in view, and the shapes of the rest of the focus.
        others = on_screen(rect for n, item in items.items() if n not in focus.nodes
                           for rect in item.number_scene_rects())
        others += on_screen(items[n].shape_scene_rect()
                            for n in focus.nodes - focus.core - focus.near)
        self.overview.refresh(never, [rect for rect in others if rect.intersects(viewport)])

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        if not self._moving:
            self.refresh_overview()

    # -- structure (only when the graph changes) ------------------------------------

    def set_graph(self, graph: Graph) -> None:
        """Create one item per node and edge, lay them out and fit the view."""
        scene = self.scene()
        if self.step_note.scene() is scene:
            scene.removeItem(self.step_note)  # kept across graphs; clear() would delete it
        scene.clear()
        self.step_note.set_text("")
        self._note_anchor = None
        if graph is not self.graph:
            self.spotlight = frozenset()
            self.hidden_number = None
            self.camera.clear()
        self.graph = graph
        self._highlighted = None
        self.verdict_marks = {}  # scene.clear() deleted them
        self.node_items = {
            node.id: NodeItem(node, self.theme,
                              row=None if node.is_leaf else graph.op_of(node.id),
                              rules=local_rules(graph, node.id))
            for node in graph}
        for item in self.node_items.values():
            scene.addItem(item)
        self.edge_items = {
            edge: EdgeItem(edge, self.theme,
                           names=(shown_name(graph[edge[0]]), shown_name(graph[edge[1]])),
                           rule=self.node_items[edge[1]].rules[edge[2]])
            for edge in graph.edges}
        for edge_item in self.edge_items.values():
            scene.addItem(edge_item)
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
                side: TextSide = "above" \
                    if self.node_items[consumers[0][0]].y() > item.y() else "below"
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
        scene.addItem(self.step_note)  # after the bounds: the note is no part of the graph
        self.derivative_legend.set_graph(graph)
        self._place_legends()
        self._auto_fit = True
        self.set_spotlight(self.spotlight)
        if self.hidden_number is not None:
            self.hide_number(*self.hidden_number)
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

    def set_theme(self, theme: Theme) -> None:
        """Draw with ``theme`` (colours, sizes, digits): the items are made again and laid
        out, since text sizes change the layout."""
        if theme == self.theme:
            return
        self.theme = theme
        self.setBackgroundBrush(QColor(theme.background))
        if self.step_note.scene() is self.scene():
            self.scene().removeItem(self.step_note)
        self.step_note = StepNote(note_theme(theme))
        self.encoding_legend.set_theme(theme)
        self.derivative_legend.set_theme(theme)
        if self.graph is not None:
            highlighted, spotlight = self._highlighted, self.spotlight
            self.set_graph(self.graph)
            if self._trace is not None:
                self.show_trace(self._trace)
            self.highlight_node(highlighted)
            self.set_spotlight(spotlight)
            # The text changed size: the camera looks again once the restyle is done.
            self.camera.request()
        self.viewport().update()

    def hide_number(self, node_id: str | None, number: str = "grad") -> None:
        """Draw ``?`` instead of one node's ``value`` or ``grad`` (``None``: show every
        number again)."""
        self.hidden_number = None if node_id is None else (node_id, number)
        for item_id, item in self.node_items.items():
            item.set_hidden(frozenset({number}) if item_id == node_id else frozenset())
        # The edges leaving the node carry its gradient back: their colour would tell.
        for edge, edge_item in self.edge_items.items():
            edge_item.set_masked(number == "grad" and edge[0] == node_id)

    def set_spotlight(self, node_ids: frozenset[str] | set[str] | Sequence[str]) -> None:
        """Keep ``node_ids`` and the edges between them and their operands or consumers
        bright, dim everything else; an empty set lights everything again."""
        lit = frozenset(node_ids) & frozenset(self.node_items)
        self.spotlight = lit
        for node_id, item in self.node_items.items():
            item.set_dimmed(bool(lit) and node_id not in lit)
        for edge, edge_item in self.edge_items.items():
            edge_item.set_dimmed(bool(lit) and edge[0] not in lit and edge[1] not in lit)
        self.camera.set_nodes("spotlight", lit)

    def show_trace(self, trace: Trace) -> None:
        """Show the values, gradients and edge contributions of ``trace``."""
        self._trace = trace
        values, grads, local = trace.values, trace.grads, trace.local
        for node_id, item in self.node_items.items():
            item.set_numbers(values.get(node_id, math.nan), grads.get(node_id, math.nan))
        for edge, edge_item in self.edge_items.items():
            consumer_grad = grads.get(edge[1], math.nan)
            derivative = local.get(edge, math.nan)
            # Python floats do not raise: inf * 0 is nan, which the edge shows in red.
            edge_item.set_contribution(consumer_grad * derivative, derivative)

    def show_step(self, position: StepPosition, trace: Trace) -> None:
        """Show a stepper's partial picture: values computed so far, gradients accumulated
        so far, edges the chain rule has reached, the active node and edge marked and the
        arithmetic in a note beside them."""
        values, grads = position.values, position.grads
        for node_id, item in self.node_items.items():
            item.set_numbers(position.weights.get(node_id, values.get(node_id)),
                             grads.get(node_id))
            if node_id == position.node:
                item.set_mark("active")
            elif node_id == position.receiver:
                item.set_mark("receiver")
            elif node_id in position.inputs:
                item.set_mark("input")
            else:
                item.set_mark(None)
        if position.phase == "update":
            done = len(trace.steps)
        elif position.backward is not None:
            done = position.backward.index + 1
        else:  # the forward pass, and dL/dL = 1 before the first chain-rule step
            done = 0
        applied = {s.edge: (s.contribution, s.local) for s in trace.steps[:done]}
        for edge, edge_item in self.edge_items.items():
            contribution, local = applied.get(edge, (None, None))
            edge_item.set_contribution(contribution, local)
            edge_item.set_active(edge == position.edge)
        below: QPointF | None = None
        if position.edge is not None and position.edge in self.edge_items:
            path = self.edge_items[position.edge].path()
            anchor: QPointF | None = path.pointAtPercent(0.5)
            below = anchor
        elif position.node in self.node_items:
            item = self.node_items[position.node]
            # Above the shape, or below its numbers: never over the node itself.
            anchor = QPointF(item.x(), item.shape_scene_rect().top())
            below = QPointF(item.x(), item.mapRectToScene(item.boundingRect()).bottom())
        else:
            anchor = None
        self.step_note.set_text(position.text if anchor is not None else "")
        self._note_anchor = anchor
        self._note_anchor_below = below
        self._marked = {node_id for node_id in (position.node, position.receiver,
                                                *position.inputs) if node_id}
        self._place_note()
        self.camera.set_step(position)

    def clear_step(self) -> None:
        """Leave the stepper's picture: no marks, no note (the next trace redraws the
        numbers)."""
        for item in self.node_items.values():
            item.set_mark(None)
        for edge_item in self.edge_items.values():
            edge_item.set_active(False)
        self.step_note.set_text("")
        self._note_anchor = None
        self.camera.set_step(None)

    def _place_note(self) -> None:
        """Put the note beside its anchor where it hides the fewest nodes (never the
        marked ones if it can help it), inside the view and clear of the legends."""
        anchor = self._note_anchor
        note = self.step_note
        if anchor is None or not note.isVisible():
            return
        below_anchor = self._note_anchor_below or anchor
        points = {False: QPointF(self.mapFromScene(anchor)),
                  True: QPointF(self.mapFromScene(below_anchor))}
        viewport = QRectF(self.viewport().rect())
        margin = self.theme.px(4.0)
        inside = viewport.adjusted(margin, margin, -margin, -margin)
        note.set_max_width(inside.width(), inside.height())
        weights = []
        for node_id, item in self.node_items.items():
            shape = QRectF(self.mapFromScene(item.shape_scene_rect()).boundingRect())
            numbers = QRectF(self.mapFromScene(item.text_rect()).boundingRect())
            marked = node_id in self._marked
            weights.append((shape, 30.0 if marked else 3.0))
            weights.append((numbers, 10.0 if marked else 1.0))
        legends = [QRectF(left, top, right - left, bottom - top)
                   for left, top, right, bottom in self._legend_obstacles()]
        width, height = note.size()

        def inside_view(below: bool, shift: float, lift: float) -> tuple[float, float]:
            """The shift and lift that slide the box wholly into the view (the stem still
            reaches its anchor)."""
            box = note.box_at(points[below], below, shift, lift)
            shift += (max(0.0, inside.left() - box.left())
                      - max(0.0, box.right() - inside.right()))
            lift += (max(0.0, inside.top() - box.top())
                     - max(0.0, box.bottom() - inside.bottom()))
            return shift, lift

        best: tuple[float, bool, float, float] | None = None
        for below, away in ((False, -1.0), (True, 1.0)):
            # Beside the anchor first; one or two heights further away (a longer stem)
            # when that is what keeps the marked nodes in sight; as far as the view's
            # edge (the room a camera leaves for the note).
            for wanted, extra in itertools.product(
                    (0.0, 0.25 * width, -0.25 * width, width / 2 - 12.0, -width / 2 + 12.0),
                    (0.0, away * height, 2.0 * away * height, away * viewport.height())):
                shift, lift = inside_view(below, wanted, extra)
                box = note.box_at(points[below], below, shift, lift)
                cost = sum(weight for rect, weight in weights if rect.intersects(box))
                hidden = 0.0
                for legend in legends:  # the legends are drawn over the scene
                    covered = box.intersected(legend)
                    hidden += covered.width() * covered.height()
                # Sliding away from the anchor costs a little: the stem grows.
                cost += hidden / 50.0 + (abs(shift - wanted) + abs(lift)) / 100.0
                if best is None or cost < best[0]:
                    best = (cost, below, shift, lift)
        assert best is not None
        _, below, shift, lift = best
        note.setPos(below_anchor if below else anchor)
        note.set_placement(below, shift, lift)

    def focusNextPrevChild(self, next: bool) -> bool:
        if self.tab_walks_nodes:
            self.node_walk_requested.emit(next)
            return True
        return super().focusNextPrevChild(next)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        press, self._press = self._press, None
        if press is None or (event.position().toPoint() - press).manhattanLength() > 4:
            return  # a drag pans the view
        for item in self.items(event.position().toPoint()):
            if isinstance(item, NodeItem):
                self.node_clicked.emit(item.node.id)
                return

    def highlight_node(self, node_id: str | None) -> None:
        """Mark one node (e.g. where training diverged); ``None`` clears the mark."""
        if self._highlighted in self.node_items:
            self.node_items[self._highlighted].set_highlighted(False)
        self._highlighted = node_id
        self.camera.set_nodes("highlight", () if node_id is None else (node_id,))
        if node_id in self.node_items:
            item = self.node_items[node_id]
            item.set_highlighted(True)
            if not self.camera.engaged:
                self.ensureVisible(item)

    def set_verdict_marks(self, marks: Mapping[str, WeightMark]) -> None:
        """Ring (and badge) the named nodes by gradient-check verdict; nodes not in
        ``marks`` lose theirs.  Unknown names are ignored."""
        for node_id in list(self.verdict_marks):
            if node_id not in marks:
                mark_item = self.verdict_marks.pop(node_id)
                if self.scene() is not None:
                    self.scene().removeItem(mark_item)
        for node_id, mark in marks.items():
            node_item = self.node_items.get(node_id)
            if node_item is None:
                continue
            if node_id in self.verdict_marks:
                self.verdict_marks[node_id].set_mark(mark)
            else:
                self.verdict_marks[node_id] = VerdictMark(node_item, mark)
                self.scene().addItem(self.verdict_marks[node_id])

    # -- zoom and pan ---------------------------------------------------------------

    def zoom(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float) -> None:
        current = self.zoom()
        target = min(MAX_ZOOM, max(MIN_ZOOM, current * factor))
        if target != current:
            self._auto_fit = False
            self.camera.release()
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
        self.camera.release()
        width, height = self.viewport().width(), self.viewport().height()
        placement = self._whole_placement()
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

    def _whole_placement(self) -> Placement:
        rect = self._graph_rect
        return fit_around(self._content_boxes, (rect.width(), rect.height()),
                          (self.viewport().width(), self.viewport().height()),
                          self._legend_obstacles())

    def whole_graph_zoom(self) -> float:
        """The zoom at which F shows the whole graph (0 without a graph)."""
        if self._graph_rect.isEmpty():
            return 0.0
        return self._whole_placement().zoom

    def _legend_obstacles(self) -> list[tuple[float, float, float, float]]:
        """Viewport rectangles of the shown legends, with a little room around them."""
        corner = self.viewport().geometry().topLeft()
        room = LEGEND_CLEARANCE
        found: list[tuple[float, float, float, float]] = []
        for legend in (self.encoding_legend, self.derivative_legend, *self.overlays):
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

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_legends()
        if self.camera.holding:
            self.camera.refocus(animate=False)
        elif self._auto_fit:
            self.fit_all()
        self._place_note()
        self.refresh_overview()

    @property
    def legends_wanted(self) -> bool:
        """Whether the legends are shown (when there is room for them)."""
        return self._legends_wanted

    def set_legends_visible(self, visible: bool) -> None:
        self._legends_wanted = bool(visible)
        self.encoding_legend.setVisible(visible and not self.blanked)
        self._place_legends()
        if self._auto_fit:
            self.fit_all()

    def _place_legends(self) -> None:
        viewport = self.viewport().geometry()
        margin = 8
        # Smaller text in a small view, where the legends would cost the graph most.
        size = round(min(viewport.height() / 48, viewport.width() / 90))
        size = min(max(size, SMALLEST_PX), round(self.theme.text_px(LARGEST_PX)))
        for legend in (self.encoding_legend, self.derivative_legend):
            legend.set_text_px(size)
            legend.setWordWrap(False)
            legend.adjustSize()
        # A rule wider than the view (a long formula of a user op) wraps at its spaces
        # rather than running off the view's left edge.
        widest = max(1, viewport.width() - 2 * margin)
        derivatives = self.derivative_legend
        if derivatives.width() > widest:
            derivatives.setWordWrap(True)
            derivatives.resize(widest, derivatives.heightForWidth(widest))
        self.encoding_legend.move(viewport.right() - self.encoding_legend.width() - margin,
                                  viewport.top() + margin)
        self.derivative_legend.move(
            viewport.right() - self.derivative_legend.width() - margin,
            viewport.bottom() - self.derivative_legend.height() - margin)
        # In a short view the derivative legend would cover the encoding legend: it is
        # left out until there is room for both.
        room = (self.derivative_legend.geometry().top()
                > self.encoding_legend.geometry().bottom() + margin)
        self.derivative_legend.setVisible(self._legends_wanted and room and not self.blanked)

    def set_blanked(self, on: bool) -> None:
        """Hide the whole drawing (a presenter's blank screen), or show it again."""
        self.blanked = bool(on)
        self.encoding_legend.setVisible(self._legends_wanted and not self.blanked)
        self._place_legends()
        self.refresh_overview()
        self.viewport().update()

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        if self.blanked:
            painter.fillRect(rect, QColor(self.theme.background))

    def node_scene_rect(self, node_id: str) -> QRectF:
        item = self.node_items[node_id]
        return item.mapRectToScene(item.boundingRect())
