"""THE list of functions a formula may call, each once: its arity, its implementation on
Python floats and on numpy arrays, its PyTorch source, its words for people, and where it
has a kink.

Adding a function is adding a row to :data:`FUNCTIONS`; the parser, the code generator,
the tree walk, the words and the gradient check read it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

#: What the scalar functions (and Python float arithmetic) may raise where numpy gives inf
#: or nan instead.
SCALAR_ERRORS = (OverflowError, ValueError, ZeroDivisionError)


@dataclass(frozen=True)
class Function:
    """One callable function.

    Attributes
    ----------
    name
        As written in formulas.
    arity
        Number of arguments.
    scalar
        The implementation on Python floats (:mod:`math`: raises one of
        :data:`SCALAR_ERRORS` on overflow and domain errors).
    array
        The implementation on numpy arrays and float64 scalars (inf and nan, never raises
        under ``np.errstate(all="ignore")``).
    torch
        PyTorch source with ``{0}``, ``{1}`` for the arguments' source.
    words
        How people write it, ``{0}``, ``{1}`` for the arguments: ``σ({0})``, ``√{0}``.
    kink
        ``kink(*args)``: how far the arguments are from the point where the function's
        derivative jumps (``|a|`` for relu), or ``None`` for a smooth function.
    torch_numbers
        Whether the PyTorch function takes a constant as a plain number beside a tensor
        (``torch.pow(x, 2.5)``); else a constant is written as a float64 tensor.
    """

    name: str
    arity: int
    scalar: Callable[..., Any]
    array: Callable[..., Any]
    torch: str
    words: str
    kink: Callable[..., float] | None = None
    torch_numbers: bool = False


def _scalar_sigmoid(z: float) -> float:
    # Two branches so that exp never overflows: for z < 0, e^z / (1 + e^z).
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _array_sigmoid(z: Any) -> Any:
    # exp(-log(1 + e^-z)) is 1 / (1 + e^-z) without overflow for large |z|.
    return np.exp(-np.logaddexp(0.0, -z))


def _scalar_sign(a: float) -> float:
    # nan stays nan, as numpy's sign keeps it.
    if a == 0.0 or math.isnan(a):
        return a + 0.0  # -0.0 + 0.0 is 0.0, as numpy's sign(-0.0)
    return math.copysign(1.0, a)


def _scalar_relu(a: float) -> float:
    # nan stays nan, as numpy's maximum keeps it (nan > 0 is False).
    return a if a > 0.0 or math.isnan(a) else 0.0


def _scalar_step(a: float) -> float:
    return 1.0 if a > 0.0 else 0.0


def _array_step(a: Any) -> Any:
    return np.where(a > 0.0, 1.0, 0.0)


def _array_relu(a: Any) -> Any:
    return np.maximum(a, 0.0)


def _scalar_max(a: float, b: float) -> float:
    # nan wins, as in numpy's maximum.
    return a if a >= b or math.isnan(a) else b


def _scalar_min(a: float, b: float) -> float:
    return a if a <= b or math.isnan(a) else b


_LOG_2 = math.log(2.0)


def _scalar_softplus(z: float) -> float:
    # log(1 + e^z) = max(z, 0) + log1p(e^-|z|), branch for branch as numpy's
    # logaddexp(0, z) computes it, so both give the same bits: e^(-|z|) never overflows.
    if z == 0.0:
        return _LOG_2
    if z < 0.0:
        return math.log1p(math.exp(z))
    if z > 0.0:
        return z + math.log1p(math.exp(-z))
    return z  # nan


def _array_softplus(z: Any) -> Any:
    return np.logaddexp(0.0, z)


def _scalar_huber(a: float, p: float) -> float:
    # ½a² inside [-p, p], p·(|a| − ½p) outside: the two meet with equal slope at |a| = p.
    size = abs(a)
    return 0.5 * a * a if size <= p else p * (size - 0.5 * p)


def _array_huber(a: Any, p: Any) -> Any:
    size = np.abs(a)
    return np.where(size <= p, 0.5 * a * a, p * (size - 0.5 * p))


def _at_zero(a: float, *_: float) -> float:
    return abs(a)


def _apart(a: float, b: float) -> float:
    return abs(a - b)


def _huber_kink(a: float, p: float) -> float:
    return abs(abs(a) - p)


def _table(*functions: Function) -> Mapping[str, Function]:
    return MappingProxyType({f.name: f for f in functions})


_F = "torch.nn.functional"

#: Every function a formula may call.
FUNCTIONS: Mapping[str, Function] = _table(
    Function("exp", 1, math.exp, np.exp, "torch.exp({0})", "exp({0})"),
    Function("log", 1, math.log, np.log, "torch.log({0})", "log({0})"),
    Function("sqrt", 1, math.sqrt, np.sqrt, "torch.sqrt({0})", "√{0}"),
    Function("tanh", 1, math.tanh, np.tanh, "torch.tanh({0})", "tanh({0})"),
    Function("sin", 1, math.sin, np.sin, "torch.sin({0})", "sin({0})"),
    Function("cos", 1, math.cos, np.cos, "torch.cos({0})", "cos({0})"),
    Function("sigmoid", 1, _scalar_sigmoid, _array_sigmoid, "torch.sigmoid({0})", "σ({0})"),
    Function("relu", 1, _scalar_relu, _array_relu, "torch.relu({0})", "relu({0})",
             _at_zero),
    Function("step", 1, _scalar_step, _array_step, "({0} > 0).to(torch.float64)",
             "step({0})", _at_zero),
    Function("abs", 1, abs, np.abs, "torch.abs({0})", "|{0}|", _at_zero),
    Function("sign", 1, _scalar_sign, np.sign, "torch.sign({0})", "sign({0})", _at_zero),
    Function("max", 2, _scalar_max, np.maximum, "torch.maximum({0}, {1})", "max({0}, {1})",
             _apart),
    Function("min", 2, _scalar_min, np.minimum, "torch.minimum({0}, {1})", "min({0}, {1})",
             _apart),
    Function("softplus", 1, _scalar_softplus, _array_softplus,
             "torch.logaddexp(torch.zeros_like({0}), {0})", "softplus({0})"),
    Function("huber", 2, _scalar_huber, _array_huber,
             f"{_F}.huber_loss({{0}}, torch.zeros_like({{0}}), reduction='none', "
             "delta={1})", "huber({0}; δ = {1})", _huber_kink),
    Function("pow", 2, math.pow, np.power, "torch.pow({0}, {1})", "{0}^{1}",
             torch_numbers=True),
)

#: Name -> implementation on Python floats.
SCALAR_NAMESPACE: Mapping[str, Callable[..., Any]] = MappingProxyType(
    {name: f.scalar for name, f in FUNCTIONS.items()})
#: Name -> implementation on numpy arrays and float64 scalars.
ARRAY_NAMESPACE: Mapping[str, Callable[..., Any]] = MappingProxyType(
    {name: f.array for name, f in FUNCTIONS.items()})
