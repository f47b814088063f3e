"""Writing a file so that a crash or a full disk never leaves it half written.

The content goes to a temporary file in the same folder, is flushed to the disk, and only
then replaces the target with ``os.replace`` (atomic on POSIX and Windows): the target is
either the old file or the whole new one.

The target is checked first, without opening it (opening a FIFO for writing waits for a
reader forever): it must be a regular file or not exist yet, in an existing folder.  A
FIFO, a device, a socket or a folder, directly or behind a symbolic link, is refused with
:class:`NotAFileError`, whose text is one line naming the path and what it is.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from core.user_files import file_kind


class NotAFileError(OSError):
    """A write target that is not a regular file.  ``strerror`` says what it is,
    ``filename`` is the path, and the text is one line with both."""

    def __init__(self, path: str | os.PathLike[str], reason: str,
                 code: int = errno.EINVAL) -> None:
        super().__init__(code, reason, os.fspath(path))

    def __str__(self) -> str:
        return f"{self.filename}: {self.strerror}"


def check_target(path: str | os.PathLike[str]) -> Path:
    """``path`` if a file may be written there: a regular file or nothing yet, in an
    existing folder.  Never opens ``path``, so it returns at once for a FIFO.

    Raises
    ------
    NotAFileError
        For a folder, a FIFO, a device or a socket (followed through symbolic links), or
        a missing folder.
    """
    target = Path(path)
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        folder = target.parent
        if not folder.is_dir():
            raise NotAFileError(path, f"the folder {folder} does not exist",
                                errno.ENOENT) from None
        return target
    except OSError as error:
        raise NotAFileError(path, str(error.strerror or error), error.errno or errno.EIO) \
            from None
    if not stat.S_ISREG(mode):
        code = errno.EISDIR if stat.S_ISDIR(mode) else errno.EINVAL
        raise NotAFileError(path, f"is {file_kind(mode)}, not a regular file", code)
    return target


def _umask() -> int:
    """The process's umask, read without changing it (``os.umask`` sets it, for a moment,
    for every thread)."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status") as status:
        for line in status:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    return 0o022


def _new_file_mode(target: Path) -> int:
    """The permissions the written file gets: the replaced file's, else what a new file
    gets (a temporary file is made readable by its owner only)."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return 0o666 & ~_umask()


@contextlib.contextmanager
def atomic_target(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path in ``path``'s folder (same suffix, so writers that guess the
    format from it still do) for the caller to write; when the block ends without an
    exception, it replaces ``path``; otherwise it is removed and ``path`` is untouched.

    Raises
    ------
    NotAFileError
        If ``path`` may not be written (see :func:`check_target`).
    OSError
        If the temporary file cannot be made, written or renamed.
    """
    target = check_target(path)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".tmp{target.suffix}",
                                    dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        os.chmod(temporary, _new_file_mode(target))
        yield temporary
        with open(temporary, "rb+") as stream:  # what the writer left, on the disk
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], None]) -> Path:
    """Call ``write(temporary)`` and move the result onto ``path`` atomically."""
    with atomic_target(path) as temporary:
        write(temporary)
    return Path(path)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (see :func:`atomic_target`)."""
    with atomic_target(path) as temporary:
        temporary.write_bytes(data)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) atomically.

    Raises
    ------
    NotAFileError
        If ``path`` is a folder, a FIFO, a device or a socket, or its folder is missing.
    OSError
        If the folder is not writable or the disk is full; ``path`` is then untouched and
        no temporary file is left behind.
    """
    with atomic_target(path) as temporary, \
            open(temporary, "w", encoding="utf-8", newline="\n") as stream:
        stream.write(text)
