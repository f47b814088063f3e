"""Every number option reads numbers as the window does: the minus sign − as well as -,
surrounding spaces; a refusal names the option."""

import pytest

from tests.cli.helpers import run_fails, run_json

MINUS = "\u2212"


def test_weights_take_the_minus_sign_the_app_writes(capsys):
    typed = f"{MINUS}0.5, 1,1,1,1,1,1,1, {MINUS}2"
    out = run_json(capsys, ["inspect", "--weights", typed, "--json"])
    assert list(out["weights"].values()) == [-0.5, 1, 1, 1, 1, 1, 1, 1, -2]


def test_a_hyperparameter_flag_takes_the_minus_sign_too(capsys):
    out = run_json(capsys, ["train", "--optimizer", "momentum", "--gamma", f"{MINUS}0",
                            "--lr", " 0.02 ", "--epochs", "1", "--json"])
    assert out["hyperparameters"] == {"lr": 0.02, "gamma": 0.0}


@pytest.mark.parametrize(("argv", "words"), [
    (["inspect", "--weights", "1,,2"], "--weights: no number given"),
    (["train", "--lr", "1_0"], "--lr: '1_0' is not a number"),
    (["train", "--loss", "huber", "--delta", f"{MINUS}1"], "is not a finite number > 0"),
    (["sweep", "--lr-min", "low"], "--lr-min: 'low' is not a number"),
    (["gradcheck", "--eps", "small"], "--eps: 'small' is not a number"),
    (["gradcheck", "--eps", f"{MINUS}1e-7"], "--eps -1e-07 is too small"),
    (["check-backward", "x.py", "--timeout", "soon"], "--timeout: 'soon' is not a number"),
])
def test_refusals_name_the_option(capsys, argv, words):
    run_fails(capsys, argv, words)
