"""The note a stepper pins to the graph: the chain rule with the real numbers.

It is drawn at a fixed pixel size whatever the zoom (``ItemIgnoresTransformations``), so
``∂L/∂w9 = ∂L/∂× · ∂×/∂w9 = −1.99 · 0.5024 = −0.9998`` stays legible on a projector even
when the whole graph is fitted into a small window.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from gui.theme import Theme

#: Pixel size of the note's text (the theme's scale applies).
NOTE_PX = 16.0
PADDING = 7.0


class StepNote(QGraphicsItem):
    """A few lines of text in a rounded box, anchored at a scene point."""

    def __init__(self, theme: Theme, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self._font: QFont = theme.font(NOTE_PX, family=theme.number_family)
        self._bold: QFont = theme.font(NOTE_PX, bold=True, family=theme.number_family)
        self._lines: list[str] = []
        self._rect = QRectF()
        self._below = False
        self._shift = 0.0
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setZValue(10.0)
        self.setVisible(False)

    @property
    def text(self) -> str:
        return "\n".join(self._lines)

    def set_text(self, text: str) -> None:
        """Show ``text`` (one or more lines); empty hides the note."""
        self.prepareGeometryChange()
        self._lines = [line for line in text.splitlines() if line]
        self.setVisible(bool(self._lines))
        self._layout()

    def set_placement(self, below: bool, shift: float = 0.0) -> None:
        """Hang the box below its anchor instead of above it, moved ``shift`` pixels to
        the right of centred."""
        if below != self._below or shift != self._shift:
            self.prepareGeometryChange()
            self._below = below
            self._shift = shift
            self._layout()

    def box_at(self, anchor: QPointF, below: bool, shift: float = 0.0) -> QRectF:
        """Where the box would be, in pixels, if its anchor were at ``anchor`` (pixels)."""
        w, h = self._rect.width(), self._rect.height()
        gap = self.theme.px(12.0)
        top = anchor.y() + gap if below else anchor.y() - h - gap
        return QRectF(anchor.x() + shift - w / 2, top, w, h)

    def size(self) -> tuple[float, float]:
        return self._rect.width(), self._rect.height()

    def _layout(self) -> None:
        metrics = QFontMetricsF(self._bold)
        pad = self.theme.px(PADDING)
        width = max((metrics.horizontalAdvance(line) for line in self._lines), default=0.0)
        height = metrics.lineSpacing() * len(self._lines)
        w, h = width + 2 * pad, height + 2 * pad
        gap = self.theme.px(12.0)
        top = gap if self._below else -h - gap
        self._rect = QRectF(self._shift - w / 2, top, w, h)
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-2, -2, 2, 2)

    def paint(self, painter: QPainter, _option: QStyleOptionGraphicsItem,
              _widget: QWidget | None = None) -> None:
        painter.setPen(QPen(QColor(self.theme.highlight), self.theme.px(2.0)))
        painter.setBrush(QBrush(QColor(self.theme.note_background)))
        radius = self.theme.px(6.0)
        painter.drawRoundedRect(self._rect, radius, radius)
        # A short stem from the box to the anchor.
        stem_end = self._rect.top() if self._below else self._rect.bottom()
        stem_x = min(max(0.0, self._rect.left() + radius), self._rect.right() - radius)
        painter.drawLine(QPointF(0.0, 0.0), QPointF(stem_x, stem_end))
        pad = self.theme.px(PADDING)
        metrics = QFontMetricsF(self._bold)
        y = self._rect.top() + pad
        painter.setPen(QColor(self.theme.value_text))
        for i, line in enumerate(self._lines):
            # The last line is the result people look for: bold.
            painter.setFont(self._bold if i == len(self._lines) - 1 else self._font)
            painter.drawText(QRectF(self._rect.left() + pad, y, self._rect.width() - 2 * pad,
                                    metrics.lineSpacing()),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, line)
            y += metrics.lineSpacing()
