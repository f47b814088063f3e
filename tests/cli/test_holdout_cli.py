"""--holdout and --early-stop on train and compare: the JSON fields, refusals, sessions."""

import json

import numpy as np
import pytest

from core.training.config import TrainingConfig
from core.training.holdout import split_rows
from core.training.trainer import Trainer
from tests.cli.helpers import run_fails, run_json


def test_train_reports_the_held_out_loss_per_epoch(capsys):
    out = run_json(capsys, ["train", "--holdout", "0.2", "--epochs", "3", "--seed", "4",
                            "--json"])
    assert out["holdout"] == 0.2
    assert out["early_stop"] is None
    assert out["holdout_rows"] == 101
    assert out["steps"] == 3 * 405
    assert len(out["holdout_loss"]) == 3
    assert out["stopped_early"] is None
    # The same numbers as the trainer's own run of that config.
    trainer = Trainer.from_config(TrainingConfig(holdout=0.2, epochs=3, seed=4))
    trainer.run_to_end()
    assert out["holdout_loss"] == trainer.history.holdout_loss().tolist()
    assert out["epoch_loss"] == trainer.history.epoch_loss().tolist()
    assert out["config"]["holdout"] == 0.2


def test_train_without_holdout_has_no_held_out_losses(capsys):
    out = run_json(capsys, ["train", "--epochs", "1", "--json"])
    assert out["holdout"] is None
    assert out["holdout_loss"] is None
    assert out["holdout_rows"] == 0
    assert out["stopped_early"] is None


def test_early_stop_says_where_and_why(capsys, tmp_path):
    # y = x1 on the training rows and -x1 on the held-out ones: the held-out loss of
    # w1*x1 grows from the first epoch on, so patience 2 stops after epoch 3.
    x = np.linspace(0.5, 1.5, 20)
    y = x.copy()
    _, out_rows = split_rows(20, 0.25, 0)
    y[out_rows] = -x[out_rows]
    path = tmp_path / "contra.csv"
    lines = (f"{a!r},{b!r}\n" for a, b in zip(x.tolist(), y.tolist(), strict=True))
    path.write_text("x1,y\n" + "".join(lines))
    out = run_json(capsys, ["train", "--data", str(path), "--graph", "w1*x1",
                            "--weights", "0", "--lr", "0.02", "--holdout", "0.25",
                            "--early-stop", "2", "--epochs", "40", "--json"])
    stop = out["stopped_early"]
    assert (stop["epoch"], stop["best_epoch"], stop["patience"]) == (3, 1, 2)
    assert stop["best_holdout_loss"] == out["holdout_loss"][0]
    assert "has not improved for 2 epochs" in stop["detail"]
    assert len(out["epoch_loss"]) == len(out["holdout_loss"]) == 3
    assert out["steps"] == 3 * 15


def test_compare_reports_the_held_out_loss_of_every_run(capsys):
    out = run_json(capsys, ["compare", "--optimizers", "sgd,adam", "--holdout", "0.1",
                            "--epochs", "2", "--json"])
    assert out["holdout"] == 0.1
    for name in ("sgd", "adam"):
        assert len(out["runs"][name]["holdout_loss"]) == 2
        assert out["runs"][name]["holdout_rows"] == 51


@pytest.mark.parametrize("value", ["0", "1", "1.5", "nan", "-0.2", "inf", "x"])
@pytest.mark.parametrize("command", ["train", "compare"])
def test_fractions_outside_zero_to_one_exit_2(capsys, command, value):
    run_fails(capsys, [command, "--holdout", value, "--json"], "--holdout")


def test_a_holdout_leaving_no_training_row_exits_2(capsys, tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("x1,y\n1.0,2.0\n3.0,4.0\n")
    run_fails(capsys, ["train", "--data", str(path), "--graph", "w1*x1", "--holdout", "0.9",
                       "--json"], "at least one must remain")


@pytest.mark.parametrize("command", ["train", "compare"])
def test_early_stop_without_holdout_exits_2(capsys, command):
    run_fails(capsys, [command, "--early-stop", "3", "--json"], "--early-stop needs --holdout")


@pytest.mark.parametrize("value", ["0", "-1", "1.5", "x"])
def test_bad_early_stop_exits_2(capsys, value):
    run_fails(capsys, ["train", "--holdout", "0.2", "--early-stop", value, "--json"],
              "--early-stop")


def test_a_session_keeps_the_split_and_resumes_exactly(capsys, tmp_path):
    session = tmp_path / "run.json"
    args = ["--holdout", "0.3", "--early-stop", "50", "--seed", "6", "--shuffle", "--json"]
    first = run_json(capsys, ["train", "--epochs", "2", *args, "--save-session",
                              str(session)])
    saved = json.loads(session.read_text())
    assert saved["config"]["holdout"] == 0.3
    assert saved["config"]["early_stop"] == 50
    assert saved["history"]["holdout_loss"] == first["holdout_loss"]
    assert saved["checkpoint"]["holdout_loss"] == first["holdout_loss"]
    resumed = run_json(capsys, ["train", "--session", str(session), "--epochs", "4",
                                "--json"])
    straight = run_json(capsys, ["train", "--epochs", "4", *args])
    assert resumed["holdout_loss"] == straight["holdout_loss"]
    assert resumed["final_weights"] == straight["final_weights"]
    assert resumed["holdout_loss"][:2] == first["holdout_loss"]


def test_a_session_refuses_a_new_holdout(capsys, tmp_path):
    session = tmp_path / "run.json"
    run_json(capsys, ["train", "--epochs", "1", "--json", "--save-session", str(session)])
    run_fails(capsys, ["train", "--session", str(session), "--holdout", "0.2", "--json"],
              "--holdout cannot be changed")


def test_bce_runs_report_the_held_out_accuracy(capsys):
    out = run_json(capsys, ["train", "--graph", "circles", "--holdout", "0.25", "--epochs",
                            "3", "--json"])
    assert len(out["holdout_accuracy"]) == 3
    assert all(0.0 <= value <= 1.0 for value in out["holdout_accuracy"])
    compared = run_json(capsys, ["compare", "--graph", "circles", "--optimizers", "sgd,adam",
                                 "--holdout", "0.25", "--epochs", "2", "--json"])
    assert len(compared["runs"]["adam"]["holdout_accuracy"]) == 2
    plain = run_json(capsys, ["train", "--holdout", "0.25", "--epochs", "1", "--json"])
    assert "holdout_accuracy" not in plain


def test_inspect_at_the_early_stop_says_finished(capsys, tmp_path):
    x = np.linspace(0.5, 1.5, 20)
    y = x.copy()
    _, out_rows = split_rows(20, 0.25, 0)
    y[out_rows] = -x[out_rows]
    data = tmp_path / "contra.csv"
    data.write_text("x1,y\n" + "".join(f"{a!r},{b!r}\n"
                                       for a, b in zip(x.tolist(), y.tolist(), strict=True)))
    session = tmp_path / "run.json"
    run_json(capsys, ["train", "--data", str(data), "--graph", "w1*x1", "--weights", "0",
                      "--lr", "0.02", "--holdout", "0.25", "--early-stop", "2", "--epochs",
                      "40", "--json", "--save-session", str(session)])
    end = run_json(capsys, ["inspect", "--session", str(session), "--json"])["session"]
    assert end["step"] == 45
    assert end["finished"] is True
    before = run_json(capsys, ["inspect", "--session", str(session), "--at-step", "44",
                               "--json"])["session"]
    assert before["finished"] is False
