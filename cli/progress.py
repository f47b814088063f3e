"""Progress on stderr for long headless work, and how Ctrl+C ends a command.

A progress line appears only when stderr is a terminal (piped output, JSON included, stays
clean) and only once the work has run for :data:`SHOW_AFTER` seconds; it is erased when the
work ends.  :class:`ProgressLine` redraws from a background thread, so phases that report
nothing (parsing, compiling) still show that time passes.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from types import TracebackType
from typing import TextIO


def _show_after(default: float = 2.0) -> float:
    # BACKPROP_PROGRESS_AFTER: seconds before a progress line appears (default 2).
    try:
        value = float(os.environ.get("BACKPROP_PROGRESS_AFTER", default))
    except ValueError:
        return default
    return value if 0.0 <= value < math.inf else default


#: Work shorter than this (in seconds) shows no progress at all; the environment variable
#: ``BACKPROP_PROGRESS_AFTER`` changes it.
SHOW_AFTER = _show_after()
#: Redraws per second at most.
REDRAW_INTERVAL = 0.2
#: Width of the bar, in characters.
BAR_WIDTH = 20
#: The one line a command prints when Ctrl+C stops it (exit status 130).
INTERRUPTED = "interrupted (Ctrl+C): stopped before finishing, nothing more was written"


def bar(fraction: float) -> str:
    """``[#######             ]  35%`` for a fraction in [0, 1]."""
    fraction = min(max(fraction, 0.0), 1.0)
    filled = "#" * round(BAR_WIDTH * fraction)
    return f"[{filled:<{BAR_WIDTH}}] {100 * fraction:3.0f}%"


def erase_line(stream: TextIO | None = None) -> None:
    """Clear a progress line left on a terminal (before a message takes its place)."""
    out = sys.stderr if stream is None else stream
    try:
        if out.isatty():
            out.write("\r\033[K")
            out.flush()
    except (OSError, ValueError):  # a closed stream: nothing to clear
        pass


class ProgressLine:
    """A context manager drawing ``label: phase [####    ] 40%`` on a terminal's stderr.

    Parameters
    ----------
    label
        What runs (``gradcheck``).
    stream
        Where to draw (default ``sys.stderr``); nothing is drawn unless it is a terminal.
    delay
        Seconds before the line first appears.

    Use :meth:`set` from the working thread to name the phase and, when known, the
    fraction done; it is cheap (two assignments) and thread-safe enough for a display.
    """

    def __init__(self, label: str, stream: TextIO | None = None,
                 delay: float = SHOW_AFTER) -> None:
        self.label = label
        self.stream = sys.stderr if stream is None else stream
        self.delay = delay
        self.phase = ""
        self.fraction: float | None = None
        self.active = self.stream.isatty()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._drawn = False
        self._started = time.perf_counter()

    def set(self, phase: str, fraction: float | None = None) -> None:
        """Name the current phase and how much of it is done (``None``: unknown)."""
        self.phase = phase
        self.fraction = fraction

    def __enter__(self) -> ProgressLine:
        if self.active:
            self._started = time.perf_counter()
            self._thread = threading.Thread(target=self._run, name="progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._drawn:
            erase_line(self.stream)

    def _run(self) -> None:
        while not self._stop.wait(REDRAW_INTERVAL):
            elapsed = time.perf_counter() - self._started
            if elapsed < self.delay:
                continue
            fraction = self.fraction
            shown = bar(fraction) if fraction is not None else f"{elapsed:.0f} s"
            self.stream.write(f"\r\033[K{self.label}: {self.phase} {shown}")
            self.stream.flush()
            self._drawn = True
