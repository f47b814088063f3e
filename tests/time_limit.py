"""A case that blocks (a FIFO opened by mistake, a read that never ends) fails after a
number of seconds instead of hanging the suite."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def time_limit(seconds: int, message: str) -> Iterator[None]:
    """Raise ``TimeoutError(message)`` in the main thread after ``seconds`` (where the
    system has ``SIGALRM``; elsewhere the block runs unbounded)."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(message)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
