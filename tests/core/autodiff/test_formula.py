"""Formula parsing: whitelist, shared subexpressions, error messages with columns."""

import numpy as np
import pytest

from core.autodiff.engine import evaluate
from core.autodiff.formula import FormulaError, parse_formula
from core.presets import PRESETS, SEED_DISPLAY_FORMULA, resolve_graph

SEED = SEED_DISPLAY_FORMULA


def test_seed_formula_builds_the_notebook_graph():
    graph = parse_formula(SEED)
    assert graph.weights == tuple(f"w{i}" for i in range(1, 10))
    assert graph.features == tuple(f"x{i}" for i in range(1, 6))
    assert graph.n_inputs == 5
    assert graph.output == "y_pred"
    assert graph.loss == "loss"
    ops = sorted(n.op for n in graph.op_nodes())
    assert ops.count("exp") == ops.count("tanh") == ops.count("sigmoid") == ops.count("sin") == 1
    assert graph["loss"].kind == "loss"
    assert graph["y_pred"].kind == "output"
    assert graph["y"].kind == "target"


def test_seed_preset_shares_the_squared_sum():
    """The square is a product of one sum with itself: one node, two parallel edges."""
    graph = PRESETS["seed"].build()
    squares = [n for n in graph.op_nodes() if n.op == "mul" and n.inputs[0] == n.inputs[1]]
    assert len(squares) == 1
    shared = squares[0].inputs[0]
    assert graph[shared].op == "add"
    assert graph.consumers(shared) == [(squares[0].id, 0), (squares[0].id, 1)]
    assert graph.nx.number_of_edges(shared, squares[0].id) == 2
    for alias, node_id in PRESETS["seed"].aliases.items():
        assert node_id in graph, alias


def test_identical_subexpressions_become_one_node():
    graph = parse_formula("tanh(w1*x1) + tanh(w1*x1)*w2")
    tanhs = [n for n in graph.op_nodes() if n.op == "tanh"]
    assert len(tanhs) == 1
    assert len(graph.consumers(tanhs[0].id)) == 2


def test_powers_and_constants():
    graph = parse_formula("w1*x1**2 + w2*x2**0.5 + 3 - x3**1 + -2*w3")
    ops = [n.op for n in graph.op_nodes()]
    assert "square" in ops
    assert any(n.op == "pow" and n.param == 0.5 for n in graph.op_nodes())
    constants = sorted(n.constant for n in graph.nodes.values() if n.kind == "constant")
    assert constants == [-2.0, 3.0]


def test_expression_text_parses_back_to_the_same_graph():
    graph = parse_formula("-(a + x1)**2 / (b * x2) - (c - x3) + a*(b*x1)")
    again = parse_formula(graph["y_pred"].expr)
    assert [(n.op, n.inputs) for n in graph] == [(n.op, n.inputs) for n in again]


def test_long_sums_do_not_hit_the_recursion_limit():
    formula = " + ".join(f"w{i}*x1" for i in range(1, 501))
    graph = parse_formula(formula)
    assert len(graph.weights) == 500


@pytest.mark.parametrize("terms", [5_000, 20_000])
def test_absurdly_deep_formulas_give_a_graph_or_a_message_never_a_crash(terms):
    # How deep a sum Python's own parser accepts depends on the interpreter (3.13 takes
    # 5,000 terms, 3.11 does not): the promise is a working graph or a clear message.
    try:
        graph, message = parse_formula(" + ".join(["w1*x1"] * terms)), ""
    except FormulaError as error:
        graph, message = None, str(error)
    if graph is None:
        assert "nested too deeply" in message
    else:
        value = evaluate(graph, np.array([2.0]), 0.0, np.array([0.5])).y_pred
        assert value == pytest.approx(terms * 0.5 * 2.0)


@pytest.mark.parametrize(
    ("formula", "words", "column"),
    [
        ("w1*x1 +", "invalid syntax", 8),
        ("foo(w1*x1)", "unknown function 'foo'", 1),
        ("w1*x1 + exp", "'exp' is a function", 9),
        ("w1*y", "'y' is the target", 4),
        ("w1 % x1", "operator '%'", 1),
        ("w1 ** x1", "exponent after ** must be a number", 7),
        ("np.exp(w1)", "attribute access", 1),
        ("exp(w1, x1)", "takes 1 argument, got 2", 1),
        ("w1 if x1 else w2", "if/else", 1),
        ("w1 < x1", "comparisons", 1),
        ("w1 * 'a'", "the value 'a'", 6),
        ("x0 * w1", "numbered from x1", 1),
        ("exp(x=w1)", "keyword", 1),
        ("__import__('os').system('ls')", "attribute access", 1),
        ("__import__('os')", "unknown function '__import__'", 1),
        ("w1 * loss", "'loss' is reserved", 6),
    ],
)
def test_bad_formulas_name_the_problem_and_column(formula, words, column):
    with pytest.raises(FormulaError) as caught:
        parse_formula(formula)
    assert words in str(caught.value)
    assert caught.value.column == column
    assert f"column {column}" in str(caught.value)


@pytest.mark.parametrize(
    ("formula", "words"),
    [("", "empty"), ("   ", "empty"), ("x1 + x2", "no weights"), ("w1", "at least one operation"),
     ("3.5", "at least one operation"), ("w1 * 1e999", "finite")],
)
def test_formulas_without_a_model_are_refused(formula, words):
    with pytest.raises(FormulaError, match=words):
        parse_formula(formula)


def test_resolve_graph_takes_presets_and_formulas():
    graph, preset = resolve_graph("seed")
    assert preset is PRESETS["seed"]
    assert len(graph.weights) == 9
    graph, preset = resolve_graph("sigmoid(a*x1 + b)")
    assert preset is None
    assert graph.weights == ("a", "b")


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_builds(name):
    graph = PRESETS[name].build()
    assert graph.name == name
    assert graph.weights


def test_a_feature_written_with_leading_zeros_is_the_same_node():
    graph = parse_formula("w1*x1 + x01")
    inputs = [node.id for node in graph if node.kind == "input"]
    assert inputs == ["x1"]
    assert graph.n_inputs == 1


def test_column_names_stand_for_their_columns():
    graph = parse_formula("w*rooms + v*age + b*x1", columns=("rooms", "age"), target="price")
    assert graph["rooms"].column == 0 and graph["age"].column == 1
    # x1 is column 0 too: one node, the header's name.
    assert list(graph.features) == ["rooms", "age"]
    assert graph.n_inputs == 2
    from core.autodiff.engine import evaluate

    trace = evaluate(graph, [3.0, 5.0], 1.0, [2.0, 10.0, 7.0])  # b, v, w
    assert trace.y_pred == 7.0 * 3.0 + 10.0 * 5.0 + 2.0 * 3.0


def test_column_names_that_name_something_else_are_not_columns():
    from core.autodiff.formula import column_names

    assert column_names(("exp", "y", "loss", "x2", "1st", "for", "ok", "ok"), "price") == {
        "ok": 6}
    with pytest.raises(FormulaError, match="'price' is the target column") as caught:
        parse_formula("w*rooms + price", columns=("rooms",), target="price")
    assert caught.value.column == 11
    # Without the header the name is just a weight.
    assert "rooms" in parse_formula("rooms*x1").weights
