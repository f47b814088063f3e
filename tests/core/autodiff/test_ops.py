"""Every row of the op table, checked against finite differences.  A new row is tested
automatically."""

import contextlib
import math

import numpy as np
import pytest

from core.autodiff.ops import ARRAY_NAMESPACE, OPS, SCALAR_NAMESPACE

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


@pytest.mark.parametrize("name", sorted(OPS))
def test_scalar_and_array_code_agree(name):
    """The fast path (math) and the trace path (numpy) compute the same numbers."""
    op = OPS[name]
    param = _param(op)
    operands = ("a", "b")[: op.arity]
    for args in _points(op, 10):
        scope = dict(zip(operands, (float(a) for a in args), strict=True))
        forward = op.render(op.forward, operands, param=param)
        scalar = eval(forward, dict(SCALAR_NAMESPACE), scope)
        array = eval(forward, dict(ARRAY_NAMESPACE), scope)
        assert scalar == pytest.approx(float(array), rel=1e-14, abs=1e-15)
        scope["out"] = scalar
        for template in op.derivatives:
            code = op.render(template, operands, param=param)
            assert eval(code, dict(SCALAR_NAMESPACE), scope) == pytest.approx(
                float(eval(code, dict(ARRAY_NAMESPACE), scope)), rel=1e-14, abs=1e-15)


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
    operands = ("a", "b")[: op.arity]
    values = {"x": 0.0, "y": 0.0}
    for a in special:
        for b in special[: 1 + 5 * (op.arity - 1)]:
            values.update(x=a, y=b)
            scope = dict(zip(operands, (a, b), strict=False))
            try:
                scalar = op.scalar_forward(values, "x", "y", param)
            except (OverflowError, ValueError, ZeroDivisionError):
                continue
            with np.errstate(all="ignore"):
                array_scope = {k: np.float64(v) for k, v in scope.items()}
                pairs = [(scalar, float(eval(op.render(op.forward, operands, param=param),
                                             dict(ARRAY_NAMESPACE), array_scope)))]
                array_scope["out"] = np.float64(scalar)
                with contextlib.suppress(OverflowError, ValueError, ZeroDivisionError):
                    pairs += zip(
                        op.scalar_derivatives(values, "x", "y", scalar, param),
                        (float(eval(op.render(t, operands, param=param),
                                    dict(ARRAY_NAMESPACE), array_scope))
                         for t in op.derivatives),
                        strict=True)
            for got, expected in pairs:
                if math.isnan(expected):
                    assert math.isnan(got), (name, a, b)
                else:
                    assert got == expected, (name, a, b, got, expected)
