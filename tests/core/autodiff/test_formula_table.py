"""A formula's operators and functions are the op table's rows: the parser finds the row
whose forward formula an operator computes and names no op of its own."""

import ast
from pathlib import Path

import pytest

from core.autodiff import formula
from core.autodiff.formula import FormulaError, parse_formula
from core.autodiff.ops import OPS


def test_the_formula_module_names_no_op():
    source = Path(formula.__file__).read_text(encoding="utf-8")
    literals = {node.value for node in ast.walk(ast.parse(source))
                if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    # "pow" is the name of the function x**p calls, as the table's forward writes it.
    assert literals & set(OPS) <= {"pow"}


@pytest.mark.parametrize(("text", "ops"), [
    ("a*x1 + b", ["mul", "add"]),
    ("a/x1 - b", ["div", "sub"]),
    ("-(a*x1)", ["mul", "neg"]),
    ("(a*x1)**2", ["mul", "square"]),
    ("(a*x1)**3", ["mul", "pow"]),
])
def test_each_operator_is_the_row_whose_forward_formula_it_is(text, ops):
    graph = parse_formula(text)
    found = [node.op for node in graph if node.op is not None]
    assert found[:len(ops)] == ops
    for node in graph:
        if node.kind == "op" and node.id != "residual":
            assert node.label == OPS[node.op].symbol
    # The loss on top: (y − y')² as the rows of a − b and a·a.
    assert (graph["residual"].op, graph["loss"].op) == ("sub", "square")


@pytest.mark.parametrize("name", ["max", "min", "step", "sign"])
def test_a_function_without_a_derivative_rule_is_refused_saying_why(name):
    call = f"{name}(a*x1, b)" if name in ("max", "min") else f"{name}(a*x1)"
    with pytest.raises(FormulaError, match=f"'{name}' has no derivative rule in the op "
                                           r"table.*--ops") as error:
        parse_formula(call)
    assert error.value.column == 1


def test_texts_keep_only_the_parentheses_precedence_needs():
    graph = parse_formula("-(a - b*x1)**2 + (c/x2)**3 - -d")
    texts = {node.expr for node in graph}
    assert "(a - b * x1)**2" in texts
    assert "-(a - b * x1)**2" in texts
    assert "(c / x2)**3" in texts
