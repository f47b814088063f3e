"""Formulas that divide by zero, take log(0) or overflow: training stops with the
`diverged` report and exit 0, in train and compare, never a traceback."""

from __future__ import annotations

import pytest

from tests.cli.helpers import run_json

#: (formula, --weights, the node whose value first becomes non-finite).
UNDEFINED_AT_START = [
    ("w*x1/0", "0", "y_pred"),
    ("w*x1 + 1/0", "0", "div1"),
    ("v*x1 + 1/w", "0", "div1"),
    ("log(w) + v*x1", "0", "log1"),
]


@pytest.mark.parametrize(("formula", "weights", "node"), UNDEFINED_AT_START)
def test_train_reports_divergence_instead_of_raising(capsys, formula, weights, node):
    out = run_json(capsys, ["train", "--graph", formula, "--weights", weights,
                            "--epochs", "2", "--json"])
    assert out["diverged"] is not None
    assert out["diverged"]["node"] == node
    assert out["diverged"]["step"] == 0
    assert out["steps"] == 0
    assert out["final_loss"] is None  # inf or nan, written as null in strict JSON


@pytest.mark.parametrize(("formula", "weights", "node"), UNDEFINED_AT_START)
def test_compare_reports_divergence_for_every_optimizer(capsys, formula, weights, node):
    out = run_json(capsys, ["compare", "--graph", formula, "--weights", weights,
                            "--epochs", "2", "--json"])
    assert set(out["runs"]) == {"sgd", "momentum", "adam"}
    for run in out["runs"].values():
        assert run["diverged"]["node"] == node
        assert run["diverged"]["step"] == 0


def test_overflow_later_in_training_is_reported_where_it_happens(capsys):
    # exp(w*x1) with a large learning rate: finite at first, then the weights blow up.
    out = run_json(capsys, ["train", "--graph", "exp(w*x1)", "--lr", "10", "--epochs", "5",
                            "--json"])
    assert out["diverged"] is not None
    assert out["steps"] == out["diverged"]["step"] > 0
