"""--break FILE and the sessions that carry file ops, a file optimizer and breaks, as a
hostile user gives them: a bad break (a node the graph lacks, an op it does not use, a
forward of its own, code) is one line, exit 2, in the commands and before the window
opens; a session saved with all three reopens and trains on without the files, the same
numbers; a session whose embedded definitions were tampered with is one line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.hostile.test_surface_cli import refused, run

#: Two sigmoid neurons; a file op on one of them.
GRAPH = ("h1 = sigmoid(w1*x1 + w2*x2 + b1); h2 = sigmoid(w3*x1 + w4*x2 + b2); "
         "softplus2(v1*h1) + v2*h2 + c")
SOFTPLUS2 = {"name": "softplus2", "args": ["a"], "forward": "log(1 + exp(a))",
             "derivatives": ["sigmoid(a)"], "domain": [-5, 5]}
MYOPT = {"name": "myopt", "hyperparameters": {"lr": 0.01}, "state": ["m"],
         "update": ["m = 0.9*m + g", "w = w - lr*m"]}


def sigmoid_break(**fields: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": "sigmoid", "args": ["a"],
                             "derivatives": ["out*(1 + out)"], "nodes": ["h2"]}
    entry.update(fields)
    return entry


def write(folder: Path, name: str, document: Any) -> str:
    path = folder / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


#: case -> (the break file's document, words its one line must hold)
REFUSED: dict[str, tuple[Any, str]] = {
    "a node the graph lacks": ([sigmoid_break(nodes=["h99"])],
                               "the graph has no node named 'h99' (its sigmoid nodes: h1, h2)"),
    "a node of another op": ([sigmoid_break(nodes=["w3"])], "w3 is not an op, not sigmoid"),
    "the sum y'": ([sigmoid_break(nodes=["y'"])], "\"nodes\": y' is an add node, not sigmoid"),
    "no nodes": ([sigmoid_break(nodes=[])], "\"nodes\" must be a list of node names"),
    "nodes as text": ([sigmoid_break(nodes="h2")], "\"nodes\" must be a list of node names"),
    "1,000 nodes": ([sigmoid_break(nodes=["h2"] * 1000)], "(at most 256)"),
    "an op the graph does not use": ([{"name": "tanh", "args": ["a"], "derivatives": ["1"]}],
                                     "the graph has no tanh node to break"),
    "an op that does not exist": ([{"name": "frob", "args": ["a"], "derivatives": ["1"]}],
                                  "there is no op 'frob' to break"),
    "a forward of its own": ([sigmoid_break(forward="a")],
                             "\"forward\" must be sigmoid's own, 'sigmoid(a)', or left out"),
    "a forward of a built-in written otherwise": (
        [{"name": "mul", "args": ["a", "b"], "forward": "b*a", "derivatives": ["b", "a"]}],
        "\"forward\" must be mul's own, 'a * b', or left out: a break replaces "
        "derivatives only"),
    # The file op's forward as its file writes it, not as the generated code does.
    "a file op's forward written otherwise": (
        [{"name": "softplus2", "args": ["a"], "forward": "log(exp(a) + 1)",
          "derivatives": ["1 - sigmoid(a)"]}],
        "\"forward\" must be softplus2's own, 'log(1 + exp(a))', or left out"),
    "two operands for a sigmoid": ([sigmoid_break(args=["a", "b"], derivatives=["1", "1"])],
                                   "sigmoid takes 1 operand (a)"),
    "code in a derivative": ([sigmoid_break(derivatives=["__import__('os')"])],
                             "unknown function '__import__'"),
    "not a list": ("sigmoid", "must be a JSON list"),
    # Else the second rule silently replaced the first.
    "a node broken by two entries": (
        [sigmoid_break(), sigmoid_break(derivatives=["out"])],
        "entry 2 ('sigmoid'): \"nodes\": h2 is broken twice (entry 1 breaks it too)"),
    "every node and one of them again": (
        [{"name": "sigmoid", "args": ["a"], "derivatives": ["out"]}, sigmoid_break()],
        "entry 2 ('sigmoid'): \"nodes\": h2 is broken twice (entry 1 breaks it too)"),
    "a node named twice": ([sigmoid_break(nodes=["h2", "h2"])],
                           "entry 1 ('sigmoid'): \"nodes\": h2 is named twice"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_bad_break_file_is_one_line(tmp_path, case):
    document, words = REFUSED[case]
    path = write(tmp_path, "break.json", document)
    ops = write(tmp_path, "ops.json", [SOFTPLUS2])
    line = refused("gradcheck", "--ops", ops, "--break", path, "--graph", GRAPH, "--json",
                   words=words)
    assert line.startswith(f"error: --break {path}"), line


def test_the_window_refuses_a_break_of_a_missing_node_before_it_opens(tmp_path):
    path = write(tmp_path, "break.json", [sigmoid_break(nodes=["h99"])])
    picture = tmp_path / "x.png"
    refused("--break", path, "--screenshot", str(picture), "--size", "800x600",
            words="the graph has no node named 'h99'")
    assert not picture.exists()


def test_a_break_the_gradient_check_exposes(tmp_path):
    """Only the weights that reach the loss through h2's rule are wrong."""
    ops = write(tmp_path, "ops.json", [SOFTPLUS2])
    path = write(tmp_path, "break.json", [sigmoid_break()])
    code, out, err, _ = run("gradcheck", "--ops", ops, "--break", path, "--graph", GRAPH,
                            "--json")
    assert code == 0, err
    verdicts = {w["name"]: w["verdict"] for w in json.loads(out)["weights"]}
    assert {n for n, v in verdicts.items() if v == "wrong"} == {"w3", "w4", "b2"}


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A session trained one epoch with a file op, a file optimizer and a break; the
    three files are gone afterwards."""
    folder = tmp_path_factory.mktemp("saved")
    files = [write(folder, "ops.json", [SOFTPLUS2]), write(folder, "opt.json", MYOPT),
             write(folder, "break.json", [sigmoid_break()])]
    session = folder / "session.json"
    code, out, err, _ = run("train", "--ops", files[0], "--optimizer-file", files[1],
                            "--break", files[2], "--graph", GRAPH, "--epochs", "1",
                            "--save-session", str(session), "--json")
    assert code == 0, err
    for name in files:
        Path(name).unlink()
    return session, json.loads(out)


def test_a_session_reopens_and_trains_on_without_its_files(saved):
    session, first = saved
    code, out, err, _ = run("train", "--session", str(session), "--epochs", "2", "--json")
    assert code == 0, err
    resumed = json.loads(out)
    assert resumed["optimizer"] == "myopt"
    assert resumed["epoch_loss"][0] == first["epoch_loss"][0]  # replayed to the bit
    assert resumed["epoch_loss"][1] < resumed["epoch_loss"][0]
    code, out, err, _ = run("inspect", "--session", str(session), "--json")
    assert code == 0, err
    ops = {n["op"] for n in json.loads(out)["nodes"]}
    assert "softplus2" in ops


def test_the_window_opens_a_session_without_its_files(saved, tmp_path):
    picture = tmp_path / "x.png"
    code, _, err, _ = run("--session", str(saved[0]), "--screenshot", str(picture),
                          "--size", "800x600")
    assert code == 0, err
    assert picture.stat().st_size > 0


def _tampered(saved: tuple[Path, dict[str, Any]], folder: Path, change: Any) -> str:
    document = json.loads(saved[0].read_text())
    change(document["config"])
    return write(folder, "tampered.json", document)


TAMPERED = {
    "a break of a node the graph lacks": (
        lambda c: c["breaks"][0].__setitem__("nodes", ["h99"]),
        "breaks: entry 1 ('sigmoid'): \"nodes\": the graph has no node named 'h99'"),
    "a break of another op": (lambda c: c["breaks"][0].__setitem__("name", "tanh"),
                              "h2 is a sigmoid node, not tanh"),
    "code in a break": (
        lambda c: c["breaks"][0].__setitem__("derivatives", ["__import__('os')"]),
        "unknown function '__import__'"),
    "a wrong derivative in an op": (
        lambda c: c["ops"][0].__setitem__("derivatives", ["a"]),
        "ops: entry 1 ('softplus2'): the derivative dsoftplus2/da is wrong"),
    "the op left out": (lambda c: c.__setitem__("ops", []),
                        "unknown function 'softplus2'"),
    "ops as text": (lambda c: c.__setitem__("ops", "x"), "ops must be a list"),
    "code in the optimizer": (
        lambda c: c["optimizer_definition"].__setitem__("update", ["w = __import__('os')"]),
        "the definition of optimizer 'myopt': update: unknown function '__import__'"),
    "the optimizer renamed adam": (
        lambda c: c["optimizer_definition"].__setitem__("name", "adam"),
        "the definition of optimizer 'myopt' is named 'adam'"),
    "the optimizer left out": (lambda c: c.__setitem__("optimizer_definition", None),
                               "unknown optimizer 'myopt'"),
    "an optimizer default of 401 digits": (
        lambda c: c["optimizer_definition"].__setitem__("hyperparameters", {"lr": 10**400}),
        "the default lr must be a finite number"),
    # Read and checked, but training on it stops at once: replaying it cannot arrive.
    "a break whose derivative is nan": (
        lambda c: c["breaks"][0].__setitem__("derivatives", ["log(-1 - out)"]),
        "replaying it, training stopped at step 0 (the gradient of "),
    "a break whose derivative is nan, the words after": (
        lambda c: c["breaks"][0].__setitem__("derivatives", ["log(-1 - out)"]),
        "became nan) before the saved step 506: the file was edited, or its data is not "
        "the same"),
    "a break's node broken again": (
        lambda c: c["breaks"].append({**c["breaks"][0], "derivatives": ["out"]}),
        "breaks: entry 2 ('sigmoid'): \"nodes\": h2 is broken twice"),
    "an op domain wider than floats reach": (
        lambda c: c["ops"][0].__setitem__("domain", [-1e308, 1e308]),
        "ops: entry 1 ('softplus2'): \"domain\" must be [low, high], two finite numbers "
        "with low < high (and high − low finite), got [-1e+308, 1e+308]"),
    "an op forward of a fractional power": (
        lambda c: c["ops"][0].update(forward="a**1.5", derivatives=["1.5*a**0.5"]),
        "ops: entry 1 ('softplus2'): \"forward\" is nan at a = "),
    "an op name of 10,000 characters": (
        lambda c: c["ops"].append({**c["ops"][0], "name": "q" * 10_000}),
        "ops: entry 2: \"name\" must be at most 40 characters, got 10,000"),
    "an op domain of 401 digits": (
        lambda c: c["ops"][0].__setitem__("domain", [0, 10**400]),
        "ops: entry 1 ('softplus2'): \"domain\" must be [low, high]"),
}


@pytest.mark.parametrize("case", sorted(TAMPERED))
def test_a_tampered_session_is_one_line(saved, tmp_path, case):
    change, words = TAMPERED[case]
    path = _tampered(saved, tmp_path, change)
    refused("inspect", "--session", path, "--json", words=words)


LAB = ROOT / "resources" / "lessons" / "find-the-bug.json"
LESSONS: dict[str, tuple[Any, str]] = {
    "code in the break": (
        lambda lesson: lesson["break"].__setitem__(
            "derivatives", ["__import__('os').system('true')"]),
        "\"break\": entry 1 ('sigmoid'): \"derivatives[0]\": an attribute is not allowed"),
    "a break as text": (lambda lesson: lesson.__setitem__("break", "x"),
                        "\"break\": must be a list of breaks"),
    "a wrong op derivative": (
        lambda lesson: lesson.__setitem__("ops", [{"name": "q", "args": ["a"], "forward": "a",
                                                   "derivatives": ["2"]}]),
        "\"ops\": entry 1 ('q'): the derivative dq/da is wrong"),
    "an optimizer default of 401 digits": (
        lambda lesson: lesson.__setitem__("optimizers", [{**MYOPT,
                                                          "hyperparameters": {"lr": 10**400}}]),
        "\"optimizers\" 1: hyperparameters: the default lr must be a finite number"),
    # It opened, and that stop was half set up when shown: its graph, none of its steps.
    "a stop whose graph lacks the broken node": (
        lambda lesson: lesson["stops"][1].__setitem__("graph", "a*x1 + b"),
        "stop 2: \"break\": entry 1 ('sigmoid'): \"nodes\": the graph has no node named "
        "'h2' (it has no sigmoid node)"),
    "a reveal of text": (lambda lesson: lesson["stops"][0].__setitem__("reveal", "yes"),
                         "stop 1: \"reveal\" must be true or false"),
}


@pytest.mark.parametrize("case", sorted(LESSONS))
def test_a_lab_lesson_tampered_with_is_one_line_before_the_window_opens(tmp_path, case):
    change, words = LESSONS[case]
    lesson = json.loads(LAB.read_text(encoding="utf-8"))
    change(lesson)
    path = write(tmp_path, "lesson.json", lesson)
    picture = tmp_path / "x.png"
    refused("--lesson", path, "--screenshot", str(picture), "--size", "800x600", words=words)
    assert not picture.exists()


def test_a_node_name_typed_with_a_hyphen_finds_the_name_with_the_minus_sign(tmp_path):
    """y−y' is written with the minus sign; typed with '-' (as formulas take it) it is the
    same node."""
    path = write(tmp_path, "break.json", [{"name": "sub", "args": ["a", "b"],
                                           "derivatives": ["1", "1"], "nodes": ["y-y'"]}])
    code, out, err, _ = run("gradcheck", "--break", path, "--json")
    assert code == 0, err
    assert json.loads(out)["verdict"] == "wrong"  # the lost sign reaches every weight
