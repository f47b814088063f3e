"""Atomic writes: the target is the old file or the whole new one, never half of one, and
targets that are not files are refused without being opened."""

from __future__ import annotations

import os
import stat

import pytest

from core.atomic_file import (
    NotAFileError,
    atomic_target,
    atomic_write_bytes,
    atomic_write_text,
    check_target,
)


def test_a_new_file_gets_the_usual_permissions(tmp_path):
    path = tmp_path / "a.txt"
    atomic_write_text(path, "hello\n")
    assert path.read_text(encoding="utf-8") == "hello\n"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_a_replaced_file_keeps_its_permissions(tmp_path):
    path = tmp_path / "a.bin"
    path.write_bytes(b"old")
    path.chmod(0o640)
    atomic_write_bytes(path, b"new")
    assert path.read_bytes() == b"new" and stat.S_IMODE(path.stat().st_mode) == 0o640


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "a.png"
    path.write_bytes(b"old")
    seen = []

    def write_half() -> None:
        with atomic_target(path) as temporary:
            seen.append(temporary)
            temporary.write_bytes(b"half")
            raise RuntimeError("the writer failed")

    with pytest.raises(RuntimeError):
        write_half()
    assert seen[0].parent == tmp_path and seen[0].suffix == ".png" and seen[0] != path
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.png"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_without_opening_it(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(NotAFileError, match="is a FIFO \\(named pipe\\), not a regular file"):
        atomic_write_text(fifo, "x")  # opening it would wait for a reader forever
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_folders_devices_and_missing_folders_are_refused(tmp_path):
    with pytest.raises(NotAFileError, match="is a directory, not a regular file"):
        check_target(tmp_path)
    if os.path.exists("/dev/null"):
        with pytest.raises(NotAFileError, match="is a character device, not a regular file"):
            check_target("/dev/null")
    with pytest.raises(NotAFileError, match="does not exist"):
        check_target(tmp_path / "missing" / "a.txt")
    assert check_target(tmp_path / "new.txt") == tmp_path / "new.txt"


def test_the_error_says_the_path_once(tmp_path):
    with pytest.raises(NotAFileError) as caught:
        check_target(tmp_path)
    error = caught.value
    assert error.strerror == "is a directory, not a regular file"
    assert error.filename == str(tmp_path)
    assert str(error) == f"{tmp_path}: is a directory, not a regular file"
    # Callers that add the path themselves use strerror: the path is not said twice.
    assert f"{error.filename}: {error.strerror or error}" == str(error)
