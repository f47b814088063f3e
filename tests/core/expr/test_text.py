"""Words for people from trees: minimal parentheses, real minus signs, squares."""

import math

import pytest

from core.expr.parse import parse_expression
from core.expr.text import number_words, with_numbers, words
from core.expr.tree import substitute
from core.numbers import number


@pytest.mark.parametrize(("text", "expected"), [
    ("a * b", "a·b"),
    ("a + b", "a + b"),
    ("a - b", "a − b"),
    ("1.0 - out*out", "1 − out²"),
    ("out * (1.0 - out)", "out·(1 − out)"),
    ("a - (b + c)", "a − (b + c)"),
    ("(a - b) + c", "a − b + c"),
    ("a / (b * c)", "a/(b·c)"),
    ("a * -b", "a·(−b)"),
    ("-(a + b)", "−(a + b)"),
    ("-2 * a", "−2·a"),
    ("(a + b)**2", "(a + b)²"),
    ("sqrt(a + b)", "√(a + b)"),
    ("sqrt(a)", "√a"),
    ("abs(a - b)", "|a − b|"),
    ("x**-1", "x^(−1)"),
    ("beta1**t", "beta1^t"),
    ("max(a, b)", "max(a, b)"),
    ("huber(a, p)", "huber(a; δ = p)"),
    ("0.001 * g", "0.001·g"),
])
def test_words(text, expected):
    assert words(parse_expression(text)) == expected


def test_a_function_squared_is_written_as_people_do():
    tanh_derivative = substitute(parse_expression("1.0 - out * out"),
                                 {"out": parse_expression("tanh(a)")})
    assert words(tanh_derivative) == "1 − tanh²(a)"
    assert words(tanh_derivative, {"a": "part_1+w7"}) == "1 − tanh²(part_1+w7)"
    sigmoid = substitute(parse_expression("out * (1.0 - out)"),
                         {"out": parse_expression("sigmoid(a)")})
    assert words(sigmoid, {"a": "v1·v2+w8"}) == "σ(v1·v2+w8)·(1 − σ(v1·v2+w8))"


def test_names_with_operators_are_parenthesised_where_they_bind_less():
    assert words(parse_expression("a * b"), {"a": "w1 + w2"}) == "(w1 + w2)·b"
    assert words(parse_expression("a * b"), {"a": "part_1+w7"}) == "(part_1+w7)·b"
    assert words(parse_expression("exp(a)"), {"a": "w1 + w2"}) == "exp(w1 + w2)"
    assert words(parse_expression("a + b"), {"a": "w4·x4", "b": "w5·x5"}) == "w4·x4 + w5·x5"
    assert words(parse_expression("a - b"), {"b": "w4·x4"}) == "a − w4·x4"
    assert words(parse_expression("a / b"), {"b": "w4·x4"}) == "a/(w4·x4)"
    assert words(parse_expression("a ** 2"), {"a": "w4·x4"}) == "(w4·x4)²"
    assert words(parse_expression("a * b"), {"a": "1.5e−05"}) == "1.5e−05·b"


def _number(value):
    return f"{value:.4g}".replace("-", "\u2212")


def test_with_numbers_puts_negative_numbers_in_parentheses_after_an_operator():
    tree = parse_expression("a * b + c")
    assert with_numbers(tree, {"a": -0.5, "b": 2.0, "c": -1.0}, _number) == "−0.5·2 + (−1)"
    assert with_numbers(tree, {"a": 2.0, "b": -0.5, "c": 1.0}, _number) == "2·(−0.5) + 1"
    assert with_numbers(parse_expression("a**2"), {"a": -3.0}, _number) == "(−3)²"
    assert with_numbers(parse_expression("tanh(a)"), {"a": -0.5}, _number) == "tanh(−0.5)"
    assert with_numbers(parse_expression("a"), {"a": -0.5}, _number) == "−0.5"


def test_numbers():
    assert number_words(2.0) == "2"
    assert number_words(-0.5) == "−0.5"
    assert number_words(1e-8) == "1e−08"


@pytest.mark.parametrize(("formula", "text"), [
    ("a*a*a", "a³"),
    ("a*a*a*a/24", "a⁴/24"),
    ("tanh(a)*tanh(a)*tanh(a)", "tanh³(a)"),
    ("(a + b)*(a + b)*(a + b)", "(a + b)³"),
    ("a*a*a*a*a*a*a*a*a*a*a", "a¹¹"),
    # Only the same factor, repeated as written: the rest reads as before.
    ("a*a*b", "a²·b"),
    ("b*a*a", "b·a·a"),
    ("-a*a*a", "−a·a·a"),
])
def test_a_factor_repeated_reads_as_a_power(formula, text):
    # A Taylor series in an ops file read a²·a·a/24 (and (−0.5)²·(−0.5)·(−0.5)/24).
    assert words(parse_expression(formula, variables=("a", "b"))) == text


def test_a_repeated_factor_with_numbers_is_one_power():
    tree = parse_expression("a*a*a*a/24", variables=("a",))
    assert with_numbers(tree, {"a": -0.5}, _number) == "(−0.5)⁴/24"
    assert with_numbers(tree, {"a": 0.333}, _number) == "0.333⁴/24"


def test_a_number_in_scientific_notation_raised_to_a_power_is_in_parentheses():
    # AdaGrad's g·g with g = 1.5e-7 read 1.5e−7², which reads as 1.5·10^−49.
    squares = parse_expression("s + g*g", variables=("s", "g"))
    assert with_numbers(squares, {"s": 0.0, "g": 1.5e-7}, number) == "0 + (1.5e−7)²"
    power = parse_expression("g**b", variables=("g", "b"))
    assert with_numbers(power, {"g": 1.5e-7, "b": 2.5e10}, number) == "(1.5e−7)^(2.5e10)"
    assert with_numbers(power, {"g": 1.5, "b": 2.0}, number) == "1.5^2"
    # A factor needs none, nor a name with digits and an e in it.
    product = parse_expression("exp(g)*g", variables=("g",))
    assert with_numbers(product, {"g": 1.5e-7}, number) == "exp(1.5e−7)·1.5e−7"
    assert words(parse_expression("x1e2**2", variables=("x1e2",))) == "x1e2²"


def test_a_plus_sign_in_front_of_a_number_is_a_sign_not_a_sum():
    # Adam's v overflowing read √((+∞)/0.01); 1e+5 is one number too.
    tree = parse_expression("sqrt(v/b)", variables=("v", "b"))
    assert with_numbers(tree, {"v": math.inf, "b": 0.01}, number) == "√(+∞/0.01)"
    assert words(parse_expression("a*v", variables=("a", "v")), {"v": "+∞"}) == "a·(+∞)"
    assert words(parse_expression("v/2", variables=("v",)), {"v": "1e+5"}) == "1e+5/2"


def test_a_name_ending_in_e_before_a_sign_is_a_sum_not_a_number():
    # w1e−2 (a weight w1e minus 2) read as one number like 1e−2: (w1e−2)·x lost its
    # parentheses and ∂(w1e−2) read ∂w1e−2.
    product = parse_expression("a*x", variables=("a", "x"))
    assert words(product, {"a": "w1e−2"}) == "(w1e−2)·x"
    assert words(product, {"a": "w1e+2"}) == "(w1e+2)·x"
    assert words(product, {"a": "1.5e−7"}) == "1.5e−7·x"
    assert words(product, {"a": "−3e−12"}) == "−3e−12·x"
