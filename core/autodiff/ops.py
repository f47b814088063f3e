"""The op table: every operation the engine knows, defined once.

Each row gives an op's arity, its display symbol, how it is drawn, and its forward value and
local derivatives as small expression templates.  The templates are the single source of
truth: the trace engine compiles them against numpy, the fast path generates straight-line
Python from them against ``math``, and the tests gradient-check every row.  Adding an op is
adding a row.

Template placeholders: ``{a}`` and ``{b}`` are the operands, ``{out}`` is the op's own
forward value, ``{p}`` is the op's constant parameter (the exponent of ``pow``).  Function
names inside templates (``exp``, ``sigmoid``, ``step`` ...) resolve in a namespace: scalar
(:data:`SCALAR_NAMESPACE`) or numpy (:data:`ARRAY_NAMESPACE`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

Shape = Literal["circle", "ellipse"]

#: What the scalar functions may raise where numpy would give inf or nan.
SCALAR_ERRORS = (OverflowError, ValueError, ZeroDivisionError)


@dataclass(frozen=True)
class Op:
    """One row of the op table.

    Attributes
    ----------
    name
        Table name, as written in formulas for functions (``tanh``) and as reported in
        traces and JSON (``add``).
    arity
        Number of operands.
    symbol
        What a drawing shows in the node (``+``, ``*``, ``exp``).
    shape
        ``circle`` for arithmetic, ``ellipse`` for functions, as in the course figure.
    forward
        Template of the forward value.
    derivatives
        One template per operand: the local derivative d(out)/d(operand).
    derivative_text
        Human-readable local derivative rule, for legends and inspectors.
    domain
        Interval (low, high) from which tests draw operands where the op is smooth.
    infix
        The formula operator (``+``) for binary arithmetic, else ``None``.
    has_param
        Whether the op takes a constant parameter ``{p}``.
    words
        The forward value as people write it, with ``{a}``, ``{b}``, ``{p}`` for operands
        (names or numbers): ``{a}·{b}``, ``tanh({a})``.
    derivative_words
        One per operand: the local derivative as people write it, in the operands
        (``1 − tanh²({a})``), so a debugger can show the rule with the real numbers.
    """

    name: str
    arity: int
    symbol: str
    shape: Shape
    forward: str
    derivatives: tuple[str, ...]
    derivative_text: str
    domain: tuple[float, float] = (-2.0, 2.0)
    infix: str | None = None
    has_param: bool = False
    words: str = ""
    derivative_words: tuple[str, ...] = ()
    _compiled: dict[str, Callable[..., Any]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if len(self.derivatives) != self.arity:
            raise ValueError(f"op {self.name}: {self.arity} operands need as many derivatives")
        if len(self.derivative_words) != self.arity:
            raise ValueError(f"op {self.name}: {self.arity} operands need as many "
                             "derivative_words")

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
        """The forward template on Python floats with :mod:`math`, reading its operands
        from a mapping: ``scalar_forward(values, a, b, p)`` where ``a`` and ``b`` are the
        operands' keys (``b`` unused by unary ops).  Raises one of :data:`SCALAR_ERRORS`
        where :meth:`evaluate` gives inf or nan."""
        return self._compile("forward", "mapping")

    @property
    def scalar_derivatives(self) -> Callable[..., tuple[float, ...]]:
        """The derivative templates on Python floats:
        ``scalar_derivatives(values, a, b, out, p)`` -> one local derivative per operand.
        Raises one of :data:`SCALAR_ERRORS` where :meth:`local_derivatives` gives inf or
        nan."""
        return self._compile("derivatives", "mapping")

    def render(self, template: str, operands: tuple[str, ...], out: str = "out",
               param: float | None = None) -> str:
        """Fill a template with variable names (for code generation)."""
        names = dict(zip(("a", "b"), operands, strict=False))
        return template.format(out=out, p=repr(param), **names)

    def _compile(self, which: str, kind: Literal["array", "scalar", "mapping"]
                 ) -> Callable[..., Any]:
        key = f"{which} {kind}"
        fn = self._compiled.get(key)
        if fn is None:
            operands = ("a", "b")[: self.arity]
            if kind != "mapping":
                # Positional operands: fn(a, b, p).
                names = {name: name for name in operands}
                params = operands
            else:
                # Operands read from a mapping by key: fn(values, a, b, p), one call per
                # node with no argument tuple to build.
                names = {name: f"values[{name}]" for name in operands}
                params = ("values", "a", "b")
            if which == "forward":
                params = (*params, "p")
                body = self.forward.format(out="out", p="p", **names)
            else:
                params = (*params, "out", "p")
                body = "(" + ", ".join(
                    d.format(out="out", p="p", **names)
                    for d in self.derivatives
                ) + ",)"
            namespace = ARRAY_NAMESPACE if kind == "array" else SCALAR_NAMESPACE
            # The templates are the table's own constants, never user text.
            fn = eval(f"lambda {', '.join(params)}: {body}", dict(namespace))  # noqa: S307
            self._compiled[key] = fn
        return fn


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


#: Functions the templates call, for scalar Python floats.  ``math`` raises on overflow and
#: domain errors instead of returning inf/nan (:data:`SCALAR_ERRORS`); the trace engine then
#: computes that one op with numpy, and the compiled fast path redoes the sample on the
#: trace path, which reports the first non-finite node.
SCALAR_NAMESPACE: Mapping[str, Any] = {
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "tanh": math.tanh,
    "sin": math.sin,
    "cos": math.cos,
    "sigmoid": _scalar_sigmoid,
    "relu": _scalar_relu,
    "step": lambda a: 1.0 if a > 0.0 else 0.0,
    "abs": abs,
    "sign": _scalar_sign,
    "pow": math.pow,
    "softplus": _scalar_softplus,
    "huber": _scalar_huber,
}

#: The same functions for numpy arrays and float64 scalars.
ARRAY_NAMESPACE: Mapping[str, Any] = {
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "tanh": np.tanh,
    "sin": np.sin,
    "cos": np.cos,
    "sigmoid": _array_sigmoid,
    "relu": lambda a: np.maximum(a, 0.0),
    "step": lambda a: np.where(a > 0.0, 1.0, 0.0),
    "abs": np.abs,
    "sign": np.sign,
    "pow": np.power,
    "softplus": _array_softplus,
    "huber": _array_huber,
}


def _table(*ops: Op) -> Mapping[str, Op]:
    return {op.name: op for op in ops}


#: The op table.  Drawing, parsing, code generation, gradient checking and tests read it.
OPS: Mapping[str, Op] = _table(
    Op("add", 2, "+", "circle", "({a} + {b})", ("1.0", "1.0"),
       "d(a+b)/da = 1, d(a+b)/db = 1", infix="+",
       words="{a} + {b}", derivative_words=("1", "1")),
    Op("sub", 2, "−", "circle", "({a} - {b})", ("1.0", "-1.0"),
       "d(a−b)/da = 1, d(a−b)/db = −1", infix="-",
       words="{a} − {b}", derivative_words=("1", "−1")),
    Op("mul", 2, "×", "circle", "({a} * {b})", ("{b}", "{a}"),
       "d(ab)/da = b, d(ab)/db = a", infix="*",
       words="{a}·{b}", derivative_words=("{b}", "{a}")),
    Op("div", 2, "÷", "circle", "({a} / {b})", ("(1.0 / {b})", "(-{out} / {b})"),
       "d(a/b)/da = 1/b, d(a/b)/db = −a/b²", domain=(0.5, 2.0), infix="/",
       words="{a} / {b}", derivative_words=("1/{b}", "−{a}/{b}²")),
    Op("neg", 1, "−x", "circle", "(-{a})", ("-1.0",), "d(−a)/da = −1",
       words="−{a}", derivative_words=("−1",)),
    Op("square", 1, "x²", "circle", "({a} * {a})", ("(2.0 * {a})",), "d(a²)/da = 2a",
       words="{a}²", derivative_words=("2·{a}",)),
    Op("pow", 1, "xᵖ", "circle", "pow({a}, {p})", ("({p} * pow({a}, {p} - 1.0))",),
       "d(aᵖ)/da = p·aᵖ⁻¹", domain=(0.5, 2.0), has_param=True,
       words="{a}^{p}", derivative_words=("{p}·{a}^({p} − 1)",)),
    Op("exp", 1, "exp", "ellipse", "exp({a})", ("{out}",), "d eˣ/dx = eˣ",
       words="exp({a})", derivative_words=("exp({a})",)),
    Op("log", 1, "log", "ellipse", "log({a})", ("(1.0 / {a})",), "d log x/dx = 1/x",
       domain=(0.5, 3.0),
       words="log({a})", derivative_words=("1/{a}",)),
    Op("sqrt", 1, "√", "ellipse", "sqrt({a})", ("(0.5 / {out})",), "d √x/dx = 1/(2√x)",
       domain=(0.5, 3.0),
       words="√{a}", derivative_words=("1/(2·√{a})",)),
    Op("tanh", 1, "tanh", "ellipse", "tanh({a})", ("(1.0 - {out} * {out})",),
       "d tanh x/dx = 1 − tanh²x",
       words="tanh({a})", derivative_words=("1 − tanh²({a})",)),
    Op("sin", 1, "sin", "ellipse", "sin({a})", ("cos({a})",), "d sin x/dx = cos x",
       words="sin({a})", derivative_words=("cos({a})",)),
    Op("cos", 1, "cos", "ellipse", "cos({a})", ("(-sin({a}))",), "d cos x/dx = −sin x",
       words="cos({a})", derivative_words=("−sin({a})",)),
    Op("sigmoid", 1, "σ", "ellipse", "sigmoid({a})", ("({out} * (1.0 - {out}))",),
       "σ'(x) = σ(x)(1 − σ(x))",
       words="σ({a})", derivative_words=("σ({a})·(1 − σ({a}))",)),
    Op("relu", 1, "relu", "ellipse", "relu({a})", ("step({a})",),
       "relu'(x) = 1 if x > 0 else 0", domain=(0.1, 2.0),
       words="relu({a})", derivative_words=("(1 if {a} > 0 else 0)",)),
    Op("abs", 1, "|x|", "ellipse", "abs({a})", ("sign({a})",), "d|x|/dx = sign x",
       domain=(0.1, 2.0),
       words="|{a}|", derivative_words=("sign({a})",)),
    Op("softplus", 1, "softplus", "ellipse", "softplus({a})", ("sigmoid({a})",),
       "d softplus x/dx = σ(x)", domain=(-4.0, 4.0),
       words="softplus({a})", derivative_words=("σ({a})",)),
    # Huber takes δ as its constant parameter, like pow's exponent.  Its derivative is
    # a clipped to [−δ, δ]: a itself where |a| <= δ (times 1.0, exact), else δ·sign(a).
    Op("huber", 1, "huber", "ellipse", "huber({a}, {p})",
       ("({a} * (1.0 - step(abs({a}) - {p})) + {p} * sign({a}) * step(abs({a}) - {p}))",),
       "d huber_δ(x)/dx = x clipped to [−δ, δ]", domain=(-3.0, 3.0), has_param=True,
       words="huber({a}; δ = {p})", derivative_words=("clip({a}, ±{p})",)),
)

#: Ops callable by name in formulas: every op except the ones written as operators and
#: the ones with a constant parameter (pow is written ``**``; huber is a loss).
FUNCTIONS: frozenset[str] = frozenset(
    name for name, op in OPS.items()
    if op.infix is None and name != "neg" and not op.has_param
)
