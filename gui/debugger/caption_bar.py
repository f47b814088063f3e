"""The caption line above the graph while stepping: where the stepper is and what happens
at this position, in plain words, large enough for the back row."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from core.debugger.stepper import StepPosition
from gui.theme import Theme

#: Pixel sizes of the caption's two lines (the theme's scale applies).
WHERE_PX = 14.0
CAPTION_PX = 18.0


class CaptionBar(QFrame):
    """Two lines (where, what) and the stepping buttons.

    Parameters
    ----------
    actions
        The stepping actions to offer as buttons, each with the short text its button
        shows (``◀``), in order.
    """

    def __init__(self, theme: Theme, actions: list[tuple[QAction, str]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("caption_bar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.set_theme(theme)
        self.where = QLabel()
        self.where.setObjectName("caption_where")
        self.where.setFont(theme.font(WHERE_PX, bold=True))
        self.where.setTextFormat(Qt.TextFormat.PlainText)
        self.caption = QLabel()
        self.caption.setObjectName("caption_text")
        self.caption.setFont(theme.font(CAPTION_PX))
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        texts = QVBoxLayout()
        texts.setContentsMargins(0, 0, 0, 0)
        texts.setSpacing(2)
        texts.addWidget(self.where)
        texts.addWidget(self.caption)
        buttons = QHBoxLayout()
        buttons.setSpacing(2)
        self.buttons: list[QToolButton] = []
        for action, short in actions:
            button = QToolButton()
            button.setText(short)
            button.setToolTip(action.toolTip())
            button.clicked.connect(action.trigger)
            button.setFont(theme.font(WHERE_PX, bold=True))
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the graph
            buttons.addWidget(button)
            self.buttons.append(button)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addLayout(texts, 1)
        layout.addLayout(buttons)
        self.setVisible(False)

    def set_theme(self, theme: Theme) -> None:
        """The note's colours: the same box as the chain-rule note on the graph."""
        self.setStyleSheet(f"#caption_bar {{ background: {theme.note_background}; "
                           f"border: 2px solid {theme.highlight}; border-radius: 4px; }} "
                           f"#caption_bar QLabel {{ color: {theme.value_text}; "
                           "background: transparent; }")

    def set_text_scale(self, theme: Theme, factor: float) -> None:
        """Text ``factor`` times its usual size (presentation mode)."""
        scaled = theme.with_text_scale(factor)
        self.where.setFont(scaled.font(WHERE_PX, bold=True))
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
