"""How the debugger writes nodes, numbers and rules for people.

Nodes are called by their one unique name (:attr:`Node.name`: ``w1``, ``v1·v2``,
``part_1``, ``#4``, ``y'``, ``L``), never by a bare op symbol (the seed graph has eight
``×``) nor by their internal ids; a name with an operator inside is put in parentheses where
it is an operand or follows ∂ (``∂(v1·v2)/∂v1``); numbers get four significant digits and a
real minus sign, as on the graph; an op's forward value and local derivatives are written
from the op table's ``words`` and ``derivative_words`` with names or numbers filled in.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from core.autodiff.graph import Graph, Node
from core.autodiff.ops import Op

MINUS = "\u2212"

_PLACEHOLDER = re.compile(r"\{([abp])\}")
#: ``f({a})``: a one-operand function written with its argument in parentheses.
_CALL = re.compile(r"^([^\s(){}]+)\(\{a\}\)$")


def number(value: float, digits: int = 4) -> str:
    """``value`` with ``digits`` significant digits and a real minus sign (−0.01234)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+∞" if value > 0 else f"{MINUS}∞"
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text.replace("-", MINUS)


def name(node: Node) -> str:
    """The node's one unique name (``w1``, ``v1·v2``, ``part_1``, ``y'``, ``L``); its label
    only for a node built without a graph (which names every node)."""
    return node.name or node.label


def _top_level_operators(text: str) -> set[str]:
    """The operator characters of ``text`` outside parentheses (a number's exponent
    ``2.1e−5`` has none)."""
    found: set[str] = set()
    depth = 0
    for i, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif depth == 0 and char in "+·/× ":
            found.add(char)
        elif depth == 0 and char in "-" + MINUS and i > 0 and text[i - 1] not in "eE":
            found.add(MINUS)
    return found


def is_compound(text: str) -> bool:
    """Whether ``text`` (a name or a number) has an operator outside parentheses, or starts
    with a minus: then it needs parentheses as an operand (``(v1·v2)``, ``(−0.5)``)."""
    return text.startswith(("-", MINUS)) or bool(_top_level_operators(text))


def d(text: str) -> str:
    """A name after ∂, in parentheses when it is compound: ∂(v1·v2), ∂(y−y'), ∂part_1."""
    return f"({text})" if is_compound(text) else text


def kind_words(node: Node) -> str:
    """The node's role in a few words: ``weight``, ``feature x3``, ``the prediction y'``."""
    if node.kind == "weight":
        return "weight"
    if node.kind == "input":
        return f"feature {node.column + 1 if node.column is not None else ''}".strip()
    if node.kind == "target":
        return "the target"
    if node.kind == "constant":
        return "a constant"
    if node.kind == "output":
        return "the prediction y'"
    if node.kind == "loss":
        return "the loss L"
    return "operation"


def fill(template: str, operands: Sequence[str], param: str = "") -> str:
    """Put operand texts into an op's ``words`` template.

    An operand that is negative or has spaces inside is wrapped in parentheses, unless the
    template already puts it between parentheses (``tanh({a})``).
    """

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        text = param if key == "p" else operands["ab".index(key)]
        start, end = match.start(), match.end()
        before, after = template[:start], template[end:]
        enclosed = (before.endswith("(") and after.startswith(")")) \
            or template == match.group(0)
        if enclosed:
            return text
        sum_signs = (" + ", f" {MINUS} ")
        if (not before or before.endswith(sum_signs)) and (not after
                                                           or after.startswith(sum_signs)):
            # A term of a sum: only a negative term, or a sum after a minus, needs them
            # (w1·x1 + w2·x2, not (w1·x1) + (w2·x2)).
            after_minus = before.endswith(f" {MINUS} ")
            loose = text.startswith(("-", MINUS)) or (
                after_minus and bool(_top_level_operators(text) & {"+", MINUS, " "}))
            return f"({text})" if loose else text
        return f"({text})" if is_compound(text) else text

    return _PLACEHOLDER.sub(replace, template)


def forward_words(op: Op, operands: Sequence[str], param: float | None = None) -> str:
    """The op applied to ``operands`` (names or numbers): ``w1·x1``, ``tanh(1.033)``."""
    return fill(op.words, operands, "" if param is None else number(param))


def derivative_words(op: Op, position: int, operands: Sequence[str],
                     param: float | None = None) -> str:
    """The local derivative with respect to operand ``position`` as people write it, in
    ``operands`` (names or numbers): ``1 − tanh²(1.033)``."""
    return fill(op.derivative_words[position], operands, "" if param is None else number(param))


def of_phrase(op: Op, operand: str) -> str:
    """``exp of 812.4`` for a one-operand function, else the op applied (``a·b``)."""
    match = _CALL.match(op.words)
    if match:
        return f"{match.group(1)} of {operand}"
    return fill(op.words, (operand,))


def operand_names(graph: Graph, node: Node) -> list[str]:
    """The names of a node's operands."""
    return [name(graph[i]) for i in node.inputs]
