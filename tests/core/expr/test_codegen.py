"""Generated code and the tree walk compute the same bits; every operation is written as
the tree says; only trees and the program's own names reach the code."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.expr.codegen import (
    compile_lambda,
    define,
    namespace_of,
    number_source,
    python_source,
)
from core.expr.evaluate import evaluate, kink_distance
from core.expr.functions import FUNCTIONS, SCALAR_ERRORS
from core.expr.parse import parse_expression
from core.expr.tree import Binary, Call, Num, Unary, Var

VARIABLES = ("a", "b", "c")

leaves = st.one_of(
    st.sampled_from([Var(v) for v in VARIABLES]),
    st.floats(min_value=-5, max_value=5, allow_nan=False).map(Num),
)


def _extend(children):
    unary = [f for f in FUNCTIONS.values() if f.arity == 1]
    binary = [f for f in FUNCTIONS.values() if f.arity == 2]
    return st.one_of(
        st.tuples(st.sampled_from(["+", "-", "*", "/", "**"]), children, children).map(
            lambda t: Binary(*t)),
        # As the parser reads it: a minus before a number is a negative number.
        children.map(lambda e: Num(-e.value) if isinstance(e, Num) else Unary("-", e)),
        st.tuples(st.sampled_from(unary), children).map(
            lambda t: Call(t[0].name, (t[1],))),
        st.tuples(st.sampled_from(binary), children, children).map(
            lambda t: Call(t[0].name, (t[1], t[2]))),
    )


trees = st.recursive(leaves, _extend, max_leaves=12)
values = st.fixed_dictionaries({v: st.floats(min_value=-3, max_value=3, allow_nan=False)
                                for v in VARIABLES})


def _outcome(compute):
    try:
        result = compute()
    except SCALAR_ERRORS as error:
        return type(error).__name__
    except TypeError:  # a negative number to a fractional power is complex in Python
        return "complex"
    if isinstance(result, complex):
        return ("complex", result.real, result.imag)
    return np.float64(result).tobytes()


@settings(max_examples=150, deadline=None)
@given(trees, values)
def test_generated_scalar_code_and_the_tree_walk_agree_bit_for_bit(tree, point):
    function = compile_lambda(VARIABLES, tree, "scalar")
    generated = _outcome(lambda: function(*(point[v] for v in VARIABLES)))
    walked = _outcome(lambda: evaluate(tree, point))
    assert generated == walked


@settings(max_examples=100, deadline=None)
@given(trees)
def test_the_source_parses_back_to_the_same_tree(tree):
    # Every operation parenthesised: reading the source back gives the tree itself.
    assert parse_expression(python_source(tree)) == tree


@settings(max_examples=200, deadline=None)
@given(trees, values)
def test_readable_source_is_the_same_tree_and_the_same_bits(tree, point):
    # Only the parentheses Python needs, yet it reads back to the tree and computes the
    # very same operations.
    text = python_source(tree, readable=True)
    assert parse_expression(text) == tree
    function = define(f"def f({', '.join(VARIABLES)}):\n    return {text}\n", "<test>",
                      namespace_of("scalar"))["f"]
    assert _outcome(lambda: function(*(point[v] for v in VARIABLES))) == \
        _outcome(lambda: evaluate(tree, point))


@pytest.mark.parametrize(("text", "readable"), [
    ("a*b + c*d", "a * b + c * d"),
    ("a - (b - c)", "a - (b - c)"),
    ("(a - b) - c", "a - b - c"),
    ("a / (b * c)", "a / (b * c)"),
    ("-a**2", "-a ** 2.0"),
    ("(-a)**2", "(-a) ** 2.0"),
    ("(a**b)**c", "(a ** b) ** c"),
    ("a**b**c", "a ** b ** c"),
    ("a ** -b", "a ** -b"),
    ("-(a + b)", "-(a + b)"),
    ("tanh(a + b) * 2", "tanh(a + b) * 2.0"),
])
def test_readable_source_has_only_the_parentheses_python_needs(text, readable):
    assert python_source(parse_expression(text), readable=True) == readable


def test_torch_functions_take_constants_as_float64_tensors():
    tree = parse_expression("max(0, a) + step(2)")
    assert python_source(tree, flavour="torch", readable=True) == (
        "torch.maximum(torch.tensor(0.0, dtype=torch.float64), a) + "
        "(torch.tensor(2.0, dtype=torch.float64) > 0).to(torch.float64)")


def test_operations_are_parenthesised_as_the_tree_says():
    assert python_source(parse_expression("a*b*c")) == "((a * b) * c)"
    assert python_source(parse_expression("a*(b*c)")) == "(a * (b * c))"
    assert python_source(parse_expression("x**2")) == "(x ** 2.0)"
    assert python_source(parse_expression("-out / b")) == "((-out) / b)"
    assert python_source(parse_expression("(-2)**a")) == "((-2.0) ** a)"


def test_names_put_text_in_place_with_parentheses_where_needed():
    tree = parse_expression("p ** 2 + a")
    assert python_source(tree, {"p": "-1.5", "a": "values[k]"}) == \
        "(((-1.5) ** 2.0) + (values[k]))"
    assert python_source(tree, {"p": "v3", "a": "2.5"}) == "((v3 ** 2.0) + 2.5)"


def test_non_finite_numbers_read_back():
    def read(value):
        return define(f"x = {number_source(value)}\n", "<test>", {})["x"]

    for value in (math.inf, -math.inf, 1e300, 5e-324):
        assert read(value) == value
    assert math.copysign(1.0, read(-0.0)) == -1.0
    assert math.isnan(read(math.nan))


def test_torch_flavour_writes_each_functions_torch_source():
    tree = parse_expression("sigmoid(a) * max(a, b)")
    assert python_source(tree, flavour="torch") == \
        "((torch.sigmoid(a)) * (torch.maximum(a, b)))"


def test_array_flavour_runs_on_arrays():
    tree = parse_expression("sigmoid(a) * (1 - sigmoid(a)) + relu(b)")
    function = compile_lambda(("a", "b"), tree, "array")
    a = np.linspace(-3, 3, 7)
    expected = [evaluate(tree, {"a": x, "b": -x}) for x in a]
    assert np.allclose(function(a, -a), expected, rtol=1e-15)


def test_several_bodies_give_a_tuple():
    function = compile_lambda(("a",), [parse_expression("a + 1"), parse_expression("2*a")])
    assert function(3.0) == (4.0, 6.0)


def test_a_namespace_may_replace_the_flavours():
    function = compile_lambda(("a",), parse_expression("exp(a)"),
                              namespace={"exp": lambda x: ("exp of", x)})
    assert function(1.0) == ("exp of", 1.0)


@pytest.mark.parametrize("bad", [Var("__class__"), Var("import"), Var("a.b"),
                                 Call("__import__", (Num(1.0),)), Call("os.system", ())])
def test_names_that_are_not_plain_identifiers_never_reach_the_code(bad):
    with pytest.raises(ValueError, match="cannot appear in generated code"):
        python_source(bad)
    with pytest.raises(ValueError, match="cannot appear"):
        compile_lambda(("__x",), Num(1.0))


def test_define_returns_the_namespace():
    namespace = define("def f(x):\n    return x + 1\n", "<test>", {})
    assert namespace["f"](1) == 2


@pytest.mark.parametrize(("text", "point", "distance"), [
    ("relu(a) + exp(b)", {"a": -0.25, "b": 1.0}, 0.25),
    ("abs(a - b) * step(a)", {"a": 1.0, "b": 0.75}, 0.25),
    ("max(a, b) + huber(a, 2.0)", {"a": 1.5, "b": 1.0}, 0.5),
    ("tanh(a)", {"a": 0.0}, None),
    ("relu(exp(a))", {"a": 1000.0}, 0.0),
])
def test_kink_distance_is_the_nearest_kink_of_any_call(text, point, distance):
    assert kink_distance(parse_expression(text), point) == distance


def test_a_constant_passed_to_torch_by_keyword_stays_a_number():
    # huber's delta was written delta=torch.tensor(1.0, dtype=torch.float64).
    tree = parse_expression("huber(a, 0.5) + max(a, 0)")
    assert python_source(tree, flavour="torch", readable=True) == (
        "torch.nn.functional.huber_loss(a, torch.zeros_like(a), reduction='none', "
        "delta=0.5) + torch.maximum(a, torch.tensor(0.0, dtype=torch.float64))")


def test_torch_pow_takes_a_constant_as_a_number_beside_a_tensor():
    # x**2.5 exported as torch.pow(x3, torch.tensor(2.5, dtype=torch.float64)).
    tree = parse_expression("pow(a, 2.5) + pow(a, -1) + pow(2, a) + pow(2, 3)")
    assert python_source(tree, flavour="torch", readable=True) == (
        "torch.pow(a, 2.5) + torch.pow(a, -1.0) + torch.pow(2.0, a) + "
        "torch.pow(torch.tensor(2.0, dtype=torch.float64), "
        "torch.tensor(3.0, dtype=torch.float64))")
