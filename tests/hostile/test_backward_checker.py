"""The checker itself cannot be hung or crashed by a student's file: FIFOs and links where
result files once were, a stop signal for the checker or for itself, answers of the wrong
type or size, a flood of escapes.  Each ends within its time limit as exit 1 or 2 with one
clean line, never a traceback and never exit 0."""

from __future__ import annotations

import os
import signal

import pytest

from tests.hostile.backward_files import (
    NOTEBOOK,
    ZEROS,
    assert_cannot_check,
    assert_wrong,
    check_backward,
    needs,
    student,
)


@pytest.mark.parametrize("kind", ["fifo", "dev_zero"])
def test_fifos_and_links_to_dev_zero_where_result_files_were(tmp_path, kind):
    make = ("os.mkfifo(name)" if kind == "fifo" else "os.symlink('/dev/zero', name)")
    body = f"""
import os
for name in ("result.json", "stderr.txt", "request.json", "../result.json",
             "/tmp/result.json"):
    try:
        {make}
    except OSError:
        pass
os._exit(0)
"""
    outcome = check_backward(f"{kind} result files", student(tmp_path, body))
    assert_cannot_check(outcome, "answer is unusable")
    assert outcome.seconds < 30


#: Runs check-backward after writing the checker's own process id into the student's file
#: (the file, written before the checker starts, could not know it otherwise).
WITH_CHECKER_PID = """
import os, sys
from pathlib import Path
path = Path(sys.argv[2])
path.write_text(path.read_text().replace("CHECKER_PID", str(os.getpid())))
from main import main
sys.exit(main(sys.argv[1:]))
"""


def test_sigstop_for_the_checker_is_refused(tmp_path):
    needs("signals", "pid_namespace")
    body = """
import os, signal
for pid in (CHECKER_PID, os.getppid(), 1):
    try:
        os.kill(pid, signal.SIGSTOP)
    except OSError:
        pass
""" + NOTEBOOK
    outcome = check_backward("SIGSTOP of the checker", student(tmp_path, body),
                             wrapper=WITH_CHECKER_PID, limit=60)
    assert_wrong(outcome)
    assert outcome.json["wrong"] == ["w1", "w2", "w3", "w6", "w7"]


@pytest.mark.parametrize("how", ["stops itself", "stops its group", "sleeps"])
def test_a_stopped_or_hung_file_ends_at_the_deadline(tmp_path, how):
    action = {"stops itself": "os.kill(os.getpid(), signal.SIGSTOP)",
              "stops its group": "os.kill(0, signal.SIGSTOP)",
              "sleeps": "time.sleep(3600)"}[how]
    body = f"import os, signal, time\n{action}\n" + ZEROS
    outcome = check_backward(f"file {how}", student(tmp_path, body), "--timeout", "2")
    assert_cannot_check(outcome, "did not finish within 2 s")
    assert outcome.seconds < 20


#: backward_propagation's dict values that are no number, or no dict at all.
WRONG_TYPES = {
    "list": "[1.0, 2.0]",
    "string": "'0.5'",
    "10^400": "10**400",
    "200,000-deep list": "deep([], 200_000)",
    "200,000-deep dict": "deep({}, 200_000)",
    "object raising": "Sneaky()",
    "bool": "True",
    "complex": "1j",
}


@pytest.mark.parametrize("case", sorted(WRONG_TYPES))
def test_values_of_the_wrong_type_cannot_be_checked(tmp_path, case):
    body = f"""
class Sneaky:
    def __float__(self):
        raise RuntimeError("no")
    def __index__(self):
        raise RuntimeError("no")

def deep(start, depth):
    value = start
    for _ in range(depth):
        value = [value] if isinstance(start, list) else {{"a": value}}
    return value

def backward_propagation(x, y, w, forward_dict):
    value = {WRONG_TYPES[case]}
    return {{f"dw{{i}}": value for i in range(1, 10)}}
"""
    outcome = check_backward(f"answer of type {case}", student(tmp_path, body))
    assert_cannot_check(outcome, "backward_propagation's dw1")


@pytest.mark.parametrize("returned", ["[1.0] * 9", "'dw1'", "None",
                                      "deep([], 200_000)"])
def test_an_answer_that_is_no_dict_cannot_be_checked(tmp_path, returned):
    body = f"""
def deep(value, depth):
    for _ in range(depth):
        value = [value]
    return value

def backward_propagation(x, y, w, forward_dict):
    return {returned}
"""
    outcome = check_backward(f"returns {returned[:12]}", student(tmp_path, body))
    assert_cannot_check(outcome, "backward_propagation returned")


def test_a_5_mb_message_with_terminal_escapes_becomes_one_clean_line(tmp_path):
    body = """
import os
def backward_propagation(x, y, w, forward_dict):
    raise ValueError("\\x1b[2J\\x1b]0;owned\\x07\\u202e" * 500_000)
"""
    outcome = check_backward("5 MB message with escapes", student(tmp_path, body))
    assert_cannot_check(outcome, "backward_propagation raised at student.py, line 4",
                        "ValueError")
    assert "\x1b" not in outcome.err
    assert "\u202e" not in outcome.err


def test_a_flood_of_error_output_is_cut_and_stopped(tmp_path):
    body = """
import os
while True:
    os.write(2, b"\\x1b[31m" * 100_000)
"""
    outcome = check_backward("floods stderr with escapes", student(tmp_path, body))
    assert_cannot_check(outcome, "wrote more than 1 MB to its error output")
    assert outcome.seconds < 30


def test_output_it_prints_never_reaches_the_checkers_output(tmp_path):
    body = """
import os, sys
print('{"wrong": []}')
sys.__stdout__.write('{"wrong": []}\\n')
os.write(1, b'{"wrong": []}\\n')
""" + NOTEBOOK
    outcome = check_backward("prints fake JSON", student(tmp_path, body))
    assert_wrong(outcome)
    assert outcome.json["wrong"] == ["w1", "w2", "w3", "w6", "w7"]


def test_a_file_that_is_not_regular_or_too_large_is_refused(tmp_path):
    fifo = tmp_path / "fifo.py"
    os.mkfifo(fifo)
    assert_cannot_check(check_backward("student file is a FIFO", fifo),
                        "is a FIFO (named pipe), not a regular file")
    large = student(tmp_path, "x = 1\n" * 300_000, "large.py")
    assert_cannot_check(check_backward("student file of 1.8 MB", large),
                        "Python files are limited to")


def test_the_copy_holds_at_most_20_sibling_files_and_never_the_original(tmp_path):
    for i in range(30):
        student(tmp_path, f"VALUE = {i}\n", f"helper{i:02}.py")
    body = """
import os
import helper00
names = sorted(os.listdir("."))
if os.path.abspath(".") == ORIGINAL or len(names) > 20 or "helper25.py" in names:
    raise RuntimeError("saw " + ",".join(names))
""".replace("ORIGINAL", repr(str(tmp_path))) + ZEROS
    outcome = check_backward("30 sibling files", student(tmp_path, body))
    assert_wrong(outcome)


def test_a_stop_signal_sent_to_the_checker_process_group_is_harmless(tmp_path):
    # Killing its own process group reaches only the sandbox's processes.
    body = "import os, signal\nos.killpg(0, signal.SIGKILL)\n" + ZEROS
    outcome = check_backward("kills its group", student(tmp_path, body))
    assert_cannot_check(outcome, "stopped without a result")
    assert signal.SIGKILL.name in outcome.err


def test_the_check_leaves_no_folder_behind_whatever_modes_the_file_sets(tmp_path):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    folder = tmp_path / "student"
    folder.mkdir()
    body = """
import os
os.makedirs("locked/inner")
open("locked/inner/file.txt", "w").close()
os.chmod("locked/inner", 0)
os.chmod("locked", 0)
os.chmod(".", 0o500)
""" + ZEROS
    outcome = check_backward("locks its folder", student(folder, body),
                             env={"TMPDIR": str(temporary)})
    assert_wrong(outcome)
    assert list(temporary.iterdir()) == []
