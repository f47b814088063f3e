"""--graph NAME: a preset with its own data and initial weights, unless told otherwise."""

from __future__ import annotations

import math

import pytest

from tests.cli.helpers import run_json


def test_a_preset_trains_on_its_own_data(capsys):
    out = run_json(capsys, ["train", "--graph", "xor", "--optimizer", "adam", "--lr", "0.05",
                            "--epochs", "300", "--json"])
    assert out["data"] == "built-in:xor" and out["n_samples"] == 4
    assert out["steps"] == 1200
    assert out["epoch_loss"][-1] < 0.01 < out["epoch_loss"][0]
    assert out["initial_weights"]["w11"] == 0.6


def test_given_data_and_weights_win_over_the_presets(capsys, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,y\n1,2,3\n4,5,6\n", encoding="utf-8")
    out = run_json(capsys, ["inspect", "--graph", "micrograd", "--data", str(path),
                            "--weights", "0.5", "--json"])
    assert out["data"] == str(path)
    assert set(out["weights"].values()) == {0.5}


def test_micrograds_neuron_from_the_command_line(capsys):
    out = run_json(capsys, ["inspect", "--graph", "micrograd", "--json"])
    assert out["weights"] == {"b": 6.8813735870195432, "w1": -3.0, "w2": 1.0}
    assert out["y_pred"] == pytest.approx(math.tanh(-3.0 * 2.0 + 6.8813735870195432), rel=1e-15)


def test_a_formula_may_use_the_datas_column_names(capsys, tmp_path):
    path = tmp_path / "houses.csv"
    path.write_text("rooms,age,price\n3,10,200\n4,2,320\n", encoding="utf-8")
    out = run_json(capsys, ["inspect", "--data", str(path), "--graph", "w*rooms + v*age",
                            "--weights", "1,2", "--json"])
    assert out["y_pred"] == 2 * 3 + 1 * 10  # v = 1, w = 2
    assert {"rooms", "age"} <= {node["id"] for node in out["nodes"]}


def test_the_target_column_cannot_be_used(capsys, tmp_path):
    from tests.cli.helpers import run_fails

    path = tmp_path / "houses.csv"
    path.write_text("rooms,age,price\n3,10,200\n4,2,320\n", encoding="utf-8")
    run_fails(capsys, ["train", "--data", str(path), "--graph", "w*rooms + price"],
              "'price' is the target column")
