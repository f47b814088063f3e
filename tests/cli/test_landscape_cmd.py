"""python main.py landscape: the grid as JSON, null for non-finite values, bad input exit 2,
the weights of a saved run."""

import json

import numpy as np
import pytest

from cli.app import run
from core.autodiff.compiled import CompiledGraph
from core.autodiff.engine import evaluate
from core.autodiff.formula import parse_formula
from core.data.datasets import builtin_dataset
from core.presets import PRESETS
from core.training.initial_weights import initial_weights
from tests.cli.helpers import run_fails, run_json

WEIGHTS = "0.3,-0.2,0.5,0.1,-0.4,0.2,-0.1,0.3,0.6"


def test_the_grid_and_its_fields(capsys):
    out = run_json(capsys, ["landscape", "--pair", "w1,w9", "--grid", "5", "--span", "0.5",
                            "--weights", WEIGHTS, "--sample", "7", "--json"])
    assert out["x_weight"] == "w1" and out["y_weight"] == "w9"
    assert len(out["xs"]) == len(out["ys"]) == 5
    assert out["xs"][0] == pytest.approx(0.3 - 0.5) and out["xs"][-1] == pytest.approx(0.8)
    assert out["xs"][2] == 0.3 and out["ys"][2] == 0.6
    assert np.shape(out["loss"]) == np.shape(out["sample_loss"]) == (5, 5)
    assert out["seconds"] >= 0 and out["grid"] == 5 and out["span"] == 0.5
    assert out["sample"] == 7 and out["rows"] == 506 and out["holdout_rows"] == 0
    graph = PRESETS["seed"].build()
    dataset = builtin_dataset()
    compiled = CompiledGraph(graph)
    base = np.array([float(v) for v in WEIGHTS.split(",")])
    for i, k in [(0, 0), (1, 3), (4, 2), (2, 2)]:
        w = base.copy()
        w[0], w[8] = out["xs"][k], out["ys"][i]
        # loss[i][k] is at x = xs[k], y = ys[i].
        assert out["loss"][i][k] == pytest.approx(compiled.mean_loss(dataset.X, dataset.y, w),
                                                  rel=1e-12)
        trace = evaluate(graph, dataset.X[7], dataset.y[7], w)
        assert out["sample_loss"][i][k] == pytest.approx(trace.loss, rel=1e-12)
    assert out["current_loss"] == pytest.approx(out["loss"][2][2], rel=1e-12)
    assert out["weights"]["w1"] == 0.3
    assert out["non_finite"] == 0
    assert out["minimum"]["loss"] == pytest.approx(np.min(out["loss"]))


def test_defaults_are_101_points_a_span_of_1_sample_0_and_the_seeds_weights(capsys):
    out = run_json(capsys, ["landscape", "--pair", "w2,w3", "--json"])
    assert len(out["xs"]) == 101 and out["grid"] == 101 and out["span"] == 1.0
    assert out["sample"] == 0
    w = initial_weights(9, 0)
    assert out["xs"][50] == w[1] and out["ys"][50] == w[2]
    assert out["xs"][0] == w[1] - 1.0 and out["xs"][100] == w[1] + 1.0


def test_non_finite_values_are_null(capsys):
    # exp(a*x1) overflows for large a; sqrt(b) is nan for b < 0.
    out = run_json(capsys, ["landscape", "--graph", "exp(a*x1) + sqrt(b)", "--pair", "a,b",
                            "--weights", "200,0.5", "--grid", "5", "--json"])
    assert out["loss"][0] == [None] * 5  # b = -0.5
    assert out["sample_loss"][0] == [None] * 5
    assert out["loss"][4] == [None] * 5  # inf
    assert out["non_finite"] == 25


def test_the_text_summary(capsys):
    assert run(["landscape", "--pair", "w1,w9", "--grid", "11"]) == 0
    text = capsys.readouterr().out
    assert "11 x 11 points" in text
    assert "w1 across" in text and "w9 up" in text
    assert "lowest     mean loss" in text
    assert "full-batch dL/dw1" in text


def test_a_formula_with_named_weights_by_name(capsys):
    out = run_json(capsys, ["landscape", "--graph", "slope*x1 + bias", "--pair",
                            "bias,slope", "--weights", "1,0", "--grid", "3", "--json"])
    assert (out["x_weight"], out["y_weight"]) == ("bias", "slope")
    graph = parse_formula("slope*x1 + bias")
    assert graph.weights  # the weights' order: the command fills them in that order
    assert out["weights"] == dict(zip([graph[i].name for i in graph.weights],
                                      [1.0, 0.0], strict=True))


@pytest.mark.parametrize(("extra", "words"), [
    (["--pair", "w1,w10"], "--pair: unknown weight 'w10'; the graph's weights: w1, w2"),
    (["--pair", "w1,w1"], "--pair: a landscape needs two different weights, got w1 twice"),
    (["--pair", "w1,x1"], "--pair: 'x1' is not a weight"),
    (["--pair", "w1"], "--pair: a landscape needs a pair of two weights"),
    (["--pair", "w1,w9", "--grid", "402"], "--grid: grid must be a whole number of points "
                                           "per side from 2 to 401, got 402"),
    (["--pair", "w1,w9", "--grid", "1"], "from 2 to 401, got 1"),
    (["--pair", "w1,w9", "--grid", "ten"], "--grid: invalid int value: 'ten'"),
    (["--pair", "w1,w9", "--span", "0"], "--span: span must be a finite number > 0"),
    (["--pair", "w1,w9", "--span", "-1"], "--span: span must be a finite number > 0"),
    (["--pair", "w1,w9", "--span", "nan"], "--span: 'nan' is not a finite number"),
    (["--pair", "w1,w9", "--span", "inf"], "'inf' is not a finite number"),
    (["--pair", "w1,w9", "--sample", "506"], "--sample 506 is out of range: the data has 506 "
                                             "samples (0..505)"),
    (["--pair", "w1,w9", "--sample", "-507"], "--sample -507 is out of range"),
    (["--pair", "w1,w9", "--weights", "1,2"], "--weights takes 1 or 9 numbers"),
    (["--pair", "w1,w9", "--at-step", "3"], "--at-step needs --session FILE"),
    (["--grid", "5"], "the following arguments are required: --pair"),
])
def test_bad_input_exits_2_with_one_line(capsys, extra, words):
    run_fails(capsys, ["landscape", *extra, "--json"], words)


def test_a_session_gives_the_runs_weights(capsys, tmp_path):
    path = str(tmp_path / "run.json")
    trained = run_json(capsys, ["train", "--graph", "xor", "--optimizer", "adam", "--epochs",
                                "3", "--save-session", path, "--json"])
    at_end = run_json(capsys, ["landscape", "--session", path, "--pair", "w11,v1", "--grid",
                               "3", "--span", "0.25", "--json"])
    final = trained["final_weights"]
    assert at_end["weights"] == final
    assert at_end["xs"][1] == final["w11"] and at_end["ys"][1] == final["v1"]
    assert at_end["session"]["step"] == trained["steps"]
    start = run_json(capsys, ["landscape", "--session", path, "--at-step", "0", "--pair",
                              "w11,v1", "--grid", "3", "--json"])
    assert start["weights"] == trained["initial_weights"]
    assert start["session"]["step"] == 0
    # The same numbers as the same weights given by hand.
    by_hand = run_json(capsys, ["landscape", "--graph", "xor", "--pair", "w11,v1", "--grid",
                                "3", "--weights", ",".join(repr(v) for v in final.values()),
                                "--span", "0.25", "--sample", "2", "--json"])
    again = run_json(capsys, ["landscape", "--session", path, "--pair", "w11,v1", "--grid",
                              "3", "--span", "0.25", "--sample", "2", "--json"])
    assert again["loss"] == by_hand["loss"] and again["sample_loss"] == by_hand["sample_loss"]


def test_a_session_refuses_model_options_and_steps_outside_the_run(capsys, tmp_path):
    path = str(tmp_path / "run.json")
    run_json(capsys, ["train", "--graph", "xor", "--epochs", "2", "--save-session", path,
                      "--json"])
    run_fails(capsys, ["landscape", "--session", path, "--pair", "w11,v1", "--weights", "1",
                       "--json"], "--weights cannot be changed (the session file says it)")
    run_fails(capsys, ["landscape", "--session", path, "--pair", "w11,v1", "--at-step", "9",
                       "--json"], "--at-step 9 is outside the session's run: it has steps 0..8")
    run_fails(capsys, ["landscape", "--session", path, "--pair", "w1,w9", "--json"],
              "--pair: unknown weight 'w1'")


def test_the_json_is_strict(capsys):
    assert run(["landscape", "--graph", "exp(a*x1) + sqrt(b)", "--pair", "b,a", "--weights",
                "200,0.5", "--grid", "3", "--json"]) == 0
    text = capsys.readouterr().out
    assert "NaN" not in text and "Infinity" not in text
    json.loads(text)


def test_held_out_rows_are_left_out(capsys):
    from core.training.holdout import split_rows

    out = run_json(capsys, ["landscape", "--pair", "w1,w9", "--grid", "3", "--weights",
                            WEIGHTS, "--holdout", "0.2", "--json"])
    train, held = split_rows(506, 0.2, 0)
    assert out["rows"] == len(train) == 405 and out["holdout_rows"] == len(held) == 101
    dataset = builtin_dataset()
    w = np.array([float(v) for v in WEIGHTS.split(",")])
    compiled = CompiledGraph(PRESETS["seed"].build())
    assert out["loss"][1][1] == pytest.approx(
        compiled.mean_loss(dataset.X[train], dataset.y[train], w), rel=1e-12)
    assert out["loss"][1][1] != pytest.approx(compiled.mean_loss(dataset.X, dataset.y, w),
                                              rel=1e-6)
    run_fails(capsys, ["landscape", "--pair", "w1,w9", "--holdout", "0.2", "--sample",
                       str(held[0]), "--json"],
              f"--sample {held[0]} is a held-out row; the landscape is over the 405 training "
              "rows")
    run_fails(capsys, ["landscape", "--pair", "w1,w9", "--early-stop", "3", "--json"],
              "--early-stop needs --holdout F")


def test_the_loss_option_puts_that_loss_on_top(capsys):
    from core.autodiff.losses import with_loss

    out = run_json(capsys, ["landscape", "--pair", "w2,w6", "--grid", "3", "--weights",
                            WEIGHTS, "--loss", "huber", "--delta", "0.5", "--json"])
    assert out["loss_function"] == "huber"
    dataset = builtin_dataset()
    graph = with_loss(PRESETS["seed"].build(), "huber", 0.5)
    w = np.array([float(v) for v in WEIGHTS.split(",")])
    w[1], w[5] = out["xs"][2], out["ys"][0]
    assert out["loss"][0][2] == pytest.approx(CompiledGraph(graph).mean_loss(
        dataset.X, dataset.y, w), rel=1e-12)


def test_a_session_with_held_out_rows_uses_its_training_rows(capsys, tmp_path):
    path = str(tmp_path / "run.json")
    run_json(capsys, ["train", "--graph", "xor", "--epochs", "2", "--holdout", "0.25",
                      "--save-session", path, "--json"])
    out = run_json(capsys, ["landscape", "--session", path, "--pair", "c,v2", "--grid", "3",
                            "--json"])
    assert out["rows"] == 3 and out["holdout_rows"] == 1
    run_fails(capsys, ["landscape", "--session", path, "--pair", "c,v2", "--holdout", "0.5",
                       "--json"], "--holdout cannot be changed (the session file says it)")
