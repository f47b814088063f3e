"""Playing: training in time-budgeted batches from a ``QTimer``, at a chosen speed.

Each timer tick trains one batch (:meth:`TrainingSession.run_for`) lasting until the
graph's next frame is due (at most :data:`BATCH_SECONDS`), so the event loop gets control
back many times a second and Pause takes effect before the next batch.  At a finite speed
the loop earns "credit" of steps per second of wall time and trains only what it earned.
"""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QObject, QTimer, Signal

from gui.session.training_session import MAX_FRAMES_PER_SECOND, TrainingSession

#: Longest training batch per timer tick: Pause takes effect within this time.
BATCH_SECONDS = 1.0 / MAX_FRAMES_PER_SECOND
#: Shortest training batch per timer tick.
MIN_BATCH_SECONDS = 0.002
#: Slowest and fastest finite speeds (steps per second); above the fastest is "max".
MIN_SPEED = 1.0
MAX_FINITE_SPEED = 5000.0


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

    def _start_timer(self) -> None:
        if math.isinf(self._speed) or self._speed >= MAX_FRAMES_PER_SECOND:
            self._timer.start(0 if math.isinf(self._speed) else 15)
        else:
            self._timer.start(round(1000.0 / self._speed))

    def _tick(self) -> None:
        if not self._running:
            return
        now = time.perf_counter()
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
