"""The expression tree: immutable, hashable nodes for numbers, names, calls and arithmetic.

A tree keeps the written order of operations exactly: ``a*b*c`` is ``(a*b)*c`` and
``x**2`` stays a power, so code generated from it rounds as the written formula does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

UnaryOp = Literal["-"]
BinaryOp = Literal["+", "-", "*", "/", "**"]


@dataclass(frozen=True)
class Num:
    """A constant (always a float: ``Num(2)`` holds ``2.0``)."""

    value: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", float(self.value))


@dataclass(frozen=True)
class Var:
    """A name: an operand ``a``/``b``, ``out``, ``p``, a weight, ``g``, ``t``, a state..."""

    name: str


@dataclass(frozen=True)
class Call:
    """A function of :mod:`core.expr.functions` (or an op) applied to its arguments."""

    func: str
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Unary:
    """Negation."""

    op: UnaryOp
    operand: Expr


@dataclass(frozen=True)
class Binary:
    """``left op right``, one operation exactly as written."""

    op: BinaryOp
    left: Expr
    right: Expr


Expr = Num | Var | Call | Unary | Binary


@dataclass(frozen=True)
class Statement:
    """``target = expr``."""

    target: str
    expr: Expr


def children(expr: Expr) -> tuple[Expr, ...]:
    """The direct subexpressions of ``expr``, left to right."""
    if isinstance(expr, Call):
        return expr.args
    if isinstance(expr, Unary):
        return (expr.operand,)
    if isinstance(expr, Binary):
        return (expr.left, expr.right)
    return ()


def walk(expr: Expr) -> Iterator[Expr]:
    """``expr`` and every subexpression, parents before children."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


def names_in(expr: Expr) -> frozenset[str]:
    """Every variable name ``expr`` reads."""
    return frozenset(node.name for node in walk(expr) if isinstance(node, Var))


def calls_in(expr: Expr) -> frozenset[str]:
    """Every function ``expr`` calls."""
    return frozenset(node.func for node in walk(expr) if isinstance(node, Call))


def substitute(expr: Expr, replacements: Mapping[str, Expr]) -> Expr:
    """``expr`` with each variable named in ``replacements`` replaced by its tree."""
    if isinstance(expr, Var):
        return replacements.get(expr.name, expr)
    if isinstance(expr, Call):
        return Call(expr.func, tuple(substitute(a, replacements) for a in expr.args))
    if isinstance(expr, Unary):
        return Unary(expr.op, substitute(expr.operand, replacements))
    if isinstance(expr, Binary):
        return Binary(expr.op, substitute(expr.left, replacements),
                      substitute(expr.right, replacements))
    return expr
