"""--optimizer-file FILE as a hostile user writes it: each bad definition or flag value is
refused in one line (exit 2) as a real process; Lion and signSGD, the shipped examples, go
through train, compare and sweep; an update that would give nan is not applied."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.hostile.test_surface_cli import refused, run

LION = str(ROOT / "resources" / "optimizers" / "lion.json")
SIGNSGD = str(ROOT / "resources" / "optimizers" / "signsgd.json")


def optimizer(**fields: Any) -> dict[str, Any]:
    document: dict[str, Any] = {"name": "myopt", "hyperparameters": {"lr": 0.01},
                                "state": [], "per_step": [], "update": ["w = w - lr*g"]}
    document.update(fields)
    return document


def write(folder: Path, document: Any) -> str:
    path = folder / "optimizer.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


#: case -> (the file's document, words its one line must hold)
REFUSED: dict[str, tuple[Any, str]] = {
    "a list": ([optimizer()], "an optimizer must be a JSON object, got a list"),
    "an unknown key": (optimizer(frob=1), "unknown key 'frob'"),
    "no lr": (optimizer(hyperparameters={"eta": 0.1}, update=["w = w - eta*g"]),
              "hyperparameters must include lr"),
    "lr as text": (optimizer(hyperparameters={"lr": "0.01"}), "lr must be a number, got '0.01'"),
    "lr true": (optimizer(hyperparameters={"lr": True}), "lr must be a number, got True"),
    "lr negative": (optimizer(hyperparameters={"lr": -1}), "the default lr must be > 0"),
    "beta1 of 2": (optimizer(hyperparameters={"lr": 0.1, "beta1": 2}),
                   "the default beta1 must be in [0, 1), got 2"),
    "a dash in a name": (optimizer(hyperparameters={"lr": 0.1, "my-hp": 1}),
                         "'my-hp' is not a name"),
    "a hyperparameter g": (optimizer(hyperparameters={"lr": 0.1, "g": 1}),
                           "'g' is the gradient"),
    "a hyperparameter t": (optimizer(hyperparameters={"lr": 0.1, "t": 1}),
                           "'t' is the step count"),
    "a hyperparameter exp": (optimizer(hyperparameters={"lr": 0.1, "exp": 1}),
                             "'exp' is a function"),
    "g assigned": (optimizer(update=["g = 2*g", "w = w - lr*g"]),
                   "update statement 1 sets g, the gradient, which is read-only"),
    "t assigned per step": (optimizer(per_step=["t = t + 1"]),
                            "per_step statement 1 sets t, the step count"),
    "t assigned per weight": (optimizer(update=["t = 1", "w = w - lr*g"]), "sets t"),
    "lr assigned": (optimizer(update=["lr = 2", "w = w - lr*g"]),
                    "sets 'lr', a hyperparameter, which is read-only here"),
    "a state used before it is set": (optimizer(update=["w = w - lr*m", "m = g"]),
                                      "unknown name 'm'"),
    "a local used before it is set": (optimizer(update=["w = w - lr*c", "c = g"]),
                                      "unknown name 'c'"),
    "a state named like a hyperparameter": (optimizer(state=["lr"]),
                                            "state: 'lr' is already a hyperparameter"),
    "a state named w": (optimizer(state=["w"]), "'w' is the weight"),
    "a state twice": (optimizer(state=["m", "m"], update=["m = g", "w = w - lr*m"]),
                      "state: 'm' is already"),
    "a state never set": (optimizer(state=["m"]), "update never sets the state 'm'"),
    "a state set per step": (optimizer(state=["m"], per_step=["m = 1"],
                                       update=["m = g", "w = w - lr*m"]),
                             "per_step statement 1 sets 'm', a state"),
    "per step reading g": (optimizer(per_step=["z = 2*g"]), "per_step: unknown name 'g'"),
    "no update": (optimizer(update=[]), "update has no statements (it must set w)"),
    "w never set": (optimizer(update=["z = g"]), "update never sets w"),
    "a local named sqrt": (optimizer(update=["sqrt = g", "w = w - lr*sqrt"]),
                           "'sqrt' is a function"),
    "an unknown function": (optimizer(update=["w = w - lr*frob(g)"]),
                            "unknown function 'frob'"),
    "an augmented assignment": (optimizer(update=["w -= lr*g"]),
                                "each statement must be 'name = expression'"),
    "two targets": (optimizer(update=["m = w = g"]), "a statement sets one name"),
    "two statements in one item": (optimizer(update=["z = g; w = w - lr*z"]),
                                   "write one statement 'name = expression' per item"),
    "an attribute": (optimizer(update=["w = w.real"]), "an attribute is not allowed"),
    "a lambda": (optimizer(update=["w = (lambda: 1)()"]), "a lambda is not allowed"),
    "a subscript": (optimizer(update=["w = w[0]"]), "indexing is not allowed"),
    "a built-in's name": (optimizer(name="adam"), "'adam' is a built-in optimizer"),
    "a path as name": (optimizer(name="../../etc/passwd"), "name must be lower-case letters"),
    "an empty name": (optimizer(name=""), "name must be lower-case letters"),
    "an lr of 401 digits": (optimizer(hyperparameters={"lr": 10**400}),
                            "the default lr must be a finite number, got a number of 401"),
    "a hyperparameter of 401 digits": (optimizer(hyperparameters={"lr": 0.1, "k": -10**400}),
                                       "the default k must be a finite number"),
    "a keyword as hyperparameter": (optimizer(hyperparameters={"lr": 0.1, "lambda": 1}),
                                    "'lambda' is not a name"),
    "a keyword as state": (optimizer(state=["class"]), "'class' is not a name"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_bad_optimizer_file_is_one_line(tmp_path, case):
    document, words = REFUSED[case]
    refused("train", "--optimizer-file", write(tmp_path, document), "--epochs", "1", "--json",
            words=words)


def test_nan_in_the_file_is_one_line(tmp_path):
    path = tmp_path / "optimizer.json"
    path.write_text('{"name": "myopt", "hyperparameters": {"lr": NaN}, "update": ["w = w"]}')
    refused("train", "--optimizer-file", str(path), words="NaN is not a number JSON allows")


@pytest.mark.parametrize(("command", "name"), [
    ("train", "seed"), ("train", "epochs"), ("train", "json"), ("train", "help"),
    ("compare", "data"), ("compare", "optimizers"), ("sweep", "lr_min"), ("sweep", "steps"),
])
def test_a_hyperparameter_named_like_an_option_is_one_line(tmp_path, command, name):
    """Its flag would be one the command line has already (--seed, --lr-min...)."""
    path = write(tmp_path, optimizer(hyperparameters={"lr": 0.1, name: 0.5},
                                     update=[f"w = w - lr*{name}*g"]))
    refused(command, "--optimizer-file", path, "--json",
            words=f"the hyperparameter {name!r} would have the flag --"
                  f"{name.replace('_', '-')}, which is one of the command line's own options")


@pytest.mark.parametrize(("flag", "value", "words"), [
    ("--lr", "nan", "'nan' is not a finite number"),
    ("--lr", "1e400", "'1e400' is not a finite number"),
    ("--lr", "-0.1", "lr must be > 0, got -0.1"),
    ("--lr", "\u22120.1", "lr must be > 0, got -0.1"),
    ("--lr", "1e-400", "lr must be > 0, got 0"),
    ("--lr", "0x10", "'0x10' is not a number"),
    ("--beta1", "1", "beta1 must be in [0, 1), got 1"),
    ("--weight-decay", "-0.1", "weight_decay must be >= 0, got -0.1"),
    ("--weight-decay", "inf", "'inf' is not a finite number"),
])
def test_a_bad_flag_value_for_a_file_s_hyperparameter_is_one_line(flag, value, words):
    refused("train", "--optimizer-file", LION, flag, value, "--epochs", "1", "--json",
            words=words)


@pytest.mark.parametrize("path", [LION, SIGNSGD])
def test_the_shipped_examples_train_compare_and_sweep(path):
    name = Path(path).stem
    code, out, err, _ = run("train", "--optimizer-file", path, "--epochs", "2", "--json")
    assert code == 0, err
    trained = json.loads(out)
    assert trained["optimizer"] == name and trained["diverged"] is None
    assert trained["epoch_loss"][1] < trained["epoch_loss"][0]
    code, out, err, _ = run("compare", "--optimizer-file", path, "--epochs", "1", "--json")
    assert code == 0, err
    compared = json.loads(out)
    assert compared["optimizers"] == ["sgd", "momentum", "adam", name]
    # The comparison's run of the file's optimizer is the train command's run.
    assert compared["runs"][name]["epoch_loss"] == trained["epoch_loss"][:1]
    code, out, err, _ = run("sweep", "--optimizers", name, "--optimizer-file", path,
                            "--lr-min", "1e-4", "--lr-max", "1e-2", "--runs", "2",
                            "--epochs", "1", "--json")
    assert code == 0, err
    assert [(r["optimizer"], r["lr"]) for r in json.loads(out)["runs"]] == [
        (name, pytest.approx(1e-4)), (name, pytest.approx(1e-2))]


@pytest.mark.parametrize(("fields", "detail"), [
    ({"update": ["w = w - lr*g/0"]}, "would divide by zero computing w1"),
    ({"update": ["w = w - lr*g**0.5"]}, "would make w1 nan"),
    ({"update": ["w = w - lr*exp(1000*g*0 + 1000)"]}, "would make w1 inf (an overflow)"),
    ({"state": ["m"], "update": ["m = g/0", "w = w - lr*m"]},
     "would divide by zero computing its m for w1"),
    ({"per_step": ["k = lr/(t - 1)"], "update": ["w = w - k*g"]},
     "would divide by zero computing its k"),
])
def test_an_update_that_would_give_nan_stops_training_unapplied(tmp_path, fields, detail):
    path = write(tmp_path, optimizer(**fields))
    code, out, err, _ = run("train", "--optimizer-file", path, "--epochs", "1", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["diverged"]["step"] == 0
    assert result["diverged"]["detail"] == f"the myopt update {detail}; it was not applied"
    assert result["final_weights"] == result["initial_weights"]


def test_the_window_says_what_is_wrong_with_a_401_digit_default(window, tmp_path):
    """File > Add optimizer… and --optimizer-file in the window: a visible message (or exit
    2 before the window opens), and the optimizer trained before stays."""
    from PySide6.QtWidgets import QMessageBox

    from gui.app import run_gui

    path = write(tmp_path, optimizer(hyperparameters={"lr": 10**400}))
    training = window.session.training
    assert not window.optimizer_file.add_file(path)
    box = window.findChild(QMessageBox, "problem_box")
    assert box is not None and "the default lr must be a finite number" in box.text()
    assert training.optimizer_name == "sgd"
    assert run_gui(["--optimizer-file", path, "--screenshot", str(tmp_path / "x.png")]) == 2


def test_a_file_with_a_session_says_what_was_given(tmp_path):
    """The session holds its optimizer; the refusal names the option typed, not the
    --optimizer the file would have chosen."""
    path = write(tmp_path, optimizer())
    refused("train", "--session", str(tmp_path / "session.json"), "--optimizer-file", path,
            "--json", words="--optimizer-file cannot be given with --session")
