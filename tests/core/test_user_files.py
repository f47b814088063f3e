"""Opening a path a user gave: regular files only, checked before opening and again on the
opened file, and reads capped by the bytes actually read."""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import user_files
from core.user_files import (
    FileTooLargeError,
    JSONDepthError,
    NotRegularFileError,
    json_depth,
    load_json,
    read_bytes,
    read_text,
    sha256_hex,
)
from tests.time_limit import time_limit as limit

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
needs_dev_zero = pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")


@pytest.fixture(autouse=True)
def time_limit() -> Iterator[None]:
    """A read that blocks fails the test after 10 s instead of hanging the suite."""
    with limit(10, "the read blocked"):
        yield


def test_a_regular_file_and_a_link_to_one_are_read(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"hello")
    link = tmp_path / "link.txt"
    link.symlink_to(path)
    assert read_bytes(path, 5) == b"hello"
    assert read_text(link, 5) == "hello"
    empty = tmp_path / "empty"
    empty.touch()
    assert read_bytes(empty, 5) == b""


@needs_fifo
@pytest.mark.parametrize("reader", [lambda p: read_bytes(p, 10), lambda p: sha256_hex(p, 10)])
def test_a_fifo_is_refused_without_blocking(tmp_path, reader):
    path = tmp_path / "pipe"
    os.mkfifo(path)
    with pytest.raises(NotRegularFileError, match="is a FIFO"):
        reader(path)


@needs_dev_zero
def test_a_device_that_reports_no_size_is_refused():
    assert os.stat("/dev/zero").st_size == 0
    with pytest.raises(NotRegularFileError, match="is a character device, not a regular file"):
        read_bytes("/dev/zero", 10)


def test_a_folder_and_a_missing_file(tmp_path):
    with pytest.raises(IsADirectoryError):
        read_bytes(tmp_path, 10)
    with pytest.raises(FileNotFoundError):
        read_bytes(tmp_path / "missing", 10)


def test_the_size_reported_and_the_bytes_read_are_both_capped(tmp_path):
    path = tmp_path / "big"
    path.write_bytes(b"x" * 11)
    with pytest.raises(FileTooLargeError) as caught:
        read_bytes(path, 10)
    assert caught.value.size == 11 and caught.value.errno == errno.EFBIG
    with pytest.raises(FileTooLargeError):
        sha256_hex(path, 10)
    assert read_bytes(path, 11) == b"x" * 11


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_a_file_holding_more_than_it_reports_is_refused_by_what_is_read():
    status = os.stat("/proc/self/status")
    assert stat.S_ISREG(status.st_mode) and status.st_size == 0  # yet it holds ~1 KiB
    with pytest.raises(FileTooLargeError) as caught:
        read_bytes("/proc/self/status", 10)
    assert caught.value.size is None
    assert "more than 10 bytes" in str(caught.value.strerror)


@needs_fifo
def test_a_path_swapped_for_a_fifo_after_the_check_is_caught(tmp_path, monkeypatch):
    """The check before opening saw a regular file; the opened descriptor is a FIFO."""
    regular = tmp_path / "file"
    regular.write_bytes(b"1")
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    real_stat = os.stat
    monkeypatch.setattr(user_files.os, "stat",
                        lambda path, *a, **k: real_stat(regular) if str(path) == str(pipe)
                        else real_stat(path, *a, **k))
    with pytest.raises(NotRegularFileError, match="FIFO"):
        read_bytes(pipe, 10)


def test_json_nested_too_deeply_is_one_clean_error():
    for depth in (17, 100_000):
        text = "[" * depth + "]" * depth
        with pytest.raises(JSONDepthError, match="nested more than 16 levels deep"):
            load_json(text, 16)
    assert load_json("[" * 16 + "]" * 16, 16) == json.loads("[" * 16 + "]" * 16)


def test_json_depth_counts_lists_and_objects():
    assert json_depth(3, 10) == 0
    assert json_depth({"a": [1, {"b": []}]}, 10) == 4
    assert json_depth([0] * 1000 + [[[]]], 10) == 3
