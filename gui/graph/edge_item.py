"""One edge of the graph drawing: operand -> consumer, with an arrowhead.

Colour is the sign of the gradient contribution that flowed back along the edge
(upstream gradient x local derivative, ``Trace.contribution``), thickness its magnitude on
a log scale.  The path is a chain of cubic curves with horizontal tangents at every point,
so two edges between the same layers cross exactly when their end orders are swapped.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from core.autodiff.graph import Edge
from gui.formatting import full_number
from gui.theme import Theme


def curve_through(points: Sequence[QPointF]) -> QPainterPath:
    """Cubic segments with horizontal tangents through ``points`` (left to right)."""
    path = QPainterPath(points[0])
    for a, b in itertools.pairwise(points):
        middle = (a.x() + b.x()) / 2
        path.cubicTo(QPointF(middle, a.y()), QPointF(middle, b.y()), b)
    return path


class EdgeItem(QGraphicsItem):
    """An edge of the computational graph."""

    def __init__(self, edge: Edge, theme: Theme, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self.edge = edge
        self.theme = theme
        self.contribution = math.nan
        self.local = math.nan
        self._path = QPainterPath()
        self._arrow = QPolygonF()
        self._bounds = QRectF()
        self._colour = QColor(theme.neutral)
        self._width = theme.px(theme.edge_min_width)
        self._pen = self._make_pen()
        self._hovered = False
        self.setZValue(0.0)
        self.setAcceptHoverEvents(True)

    def set_points(self, points: Sequence[QPointF]) -> None:
        """Route the edge through ``points``: start port, routing points, end port."""
        self.prepareGeometryChange()
        arrow_length = self.theme.px(14.0)
        arrow_half = self.theme.px(7.0)
        end = points[-1]
        # The curve stops at the arrow's base; the arrow points right along the tangent.
        base = QPointF(end.x() - arrow_length, end.y())
        route = [*points[:-1], base]
        self._path = curve_through(route)
        self._arrow = QPolygonF([end, QPointF(base.x(), base.y() - arrow_half),
                                 QPointF(base.x(), base.y() + arrow_half)])
        margin = self.theme.px(self.theme.edge_max_width)
        self._bounds = self._path.boundingRect().united(self._arrow.boundingRect()) \
            .adjusted(-margin, -margin, margin, margin)
        self.update()

    def path(self) -> QPainterPath:
        """The drawn curve (without the arrowhead), in scene coordinates."""
        return self._path

    def arrow_rect(self) -> QRectF:
        """The arrowhead's bounding box, in item coordinates."""
        return self._arrow.boundingRect()

    def set_contribution(self, contribution: float, local: float) -> None:
        """Show the gradient that flowed back along this edge."""
        self.contribution = contribution
        self.local = local
        colour = self.theme.edge_colour(contribution)
        width = self.theme.edge_width(contribution)
        if colour != self._colour or width != self._width:
            self._colour = colour
            self._width = width
            self._pen = self._make_pen()
            self.update()
        if self._hovered:
            self.setToolTip(self.tooltip_html())

    def _make_pen(self) -> QPen:
        pen = QPen(self._colour, self._width)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        return pen

    @property
    def colour(self) -> QColor:
        return QColor(self._colour)

    @property
    def width(self) -> float:
        return self._width

    def tooltip_html(self) -> str:
        operand, consumer, arg = self.edge
        return (f"<b>{operand} → {consumer}</b> (argument {arg + 1})<br>"
                f"local ∂{consumer}/∂{operand} = {full_number(self.local)}<br>"
                f"contribution to ∂L/∂{operand} = {full_number(self.contribution)}")

    def hoverEnterEvent(self, event) -> None:
        self._hovered = True
        self.setToolTip(self.tooltip_html())
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event) -> None:
        self._hovered = False
        super().hoverLeaveEvent(event)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        # A band around the curve, so hovering near the line shows its tooltip.
        from PySide6.QtGui import QPainterPathStroker

        stroker = QPainterPathStroker()
        stroker.setWidth(max(self._width, self.theme.px(8.0)))
        return stroker.createStroke(self._path)

    def paint(self, painter: QPainter, _option: QStyleOptionGraphicsItem,
              _widget: QWidget | None = None) -> None:
        painter.setPen(self._pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(self._colour))
        painter.drawPolygon(self._arrow)
