"""The model as a PyTorch script: the graph's ops as torch operations, in ``torch.float64``.

:func:`torch_script` writes a short, readable script that needs only torch.  It holds the
weights it was given and one data row; run, it computes the loss with torch operations, lets
``torch.autograd`` find every weight's gradient, and prints one line of JSON::

    {"loss": 0.0123, "grads": {"w1": -0.25, "w2": 0.031}}

Every op is written from the op table's own forward formula (:mod:`core.expr`), rendered
for torch by :func:`core.expr.codegen.python_source`: the script computes what the engine
computes, and its gradients are torch's own, found independently of the engine's
derivative rules.  A derivative broken on purpose (a break-it lab) therefore does not reach
the script: the script's gradients are the true ones, and the script says so.

Nodes become lines where a reader wants a name: weights, data, the target, the formula's
named steps, the prediction ``y_pred``, the loss, any value used twice, every op an ops file
defines and every node whose derivative is broken on purpose; every other op is written
inside the expression that uses it, so the seed graph is a dozen lines.
"""

from __future__ import annotations

import keyword
import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from core.autodiff.graph import Graph, Node
from core.autodiff.ops import OPS
from core.expr.codegen import python_source
from core.expr.tree import Expr, Num, Var, children, substitute

#: Names a script variable may not take: the script's own imports and helpers.
_TAKEN = frozenset({"torch", "json", "grads", "number", "print", "float", "dict"})


class TorchExportError(ValueError):
    """A model the script cannot hold (a non-finite weight or data value)."""


@dataclass(frozen=True)
class TorchExport:
    """A script and what it was made from.

    Attributes
    ----------
    source
        The script's text.
    weights
        Weight name -> the value the script holds.
    broken
        The nodes whose derivative the app replaces on purpose (their names): the script's
        gradients, torch's true ones, differ from the app's there.
    """

    source: str
    weights: Mapping[str, float]
    broken: tuple[str, ...]


def _identifier(text: str, taken: set[str], fallback: str) -> str:
    """``text`` as a fresh Python identifier (``fallback`` when it is not one)."""
    stem = text if text.isidentifier() and text.isascii() else fallback
    if keyword.iskeyword(stem) or keyword.issoftkeyword(stem) or stem in _TAKEN:
        stem += "_"
    name, k = stem, 1
    while name in taken:
        k += 1
        name = f"{stem}_{k}"
    taken.add(name)
    return name


def _number(value: float, what: str) -> str:
    if not math.isfinite(value):
        raise TorchExportError(f"{what} is {value}: a script holds finite numbers only")
    return repr(float(value))


def _variable_name(node: Node, graph: Graph, taken: set[str], counter: list[int]) -> str:
    if node.id == graph.output:
        return _identifier("y_pred", taken, "y_pred")
    if node.id == graph.loss:
        return _identifier("loss", taken, "loss")
    if node.kind == "target":
        return _identifier("y", taken, "y")
    if node.kind == "input":
        return _identifier(node.name, taken, f"x{(node.column or 0) + 1}")
    counter[0] += 1
    return _identifier(node.name, taken, node.id)


def _uses(graph: Graph) -> dict[str, int]:
    """How many times each node's value is written where it is used: once per operand
    slot reading it (``s * s`` reads ``s`` twice), times how often the consumer's forward
    formula names that operand (a square ``a*a`` names it twice)."""
    uses = dict.fromkeys(graph.nodes, 0)
    for node in graph.nodes.values():
        if node.op is None:
            continue
        row = OPS[node.op]
        for arg, operand in zip(row.args, node.inputs, strict=True):
            uses[operand] += max(1, _count(row.forward, arg))
    return uses


def _count(expr: Expr, name: str) -> int:
    if isinstance(expr, Var):
        return int(expr.name == name)
    return sum(_count(child, name) for child in children(expr))


def _named(node: Node, graph: Graph, uses: Mapping[str, int]) -> bool:
    """Whether an op node gets a line of its own rather than being written where used:
    also every op an ops file defines, whose formula may be long (``swish1 = mul1 *
    torch.sigmoid(mul1)``, then ``y_pred = swish1 + ...``)."""
    return (node.id in (graph.output, graph.loss) or uses[node.id] != 1
            or (node.name.isidentifier() and node.name.isascii())
            or (node.op is not None and OPS[node.op].definition is not None)
            or node.id in graph.breaks)


def torch_script(graph: Graph, weights: Sequence[float] | np.ndarray,
                 x: Sequence[float] | np.ndarray, y: float,
                 *, title: str = "", steps: int | None = None) -> TorchExport:
    """The script for ``graph`` at ``weights`` (in ``graph.weights`` order) on one data row.

    Parameters
    ----------
    graph
        The model, loss on top.
    weights
        One value per weight, in ``graph.weights`` order.
    x, y
        The data row: every feature column and the target.
    title
        What the model is called in the script's first line (the preset or formula).
    steps
        How many training steps the weights have had, for the script's comment.

    Raises
    ------
    TorchExportError
        For a non-finite weight or data value, or a wrong number of weights.
    """
    if len(weights) != len(graph.weights):
        raise TorchExportError(f"the graph has {len(graph.weights)} weights, got "
                               f"{len(weights)} values")
    uses = _uses(graph)
    taken: set[str] = set()
    counter = [0]
    names: dict[str, str] = {}
    # Leaves first, weights under their own names (the JSON's keys).
    for weight in graph.weights:
        names[weight] = _identifier(graph[weight].name, taken, f"w{len(names) + 1}")
    nodes = [graph[node_id] for node_id in graph.order]
    for node in nodes:
        if node.kind in ("input", "target"):
            names[node.id] = _variable_name(node, graph, taken, counter)
    trees: dict[str, Expr] = {}
    lines: list[str] = []
    for node in nodes:
        if node.op is None:
            if node.kind == "constant":
                trees[node.id] = Num(float(node.constant or 0.0))
            else:
                trees[node.id] = Var(names[node.id])
            continue
        row = OPS[node.op]  # the table's own row: a broken derivative never reaches torch
        bindings: dict[str, Expr] = {arg: trees[operand]
                                     for arg, operand in zip(row.args, node.inputs,
                                                             strict=True)}
        if node.param is not None:
            bindings["p"] = Num(float(node.param))
        tree = substitute(row.forward, bindings)
        if _named(node, graph, uses):
            names[node.id] = _variable_name(node, graph, taken, counter)
            lines.append(f"{names[node.id]} = "
                         f"{python_source(tree, flavour='torch', readable=True)}")
            trees[node.id] = Var(names[node.id])
        else:
            trees[node.id] = tree
    weight_values = {graph[w].name: float(v) for w, v in zip(graph.weights, weights,
                                                            strict=True)}
    broken = tuple(graph[node_id].name for node_id in graph.order if node_id in graph.breaks)
    # Each broken node by its name in the app and, where the script calls it otherwise,
    # the script's (every broken node has a line of its own).
    where = tuple(name if names[node_id] == name else f"{name} (the script's {names[node_id]})"
                  for node_id, name in zip((n for n in graph.order if n in graph.breaks),
                                           broken, strict=True))
    source = _assemble(graph, names, lines, weights, x, y, title=title, steps=steps,
                       broken=where)
    return TorchExport(source=source, weights=weight_values, broken=broken)


def script_title(graph: Graph) -> str:
    """What a script's first line calls the model: ``The seed graph``, ``y' = a*x1 + b``
    for a short one-line formula, else ``The model``."""
    if graph.name:
        return f"The {graph.name} graph"
    formula = " ".join(graph.formula.split())
    return f"y' = {formula}" if len(formula) <= 60 and "=" not in formula else "The model"


def _called(name: str, variable: str) -> str:
    """A comment with the app's name of a weight or column the script calls otherwise
    (``x1 = number(1.5)  # höhe``); nothing when they agree."""
    return "" if name == variable else f"  # {name}"


def _assemble(graph: Graph, names: Mapping[str, str], lines: list[str],
              weights: Sequence[float] | np.ndarray, x: Sequence[float] | np.ndarray,
              y: float, *, title: str,
              steps: int | None, broken: tuple[str, ...]) -> str:
    head = [
        f'"""{title or "The model"} as PyTorch, exported by Backprop Explorer.',
        "",
        "Needs only torch.  Run: python this_file.py.  It prints JSON: the loss and each",
        "weight's gradient from torch.autograd, for the first data row at the weights below",
        f"({'after ' + str(steps) + ' training steps' if steps else 'the starting weights'})."
        "  Everything is float64.",
    ]
    if broken:
        head += ["", *textwrap.wrap(
            f"The app replaces the derivative at {', '.join(broken)} on purpose (a "
            "break-it lab).  This script computes torch's true gradients, so they differ "
            "from the app's there: compare them to find the broken rule.", width=84,
            fix_sentence_endings=True, break_on_hyphens=False)]
    head += ['"""', "", "import json", "", "try:", "    import torch",
             "except ImportError:",
             '    raise SystemExit("this script needs PyTorch: pip install torch") from None',
             "", "", "def number(value, grad=False):",
             "    return torch.tensor(value, dtype=torch.float64, requires_grad=grad)",
             "", "", "# Weights"]
    for weight, value in zip(graph.weights, weights, strict=True):
        head.append(f"{names[weight]} = number({_number(float(value), weight)}, grad=True)"
                    + _called(graph[weight].name, names[weight]))
    head += ["", "# The first data row"]
    for node in (graph[node_id] for node_id in graph.order):
        if node.kind == "input":
            column = node.column or 0
            head.append(f"{names[node.id]} = number("
                        f"{_number(float(x[column]), f'data column {column + 1}')})"
                        + _called(node.name, names[node.id]))
        elif node.kind == "target":
            head.append(f"{names[node.id]} = number({_number(float(y), 'the target')})")
    loss = names[graph.loss]
    body = ["", "# The model and its loss", *lines, "", f"{loss}.backward()"]
    tail = ["grads = {"]
    tail += [f'    "{graph[w].name}": {names[w]}.grad.item(),' for w in graph.weights]
    tail += ["}", f'print(json.dumps({{"loss": {loss}.item(), "grads": grads}}))']
    return "\n".join([*head, *body, *tail]) + "\n"
