"""read_formula: a prediction formula's statements read into trees by the same parser as
the op table's and the optimizers' formulas, without recursion and up to the graph's limit."""

from __future__ import annotations

import pytest

from core.autodiff.formula import MAX_FORMULA_LENGTH, parse_formula
from core.expr.parse import (
    MAX_LENGTH,
    ExpressionError,
    FormulaSyntaxError,
    parse_expression,
    read_formula,
)
from core.expr.tree import Binary, Call, Num, Unary, Var
from core.presets import dense_network_formula

_CALLS = {"tanh": 1, "exp": 1}


def test_statements_come_back_with_their_kinds_targets_and_places() -> None:
    text = read_formula("h = tanh(a*x1 + b)\n  \nw*h + c")
    first, last = text.statements
    assert (first.kind, first.targets, first.line, first.column) == ("assignment", ("h",), 1, 1)
    assert (first.value_line, first.value_column) == (1, 5)
    assert (last.kind, last.targets, last.line, last.column) == ("expression", (), 3, 1)
    assert text.names == {"h", "tanh", "a", "x1", "b", "w", "c"}
    assert first.read(_CALLS) == Call("tanh", (Binary("+", Binary("*", Var("a"), Var("x1")),
                                                      Var("b")),))
    assert first.typed() == "tanh(a*x1 + b)"
    assert first.written() == "tanh(a * x1 + b)"


def test_the_tree_keeps_the_written_order_and_folds_signed_numbers() -> None:
    (statement,) = read_formula("-(-2) * +w ** 2 - -x").statements
    assert statement.read(_CALLS) == Binary(
        "-", Binary("*", Num(2.0), Binary("**", Var("w"), Num(2.0))), Unary("-", Var("x")))


def test_names_are_reported_parents_first_left_to_right_and_may_refuse() -> None:
    (statement,) = read_formula("a*tanh(b) + c").statements
    seen: list[tuple[str, int, int]] = []
    statement.read(_CALLS, lambda name, line, column: seen.append((name, line, column)))
    assert seen == [("a", 1, 1), ("b", 1, 8), ("c", 1, 13)]

    def refuse(name: str, line: int, column: int) -> None:
        if name == "b":
            raise ValueError(f"{name} at {line}:{column}")

    with pytest.raises(ValueError, match="b at 1:8"):
        statement.read(_CALLS, refuse)


@pytest.mark.parametrize(("text", "reason", "column"), [
    ("w % 2", "operator '%' is not supported; use + - * / **", 1),
    ("w & 2", "operator BitAnd is not supported; use + - * / **", 1),
    ("w ^ x", "the exponent after ** must be a number (for a variable exponent write "
              "exp(b*log(a)))", 5),
    ("w ** x", "the exponent after ** must be a number (for a variable exponent write "
               "exp(b*log(a)))", 6),
    ("~w", "only unary minus and plus are supported", 1),
    ("w.a", "attribute access not allowed in a formula", 1),
    ("tanh(x=w)", "tanh() takes no keyword arguments", 1),
    ("tanh(w, w)", "tanh() takes 1 argument, got 2", 1),
    ("max(w, 1)", "'max' has no derivative rule in the op table, so a prediction cannot call "
                  "it (an op defined with --ops may); known: exp, tanh", 1),
    ("foo(w)", "unknown function 'foo' (known: exp, tanh)", 1),
    ("w * 'a'", "the value 'a' not allowed in a formula", 5),
    ("w * 1e400", "the number is too large for a float (numbers must be finite; the largest "
                  "is about 1.8e308)", 5),
])
def test_a_refused_value_says_why_with_pythons_line_and_column(
        text: str, reason: str, column: int) -> None:
    (statement,) = read_formula(text).statements
    with pytest.raises(ExpressionError) as caught:
        statement.read(_CALLS)
    assert (caught.value.reason, caught.value.line, caught.value.column) == (reason, 1, column)


def test_a_caret_is_a_power_and_a_minus_sign_a_minus_as_in_ops_files() -> None:
    (caret,) = read_formula("w1*x1^2 − b").statements
    (python,) = read_formula("w1*x1**2 - b").statements
    assert caret.read(_CALLS) == python.read(_CALLS)
    assert caret.typed() == "w1*x1^2 − b"  # shown as written
    graph = parse_formula("h = tanh(w1*x1)^2\nw2*h − b")
    same = parse_formula("h = tanh(w1*x1)**2\nw2*h - b")
    assert [(n.id, n.op, n.inputs) for n in graph] == [(n.id, n.op, n.inputs) for n in same]


@pytest.mark.parametrize(("text", "column"), [
    # After two carets and a minus sign: the written column, in UTF-8 bytes as Python
    # counts a node's (− is three bytes; the graph's message counts characters: 15).
    ("x1^2 − x2^2 + foo(w)", 17),
    ("x1^2 + w*x2\nw^2 * bar(w)", 7),
])
def test_places_after_a_caret_or_a_minus_sign_are_the_written_ones(text, column) -> None:
    statement = read_formula(text).statements[-1]
    with pytest.raises(ExpressionError) as caught:
        statement.read(_CALLS)
    assert caught.value.column == column
    with pytest.raises(FormulaSyntaxError) as syntax:
        read_formula("x1^2 − ^ 3")
    assert syntax.value.offset == 8  # the second caret, as written


def test_the_graphs_message_places_it_in_written_characters() -> None:
    from core.autodiff.formula import FormulaError

    with pytest.raises(FormulaError) as caught:
        parse_formula("x1^2 − x2^2 + foo(w1)")
    assert caught.value.column == 15
    with pytest.raises(FormulaError) as caught:
        parse_formula("w1*x1^^2")
    assert caught.value.column == 7


def test_syntax_errors_keep_pythons_account() -> None:
    with pytest.raises(FormulaSyntaxError) as caught:
        read_formula("w *\nx")
    assert (caught.value.msg, caught.value.lineno) == ("invalid syntax", 1)


def test_a_sum_of_thousands_of_terms_is_read_without_recursion() -> None:
    terms = 2_400  # Python's own ast.parse refuses a chain of about 3,000 (its C recursion)
    text = " + ".join(f"w{i}*x1" for i in range(terms))
    assert len(text) > MAX_LENGTH
    with pytest.raises(ExpressionError, match="longer than 20,000 characters"):
        read_formula(text)
    (statement,) = read_formula(text, max_length=MAX_FORMULA_LENGTH).statements
    tree = statement.read({})
    depth = 0
    while isinstance(tree, Binary) and tree.op == "+":
        tree, depth = tree.left, depth + 1
    assert depth == terms - 1
    # The op table's and optimizers' formulas keep their limits.
    with pytest.raises(ExpressionError, match="longer than 20,000 characters"):
        parse_expression(text)
    with pytest.raises(ExpressionError, match="nests more than 200 levels deep"):
        parse_expression(" + ".join(["a"] * 300))


def test_the_big_dense_network_becomes_its_graph() -> None:
    text = dense_network_formula(5, 1429)
    assert len(text) > 100_000
    graph = parse_formula(text)
    weights = [node for node in graph.nodes.values() if node.kind == "weight"]
    assert len(weights) == 1429 * 5 + 1429 + 1429 + 1
    assert graph.nodes["y_pred"].op is not None
