"""--optimizer-file on train, compare and sweep: the file's hyperparameters get flags, its
optimizer trains as the built-ins do, sessions open without the file, bad files exit 2."""

import json

import pytest

from core.training.optimizers import FOLDER, OPTIMIZERS, forget_optimizer
from tests.cli.helpers import run_fails, run_json

LION = str(FOLDER / "lion.json")
SHIFT = {"name": "shift", "title": "Shifted SGD",
         "hyperparameters": {"lr": 0.01, "my_decay": 0.5},
         "update": ["w = w - lr*(g + my_decay*w)"]}


@pytest.fixture(autouse=True)
def forget_file_optimizers():
    before = set(OPTIMIZERS)
    yield
    for name in set(OPTIMIZERS) - before:
        forget_optimizer(name)


@pytest.fixture
def shift(tmp_path):
    path = tmp_path / "shift.json"
    path.write_text(json.dumps(SHIFT))
    return str(path)


def test_train_trains_the_files_optimizer_with_flags_for_its_hyperparameters(capsys, shift):
    out = run_json(capsys, ["train", "--optimizer-file", shift, "--my-decay", "-0.25",
                            "--lr", "0.02", "--epochs", "2", "--json"])
    assert out["optimizer"] == "shift"
    assert out["hyperparameters"] == {"lr": 0.02, "my_decay": -0.25}
    assert len(out["epoch_loss"]) == 2 and out["diverged"] is None
    # The default comes from the file.
    out = run_json(capsys, ["train", f"--optimizer-file={shift}", "--epochs", "1", "--json"])
    assert out["hyperparameters"] == {"lr": 0.01, "my_decay": 0.5}


def test_a_known_hyperparameter_keeps_its_range(capsys):
    run_fails(capsys, ["train", "--optimizer-file", LION, "--beta1", "1.5"],
              "beta1 must be in [0, 1), got 1.5")


def test_lion_from_its_file_equals_the_same_rule_built_in_python(capsys):
    out = run_json(capsys, ["train", "--optimizer-file", LION, "--lr", "0.003", "--epochs",
                            "1", "--weights", "0.5", "--json"])
    assert out["optimizer"] == "lion" and out["hyperparameters"]["lr"] == 0.003
    # Every Lion step moves each weight by exactly lr (weight decay 0): after 506 steps each
    # weight is 0.5 plus a multiple of 0.003 (up to rounding).
    for value in out["final_weights"].values():
        steps = (value - 0.5) / 0.003
        assert abs(steps - round(steps)) < 1e-6
        assert abs(steps) <= out["steps"]


def test_compare_adds_the_file_optimizer_or_takes_it_by_name(capsys, shift):
    out = run_json(capsys, ["compare", "--optimizer-file", shift, "--epochs", "1", "--json"])
    assert list(out["optimizers"]) == ["sgd", "momentum", "adam", "shift"]
    out = run_json(capsys, ["compare", "--optimizer-file", shift, "--optimizers", "sgd,shift",
                            "--epochs", "1", "--json"])
    assert list(out["optimizers"]) == ["sgd", "shift"]


def test_a_sweep_run_of_a_file_optimizer_equals_train(capsys):
    sweep = run_json(capsys, ["sweep", "--optimizer-file", LION, "--optimizers", "lion",
                              "--lr-min", "0.001", "--lr-max", "0.01", "--runs", "2",
                              "--epochs", "2", "--json"])
    for run in sweep["runs"]:
        train = run_json(capsys, ["train", "--optimizer-file", LION, "--lr", repr(run["lr"]),
                                  "--epochs", "2", "--json"])
        assert run["final_weights"] == train["final_weights"]  # bit for bit
        # Each epoch's mean is summed in another order: equal to the last bits or so.
        assert run["epoch_loss"] == pytest.approx(train["epoch_loss"], rel=1e-12)


def test_a_session_of_a_file_optimizer_opens_without_the_file(capsys, tmp_path, shift):
    session = str(tmp_path / "run.json")
    first = run_json(capsys, ["train", "--optimizer-file", shift, "--my-decay", "0.1",
                              "--epochs", "1", "--save-session", session, "--json"])
    saved = json.loads((tmp_path / "run.json").read_text())
    assert saved["config"]["optimizer_definition"]["update"] == SHIFT["update"]
    forget_optimizer("shift")
    (tmp_path / "shift.json").unlink()
    resumed = run_json(capsys, ["train", "--session", session, "--epochs", "2", "--json"])
    assert resumed["optimizer"] == "shift"
    assert resumed["hyperparameters"] == {"lr": 0.01, "my_decay": 0.1}
    assert resumed["epoch_loss"][0] == first["epoch_loss"][0]
    straight = run_json(capsys, ["train", "--optimizer-file", LION, "--epochs", "1", "--json"])
    assert straight["optimizer"] == "lion"


@pytest.mark.parametrize(("content", "words"), [
    ("{", "not valid JSON"),
    ('{"name": "x", "hyperparameters": {"lr": 1}, "update": ["w = w - lr*foo(g)"]}',
     "unknown function 'foo'"),
    ('{"name": "x", "hyperparameters": {"lr": 1}, "update": ["g = 0", "w = w"]}',
     "sets g, the gradient, which is read-only"),
    ('{"name": "adam", "hyperparameters": {"lr": 1}, "update": ["w = w"]}',
     "'adam' is a built-in optimizer"),
])
def test_bad_files_exit_2_in_one_line(capsys, tmp_path, content, words):
    path = tmp_path / "bad.json"
    path.write_text(content)
    for command in ("train", "compare", "sweep"):
        run_fails(capsys, [command, "--optimizer-file", str(path)], words)


def test_a_missing_file_and_two_files(capsys, tmp_path, shift):
    run_fails(capsys, ["train", "--optimizer-file", str(tmp_path / "none.json")],
              "none.json: no such file")
    run_fails(capsys, ["train", "--optimizer-file", shift, "--optimizer-file", LION],
              "--optimizer-file: give one file")
