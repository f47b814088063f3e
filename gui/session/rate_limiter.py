"""One rate limiter for everything that redraws while training runs.

The graph redraws at most ~40 times a second and readouts, tables and history plots at
most ~8 times a second; comparison progress is drawn at most ~10 times a second.  Each of
those is a :class:`RateLimiter` around one callback: :meth:`RateLimiter.request` asks for
a call "as soon as allowed", and the call always sees the newest state because it reads
it when it runs, not when it was requested.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer


class RateLimiter(QObject):
    """Calls ``action`` at most ``per_second`` times a second.

    Parameters
    ----------
    per_second
        The highest call rate (> 0).
    action
        Called with no arguments, on the thread that owns the limiter.
    parent
        Qt parent (the limiter's timer dies with it).

    Notes
    -----
    Public API:

    - :meth:`request`: call ``action`` now if the last call was long enough ago, else once
      when it is due (requests in between collapse into that one call);
    - :meth:`fire`: call ``action`` now regardless, dropping any pending call;
    - :meth:`cancel`: drop a pending call;
    - :meth:`seconds_to_next`: how long until a call is allowed (0 if now);
    - :attr:`pending`: whether a call is waiting for its turn.
    """

    def __init__(self, per_second: float, action: Callable[[], object],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        if not per_second > 0:
            raise ValueError(f"per_second must be > 0, got {per_second}")
        self.interval = 1.0 / per_second
        self._action = action
        self._last = -math.inf
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.fire)

    @property
    def pending(self) -> bool:
        """Whether a requested call is waiting for its turn."""
        return self._timer.isActive()

    def seconds_to_next(self) -> float:
        """Seconds until a call is allowed (0.0 if one is allowed now)."""
        return max(0.0, self._last + self.interval - time.perf_counter())

    def request(self) -> None:
        """Call the action now if allowed, else once as soon as it is allowed."""
        wait = self.seconds_to_next()
        if wait <= 0.0:
            self.fire()
        elif not self._timer.isActive():
            self._timer.start(max(1, math.ceil(wait * 1000.0)))

    def fire(self) -> None:
        """Call the action now (a pending call is dropped: this one replaces it)."""
        self._timer.stop()
        self._last = time.perf_counter()
        self._action()

    def cancel(self) -> None:
        """Drop the pending call, if any."""
        self._timer.stop()
