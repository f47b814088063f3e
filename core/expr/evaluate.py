"""Numbers from a tree without generating code: a walk over the tree on Python floats.

:func:`evaluate` does the operations :func:`core.expr.codegen.python_source` writes, in
the same order, with the same scalar functions: the two agree bit for bit.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from typing import Any

from core.expr.functions import FUNCTIONS, SCALAR_NAMESPACE
from core.expr.tree import Binary, Call, Expr, Num, Unary, Var, walk

#: Python's own operators on floats: what the generated code does for each.
_OPERATIONS: Mapping[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "**": operator.pow}


def evaluate(expr: Expr, values: Mapping[str, float]) -> float:
    """The value of ``expr`` with each variable's value from ``values``, on Python floats
    (the scalar functions: overflow and domain errors raise, as in the generated code).

    Raises
    ------
    KeyError
        For a variable missing from ``values``, or a function that is not in the list.
    """
    if isinstance(expr, Num):
        return expr.value
    if isinstance(expr, Var):
        return values[expr.name]
    if isinstance(expr, Unary):
        return -evaluate(expr.operand, values)
    if isinstance(expr, Binary):
        result: float = _OPERATIONS[expr.op](evaluate(expr.left, values),
                                             evaluate(expr.right, values))
        return result
    function = SCALAR_NAMESPACE[expr.func]
    value: float = function(*(evaluate(a, values) for a in expr.args))
    return value


def kink_distance(expr: Expr, values: Mapping[str, float]) -> float | None:
    """How far the arguments of the calls in ``expr`` are from their functions' kinks
    (the smallest such distance: ``|a|`` for ``relu(a)``), or ``None`` if ``expr`` calls
    no function with a kink.  A call whose arguments cannot be computed (an overflow)
    counts as at its kink: 0.0."""
    nearest: float | None = None
    for node in walk(expr):
        if not isinstance(node, Call):
            continue
        function = FUNCTIONS.get(node.func)
        if function is None or function.kink is None:
            continue
        try:
            distance = float(function.kink(*(evaluate(a, values) for a in node.args)))
        except (OverflowError, ValueError, ZeroDivisionError):
            distance = 0.0
        if math.isnan(distance):
            distance = 0.0
        nearest = distance if nearest is None else min(nearest, distance)
    return nearest
