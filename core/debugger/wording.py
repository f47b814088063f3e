"""How the debugger writes nodes, numbers and rules for people.

Nodes are called by their one unique name (:attr:`Node.name`: ``w1``, ``v1·v2``,
``part_1``, ``#4``, ``y'``, ``L``), never by a bare op symbol (the seed graph has eight
``×``) nor by their internal ids; a name with an operator inside is put in parentheses where
it is an operand or follows ∂ (``∂(v1·v2)/∂v1``); numbers get four significant digits and a
real minus sign, as on the graph.  An op's forward value and local derivatives are written
from the op row's own trees (:attr:`Op.forward`, :attr:`Op.derivatives`, the ones the
numbers are computed from) by :func:`core.expr.text.words` and
:func:`core.expr.text.with_numbers`, with the operands' names or values filled in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from core.autodiff.graph import Graph, Node
from core.autodiff.naming import shown_name
from core.autodiff.ops import Op
from core.expr.functions import FUNCTIONS
from core.expr.text import MINUS, is_compound, with_numbers, words
from core.expr.tree import Call, Var
from core.numbers import number

__all__ = ["MINUS", "d", "derivative_numbers", "derivative_words", "forward_numbers",
           "forward_words", "is_compound", "kind_words", "local_rules", "name", "number",
           "of_phrase", "operand_names", "operand_values"]


def name(node: Node) -> str:
    """The node's one unique name (``w1``, ``v1·v2``, ``part_1``, ``y'``, ``L``):
    :func:`core.autodiff.naming.shown_name`."""
    return shown_name(node)


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


def _operands(op: Op, operands: Sequence[str], param: float | None) -> dict[str, str]:
    texts = dict(zip(op.args, operands, strict=True))
    if op.has_param and param is not None:
        texts["p"] = number(param)
    return texts


def _values(op: Op, operands: Sequence[float], param: float | None) -> dict[str, float]:
    values = dict(zip(op.args, (float(v) for v in operands), strict=True))
    if op.has_param and param is not None:
        values["p"] = float(param)
    return values


def forward_words(op: Op, operands: Sequence[str], param: float | None = None) -> str:
    """The op applied to its operands' names: ``w1·x1``, ``tanh(part_1+w7)``."""
    return words(op.forward, _operands(op, operands, param))


def forward_numbers(op: Op, operands: Sequence[float], param: float | None = None) -> str:
    """The op applied to its operands' values: ``0.5·(−1.2)``, ``tanh(1.033)``."""
    return with_numbers(op.forward, _values(op, operands, param), number)


def derivative_words(op: Op, position: int, operands: Sequence[str],
                     param: float | None = None) -> str:
    """The local derivative with respect to operand ``position`` in the operands' names,
    ``out`` written as the forward value: ``1 − tanh²(part_1+w7)``."""
    return words(op.derivative_in_operands(position), _operands(op, operands, param))


def derivative_numbers(op: Op, position: int, operands: Sequence[float],
                       param: float | None = None) -> str:
    """The same rule with the operands' values: ``1 − tanh²(1.033)``."""
    return with_numbers(op.derivative_in_operands(position), _values(op, operands, param),
                        number)


def of_phrase(op: Op, operand: float, param: float | None = None) -> str:
    """``exp of 812.4`` for an op that is one function of its one operand, else the op
    applied to it (``812.4²``)."""
    forward = op.forward
    if isinstance(forward, Call) and forward.args == (Var(op.args[0]),):
        function = FUNCTIONS.get(forward.func)
        head = function.words.removesuffix("({0})") if function is not None else ""
        if head and "{" not in head:
            return f"{head} of {number(operand)}"
    return forward_numbers(op, (operand,), param)


def operand_names(graph: Graph, node: Node) -> list[str]:
    """The names of a node's operands."""
    return [name(graph[i]) for i in node.inputs]


def operand_values(values: Mapping[str, float], node: Node) -> list[float]:
    """The values of a node's operands."""
    return [values[i] for i in node.inputs]


def local_rules(graph: Graph, node_id: str) -> tuple[str, ...]:
    """One per operand of an op node, its local derivative in the graph's names, from the
    row the node computes with (a broken one too): ``∂(w1·x1)/∂w1 = x1``,
    ``∂part_2/∂(part_1+w7) = 1 − tanh²(part_1+w7)``; ``()`` for a leaf."""
    node = graph[node_id]
    if node.op is None:
        return ()
    row = graph.op_of(node_id)
    names = operand_names(graph, node)
    return tuple(f"∂{d(name(node))}/∂{d(operand)} = "
                 f"{derivative_words(row, position, names, node.param)}"
                 for position, operand in enumerate(names))
