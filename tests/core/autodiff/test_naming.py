"""Every node has one unique, readable name: leaves their own, y' and L, the formula's named
steps, else a short text built from the operands' names, else a number in forward order."""

import re

import pytest

from core.autodiff.formula import FormulaError, parse_formula
from core.autodiff.graph import Graph, Node
from core.autodiff.naming import MAX_AUTOMATIC_NAME, constant_name
from core.presets import PRESETS

#: Bare op symbols (and table names) that several nodes share: never a name on their own.
BARE_SYMBOLS = {"+", "−", "-", "×", "*", "·", "÷", "/", "x²", "xᵖ", "−x", "σ", "exp", "tanh",
                "sin", "cos", "log", "√", "relu", "|x|", "add", "sub", "mul", "div", "neg",
                "square", "pow", "sigmoid", "sqrt", "abs"}
NUMBERED = re.compile(r"#\d+")


def names(formula: str) -> dict[str, str]:
    return parse_formula(formula).names()


def assert_readable(graph: Graph) -> None:
    all_names = [node.name for node in graph]
    assert len(all_names) == len(set(all_names)), all_names
    for node in graph:
        assert node.name, node.id
        assert node.name not in BARE_SYMBOLS, (node.id, node.name)
        assert len(node.name) <= max(MAX_AUTOMATIC_NAME, len(node.id)) or node.name == node.id \
            or node.kind not in ("op",), (node.id, node.name)
        if node.is_leaf and node.kind != "constant":
            assert node.name == node.id
        assert graph.by_name(node.name) is node
    assert graph[graph.output].name == "y'"
    assert graph[graph.loss].name == "L"


@pytest.mark.parametrize("preset", list(PRESETS))
def test_every_preset_names_every_node_uniquely_and_readably(preset):
    assert_readable(PRESETS[preset].build())


def test_products_sums_and_functions_are_named_from_their_operands():
    got = names("tanh(w1*x1 + w2*x2) * w3")
    assert got["mul1"] == "w1·x1"
    assert got["mul2"] == "w2·x2"
    assert got["add1"] == "w1·x1+w2·x2"
    assert got["tanh1"] == "#4"  # tanh(w1·x1+w2·x2) is 17 characters
    assert got["y_pred"] == "y'"
    assert got["residual"] == "y−y'"
    assert got["loss"] == "L"


def test_parentheses_only_where_precedence_needs_them():
    got = names("(a + b)*c - d/(e - f) + (-g)**2 + exp(h)**3")
    assert got["add1"] == "a+b"
    assert got["mul1"] == "(a+b)·c"
    assert got["sub1"] == "e−f"
    assert got["div1"] == "d/(e−f)"
    assert got["neg1"] == "−g"
    assert got["square1"] == "(−g)²"
    assert got["exp1"] == "exp(h)"
    assert got["pow1"] == "exp(h)³"


def test_negatives_are_parenthesized_as_operands():
    got = names("a + -b + c*-2 + -(d*e) + -(-f)")
    assert got["neg1"] == "−b"
    assert got["add1"] == "a+(−b)"
    assert got["mul1"] == "c·(-2)"
    assert got["neg2"] == "−(d·e)"
    assert got["neg4"] == "−(−f)"


def test_right_operands_of_equal_precedence_keep_their_parentheses():
    got = names("a - (b - c) + a*(b*c)")
    assert got["sub1"] == "b−c"
    assert got["sub2"] == "a−(b−c)"
    assert got["mul2"] == "a·(b·c)"


def test_functions_use_their_usual_writing_and_constants_their_number():
    got = names("sigmoid(w*x1) + 0.5*sqrt(b) + 2**0.5*c")
    assert got["sigmoid1"] == "σ(w·x1)"
    assert got["c1"] == "0.5"
    assert got["sqrt1"] == "sqrt(b)"
    assert got["mul2"] == "0.5·sqrt(b)"
    assert got["pow1"] == "2^0.5"
    assert got["mul3"] == "2^0.5·c"


def test_long_names_are_numbered_in_forward_order():
    graph = parse_formula("tanh(alpha*x1 + beta*x2 + gamma)*w")
    ops = [node for node in graph if not node.is_leaf]
    for position, node in enumerate(ops, start=1):
        if NUMBERED.fullmatch(node.name):
            assert node.name == f"#{position}"
    assert graph["mul1"].name == "alpha·x1"
    assert graph["add1"].name == "#3"  # alpha·x1+beta·x2 is 17 characters
    assert graph["add2"].name == "#3+gamma"
    assert graph["tanh1"].name == "#5"  # tanh(#3+gamma) is 14 characters


def test_a_numbered_name_cannot_be_typed_as_a_weight():
    with pytest.raises(FormulaError, match="'#3' is the number the graph gives") as caught:
        parse_formula("w*#3 + b")
    assert caught.value.column == 3
    with pytest.raises(FormulaError, match="'#12' is the number") as caught:
        parse_formula("h = a*x1\n#12*h")
    assert (caught.value.line, caught.value.column) == (2, 1)
    # A comment is still a comment.
    assert parse_formula("h = a*x1  # the first layer #1\nw*h").by_name("h").op == "mul"


def test_the_shared_square_is_one_node_with_one_name():
    graph = parse_formula("(w1*x1 + w2*x2)*(w1*x1 + w2*x2) + b")
    assert graph["mul3"].inputs == ("add1", "add1")
    assert graph["add1"].name == "w1·x1+w2·x2"
    assert graph["mul3"].name == "#4"


def test_names_of_hand_built_graphs_settle_clashes_with_numbers():
    nodes = [Node(id="L", label="L", kind="weight"), Node(id="x1", label="x1", kind="input",
                                                        column=0),
             Node(id="y_pred", label="y'", kind="output", op="mul", inputs=("L", "x1")),
             Node(id="y", label="y", kind="target"),
             Node(id="residual", label="y − y'", kind="op", op="sub", inputs=("y", "y_pred")),
             Node(id="loss", label="L", kind="loss", op="square", inputs=("residual",))]
    graph = Graph(nodes, output="y_pred", loss="loss", formula="L*x1")
    assert graph["L"].name == "L"
    assert graph["loss"].name == "#3"
    assert len(set(graph.names().values())) == len(graph)


def test_find_takes_a_name_an_id_or_a_label_only_one_node_has():
    graph = PRESETS["seed"].build()
    assert graph.find("y'").id == "y_pred"
    assert graph.find("mul8").id == "mul8"
    assert graph.find("w1·x1").id == "mul1"
    assert graph.find("σ").id == "sigmoid1"
    assert graph.find("×") is None  # eight products
    assert graph.find("nothing") is None


@pytest.mark.parametrize(("value", "text"), [(2.0, "2"), (0.5, "0.5"), (-3.0, "-3"),
                                             (1e-7, "1e-07"), (0.1234567, "0.1234567")])
def test_constant_names_are_exact(value, text):
    assert constant_name(value) == text
    assert float(constant_name(value)) == value
