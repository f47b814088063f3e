"""Text from a file or a user, shown as it is and never as HTML.

Qt guesses: a label, message box or tooltip whose text looks like markup
(``Qt.mightBeRichText``: a tag on its first line) is rendered as rich text.  A CSV cell
``<img src=/dev/zero>`` quoted in a message would then be an image to load (reading
/dev/zero until the app aborts with ``std::bad_alloc``), and ``<img src=evil.png>`` would
draw a local picture.  Labels and message boxes that show such text are set to plain text;
tooltips cannot be, so their text is escaped when Qt would take it for markup.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as QtGuiNamespace  # where mightBeRichText lives
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

__all__ = ["plain_label", "plain_message_box", "tooltip_text"]


def plain_label(label: QLabel) -> QLabel:
    """``label``, set to show its text as plain text (returned for chaining)."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def plain_message_box(icon: QMessageBox.Icon, title: str, text: str,
                      buttons: QMessageBox.StandardButton, parent: QWidget | None = None
                      ) -> QMessageBox:
    """A message box showing ``text`` as plain text (it may quote a file)."""
    box = QMessageBox(icon, title, "", buttons, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    return box


def tooltip_text(text: str) -> str:
    """``text`` for ``setToolTip``: as it is, unless Qt would render it as markup; then
    escaped, with its line breaks and spaces kept."""
    if not QtGuiNamespace.mightBeRichText(text):
        return text
    return f"<p style='white-space:pre-wrap'>{html.escape(text, quote=False)}</p>"
