"""Playing: training in time-budgeted batches from a ``QTimer``, at a chosen speed.

Each timer tick trains one batch (:meth:`TrainingSession.run_for`) lasting until the
graph's next frame is due (at most :data:`BATCH_SECONDS`), so the event loop gets control
back many times a second and Pause takes effect before the next batch.  At a finite speed
the loop earns "credit" of steps per second of wall time and trains only what it earned.

The interface thread also paints what training produces.  On a busy machine (more threads
wanting a core than there are cores) a thread that never sleeps gets its share in slices,
so each batch and each frame takes several times its own CPU time and input waits behind
them.  So the loop watches how long the thread waited for a core (Linux's scheduler
statistics): when, since the last batch began, it waited more than :data:`WAIT_SHARE` of
the wall time, it stays idle long enough to bring that share back down before training
again.  A thread that has slept is run promptly when input comes.  On an idle machine the
thread never waits and training runs flat out; without the statistics (other systems) the
loop never idles.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from gui.session.training_session import MAX_FRAMES_PER_SECOND, TrainingSession

#: Longest training batch per timer tick: Pause takes effect within this time, and input
#: waits at most this long behind training (plus one frame's drawing).
BATCH_SECONDS = 0.012
#: Shortest training batch per timer tick.
MIN_BATCH_SECONDS = 0.004
#: Slowest and fastest finite speeds (steps per second); above the fastest is "max".
MIN_SPEED = 1.0
MAX_FINITE_SPEED = 5000.0
#: Largest share of wall time the interface thread may spend waiting for a core while
#: playing; beyond it, the loop idles.
WAIT_SHARE = 0.5
#: Longest wait a tick adds before training again (seconds).
MAX_WAIT = 0.05
#: Linux's per-thread scheduler statistics: nanoseconds running, nanoseconds waiting for a
#: core, time slices.
SCHEDSTAT = Path("/proc/thread-self/schedstat")


def _read_waited() -> float | None:
    """The scheduler's waiting time in seconds, or None where the system does not say."""
    try:
        return int(SCHEDSTAT.read_bytes().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


_SCHEDSTAT = _read_waited() is not None


def waited_seconds() -> float:
    """Seconds the calling thread has spent runnable but waiting for a core (Linux; 0.0
    where the system does not say).  Only differences of two readings mean anything."""
    return (_read_waited() or 0.0) if _SCHEDSTAT else 0.0


class PlayLoop(QObject):
    """Play / pause for a :class:`TrainingSession`.

    Notes
    -----
    Public API: :attr:`running`, :attr:`speed`, :meth:`set_speed`, :meth:`play`,
    :meth:`pause`, :meth:`toggle_play`, :meth:`shutdown`; signals
    :attr:`training_started`, :attr:`training_paused`, :attr:`speed_changed`.  The loop
    stops by itself when training finishes, diverges or starts over (new settings, Reset).
    """

    training_started = Signal()
    #: Playing stopped (Pause, the end of training, a divergence or a restart).
    training_paused = Signal()
    #: Steps per second while playing (math.inf: as fast as possible).
    speed_changed = Signal(float)

    def __init__(self, session: TrainingSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._speed = math.inf
        self._running = False
        self._credit = 0.0
        self._last_tick = 0.0
        #: Wall time and waited_seconds() when the last training batch began.
        self._cycle_start = (0.0, 0.0)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        session.training_restarted.connect(self._stop)
        session.training_finished.connect(self._stop)
        session.diverged.connect(self._stop)

    @property
    def running(self) -> bool:
        return self._running

    @property
    def speed(self) -> float:
        return self._speed

    def set_speed(self, steps_per_second: float) -> None:
        """Steps per second while playing; above :data:`MAX_FINITE_SPEED` (or
        ``math.inf``) is as fast as possible.

        Raises
        ------
        ValueError
            Below :data:`MIN_SPEED` or nan.
        """
        speed = float(steps_per_second)
        if math.isnan(speed) or speed < MIN_SPEED:
            raise ValueError(f"speed must be >= {MIN_SPEED:g} steps per second")
        if speed > MAX_FINITE_SPEED:
            speed = math.inf
        if speed == self._speed:
            return
        self._speed = speed
        if self._running:
            self._start_timer()
        self.speed_changed.emit(speed)

    def play(self) -> None:
        """Start playing (the status bar says why not when training cannot go on)."""
        if self._running or not self.session.can_train():
            return
        self._running = True
        self._credit = 0.0
        self._last_tick = time.perf_counter()
        self._cycle_start = (self._last_tick, waited_seconds())
        self._start_timer()
        self.training_started.emit()
        self.session.report("Training…")

    def pause(self) -> None:
        """Stop playing; the views show where training stopped."""
        if not self._running:
            return
        self._stop()
        self.session.report(f"Paused at step {self.session.trainer.cursor.step}")
        self.session.publish()

    def toggle_play(self) -> None:
        if self._running:
            self.pause()
        else:
            self.play()

    def shutdown(self) -> None:
        """Stop the timer (the window is closing)."""
        self._running = False
        self._timer.stop()

    def _stop(self) -> None:
        if self._running:
            self._running = False
            self._timer.stop()
            self.training_paused.emit()

    def _interval(self) -> int:
        """The timer's interval at the chosen speed (milliseconds)."""
        if math.isinf(self._speed):
            return 0
        if self._speed >= MAX_FRAMES_PER_SECOND:
            return 15
        return round(1000.0 / self._speed)

    def _start_timer(self) -> None:
        self._timer.start(self._interval())

    def _restore_interval(self) -> None:
        """Back to the speed's interval after a wait (the timer keeps running)."""
        if self._timer.interval() != self._interval():
            self._timer.setInterval(self._interval())

    def seconds_to_wait(self, wall: float, waited: float) -> float:
        """How long to stay idle before training again, at wall time ``wall`` and
        :func:`waited_seconds` ``waited``, so that since the last batch began the thread
        waited for a core at most :data:`WAIT_SHARE` of the time (0.0: train now)."""
        wall_before, waited_before = self._cycle_start
        wait = (waited - waited_before) / WAIT_SHARE - (wall - wall_before)
        return min(max(wait, 0.0), MAX_WAIT)

    def _tick(self) -> None:
        if not self._running:
            return
        now, waited = time.perf_counter(), waited_seconds()
        wait = self.seconds_to_wait(now, waited)
        if wait > 0.0:
            # The machine is busy: leave the core to others a while.
            self._timer.start(max(1, round(wait * 1000.0)))
            return
        self._restore_interval()
        self._cycle_start = (now, waited)
        if math.isinf(self._speed):
            max_steps = None
        else:
            self._credit = min(self._credit + self._speed * (now - self._last_tick),
                               self._speed * 0.25 + 1.0)
            max_steps = int(self._credit)
        self._last_tick = now
        if max_steps == 0:
            return
        steps_before = self.session.trainer.cursor.step
        # Train until the next frame is due, so frames come at a steady rate and the time
        # between them goes to training.
        budget = min(BATCH_SECONDS, max(MIN_BATCH_SECONDS, self.session.seconds_to_next_frame()))
        result = self.session.run_for(budget, max_steps=max_steps)
        if result is None:
            self._stop()
            return
        if max_steps is not None:
            self._credit -= self.session.trainer.cursor.step - steps_before
