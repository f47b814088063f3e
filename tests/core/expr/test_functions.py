"""The one list of functions: scalar and array implementations agree, kinks are where the
derivative jumps, and every function has its renderings."""

import math

import numpy as np
import pytest

from core.expr.functions import ARRAY_NAMESPACE, FUNCTIONS, SCALAR_ERRORS, SCALAR_NAMESPACE

POINTS = [-800.0, -30.0, -2.5, -1.0, -0.3, -0.0, 0.0, 1e-300, 0.3, 1.0, 2.5, 30.0, 800.0,
          math.inf, -math.inf, math.nan]
SECOND = [1.7, 0.0, -2.0, 3.0]


def _scalar_or_array(name, args):
    try:
        return float(SCALAR_NAMESPACE[name](*args))
    except SCALAR_ERRORS:
        with np.errstate(all="ignore"):
            return float(ARRAY_NAMESPACE[name](*(np.float64(a) for a in args)))


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_scalar_and_array_agree_everywhere_numpy_does_not_raise(name):
    function = FUNCTIONS[name]
    for a in POINTS:
        for b in SECOND[: function.arity - 1] or [None]:
            args = (a,) if b is None else (a, b)
            if name in ("pow", "huber") and math.isinf(a):
                continue
            with np.errstate(all="ignore"):
                array = float(ARRAY_NAMESPACE[name](*(np.float64(x) for x in args)))
            scalar = _scalar_or_array(name, args)
            if math.isnan(array):
                assert math.isnan(scalar), (name, args)
            else:
                assert scalar == pytest.approx(array, rel=4e-15, abs=1e-300), (name, args)


def test_the_stable_functions_agree_both_ways_without_overflow():
    points = np.linspace(-40, 40, 4001)
    for name in ("sigmoid", "softplus"):
        scalar = [SCALAR_NAMESPACE[name](float(z)) for z in points]
        array = ARRAY_NAMESPACE[name](points)
        if name == "softplus":
            assert np.array_equal(scalar, array)
        else:
            assert np.allclose(scalar, array, rtol=1e-14, atol=0)
    assert SCALAR_NAMESPACE["sigmoid"](-1000.0) == 0.0
    assert SCALAR_NAMESPACE["sigmoid"](1000.0) == 1.0
    assert SCALAR_NAMESPACE["softplus"](800.0) == 800.0


def test_max_and_min_keep_nan_as_numpy_does():
    for a, b in ((math.nan, 1.0), (1.0, math.nan)):
        assert math.isnan(SCALAR_NAMESPACE["max"](a, b))
        assert math.isnan(SCALAR_NAMESPACE["min"](a, b))
    assert SCALAR_NAMESPACE["max"](1.0, 2.0) == 2.0
    assert SCALAR_NAMESPACE["min"](1.0, 2.0) == 1.0


@pytest.mark.parametrize(("name", "args", "distance"), [
    ("relu", (-0.25,), 0.25), ("abs", (3.0,), 3.0), ("step", (0.5,), 0.5),
    ("sign", (-2.0,), 2.0), ("max", (1.0, 1.5), 0.5), ("min", (-1.0, 2.0), 3.0),
    ("huber", (-1.2, 1.0), 0.2 - 4.440892098500626e-17),
])
def test_kinks_are_where_the_derivative_jumps(name, args, distance):
    kink = FUNCTIONS[name].kink
    assert kink is not None
    assert kink(*args) == pytest.approx(distance)


def test_smooth_functions_have_no_kink():
    smooth = {name for name, f in FUNCTIONS.items() if f.kink is None}
    assert smooth == {"exp", "log", "sqrt", "tanh", "sin", "cos", "sigmoid", "softplus", "pow"}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_function_has_its_renderings(name):
    function = FUNCTIONS[name]
    slots = [f"{{{i}}}" for i in range(function.arity)]
    for template in (function.torch, function.words):
        assert all(slot in template for slot in slots)
        assert f"{{{function.arity}}}" not in template
    assert function.torch.count("torch")
