"""check-backward: exit 0 / 1 / 2, the JSON contract, hostile files, no Qt."""

import subprocess
import sys

from cli.app import run
from tests.cli.helpers import run_fails
from tests.conftest import ROOT

EXAMPLES = ROOT / "resources" / "examples"


def run_check(capsys, argv, status):
    import json

    assert run(["check-backward", *argv, "--json"]) == status
    return json.loads(capsys.readouterr().out)


def test_the_notebook_example_fails_on_exactly_its_five_weights(capsys):
    out = run_check(capsys, [str(EXAMPLES / "notebook_backward.py"), "--samples", "50"], 1)
    assert out["wrong"] == ["w1", "w2", "w3", "w6", "w7"]
    assert out["samples"] == 50  # 40 for the seed's every weight large in turn, 10 more
    assert "dw1, dw2, dw3, dw6, dw7 wrong" in out["message"]
    assert out["numerical_derivative_suspected"] is False
    assert [w["name"] for w in out["weights"]] == [f"w{i}" for i in range(1, 10)]
    for entry in out["weights"]:
        assert set(entry) >= {"name", "verdict", "max_relative_error", "worst_sample"}
        assert entry["verdict"] == ("wrong" if entry["name"] in out["wrong"] else "correct")
        assert 0 <= entry["worst_sample"] < 506
    assert out["forward"]["verdict"] == "correct"


def test_the_correct_example_passes_and_prints_a_table(capsys):
    out = run_check(capsys, [str(EXAMPLES / "correct_backward.py"), "--samples", "5",
                             "--seed", "4"], 0)
    assert out["wrong"] == []
    assert {w["verdict"] for w in out["weights"]} == {"correct"}
    assert run(["check-backward", str(EXAMPLES / "notebook_backward.py"),
                "--samples", "3"]) == 1
    text = capsys.readouterr().out
    assert "WRONG: dw1, dw2, dw3, dw6, dw7" in text
    assert "forward_propagation: CORRECT" in text


def test_a_file_that_raises_or_hangs_is_exit_2_with_one_line(capsys, tmp_path):
    raising = tmp_path / "raising.py"
    raising.write_text("def backward_propagation(x, y, w, d):\n    return 1 / 0\n")
    run_fails(capsys, ["check-backward", str(raising)],
              "backward_propagation raised at raising.py, line 2: ZeroDivisionError")
    hanging = tmp_path / "hanging.py"
    hanging.write_text("while True:\n    pass\n")
    run_fails(capsys, ["check-backward", str(hanging), "--timeout", "0.3"],
              "did not finish within 0.3 s")


def test_bad_options_are_exit_2(capsys, tmp_path):
    good = str(EXAMPLES / "correct_backward.py")
    run_fails(capsys, ["check-backward", str(tmp_path / "nope.py")], "no such file")
    run_fails(capsys, ["check-backward", good, "--samples", "0"], "--samples")
    run_fails(capsys, ["check-backward", good, "--timeout", "-1"], "--timeout")
    run_fails(capsys, ["check-backward", good, "--timeout", "nan"], "--timeout")
    run_fails(capsys, ["check-backward", good, "--seed", "-1"], "--seed")
    run_fails(capsys, ["check-backward"], "FILE")


def test_check_backward_imports_no_qt():
    code = (
        "import sys, io, contextlib\n"
        "from main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['check-backward', {str(EXAMPLES / 'correct_backward.py')!r},"
        " '--samples', '2']) == 0\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'gui')]\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=False, env={"PATH": "", "QT_QPA_PLATFORM": "none"})
    assert result.returncode == 0, result.stderr


def test_the_json_and_the_text_say_which_protections_applied(capsys):
    from tests.hostile.backward_files import machine_protections

    out = run_check(capsys, [str(EXAMPLES / "correct_backward.py"), "--samples", "2"], 0)
    containment = out["containment"]
    assert list(containment) == ["landlock_abi", "files", "network", "signals",
                                 "user_namespace", "pid_namespace", "network_namespace",
                                 "no_new_privs", "rlimits"]
    assert type(containment["landlock_abi"]) is int
    assert all(type(v) is bool for k, v in containment.items() if k != "landlock_abi")
    assert containment == machine_protections()
    assert run(["check-backward", str(EXAMPLES / "correct_backward.py"), "--samples",
                "2"]) == 0
    assert "your code ran contained by " in capsys.readouterr().out


def test_require_isolation_grades_only_with_every_protection(capsys):
    from tests.hostile.backward_files import machine_protections

    argv = [str(EXAMPLES / "notebook_backward.py"), "--samples", "2", "--require-isolation"]
    if all(machine_protections().values()):
        assert run_check(capsys, argv, 1)["containment"]["signals"] is True
    else:  # this machine lacks one: the file is not even run
        run_fails(capsys, ["check-backward", *argv], "isolation a grade requires")


def test_a_check_that_fails_inside_is_exit_2_never_1(capsys, monkeypatch):
    # Exit 1 means "a wrong gradient": a failure of the check itself must not say that.
    import core.backward_check.checker as checker

    def broken(*_args, **_kwargs):
        raise ArithmeticError("\x1b[31minside\nthe check")

    monkeypatch.setattr(checker, "check_backward_file", broken)
    run_fails(capsys, ["check-backward", str(EXAMPLES / "correct_backward.py")],
              "correct_backward.py could not be checked: ArithmeticError: inside the check")
