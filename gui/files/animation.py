"""An animation of training: the graph over N frames, K steps apart, as a GIF or an MP4.

Frame 0 shows the run as it is when the export starts; frame k shows it k·K steps later
(each frame drawn as :class:`gui.files.animation_frame.FrameRenderer` draws it, all the
same size).  The trainer given is trained forward by the export, so callers pass one of
their own: the command line its fresh run, the window a fork of the user's run (which
stays exactly where it was).  When training ends (the last epoch, or a divergence) before
the last frame, the frame of the end is the last one: the animation is shorter than asked,
and says so (:attr:`AnimationJob.ended`).

The work is done in small pieces (:meth:`AnimationJob.advance`): a frame, or at most
:data:`TRAIN_CHUNK` training steps, so that the window can run it from its event loop, with
a progress bar, and stay answering.  The file is written atomically
(:mod:`core.atomic_file`): a cancel, an error or a crash leaves no file, not even part of
one, and an existing file untouched.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from core.atomic_file import NotAFileError, atomic_target, check_target
from core.inputs import MAX_SIDE, MIN_SIDE
from core.training.trainer import Trainer
from gui.files.animation_frame import (
    INCLUDES,
    FrameRenderer,
    landscape_size,
    shown_trace_sample,
)
from gui.files.animation_writers import AnimationWriteError, ffmpeg_binary, open_writer
from gui.theme import DEFAULT_THEME, Theme

#: Animation formats, by file suffix.
ANIMATION_SUFFIXES = (".gif", ".mp4")
#: At most this many frames (a GIF of 1000 full-size frames is already a large file).
MAX_FRAMES = 1000
#: Frames per second: the range taken and the default (slow enough to read the numbers).
MIN_FPS, MAX_FPS, DEFAULT_FPS = 0.1, 50.0, 4.0
#: Default frame size: 16:9 for slides, the graph's numbers about 14 px tall.
DEFAULT_SIZE = (1280, 720)
#: Training steps between two chances for the window to answer input.
TRAIN_CHUNK = 2000


class AnimationError(ValueError):
    """An animation that cannot be made as asked (one line: what and why)."""


@dataclass(frozen=True)
class AnimationSpec:
    """What to animate.

    Attributes
    ----------
    frames
        How many frames, 1..:data:`MAX_FRAMES`.
    every
        Training steps between two frames, >= 1.
    fps
        Frames per second, :data:`MIN_FPS`..:data:`MAX_FPS`.
    size
        (width, height) of every frame, each side ``MIN_SIDE..MAX_SIDE`` pixels.
    include
        ``graph``, or ``loss`` for the loss plot below the graph.
    """

    frames: int
    every: int = 1
    fps: float = DEFAULT_FPS
    size: tuple[int, int] = DEFAULT_SIZE
    include: str = "graph"

    def __post_init__(self) -> None:
        if isinstance(self.frames, bool) or not isinstance(self.frames, int) \
                or not 1 <= self.frames <= MAX_FRAMES:
            raise AnimationError(f"frames: must be 1..{MAX_FRAMES}, not {self.frames}")
        if isinstance(self.every, bool) or not isinstance(self.every, int) or self.every < 1:
            raise AnimationError(f"every: must be a whole number of steps >= 1, not {self.every}")
        if not (isinstance(self.fps, (int, float)) and math.isfinite(self.fps)
                and MIN_FPS <= self.fps <= MAX_FPS):
            raise AnimationError(f"fps: must be {MIN_FPS:g}..{MAX_FPS:g} frames per second, not "
                                 f"{self.fps}")
        width, height = self.size
        for name, side in (("width", width), ("height", height)):
            if not MIN_SIDE <= side <= MAX_SIDE:
                raise AnimationError(f"a frame's {name} is {MIN_SIDE}..{MAX_SIDE} pixels, "
                                     f"not {side}")
        if self.include not in INCLUDES:
            raise AnimationError(f"include: must be {' or '.join(INCLUDES)}, not {self.include!r}")


def animation_format(path: str | os.PathLike[str]) -> str:
    """``gif`` or ``mp4`` from the file name.

    Raises
    ------
    AnimationError
        For any other suffix.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in ANIMATION_SUFFIXES:
        raise AnimationError(f"{os.fspath(path)}: an animation is .gif or .mp4, not "
                             f"{suffix or 'a file without a suffix'}")
    return suffix[1:]


def check_animation_target(path: str | os.PathLike[str]) -> str:
    """The format of ``path`` (``gif`` or ``mp4``) if an animation can be written there:
    a known suffix, a regular file or nothing yet in a folder that takes a new file, and
    for MP4 an encoder.  ``path`` itself is never opened (a FIFO would block).

    Raises
    ------
    AnimationError
        One line naming the problem (for MP4 without an encoder: what to install).
    """
    kind = animation_format(path)
    try:
        target = check_target(path)
    except NotAFileError as error:
        raise AnimationError(str(error)) from None
    try:  # the folder must take the temporary file the frames go into
        handle, probe = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".probe",
                                         dir=target.parent)
    except OSError as error:
        raise AnimationError(f"{os.fspath(path)}: cannot write there: "
                             f"{error.strerror or error}") from None
    os.close(handle)
    os.unlink(probe)
    if kind == "mp4":
        try:
            ffmpeg_binary()
        except AnimationWriteError as error:
            raise AnimationError(str(error)) from None
    return kind


def weight_pair(trainer: Trainer, pair: tuple[str, str]) -> tuple[str, str]:
    """``pair`` (names or ids) as the ids of two different weights of the graph.

    Raises
    ------
    AnimationError
        Naming what is not a weight.
    """
    graph = trainer.graph
    ids = []
    for reference in pair:
        node = graph.find(reference.strip())
        if node is None or node.id not in graph.weights:
            raise AnimationError(f"pair: {reference!r} is not a weight of the graph (its "
                                 f"weights: {', '.join(graph[w].name for w in graph.weights)})")
        ids.append(node.id)
    if ids[0] == ids[1]:
        raise AnimationError(f"pair: two different weights, not {pair[0]} twice")
    return ids[0], ids[1]


class AnimationJob:
    """Trains ``trainer`` forward and writes the frames of ``spec`` to ``path``.

    Parameters
    ----------
    trainer
        The run, at the first frame's step; the job trains it (pass a copy to keep one).
    path
        The ``.gif`` or ``.mp4`` to write.
    spec
        Frames, steps between them, speed, size and what is shown.
    theme, legends
        How the graph is drawn.
    sample
        The row the graph shows (None: the sample the next step trains, as the window
        shows while following training).
    pair
        With the loss landscape: its two weights (names or ids; None: the two the loss
        changes fastest along at the first frame).

    Raises
    ------
    AnimationError
        As :func:`check_animation_target`.
    """

    def __init__(self, trainer: Trainer, path: str | os.PathLike[str], spec: AnimationSpec,
                 *, theme: Theme = DEFAULT_THEME, legends: bool = True,
                 sample: int | None = None, pair: tuple[str, str] | None = None) -> None:
        self.kind = check_animation_target(path)
        self.pair = None if pair is None else weight_pair(trainer, pair)
        self.trainer = trainer
        self.path = Path(path)
        self.spec = spec
        self.theme = theme
        self.legends = legends
        self.sample = sample
        self.start_step = trainer.cursor.step
        #: The step each written frame shows.
        self.frame_steps: list[int] = []
        #: Why the animation ended early: ``finished``, ``diverged`` or None.
        self.ended: str | None = None
        self.done = False
        self._work = self._frames()

    @property
    def planned_steps(self) -> list[int]:
        """The steps the frames are to show (training may end before the last ones)."""
        return [self.start_step + k * self.spec.every for k in range(self.spec.frames)]

    @property
    def fraction(self) -> float:
        """How much is done, 0..1, counting frames and the training between them."""
        if self.done:
            return 1.0
        spec = self.spec
        trained = self.trainer.cursor.step - self.start_step
        span = max((spec.frames - 1) * spec.every, 1)
        return min(0.5 * len(self.frame_steps) / spec.frames + 0.5 * trained / span, 1.0)

    def advance(self, seconds: float = 0.0) -> bool:
        """Do one piece of the work (a frame or a stretch of training), and more until
        ``seconds`` have passed; True while something is left.

        Raises
        ------
        AnimationError
            When a frame or the file cannot be written (no file is left).
        """
        deadline = time.perf_counter() + seconds
        while not self.done:
            try:
                next(self._work)
            except StopIteration:
                self.done = True
            if time.perf_counter() >= deadline:
                break
        return not self.done

    def run(self) -> None:
        """Do all the work."""
        while self.advance(1.0):
            pass

    def cancel(self) -> None:
        """Stop: the partial file is removed, the target left as it was."""
        self._work.close()
        self.done = True

    def _frames(self) -> Generator[None, None, None]:
        spec, trainer = self.spec, self.trainer
        last = min(self.planned_steps[-1], trainer.total_steps)
        landscape = None
        if spec.include == "landscape":
            from gui.files.animation_landscape import LandscapePanel

            landscape = LandscapePanel(trainer, last, self.pair, landscape_size(spec.size),
                                       self.theme)
            yield  # the square is found by training a copy to the last frame first
        renderer = FrameRenderer(trainer.graph, spec.size, include=spec.include,
                                 theme=self.theme, legends=self.legends,
                                 epoch_span=max(last, 1) / trainer.n_samples,
                                 landscape=landscape)
        try:
            with atomic_target(self.path) as temporary, \
                    open_writer(temporary, self.kind, spec.size, spec.fps) as writer:
                for k in range(spec.frames):
                    # Training ends (finished or diverged) only after a frame: the
                    # frame of the end, a divergence's red node included, is the last.
                    left = spec.every if k > 0 else 0
                    while left > 0 and not self._over():
                        chunk = min(left, TRAIN_CHUNK)
                        trainer.run(chunk)
                        left -= chunk
                        yield
                    if landscape is not None:  # the numbers first, the drawing next turn
                        landscape.compute(trainer, shown_trace_sample(trainer, self.sample))
                        yield
                    writer.add(renderer.render(trainer, self.sample))
                    self.frame_steps.append(trainer.cursor.step)
                    yield
                    if self._over():
                        if k < spec.frames - 1:
                            self.ended = "diverged" if trainer.diverged else "finished"
                        break
        except NotAFileError as error:
            raise AnimationError(str(error)) from None
        except AnimationWriteError as error:
            raise AnimationError(str(error)) from None
        except OSError as error:
            raise AnimationError(f"{self.path}: {error.strerror or error}") from None
        finally:
            renderer.close()

    def _over(self) -> bool:
        return self.trainer.finished or self.trainer.diverged is not None

    def summary(self) -> str:
        """One line: what was written (and why it is shorter than asked, if it is)."""
        frames = len(self.frame_steps)
        first, last = (self.frame_steps[0], self.frame_steps[-1]) if frames else (0, 0)
        text = (f"{frames} frame{'' if frames == 1 else 's'} (steps {first}..{last}) "
                f"to {self.path}")
        if self.ended is not None:
            text += (f"; training {self.ended} at step {last}, before the "
                     f"{self.spec.frames} frames asked for")
        return text
