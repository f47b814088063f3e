"""Words for people from the same trees the code is generated from.

``a·b``, ``1 − tanh²(a)``, ``σ(a)·(1 − σ(a))``: products with ``·``, a real minus sign,
squares as ``²`` and only the parentheses the reading needs (the tree, not the text, says
what is computed).  :func:`with_numbers` writes the same words with numbers in place of
the variables, for the stepper's arithmetic.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping

from core.expr.functions import FUNCTIONS
from core.expr.tree import Binary, Call, Expr, Num, Unary, Var

MINUS = "\u2212"

# Binding strength of what a piece of text is: sums < products < a leading minus < powers
# < atoms (names, numbers, calls).
_SUM, _PRODUCT, _NEGATIVE, _POWER, _ATOM = 1, 2, 3, 4, 5

_LEVEL = {"+": _SUM, "-": _SUM, "*": _PRODUCT, "/": _PRODUCT, "**": _POWER}
_SIGN = {"+": " + ", "-": f" {MINUS} ", "*": "·", "/": "/"}


def number_words(value: float) -> str:
    """A constant as people write it: ``2`` not ``2.0``, ``−0.5``, ``1e−08``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else f"{MINUS}∞"
    if value == int(value) and abs(value) < 1e15:
        text = str(int(value))
    else:
        text = repr(value)
    return text.replace("-", MINUS)


#: A number's mantissa and its e, just before an exponent's sign: ``1.5e`` of ``1.5e−7``
#: (not the end of a name: ``w1e`` of ``w1e+2``).
_MANTISSA = re.compile(r"(?<![\w.])\d+(\.\d*)?[eE]$")
#: A name written with a superscript is a power: ``s²``, ``(b·x2)³``, ``x1⁻¹``.
_SUPERSCRIPT_CHARACTERS = frozenset("⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def text_level(text: str) -> int:
    """How tightly a text given for a variable binds, read from its operators outside
    brackets: a sum (``part_1+w7``), a product (``w4·x4``), a negative number or a
    leading minus (``−0.5``), a power (``a^2``, ``s²``), else an atom (``w1``,
    ``tanh(z)``)."""
    level = _ATOM
    depth = 0
    bars = 0
    for i, char in enumerate(text):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "|":
            bars ^= 1
        elif depth or bars:
            continue
        elif char == " " or (char in "+-" + MINUS and i > 0
                             and not _MANTISSA.search(text, 0, i)):
            return _SUM
        elif char in "·/*×":
            level = min(level, _PRODUCT)
        elif char == "^" or char in _SUPERSCRIPT_CHARACTERS:
            level = min(level, _POWER)
    if text.startswith(("-", MINUS, "+")):  # a sign: −0.5, +∞
        level = min(level, _NEGATIVE)
    return level


def is_compound(text: str) -> bool:
    """Whether ``text`` has an operator outside brackets or starts with a minus."""
    return text_level(text) < _ATOM


def _enclosed(template: str, index: int) -> bool:
    """Whether the template puts argument ``index`` between brackets of its own:
    ``tanh({0})``, ``|{0}|``, ``max({0}, {1})``."""
    slot = f"{{{index}}}"
    at = template.find(slot)
    before = template[:at]
    after = template[at + len(slot):]
    opens = before.endswith(("(", ", ", "; ", "= ")) or (before.endswith("|")
                                                         and after.startswith("|"))
    closes = after.startswith((")", ",", ";", "|")) or (opens and not after)
    return opens and closes


def _wrap(piece: tuple[str, int], level: int) -> str:
    text, strength = piece
    return f"({text})" if strength < level else text


#: A number in scientific notation, as written for people: ``1.5e−7``, ``2.5e10``.
_SCIENTIFIC = re.compile(r"\d+(\.\d*)?e[\u2212+-]?\d+")


def _power_operand(piece: tuple[str, int]) -> str:
    """A base or an exponent: in parentheses unless an atom, and a number in scientific
    notation too (``1.5e−7²`` reads as 1.5·10^−49; ``(1.5e−7)²`` as meant)."""
    text = _wrap(piece, _ATOM)
    return f"({text})" if _SCIENTIFIC.fullmatch(text) else text


def words(expr: Expr, names: Mapping[str, str] | None = None) -> str:
    """``expr`` as people write it, with each variable in ``names`` replaced by its text
    (a text with operators inside gets parentheses where its operators bind less than the
    operation it is an operand of: ``(part_1+w7)·x``, but ``w4·x4 + w5·x5``)."""
    return _words(expr, names or {})[0]


def with_numbers(expr: Expr, values: Mapping[str, float],
                 number: Callable[[float], str]) -> str:
    """:func:`words` with each variable replaced by ``number(value)`` (a negative number
    in parentheses after an operator: ``0.5·(−2)``, ``1 − (−2)``, ``(−2)²``)."""
    return words(expr, {name: number(value) for name, value in values.items()})


_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _square(node: Expr, names: Mapping[str, str], times: int = 2) -> tuple[str, int]:
    """``node`` multiplied by itself ``times`` times: ``a²``, ``tanh³(a)``, ``(a·x1)⁴``."""
    power = str(times).translate(_SUPERSCRIPTS)
    if isinstance(node, Call) and len(node.args) == 1:
        function = FUNCTIONS.get(node.func)
        template = function.words if function is not None else f"{node.func}({{0}})"
        head = template.removesuffix("({0})")
        if head != template and "{" not in head:  # tanh²(a), σ²(a)
            return f"{head}{power}({_words(node.args[0], names)[0]})", _POWER
    return f"{_power_operand(_words(node, names))}{power}", _POWER


def _repeated_factor(node: Binary) -> tuple[Expr, int] | None:
    """``(a, n)`` for a product written ``a*a*...*a`` (n factors, left to right)."""
    times = 1
    left: Expr = node
    while isinstance(left, Binary) and left.op == "*" and left.right == node.right:
        times += 1
        left = left.left
    if left != node.right or times < 2:
        return None
    return left, times


def _words(node: Expr, names: Mapping[str, str]) -> tuple[str, int]:
    if isinstance(node, Num):
        text = number_words(node.value)
        return text, _NEGATIVE if text.startswith(MINUS) else _ATOM
    if isinstance(node, Var):
        text = names.get(node.name, node.name)
        return text, text_level(text)
    if isinstance(node, Unary):
        operand = _words(node.operand, names)
        inner = operand[0] if operand[1] >= _PRODUCT and operand[1] != _NEGATIVE \
            and not operand[0].startswith(MINUS) \
            else f"({operand[0]})"
        return f"{MINUS}{inner}", _NEGATIVE
    if isinstance(node, Binary):
        return _binary(node, names)
    function = FUNCTIONS.get(node.func)
    template = function.words if function is not None else \
        f"{node.func}(" + ", ".join(f"{{{i}}}" for i in range(len(node.args))) + ")"
    args = []
    for index, arg in enumerate(node.args):
        piece = _words(arg, names)
        args.append(piece[0] if _enclosed(template, index) else _wrap(piece, _ATOM))
    return template.format(*args), _ATOM


def _binary(node: Binary, names: Mapping[str, str]) -> tuple[str, int]:
    op = node.op
    if op == "**" and node.right == Num(2.0):
        return _square(node.left, names)
    if op == "*" and (repeated := _repeated_factor(node)) is not None:
        factor, times = repeated
        return _square(factor, names, times)  # a·a·a reads a³
    if op == "/":
        # x/y/y reads better as x/y² (and −(x/y)/y as −x/y²): the same number.
        inner = node.left.operand if isinstance(node.left, Unary) else node.left
        if isinstance(inner, Binary) and inner.op == "/" and inner.right == node.right:
            square = Binary("/", inner.left, Binary("**", node.right, Num(2.0)))
            if inner is node.left:
                return _binary(square, names)
            return _words(Unary("-", square), names)
    left = _words(node.left, names)
    right = _words(node.right, names)
    if op == "**":
        base = _power_operand(left)
        exponent = _power_operand(right)
        return f"{base}^{exponent}", _POWER
    level = _LEVEL[op]
    left_text = _wrap(left, level)
    # The right operand needs parentheses when it binds less, or as tightly after − and /
    # (a − (b + c), a/(b·c)), or starts with a minus (a·(−b), a·(−b/c)).
    tight = (right[1] < level or (right[1] == level and op in "-/") or right[1] == _NEGATIVE
             or right[0].startswith(MINUS))
    right_text = f"({right[0]})" if tight else right[0]
    return f"{left_text}{_SIGN[op]}{right_text}", level
