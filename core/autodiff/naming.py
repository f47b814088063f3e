"""Node names: one unique, readable name for every node of a graph.

A node's name is what every message, caption and export calls it:

- a leaf keeps its own name: the weight ``w1``, the feature ``x1`` (or its column's name),
  the target ``y``; a constant is its number (``2``, ``0.5``);
- the prediction is ``y'`` and the loss ``L``;
- a step the formula names (``h = tanh(a*x1 + b)``) is called by that name;
- any other op is named from its operands' names, in the notation people write: ``w1·x1``,
  ``v1·v2``, ``w1·x1+w2·x2``, ``exp(val)``, ``σ(z)``, ``−a``, ``s²``, ``y−y'``, with only
  the parentheses precedence needs, when that is at most :data:`MAX_AUTOMATIC_NAME`
  characters; otherwise, or when the text is already another node's name, it is numbered
  ``#k``: the k-th operation in forward order.  ``#`` cannot be typed in a formula, so a
  numbered name never reads as a weight.

Since operand names are unique and the text shows every operand with the op between
them, two different nodes cannot be given the same automatic text unless it is cut; the
numbered form settles any clash that remains.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from core.autodiff.ops import OPS
from core.expr.functions import FUNCTIONS
from core.expr.tree import Binary, Call, Unary, Var


class Nameable(Protocol):
    """What naming reads of a node (:class:`core.autodiff.graph.Node` has it; the graph
    imports this module, so it is not imported back)."""

    @property
    def id(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def op(self) -> str | None: ...

    @property
    def inputs(self) -> tuple[str, ...]: ...

    @property
    def param(self) -> float | None: ...

    @property
    def constant(self) -> float | None: ...

    @property
    def name(self) -> str: ...

#: Longest automatic name built from operands; longer ones are numbered.
MAX_AUTOMATIC_NAME = 12
#: The prediction's and the loss's names.
PREDICTION_NAME = "y'"
LOSS_NAME = "L"
#: What numbered names start with (it cannot be typed in a formula).
NUMBER_SIGN = "#"

#: Binding strength of a name as an operand: sums < products < unary minus < powers < atoms.
_SUM, _PRODUCT, _NEGATION, _POWER, _ATOM = 1, 2, 3, 4, 5
#: An infix op's symbol in a name and its binding strength, by the formula's operator.
_INFIX = {"+": ("+", _SUM), "-": ("−", _SUM), "*": ("·", _PRODUCT), "/": ("/", _PRODUCT)}
#: Forward formulas named as people write them: −a, a², aᵖ (the op table says which row
#: computes which; this module names no op).
_A = Var("a")
_NEGATED = Unary("-", _A)
_SQUARED = Binary("*", _A, _A)
_RAISED = Call("pow", (_A, Var("p")))
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


@dataclass(frozen=True)
class FormulaWarning:
    """Something about a formula's names that is no error: a named step never used, or a
    subexpression named twice (the first name is kept).

    Attributes
    ----------
    message
        One line, without its place.
    line, column
        Where, 1-based, in the stripped formula (the statement's start); ``line`` is
        ``None`` when the formula is one line, as in :class:`FormulaError`.
    """

    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.column is None:
            return self.message
        if self.line is None:
            return f"column {self.column}: {self.message}"
        return f"line {self.line}, column {self.column}: {self.message}"


def constant_name(value: float) -> str:
    """A constant's name: its shortest exact text (``2``, ``0.5``, ``1e-07``)."""
    short = f"{value:g}"
    return short if float(short) == value else repr(value)


def shown_name(node: Nameable) -> str:
    """What people read for ``node`` (messages, captions, tooltips): its one unique name;
    its label (``×``) only for a node built outside a graph, which names every node."""
    return node.name or node.label


def is_numbered(name: str) -> bool:
    """Whether ``name`` is a numbered automatic name (``#7``)."""
    return name.startswith(NUMBER_SIGN)


def _power_text(base: str, param: float | None) -> str:
    if param is not None and param == int(param) and abs(param) < 1_000:
        return base + str(int(param)).translate(_SUPERSCRIPT)
    return f"{base}^{'?' if param is None else constant_name(param)}"


def _operation_text(node: Nameable, operands: list[tuple[str, int]]) -> tuple[str, int]:
    """The automatic text of an op over its operands' (name, binding strength)."""
    op = node.op or ""

    def wrap(index: int, level: int, tighter: bool = False) -> str:
        text, strength = operands[index]
        return f"({text})" if strength < level or (tighter and strength == level) else text

    row = OPS.get(op)
    forward = None if row is None else row.forward
    if row is not None and row.infix in _INFIX:
        symbol, level = _INFIX[row.infix]
        return f"{wrap(0, level)}{symbol}{wrap(1, level, tighter=True)}", level
    if forward == _NEGATED:
        # Bound like a sum where it is an operand: a+(−b), (−b)·c, (−g)².
        return f"−{wrap(0, _NEGATION, tighter=True)}", _SUM
    if forward == _SQUARED:
        return _power_text(wrap(0, _POWER, tighter=True), 2.0), _POWER
    if forward == _RAISED:
        return _power_text(wrap(0, _POWER, tighter=True), node.param), _POWER
    word = op
    if forward == Call(op, (_A,)) and op in FUNCTIONS:
        # A function's own symbol where people write f(x) with one (σ), else its name.
        head = FUNCTIONS[op].words.removesuffix("({0})")
        word = head if head != FUNCTIONS[op].words and "{" not in head else op
    return f"{word}({', '.join(text for text, _ in operands)})", _ATOM


def _leaf_name(node: Nameable) -> tuple[str, int]:
    if node.kind == "constant" and node.constant is not None:
        text = constant_name(node.constant)
        return text, (_SUM if text.startswith("-") else _ATOM)  # a·(-2), as −b
    return node.id, _ATOM


def assign_names(nodes: Iterable[Nameable]) -> dict[str, str]:
    """Node id -> unique name, for nodes given in forward order (operands first).

    A node's own ``name`` (a formula's statement) is kept; the others are named as the
    module describes.

    Raises
    ------
    ValueError
        If two nodes were given the same name.
    """
    names: dict[str, str] = {}
    strength: dict[str, int] = {}
    used: set[str] = set()
    ordered = list(nodes)
    given = [n.name for n in ordered if n.name]
    if len(given) != len(set(given)):
        duplicate = next(name for name in given if given.count(name) > 1)
        raise ValueError(f"two nodes are named {duplicate!r}")
    used.update(given)
    operations = 0
    for node in ordered:
        if node.op is not None:
            operations += 1
        if node.name:
            name, level = node.name, _ATOM
        elif node.kind == "output":
            name, level = PREDICTION_NAME, _ATOM
        elif node.kind == "loss":
            name, level = LOSS_NAME, _ATOM
        elif node.op is None:
            name, level = _leaf_name(node)
        else:
            name, level = _operation_text(node, [(names[i], strength[i]) for i in node.inputs])
            if len(name) > MAX_AUTOMATIC_NAME or name in used:
                name, level = f"{NUMBER_SIGN}{operations}", _ATOM
        if name in used and not node.name:
            # Only a hand-built graph can get here (a weight called L beside the loss).
            name = f"{NUMBER_SIGN}{operations}" if node.op else f"{NUMBER_SIGN}{node.id}"
            level = _ATOM
        used.add(name)
        names[node.id] = name
        strength[node.id] = level
    return names

