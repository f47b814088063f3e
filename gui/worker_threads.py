"""The threads a runner keeps for its workers (the comparison's, the sweep's, the data
loader's): each worker object lives in its own QThread until the thread has ended and been
joined."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

from PySide6.QtCore import QObject, QThread, SignalInstance


class Cancellable(Protocol):
    def cancel(self) -> None: ...


Worker = TypeVar("Worker", bound=Cancellable)


def worker_thread(parent: QObject, worker: QObject, ends: Iterable[SignalInstance],
                  on_finished: Callable[[], None]) -> QThread:
    """A thread (not started) in which ``worker.run`` runs once it starts.

    The thread quits on any of ``ends`` (the worker's last signals); when it has ended it
    deletes the worker and calls ``on_finished`` in ``parent``'s thread, which should
    :func:`join_finished`.  Connect the worker's signals to their receivers first, so that
    they arrive before the thread quits.
    """
    thread = QThread(parent)
    worker.moveToThread(thread)
    thread.started.connect(worker.run)  # type: ignore[attr-defined]
    for signal in ends:
        signal.connect(thread.quit)
    thread.finished.connect(worker.deleteLater)
    thread.finished.connect(on_finished)  # queued: runs in the parent's thread
    return thread


def join_finished(threads: dict[QThread, Worker]) -> None:
    """Forget the threads that have ended.  ``finished`` comes from a thread that has not
    quite ended: it still deletes its worker (deleteLater).  Joined first, so the worker's
    last reference is dropped here only once nothing else can delete it."""
    for thread in [t for t in threads if t.isFinished()]:
        thread.wait()
        del threads[thread]
        thread.deleteLater()


def stop_all(threads: dict[QThread, Worker]) -> None:
    """Cancel every worker and wait for its thread (the window is closing)."""
    for thread, worker in list(threads.items()):
        worker.cancel()
        thread.quit()
        thread.wait()
    threads.clear()
