"""The guard over Qt's thread and lifetime warnings sees what Qt really says."""

from __future__ import annotations

import threading

from tests.qt_messages import GUARD, LIFECYCLE


def test_a_timer_started_outside_a_qt_thread_is_caught(qtbot):
    from PySide6.QtCore import QTimer

    def start_a_timer() -> None:
        # Qt refuses, with a warning: this thread was not started by QThread.
        timer = QTimer()
        timer.start(1000)

    GUARD.take()
    thread = threading.Thread(target=start_a_timer)
    thread.start()
    thread.join()
    found = GUARD.take()  # taken: this test means to provoke it
    assert found
    assert any("startTimer" in message for message in found)


def test_ordinary_messages_are_not_lifecycle_warnings():
    assert not LIFECYCLE.search("This plugin does not support propagateSizeHints()")
    assert not LIFECYCLE.search('Mouse event "MouseRelease" not accepted by receiving widget')
    assert LIFECYCLE.search("QThread: Destroyed while thread is still running")
    assert LIFECYCLE.search("QObject::killTimer: Timers cannot be stopped from another thread")
    assert LIFECYCLE.search("QObject: Cannot create children for a parent that is in a "
                            "different thread.")
