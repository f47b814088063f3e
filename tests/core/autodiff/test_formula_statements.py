"""Named steps in formulas: `name = expr` statements (new lines or `;`), then y'."""

import numpy as np
import pytest

from core.autodiff.engine import evaluate
from core.autodiff.formula import FormulaError, parse_formula


def test_a_named_step_names_its_node_and_is_no_weight():
    graph = parse_formula("h = tanh(a*x1 + b); w*h + c")
    assert graph.weights == ("a", "b", "c", "w")
    assert graph["tanh1"].name == "h"
    assert graph.by_name("h").op == "tanh"
    assert graph["mul2"].name == "w·h"
    assert graph.warnings == ()
    assert graph.formula == "h = tanh(a*x1 + b); w*h + c"


def test_new_lines_and_semicolons_separate_steps_alike():
    one = parse_formula("h = tanh(a*x1 + b); k = h*h; w*k + c")
    lines = parse_formula("\nh = tanh(a*x1 + b)\nk = h*h\n\nw*k + c\n")
    assert one.names() == lines.names()
    assert lines.formula == "h = tanh(a*x1 + b)\nk = h*h\n\nw*k + c"


def test_steps_compute_what_the_inline_formula_computes():
    named = parse_formula("h = tanh(a*x1 + b)\nw*h + c")
    inline = parse_formula("w*tanh(a*x1 + b) + c")
    assert set(named.order) == set(inline.order)  # the same ids
    x, weights = np.array([0.3]), np.array([0.7, -0.2, 0.1, 1.5])
    a, b = evaluate(named, x, 0.4, weights), evaluate(inline, x, 0.4, weights)
    assert dict(a.values) == dict(b.values)
    assert dict(a.grads) == dict(b.grads)


def test_a_step_may_continue_over_lines_inside_parentheses():
    graph = parse_formula("h = tanh(a*x1\n         + b)\nw*h")
    assert graph.by_name("h").op == "tanh"


@pytest.mark.parametrize(
    ("formula", "words", "line", "column"),
    [
        ("w*h + c\nh = tanh(a*x1)", "only the last line is the expression", 1, 1),
        ("h = w*h2\nh2 = tanh(a*x1)\nh", "'h2' is used before its step (line 2)", 1, 7),
        ("h = h*a\nh", "'h' is used before its step (line 1)", 1, 5),
        ("h = a*x1\nh = b*x1\nh", "'h' is already defined at line 1", 2, 1),
        ("exp = a*x1\nexp", "'exp' is a function", 1, 1),
        ("y = a*x1\ny", "reserved for the target", 1, 1),
        ("loss = a*x1\nb*loss", "reserved for the loss", 1, 1),
        ("L = a*x1\nb*L", "reserved for the loss", 1, 1),
        ("y_pred = a*x1\ny_pred", "reserved for the prediction", 1, 1),
        ("residual = a*x1\nresidual", "reserved for the residual", 1, 1),
        ("x2 = a*x1\nb*x2", "'x2' is a data column", 1, 1),
        ("h = w1\nh*x1", "'h = w1' names nothing new (w1 is a weight)", 1, 1),
        ("h = x1\na*h", "names nothing new (x1 is a data column)", 1, 1),
        ("h = -2\na*h", "names nothing new (-2 is a number)", 1, 1),
        ("h = +w1**1\nh*x1", "names nothing new (w1 is a weight)", 1, 1),
        ("h = a*x1\nk = h\nk*b", "'k = h' names nothing new (h is a step already)", 2, 1),
        ("h = a*x1 +\nb", "line 1 ends too early", 1, 11),
        ("h = a*x1\nb*h +", "the formula ends too early", 2, 6),
        ("h = a*x1\nh % b", "operator '%'", 2, 1),
        ("h = a*x1\nb*foo(h)", "unknown function 'foo'", 2, 3),
        ("h = a*x1\nh += 1\nh", "'+=' and the like are not allowed", 2, 1),
        ("import os\na*x1", "import statements are not allowed", 1, 1),
        ("h = k = a*x1\nh", "one name = expression", 1, 1),
        ("h = a*x1\n", "ends with the step 'h'", None, 1),
    ],
)
def test_bad_steps_name_the_problem_line_and_column(formula, words, line, column):
    with pytest.raises(FormulaError) as caught:
        parse_formula(formula)
    error = caught.value
    assert words in error.reason
    assert (error.line, error.column) == (line, column)
    where = f"line {line}, column {column}" if line is not None else f"column {column}"
    assert f"formula error at {where}: " in str(error)


def test_a_one_line_formula_says_only_the_column():
    with pytest.raises(FormulaError) as caught:
        parse_formula("h = a*x1; h = b*x1; h")
    assert caught.value.line is None
    assert caught.value.column == 11
    assert str(caught.value).startswith("formula error at column 11: ")


def test_the_offset_points_into_the_text_as_given():
    text = "\n  h = a*x1\nk = foo(h)\nk"
    with pytest.raises(FormulaError) as caught:
        parse_formula(text)
    assert (caught.value.line, caught.value.column) == (2, 5)
    assert text[caught.value.offset:].startswith("foo(h)")


def test_a_step_named_like_a_header_column_is_refused():
    with pytest.raises(FormulaError, match="'height' is a data column"):
        parse_formula("height = a*x2\nb*height", columns=("height", "mass"))
    with pytest.raises(FormulaError, match="reserved for the target"):
        parse_formula("price = a*x2\nb*price", columns=("rooms",), target="price")


def test_l_is_reserved_for_the_loss_as_a_weight_too():
    with pytest.raises(FormulaError, match="'L' is reserved") as caught:
        parse_formula("w*x1 + L")
    assert caught.value.column == 8


def test_an_unused_step_is_a_warning_with_its_place():
    graph = parse_formula("h = tanh(a*x1)\nk = b*x2\nw*h")
    assert [(w.line, w.column, w.message) for w in graph.warnings] == [
        (2, 1, "the step k is never used")]
    assert str(graph.warnings[0]) == "line 2, column 1: the step k is never used"
    # The unused step is still computed, but nothing depends on it.
    assert graph.by_name("k").op == "mul"
    assert graph.consumers(graph.by_name("k").id) == []


def test_two_names_for_one_subexpression_keep_the_first_and_say_so():
    graph = parse_formula("p = v1*v2; q = v1*v2; w*p + q")
    assert [str(w) for w in graph.warnings] == [
        "column 12: v1*v2 is also named q; the first name, p, is kept"]
    node = graph.by_name("p")
    assert graph.find("q") is None
    assert [consumer for consumer, _ in graph.consumers(node.id)].count("y_pred") == 1


def test_a_step_that_is_the_prediction_is_called_y_prime():
    graph = parse_formula("h = tanh(a*x1)\nh")
    assert graph[graph.output].name == "y'"
    assert "h" not in graph.names().values()
    assert [w.message for w in graph.warnings] == [
        "the step h is the prediction itself; it is called y'"]


def test_an_anonymous_copy_of_a_named_step_is_that_step():
    graph = parse_formula("s = w1*x1 + w2*x2\ns*s + (w1*x1 + w2*x2)")
    assert graph.by_name("s").id == "add1"
    assert graph.warnings == ()
    assert len([n for n in graph if n.op == "add"]) == 2


def test_steps_may_be_named_like_internal_ids_without_moving_them():
    graph = parse_formula("mul1 = a*x1\nexp(mul1)*b")
    assert graph.by_name("mul1").id != "mul1"
    assert graph.by_name("mul1").op == "mul"


def test_places_count_characters_not_bytes():
    columns = ("größe", "maß")
    with pytest.raises(FormulaError) as caught:
        parse_formula("a*größe + foo(maß)", columns=columns)
    assert caught.value.column == 11
    with pytest.raises(FormulaError) as caught:
        parse_formula("a*größe + */ maß", columns=columns)
    assert caught.value.column == 11
    graph = parse_formula("h = a*größe; k = b*maß; w*h", columns=columns)
    assert [(w.line, w.column) for w in graph.warnings] == [(None, 14)]


@pytest.mark.parametrize(("formula", "words", "line", "column"), [
    ("h = a*x1\ny' = h*w", "write it without \"y' =\"", 2, 1),
    ("y' = a*x1", "write it without \"y' =\"", None, 1),
    ("h = a*x1\ny_pred = h*w", "write it without \"y_pred =\"", 2, 1),
    ("h = a*x1\nL = (y - h)**2", "the loss L = (y - y')^2 is added on top", 2, 1),
])
def test_naming_the_prediction_or_the_loss_says_how_to_write_it(formula, words, line, column):
    with pytest.raises(FormulaError) as caught:
        parse_formula(formula)
    assert words in caught.value.reason
    assert (caught.value.line, caught.value.column) == (line, column)
