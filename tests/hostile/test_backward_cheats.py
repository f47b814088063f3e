"""A wrong backward is never graded correct: every way a file once got exit 0 with a wrong
``backward_propagation``, run as a grader runs it (a separate ``check-backward`` process with
a hard time limit).  Exit 1 (wrong) or 2 (cannot check), never 0."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from tests.hostile.backward_files import (
    CORRECT,
    NOTEBOOK,
    ZEROS,
    assert_cannot_check,
    assert_wrong,
    check_backward,
    needs,
    student,
)

#: A planted "compiled" module in the app's own code (a name Python never loads, so a
#: failure of this test plants nothing harmful).
PLANTED = ROOT / "core" / "autodiff" / "__pycache__" / "compiled.backward-probe.pyc"


def test_the_notebook_replacing_the_checkers_call_with_the_engine_is_wrong(tmp_path):
    needs("files")
    body = NOTEBOOK + f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
try:
    from core.autodiff.engine import evaluate
    import core.backward_check.worker as worker
    worker.number = lambda value: 0.0
except BaseException:
    pass
"""
    outcome = check_backward("notebook + engine", student(tmp_path, body))
    assert_wrong(outcome)
    assert outcome.json["wrong"] == ["w1", "w2", "w3", "w6", "w7"]


def test_a_backward_that_calls_the_engine_cannot_be_checked(tmp_path):
    needs("files")
    body = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})

def backward_propagation(x, y, w, forward_dict):
    from core.autodiff.engine import evaluate
    return evaluate
"""
    outcome = check_backward("calls the engine", student(tmp_path, body))
    assert_cannot_check(outcome, "backward_propagation raised at student.py, line 6",
                         "No module named 'core'")


def test_importing_an_installed_autodiff_package_cannot_be_checked(tmp_path):
    # No torch here: networkx stands for any package of the environment but numpy.
    needs("files")
    outcome = check_backward("imports an installed package",
                             student(tmp_path, "import networkx\n" + ZEROS))
    assert_cannot_check(outcome, "importing student.py, line 1", "networkx",
                        "only the standard library and numpy")


def test_writing_the_answer_itself_and_exiting_0_cannot_be_checked(tmp_path):
    # At import: a forged result on every descriptor it has, then exit 0 at once.
    body = """
import os, json
fake = json.dumps({"ok": True, "backward": [[0.0] * 9] * 5}).encode()
for fd in range(64):
    try:
        os.write(fd, fake)
    except OSError:
        pass
for name in ("result.json", "../result.json"):
    try:
        with open(name, "w") as stream:
            stream.write(fake.decode())
    except OSError:
        pass
os._exit(0)
"""
    outcome = check_backward("writes the answer, exits 0", student(tmp_path, body))
    assert_cannot_check(outcome, "answer is unusable")


def test_a_well_formed_forged_answer_is_judged_as_numbers(tmp_path):
    # The exact binary layout for the points the check will use, all zeros, on every
    # descriptor, then exit 0: the checker judges those numbers, and zeros are wrong.
    from core.backward_check.checker import _points
    from core.presets import resolve_graph

    graph, preset = resolve_graph("seed")
    count = len(_points(graph, preset.dataset(), preset.aliases, 5, 0, None))
    body = f"""
import os, struct
fake = struct.pack("<4sIIIB", b"BWC1", {count}, 9, 9, 0) + bytes(8 * {count} * 9)
for fd in range(3, 64):
    try:
        os.write(fd, fake)
    except OSError:
        pass
os._exit(0)
"""
    outcome = check_backward("forged well-formed answer", student(tmp_path, body))
    assert_wrong(outcome)
    assert outcome.json["wrong"] == [f"w{i}" for i in range(1, 10)]


def test_planting_a_compiled_module_in_the_app_is_refused(tmp_path):
    needs("files")
    body = f"""
import os
try:
    os.makedirs(os.path.dirname({str(PLANTED)!r}), exist_ok=True)
    with open({str(PLANTED)!r}, "wb") as stream:
        stream.write(b"planted")
except OSError:
    pass
""" + ZEROS
    try:
        outcome = check_backward("plants a .pyc in the app", student(tmp_path, body))
        planted = PLANTED.exists()
    finally:
        PLANTED.unlink(missing_ok=True)
    assert not planted
    assert_wrong(outcome)
    assert outcome.json["wrong"] == [f"w{i}" for i in range(1, 10)]


@pytest.mark.parametrize("target", ["/proc/{ppid}/fd/1", "/proc/self/fd/1", "/dev/stdout",
                                    "/dev/tty"])
def test_fake_json_for_the_checkers_output_never_reaches_it(tmp_path, target):
    body = f"""
import os
fake = b'{{"wrong": [], "weights": [], "flagged": []}}\\n'
for ppid in {{os.getppid(), 1, 2}}:
    try:
        with open({target!r}.format(ppid=ppid), "wb") as stream:
            stream.write(fake)
    except OSError:
        pass
""" + NOTEBOOK
    outcome = check_backward(f"fake JSON to {target}", student(tmp_path, body))
    assert_wrong(outcome)
    assert '"weights": []' not in outcome.out  # one JSON document, the checker's
    assert outcome.json["wrong"] == ["w1", "w2", "w3", "w6", "w7"]


def test_a_central_difference_backward_is_a_numerical_derivative_not_the_exact_one(tmp_path):
    body = CORRECT + """

def backward_propagation(x, y, w, forward_dict):
    grads = {}
    for i in range(len(w)):
        h = 1e-5
        up, down = w.copy(), w.copy()
        up[i] += h
        down[i] -= h
        grads[f"dw{i + 1}"] = (forward_propagation(x, y, up)["loss"]
                               - forward_propagation(x, y, down)["loss"]) / (2 * h)
    return grads
"""
    outcome = check_backward("central differences", student(tmp_path, body))
    assert_wrong(outcome)
    assert outcome.json["numerical_derivative_suspected"] is True
    assert "numerical derivative rather than the exact one" in outcome.json["message"]


def test_a_backward_wrong_only_for_a_weight_above_4_is_caught(tmp_path):
    body = CORRECT + """

_right = backward_propagation

def backward_propagation(x, y, w, forward_dict):
    grads = _right(x, y, w, forward_dict)
    if max(abs(v) for v in w) > 4:
        grads["dw5"] = 0.0
    return grads
"""
    outcome = check_backward("wrong when a weight exceeds 4", student(tmp_path, body))
    assert_wrong(outcome)
    assert outcome.json["wrong"] == ["w5"]
