"""Every row of the op table, checked against finite differences and against derivatives
worked out by hand.  A new row is tested automatically (and needs a hand-worked line)."""

import contextlib
import math

import numpy as np
import pytest

from core.autodiff.ops import ARRAY_NAMESPACE, OPS, SCALAR_NAMESPACE
from core.expr.codegen import compile_lambda
from core.expr.functions import FUNCTIONS as CALLABLE
from core.expr.tree import calls_in, names_in

RNG = np.random.default_rng(7)


def _points(op, count=25):
    low, high = op.domain
    points = RNG.uniform(low, high, size=(count, op.arity))
    if low < 0 < high:
        # Stay away from kinks at zero for ops that have them.
        points = np.where(np.abs(points) < 0.05, 0.05, points)
    return points


def _param(op):
    return 1.7 if op.has_param else None


@pytest.mark.parametrize("name", sorted(OPS))
def test_local_derivatives_match_central_differences(name):
    op = OPS[name]
    param = _param(op)
    h = 1e-6
    for point in _points(op):
        args = tuple(float(a) for a in point)
        out = op.evaluate(args, param)
        analytic = op.local_derivatives(args, out, param)
        for i in range(op.arity):
            plus = list(args)
            minus = list(args)
            plus[i] += h
            minus[i] -= h
            numeric = (op.evaluate(tuple(plus), param) - op.evaluate(tuple(minus), param)) / (2 * h)
            assert analytic[i] == pytest.approx(numeric, rel=1e-6, abs=1e-7), (name, args, i)


def _array(op, formula, param):
    """One of the row's formulas on numpy numbers, positional (a, b, out)."""
    names = {"p": repr(param)} if op.has_param else {}
    return compile_lambda((*op.args, "out"), formula, "array", names)


@pytest.mark.parametrize("name", sorted(OPS))
def test_scalar_and_array_code_agree(name):
    """The fast path (math) and the trace path (numpy) compute the same numbers."""
    op = OPS[name]
    param = _param(op)
    for args in _points(op, 10):
        floats = tuple(float(a) for a in args)
        scalar = op.evaluate(floats, param)
        array = _array(op, op.forward, param)(*floats, None)
        assert scalar == pytest.approx(float(array), rel=1e-14, abs=1e-15)
        derivatives = op.local_derivatives(floats, scalar, param)
        for tree, got in zip(op.derivatives, derivatives, strict=True):
            expected = float(_array(op, tree, param)(*floats, scalar))
            assert got == pytest.approx(expected, rel=1e-14, abs=1e-15)


E = math.e
SECH2_HALF = 1.0 / math.cosh(0.5) ** 2
#: Local derivatives worked out by hand: (op, operands, parameter, d/d each operand).
BY_HAND = [
    ("add", (2.0, 3.0), None, (1.0, 1.0)),
    ("sub", (2.0, 3.0), None, (1.0, -1.0)),
    ("mul", (2.0, 3.0), None, (3.0, 2.0)),
    ("div", (3.0, 2.0), None, (0.5, -0.75)),  # 1/b, -a/b²
    ("neg", (5.0,), None, (-1.0,)),
    ("square", (3.0,), None, (6.0,)),
    ("pow", (2.0,), 3.0, (12.0,)),  # 3·2²
    ("pow", (4.0,), 0.5, (0.25,)),  # 1/(2√4)
    ("exp", (1.0,), None, (E,)),
    ("log", (2.0,), None, (0.5,)),
    ("sqrt", (4.0,), None, (0.25,)),
    ("tanh", (0.5,), None, (SECH2_HALF,)),
    ("sin", (1.0,), None, (math.cos(1.0),)),
    ("cos", (1.0,), None, (-math.sin(1.0),)),
    ("sigmoid", (0.0,), None, (0.25,)),
    ("sigmoid", (2.0,), None, (math.exp(-2.0) / (1.0 + math.exp(-2.0)) ** 2,)),
    ("relu", (-1.0,), None, (0.0,)),
    ("relu", (2.0,), None, (1.0,)),
    ("abs", (-3.0,), None, (-1.0,)),
    ("abs", (3.0,), None, (1.0,)),
    ("softplus", (0.0,), None, (0.5,)),
    ("softplus", (-1.0,), None, (1.0 / (1.0 + E),)),
    ("huber", (0.5,), 1.0, (0.5,)),  # inside: a
    ("huber", (-3.0,), 1.0, (-1.0,)),  # outside: δ·sign(a)
    ("huber", (2.0,), 1.5, (1.5,)),
]


@pytest.mark.parametrize(("name", "args", "param", "expected"), BY_HAND)
def test_local_derivatives_equal_the_ones_worked_out_by_hand(name, args, param, expected):
    op = OPS[name]
    out = op.evaluate(args, param)
    assert op.local_derivatives(args, out, param) == pytest.approx(expected, rel=1e-15)


def test_every_row_is_worked_out_by_hand():
    assert {name for name, *_ in BY_HAND} == set(OPS)


@pytest.mark.parametrize("name", sorted(OPS))
def test_rows_are_formulas_in_their_operands(name):
    op = OPS[name]
    param = {"p"} if op.has_param else set()
    assert names_in(op.forward) <= {*op.args, *param}
    for tree in op.derivatives:
        assert names_in(tree) <= {*op.args, "out", *param}
    for tree in (op.forward, *op.derivatives):
        assert calls_in(tree) <= set(CALLABLE)
    assert op.definition is None  # built in


@pytest.mark.parametrize("name", sorted(OPS))
def test_rows_are_complete(name):
    op = OPS[name]
    assert op.name == name
    assert op.symbol
    assert op.shape in ("circle", "ellipse")
    assert len(op.derivatives) == op.arity
    assert op.derivative_text


def test_non_finite_results_propagate_instead_of_raising():
    assert OPS["exp"].evaluate((1000.0,)) == math.inf
    assert math.isnan(OPS["log"].evaluate((-1.0,)))
    assert OPS["div"].evaluate((1.0, 0.0)) == math.inf
    assert OPS["sigmoid"].evaluate((-1000.0,)) == 0.0
    assert OPS["sigmoid"].evaluate((1000.0,)) == 1.0


def test_sigmoid_is_stable_at_both_tails():
    for z in (-800.0, -30.0, 0.0, 30.0, 800.0):
        scalar = SCALAR_NAMESPACE["sigmoid"](z)
        array = float(ARRAY_NAMESPACE["sigmoid"](np.float64(z)))
        assert scalar == pytest.approx(array, rel=1e-13, abs=1e-300)
        assert 0.0 <= scalar <= 1.0


@pytest.mark.parametrize("name", sorted(OPS))
def test_scalar_code_keeps_non_finite_operands_as_numpy_does(name):
    """Where math does not raise, a nan or inf operand gives what numpy gives (relu and
    sign once turned nan into 0 and 1, hiding where a pass went wrong)."""
    op = OPS[name]
    param = _param(op)
    special = (math.nan, math.inf, -math.inf, 0.0, -0.0, 1.0)
    values = {"x": 0.0, "y": 0.0}
    for a in special:
        for b in special[: 1 + 5 * (op.arity - 1)]:
            values.update(x=a, y=b)
            operands_now = (a, b)[: op.arity]
            try:
                scalar = op.scalar_forward(values, "x", "y", param)
            except (OverflowError, ValueError, ZeroDivisionError):
                continue
            with np.errstate(all="ignore"):
                numbers = tuple(np.float64(v) for v in operands_now)
                forward = _array(op, op.forward, param)(*numbers, None)
                pairs = [(scalar, float(forward))]
                with contextlib.suppress(OverflowError, ValueError, ZeroDivisionError):
                    pairs += zip(
                        op.scalar_derivatives(values, "x", "y", scalar, param),
                        (float(_array(op, t, param)(*numbers, np.float64(scalar)))
                         for t in op.derivatives),
                        strict=True)
            for got, expected in pairs:
                if math.isnan(expected):
                    assert math.isnan(got), (name, a, b)
                else:
                    assert got == expected, (name, a, b, got, expected)
