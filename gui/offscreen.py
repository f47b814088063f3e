"""Qt without a screen, for the commands that draw a picture into a file."""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import tempfile

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


def offscreen_platform(width: int, height: int) -> str:
    """The ``QT_QPA_PLATFORM`` value of an offscreen screen ``width`` x ``height`` pixels.

    Qt's offscreen platform otherwise reports an 800x800 screen, and a window larger than
    its screen is shrunk to fit it: a picture "at 1024x768" must come from a 1024x768 screen
    for the window's geometry, its maximum size and everything laid out from the screen's
    size to be what a projector of that size shows.  The screen's description is a small
    JSON file the plugin reads when the application starts (set this before it does).
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"a screen needs a positive size, not {width}x{height}")
    screens = {"screens": [{"name": "Screen", "x": 0, "y": 0, "width": width,
                            "height": height, "logicalDpi": 96, "logicalBase": 96,
                            "dpr": 1}]}
    # A new file of this process's own (created exclusively: nothing placed in the
    # temporary folder beforehand, a FIFO or a link, is ever opened), removed at exit.
    handle, name = tempfile.mkstemp(prefix="backprop-explorer-screen-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        json.dump(screens, file)
    atexit.register(_remove, name)
    return f"offscreen:configfile={name}"


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(path)
