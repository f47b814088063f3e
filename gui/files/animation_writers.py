"""Writing frames (RGB arrays, all one size) into an animated GIF or an MP4 video.

- GIF with Pillow, streamed: each frame is written as it comes, so memory stays one frame
  whatever the count.  Only the rectangle that changed since the previous frame is stored,
  quantized to its own palette of at most 256 colours without dithering: the flat colours
  and anti-aliased text of a drawing keep their shades (dithering would sprinkle dots into
  every letter).  Frames are shown ``1/fps`` seconds each (GIF counts in hundredths) and the
  animation loops.
- MP4 (H.264, yuv420p, which every player and slide program reads) with the ffmpeg binary
  that the ``imageio-ffmpeg`` package brings: raw RGB frames are piped to its standard
  input (a list of arguments, no shell).  The package is the optional ``video`` extra;
  without it, :class:`MissingVideoEncoderError` says what to install.  H.264 needs even sides:
  an odd width or height gets one row or column of background colour.

A writer writes into the path it is given (the caller passes an atomic temporary file) and
is a context manager: leaving the block with an exception (a cancel) stops it without
finishing the file.  :func:`open_writer` runs the encoding in a thread of its own
(:class:`ThreadedWriter`), beside the drawing of the next frames.
"""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from PIL import Image as PILImage

#: What to install for MP4 (the project's optional extra, or the package itself).
VIDEO_HINT = 'pip install -e ".[video]" (or: pip install imageio-ffmpeg)'
#: H.264 quality: 18 is visually lossless for drawings (lower is better, 0..51).
MP4_CRF = 18


class AnimationWriteError(OSError):
    """A frame or the file could not be written (one line)."""


class MissingVideoEncoderError(AnimationWriteError):
    """MP4 was asked for, but no encoder is installed."""

    def __init__(self) -> None:
        super().__init__(f"MP4 needs the imageio-ffmpeg package: {VIDEO_HINT}")

    def __str__(self) -> str:
        return str(self.args[0])


class FrameWriter(Protocol):
    """Takes frames one by one; :meth:`close` finishes the file."""

    def add(self, frame: np.ndarray) -> None: ...

    def close(self) -> None: ...

    def abort(self) -> None: ...


def frame_duration_ms(fps: float) -> int:
    """How long a GIF shows each frame: 1/fps seconds in whole hundredths (GIF's unit),
    at least 2 hundredths (browsers slow shorter delays down to 1/10 s)."""
    return max(20, round(100.0 / fps) * 10)


def _check_frame(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    width, height = size
    if frame.shape != (height, width, 3) or frame.dtype != np.uint8:
        raise ValueError(f"a frame is {width}x{height} RGB (uint8), got shape "
                         f"{frame.shape} of {frame.dtype}")
    return np.ascontiguousarray(frame)


class GifWriter:
    """An animated GIF written frame by frame (see the module's docstring)."""

    def __init__(self, path: str | os.PathLike[str], size: tuple[int, int],
                 fps: float) -> None:
        from PIL import GifImagePlugin  # noqa: F401  (registers GIF before the first save)

        self.path = Path(path)
        self.size = size
        self.duration = frame_duration_ms(fps)
        self.frames = 0
        self._previous: np.ndarray | None = None
        self._stream: IO[bytes] | None = open(self.path, "wb")  # noqa: SIM115

    def __enter__(self) -> GifWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()

    def add(self, frame: np.ndarray) -> None:
        """Append ``frame`` (height x width x 3, uint8)."""
        from PIL import GifImagePlugin

        frame = _check_frame(frame, self.size)
        stream = self._stream
        if stream is None:
            raise ValueError("the GIF is closed")
        previous = self._previous
        if previous is None:
            left, top, right, bottom = 0, 0, self.size[0], self.size[1]
        else:
            left, top, right, bottom = _changed_box(previous, frame)
        image = _palette_image(frame[top:bottom, left:right])
        options = {"duration": self.duration, "disposal": 1}
        if previous is None:
            # The first frame's palette is the global one; the loop runs for ever.
            header, _ = GifImagePlugin.getheader(image, None, {"loop": 0, **options})
            stream.writelines(header)
        else:
            options["include_color_table"] = True
        stream.writelines(GifImagePlugin.getdata(image, (left, top), **options))
        self._previous = frame
        self.frames += 1

    def close(self) -> None:
        """End the file (a GIF with no frame is not a GIF: refused)."""
        stream, self._stream = self._stream, None
        if stream is None:
            return
        try:
            if self.frames == 0:
                raise AnimationWriteError(f"{self.path}: an animation needs a frame")
            stream.write(b";")  # the GIF trailer
        finally:
            stream.close()

    def abort(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()


def _changed_box(before: np.ndarray, after: np.ndarray) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the pixels that differ; a 1x1 box at the corner when
    none do (the frame still counts, and still lasts its time)."""
    differs = np.any(before != after, axis=2)
    rows = np.flatnonzero(differs.any(axis=1))
    if rows.size == 0:
        return 0, 0, 1, 1
    columns = np.flatnonzero(differs.any(axis=0))
    return int(columns[0]), int(rows[0]), int(columns[-1]) + 1, int(rows[-1]) + 1


def _palette_image(pixels: np.ndarray) -> PILImage.Image:
    """``pixels`` as a palette image of at most 256 colours, without dithering: exact when
    it has no more colours than that (a drawing's changed region often has fewer)."""
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(pixels), "RGB")
    colours = image.getcolors(256)
    if colours is not None:  # few enough: every colour kept exactly
        palette = [int(value) for _, rgb in colours
                   for value in (rgb if isinstance(rgb, tuple) else (rgb,) * 3)]
        table = Image.new("P", (1, 1))
        table.putpalette(palette)
        return image.quantize(palette=table, dither=Image.Dither.NONE)
    # Fast octree: a 1280x720 frame in about 40 ms (median cut: 250 ms), the text as
    # readable (the same numbers read back by OCR), a mean error of about 1 level in 255.
    return image.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)


def ffmpeg_binary() -> str:
    """The ffmpeg that imageio-ffmpeg brings.

    Raises
    ------
    MissingVideoEncoderError
        When the package is not installed (or has no binary for this system).
    """
    try:
        import imageio_ffmpeg
    except ImportError:
        raise MissingVideoEncoderError from None
    try:
        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except RuntimeError:
        raise MissingVideoEncoderError from None


class Mp4Writer:
    """An H.264 MP4 written by ffmpeg from raw frames on its standard input."""

    def __init__(self, path: str | os.PathLike[str], size: tuple[int, int], fps: float,
                 *, binary: Callable[[], str] = ffmpeg_binary) -> None:
        self.path = Path(path)
        self.size = size
        self.frames = 0
        width, height = size
        command = [
            binary(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}",
            "-framerate", f"{fps:g}", "-i", "pipe:0", "-an",
            # H.264 in yuv420p needs even sides: pad an odd one with the edge's colour.
            "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2:0:0:color=white",
            "-c:v", "libx264", "-preset", "medium", "-crf", str(MP4_CRF),
            "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4", str(self.path),
        ]
        # ffmpeg's messages go to a file, not a pipe: a pipe nobody reads while frames are
        # written could fill and stop both processes.
        self._messages = tempfile.TemporaryFile()  # noqa: SIM115
        try:
            self._process: subprocess.Popen[bytes] | None = subprocess.Popen(  # noqa: S603
                command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                stderr=self._messages)
        except OSError as error:
            self._messages.close()
            raise AnimationWriteError(f"cannot start ffmpeg: {error.strerror or error}") \
                from None

    def __enter__(self) -> Mp4Writer:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()

    def add(self, frame: np.ndarray) -> None:
        """Send ``frame`` (height x width x 3, uint8) to the encoder."""
        frame = _check_frame(frame, self.size)
        process = self._process
        if process is None or process.stdin is None:
            raise ValueError("the video is closed")
        try:
            process.stdin.write(frame.tobytes())
        except (BrokenPipeError, OSError):
            process.wait()
            raise AnimationWriteError(self._failure()) from None
        self.frames += 1

    def close(self) -> None:
        """Let ffmpeg finish the file and check that it did."""
        process, self._process = self._process, None
        if process is None:
            return
        try:
            if process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()
            if process.wait() != 0:
                raise AnimationWriteError(self._failure())
            if self.frames == 0:
                raise AnimationWriteError(f"{self.path}: an animation needs a frame")
        finally:
            self._messages.close()

    def abort(self) -> None:
        """Stop ffmpeg at once (a cancel): the file is left unfinished."""
        process, self._process = self._process, None
        if process is None:
            return
        process.kill()
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        process.wait()
        self._messages.close()

    def _failure(self) -> str:
        self._messages.seek(0)
        lines = self._messages.read().decode("utf-8", "replace").strip().splitlines()
        detail = lines[-1].strip() if lines else "it stopped"
        return f"{self.path}: ffmpeg could not write the video: {detail}"


class ThreadedWriter:
    """Encodes frames in a thread of its own while the caller draws the next ones.

    ``add`` hands the frame over (waiting only when :data:`QUEUED` frames are already
    waiting: memory stays bounded); encoding (quantizing, compressing, piping to ffmpeg)
    runs in C code that releases the interpreter, so the window's thread keeps answering.
    A failure in the thread is raised by the next ``add`` or by ``close``.
    """

    #: Frames waiting to be encoded, at most.
    QUEUED = 2

    def __init__(self, writer: GifWriter | Mp4Writer) -> None:
        self.writer = writer
        self.frames = 0
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue(self.QUEUED)
        self._failure: BaseException | None = None
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="animation_writer",
                                        daemon=True)
        self._thread.start()

    def __enter__(self) -> ThreadedWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()

    def _run(self) -> None:
        while True:
            frame = self._queue.get()
            if frame is None or self._stopped.is_set():
                return
            try:
                self.writer.add(frame)
            except BaseException as failure:  # raised again in the caller's thread
                self._failure = failure
                self._stopped.set()
                return

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    def add(self, frame: np.ndarray) -> None:
        """Queue ``frame`` for encoding."""
        _check_frame(frame, self.writer.size)
        self._raise_failure()
        while not self._stopped.is_set():
            try:
                self._queue.put(frame, timeout=0.1)
                break
            except queue.Full:
                continue
        self._raise_failure()
        self.frames += 1

    def close(self) -> None:
        """Encode what is queued and finish the file."""
        if not self._stopped.is_set():
            self._queue.put(None)
        self._thread.join()
        if self._failure is not None:
            self.writer.abort()
            raise self._failure
        self.writer.close()

    def abort(self) -> None:
        """Stop at once, dropping what is queued; the file is left unfinished."""
        self._stopped.set()
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)
        self._thread.join()
        self.writer.abort()


def open_writer(path: str | os.PathLike[str], kind: str, size: tuple[int, int],
                fps: float) -> ThreadedWriter:
    """A writer of ``kind`` (``gif`` or ``mp4``) into ``path``.

    Raises
    ------
    MissingVideoEncoderError
        For MP4 without imageio-ffmpeg.
    AnimationWriteError
        When ffmpeg cannot be started.
    OSError
        When ``path`` cannot be opened.
    """
    if kind == "gif":
        return ThreadedWriter(GifWriter(path, size, fps))
    if kind == "mp4":
        return ThreadedWriter(Mp4Writer(path, size, fps))
    raise ValueError(f"no writer for {kind!r}")
