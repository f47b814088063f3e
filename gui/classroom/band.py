"""The compact band above the graph in presentation mode: the lesson and the stepper in
one strip of at most :data:`BAND_SHARE` of the window's height.

Out of presentation mode the lesson's bar and the stepper's caption bar stack above the
graph; on a 1024x768 projector at 2x text they took 257 px (432 px at 3x) and left the
graph a third of the screen.  The band shows the same texts in one frame:

- a header line: the lesson's title (shortened first), the stop, where the stepper is;
- the captions (the lesson's, then the stepper's), plain text wrapped anywhere, as many
  lines as the band's height allows (one line fewer while only a lesson is open: its
  stops without a stepper show the whole graph, which needs the height more); the rest
  comes with the next click (PageDown, →) or the mouse wheel, marked ▼;
- the stepper's buttons (|◀ ◀ ▶ ▶| ✕), or ◀ ▶ between stops when only a lesson is open,
  always on screen: the texts give way, never the buttons.

Its text grows with Ctrl+plus / Ctrl+minus like the graph's; its height never does.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QFont, QFontMetricsF
from PySide6.QtWidgets import QFrame, QHBoxLayout, QToolButton, QVBoxLayout, QWidget

from gui.theme import Theme
from gui.wrapping import ElidedLine, WrappedText

#: The band's largest share of the window's height (15% of 768 px: 115 px).
BAND_SHARE = 0.15
#: Pixel sizes at text scale 1 of the header, the captions and the buttons.
HEADER_PX = 12.0
BODY_PX = 13.0
BUTTON_PX = 13.0
#: Caption lines given back to the graph while only a lesson is open (no stepper): the
#: whole seed graph's digits at 1024x768 and 2x text are 16.2 px with it, 15.2 px without.
LESSON_ONLY_FEWER_LINES = 1
#: Margins inside the band's frame, and the frame's border.
MARGIN = 4
BORDER = 2


def bar_button(text: str, tip: str, slot: Callable[[], None]) -> QToolButton:
    """A button of a bar above the graph: ``text``, ``tip``, ``slot`` on a click; it
    never takes the keyboard focus (keys stay with the graph)."""
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.clicked.connect(lambda _checked=False: slot())
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return button


class BandStandIn(QFrame):
    """A bar above the graph whose texts the presentation band shows instead while
    presenting: ``setVisible`` says whether it is wanted, :meth:`set_in_band` whether the
    band shows it; it is on screen when wanted and not in the band."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._wanted = False
        self._in_band = False

    def setVisible(self, visible: bool) -> None:
        self._wanted = bool(visible)
        self._show_if_wanted()

    @property
    def wanted(self) -> bool:
        """Whether its texts are wanted (whether this bar shows them or the band does)."""
        return self._wanted

    def set_in_band(self, on: bool) -> None:
        """Hide this bar while the presentation band shows its texts instead."""
        self._in_band = bool(on)
        self._show_if_wanted()

    def _show_if_wanted(self) -> None:
        super().setVisible(self._wanted and not self._in_band)


class PresentationBand(QFrame):
    """The lesson's and the stepper's texts and buttons in one band.

    Parameters
    ----------
    step_actions
        The stepper's actions with their buttons' short texts, in order (the last one
        leaves stepping).
    lesson_moves
        What the lesson's ◀ and ▶ buttons do (previous stop, next click).
    """

    def __init__(self, theme: Theme, step_actions: list[tuple[QAction, str]],
                 lesson_moves: tuple[Callable[[], None], Callable[[], None]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("presentation_band")
        self.header = ElidedLine()
        self.header.setObjectName("band_header")
        self.body = WrappedText(max_lines=2)
        self.body.setObjectName("band_body")
        texts = QVBoxLayout()
        texts.setContentsMargins(0, 0, 0, 0)
        texts.setSpacing(0)
        texts.addWidget(self.header)
        texts.addWidget(self.body)
        texts.addStretch(1)
        self.step_buttons = [self._button(short, action.toolTip(), action.trigger)
                             for action, short in step_actions]
        previous, following = lesson_moves
        self.lesson_buttons = [self._button("◀", "Previous stop (PageUp)", previous),
                               self._button("▶", "Next (PageDown)", following)]
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.setSpacing(2)
        for button in (*self.step_buttons, *self.lesson_buttons):
            buttons.addWidget(button)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(MARGIN + BORDER, MARGIN, MARGIN + BORDER, MARGIN)
        layout.setSpacing(6)
        layout.addLayout(texts, 1)
        layout.addLayout(buttons)
        layout.setAlignment(buttons, Qt.AlignmentFlag.AlignVCenter)
        self._cap = 10_000
        self._lesson_only = False
        self._theme = theme
        self._scale = 1.0
        self.set_theme(theme, 1.0)
        self.hide()

    @staticmethod
    def _button(text: str, tip: str, slot: Callable[[], None]) -> QToolButton:
        button = bar_button(text, tip, slot)
        button.hide()
        return button

    # -- content --------------------------------------------------------------------------

    def show_texts(self, title: str, where: str, caption: str, *, stepping: bool,
                   lesson: bool) -> None:
        """Show a header (``title`` shortened first, then ``where``), the captions, and
        the stepper's buttons when ``stepping``, else the lesson's when ``lesson``."""
        self.header.set_parts(title, where)
        self.body.setText(caption)
        for button in self.step_buttons:
            button.setVisible(stepping)
        for button in self.lesson_buttons:
            button.setVisible(lesson and not stepping)
        if self._lesson_only != (lesson and not stepping):
            self._lesson_only = lesson and not stepping
            self._fit()

    # -- size and style -------------------------------------------------------------------

    def set_theme(self, theme: Theme, scale: float) -> None:
        """Colours of the stepper's note, text ``scale`` times its usual size."""
        self._theme, self._scale = theme, scale
        self.setStyleSheet(
            f"#presentation_band {{ background: {theme.note_background}; "
            f"border: {BORDER}px solid {theme.highlight}; border-radius: 4px; }} "
            f"#band_header, #band_body {{ color: {theme.value_text}; "
            "background: transparent; }")
        scaled = theme.with_text_scale(scale)
        header = scaled.font(HEADER_PX, bold=True)
        self.header.setFont(header)
        self.header.setFixedHeight(math.ceil(QFontMetricsF(header).lineSpacing()))
        self.body.setFont(scaled.font(BODY_PX))
        button_font: QFont = scaled.font(BUTTON_PX, bold=True)
        for button in (*self.step_buttons, *self.lesson_buttons):
            button.setFont(button_font)
        self._fit()

    def set_height_limit(self, window_height: int) -> None:
        """The band's height is at most :data:`BAND_SHARE` of ``window_height``."""
        self._cap = max(int(window_height * BAND_SHARE), 1)
        self._fit()

    @property
    def height_limit(self) -> int:
        return self._cap

    def _fit(self) -> None:
        """As many caption lines as the height limit leaves below the header."""
        room = self._cap - 2 * (MARGIN + BORDER) - self.header.height()
        lines = math.floor(room / self.body.line_height())
        if self._lesson_only:
            lines -= LESSON_ONLY_FEWER_LINES
        lines = max(1, lines)
        self.body.set_max_lines(lines)
        self.setMaximumHeight(self._cap)
