"""Python source from expression trees, and the one place where source becomes code.

This is the only module of the project that calls :func:`exec`: the compiled fast path,
the landscape, the op table and the exact checks all hand their generated source to
:func:`define` or :func:`compile_lambda`.  Generated text is made from trees (whose names
the parser checked, or the program's own), node indices and float reprs; it is never text
a user typed.

The source parenthesises every operation as the tree has it, so Python computes exactly the
operations the tree says, in its order: the generated code and
:func:`core.expr.evaluate.evaluate` agree bit for bit.
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from core.expr.functions import ARRAY_NAMESPACE, FUNCTIONS, SCALAR_NAMESPACE, Function
from core.expr.tree import Binary, Call, Expr, Num, Unary, Var

Flavour = Literal["scalar", "array", "torch"]

#: Text that stands as an operand without parentheses: a name, or an unsigned number.
_ATOM = re.compile(r"[A-Za-z_][A-Za-z_0-9]*|[0-9][0-9.]*(e[+-]?[0-9]+)?")


def _name(name: str, what: str) -> str:
    if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("__"):
        raise ValueError(f"{what} {name!r} cannot appear in generated code")
    return name


def number_source(value: float) -> str:
    """A float as Python source that reads back to the same float."""
    if math.isnan(value):
        return "float('nan')"
    if math.isinf(value):
        return "float('inf')" if value > 0 else "(-float('inf'))"
    text = repr(float(value))
    return f"({text})" if text.startswith("-") else text


#: How tightly each kind of node binds in Python, for :func:`python_source`'s readable text.
_SUM, _PRODUCT, _NEGATION, _POWER, _PRIMARY = range(1, 6)
_LEVELS = {"+": _SUM, "-": _SUM, "*": _PRODUCT, "/": _PRODUCT, "**": _POWER}


def _level(node: Expr) -> int:
    if isinstance(node, Binary):
        return _LEVELS[node.op]
    return _NEGATION if isinstance(node, Unary) else _PRIMARY


def python_source(expr: Expr, names: Mapping[str, str] | None = None,
                  flavour: Flavour = "scalar", *, readable: bool = False) -> str:
    """Python text for ``expr``, every operation parenthesised as the tree says.

    Parameters
    ----------
    expr
        The tree.
    names
        Variable -> the text to put in its place (another name, ``values[a]``, a float's
        repr); text other than a name or an unsigned number is put in parentheses.
        Variables not in ``names`` keep their name.
    flavour
        ``scalar`` and ``array`` call each function by its name (the namespace the code
        runs in decides which implementation: :data:`~core.expr.functions.SCALAR_NAMESPACE`
        or :data:`~core.expr.functions.ARRAY_NAMESPACE`); ``torch`` writes each function's
        PyTorch source.
    readable
        Text for people (an exported script): only the parentheses without which Python
        would read another tree (``w1 * x1 + w2 * x2``, ``a - (b - c)``, ``(-a) ** 2``), so
        the same operations still run in the same order.
    """
    given = names or {}

    def operand(node: Expr, needs_parentheses: bool) -> str:
        # Without ``readable`` every operation brings its own parentheses.
        text = source(node)
        return f"({text})" if readable and needs_parentheses else text

    def source(node: Expr) -> str:
        if isinstance(node, Num):
            return number_source(node.value)
        if isinstance(node, Var):
            text = given.get(node.name)
            if text is None:
                return _name(node.name, "the variable")
            return text if _ATOM.fullmatch(text) else f"({text})"
        if isinstance(node, Unary):
            text = "-" + operand(node.operand, _level(node.operand) < _NEGATION)
        elif isinstance(node, Binary):
            level = _LEVELS[node.op]
            if node.op == "**":  # right-associative; `a ** -b` needs no parentheses
                left = operand(node.left, _level(node.left) <= level)
                right = operand(node.right, _level(node.right) < _NEGATION)
            else:  # left-associative: a - (b - c) keeps its parentheses
                left = operand(node.left, _level(node.left) < level)
                right = operand(node.right, _level(node.right) <= level)
            text = f"{left} {node.op} {right}"
        else:
            args = [source(a) for a in node.args]
            if readable:  # an argument needs no parentheses of its own: f(x, -1.0)
                args = [text[1:-1] if isinstance(a, Num) and text.startswith("(-") else text
                        for a, text in zip(node.args, args, strict=True)]
            function = FUNCTIONS.get(node.func) if flavour == "torch" else None
            if function is None:
                return f"{_name(node.func, 'the function')}({', '.join(args)})"
            text = function.torch.format(*_tensors(node.args, args, function))
        return text if readable else f"({text})"

    return source(expr)


def _tensors(nodes: Sequence[Expr], texts: Sequence[str], function: Function) -> list[str]:
    """A torch function's arguments: a constant becomes a float64 tensor (torch.maximum,
    a comparison's ``.to`` take tensors only), except one passed as a keyword, a number
    (Huber's ``delta=1.0``), and one beside a tensor where the function takes numbers
    (``torch.pow(x, 2.5)``)."""
    numbers = function.torch_numbers and not all(isinstance(node, Num) for node in nodes)
    return [f"torch.tensor({text}, dtype=torch.float64)"
            if isinstance(node, Num) and not numbers and f"={{{i}}}" not in function.torch
            else text
            for i, (node, text) in enumerate(zip(nodes, texts, strict=True))]


def define(source: str, filename: str, namespace: dict[str, Any]) -> dict[str, Any]:
    """Run generated ``source`` (definitions) in ``namespace``, and return the namespace.

    ``filename`` names the code in tracebacks (``<compiled seed>``).
    """
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 (generated, see above)
    return namespace


def namespace_of(flavour: Flavour) -> dict[str, Any]:
    """A fresh namespace with the functions of ``flavour``."""
    if flavour == "scalar":
        return dict(SCALAR_NAMESPACE)
    if flavour == "array":
        return dict(ARRAY_NAMESPACE)
    import torch  # optional: only exports need it

    return {"torch": torch}


def compile_lambda(params: Sequence[str], bodies: Expr | Sequence[Expr],
                   flavour: Flavour = "scalar", names: Mapping[str, str] | None = None,
                   *, namespace: Mapping[str, Any] | None = None) -> Callable[..., Any]:
    """``lambda params: body`` (or a tuple of ``bodies``) as a function.

    Parameters
    ----------
    params
        The parameters' names.
    bodies
        One tree, or several (the function then returns a tuple).
    flavour, names
        As :func:`python_source`.
    namespace
        The functions the body calls, instead of the flavour's (another number type's).
    """
    for param in params:
        _name(param, "the parameter")
    if isinstance(bodies, (Num, Var, Call, Unary, Binary)):
        body = python_source(bodies, names, flavour)
    else:
        body = "(" + "".join(f"{python_source(b, names, flavour)}, " for b in bodies) + ")"
    scope = dict(namespace) if namespace is not None else namespace_of(flavour)
    define(f"_function = lambda {', '.join(params)}: {body}\n", "<formula>", scope)
    function: Callable[..., Any] = scope["_function"]
    return function
