"""A label for numbers that change many times a second.

``QLabel.setText`` asks the parent layout to recompute (its size hint may have changed),
and a relayout of the main window repaints every panel.  ``ValueLabel`` keeps one size
hint, chosen from a template text at construction, and only repaints itself.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget


class ValueLabel(QWidget):
    """Plain text (several lines allowed, word-wrapped) with a fixed size hint."""

    def __init__(self, template: str = "−0.000000000", lines: int = 1,
                 parent: QWidget | None = None, *, bold: bool = False) -> None:
        super().__init__(parent)
        font = self.font()
        font.setBold(bold)
        self.setFont(font)
        metrics = self.fontMetrics()
        self._hint = QSize(metrics.horizontalAdvance(template) + 4,
                           metrics.lineSpacing() * lines + 2)
        self._text = ""
        self._lines = lines
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, False)

    def set_lines(self, lines: int) -> None:
        """Make room for ``lines`` lines of text."""
        if lines != self._lines:
            self._lines = lines
            self._hint.setHeight(self.fontMetrics().lineSpacing() * lines + 2)
            self.updateGeometry()

    def sizeHint(self) -> QSize:
        return self._hint

    def minimumSizeHint(self) -> QSize:
        return QSize(min(self._hint.width(), 60), self._hint.height())

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().windowText().color())
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        if self._lines > 1:
            flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop \
                | Qt.TextFlag.TextWordWrap
        painter.drawText(QRectF(self.rect()).adjusted(1, 1, -1, -1), int(flags), self._text)
        painter.end()
