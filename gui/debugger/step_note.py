"""The note a stepper pins to the graph: the chain rule with the real numbers.

It is drawn at a fixed pixel size whatever the zoom (``ItemIgnoresTransformations``), so
``∂L/∂w9 = ∂L/∂(part_3·w9) · ∂(part_3·w9)/∂w9 = −1.99 · 0.5024 = −0.9998`` stays legible
on a projector even when the whole graph is fitted into a small window.  The view gives it
the width it may take: a line longer than that wraps at its ``=`` signs, and only a piece
still too long makes the text smaller.
"""

from __future__ import annotations

import math
import re

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
        #: The lines as drawn: (text, bold) after wrapping to the width allowed.
        self._rows: list[tuple[str, bool]] = []
        self._max_width = math.inf
        self._max_height = math.inf
        self._rect = QRectF()
        self._below = False
        self._shift = 0.0
        self._lift = 0.0
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

    @property
    def rows(self) -> list[str]:
        """The lines as drawn, after wrapping."""
        return [text for text, _bold in self._rows]

    def set_max_width(self, width: float, height: float = math.inf) -> None:
        """Keep the box at most ``width`` pixels wide (wrapping, then shrinking the text)
        and ``height`` pixels high (shrinking the text: rows wrapped at full size may not
        all fit in the view)."""
        width = max(float(width), 1.0)
        height = max(float(height), 1.0)
        if width != self._max_width or height != self._max_height:
            self.prepareGeometryChange()
            self._max_width = width
            self._max_height = height
            self._layout()

    def set_placement(self, below: bool, shift: float = 0.0, lift: float = 0.0) -> None:
        """Hang the box below its anchor instead of above it, moved ``shift`` pixels to
        the right of centred and ``lift`` pixels down."""
        if below != self._below or shift != self._shift or lift != self._lift:
            self.prepareGeometryChange()
            self._below = below
            self._shift = shift
            self._lift = lift
            self._layout()

    def box_at(self, anchor: QPointF, below: bool, shift: float = 0.0,
               lift: float = 0.0) -> QRectF:
        """Where the box would be, in pixels, if its anchor were at ``anchor`` (pixels)."""
        w, h = self._rect.width(), self._rect.height()
        gap = self.theme.px(12.0)
        top = anchor.y() + gap if below else anchor.y() - h - gap
        return QRectF(anchor.x() + shift - w / 2, top + lift, w, h)

    def size(self) -> tuple[float, float]:
        return self._rect.width(), self._rect.height()

    def _layout(self) -> None:
        pad = self.theme.px(PADDING)
        room = self._max_width - 2 * pad
        room_height = self._max_height - 2 * pad
        self._font = self.theme.font(NOTE_PX, family=self.theme.number_family)
        self._bold = self.theme.font(NOTE_PX, bold=True, family=self.theme.number_family)
        while True:
            metrics = QFontMetricsF(self._bold)
            self._rows = []
            for i, line in enumerate(self._lines):
                bold = i == len(self._lines) - 1  # the result people look for
                self._rows += [(piece, bold) for piece in _wrap(line, room, metrics)]
            # Wrapped rows taller than the view: smaller text, wrapped again.
            if (metrics.lineSpacing() * len(self._rows) <= room_height
                    or self._bold.pixelSize() <= 6):
                break
            for font in (self._font, self._bold):
                font.setPixelSize(self._bold.pixelSize() - 1)
        width = max((metrics.horizontalAdvance(text) for text, _ in self._rows), default=0.0)
        # A piece with no "=" to break at: smaller text rather than cut off.
        while width > room > 0 and self._bold.pixelSize() > 6:
            size = min(self._bold.pixelSize() - 1,
                       math.floor(self._bold.pixelSize() * room / width))
            for font in (self._font, self._bold):
                font.setPixelSize(max(6, size))
            metrics = QFontMetricsF(self._bold)
            width = max(metrics.horizontalAdvance(text) for text, _ in self._rows)
        height = metrics.lineSpacing() * len(self._rows)
        w, h = width + 2 * pad, height + 2 * pad
        gap = self.theme.px(12.0)
        top = (gap if self._below else -h - gap) + self._lift
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
        for line, bold in self._rows:
            painter.setFont(self._bold if bold else self._font)
            painter.drawText(QRectF(self._rect.left() + pad, y, self._rect.width() - 2 * pad,
                                    metrics.lineSpacing()),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, line)
            y += metrics.lineSpacing()


def _wrap(line: str, room: float, metrics: QFontMetricsF) -> list[str]:
    """``line`` as few pieces as fit in ``room`` pixels, broken before its `` = `` signs
    (each continuation starts with ``=``, as one writes a long equation by hand)."""
    if metrics.horizontalAdvance(line) <= room:
        return [line]
    parts = line.split(" = ")
    pieces = [parts[0]]
    for part in parts[1:]:
        joined = f"{pieces[-1]} = {part}"
        if metrics.horizontalAdvance(joined) <= room:
            pieces[-1] = joined
        else:
            pieces.append(f"= {part}")
    # A piece still too wide (a long formula of a user op) breaks before its + and −
    # signs, each continuation starting with its sign, rather than shrinking the text.
    return [row for piece in pieces for row in _break_sums(piece, room, metrics)]


def _break_sums(piece: str, room: float, metrics: QFontMetricsF) -> list[str]:
    if metrics.horizontalAdvance(piece) <= room:
        return [piece]
    terms = re.split(r"(?= [+\u2212] )", piece)
    rows = [terms[0]]
    for term in terms[1:]:
        joined = rows[-1] + term
        if metrics.horizontalAdvance(joined) <= room:
            rows[-1] = joined
        else:
            rows.append("  " + term.lstrip())
    return rows
