"""Reading a file whose path a user gave: a regular file only, never more than a budget.

Any such path may name a FIFO (opening it waits for a writer; reading it never ends), a
device (``/dev/zero`` reports a size of 0 and never ends), a folder, a symbolic link, or
a file that grows while it is read.  Every reader of user files (data, sessions and their
data's sha256, lessons, presets) opens them here:

- the path is checked to be a regular file with ``stat`` *before* it is opened, then
  opened with ``O_NONBLOCK`` (so a FIFO swapped in between the two steps does not block
  the open) and checked again with ``fstat`` on the opened descriptor (so the file read is
  the file checked);
- reads stop at ``limit + 1`` bytes actually read, whatever size the file reports, and a
  file with more than ``limit`` bytes is refused.

A refusal is an :class:`OSError` (``IsADirectoryError``, :class:`NotRegularFileError`,
:class:`FileTooLargeError`, or the system's own, such as ``FileNotFoundError``) whose
``strerror`` is a short phrase for a one-line message: callers that already turn
``OSError`` into their own error keep working unchanged.

JSON read from such files is decoded with :func:`load_json`, which refuses nesting deeper
than a limit with a one-line error instead of a ``RecursionError``.

Every reader words a refusal with :func:`unreadable` (``PATH: no such file``, ``PATH: is a
directory, not a lesson file``, ``PATH: cannot read the file (Permission denied)``), so a
user's file is refused in the same words whatever it was meant to be.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

__all__ = [
    "FileTooLargeError",
    "JSONDepthError",
    "NotRegularFileError",
    "check_regular",
    "file_kind",
    "json_depth",
    "load_json",
    "open_regular",
    "read_bytes",
    "read_text",
    "sha256_hex",
    "size_words",
    "unreadable",
]

_HASH_BLOCK = 1 << 20


class NotRegularFileError(OSError):
    """The path names a FIFO, a device or a socket: something that is not a file's bytes."""


class FileTooLargeError(OSError):
    """The file holds more than the reader's budget.

    Attributes
    ----------
    limit
        The budget in bytes.
    size
        The size the file reported, or ``None`` when it reported less and grew (or lied).
    """

    def __init__(self, path: str, limit: int, size: int | None) -> None:
        what = f"{size:,} bytes" if size is not None else f"more than {limit:,} bytes"
        super().__init__(errno.EFBIG, f"the file is {what}; the limit is {limit:,} bytes",
                         path)
        self.limit, self.size = limit, size


class JSONDepthError(ValueError):
    """JSON nested deeper than the reader allows."""


def file_kind(mode: int) -> str:
    """What a non-regular ``st_mode`` is, in words: ``"a FIFO (named pipe)"``, ..."""
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a regular file"


def _require_regular(mode: int, path: str) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory, not a file", path)
    raise NotRegularFileError(errno.EINVAL, f"is {file_kind(mode)}, not a regular file", path)


def check_regular(path: str | os.PathLike[str]) -> None:
    """Refuse ``path`` unless it is (a symbolic link to) a regular file, without opening it.

    Raises
    ------
    OSError
        As :func:`open_regular`.
    ValueError
        For a path with a NUL byte.
    """
    source = os.fspath(path)
    _require_regular(os.stat(source).st_mode, source)


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """Open ``path`` for reading in binary, if it is a regular file (a symbolic link to
    one is fine).

    Raises
    ------
    OSError
        ``FileNotFoundError``, ``PermissionError``, ``IsADirectoryError``,
        :class:`NotRegularFileError`, or another the system raises.
    ValueError
        For a path with a NUL byte.
    """
    source = os.fspath(path)
    check_regular(source)
    flags = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
             | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    descriptor = os.open(source, flags)
    try:
        # The path may have been swapped (for a FIFO, say) between stat and open.
        _require_regular(os.fstat(descriptor).st_mode, source)
        if hasattr(os, "O_NONBLOCK"):  # POSIX: reads of the regular file block as usual
            os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb", buffering=0)
    except BaseException:
        os.close(descriptor)
        raise


def _blocks(path: str | os.PathLike[str], limit: int, *, whole: bool) -> Iterator[bytes]:
    """A regular file's bytes in blocks, refused past ``limit`` bytes.

    The size the file reports is checked first (a clear message with the size), and the
    reads stop after ``limit + 1`` bytes: a file that grows while it is read, or reports
    less than it holds, is refused all the same.  With ``whole``, the first read asks for
    the reported size (one block for a file that does not grow, and no buffer for bytes
    the file does not hold); otherwise every read asks for at most 1 MiB.
    """
    source = os.fspath(path)
    with open_regular(source) as stream:
        size = os.fstat(stream.fileno()).st_size
        if size > limit:
            raise FileTooLargeError(source, limit, size)
        total = 0
        want = size + 1 if whole else _HASH_BLOCK
        while block := stream.read(min(want, limit + 1 - total)):
            total += len(block)
            if total > limit:
                raise FileTooLargeError(source, limit, None)
            yield block
            want = _HASH_BLOCK


def read_bytes(path: str | os.PathLike[str], limit: int) -> bytes:
    """All of a regular file's bytes, at most ``limit`` of them (see :func:`_blocks`).

    Raises
    ------
    OSError
        As :func:`open_regular`; :class:`FileTooLargeError` past ``limit``.
    """
    chunks = list(_blocks(path, limit, whole=True))
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_text(path: str | os.PathLike[str], limit: int) -> str:
    """A regular file of at most ``limit`` bytes, decoded as UTF-8.

    Raises
    ------
    OSError
        As :func:`read_bytes`.
    UnicodeDecodeError
        If the bytes are not UTF-8.
    """
    return read_bytes(path, limit).decode("utf-8")


def sha256_hex(path: str | os.PathLike[str], limit: int) -> str:
    """The SHA-256 of a regular file's bytes, in hex, reading at most ``limit + 1`` bytes,
    1 MiB at a time.

    Raises
    ------
    OSError
        As :func:`open_regular`; :class:`FileTooLargeError` past ``limit``.
    """
    digest = hashlib.sha256()
    for block in _blocks(path, limit, whole=False):
        digest.update(block)
    return digest.hexdigest()


def size_words(n: int) -> str:
    """A size for people: ``256 MiB``, ``4.5 GiB``, ``1,000 bytes``."""
    for unit, power in (("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 2**power:
            value = n / 2**power
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n:,} bytes"


def unreadable(source: str | os.PathLike[str], error: BaseException,
               kind: str = "file") -> str:
    """The one-line message for a user's file that could not be read, ``SOURCE: what``.

    Parameters
    ----------
    source
        The path as the user gave it.
    error
        What the reader raised: an :class:`OSError` of :func:`open_regular` or
        :func:`read_bytes`, a ``UnicodeDecodeError`` of :func:`read_text`, or the
        ``ValueError`` of a path with a NUL byte.
    kind
        What the file was meant to be (``data file``, ``lesson file``): a directory is
        ``not a data file``, and a size over the budget says ``data files are limited to``.
    """
    where = os.fspath(source)
    if isinstance(error, FileNotFoundError):
        what = "no such file"
    elif isinstance(error, IsADirectoryError):
        what = f"is a directory, not {_article(kind)} {kind}"
    elif isinstance(error, PermissionError):
        what = "permission denied, cannot read the file"
    elif isinstance(error, FileTooLargeError):
        # Rounded sizes would read alike just over the limit (1.0 MiB over 1 MiB): bytes.
        near = error.size is None or error.size < 2 * error.limit
        words = (lambda n: f"{n:,} bytes") if near else size_words
        size = "larger than that" if error.size is None else words(error.size)
        what = f"the file is {size}; {kind}s are limited to {words(error.limit)}"
    elif isinstance(error, NotRegularFileError):
        what = str(error.strerror)  # a FIFO or a device: it would block or never end
    elif isinstance(error, OSError):
        what = f"cannot read the file ({error.strerror or error})"
    elif isinstance(error, UnicodeDecodeError):
        what = f"not UTF-8 text, so not {_article(kind)} {kind}"
    elif "\0" in where:  # Python words this differently from version to version
        what = "cannot open the file (the path contains a null character)"
    else:
        what = f"cannot open the file ({error})"
    return f"{where}: {what}"


def load_json(text: str | bytes, max_depth: int,
              parse_constant: Callable[[str], Any] | None = None) -> Any:
    """Decode JSON nested at most ``max_depth`` arrays and objects deep.

    Deeper text is refused whether the decoder's recursion gives up first (a
    ``RecursionError`` from a 100,000-deep array) or the document decodes and is then
    measured.

    Raises
    ------
    json.JSONDecodeError
        For text that is not JSON.
    JSONDepthError
        For nesting deeper than ``max_depth``.
    ValueError
        From ``parse_constant``.
    """
    try:
        document = json.loads(text, parse_constant=parse_constant)
    except RecursionError:
        raise JSONDepthError(f"nested more than {max_depth} levels deep") from None
    if json_depth(document, max_depth) > max_depth:
        raise JSONDepthError(f"nested more than {max_depth} levels deep")
    return document


def json_depth(document: object, stop: int) -> int:
    """How deeply ``document`` nests lists and dicts (a number or string is 0, ``[]`` is
    1), measured without recursion; stops counting once past ``stop``."""
    deepest = 0
    pending: list[tuple[object, int]] = [(document, 0)]
    while pending:
        item, depth = pending.pop()
        values: Any
        if isinstance(item, dict):
            values = item.values()
        elif isinstance(item, list):
            values = item
        else:
            continue
        depth += 1
        if depth > deepest:
            deepest = depth
            if deepest > stop:
                return deepest
        # The types first, in C: a long list of numbers is passed over in one sweep.
        kinds = set(map(type, values))
        if list in kinds or dict in kinds:
            pending.extend((value, depth) for value in values
                           if type(value) is list or type(value) is dict)
    return deepest


def _article(noun: str) -> str:
    """``a`` or ``an`` before ``noun`` (an optimizer file, a data file)."""
    return "an" if noun[:1].lower() in "aeiou" else "a"
