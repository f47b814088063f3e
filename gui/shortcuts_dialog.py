"""Help > Keyboard shortcuts (F1): the keymap's table in a dialog that fits the screen.

The list is taller than a 768 px screen: it scrolls inside the dialog, whose Close button
stays in sight below it, and the dialog is sized and placed within the screen's available
area.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from gui.keymap import help_html

#: Share of the screen's available height and width the dialog may take at most.
SCREEN_SHARE = 0.9


class ShortcutsDialog(QDialog):
    """The shortcut list in a scroll area, a Close button under it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcuts_box")
        self.setWindowTitle("Keyboard shortcuts")
        self.label = QLabel(help_html())
        self.label.setObjectName("shortcuts_list")
        self.label.setTextFormat(Qt.TextFormat.RichText)  # the keymap's own table
        self.label.setMargin(8)
        self.list_area = QScrollArea()
        self.list_area.setObjectName("shortcuts_scroll")
        self.list_area.setWidget(self.label)
        self.list_area.setWidgetResizable(True)
        self.list_area.setFrameShape(QFrame.Shape.NoFrame)
        self.list_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self._layout = QVBoxLayout(self)
        self._layout.addWidget(self.list_area, 1)
        self._layout.addWidget(self.buttons)

    def fit_to_screen(self) -> None:
        """As tall as the list, but at most :data:`SCREEN_SHARE` of the screen, centred on
        the parent and kept inside the screen's available area."""
        area = self._screen_area()
        content = self.label.sizeHint()
        scrollbar = self.list_area.verticalScrollBar().sizeHint().width()
        chrome = self.buttons.sizeHint().height() + 3 * self._layout.spacing() + 24
        # The window frame (known once shown) counts against the screen too.
        frame_extra = self.frameGeometry().size() - self.size()
        width = min(content.width() + scrollbar + 24,
                    round(area.width() * SCREEN_SHARE) - frame_extra.width())
        height = min(content.height() + chrome,
                     round(area.height() * SCREEN_SHARE) - frame_extra.height())
        self.resize(width, height)
        parent = self.parentWidget()
        centre = parent.frameGeometry().center() if parent is not None else area.center()
        frame = QRect(0, 0, width + frame_extra.width(), height + frame_extra.height())
        frame.moveCenter(centre)
        left = min(max(frame.left(), area.left()), area.right() + 1 - frame.width())
        top = min(max(frame.top(), area.top()), area.bottom() + 1 - frame.height())
        self.move(left, top)

    def _screen_area(self) -> QRect:
        parent = self.parentWidget()
        screen = parent.screen() if parent is not None else QGuiApplication.primaryScreen()
        return screen.availableGeometry()


def show_shortcuts(parent: QWidget) -> ShortcutsDialog:
    """Open the shortcut list over ``parent``; not modal: the keys it lists keep working
    in the window while it is open."""
    for shown in parent.findChildren(ShortcutsDialog):
        if shown.isVisible():  # F1 again: the one already open comes to the front
            shown.raise_()
            shown.activateWindow()
            return shown
    dialog = ShortcutsDialog(parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    dialog.fit_to_screen()
    return dialog
