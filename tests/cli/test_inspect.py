"""The inspect and gradcheck commands: JSON contract, bad input, no Qt."""

import subprocess
import sys

import numpy as np
import pytest

from cli.app import run
from core.autodiff.engine import evaluate
from core.data.datasets import builtin_dataset
from core.presets import PRESETS
from tests.cli.helpers import run_fails, run_json
from tests.conftest import COURSE_DATA, ROOT
from tests.seed_reference import seed_forward, seed_gradients


def test_inspect_json_fields_match_the_engine(capsys):
    out = run_json(capsys, ["inspect", "--sample", "3", "--weights", "0.5", "--json"])
    x, y = builtin_dataset().row(3)
    w = np.full(9, 0.5)
    expected = seed_forward(x, y, w)
    assert out["loss"] == pytest.approx(expected["loss"], rel=1e-12)
    assert out["y_pred"] == pytest.approx(expected["y_pred"], rel=1e-12)
    assert out["dy_pred"] == pytest.approx(expected["dy_pred"], rel=1e-12)
    assert out["weights"] == {f"w{i}": 0.5 for i in range(1, 10)}
    assert list(out["gradients"].values()) == pytest.approx(seed_gradients(x, y, w), rel=1e-10)
    graph = PRESETS["seed"].build()
    assert [n["id"] for n in out["nodes"]] == list(graph.order)
    for node in out["nodes"]:
        assert set(node) >= {"id", "label", "op", "value", "grad"}
        if graph[node["id"]].kind in ("input", "target", "weight", "constant"):
            assert node["op"] is None
        else:
            assert node["op"] in {"add", "mul", "exp", "tanh", "sin", "sigmoid", "sub", "square"}
    assert out["intermediates"]["exp"] == pytest.approx(expected["exp"], rel=1e-12)
    assert len(out["backward_steps"]) == len(graph.edges)


def test_inspect_takes_n_weights_including_negative_ones(capsys):
    weights = [-0.5, 1, 1, 1, 1, 1, 1, 1, -2]
    out = run_json(capsys, ["inspect", "--weights", ",".join(map(str, weights)), "--json"])
    assert list(out["weights"].values()) == weights
    x, y = builtin_dataset().row(0)
    trace = evaluate(PRESETS["seed"].build(), x, y, weights)
    assert out["loss"] == pytest.approx(trace.loss)


def test_inspect_on_a_formula_and_the_last_sample(capsys):
    out = run_json(capsys, ["inspect", "--graph", "sigmoid(a*x1 + b)", "--sample", "-1",
                         "--weights", "1,-1", "--json"])
    x, _ = builtin_dataset().row(len(builtin_dataset()) - 1)
    assert out["y_pred"] == pytest.approx(1 / (1 + np.exp(-(x[0] - 1))))
    assert out["sample"] == len(builtin_dataset()) - 1


def test_default_weights_come_from_the_seed(capsys):
    first = run_json(capsys, ["inspect", "--json"])
    again = run_json(capsys, ["inspect", "--json", "--seed", "0"])
    other = run_json(capsys, ["inspect", "--json", "--seed", "1"])
    assert first["weights"] == again["weights"]
    assert first["weights"] != other["weights"]
    assert max(abs(v) for v in first["weights"].values()) < 0.05


def test_gradcheckrun_json(capsys):
    out = run_json(capsys, ["gradcheck", "--sample", "7", "--weights", "0.3", "--json"])
    assert out["verdict"] == "correct"
    assert out["eps"] == 1e-7
    assert out["relative_error"] < 1e-7
    assert [w["name"] for w in out["weights"]] == [f"w{i}" for i in range(1, 10)]
    for entry in out["weights"]:
        assert entry["analytic"] == pytest.approx(entry["numeric"], rel=1e-5, abs=1e-9)


def test_gradcheck_eps_changes_the_step(capsys):
    out = run_json(capsys, ["gradcheck", "--eps", "1e-4", "--json"])
    assert out["eps"] == 1e-4


@pytest.mark.skipif(not COURSE_DATA.exists(),
                    reason="the course's data.pkl is not beside the project")
def test_inspect_on_the_course_data_with_the_teacher_weights(capsys):
    """The course's target is the seed graph with all weights 1: the loss is zero."""
    out = run_json(capsys, ["inspect", "--data", str(COURSE_DATA), "--weights", "1", "--json"])
    assert out["loss"] == pytest.approx(0.0, abs=1e-20)


def test_readable_tables_withoutrun_json(capsys):
    assert run(["inspect"]) == 0
    text = capsys.readouterr().out
    assert "dL/dw" in text
    assert "w9" in text
    assert run(["gradcheck"]) == 0
    assert "CORRECT" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["inspect", "--weights", "1,2"], "1 or 9 numbers"),
        (["inspect", "--weights", "a"], "'a' is not a number"),
        (["inspect", "--weights", "nan"], "not a finite number"),
        (["inspect", "--sample", "506"], "out of range"),
        (["inspect", "--graph", "w1 * "], "formula error"),
        (["inspect", "--graph", "w1*x9"], "x1..x9"),
        (["inspect", "--data", "/nonexistent/data.csv"], "data.csv"),
        (["gradcheck", "--eps", "-1"], "--eps"),
        (["inspect", "--bogus"], "unrecognized arguments"),
        (["inspect", "--sample", "abc"], "invalid int value"),
        (["inspect", "--graph", "nosuch"], "unknown graph 'nosuch'"),
        (["inspect", "--graph", "Seed"],
         "seed, linear, sigmoid_neuron, micrograd, xor, xor-bce, neuron, tiny, mlp, circles"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, argv, words):
    run_fails(capsys, argv, words)


def test_bad_pickle_is_refused_without_running(capsys, tmp_path):
    import os
    import pickle

    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps(Evil()))
    assert run(["inspect", "--data", str(path)]) == 2
    assert "refused" in capsys.readouterr().err
    assert not marker.exists()


def test_headless_commands_import_no_qt():
    code = (
        "import sys, io, contextlib\n"
        "from main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['inspect', '--json']) == 0\n"
        "    assert main(['gradcheck', '--json']) == 0\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'gui')]\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=False, env={"PATH": "", "QT_QPA_PLATFORM": "none"})
    assert result.returncode == 0, result.stderr


def test_a_formula_may_start_with_a_minus_sign(capsys):
    out = run_json(capsys, ["inspect", "--graph", "-w1*x1", "--weights", "2", "--json"])
    x, _ = builtin_dataset().row(0)
    assert out["y_pred"] == pytest.approx(-2 * x[0])


def test_gradcheck_names_a_kink_it_sits_on(capsys):
    # relu at 0: the analytic derivative is one of the one-sided slopes, central
    # differences see their mean; the output says why they disagree.
    out = run_json(capsys, ["gradcheck", "--graph", "relu(a*x1) + b", "--weights", "0",
                            "--json"])
    assert out["kinks"] == [{"node": "relu1", "name": "relu(a·x1)", "op": "relu"}]
    assert run(["gradcheck", "--graph", "relu(a*x1) + b", "--weights", "0"]) == 0
    printed = capsys.readouterr().out
    # Named as every message names the node, never by its internal id.
    assert "note: relu(a·x1) (relu) is at its kink" in printed
    assert "relu1" not in printed
    assert run_json(capsys, ["gradcheck", "--graph", "relu(a*x1) + b", "--weights", "1",
                             "--json"])["kinks"] == []


def test_gradcheck_says_kinked_where_a_kink_explains_the_disagreement(capsys):
    # a's finite difference straddles relu's kink: "kinked", not "wrong"; b is correct.
    out = run_json(capsys, ["gradcheck", "--graph", "relu(a*x1) + b", "--weights", "0",
                            "--json"])
    a, b = out["weights"]
    assert (a["verdict"], a["kinked"]) == ("wrong", True)
    assert (b["verdict"], b["kinked"]) == ("correct", False)
    assert run(["gradcheck", "--graph", "relu(a*x1) + b", "--weights", "0"]) == 0
    printed = capsys.readouterr().out
    assert "KINKED: every disagreement is at a kink" in printed
    assert "WRONG" not in printed
    rows = {line.split()[0]: line.split()[-1] for line in printed.splitlines()[2:4]}
    assert rows == {"a": "kinked", "b": "correct"}


def test_gradcheck_refuses_a_step_too_small_to_move_the_weights(capsys):
    run_fails(capsys, ["gradcheck", "--eps", "1e-300"], "too small")
    # Without --eps, the default is what is too small for these weights (not "--eps None").
    run_fails(capsys, ["gradcheck", "--graph", "a*x1 + b", "--weights", "1e308,1"],
              "the default eps 1e-7 is too small: a + eps == a")


def test_inspect_lists_the_forward_order_beside_the_backward_steps(capsys):
    out = run_json(capsys, ["inspect", "--graph", "sigmoid(a*x1 + b)", "--json"])
    ids = [node["id"] for node in out["nodes"]]
    order = out["forward_order"]
    assert sorted(order) == sorted(ids)
    position = {node_id: i for i, node_id in enumerate(order)}
    kinds = {node["id"]: node["op"] for node in out["nodes"]}
    # Every operand is computed before the op that consumes it ...
    for edge in out["edges"]:
        assert position[edge["from"]] < position[edge["to"]]
    # ... the loss last, and the backward steps start from it, in reverse forward order.
    assert order[-1] == "loss"
    step_nodes = [step["node"] for step in out["backward_steps"]]
    assert step_nodes[0] == "loss"
    assert [position[n] for n in step_nodes] == sorted((position[n] for n in step_nodes),
                                                       reverse=True)
    assert kinds[order[-2]] is not None


def test_gradcheck_calls_no_correct_seed_gradient_suspicious(capsys):
    """The default check (sample 0, seed 0, eps 1e-7) has gradients of size 1e-5 whose
    relative error of 1e-5 is rounding: every weight is correct, and each entry says how
    much the finite difference can resolve."""
    out = run_json(capsys, ["gradcheck", "--json"])
    assert out["verdict"] == "correct"
    assert {w["verdict"] for w in out["weights"]} == {"correct"}
    assert max(w["relative_error"] for w in out["weights"]) > 1e-7  # the old rule's victims
    for entry in out["weights"]:
        assert abs(entry["analytic"] - entry["numeric"]) <= entry["noise"]
        assert entry["noise"] == pytest.approx(2 * (entry["truncation"] + entry["rounding"]))
    assert run(["gradcheck", "--eps", "1e-10"]) == 0
    text = capsys.readouterr().out
    assert "FD noise" in text
    assert "rounding: try a larger --eps" in text
