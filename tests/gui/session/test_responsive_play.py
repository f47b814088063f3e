"""Playing as fast as possible leaves the window answering input: a 10 ms timer keeps
ticking and a real menu opens and closes while training runs flat out."""

from __future__ import annotations

import itertools
import math
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QTimer
from PySide6.QtWidgets import QMenu

#: Seconds of playing flat out.
PLAY_SECONDS = 3.0
#: The largest gap allowed between two ticks of a 10 ms timer.
LONGEST_GAP = 0.100


def test_a_10ms_timer_keeps_ticking_while_playing_at_maximum_speed(window, qtbot):
    # What the window's own work delays is measured: time the interface thread spent
    # runnable but waiting for a core (other processes on a loaded machine, the other
    # suites CI runs beside this one) is read from the scheduler and not counted.
    from gui.session.play_loop import waited_seconds

    session = window.session
    session.training.set_config(session.training.config.replace(epochs=1000))
    session.play.set_speed(math.inf)
    ticks: list[tuple[float, float]] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append((time.perf_counter(), waited_seconds())))
    menus: list[str] = []

    def open_menu() -> None:
        # A real menu, as the File menu opens: exec() runs its own event loop until a
        # single-shot timer closes it.
        menu = QMenu(window)
        menu.addAction("Open data…")
        menu.addAction("Quit")
        QTimer.singleShot(300, menu.close)
        started = time.perf_counter()
        menu.exec(window.mapToGlobal(QPoint(40, 40)))
        menus.append(f"{time.perf_counter() - started:.3f}")

    steps_before = session.training.trainer.cursor.step
    timer.start()
    session.play.play()
    assert session.play.running
    QTimer.singleShot(1000, open_menu)
    qtbot.wait(round(PLAY_SECONDS * 1000))
    session.play.pause()
    timer.stop()
    trained = session.training.trainer.cursor.step - steps_before
    gaps = [(b[0] - a[0]) - (b[1] - a[1]) for a, b in itertools.pairwise(ticks)]
    wall = [b[0] - a[0] for a, b in itertools.pairwise(ticks)]
    assert menus, "the menu never opened while playing"
    assert trained > 100, f"only {trained} steps trained in {PLAY_SECONDS} s"
    assert len(ticks) > 10
    assert max(gaps) <= LONGEST_GAP, (
        f"longest gap {max(gaps) * 1000:.0f} ms between 10 ms ticks while playing, "
        f"not counting waits for a core ({max(wall) * 1000:.0f} ms on the clock) "
        f"({trained} steps, {len(ticks)} ticks, menu open {menus})")


def test_the_loop_idles_only_when_the_thread_waited_for_a_core(session):
    from gui.session.play_loop import MAX_WAIT, WAIT_SHARE

    play = session.play
    play._cycle_start = (10.0, 2.0)  # wall time, seconds waited for a core
    # An idle machine: no waiting, train at once however long the batch took.
    assert play.seconds_to_wait(10.1, 2.0) == 0.0
    # Waited 20 ms of 100 ms: within the share (0.5) of the wall time.
    assert play.seconds_to_wait(10.1, 2.02) == 0.0
    # Waited 60 ms of 100 ms: idle until the waiting is WAIT_SHARE of the time.
    assert play.seconds_to_wait(10.1, 2.06) == pytest.approx(0.06 / WAIT_SHARE - 0.1)
    # Never longer than MAX_WAIT at a time.
    assert play.seconds_to_wait(10.1, 2.5) == MAX_WAIT


@pytest.mark.skipif(not Path("/proc/thread-self/schedstat").exists(),
                    reason="this system has no per-thread scheduler statistics")
def test_waiting_for_a_core_is_read_from_the_scheduler():
    from gui.session.play_loop import waited_seconds

    first = waited_seconds()
    time.sleep(0.01)
    second = waited_seconds()
    assert 0.0 < first <= second
