"""The formula parser: what it reads, the tree it builds, and what it refuses."""

import pytest

from core.expr.parse import ExpressionError, parse_expression, parse_statements
from core.expr.tree import Binary, Call, Num, Statement, Unary, Var


def test_the_written_order_of_operations_is_kept():
    assert parse_expression("a*b*c") == Binary("*", Binary("*", Var("a"), Var("b")), Var("c"))
    assert parse_expression("a*(b*c)") == Binary("*", Var("a"), Binary("*", Var("b"), Var("c")))
    assert parse_expression("x**2") == Binary("**", Var("x"), Num(2.0))
    assert parse_expression("a - b - c").left == Binary("-", Var("a"), Var("b"))


def test_caret_is_a_power_and_the_minus_sign_a_minus():
    assert parse_expression("beta1^t") == Binary("**", Var("beta1"), Var("t"))
    assert parse_expression("a + b^2") == Binary("+", Var("a"), Binary("**", Var("b"), Num(2)))
    assert parse_expression("\u2212a \u2212 1") == Binary("-", Unary("-", Var("a")), Num(1.0))


def test_numbers_and_calls():
    assert parse_expression("-2") == Num(-2.0)
    assert parse_expression("+a") == Var("a")
    assert parse_expression("-2**2") == Unary("-", Binary("**", Num(2.0), Num(2.0)))
    assert parse_expression("max(a, 1e-3)") == Call("max", (Var("a"), Num(0.001)))
    assert isinstance(parse_expression("3").value, float)


@pytest.mark.parametrize(("text", "words", "column"), [
    ("a + foo(b)", "unknown function 'foo'", 5),
    ("a % b", "operator '%' is not supported", 1),
    ("a.b + 1", "an attribute is not allowed", 1),
    ("x + q", "unknown name 'q'", 5),
    ("exp(a, b)", "exp() takes 1 argument, got 2", 1),
    ("max(a)", "max() takes 2 arguments, got 1", 1),
    ("a ^ * b", "cannot read the formula", 5),
    ("(lambda: 1)()", "call functions by name", 2),
    ("__import__", "reserved", 1),
    ("'text'", "is not a number", 1),
    ("True + a", "is not a number", 1),
    ("a if b else c", "if/else is not allowed", 1),
    ("exp(a=1)", "plain arguments only", 1),
    ("a < b", "a comparison is not allowed", 1),
    ("", "empty", None),
])
def test_refusals_say_what_and_where(text, words, column):
    with pytest.raises(ExpressionError) as caught:
        parse_expression(text, variables={"a", "b", "c", "x"})
    assert words in caught.value.reason
    assert caught.value.column == column
    if column is not None:
        assert f"column {column}" in str(caught.value)


def test_columns_count_the_text_as_written():
    # ^ becomes ** inside: the column is still the one the user sees.
    with pytest.raises(ExpressionError) as caught:
        parse_expression("a^2^2 + zz", variables={"a"})
    assert caught.value.column == 9


def test_functions_may_be_given():
    assert parse_expression("softplus2(a)", functions={"softplus2": 1}) == \
        Call("softplus2", (Var("a"),))
    with pytest.raises(ExpressionError, match="takes 1 argument"):
        parse_expression("softplus2(a, b)", functions={"softplus2": 1})
    with pytest.raises(ExpressionError, match="unknown function 'exp'"):
        parse_expression("exp(a)", functions={"softplus2": 1})


def test_deep_nesting_is_refused_not_a_crash():
    with pytest.raises(ExpressionError, match="nested parentheses"):
        parse_expression("exp(" * 300 + "a" + ")" * 300)
    with pytest.raises(ExpressionError, match="levels deep"):
        parse_expression("+".join(["a"] * 1000))
    with pytest.raises(ExpressionError, match="levels deep"):
        parse_expression("-" * 500 + "a")


def test_statements_by_line_item_and_semicolon():
    one = parse_statements("bc1 = 1 - beta1**t; bc2 = 1 - beta2**t\n\n  w = w - bc1")
    assert [s.target for s in one] == ["bc1", "bc2", "w"]
    assert one[2] == Statement("w", Binary("-", Var("w"), Var("bc1")))
    assert parse_statements(["m = g", "v = m*m"]) == (
        Statement("m", Var("g")), Statement("v", Binary("*", Var("m"), Var("m"))))


def test_statements_may_read_earlier_targets_only():
    parse_statements(["h = g*2", "w = w - h"], variables={"g", "w"})
    with pytest.raises(ExpressionError) as caught:
        parse_statements(["w = w - h", "h = g"], variables={"g", "w"})
    assert caught.value.line == 1 and caught.value.column == 9
    assert "line 1, column 9" in str(caught.value)


@pytest.mark.parametrize(("text", "words"), [
    ("w + 1", "'name = expression'"),
    ("a = b = 1", "sets one name"),
    ("w[0] = 1", "sets one name"),
    ("import os", "'name = expression'"),
])
def test_statement_refusals(text, words):
    with pytest.raises(ExpressionError, match=words):
        parse_statements([text])
