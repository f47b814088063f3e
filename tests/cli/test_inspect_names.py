"""inspect --json names every node: a unique, readable `name` beside the unchanged id."""

from core.presets import PRESETS
from tests.cli.helpers import run_json


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
