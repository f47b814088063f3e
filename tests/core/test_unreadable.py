"""One wording for a user's file that cannot be read, whatever it was meant to be."""

import os

import pytest

from core.data.datasets import DataError, load_dataset
from core.lessons import LessonError, load_lesson
from core.training.session_file import SessionError, read_session
from core.user_files import NotRegularFileError, read_bytes, read_text, size_words, unreadable


def _refusal(path, limit=1000):
    try:
        read_text(path, limit)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        return unreadable(path, error, "lesson file")
    raise AssertionError("read")


def test_each_refusal_is_one_line_after_the_path(tmp_path):
    (tmp_path / "big.json").write_text("x" * 1500)
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe")
    (tmp_path / "huge.json").write_text("x" * 5000)
    assert _refusal(tmp_path / "absent.json") == f"{tmp_path}/absent.json: no such file"
    assert _refusal(tmp_path) == f"{tmp_path}: is a directory, not a lesson file"
    assert _refusal(tmp_path / "big.json") == (
        f"{tmp_path}/big.json: the file is 1,500 bytes; lesson files are limited to "
        "1,000 bytes")
    assert _refusal(tmp_path / "huge.json", 1024) == (
        f"{tmp_path}/huge.json: the file is 4.9 KiB; lesson files are limited to 1 KiB")
    assert _refusal(tmp_path / "bin.json").endswith("bin.json: not UTF-8 text, so not a "
                                                    "lesson file")
    assert _refusal("a\0b") == (
        "a\0b: cannot open the file (the path contains a null character)")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero on this system")
def test_a_device_is_named_not_read():
    with pytest.raises(NotRegularFileError) as caught:
        read_bytes("/dev/zero", 10)
    assert unreadable("/dev/zero", caught.value) == \
        "/dev/zero: is a character device, not a regular file"


@pytest.mark.parametrize(("n", "words"), [(999, "999 bytes"), (1024, "1 KiB"),
                                          (1536, "1.5 KiB"), (256 << 20, "256 MiB")])
def test_sizes_in_words(n, words):
    assert size_words(n) == words


def test_data_sessions_and_lessons_say_it_the_same_way(tmp_path):
    missing = tmp_path / "missing.json"
    messages = []
    for load, error in ((load_dataset, DataError), (read_session, SessionError),
                        (load_lesson, LessonError)):
        with pytest.raises(error) as caught:
            load(str(missing))
        messages.append(str(caught.value))
    assert messages == [f"{missing}: no such file"] * 3
    kinds = []
    for load, error in ((load_dataset, DataError), (read_session, SessionError)):
        with pytest.raises(error) as caught:
            load(str(tmp_path))
        kinds.append(str(caught.value))
    assert kinds == [f"{tmp_path}: is a directory, not a data file",
                     f"{tmp_path}: is a directory, not a session file"]
