"""The overview inset: the whole graph, small, in a corner of the zoomed-in view.

While the camera (or the user) has zoomed in past the whole-graph fit, the inset shows
every node as a dot of its kind's colour and every edge as a thin line, with the part the
view shows outlined, so nobody loses their bearings.  A click centres the view on that
point (the camera lets go until the focus moves again).  The inset takes a corner
clear of the nodes being discussed, the focus's numbers, the chain-rule note and the
legends, that covers the fewest of the other numbers in view (then the least of them);
smaller, or not at all, when no corner is clear.  It is for the screen only: a picture of
the graph exported to a file leaves it out (its ``screen_only`` property).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QTransform
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QPolygonF

    from core.autodiff.graph import Edge
    from gui.graph.edge_item import EdgeItem
    from gui.graph.node_item import NodeItem
    from gui.theme import Theme

#: The inset's share of the viewport's width, and its limits in pixels.
SHARE = 0.22
MIN_WIDTH = 110
MAX_WIDTH = 300
#: At most this share of the viewport's height.
MAX_HEIGHT_SHARE = 0.3
#: Pixels between the inset and the viewport's edges.
MARGIN = 6
#: Shown only when the view is zoomed in by more than this over the whole-graph fit.
ZOOMED_IN = 1.03
#: The sizes tried, as shares of the full inset, when a corner would cover the focus.
SIZES = (1.0, 0.75, 0.55)
#: The smallest inset worth showing, in pixels.
MIN_SIDE = (60, 24)


class MappedView(Protocol):
    """What the overview reads of the graph view and moves (:class:`~gui.graph.view.GraphView`
    has it all)."""

    @property
    def theme(self) -> Theme: ...
    @property
    def blanked(self) -> bool: ...
    @property
    def node_items(self) -> Mapping[str, NodeItem]: ...
    @property
    def edge_items(self) -> Mapping[Edge, EdgeItem]: ...
    def viewport(self) -> QWidget: ...
    def mapToScene(self, rect: QRect, /) -> QPolygonF: ...
    def graph_rect(self) -> QRectF: ...
    def whole_graph_zoom(self) -> float: ...
    def zoom(self) -> float: ...
    def look_at(self, point: QPointF) -> None: ...


class Overview(QWidget):
    """A small map of the graph over a corner of ``view``'s viewport; ``parent`` is the
    view itself."""

    def __init__(self, view: MappedView, parent: QWidget) -> None:
        # A child of the view, not of its viewport (which scrolls its children): placed
        # over the viewport like the legends.
        super().__init__(parent)
        self.setObjectName("graph_overview")
        self._view = view
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("The whole graph; the outlined part is in view. Click to look there.")
        self.corner = "bottom-left"
        # Not part of the graph: exports (gui.files.exports) leave it out.
        self.setProperty("screen_only", True)
        self.hide()

    # -- where it goes ---------------------------------------------------------------

    def refresh(self, never: Sequence[QRectF] = (), rather_not: Sequence[QRectF] = ()
                ) -> None:
        """Show the inset if the view is zoomed in past the whole-graph fit, in a corner
        clear of ``never`` that touches the fewest of ``rather_not`` (rectangles in
        viewport pixels; then the least area of them), smaller if it must be; hide it
        otherwise."""
        view = self._view
        graph = view.graph_rect()
        whole = view.whole_graph_zoom()
        if graph.isEmpty() or whole <= 0 or view.zoom() <= whole * ZOOMED_IN or view.blanked:
            self.hide()
            return
        viewport = QRectF(view.viewport().geometry())
        corner = viewport.topLeft()
        never = [rect.translated(corner) for rect in never]
        rather_not = [rect.translated(corner) for rect in rather_not]
        width = min(max(viewport.width() * SHARE, MIN_WIDTH), MAX_WIDTH)
        height = width * graph.height() / graph.width()
        if height > viewport.height() * MAX_HEIGHT_SHARE:
            height = viewport.height() * MAX_HEIGHT_SHARE
            width = height * graph.width() / graph.height()
        for shrink in SIZES:
            w, h = width * shrink, height * shrink
            if w < MIN_SIDE[0] or h < MIN_SIDE[1]:
                break
            boxes = self.corners(viewport, w, h)
            clear = [name for name, box in boxes.items() if _covered(box, never) == 0.0]
            if clear:
                # The preferred corner among the least covering.
                self.corner = min(clear, key=lambda name: (
                    _touched(boxes[name], rather_not), _covered(boxes[name], rather_not),
                    list(boxes).index(name)))
                self.setGeometry(boxes[self.corner].toRect())
                self.show()
                self.raise_()
                self.update()
                return
        self.hide()  # nowhere to go: the focus matters more

    @staticmethod
    def corners(viewport: QRectF, width: float, height: float) -> dict[str, QRectF]:
        """The inset's rectangle in each corner, the preferred ones first."""
        left, top = viewport.left() + MARGIN, viewport.top() + MARGIN
        right = viewport.right() - MARGIN - width
        bottom = viewport.bottom() - MARGIN - height
        return {"bottom-left": QRectF(left, bottom, width, height),
                "top-left": QRectF(left, top, width, height),
                "bottom-right": QRectF(right, bottom, width, height),
                "top-right": QRectF(right, top, width, height)}

    # -- drawing and clicking -------------------------------------------------------

    def _to_inset(self) -> QTransform:
        """Scene -> inset pixels."""
        graph = self._view.graph_rect()
        inner = QRectF(self.rect()).adjusted(2, 2, -2, -2)
        scale = min(inner.width() / graph.width(), inner.height() / graph.height())
        dx = inner.left() + (inner.width() - graph.width() * scale) / 2 - graph.left() * scale
        dy = inner.top() + (inner.height() - graph.height() * scale) / 2 - graph.top() * scale
        return QTransform(scale, 0.0, 0.0, scale, dx, dy)

    def shown_rect(self) -> QRectF:
        """The part of the graph the view shows, in inset pixels."""
        view = self._view
        shown = view.mapToScene(view.viewport().rect()).boundingRect()
        return self._to_inset().mapRect(shown).intersected(QRectF(self.rect()))

    def paintEvent(self, _event: QPaintEvent) -> None:
        view = self._view
        theme = view.theme
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(theme.legend_border), 1.0))
        painter.setBrush(QBrush(QColor(theme.background)))
        painter.drawRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5))
        to_inset = self._to_inset()
        painter.setPen(QPen(QColor(theme.neutral), 1.0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for edge_item in view.edge_items.values():
            painter.drawPath(to_inset.map(edge_item.mapToScene(edge_item.path())))
        painter.setPen(Qt.PenStyle.NoPen)
        for item in view.node_items.values():
            painter.setBrush(QColor(theme.colours(item.node.kind).fill))
            box = to_inset.mapRect(item.shape_scene_rect())
            # Every node at least a dot: a small inset keeps them apart.
            centre = box.center()
            w, h = max(box.width(), 4.0), max(box.height(), 4.0)
            painter.drawEllipse(QRectF(centre.x() - w / 2, centre.y() - h / 2, w, h))
            if item.mark == "active":
                painter.setPen(QPen(QColor(theme.highlight), 2.0))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawEllipse(QRectF(centre.x() - w / 2 - 2, centre.y() - h / 2 - 2,
                                           w + 4, h + 4))
                painter.setPen(Qt.PenStyle.NoPen)
        painter.setPen(QPen(QColor(theme.highlight), 2.0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(self.shown_rect().adjusted(1, 1, -1, -1))
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        inverted, ok = self._to_inset().inverted()
        if ok:
            self._view.look_at(inverted.map(QPointF(event.position())))
        event.accept()


def _touched(box: QRectF, rects: Sequence[QRectF]) -> int:
    """How many of ``rects`` ``box`` covers a part of."""
    return sum(1 for rect in rects if not box.intersected(rect).isEmpty())


def _covered(box: QRectF, rects: Sequence[QRectF]) -> float:
    """The area of ``box`` that ``rects`` cover (overlaps counted twice)."""
    area = 0.0
    for rect in rects:
        part = box.intersected(rect)
        if not part.isEmpty():
            area += part.width() * part.height()
    return area
