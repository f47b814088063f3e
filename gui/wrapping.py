"""Text from a lesson file or a user, shown safely: plain text that wraps anywhere.

A QLabel renders HTML (and loads the images it names) unless told otherwise, and wraps
only between words: one long unbroken word makes its minimum width the word's width (a
3 KB caption made the window 29,771 px wide, a 100 KB one crashed the process).  These
widgets show plain text only, never ask for more width than a few characters, and never
more height than their line limit:

- :class:`WrappedText` breaks lines between words and, inside a run of more than
  :data:`BREAK_RUN` characters without a space, anywhere; it shows at most ``max_lines``
  lines, and the rest scrolls (mouse wheel) or comes page by page (:meth:`page_down`).
- :class:`ElidedLine` is one line that ends in ``…`` when it does not fit, its first part
  shortened first (a title before the position it is followed by), the whole text in its
  tooltip.
"""

from __future__ import annotations

import math
import re

from PySide6.QtCore import QCoreApplication, QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QFontMetricsF,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
    QTextLayout,
    QTextOption,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.plain_text import tooltip_text

#: Characters of one unbroken run before a break opportunity is added: longer than any
#: word of a caption, so that words are still broken only between them.
BREAK_RUN = 30
#: The most characters laid out; a longer text shows these and ends in "…".  Lesson
#: captions are capped far below (core.lessons); this bounds the time and memory of any
#: text the widget is given (a 100 KB text is laid out in about 60 ms).
MAX_SHOWN = 20_000
ZERO_WIDTH_SPACE = "\u200b"
LINE_SEPARATOR = "\u2028"
_RUN = re.compile(rf"[^\s{ZERO_WIDTH_SPACE}]{{{BREAK_RUN}}}(?=[^\s{ZERO_WIDTH_SPACE}])")
_NEWLINES = re.compile(r"\r\n|\r|\n")
#: Layouts kept, by width: a layout pass asks for a few widths in turn.
_CACHED_WIDTHS = 4


def breakable(text: str) -> str:
    """``text`` as laid out: a zero-width space (a break opportunity taking no room) after
    every :data:`BREAK_RUN` characters of an unbroken run, new lines as line separators,
    at most :data:`MAX_SHOWN` characters."""
    if len(text) > MAX_SHOWN:
        text = text[:MAX_SHOWN] + "…"
    text = _RUN.sub(lambda match: match.group(0) + ZERO_WIDTH_SPACE, text)
    return _NEWLINES.sub(LINE_SEPARATOR, text)


def _narrow_policy(*, height_for_width: bool) -> QSizePolicy:
    """A horizontal policy that cannot widen the window: the width hint is ignored."""
    policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    policy.setHeightForWidth(height_for_width)
    return policy


class WrappedText(QWidget):
    """Plain text wrapped to the widget's width, at most ``max_lines`` lines tall.

    Parameters
    ----------
    text
        The text; new lines start new lines.
    max_lines
        The most lines shown at once (None: all); more text is marked ``▼`` and scrolls.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None, *,
                 max_lines: int | None = None, margin: int = 0) -> None:
        super().__init__(parent)
        self._text = ""
        self._shown = ""
        self._max_lines = max_lines
        self._margin = margin
        self._first = 0
        self._layouts: dict[int, QTextLayout] = {}
        self.setSizePolicy(_narrow_policy(height_for_width=True))
        self.setText(text)

    # -- the text -------------------------------------------------------------------------

    def text(self) -> str:
        """The text as given."""
        return self._text

    def setText(self, text: str) -> None:
        """Show ``text`` from its first line."""
        text = str(text)
        if text == self._text:
            return
        self._text = text
        self._shown = breakable(text)
        self._first = 0
        self._relayout()

    def set_max_lines(self, lines: int | None) -> None:
        """Show at most ``lines`` lines at once (at least one)."""
        lines = None if lines is None else max(1, int(lines))
        if lines != self._max_lines:
            self._max_lines = lines
            self._relayout()

    @property
    def max_lines(self) -> int | None:
        return self._max_lines

    # -- lines and pages ------------------------------------------------------------------

    def line_count(self, width: int | None = None) -> int:
        """Lines the text takes at ``width`` (default: the widget's)."""
        return self._layout(self._text_width(self.width() if width is None else width)) \
            .lineCount()

    def line_height(self) -> float:
        return QFontMetricsF(self.font()).lineSpacing()

    def visible_line_count(self) -> int:
        """Lines shown at once at the widget's size."""
        room = max(self.height() - 2 * self._margin, 0)
        fitting = max(1, math.floor(room / self.line_height() + 1e-6))
        if self._max_lines is not None:
            fitting = min(fitting, self._max_lines)
        return fitting

    @property
    def first_line(self) -> int:
        """The first line shown (from 0)."""
        return self._first

    def has_more_below(self) -> bool:
        return self._first + self.visible_line_count() < self.line_count()

    def has_more_above(self) -> bool:
        return self._first > 0

    def scroll_to(self, line: int) -> None:
        """Show from ``line`` (clamped so the last page is full)."""
        last = max(self.line_count() - self.visible_line_count(), 0)
        line = min(max(int(line), 0), last)
        if line != self._first:
            self._first = line
            self.update()

    def page_down(self) -> bool:
        """Show the next page of the text; False when the end was shown already."""
        _settle_layouts()
        if not self.has_more_below():
            return False
        self.scroll_to(self._first + self.visible_line_count())
        return True

    def page_up(self) -> bool:
        """Show the previous page; False at the first."""
        _settle_layouts()
        if not self.has_more_above():
            return False
        self.scroll_to(self._first - self.visible_line_count())
        return True

    # -- size -----------------------------------------------------------------------------

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        lines = self.line_count(width)
        if self._max_lines is not None:
            lines = min(lines, self._max_lines)
        return math.ceil(max(lines, 1) * self.line_height()) + 2 * self._margin

    def sizeHint(self) -> QSize:
        width = self.width() if self.width() > 1 else 400
        return QSize(self._small_width(), self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return QSize(self._small_width(), math.ceil(self.line_height()) + 2 * self._margin)

    def _small_width(self) -> int:
        return math.ceil(QFontMetricsF(self.font()).averageCharWidth() * 4) + 2 * self._margin

    def _marker_width(self) -> float:
        """Room kept on the right for the ▲ / ▼ marks when the text may scroll."""
        if self._max_lines is None:
            return 0.0
        return QFontMetricsF(self.font()).horizontalAdvance(" ▼")

    def _text_width(self, width: int) -> int:
        return max(int(width - 2 * self._margin - self._marker_width()), 8)

    def _layout(self, width: int) -> QTextLayout:
        layout = self._layouts.get(width)
        if layout is not None:
            return layout
        layout = QTextLayout(self._shown, self.font())
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        spacing = self.line_height()
        layout.beginLayout()
        y = 0.0
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            line.setPosition(QPointF(0.0, y))
            y += spacing
        layout.endLayout()
        if len(self._layouts) >= _CACHED_WIDTHS:
            self._layouts.pop(next(iter(self._layouts)))
        self._layouts[width] = layout
        return layout

    def _relayout(self) -> None:
        self._layouts.clear()
        self.scroll_to(self._first)
        # A layout caches the height-for-width of the widgets it holds: every widget
        # between here and the window holds a stale one.
        widget: QWidget | None = self
        while widget is not None and not widget.isWindow():
            widget.updateGeometry()
            widget = widget.parentWidget()
        self.update()

    # -- events ---------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:
            self._relayout()
        super().changeEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.scroll_to(self._first)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = -round(event.angleDelta().y() / 120)
        if steps and (self.has_more_below() if steps > 0 else self.has_more_above()):
            self.scroll_to(self._first + steps)
            event.accept()
        else:
            event.ignore()

    def paintEvent(self, event: QPaintEvent) -> None:
        del event
        painter = QPainter(self)
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        painter.setFont(self.font())
        layout = self._layout(self._text_width(self.width()))
        spacing = self.line_height()
        shown = self.visible_line_count()
        top = self._margin - self._first * spacing
        clip = QRectF(0, self._margin, self.width(), shown * spacing)
        painter.setClipRect(clip)
        for index in range(self._first, min(self._first + shown, layout.lineCount())):
            layout.lineAt(index).draw(painter, QPointF(self._margin, top))
        painter.setClipping(False)
        marker = QRectF(self.width() - self._margin - self._marker_width(), self._margin,
                        self._marker_width(), spacing)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if self.has_more_above():
            painter.drawText(marker, right, "▲")
        if self.has_more_below():
            painter.drawText(marker.translated(0, (shown - 1) * spacing), right, "▼")
        painter.end()


class ElidedLine(QWidget):
    """One line of plain text: a first part (shortened first, dropped with its separator
    when nothing of it would show) and the rest, ending in ``…`` when the whole does not
    fit; the whole text is the tooltip."""

    SEPARATOR = " · "

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._first = ""
        self._rest = ""
        self.setSizePolicy(_narrow_policy(height_for_width=False))

    def text(self) -> str:
        """The whole text: the first part and the rest, joined by :attr:`SEPARATOR`."""
        if self._first and self._rest:
            return f"{self._first}{self.SEPARATOR}{self._rest}"
        return self._first or self._rest

    def setText(self, text: str) -> None:
        self.set_parts(text, "")

    def set_parts(self, first: str, rest: str) -> None:
        """Show ``first`` then ``rest``; when too long, ``first`` is shortened first."""
        first, rest = str(first), str(rest)
        if (first, rest) != (self._first, self._rest):
            self._first, self._rest = first, rest
            whole = self.text()
            self.setToolTip(tooltip_text(whole) if len(whole) <= MAX_SHOWN else "")
            self.update()

    def shown_text(self) -> str:
        """The text as drawn at the widget's width."""
        metrics = QFontMetricsF(self.font())
        room = float(self.width())
        first, rest = _one_line(self._first), _one_line(self._rest)
        elide = Qt.TextElideMode.ElideRight
        if not rest:
            return metrics.elidedText(first, elide, room)
        rest = metrics.elidedText(rest, elide, room)
        # At least a few characters of the first part, or none of it.
        left = room - metrics.horizontalAdvance(rest + self.SEPARATOR)
        if not first or left < metrics.horizontalAdvance(first[:4] + "…"):
            return rest
        return metrics.elidedText(first, elide, left) + self.SEPARATOR + rest

    def sizeHint(self) -> QSize:
        metrics = QFontMetricsF(self.font())
        return QSize(math.ceil(metrics.averageCharWidth() * 4),
                     math.ceil(metrics.lineSpacing()))

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:
        del event
        painter = QPainter(self)
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        painter.setFont(self.font())
        painter.drawText(QRectF(self.rect()),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         self.shown_text())
        painter.end()


def _settle_layouts() -> None:
    """Apply pending layouts: a page is what the widget shows at its final height (a new
    text may have changed it a moment ago)."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)


def _one_line(text: str) -> str:
    """``text`` as one line to elide: new lines as spaces, and no longer than a line of
    any width could show (eliding measures every character)."""
    if len(text) > MAX_SHOWN // 10:
        text = text[:MAX_SHOWN // 10] + "…"
    return _NEWLINES.sub(" ", text)
