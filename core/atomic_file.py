"""Writing a file so that a crash or a full disk never leaves it half written.

The text goes to a temporary file in the same folder, is flushed to the disk, and only
then replaces the target with ``os.replace`` (atomic on POSIX and Windows): the target is
either the old file or the whole new one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) atomically.

    Raises
    ------
    OSError
        If the folder is missing or not writable, or the disk is full; ``path`` is then
        untouched and no temporary file is left behind.
    """
    target = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                         dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
