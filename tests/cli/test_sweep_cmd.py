"""python main.py sweep: every run is train's run with that learning rate."""

from __future__ import annotations

import math

import pytest

from cli.app import run
from tests.cli.helpers import run_fails, run_json


def test_json_runs_match_train_with_their_learning_rate(capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    out = run_json(capsys, ["sweep", "--optimizers", "sgd,adam", "--lr-min", "0.001",
                            "--lr-max", "1000", "--runs", "3", "--epochs", "2", "--json"])
    runs = out["runs"]
    assert [(r["optimizer"], r["lr"]) for r in runs] == [
        ("sgd", 0.001), ("sgd", pytest.approx(1.0)), ("sgd", 1000.0),
        ("adam", 0.001), ("adam", pytest.approx(1.0)), ("adam", 1000.0)]
    assert out["seconds"] > 0 and out["run_steps"] > 0
    for sweep_run in runs:
        train = run_json(capsys, ["train", "--optimizer", sweep_run["optimizer"],
                                  "--lr", repr(sweep_run["lr"]), "--epochs", "2", "--json"])
        for field in ("final_loss", "last_epoch_loss"):
            if train[field] is None:
                assert sweep_run[field] is None
            else:
                assert math.isclose(sweep_run[field], train[field], rel_tol=1e-6), field
        assert sweep_run["epoch_loss"] == pytest.approx(train["epoch_loss"], rel=1e-6)
        if train["diverged"] is None:
            assert sweep_run["diverged"] is None
        else:
            assert sweep_run["diverged"] == {key: train["diverged"][key] for key in
                                             sweep_run["diverged"]}
    assert runs[2]["diverged"]["node"] and runs[2]["epoch_loss"] == []
    assert out["best"]["sgd"]["lr"] in (0.001, pytest.approx(1.0))


def test_the_table_names_each_optimizer_and_the_diverged_runs(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["sweep", "--optimizers", "sgd", "--lr-max", "1000", "--runs", "4",
                "--epochs", "1"]) == 0
    text = capsys.readouterr().out
    assert "4 learning rates x 1 optimizer = 4 runs" in text
    assert "best" in text
    assert "diverged at step 1 (epoch 1): the value of part_1 became inf" in text


def test_long_sweeps_show_a_short_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["sweep", "--optimizers", "adam", "--runs", "40", "--epochs", "1"]) == 0
    text = capsys.readouterr().out
    assert "runs shown; --json lists every run" in text
    assert len(text.splitlines()) < 25


@pytest.mark.parametrize(("argv", "words"), [
    (["--lr-min", "1", "--lr-max", "0.1"], "--lr-min must be below --lr-max"),
    (["--lr-min", "0.1", "--lr-max", "0.1"], "--lr-min must be below --lr-max"),
    (["--lr-min", "nan"], "--lr-min must be a finite learning rate > 0"),
    (["--lr-max", "inf"], "--lr-max must be a finite learning rate > 0"),
    (["--lr-min", "-1"], "--lr-min must be a finite learning rate > 0"),
    (["--lr-min", "0"], "--lr-min must be a finite learning rate > 0"),
    (["--runs", "0"], "--runs must be a whole number >= 1"),
    (["--runs", "1001"], "at most 1000 learning rates per optimizer"),
    (["--runs", "many"], "'many' is not a whole number"),
    (["--optimizers", "sgd,adma"], "did you mean adam?"),
    (["--optimizers", "sgd,sgd"], "listed twice"),
    (["--lr", "0.1"], "--lr does not apply to sweep"),
    (["--gamma", "0.5"], "--gamma does not apply to sgd, adam"),
    (["--holdout", "0.2", "--early-stop", "2"], "--early-stop does not apply to sweep"),
])
def test_bad_input_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str],
                                          argv: list[str], words: str) -> None:
    run_fails(capsys, ["sweep", *argv, "--epochs", "1", "--json"], words)


def test_listed_among_the_commands() -> None:
    from cli.commands import COMMANDS, command_list

    assert COMMANDS["sweep"] == "cli.sweep_cmd"
    assert "sweep" in command_list()


def test_cross_entropy_runs_have_trains_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_json(capsys, ["sweep", "--graph", "xor-bce", "--optimizers", "adam",
                            "--runs", "2", "--epochs", "2", "--json"])
    assert out["loss_function"] == "bce"
    for sweep_run in out["runs"]:
        train = run_json(capsys, ["train", "--graph", "xor-bce", "--optimizer", "adam",
                                  "--lr", repr(sweep_run["lr"]), "--epochs", "2", "--json"])
        assert sweep_run["accuracy"] == train["accuracy"]
    plain = run_json(capsys, ["sweep", "--runs", "1", "--epochs", "1", "--json"])
    assert "accuracy" not in plain["runs"][0]
