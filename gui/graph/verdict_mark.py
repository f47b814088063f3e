"""A gradient-check verdict drawn on a weight node: a ring in the verdict's colour around
the shape.  Its tooltip says what the check found (error size, worst sample).  The node
keeps its numbers and its neighbours out of the ring's reach (``NodeItem.ring_rect``).

A mark is a scene item of its own at the node's place, above nodes and edges; the scene
deletes it with the nodes when the graph changes.  The view creates, updates or removes
marks when a check finishes, never per training step.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from core.autodiff.naming import shown_name
from gui.graph.node_item import RING_GAP, RING_WIDTH, NodeItem
from gui.theme import VERDICT_COLOURS, VERDICT_SYMBOLS

#: Above nodes and edges.
MARK_Z = 5.0


@dataclass(frozen=True)
class WeightMark:
    """What to draw on one weight: its verdict, and what the tooltip adds."""

    verdict: str
    text: str = ""


class VerdictMark(QGraphicsItem):
    """The ring of one weight node."""

    def __init__(self, node_item: NodeItem, mark: WeightMark) -> None:
        super().__init__()
        self._node_item = node_item
        self._ring_width = node_item.theme.px(RING_WIDTH)
        self._gap = node_item.theme.px(RING_GAP)
        self.setPos(node_item.pos())
        self.setZValue(MARK_Z)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.mark = mark
        self.set_mark(mark)

    def set_mark(self, mark: WeightMark) -> None:
        self.prepareGeometryChange()
        self.mark = mark
        self._ink = QColor(VERDICT_COLOURS.get(mark.verdict, VERDICT_COLOURS["suspicious"])[1])
        pad = self._gap + self._ring_width / 2
        self.ring_rect = self._node_item.shape_rect.adjusted(-pad, -pad, pad, pad)
        label = shown_name(self._node_item.node)
        symbol = VERDICT_SYMBOLS.get(mark.verdict, "")
        self.setToolTip(f"{label}: {symbol} {mark.verdict}"
                        + (f", {mark.text}" if mark.text else ""))
        self.update()

    def boundingRect(self) -> QRectF:
        half = self._ring_width / 2 + 1.0
        return self.ring_rect.adjusted(-half, -half, half, half)

    def shape(self) -> QPainterPath:
        # Only the ring itself: the node inside keeps its own tooltip.
        path = QPainterPath()
        path.addEllipse(self.ring_rect)
        stroker = QPainterPathStroker()
        stroker.setWidth(self._ring_width)
        return stroker.createStroke(path)

    def paint(self, painter: QPainter, _option: QStyleOptionGraphicsItem,
              _widget: QWidget | None = None) -> None:
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(self._ink, self._ring_width))
        painter.drawEllipse(self.ring_rect)
