"""The window's status bar: messages that end at a word when the bar is too short.

Qt's status bar draws a message as is and lets the permanent widgets on its right cover
the end of it ("Lower the epoch 1/20").  :class:`StatusBar` shows every message in a
label that takes the room left of those widgets: a message too long for it ends at the
last whole word that fits, followed by "…", and its tooltip holds the whole text.  A
*hint* (what the keys do in a mode) is shown until the mode ends: :meth:`StatusBar.end_hint`
clears it unless another message replaced it meanwhile.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontMetricsF, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar, QWidget

from gui.plain_text import tooltip_text

ELLIPSIS = "…"


def elide_at_word(text: str, metrics: QFontMetricsF, width: float) -> str:
    """``text`` if it fits in ``width`` pixels; else its longest start that ends with a
    whole word and fits with "…" after it; a first word too long for the width is cut
    inside (nothing else fits)."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    words = text.split(" ")
    shown = ""
    for count in range(len(words), 0, -1):
        start = " ".join(words[:count]).rstrip(" ,;:—–-")
        if start and metrics.horizontalAdvance(start + ELLIPSIS) <= width:
            shown = start
            break
    if shown:
        return shown + ELLIPSIS
    return metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(0, round(width)))


class StatusLine(QLabel):
    """One message, elided at a word to the label's width, whole in the tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("status_line")
        self.setTextFormat(Qt.TextFormat.PlainText)  # messages quote files and formulas
        # Never widens the window: it takes the room there is and elides into it.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(1)
        self.message = ""

    def set_message(self, text: str) -> None:
        """Show ``text`` (one line: line breaks become spaces)."""
        self.message = " ".join(text.split())
        self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        room = self.contentsRect().width() - 2 * self.margin() - 2
        shown = elide_at_word(self.message, QFontMetricsF(self.font()), room)
        if shown != self.text():
            self.setText(shown)
        tooltip = self.message if shown != self.message else ""
        tooltip = tooltip_text(tooltip)  # plain text, as the line itself
        if tooltip != self.toolTip():
            self.setToolTip(tooltip)

    @property
    def elided(self) -> bool:
        return self.text() != self.message


class StatusBar(QStatusBar):
    """A status bar whose messages go to a :class:`StatusLine`; same calls as Qt's
    (``showMessage``, ``clearMessage``, ``currentMessage``), plus hints."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.line = StatusLine(self)
        self.addWidget(self.line, 1)
        self._hint = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clearMessage)

    def showMessage(self, text: str, /, timeout: int | None = None) -> None:
        self._timer.stop()
        self.line.set_message(text)
        self.messageChanged.emit(self.line.message)
        if timeout is not None and timeout > 0:
            self._timer.start(timeout)

    def clearMessage(self) -> None:
        self._timer.stop()
        if self.line.message:
            self.line.set_message("")
            self.messageChanged.emit("")

    def currentMessage(self) -> str:
        return self.line.message

    def show_hint(self, text: str) -> None:
        """Show ``text`` until :meth:`end_hint` (its mode ended) or another message."""
        self.showMessage(text)
        self._hint = self.line.message

    def end_hint(self) -> None:
        """The hint's mode ended: clear the hint if it is still shown."""
        if self._hint and self.line.message == self._hint:
            self.clearMessage()
        self._hint = ""
