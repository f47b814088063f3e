"""The threads a runner keeps for its workers (the comparison's, the sweep's): each worker
object lives in its own QThread until the thread has ended and been joined."""

from __future__ import annotations

from typing import Protocol, TypeVar

from PySide6.QtCore import QThread


class Cancellable(Protocol):
    def cancel(self) -> None: ...


Worker = TypeVar("Worker", bound=Cancellable)


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
