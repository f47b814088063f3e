"""Qt without a screen, for the commands that draw a picture into a file."""

from __future__ import annotations

import os

from PySide6.QtWidgets import QApplication


def offscreen_application() -> QApplication:
    """The running ``QApplication``, or a new one on Qt's offscreen platform.

    A picture written to a file never needs a screen, so a new application always draws
    offscreen: that works without X11 or Wayland and opens no window where there is one.
    The platform is chosen here, before the application loads its platform plugin.
    """
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    return QApplication(["Backprop Explorer"])
