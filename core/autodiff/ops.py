"""The op table: every operation the engine knows, defined once, as formulas.

Each row gives an op's operand names (``args``: ``("a",)`` or ``("a", "b")``), its display
symbol, how it is drawn, and its forward value and local derivatives as formulas of the
app's language (:mod:`core.expr`), parsed into expression trees.  Derivatives may read
``out``, the op's own value (``tanh' = 1 − out·out``), and ``p``, the op's constant
parameter (the exponent of ``pow``).  The trees are the single source of truth: the trace
engine and the fast path generate code from them (:mod:`core.expr.codegen`), the words a
student reads are rendered from them (:mod:`core.expr.text`), and the tests
gradient-check every row.  Adding an op is adding a row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal

import numpy as np

from core.expr.codegen import compile_lambda, python_source
from core.expr.functions import ARRAY_NAMESPACE, SCALAR_ERRORS, SCALAR_NAMESPACE
from core.expr.parse import parse_expression
from core.expr.text import is_compound
from core.expr.text import words as expr_words
from core.expr.tree import Binary, Call, Expr, Unary, Var, substitute

__all__ = ["ARRAY_NAMESPACE", "FUNCTIONS", "OPS", "SCALAR_ERRORS", "SCALAR_NAMESPACE", "Op",
           "Shape"]

Shape = Literal["circle", "ellipse"]

#: Operand names, by arity.
OPERANDS = ("a", "b")
#: Where the check and the tests draw operands when a row gives no domain.
DEFAULT_DOMAIN = (-2.0, 2.0)

_Kind = Literal["array", "scalar", "mapping"]
#: The operands and the parameter as ``{a}``, ``{b}``, ``{p}`` in :attr:`Op.words`.
_PLACEHOLDERS = {"a": "{a}", "b": "{b}", "p": "{p}"}


@dataclass(frozen=True, eq=False)
class Op:
    """One row of the op table.

    Attributes
    ----------
    name
        Table name, as written in formulas for functions (``tanh``) and as reported in
        traces and JSON (``add``).
    args
        The operands' names in the formulas: ``("a",)`` or ``("a", "b")``.
    forward
        The forward value, a tree in ``args`` (and ``p``).
    derivatives
        One tree per operand: the local derivative d(out)/d(operand), in ``args``,
        ``out`` and ``p``.
    symbol
        What a drawing shows in the node (``+``, ``×``, ``exp``).
    shape
        ``circle`` for arithmetic, ``ellipse`` for functions, as in the course figure.
    domain
        Interval (low, high) from which checks draw operands where the op is smooth.
    infix
        The formula operator (``+``) for binary arithmetic, else ``None``.
    has_param
        Whether the op takes a constant parameter ``p``.
    definition
        The JSON-able definition of an op defined in a file (what sessions embed);
        ``None`` for the built-in rows.
    """

    name: str
    args: tuple[str, ...]
    forward: Expr
    derivatives: tuple[Expr, ...]
    symbol: str
    shape: Shape = "ellipse"
    domain: tuple[float, float] = DEFAULT_DOMAIN
    infix: str | None = None
    has_param: bool = False
    definition: Mapping[str, Any] | None = None
    _compiled: dict[str, Callable[..., Any]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.args not in (OPERANDS[:1], OPERANDS):
            raise ValueError(f"op {self.name}: operands must be named a or a, b; "
                             f"got {', '.join(self.args)}")
        if len(self.derivatives) != self.arity:
            raise ValueError(f"op {self.name}: {self.arity} operand"
                             f"{'s need' if self.arity > 1 else ' needs'} as many "
                             "derivatives")

    @classmethod
    def from_formulas(cls, name: str, args: Sequence[str], forward: str | Expr,
                      derivatives: Sequence[str | Expr], *,
                      domain: Sequence[float] | None = None, symbol: str | None = None,
                      shape: Shape = "ellipse", infix: str | None = None,
                      has_param: bool = False,
                      definition: Mapping[str, Any] | None = None) -> Op:
        """A row from formulas (text or trees).

        ``args`` names the operands as the formulas do (any names: they are renamed to
        ``a``, ``b``); derivatives may also read ``out`` (and ``p`` with ``has_param``).
        ``definition`` defaults to the formulas themselves as JSON (what a session embeds).

        Raises
        ------
        core.expr.parse.ExpressionError
            For a formula that cannot be read or reads an unknown name.
        ValueError
            For a wrong number of operands or derivatives.
        """
        given = tuple(args)
        if not 1 <= len(given) <= 2 or len(set(given)) != len(given):
            raise ValueError(f"op {name}: takes one or two distinct operands, got "
                             f"{list(given)}")
        own = OPERANDS[:len(given)]
        rename = {g: Var(o) for g, o in zip(given, own, strict=True) if g != o}
        param = ("p",) if has_param else ()

        def tree(formula: str | Expr, names: tuple[str, ...]) -> Expr:
            parsed = parse_expression(formula, variables=names) \
                if isinstance(formula, str) else formula
            return substitute(parsed, rename) if rename else parsed

        forward_tree = tree(forward, (*given, *param))
        derivative_trees = tuple(tree(d, (*given, "out", *param)) for d in derivatives)
        low, high = domain if domain is not None else DEFAULT_DOMAIN
        if definition is None:
            definition = {
                "name": name, "args": list(given),
                "forward": forward if isinstance(forward, str) else python_source(forward),
                "derivatives": [d if isinstance(d, str) else python_source(d)
                                for d in derivatives],
                "domain": [float(low), float(high)],
            }
            if symbol is not None:
                definition["symbol"] = symbol
        return cls(name, own, forward_tree, derivative_trees, symbol or name, shape,
                   (float(low), float(high)), infix, has_param, definition)

    def with_derivatives(self, derivatives: Sequence[Expr]) -> Op:
        """This row with other local derivatives (a derivative broken on purpose)."""
        return replace(self, derivatives=tuple(derivatives), _compiled={})

    @property
    def arity(self) -> int:
        """Number of operands."""
        return len(self.args)

    # -- words for people, from the trees --------------------------------------------------

    @cached_property
    def words(self) -> str:
        """The forward value as people write it, with ``{a}``, ``{b}``, ``{p}`` for
        operands (names or numbers): ``{a}·{b}``, ``tanh({a})``."""
        return expr_words(self.forward, _PLACEHOLDERS)

    @cached_property
    def derivative_words(self) -> tuple[str, ...]:
        """One per operand: the local derivative as people write it, ``out`` written as
        the forward value (``1 − tanh²({a})``), so a debugger can show the rule with the
        real numbers."""
        return tuple(expr_words(self.derivative_in_operands(i), _PLACEHOLDERS)
                     for i in range(self.arity))

    def derivative_in_operands(self, position: int) -> Expr:
        """The local derivative for operand ``position`` with ``out`` replaced by the
        forward formula: the derivative as a function of the operands alone."""
        return substitute(self.derivatives[position], {"out": self.forward})

    @cached_property
    def derivative_text(self) -> str:
        """The local derivative rule for legends and inspectors: ``d tanh(x)/dx =
        1 − tanh²(x)``, ``d(a·b)/da = b, d(a·b)/db = a``."""
        names = {"a": "x"} if self.arity == 1 else {}
        value = expr_words(self.forward, names)
        of = f"({value})" if is_compound(value) else f" {value}"
        rules = []
        for position, arg in enumerate(self.args):
            by = names.get(arg, arg)
            rule = expr_words(self.derivative_in_operands(position), names)
            rules.append(f"d{of}/d{by} = {rule}")
        return ", ".join(rules)

    # -- numbers -------------------------------------------------------------------------

    def evaluate(self, args: tuple[float, ...], param: float | None = None) -> float:
        """Forward value on float64 scalars; non-finite results propagate, never raise.

        Computed with the scalar functions the fast path uses (:data:`SCALAR_NAMESPACE`),
        so a trace and a training step agree to the last bit; where those raise (overflow,
        a domain error, a division by zero), numpy gives the inf or nan instead.
        """
        floats = tuple(float(a) for a in args)
        try:
            return float(self._compile("forward", "scalar")(*floats, param))
        except SCALAR_ERRORS:
            fn = self._compile("forward", "array")
            with np.errstate(all="ignore"):
                # numpy scalars, so that 1/0 is inf rather than ZeroDivisionError.
                return float(fn(*(np.float64(a) for a in floats), param))

    def local_derivatives(
        self, args: tuple[float, ...], out: float, param: float | None = None
    ) -> tuple[float, ...]:
        """Local derivative d(out)/d(operand i) for every operand, on float64 scalars (as
        :meth:`evaluate`: the fast path's functions, numpy where they raise)."""
        floats = tuple(float(a) for a in args)
        try:
            derivatives = self._compile("derivatives", "scalar")(*floats, float(out), param)
            return tuple(float(d) for d in derivatives)
        except SCALAR_ERRORS:
            fn = self._compile("derivatives", "array")
            with np.errstate(all="ignore"):
                return tuple(
                    float(d) for d in fn(*(np.float64(a) for a in floats), np.float64(out),
                                         param)
                )

    def floating_point_problem(self, args: tuple[float, ...],
                               param: float | None = None) -> str | None:
        """The IEEE exception the forward value raises on these operands, if any:
        ``overflow``, ``divide by zero`` (also a pole such as log 0) or ``invalid value``
        (a NaN: sqrt of a negative number, inf − inf, 0·inf); ``None`` when it is exact
        or merely rounded."""
        seen: list[str] = []
        fn = self._compile("forward", "array")
        with np.errstate(all="call", call=lambda kind, _flag: seen.append(kind)):
            fn(*(np.float64(a) for a in args), param)
        return seen[0] if seen else None

    @property
    def scalar_forward(self) -> Callable[..., float]:
        """The forward formula on Python floats with :mod:`math`, reading its operands
        from a mapping: ``scalar_forward(values, a, b, p)`` where ``a`` and ``b`` are the
        operands' keys (``b`` unused by unary ops).  Raises one of :data:`SCALAR_ERRORS`
        where :meth:`evaluate` gives inf or nan."""
        return self._compile("forward", "mapping")

    @property
    def scalar_derivatives(self) -> Callable[..., tuple[float, ...]]:
        """The derivative formulas on Python floats:
        ``scalar_derivatives(values, a, b, out, p)`` -> one local derivative per operand.
        Raises one of :data:`SCALAR_ERRORS` where :meth:`local_derivatives` gives inf or
        nan."""
        return self._compile("derivatives", "mapping")

    def render(self, formula: Expr, operands: Sequence[str], out: str = "out",
               param: float | None = None) -> str:
        """Python source of one of the row's formulas with the operands, ``out`` and the
        parameter written as the given names (for code generation)."""
        return python_source(_real_powers(formula), self.names(operands, out, param))

    def names(self, operands: Sequence[str], out: str = "out",
              param: float | None = None) -> dict[str, str]:
        """The variable -> source mapping :meth:`render` uses."""
        names = dict(zip(self.args, operands, strict=True))
        names["out"] = out
        if self.has_param:
            names["p"] = repr(param)
        return names

    def _compile(self, which: str, kind: _Kind) -> Callable[..., Any]:
        key = f"{which} {kind}"
        fn = self._compiled.get(key)
        if fn is None:
            operands = self.args
            names: dict[str, str] = {}
            if kind == "mapping":
                # Operands read from a mapping by key: fn(values, a, b, p), one call per
                # node with no argument tuple to build.
                names = {name: f"values[{name}]" for name in operands}
                params: tuple[str, ...] = ("values", "a", "b")
            else:
                params = operands  # positional operands: fn(a, b, p)
            if which == "forward":
                params = (*params, "p")
                bodies: Expr | tuple[Expr, ...] = self.forward
            else:
                params = (*params, "out", "p")
                bodies = self.derivatives
            if kind == "array":
                fn = compile_lambda(params, bodies, "array", names)
            else:
                fn = compile_lambda(params, _real_powers(bodies), "scalar", names)
            self._compiled[key] = fn
        return fn


def _real_powers(formula: Expr | tuple[Expr, ...]) -> Any:
    """``formula`` with each ``a ** b`` as ``pow(a, b)`` (:func:`math.pow`), for the code
    on Python floats.  Python's ``**`` gives a complex number for a negative base and a
    fractional exponent, which no caller expects; ``math.pow`` raises ValueError there (one
    of :data:`SCALAR_ERRORS`, so numpy's nan takes its place) and otherwise gives the same
    float, as both call the C library's ``pow``."""
    if isinstance(formula, tuple):
        return tuple(_real_powers(f) for f in formula)
    if isinstance(formula, Binary):
        left, right = _real_powers(formula.left), _real_powers(formula.right)
        if formula.op == "**":
            return Call("pow", (left, right))
        return Binary(formula.op, left, right)
    if isinstance(formula, Unary):
        return Unary(formula.op, _real_powers(formula.operand))
    if isinstance(formula, Call):
        return Call(formula.func, tuple(_real_powers(a) for a in formula.args))
    return formula


def _row(name: str, args: str, symbol: str, shape: Shape, forward: str,
         derivatives: tuple[str, ...], **options: Any) -> Op:
    op = Op.from_formulas(name, tuple(args), forward, derivatives, symbol=symbol, shape=shape,
                          **options)
    return replace(op, definition=None)


def _table(*ops: Op) -> dict[str, Op]:
    return {op.name: op for op in ops}


#: The op table.  Drawing, parsing, code generation, gradient checking and tests read it.
#: Each formula keeps the order of operations the fast path has always computed, so
#: trajectories stay the same to the last bit.
OPS: Mapping[str, Op] = _table(
    _row("add", "ab", "+", "circle", "a + b", ("1.0", "1.0"), infix="+"),
    _row("sub", "ab", "−", "circle", "a - b", ("1.0", "-1.0"), infix="-"),
    _row("mul", "ab", "×", "circle", "a * b", ("b", "a"), infix="*"),
    _row("div", "ab", "÷", "circle", "a / b", ("1.0 / b", "-out / b"), domain=(0.5, 2.0),
         infix="/"),
    _row("neg", "a", "−x", "circle", "-a", ("-1.0",)),
    _row("square", "a", "x²", "circle", "a * a", ("2.0 * a",)),
    _row("pow", "a", "xᵖ", "circle", "pow(a, p)", ("p * pow(a, p - 1.0)",),
         domain=(0.5, 2.0), has_param=True),
    _row("exp", "a", "exp", "ellipse", "exp(a)", ("out",)),
    _row("log", "a", "log", "ellipse", "log(a)", ("1.0 / a",), domain=(0.5, 3.0)),
    _row("sqrt", "a", "√", "ellipse", "sqrt(a)", ("0.5 / out",), domain=(0.5, 3.0)),
    _row("tanh", "a", "tanh", "ellipse", "tanh(a)", ("1.0 - out * out",)),
    _row("sin", "a", "sin", "ellipse", "sin(a)", ("cos(a)",)),
    _row("cos", "a", "cos", "ellipse", "cos(a)", ("-sin(a)",)),
    _row("sigmoid", "a", "σ", "ellipse", "sigmoid(a)", ("out * (1.0 - out)",)),
    _row("relu", "a", "relu", "ellipse", "relu(a)", ("step(a)",), domain=(0.1, 2.0)),
    _row("abs", "a", "|x|", "ellipse", "abs(a)", ("sign(a)",), domain=(0.1, 2.0)),
    _row("softplus", "a", "softplus", "ellipse", "softplus(a)", ("sigmoid(a)",),
         domain=(-4.0, 4.0)),
    # Huber takes δ as its constant parameter, like pow's exponent.  Its derivative is
    # a clipped to [−δ, δ]: a itself where |a| <= δ (times 1.0, exact), else δ·sign(a).
    _row("huber", "a", "huber", "ellipse", "huber(a, p)",
         ("a * (1.0 - step(abs(a) - p)) + p * sign(a) * step(abs(a) - p)",),
         domain=(-3.0, 3.0), has_param=True),
)

#: Ops callable by name in formulas: every op except the ones written as operators and
#: the ones with a constant parameter (pow is written ``**``; huber is a loss).  A set,
#: read-only to its readers: :mod:`core.autodiff.user_ops` adds the ops a file defines.
FUNCTIONS: Set[str] = {
    name for name, op in OPS.items()
    if op.infix is None and name != "neg" and not op.has_param
}
