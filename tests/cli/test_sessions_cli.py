"""train --save-session / --session, inspect --session [--at-step K], export --session."""

from __future__ import annotations

import json

import pytest

from core.training.optimizers import OPTIMIZERS
from tests.cli.helpers import run_fails, run_json


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_resume_equals_the_uninterrupted_run(capsys, tmp_path, optimizer):
    common = ["--graph", "sigmoid_neuron", "--optimizer", optimizer, "--shuffle", "--seed",
              "3", "--clip-value", "2", "--json"]
    path = str(tmp_path / "s.json")
    first = run_json(capsys, ["train", *common, "--epochs", "2", "--save-session", path])
    resumed = run_json(capsys, ["train", "--session", path, "--epochs", "5", "--json"])
    whole = run_json(capsys, ["train", *common, "--epochs", "5"])
    assert first["steps"] == 160 and resumed["steps"] == whole["steps"] == 400
    for key in ("final_weights", "epoch_loss", "initial_weights", "hyperparameters",
                "final_loss"):
        assert resumed[key] == whole[key], key


def test_resume_keeps_the_sessions_epochs_without_epochs(capsys, tmp_path):
    path = str(tmp_path / "s.json")
    run_json(capsys, ["train", "--graph", "xor", "--epochs", "3", "--save-session", path,
                      "--json"])
    out = run_json(capsys, ["train", "--session", path, "--json"])
    assert out["epochs"] == 3 and out["steps"] == 12


def test_inspect_a_session_at_any_step(capsys, tmp_path):
    path = str(tmp_path / "s.json")
    trained = run_json(capsys, ["train", "--graph", "xor", "--optimizer", "adam", "--epochs",
                                "3", "--save-session", path, "--json"])
    at_end = run_json(capsys, ["inspect", "--session", path, "--json"])
    assert at_end["session"]["step"] == 12
    assert at_end["weights"] == trained["final_weights"]
    start = run_json(capsys, ["inspect", "--session", path, "--at-step", "0", "--json"])
    assert start["weights"] == trained["initial_weights"]
    assert start["session"]["optimizer_steps"] == 0
    five = run_json(capsys, ["inspect", "--session", path, "--at-step", "5", "--json"])
    assert five["session"]["epoch"] == 1 and five["sample"] == 1
    assert five["session"]["optimizer_state"]["m"]["w11"] != 0.0
    # The trace is that of sample 1 at the weights after 5 steps.
    again = run_json(capsys, ["inspect", "--graph", "xor", "--sample", "1", "--weights",
                              ",".join(repr(v) for v in five["weights"].values()), "--json"])
    assert again["loss"] == five["loss"] and again["gradients"] == five["gradients"]


@pytest.mark.parametrize(("extra", "words"), [
    (["--at-step", "13"], "--at-step 13 is outside the session's run: it has steps 0..12"),
    (["--at-step", "-1"], "outside the session's run"),
    (["--graph", "seed"], ""),
    (["--sample", "2"], "--sample cannot be changed"),
])
def test_bad_inspect_session_requests(capsys, tmp_path, extra, words):
    path = str(tmp_path / "s.json")
    run_json(capsys, ["train", "--graph", "xor", "--epochs", "3", "--save-session", path,
                      "--json"])
    if not words:  # the default graph is no change
        run_json(capsys, ["inspect", "--session", path, *extra, "--json"])
        return
    run_fails(capsys, ["inspect", "--session", path, *extra, "--json"], words)


def test_bad_session_files_exit_2_with_one_line(capsys, tmp_path):
    path = tmp_path / "s.json"
    run_fails(capsys, ["train", "--session", str(path)], "no such file")
    run_json(capsys, ["train", "--graph", "xor", "--epochs", "2", "--save-session",
                      str(path), "--json"])
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:-40], encoding="utf-8")
    run_fails(capsys, ["train", "--session", str(path)], "truncated")
    document = json.loads(text)
    document["version"] = 99
    path.write_text(json.dumps(document), encoding="utf-8")
    run_fails(capsys, ["inspect", "--session", str(path)], "session version 99")
    run_fails(capsys, ["inspect", "--at-step", "3"], "--at-step needs --session")


def test_changed_data_is_refused_on_the_command_line(capsys, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("a,y\n1,2\n2,4\n3,6\n", encoding="utf-8")
    path = str(tmp_path / "s.json")
    run_json(capsys, ["train", "--data", str(data), "--graph", "w*x1", "--epochs", "2",
                      "--save-session", path, "--json"])
    data.write_text("a,y\n1,2\n2,4\n3,7\n", encoding="utf-8")
    run_fails(capsys, ["train", "--session", path], "changed since the session was saved")


def test_export_a_session(capsys, tmp_path):
    path = str(tmp_path / "s.json")
    run_json(capsys, ["train", "--graph", "xor", "--epochs", "2", "--save-session", path,
                      "--json"])
    csv_path = tmp_path / "h.csv"
    out = run_json(capsys, ["export", str(csv_path), "--session", path, "--json"])
    assert out["rows"] == 8
    assert len(csv_path.read_text(encoding="utf-8").splitlines()) == 9


def test_train_with_a_session_refuses_model_options(capsys, tmp_path):
    path = str(tmp_path / "s.json")
    run_json(capsys, ["train", "--graph", "xor", "--epochs", "2", "--save-session", path,
                      "--json"])
    run_fails(capsys, ["train", "--session", path, "--lr", "0.5"], "--lr cannot be changed")
    run_fails(capsys, ["train", "--session", path, "--epochs", "1"], "beyond 1 epochs")
