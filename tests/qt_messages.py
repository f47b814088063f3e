"""A guard over Qt's own warnings about threads and object lifetimes.

Qt reports misuse of threads and objects by printing a line, not by raising:
"QThread: Destroyed while thread is still running" (then it aborts the process),
"QObject::killTimer: Timers cannot be stopped from another thread", "QObject: Cannot create
children for a parent that is in a different thread", "QBasicTimer can only be used with
threads started with QThread"...  Each is a bug that crashes the suite now and then, so the
test during which Qt says one of them fails (an error at its teardown), naming the message.

:class:`QtMessageGuard` is the message handler.  pytest-qt installs its own handler for the
setup and call of each test and restores the one before afterwards; the guard is installed
on top of it (and forwards every message to it), and again for the teardown.  Nothing here
imports Qt: the guard starts once a test has loaded it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any

#: What Qt says when threads, timers or objects are misused (or outlive their thread).
LIFECYCLE = re.compile(
    r"QThread|QObject:|QObject::|QBasicTimer|QSocketNotifier|QTimer"
    r"|another thread|different thread|outside the GUI thread"
)

Handler = Callable[[Any, Any, str], None]


class QtMessageGuard:
    """Qt message handler that keeps the thread and lifetime warnings it sees.

    Attributes
    ----------
    found
        The matching messages since :meth:`take` was last called.
    test
        The test running (printed with a fatal message, which ends the process).
    """

    def __init__(self) -> None:
        self.found: list[str] = []
        self.test = ""
        self._forward: Handler | None = None

    def install(self) -> None:
        """Handle Qt's messages, forwarding them to the handler installed before."""
        from PySide6.QtCore import qInstallMessageHandler

        previous = qInstallMessageHandler(self.handle)
        if previous != self.handle:
            self._forward = previous

    def reset_forward(self) -> None:
        """Print messages to stderr (the handler forwarded to has been removed)."""
        self._forward = None

    def handle(self, mode: Any, context: Any, message: str) -> None:
        """The message handler: remember a lifecycle warning, then pass the message on."""
        from PySide6.QtCore import QtMsgType

        if LIFECYCLE.search(message):
            self.found.append(message)
        if mode == QtMsgType.QtFatalMsg:
            # Qt ends the process when this returns: say where it happened.
            sys.stderr.write(f"\nQt fatal error during {self.test}: {message}\n")
            sys.stderr.flush()
        if self._forward is not None:
            self._forward(mode, context, message)
        elif mode != QtMsgType.QtDebugMsg:
            sys.stderr.write(f"Qt: {message}\n")

    def take(self) -> list[str]:
        """The matching messages seen so far, forgotten by the guard."""
        found, self.found = self.found, []
        return found


GUARD = QtMessageGuard()


def qt_loaded() -> bool:
    """Whether a test has imported Qt (the guard has something to watch)."""
    return "PySide6.QtCore" in sys.modules
