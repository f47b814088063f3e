"""Every file surface of the command line, bounded: each hostile file is refused at once
with one line and exit 2 (or, for a run too long to replay, opened from its checkpoint),
run as a real process with a time limit so that a hang fails instead of stalling."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.hostile import surface_files as files

#: Seconds any case may take: a Python start, a few imports, the refusal (each took well
#: under 2 s on a busy 2-core machine; before, several never ended).
LIMIT = 60

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
needs_dev_zero = pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")


def run(*argv: str) -> tuple[int, str, str, float]:
    """``python main.py ARGV`` with a time limit: exit code, stdout, stderr, seconds."""
    start = time.monotonic()
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), *argv], cwd=ROOT,
                            capture_output=True, text=True, timeout=LIMIT, check=False,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    return result.returncode, result.stdout, result.stderr, time.monotonic() - start


def refused(*argv: str, words: str) -> str:
    """Run a command that must refuse its input: exit 2, one line naming the problem."""
    code, out, err, _ = run(*argv)
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err
    assert words in lines[0], lines[0]
    assert out == ""
    return lines[0]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("surfaces")
    files.base_session(path)
    return path


# -- sessions --------------------------------------------------------------------------


@pytest.mark.parametrize("command", [
    ["inspect", "--json"], ["train", "--json"], ["export", "OUT.csv"]])
def test_a_session_100000_arrays_deep_is_one_line(folder, command):
    deep = files.deep_session(folder)
    argv = [part.replace("OUT", str(folder / "out")) for part in command]
    refused(*argv, "--session", str(deep), words="arrays and objects")


def test_a_session_nested_deeper_than_its_limit_is_one_line(folder):
    """50,000 deep: under the count of arrays, over the depth (the parser's recursion
    gives up first, and is caught)."""
    for depth in (50_000, 17):
        refused("inspect", "--session", str(files.deep_session(folder, depth)), "--json",
                words="nested more than 16 levels deep")


@needs_dev_zero
def test_session_dev_zero_is_refused_unread():
    refused("inspect", "--session", "/dev/zero", "--json",
            words="/dev/zero: is a character device, not a regular file")


@needs_fifo
def test_session_fifo_is_refused_unopened(folder):
    pipe = files.fifo(folder, "session_pipe")
    refused("inspect", "--session", str(pipe), "--json",
            words="is a FIFO (named pipe), not a regular file")


@needs_dev_zero
def test_a_sessions_data_on_dev_zero_is_refused_before_hashing(folder):
    session = files.session_with_data(folder, "/dev/zero", "zero_data.json")
    refused("inspect", "--session", str(session), "--json",
            words="its data /dev/zero: is a character device, not a regular file")


@needs_fifo
def test_a_sessions_data_on_a_fifo_is_refused_before_hashing(folder):
    pipe = files.fifo(folder, "data_pipe")
    session = files.session_with_data(folder, str(pipe), "fifo_data.json")
    refused("inspect", "--session", str(session), "--json",
            words="is a FIFO (named pipe), not a regular file")


def test_a_wide_session_whose_history_does_not_fit_its_step_is_refused(folder):
    """2,000 weights at step 4,999,000 with an empty history: refused by its shape (it was
    replayed for about 50 minutes before being found inconsistent)."""
    path = files.wide_session(folder)
    assert path.stat().st_size < 60_000
    refused("inspect", "--session", str(path), "--json",
            words="its history has 0 epoch losses for the checkpoint's 9,879 completed epochs")


def test_a_wide_session_too_long_to_replay_opens_from_its_checkpoint(folder):
    """Without a history to contradict it, the same run is restored from its checkpoint:
    replaying 4,999,000 steps of a 6,000-node graph is far over the replay budget."""
    import json

    code, out, err, seconds = run("inspect", "--session",
                                  str(files.wide_session(folder, history=False)), "--json")
    assert code == 0, err
    assert json.loads(out)["session"]["step"] == 4_999_000
    assert seconds < LIMIT


def test_a_100_mb_history_of_empty_arrays_is_refused_by_its_size(folder):
    path = files.empty_arrays_session(folder, 100_000_000)
    refused("inspect", "--session", str(path), "--json",
            words="session files are limited to 32 MiB")


def test_empty_arrays_within_the_size_are_refused_by_their_count(folder):
    path = files.empty_arrays_session(folder, 1_000_000)
    refused("inspect", "--session", str(path), "--json",
            words="arrays and objects; a session holds at most 100,000")


def test_the_largest_accepted_session_stays_under_1_gb(folder):
    """32 MiB (the limit) of ``1e1,``: the costliest text per byte that is accepted (a
    32-byte float and its list slot per 4 bytes).  Peak resident memory of the whole
    process, measured with getrusage in a child."""
    from core.training.session_file import MAX_SESSION_BYTES

    path = files.padded_session(folder, MAX_SESSION_BYTES - 4096, "1e1")
    probe = ("import resource, subprocess, sys\n"
             "code = subprocess.run(sys.argv[1:], capture_output=True).returncode\n"
             "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    result = subprocess.run(
        [sys.executable, "-c", probe, sys.executable, str(ROOT / "main.py"), "inspect",
         "--session", str(path), "--json"],
        capture_output=True, text=True, timeout=LIMIT * 2, check=True)
    code, peak_kib = (int(part) for part in result.stdout.split())
    assert code == 0
    assert peak_kib * 1024 < 1_000_000_000, f"peak {peak_kib // 1024} MiB"


# -- data and formulas -----------------------------------------------------------------


def test_a_self_referential_pickle_is_one_line(folder):
    path = files.self_referential_pickle(folder)  # l = []; l.append(l): it hung --data
    for command in ("inspect", "train"):
        refused(command, "--data", str(path), "--json", words="contains itself")


def test_a_column_name_with_5000_digits_is_one_line():
    refused("inspect", "--graph", files.long_column_formula(), "--json",
            words="ends in a 5,000-digit number")


# -- lessons ---------------------------------------------------------------------------


@needs_dev_zero
def test_a_lesson_on_dev_zero_is_one_line(folder):
    refused("--screenshot", str(folder / "lesson.png"), "--lesson", "/dev/zero",
            words="is a character device, not a regular file")


@needs_fifo
def test_a_lesson_on_a_fifo_is_one_line(folder):
    pipe = files.fifo(folder, "lesson_pipe")
    refused("--screenshot", str(folder / "lesson.png"), "--lesson", str(pipe),
            words="is a FIFO (named pipe), not a regular file")
