"""The caption line above the graph while stepping: where the stepper is and what happens
at this position, in plain words, large enough for the back row."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QFontMetrics
from PySide6.QtWidgets import QFrame, QHBoxLayout, QToolButton, QVBoxLayout, QWidget

from core.debugger.stepper import StepPosition
from gui.classroom.band import BandStandIn, bar_button
from gui.theme import Theme
from gui.wrapping import ElidedLine, WrappedText

#: Pixel sizes of the caption's two lines (the theme's scale applies).
WHERE_PX = 14.0
CAPTION_PX = 18.0
#: The most caption lines shown at once; more scroll (a caption names nodes by the
#: user's own names, which may be long).
CAPTION_LINES = 3


class CaptionBar(BandStandIn):
    """Two lines (where, what) and the stepping buttons.  Both lines are plain text that
    cannot widen the window: ``where`` ends in "…" when too long, the caption wraps
    anywhere and shows at most :data:`CAPTION_LINES` lines.

    Parameters
    ----------
    actions
        The stepping actions to offer as buttons, each with the short text its button
        shows (``◀``), in order.
    """

    #: The texts shown changed.
    changed = Signal()

    def __init__(self, theme: Theme, actions: list[tuple[QAction, str]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("caption_bar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.set_theme(theme)
        #: The stepping actions and their buttons' short texts (the band offers them too).
        self.step_actions = list(actions)
        self.where = ElidedLine()
        self.where.setObjectName("caption_where")
        self.caption = WrappedText(max_lines=CAPTION_LINES)
        self.caption.setObjectName("caption_text")
        texts = QVBoxLayout()
        texts.setContentsMargins(0, 0, 0, 0)
        texts.setSpacing(2)
        texts.addWidget(self.where)
        texts.addWidget(self.caption)
        buttons = QHBoxLayout()
        buttons.setSpacing(2)
        self.buttons: list[QToolButton] = []
        for action, short in actions:
            button = bar_button(short, action.toolTip(), action.trigger)
            button.setFont(theme.font(WHERE_PX, bold=True))
            buttons.addWidget(button)
            self.buttons.append(button)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addLayout(texts, 1)
        layout.addLayout(buttons)
        self.set_text_scale(theme, 1.0)
        self.setVisible(False)

    def setVisible(self, visible: bool) -> None:
        """Wanted while stepping (shown unless the presentation band shows the stepper)."""
        super().setVisible(visible)
        self.changed.emit()

    def set_theme(self, theme: Theme) -> None:
        """The note's colours: the same box as the chain-rule note on the graph."""
        self.setStyleSheet(f"#caption_bar {{ background: {theme.note_background}; "
                           f"border: 2px solid {theme.highlight}; border-radius: 4px; }} "
                           f"#caption_where, #caption_text {{ color: {theme.value_text}; "
                           "background: transparent; }")

    def set_text_scale(self, theme: Theme, factor: float) -> None:
        """Text ``factor`` times its usual size (presentation mode)."""
        scaled = theme.with_text_scale(factor)
        where = scaled.font(WHERE_PX, bold=True)
        self.where.setFont(where)
        self.where.setFixedHeight(QFontMetrics(where).lineSpacing())
        self.caption.setFont(scaled.font(CAPTION_PX))
        for button in self.buttons:
            button.setFont(scaled.font(WHERE_PX, bold=True))

    def show_position(self, position: StepPosition, where: str, problem: str = "") -> None:
        """Show the caption of ``position``; ``problem`` (a non-finite value's reason)
        is added when the stepper stands on it."""
        self.where.setText(where)
        text = position.caption
        if problem:
            text = f"{text}\n⚠ {problem}"
        self.caption.setText(text)
        self.changed.emit()
