"""inspect --json names every node: a unique, readable `name` beside the unchanged id."""

import json

from cli.app import run
from core.presets import FORMER_FORMULAS, PRESETS
from tests.cli.helpers import run_fails, run_json


def test_every_node_has_its_graph_name_and_the_ids_stay(capsys):
    out = run_json(capsys, ["inspect", "--json"])
    graph = PRESETS["seed"].build()
    assert [(n["id"], n["name"]) for n in out["nodes"]] == list(graph.names().items())
    names = [n["name"] for n in out["nodes"]]
    assert len(set(names)) == len(names)
    by_id = {n["id"]: n["name"] for n in out["nodes"]}
    assert by_id["mul1"] == "w1·x1"
    assert by_id["y_pred"] == "y'"
    assert by_id["loss"] == "L"
    assert out["forward_order"] == list(graph.order)
    assert set(out["intermediates"]) == {"exp", "tanh", "sigmoid", "v1", "v2", "loss", "y_pred"}


def test_a_formula_gets_automatic_names(capsys):
    out = run_json(capsys, ["inspect", "--graph", "sigmoid(a*x1 + b)", "--json"])
    assert {n["id"]: n["name"] for n in out["nodes"]} == {
        "a": "a", "x1": "x1", "mul1": "a·x1", "b": "b", "add1": "a·x1+b", "y_pred": "y'", "y": "y",
        "residual": "y−y'", "loss": "L"}


def test_the_seed_nodes_carry_the_notebooks_names(capsys):
    out = run_json(capsys, ["inspect", "--json"])
    by_id = {n["id"]: n["name"] for n in out["nodes"]}
    assert {by_id[i] for i in ("add2", "exp1", "tanh1", "sin1", "add4", "sigmoid1")} == {
        "val", "part_1", "part_2", "v1", "v2", "part_3"}
    assert by_id["mul7"] == "v1·v2"
    assert out["graph"] == "seed"
    # The notebook's forward_dict keys still name the same nodes' values.
    value = {n["name"]: n["value"] for n in out["nodes"]}
    assert out["intermediates"]["exp"] == value["part_1"]
    assert out["intermediates"]["v2"] == value["v2"]


def test_a_formula_with_named_steps_on_the_command_line(capsys):
    out = run_json(capsys, ["inspect", "--graph", "h = tanh(a*x1 + b)\nw*h + c",
                            "--weights", "0.5", "--json"])
    names = {n["id"]: n["name"] for n in out["nodes"]}
    assert names["tanh1"] == "h"
    assert names["mul2"] == "w·h"
    assert out["weights"] == {"a": 0.5, "b": 0.5, "c": 0.5, "w": 0.5}


def test_a_bad_step_is_one_line_with_its_line_and_column(capsys):
    run_fails(capsys, ["inspect", "--graph", "h = tanh(a*x1)\nk = h\nw*k", "--json"],
              "formula error at line 2, column 1: 'k = h' names nothing new")


def test_the_seeds_former_text_is_the_seed(capsys):
    out = run_json(capsys, ["inspect", "--graph", FORMER_FORMULAS["seed"][0], "--json"])
    assert out["graph"] == "seed"
    assert "intermediates" in out


def test_an_unused_step_is_a_warning_on_stderr(capsys):
    assert run(["inspect", "--graph", "h = tanh(a*x1)\nk = b*x2\nw*h", "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err.strip() == ("warning: --graph: line 2, column 1: the step k is never "
                                    "used")
    assert json.loads(captured.out)["nodes"]

