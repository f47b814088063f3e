"""One edge of the graph drawing: operand -> consumer, with an arrowhead.

Colour and line style are the sign of the gradient contribution that flowed back along the
edge (upstream gradient x local derivative, ``Trace.contribution``): solid for positive,
dashed for negative, so the sign survives without colour; thickness is its magnitude on a
log scale.  The path is a chain of cubic curves with horizontal tangents at every point,
so two edges between the same layers cross exactly when their end orders are swapped.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from html import escape

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneHoverEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from core.autodiff.graph import Edge
from core.debugger.wording import d
from gui.formatting import full_number
from gui.theme import Theme

#: Opacity of what the spotlight leaves in the dark.
DIMMED_OPACITY = 0.18


def curve_through(points: Sequence[QPointF]) -> QPainterPath:
    """Cubic segments with horizontal tangents through ``points`` (left to right)."""
    path = QPainterPath(points[0])
    for a, b in itertools.pairwise(points):
        middle = (a.x() + b.x()) / 2
        path.cubicTo(QPointF(middle, a.y()), QPointF(middle, b.y()), b)
    return path


class EdgeItem(QGraphicsItem):
    """An edge of the computational graph."""

    def __init__(self, edge: Edge, theme: Theme, parent: QGraphicsItem | None = None, *,
                 names: tuple[str, str] | None = None, rule: str = "") -> None:
        super().__init__(parent)
        self.edge = edge
        #: The operand's and the consumer's names as the graph draws them.
        self.names = names or (edge[0], edge[1])
        #: The consumer's local derivative along this edge in those names, from its row's
        #: trees (``∂(w1·x1)/∂w1 = x1``), for the tooltip; ``""`` if not given.
        self.rule = rule
        self.applied = False
        self.active = False
        self.theme = theme
        self.contribution = math.nan
        self.local = math.nan
        self._path = QPainterPath()
        self._arrow = QPolygonF()
        self._bounds = QRectF()
        self._colour = QColor(theme.neutral)
        self._width = theme.edge_width(0.0)
        self._style = Qt.PenStyle.SolidLine
        self._dimmed = False
        self.masked = False
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

    def set_contribution(self, contribution: float | None, local: float | None) -> None:
        """Show the gradient that flowed back along this edge; ``None`` for an edge the
        backward pass has not reached yet (grey and thin)."""
        self.applied = contribution is not None
        self.contribution = math.nan if contribution is None else contribution
        self.local = math.nan if local is None else local
        if contribution is None:
            colour, width = QColor(self.theme.neutral), self.theme.edge_width(0.0)
            style = Qt.PenStyle.SolidLine
        else:
            colour = self.theme.edge_colour(contribution)
            width = self.theme.edge_width(contribution)
            style = self.theme.edge_style(contribution)
        if colour != self._colour or width != self._width or style != self._style:
            self._colour = colour
            self._width = width
            self._style = style
            self._pen = self._make_pen()
            self.update()
        if self._hovered:
            self.setToolTip(self.tooltip_html())

    def set_active(self, on: bool) -> None:
        """Draw the edge a stepper is applying the chain rule along, outlined."""
        if on != self.active:
            self.active = on
            self.setZValue(0.5 if on else 0.0)
            self.update()

    def _make_pen(self) -> QPen:
        pen = QPen(self._colour, self._width)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        pen.setStyle(self._style)
        if self._style == Qt.PenStyle.DashLine:
            # Dashes a few line widths long, but at least ~6 units so thin edges show them.
            pen.setDashPattern([max(3.0, 6.0 / self._width), max(2.0, 4.0 / self._width)])
        return pen

    @property
    def line_style(self) -> Qt.PenStyle:
        return self._style

    def set_masked(self, on: bool) -> None:
        """Draw without the sign and size of the gradient (the gradient is hidden)."""
        if on != self.masked:
            self.masked = on
            self.update()

    def set_dimmed(self, on: bool) -> None:
        """Fade the edge (the spotlight is elsewhere)."""
        if on != self._dimmed:
            self._dimmed = on
            self.setOpacity(DIMMED_OPACITY if on else 1.0)

    @property
    def dimmed(self) -> bool:
        return self._dimmed

    @property
    def colour(self) -> QColor:
        return QColor(self._colour)

    @property
    def width(self) -> float:
        return self._width

    def tooltip_html(self) -> str:
        operand, consumer = (escape(n) for n in self.names)
        d_operand, d_consumer = (escape(d(n)) for n in self.names)
        title = f"<b>{operand} → {consumer}</b> (argument {self.edge[2] + 1})<br>"
        rule = escape(self.rule) if self.rule else f"∂{d_consumer}/∂{d_operand}"
        if not self.applied:
            return (f"{title}local {rule}<br>"
                    "the backward pass has not reached this edge yet")
        return (f"{title}local {rule} = {full_number(self.local)}<br>"
                f"contribution to ∂L/∂{d_operand} = {full_number(self.contribution)}")

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = True
        self.setToolTip(self.tooltip_html())
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
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
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if self.active:
            halo = QPen(QColor(self.theme.highlight), self._width + self.theme.px(6.0))
            halo.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(halo)
            painter.drawPath(self._path)
        pen, colour = self._pen, self._colour
        if self.masked:
            # The gradient is hidden (predict, then reveal): so is its sign.
            colour = QColor(self.theme.neutral)
            pen = QPen(colour, self.theme.edge_width(0.0))
        painter.setPen(pen)
        painter.drawPath(self._path)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(colour))
        painter.drawPolygon(self._arrow)
