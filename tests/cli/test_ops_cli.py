"""--ops FILE and --break FILE on the command line: refusals (exit 2, one line), ops the
graph formula calls, and a derivative broken on purpose that the gradient check exposes
and a saved session replays."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.autodiff import user_ops
from tests.body_table import body_csv
from tests.cli.helpers import run_fails, run_json
from tests.user_ops_cases import LAB, SIGMOID_PLUS, SOFTPLUS2


def write(tmp_path, name, document):
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


# -- --ops refusals ------------------------------------------------------------------------


def test_an_ops_file_that_cannot_be_read_is_exit_2(capsys, tmp_path):
    run_fails(capsys, ["inspect", "--ops", str(tmp_path / "none.json")],
              "--ops " + str(tmp_path / "none.json") + ": no such file")
    bad = tmp_path / "bad.json"
    bad.write_text("[{", encoding="utf-8")
    run_fails(capsys, ["train", "--ops", str(bad)], "not valid JSON")


def test_a_malformed_entry_is_exit_2_naming_the_entry_and_the_field(capsys, tmp_path):
    path = write(tmp_path, "ops.json", [SOFTPLUS2, {**SOFTPLUS2, "name": "sp3",
                                                    "derivatives": "sigmoid(z)"}])
    run_fails(capsys, ["inspect", "--ops", path],
              "entry 2 ('sp3'): \"derivatives\" must be a list of 1 formula")


def test_a_wrong_derivative_is_exit_2_naming_op_point_and_both_numbers(capsys, tmp_path):
    path = write(tmp_path, "ops.json", [{"name": "sig2", "args": ["a"],
                                         "forward": "sigmoid(a)",
                                         "derivatives": ["out*(1 + out)"]}])
    run_fails(capsys, ["gradcheck", "--ops", path], "'sig2'")
    run_fails(capsys, ["train", "--ops", path], "dsig2/da is wrong at a = ")
    from cli.app import run

    assert run(["inspect", "--ops", path]) == 2
    line = capsys.readouterr().err.strip()
    analytic, numeric = line.split(" gives ")[1].split(", finite differences give ")
    assert float(analytic) > float(numeric) > 0


@pytest.mark.parametrize("name", ["exp", "softplus", "max", "add"])
def test_an_op_named_like_a_built_in_is_exit_2(capsys, tmp_path, name):
    path = write(tmp_path, "ops.json", [{**SOFTPLUS2, "name": name}])
    run_fails(capsys, ["inspect", "--ops", path], f"'{name}' is a built-in op or function")


def test_an_op_named_like_a_weight_of_the_graph_is_exit_2(capsys, tmp_path):
    path = write(tmp_path, "ops.json", [{**SOFTPLUS2, "name": "bias"}])
    run_fails(capsys, ["inspect", "--ops", path, "--graph", "w*x1 + bias"],
              "op 'bias' has the name of the graph's weight bias")


def test_an_op_named_like_a_named_step_of_the_graph_is_called_a_step(capsys, tmp_path):
    path = write(tmp_path, "ops.json", [{**SOFTPLUS2, "name": "h"}])
    for graph in ("h = tanh(a*x1); w*h", "h = tanh(a*x1)\nw*h"):
        run_fails(capsys, ["inspect", "--ops", path, "--graph", graph, "--json"],
                  "op 'h' has the name of the graph's named step h; rename one")
    run_fails(capsys, ["inspect", "--ops", path, "--graph", "g = tanh(h*x1); w*g"],
              "op 'h' has the name of the graph's weight h")


def test_an_op_named_like_a_data_column_is_exit_2(capsys, tmp_path):
    path = write(tmp_path, "ops.json", [{**SOFTPLUS2, "name": "mass"}])
    run_fails(capsys, ["inspect", "--ops", path, "--data", str(body_csv(tmp_path)),
                       "--graph", "a*height + b"],
              "op 'mass' has the name of the data column mass")


# -- --break ---------------------------------------------------------------------------------


def test_gradcheck_says_wrong_with_a_broken_derivative(capsys, tmp_path):
    path = write(tmp_path, "break.json", [SIGMOID_PLUS])
    common = ["gradcheck", "--graph", LAB, "--weights", "0.5", "--json"]
    right = run_json(capsys, common)
    broken = run_json(capsys, [*common, "--break", path])
    assert right["verdict"] == "correct"
    assert broken["verdict"] == "wrong"
    assert {w["name"] for w in broken["weights"] if w["verdict"] == "wrong"} == \
        {"w3", "w4", "b2"}


def test_inspect_shows_the_broken_local_derivative(capsys, tmp_path):
    path = write(tmp_path, "break.json", [SIGMOID_PLUS])
    common = ["inspect", "--graph", LAB, "--weights", "0.5", "--json"]
    right, broken = run_json(capsys, common), run_json(capsys, [*common, "--break", path])
    assert right["loss"] == broken["loss"]
    h2 = next(n for n in right["nodes"] if n["name"] == "h2")["value"]
    locals_right = {s["node"]: s["local"] for s in right["backward_steps"]}
    locals_broken = {s["node"]: s["local"] for s in broken["backward_steps"]}
    h2_id = next(n for n in right["nodes"] if n["name"] == "h2")["id"]
    steps = [s for s in broken["backward_steps"] if s["node"] == h2_id]
    assert steps and steps[0]["local"] == pytest.approx(h2 * (1 + h2), rel=1e-15)
    assert locals_right[h2_id] == pytest.approx(h2 * (1 - h2), rel=1e-15)
    assert locals_broken != locals_right


def test_a_break_the_graph_cannot_take_is_exit_2(capsys, tmp_path):
    path = write(tmp_path, "break.json", [{**SIGMOID_PLUS, "nodes": ["h7"]}])
    run_fails(capsys, ["train", "--graph", LAB, "--break", path],
              "the graph has no node named 'h7' (its sigmoid nodes: h1, h2)")
    path = write(tmp_path, "tanh.json", [{**SIGMOID_PLUS, "name": "tanh", "nodes": None}])
    run_fails(capsys, ["gradcheck", "--graph", LAB, "--break", path],
              "the graph has no tanh node to break")


def test_a_broken_session_resumes_bit_for_bit(capsys, tmp_path):
    path = write(tmp_path, "break.json", [SIGMOID_PLUS])
    session = str(tmp_path / "s.json")
    common = ["train", "--graph", LAB, "--break", path, "--optimizer", "adam", "--shuffle",
              "--json"]
    first = run_json(capsys, [*common, "--epochs", "1", "--save-session", session])
    assert first["config"]["breaks"][0]["nodes"] == ["h2"]
    saved = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert "out*(1 + out)" in json.dumps(saved)
    resumed = run_json(capsys, ["train", "--session", session, "--epochs", "3", "--json"])
    whole = run_json(capsys, [*common, "--epochs", "3"])
    unbroken = run_json(capsys, ["train", "--graph", LAB, "--optimizer", "adam",
                                 "--shuffle", "--epochs", "3", "--json"])
    assert resumed["final_weights"] == whole["final_weights"]
    assert resumed["epoch_loss"] == whole["epoch_loss"]
    assert whole["final_weights"] != unbroken["final_weights"]
    run_fails(capsys, ["train", "--session", session, "--break", path],
              "--break cannot be changed")
    run_fails(capsys, ["inspect", "--session", session, "--ops", path],
              "--ops cannot be changed (the session file says it)")


# -- ops the graph calls ------------------------------------------------------------------------


def test_a_user_softplus_equals_the_built_in_one_on_a_graph(capsys, tmp_path):
    path = write(tmp_path, "ops.json", [SOFTPLUS2])
    mine = ["--ops", path, "--graph", "softplus2(a*x1 + b*x2) + c"]
    built_in = ["--graph", "softplus(a*x1 + b*x2) + c"]
    common = ["--weights", "0.3,-0.7,0.1", "--sample", "4", "--json"]
    a = run_json(capsys, ["inspect", *mine, *common])
    b = run_json(capsys, ["inspect", *built_in, *common])
    assert a["loss"] == pytest.approx(b["loss"], rel=1e-14)
    for name in ("a", "b", "c"):
        assert a["gradients"][name] == pytest.approx(b["gradients"][name], rel=1e-12)
    assert [n["op"] for n in a["nodes"] if n["op"] not in ("mul", "add", "sub", "square",
                                                           None)] == ["softplus2"]
    train = ["--epochs", "3", "--optimizer", "momentum", "--json"]
    c = run_json(capsys, ["train", *mine, *train])
    d = run_json(capsys, ["train", *built_in, *train])
    for name in ("a", "b", "c"):
        assert c["final_weights"][name] == pytest.approx(d["final_weights"][name],
                                                         rel=1e-9, abs=1e-12)
    assert c["config"]["ops"][0]["name"] == "softplus2"  # the config embeds it


def test_a_log_based_op_is_accepted_with_its_domain(capsys, tmp_path):
    entry = {"name": "logplus", "args": ["a"], "forward": "log(a) + a",
             "derivatives": ["1/a + 1"]}
    run_fails(capsys, ["inspect", "--ops", write(tmp_path, "bad.json", [entry])],
              "\"forward\" is nan at a = -")
    path = write(tmp_path, "ops.json", [{**entry, "domain": [0.5, 3]}])
    out = run_json(capsys, ["gradcheck", "--ops", path, "--graph", "w*logplus(x1*x1 + 1) + b",
                            "--weights", "0.5", "--json"])
    assert out["verdict"] == "correct"


def test_a_session_with_a_file_op_reopens_without_the_file(capsys, tmp_path):
    path = write(tmp_path, "ops.json", [SOFTPLUS2])
    session = str(tmp_path / "s.json")
    common = ["train", "--ops", path, "--graph", "softplus2(a*x1) + b", "--json"]
    run_json(capsys, [*common, "--epochs", "1", "--save-session", session])
    (tmp_path / "ops.json").unlink()
    user_ops.unregister(["softplus2"])
    resumed = run_json(capsys, ["train", "--session", session, "--epochs", "2", "--json"])
    user_ops.unregister(["softplus2"])
    whole = run_json(capsys, [*common[:2], str(write(tmp_path, "ops.json", [SOFTPLUS2])),
                              *common[3:], "--epochs", "2"])
    assert resumed["final_weights"] == whole["final_weights"]


def test_check_my_backward_disagrees_where_the_derivative_is_broken(capsys, tmp_path):
    """A correct backward pass, judged against the engine with σ' broken on every sigmoid
    node: the weights behind the sigmoid disagree, the others still agree."""
    from cli.app import run

    example = "resources/examples/correct_backward.py"
    path = write(tmp_path, "break.json", [{k: v for k, v in SIGMOID_PLUS.items()
                                           if k != "nodes"}])
    assert run(["check-backward", example, "--json"]) == 0
    capsys.readouterr()
    assert run(["check-backward", example, "--break", path, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert sorted(report["wrong"]) == ["w3", "w4", "w5", "w8"]


def test_a_file_op_reads_the_same_as_the_built_in_in_the_landscape_and_the_sweep(
        capsys, tmp_path):
    path = write(tmp_path, "ops.json", [SOFTPLUS2])
    mine = ["--ops", path, "--graph", "softplus2(a*x1 + b*x2) + c"]
    built_in = ["--graph", "softplus(a*x1 + b*x2) + c"]
    land = ["landscape", "--pair", "a,b", "--grid", "5", "--json"]
    a, b = run_json(capsys, [*land, *mine]), run_json(capsys, [*land, *built_in])
    assert np.allclose(a["loss"], b["loss"], rtol=1e-13, atol=0)
    sweep = ["sweep", "--optimizers", "sgd,adam", "--lr-min", "0.001", "--lr-max", "0.1",
             "--runs", "3", "--epochs", "2", "--json"]
    c, d = run_json(capsys, [*sweep, *mine]), run_json(capsys, [*sweep, *built_in])
    assert np.allclose([r["final_loss"] for r in c["runs"]],
                       [r["final_loss"] for r in d["runs"]], rtol=1e-12, atol=0)


def test_the_example_files_check_and_break_as_they_say(capsys):
    formula = ("w1*swish(a*x1) + w2*leaky_relu(b*x2) + w3*logcosh(c*x3) "
               "+ w4*xlogx(x4*x4 + 1) + hypot(d*x5 + 1, e)")
    out = run_json(capsys, ["gradcheck", "--ops", "resources/examples/ops.json",
                            "--graph", formula, "--weights", "0.5", "--json"])
    assert out["verdict"] == "correct"
    out = run_json(capsys, ["gradcheck", "--break", "resources/examples/break_sigmoid.json",
                            "--weights", "0.5", "--json"])
    assert out["verdict"] == "wrong"
    assert [w["name"] for w in out["weights"] if w["verdict"] == "wrong"] == \
        ["w3", "w4", "w5", "w8"]


def test_an_op_named_like_a_weight_of_a_preset_is_exit_2(capsys, tmp_path):
    path = write(tmp_path, "ops.json", [{**SOFTPLUS2, "name": "w9"}])
    run_fails(capsys, ["inspect", "--ops", path], "op 'w9' has the name of the graph's weight w9")
    path = write(tmp_path, "ops.json", [{**SOFTPLUS2, "name": "v1"}])
    run_fails(capsys, ["train", "--ops", path, "--graph", "xor"],
              "op 'v1' has the name of the graph's weight v1")
