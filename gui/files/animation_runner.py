"""Running an animation export in the window: a fork of the run, a progress bar, Cancel.

The frames come from a fork of the user's run (:meth:`core.training.trainer.Trainer.fork`)
at the step asked for, so the run the window shows is never trained, rewound or replaced:
it is exactly where it was, during the export and after it.  The work runs on the interface
thread (Qt paints only there), one piece (a frame, or a stretch of training) per turn of
the event loop from a zero-interval timer, so the window answers input between them and
the progress dialog's Cancel is heard; the frames are encoded in a thread of their own
(:class:`gui.files.animation_writers.ThreadedWriter`).  Cancel stops at once and leaves
no file (the export writes a temporary file and renames it only when done).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from core.training.checkpoint import CheckpointError
from gui.files.animation import (
    AnimationError,
    AnimationJob,
    AnimationSpec,
    check_animation_target,
)
from gui.session.training_session import TrainingSession
from gui.theme import DEFAULT_THEME, Theme

#: Seconds of work between two turns of the event loop: 0 is one piece (a frame, or a
#: stretch of training) per turn, so input waits at most one frame's drawing.
TICK_SECONDS = 0.0
#: Steps of the progress bar.
PROGRESS_STEPS = 1000


class AnimationRunner(QObject):
    """Exports animations of ``session``'s run, one at a time.

    Parameters
    ----------
    session
        The run (read, and forked; never changed).
    report
        Called with (title, problem) when an export fails, with ("", message) when it ends
        or is cancelled.
    parent
        The window the progress dialog belongs to.
    """

    #: The export ended: the file written (a path), or "" (cancelled or failed).
    finished = Signal(str)

    def __init__(self, session: TrainingSession, report: Callable[[str, str], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.report = report
        self.window = parent
        self.job: AnimationJob | None = None
        self.progress: QProgressDialog | None = None
        #: A piece of work is running (a cancel then waits for it to return).
        self._busy = False
        self._cancel_asked = False
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._tick)
        app = QCoreApplication.instance()
        if app is not None:  # quitting mid-export: no temporary file, no ffmpeg left behind
            app.aboutToQuit.connect(self.cancel)

    @property
    def running(self) -> bool:
        return self.job is not None

    def start(self, path: str, spec: AnimationSpec, first_step: int, *,
              theme: Theme = DEFAULT_THEME, legends: bool = True,
              pair: tuple[str, str] | None = None) -> bool:
        """Export ``spec`` to ``path`` from a fork of the run at ``first_step`` (``pair``:
        the loss landscape's weights, None to let the export choose); False (and a
        report) when it cannot start."""
        if self.job is not None:
            self.report("Cannot export", "an animation is being exported: wait for it or "
                        "cancel it")
            return False
        session = self.session
        try:
            check_animation_target(path)
            fork = session.trainer.fork(first_step)
        except AnimationError as problem:
            self.report("Cannot export", str(problem))
            return False
        except CheckpointError as problem:
            self.report("Cannot export", f"cannot start the animation at step {first_step}: "
                        f"{problem}")
            return False
        sample = None if session.follow_training else session.shown_sample
        try:
            self.job = AnimationJob(fork, path, spec, theme=theme, legends=legends,
                                    sample=sample, pair=pair)
        except AnimationError as problem:
            self.report("Cannot export", str(problem))
            return False
        dialog = QProgressDialog(f"Exporting {path}…", "Cancel", 0, PROGRESS_STEPS,
                                 self.window)
        dialog.setObjectName("animation_progress")
        dialog.setWindowTitle("Export animation")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(self.cancel)
        dialog.setValue(0)
        dialog.show()
        self.progress = dialog
        self._timer.start()
        return True

    def cancel(self) -> None:
        """Stop the export: no file is written, an existing one stays as it was."""
        job = self.job
        if job is None:
            return
        if self._busy:  # asked from inside a piece of work: done when it returns
            self._cancel_asked = True
            return
        job.cancel()
        self._end()
        self.report("", f"Animation export cancelled: {job.path} was not written")
        self.finished.emit("")

    def _tick(self) -> None:
        job = self.job
        if job is None or self._busy:
            if job is None:
                self._timer.stop()
            return
        if self._cancel_pending():
            self.cancel()
            return
        self._busy = True
        try:
            more = job.advance(TICK_SECONDS)
        except AnimationError as problem:
            self._end()
            self.report("Cannot export", str(problem))
            self.finished.emit("")
            return
        finally:
            self._busy = False
        if self._cancel_pending():
            self.cancel()
            return
        if more:
            dialog = self.progress
            if dialog is not None:
                dialog.setLabelText(f"Exporting {job.path.name}: frame "
                                    f"{len(job.frame_steps)} of {job.spec.frames} (step "
                                    f"{job.trainer.cursor.step})…")
                # A modal dialog's setValue turns the event loop: Cancel may end the job.
                dialog.setValue(round(job.fraction * PROGRESS_STEPS))
            return
        self._end()
        self.report("", f"Exported the animation: {job.summary()}")
        self.finished.emit(str(job.path))

    def _cancel_pending(self) -> bool:
        """Cancel was asked for: by the progress dialog, or while a piece of work ran."""
        return self._cancel_asked or (self.progress is not None
                                      and self.progress.wasCanceled())

    def _end(self) -> None:
        self._timer.stop()
        self.job = None
        self._cancel_asked = False
        dialog, self.progress = self.progress, None
        if dialog is not None:
            dialog.canceled.disconnect(self.cancel)
            dialog.close()
            dialog.deleteLater()
