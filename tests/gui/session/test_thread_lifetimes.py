"""Background threads end before what they talk to: every comparison's thread is joined
and its worker gone once it reports, however quickly comparisons follow each other, and
shutting down leaves nothing running.  (Qt's own warnings about threads fail any test:
tests/qt_messages.py.)"""

from __future__ import annotations

import shiboken6


def _threads(session):
    return dict(session.comparison._threads)


def test_a_finished_comparison_leaves_no_thread_and_no_worker(session, qtbot):
    session.training.set_epochs(2)
    with qtbot.waitSignal(session.comparison.finished, timeout=20000):
        session.comparison.start(["sgd", "adam"])
    (thread, worker), = _threads(session).items()
    # The thread's end is handled once the event loop gets to it.
    qtbot.waitUntil(lambda: not session.comparison._threads, timeout=5000)
    assert not shiboken6.isValid(thread) or thread.isFinished()
    assert not shiboken6.isValid(worker)  # deleted by its own thread, which has ended


def test_comparisons_started_one_after_another_end_cleanly(session, qtbot):
    session.training.set_epochs(500)
    runner = session.comparison
    for _ in range(6):
        runner.start(["sgd", "momentum"])  # each cancels the one before
    assert len(runner._threads) == 6
    started = list(runner._threads)
    runner.cancel()
    assert not runner.running()
    qtbot.waitUntil(lambda: not runner._threads, timeout=20000)
    assert all(not shiboken6.isValid(thread) or thread.isFinished() for thread in started)


def test_shutdown_joins_a_running_comparison(session, qtbot):
    session.training.set_epochs(5000)
    runner = session.comparison
    runner.start(["sgd"])
    runner.start(["adam"])
    threads = list(runner._threads)
    received = []
    runner.finished.connect(received.append)
    runner.progressed.connect(lambda *args: received.append(args))
    session.shutdown()
    assert all(thread.isFinished() for thread in threads)
    assert not runner._threads
    qtbot.wait(200)  # late signals from the workers are ignored
    assert received == []
    session.shutdown()  # twice is harmless (the window and the test both may)
