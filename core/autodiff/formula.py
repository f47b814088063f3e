"""Formula parsing: a prediction formula becomes a :class:`~core.autodiff.graph.Graph`.

The text is parsed with :mod:`ast` and checked against a whitelist; nothing is ever
evaluated.  ``x1 .. xN`` are data columns (so are the data's column names, when its file
has a header and they are passed in), ``y`` is the target (not allowed in the
prediction), numbers are constants, names called as functions must be in the op table, and
every other name is a trainable weight.  Identical subexpressions become one node with
several consumers (so ``s * s`` shares ``s``).  The squared-error loss ``(y - y')^2`` is put
on top.

A formula may name its steps: statements ``name = expression``, separated by new lines or
``;``, then the expression for y' (``h = tanh(a*x1 + b); w*h + c``).  A named step is
neither a weight nor a column, and its name is its node's name everywhere (see
:mod:`core.autodiff.naming`).  Errors say where, by line and column.
"""

from __future__ import annotations

import ast
import functools
import keyword
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from core.autodiff.graph import Graph, Kind, Node
from core.autodiff.naming import FormulaWarning, constant_name
from core.autodiff.ops import FUNCTIONS, OPS
from core.expr.functions import FUNCTIONS as EXPR_FUNCTIONS
from core.expr.text import words
from core.expr.tree import Binary, Call, Expr, Unary, Var

MAX_FORMULA_LENGTH = 200_000
#: Longest subexpression text a node keeps (:attr:`Node.expr`); longer ones are cut with
#: "…", so that texts stay proportional to the graph, not to its square.
MAX_EXPR_LENGTH = 160
#: Digits of the longest integer literal read: 10**309 already exceeds the largest float.
MAX_INTEGER_DIGITS = 309
#: Digits a name may end in (``x12``, ``w3``): no data has 10**18 columns.
MAX_NAME_DIGITS = 18
_TOO_LARGE = ("is too large for a float (numbers must be finite; the largest is about "
              "1.8e308)")
_INTEGER = re.compile(r"(?<![\w.])\d[\d_]*(?![\w.])")
#: Names that mean the target, the prediction and the loss: neither weights nor named steps.
RESERVED_NAMES = frozenset({"y", "y_pred", "loss", "residual", "L"})
_FEATURE = re.compile(r"x(\d+)")
#: A line that tries to name the prediction (``y' = ...``), which Python reads as a string.
_PREDICTION_STEP = re.compile(r"\s*y'\s*=")
#: A numbered node name (``#4``) where an operand belongs; Python reads it as a comment.
_NUMBERED_USE = re.compile(r"(?:^|[-+*/(,=])[ \t]*(#\d+)", re.MULTILINE)
_A, _B, _P = Var("a"), Var("b"), Var("p")
#: What the formula's operators compute, written as the op table writes forward formulas:
#: the row whose forward formula it is computes it, so no op is named here.
_OPERATORS: Mapping[type[ast.AST], Expr] = {
    ast.Add: Binary("+", _A, _B), ast.Sub: Binary("-", _A, _B),
    ast.Mult: Binary("*", _A, _B), ast.Div: Binary("/", _A, _B)}
_NEGATION = Unary("-", _A)
#: ``x**2`` is the product ``x*x`` (as the fast path has always computed it); ``x**p`` for
#: any other constant ``p`` is ``pow``.
_SQUARE = Binary("*", _A, _A)
_POWER = Call("pow", (_A, _P))
#: Binding strength of a node's formula text: sums < products < unary minus < powers
#: < atoms (names, numbers, function calls).
_SUM, _PRODUCT, _NEGATIVE, _RAISED, _ATOM = 1, 2, 3, 4, 5
_INFIX_LEVEL = {"+": _SUM, "-": _SUM, "*": _PRODUCT, "/": _PRODUCT}


@functools.cache
def _op_computing(forward: Expr) -> str:
    """The name of the op table's row whose forward formula is ``forward``."""
    for name, row in OPS.items():
        if row.forward == forward:
            return name
    raise LookupError(f"the op table has no row computing {words(forward)}")


class FormulaError(ValueError):
    """A formula that cannot become a graph.

    Attributes
    ----------
    reason
        The problem, without its place.
    column
        1-based column in its line of the stripped formula, or ``None``.
    line
        1-based line of the stripped formula when it has several lines, else ``None``.
    offset
        0-based index of the problem in the text as given (before stripping), or ``None``:
        what an editor marks.
    """

    def __init__(self, message: str, column: int | None = None, line: int | None = None,
                 offset: int | None = None) -> None:
        self.reason = message
        self.column = column
        self.line = line
        self.offset = offset
        if column is None:
            where = f" at line {line}" if line is not None else ""
        else:
            where = (f" at line {line}, column {column}" if line is not None
                     else f" at column {column}")
        super().__init__(f"formula error{where}: {message}")


def _at(node: ast.AST) -> dict[str, int | None]:
    """Where ``node`` is, as FormulaError's keyword arguments."""
    return {"column": _column(node), "line": getattr(node, "lineno", None)}


@dataclass(frozen=True)
class _Key:
    """Structural identity of a node, for merging identical subexpressions."""

    op: str
    inputs: tuple[str, ...]
    param: float | None


class _Builder:
    def __init__(self, user_names: set[str], columns: dict[str, int] | None = None) -> None:
        #: Data column names usable in the formula -> 0-based column.
        self.columns: dict[str, int] = columns or {}
        self.target = ""
        self.nodes: list[Node] = []
        self.by_key: dict[object, str] = {}
        # Every name the formula spells is reserved before any internal id (mul1, c1) is
        # made up, so a weight called mul1 never meets an op called mul1.
        self.taken: set[str] = set(user_names)
        self.counters: dict[str, int] = {}
        self.exprs: dict[str, str] = {}
        self.precedence: dict[str, int] = {}
        #: Named steps defined so far -> their node id; every step -> its line; steps used.
        self.scope: dict[str, str] = {}
        #: Node id -> its place in ``nodes``.
        self.index: dict[str, int] = {}
        self.steps: dict[str, int] = {}
        self.used: set[str] = set()

    def _fresh(self, stem: str) -> str:
        while True:
            self.counters[stem] = self.counters.get(stem, 0) + 1
            candidate = f"{stem}{self.counters[stem]}"
            if candidate not in self.taken:
                return candidate

    def _add(self, key: object, node: Node, precedence: int = _ATOM) -> str:
        if len(node.expr) > MAX_EXPR_LENGTH:
            node = replace(node, expr=node.expr[:MAX_EXPR_LENGTH - 1] + "…")
        self.by_key[key] = node.id
        self.index[node.id] = len(self.nodes)
        self.taken.add(node.id)
        self.exprs[node.id] = node.expr
        self.precedence[node.id] = precedence
        self.nodes.append(node)
        return node.id

    def _text(self, name: str, inputs: tuple[str, ...], param: float | None
              ) -> tuple[str, int]:
        """Formula text with only the parentheses precedence needs (and that keep the
        text parsing back to the same graph), and its binding strength."""

        def wrap(operand: str, level: int, tighter: bool = False) -> str:
            inner = self.precedence[operand]
            text = self.exprs[operand]
            return f"({text})" if inner < level or (tighter and inner == level) else text

        row = OPS[name]
        if row.infix is not None:
            level = _INFIX_LEVEL[row.infix]
            return (f"{wrap(inputs[0], level)} {row.infix} "
                    f"{wrap(inputs[1], level, tighter=True)}"), level
        if row.forward == _SQUARE:
            return f"{wrap(inputs[0], _RAISED, tighter=True)}**2", _RAISED
        if row.forward == _POWER:
            power = constant_name(0.0 if param is None else param)
            exponent = f"({power})" if power.startswith("-") else power
            return f"{wrap(inputs[0], _RAISED, tighter=True)}**{exponent}", _RAISED
        if row.forward == _NEGATION:
            return f"-{wrap(inputs[0], _NEGATIVE)}", _NEGATIVE
        return f"{name}({', '.join(self.exprs[i] for i in inputs)})", _ATOM

    def leaf(self, kind: Kind, name: str, column: int | None = None) -> str:
        # A feature is its column: x1 and a header's name for column 1 are one node.
        key = (kind, name) if column is None else (kind, column)
        if key in self.by_key:
            return self.by_key[key]
        return self._add(key, Node(id=name, label=name, kind=kind, column=column, expr=name))

    def constant(self, value: float) -> str:
        key = ("constant", value)
        if key in self.by_key:
            return self.by_key[key]
        text = constant_name(value)  # exact: a node's text reads back as its value
        return self._add(key, Node(id=self._fresh("c"), label=text, kind="constant",
                                   constant=value, expr=text))

    def op(self, name: str, inputs: tuple[str, ...], param: float | None = None,
           node_id: str | None = None, kind: Kind = "op", label: str | None = None) -> str:
        key = _Key(name, inputs, param)
        if key in self.by_key and node_id is None:
            return self.by_key[key]
        row = OPS[name]
        text, precedence = self._text(name, inputs, param)
        node = Node(id=node_id or self._fresh(name), label=label or row.symbol, kind=kind,
                    op=name, inputs=inputs, param=param, expr=text)
        return self._add(key if node_id is None else ("named", node_id), node, precedence)


def _column(node: ast.AST) -> int | None:
    offset = getattr(node, "col_offset", None)
    return None if offset is None else offset + 1


def _constant_value(node: ast.AST) -> float | None:
    """The number a node spells (``2``, ``-0.5``), or ``None`` if it is not a number."""
    sign = 1.0
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        if isinstance(node.op, ast.USub):
            sign = -sign
        node = node.operand
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
            and not isinstance(node.value, bool):
        try:
            value = sign * float(node.value)
        except OverflowError:  # an integer beyond the largest float
            value = math.inf
        if not math.isfinite(value):
            raise FormulaError(f"the number {_TOO_LARGE}", **_at(node))
        return value
    return None


def _describe(node: ast.AST) -> str:
    names = {
        ast.Compare: "comparisons", ast.BoolOp: "'and'/'or'", ast.Attribute: "attribute access",
        ast.Subscript: "indexing", ast.Lambda: "lambda", ast.IfExp: "if/else",
        ast.Tuple: "tuples", ast.List: "lists", ast.Dict: "dicts", ast.Set: "sets",
        ast.NamedExpr: "assignment", ast.JoinedStr: "strings", ast.Starred: "'*' unpacking",
    }
    for kind, text in names.items():
        if isinstance(node, kind):
            return text
    if isinstance(node, ast.Constant):
        return f"the value {node.value!r}"
    return type(node).__name__


def _check_digits(name: str, node: ast.AST) -> None:
    """A name ends in at most :data:`MAX_NAME_DIGITS` digits."""
    digits = len(name) - len(name.rstrip("0123456789"))
    if digits > MAX_NAME_DIGITS:
        # x<number> names a column and a weight's number sorts it: past Python's
        # int conversion limit (4,300 digits) either would be a traceback.
        raise FormulaError(f"'{name[:12]}...' ends in a {digits:,}-digit number; a name may "
                           f"end in at most {MAX_NAME_DIGITS} digits", **_at(node))


def _check_name(node: ast.Name, columns: dict[str, int], target: str) -> None:
    name = node.id
    if name in columns:
        return
    if target and name == target:
        raise FormulaError(f"'{name}' is the target column; the prediction cannot use it",
                           **_at(node))
    if name in FUNCTIONS:
        raise FormulaError(f"'{name}' is a function; call it as {name}(...)", **_at(node))
    if name == "y":
        raise FormulaError("'y' is the target; the prediction cannot use it", **_at(node))
    if name in RESERVED_NAMES:
        raise FormulaError(f"'{name}' is reserved; choose another weight name", **_at(node))
    _check_digits(name, node)
    match = _FEATURE.fullmatch(name)
    if match and int(match.group(1)) == 0:
        raise FormulaError("features are numbered from x1", **_at(node))


def _build(tree: ast.expr, builder: _Builder) -> str:
    """Post-order walk with an explicit stack, so long sums do not hit the recursion limit."""
    results: dict[int, str] = {}
    stack: list[tuple[ast.AST, bool]] = [(tree, False)]
    while stack:
        node, expanded = stack.pop()
        value = _constant_value(node)
        if value is not None:
            results[id(node)] = builder.constant(value)
            continue
        children: list[ast.AST]
        if isinstance(node, ast.BinOp):
            children = [node.left] if isinstance(node.op, ast.Pow) else [node.left, node.right]
        elif isinstance(node, ast.UnaryOp):
            children = [node.operand]
        elif isinstance(node, ast.Call):
            children = list(node.args)
        else:
            children = []
        if not expanded:
            _validate(node, builder)
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(children))
            continue
        args = tuple(results[id(child)] for child in children)
        results[id(node)] = _combine(node, args, builder)
    return results[id(tree)]


def _validate(node: ast.AST, builder: _Builder) -> None:
    where = _at(node)
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Pow):
            if _constant_value(node.right) is None:
                raise FormulaError("the exponent after ** must be a number "
                                   "(for a variable exponent write exp(b*log(a)))",
                                   **_at(node.right))
        elif type(node.op) not in _OPERATORS:
            symbol = {ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@"}.get(type(node.op))
            text = f"'{symbol}'" if symbol else type(node.op).__name__
            raise FormulaError(f"operator {text} is not supported; use + - * / **", **where)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise FormulaError("only unary minus and plus are supported", **where)
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            raise FormulaError(f"{_describe(node.func)} is not allowed; call functions by "
                               f"name, e.g. exp(...)", **_at(node.func))
        name = node.func.id
        if name not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            if name in EXPR_FUNCTIONS:
                # max, min, step, sign: in the language, but without a derivative rule.
                raise FormulaError(f"'{name}' has no derivative rule in the op table, so "
                                   "a prediction cannot call it (an op defined with --ops "
                                   f"may); known: {known}", **where)
            raise FormulaError(f"unknown function '{name}' (known: {known})", **where)
        if node.keywords:
            raise FormulaError(f"{name}() takes no keyword arguments", **where)
        arity = OPS[name].arity
        if len(node.args) != arity:
            raise FormulaError(f"{name}() takes {arity} argument"
                               f"{'s' if arity != 1 else ''}, got {len(node.args)}", **where)
    elif isinstance(node, ast.Name):
        if node.id in builder.scope:
            return
        if node.id in builder.steps:
            raise FormulaError(f"'{node.id}' is used before its step (line "
                               f"{builder.steps[node.id]}) defines it", **where)
        _check_name(node, builder.columns, builder.target)
    else:
        raise FormulaError(f"{_describe(node)} not allowed in a formula", **where)


def _combine(node: ast.AST, args: tuple[str, ...], builder: _Builder) -> str:
    if isinstance(node, ast.Name):
        if node.id in builder.scope:
            builder.used.add(node.id)
            return builder.scope[node.id]
        if node.id in builder.columns:
            return builder.leaf("input", node.id, column=builder.columns[node.id])
        match = _FEATURE.fullmatch(node.id)
        if match:
            # x01 and x1 are the same column, so the same node.
            column = int(match.group(1))
            return builder.leaf("input", f"x{column}", column=column - 1)
        return builder.leaf("weight", node.id)
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Pow):
            exponent = _constant_value(node.right)
            assert exponent is not None  # checked in _validate
            if exponent == 1.0:
                return args[0]
            if exponent == 2.0:
                return builder.op(_op_computing(_SQUARE), args)
            return builder.op(_op_computing(_POWER), args, param=exponent)
        return builder.op(_op_computing(_OPERATORS[type(node.op)]), args)
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.UAdd):
            return args[0]
        return builder.op(_op_computing(_NEGATION), args)
    assert isinstance(node, ast.Call)
    assert isinstance(node.func, ast.Name)
    return builder.op(node.func.id, args)


def _check_characters(source: str) -> None:
    """What the parser would choke on before it can say where: text that is not text
    (an undecodable byte of a command line arrives as a lone surrogate), NUL bytes, and
    integers too long to convert (Python refuses more than 4,300 digits)."""
    for index, char in enumerate(source):
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:
            raise FormulaError(f"the byte {code - 0xDC00:#04x} is not UTF-8 text "
                               "(was the formula typed in another encoding?)", offset=index)
        if 0xD800 <= code <= 0xDFFF:
            raise FormulaError(f"a lone surrogate (U+{code:04X}) is not a character",
                               offset=index)
        if code == 0:
            raise FormulaError("a NUL byte (\\0) is not allowed in a formula", offset=index)
    for match in _INTEGER.finditer(source):
        digits = sum(c.isdigit() for c in match.group())
        if digits > MAX_INTEGER_DIGITS:
            raise FormulaError(f"the {digits:,}-digit number {_TOO_LARGE}",
                               offset=match.start())


def column_names(names: Sequence[str], target: str = "") -> dict[str, int]:
    """The data column names a formula may use -> their 0-based column.

    A name qualifies when it is an identifier that names nothing else in a formula: not a
    function, not reserved, not the target, and not ``x<number>`` (those keep meaning the
    column at their position).  The first of two equal names wins.
    """
    usable: dict[str, int] = {}
    for j, name in enumerate(names):
        if (name.isidentifier() and not keyword.iskeyword(name) and name not in FUNCTIONS
                and name not in RESERVED_NAMES and name != target
                and not _FEATURE.fullmatch(name)):
            usable.setdefault(name, j)
    return usable


def _place(error: FormulaError, source: str, lead: int) -> FormulaError:
    """``error`` with its line and column in ``source`` (the stripped text; the line only
    when it has several) and its offset in the text as given (``lead`` characters were
    stripped in front)."""
    lines = source.split("\n")
    starts = [0]
    for text in lines[:-1]:
        starts.append(starts[-1] + len(text) + 1)
    line, column, offset = error.line, error.column, error.offset
    if offset is not None:  # a flat index into source
        line = max(i for i, start in enumerate(starts) if start <= offset) + 1
        column = offset - starts[line - 1] + 1
    elif column is not None:
        line = min(line or 1, len(lines))
        column = _characters(lines[line - 1], column)
        offset = starts[line - 1] + column - 1
    if offset is not None:
        offset += lead
    return FormulaError(error.reason, column, line if len(lines) > 1 else None, offset)


def _characters(line: str, column: int) -> int:
    """An ast node's 1-based column, which counts UTF-8 bytes (größe is 7 bytes), in
    characters."""
    return len(line.encode()[:column - 1].decode(errors="ignore")) + 1


def _numbered_use(source: str) -> FormulaError | None:
    """A numbered node name (``#4``) copied from the graph where an operand belongs (Python
    reads it as the start of a comment, so the formula seems to end there)."""
    numbered = _NUMBERED_USE.search(source)
    if numbered is None:
        return None
    return FormulaError(f"'{numbered.group(1)}' is the number the graph gives an unnamed "
                        "step; a formula cannot use it: name that step (name = expression) "
                        "and use the name", offset=numbered.start(1))


def _syntax_error(error: SyntaxError, source: str) -> FormulaError:
    detail = "" if error.msg == "invalid syntax" else f" ({error.msg})"
    lines = source.split("\n")
    line = error.lineno if error.lineno and error.lineno <= len(lines) else None
    column = error.offset
    # A syntax error's offset counts characters: it is placed as a flat index.
    start = sum(len(text) + 1 for text in lines[:(line or 1) - 1])
    if line is not None and line <= len(lines) and _PREDICTION_STEP.match(lines[line - 1]):
        return FormulaError("the last line is the expression for y' itself: write it "
                            "without \"y' =\"", offset=start + lines[line - 1].index("y"))
    if line is not None and line < len(lines) and column and column > len(lines[line - 1]):
        return FormulaError(f"invalid syntax: line {line} ends too early{detail} (to continue "
                            "an expression on the next line, put it in parentheses)",
                            offset=start + len(lines[line - 1]))
    if line is None or not column or column > len(lines[line - 1]):
        return FormulaError(f"invalid syntax: the formula ends too early{detail}",
                            offset=len(source))
    return FormulaError(f"invalid syntax{detail}", offset=start + column - 1)


def _read_statements(module: ast.Module, source: str
                     ) -> tuple[list[tuple[str, ast.expr, ast.stmt]], ast.expr]:
    """The statements ``name = expression`` (name, value, statement) and the final
    expression for y'."""
    body = module.body
    if not body:
        raise FormulaError("the formula is empty (only comments)")
    statements: list[tuple[str, ast.expr, ast.stmt]] = []
    for position, statement in enumerate(body):
        last = position == len(body) - 1
        if isinstance(statement, ast.Expr):
            if not last:
                raise FormulaError("only the last line is the expression for y'; the lines "
                                   "before it name steps: name = expression",
                                   **_at(statement))
            return statements, statement.value
        if isinstance(statement, ast.Assign):
            if len(statement.targets) != 1 or not isinstance(statement.targets[0], ast.Name):
                raise FormulaError("a named step is one name = expression "
                                   "(not a = b = ..., nor several names)", **_at(statement))
            if last and statement.targets[0].id == "y_pred":
                raise FormulaError("the last line is the expression for y' itself: write it "
                                   "without \"y_pred =\"", **_at(statement))
            if last and statement.targets[0].id in ("L", "loss"):
                raise FormulaError("the loss L = (y - y')^2 is added on top: the last line "
                                   "is the expression for y'", **_at(statement))
            if last:
                raise FormulaError(f"the formula ends with the step "
                                   f"'{statement.targets[0].id}'; the last line is the "
                                   "expression for y' (e.g. the name of the last step)",
                                   **_at(statement))
            statements.append((statement.targets[0].id, statement.value, statement))
            continue
        kind = {ast.AugAssign: "'+=' and the like", ast.AnnAssign: "annotations"}.get(
            type(statement), f"{type(statement).__name__.lower()} statements")
        raise FormulaError(f"{kind} are not allowed in a formula; name a step with "
                           "name = expression", **_at(statement))
    raise AssertionError(source)  # pragma: no cover (the loop returns or raises)


def _check_step_name(name: str, statement: ast.stmt, builder: _Builder,
                     defined: dict[str, int]) -> None:
    """A named step's name names nothing else."""
    where = _at(statement)
    if name in defined:
        raise FormulaError(f"'{name}' is already defined at line {defined[name]}", **where)
    if name in FUNCTIONS:
        raise FormulaError(f"'{name}' is a function; name the step otherwise", **where)
    if name in RESERVED_NAMES or (builder.target and name == builder.target):
        what = ("the target" if name in ("y", builder.target) else
                "the prediction y'" if name == "y_pred" else
                "the loss" if name in ("loss", "L") else "the residual y − y'")
        raise FormulaError(f"'{name}' is reserved for {what}; name the step otherwise",
                           **where)
    if name in builder.columns or _FEATURE.fullmatch(name):
        raise FormulaError(f"'{name}' is a data column; name the step otherwise", **where)
    _check_digits(name, statement)


def _bare(value: ast.expr) -> ast.expr:
    """``value`` without what changes nothing: unary plus and ``**1``."""
    while True:
        if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.UAdd):
            value = value.operand
        elif (isinstance(value, ast.BinOp) and isinstance(value.op, ast.Pow)
              and _constant_value(value.right) == 1.0):
            value = value.left
        else:
            return value


def _describe_leaf(node: Node) -> str:
    return {"weight": f"{node.id} is a weight", "input": f"{node.id} is a data column",
            "constant": f"{node.label} is a number"}.get(node.kind, node.id)


def parse_formula(text: str, name: str = "", columns: Sequence[str] = (),
                  target: str = "") -> Graph:
    """Parse a prediction formula into a graph with squared-error loss on top.

    Parameters
    ----------
    text
        The prediction y', e.g. ``sigmoid(w1*x1 + w2*x2 + b)``, optionally after named
        steps: ``h = tanh(a*x1 + b); w*h + c`` (new lines or ``;`` between them).
    name
        Optional name of the graph (a preset's name).
    columns
        The data's feature column names (a CSV header's): each usable one (see
        :func:`column_names`) stands for its column, like ``x1..xN`` do.
    target
        The data's target name: using it in the prediction is an error.

    Returns
    -------
    Graph
        Every node named (:attr:`Node.name`); :attr:`Graph.warnings` holds what the reader
        should know but is no error (an unused step, two names for one subexpression).

    Raises
    ------
    FormulaError
        With the problem and where: its 1-based column, its line when the formula has
        several, and its offset in ``text``.
    """
    if not isinstance(text, str) or not text.strip():
        raise FormulaError("the formula is empty")
    if len(text) > MAX_FORMULA_LENGTH:
        raise FormulaError(f"the formula is longer than {MAX_FORMULA_LENGTH} characters")
    source = text.strip()
    lead = len(text) - len(text.lstrip())
    try:
        return _parse(source, name, columns, target)
    except FormulaError as error:
        raise _place(error, source, lead) from None


def _parse(source: str, name: str, columns: Sequence[str], target: str) -> Graph:
    _check_characters(source)
    try:
        module = ast.parse(source, mode="exec")
    except SyntaxError as error:
        raise _numbered_use(source) or _syntax_error(error, source) from None
    except (RecursionError, MemoryError):
        raise FormulaError("the formula is nested too deeply") from None
    try:
        statements, tree = _read_statements(module, source)
    except FormulaError as error:
        raise _numbered_use(source) or error from None

    builder = _Builder({node.id for node in ast.walk(module) if isinstance(node, ast.Name)},
                       column_names(columns, target))
    builder.target = target
    builder.steps = {step: statement.lineno for step, _, statement in statements}
    warnings: list[FormulaWarning] = []
    named: dict[str, str] = {}  # node id -> its step's name
    defined: dict[str, int] = {}
    for step, value, statement in statements:
        _check_step_name(step, statement, builder, defined)
        node_id = _build(value, builder)
        node = builder.nodes[builder.index[node_id]]
        bare = _bare(value)
        if node.is_leaf:
            raise FormulaError(f"'{step} = {ast.unparse(value)}' names nothing new "
                               f"({_describe_leaf(node)}); use it as it is", **_at(statement))
        if isinstance(bare, ast.Name) and bare.id in builder.scope:
            raise FormulaError(f"'{step} = {bare.id}' names nothing new ({bare.id} is a step "
                               f"already); use {bare.id}", **_at(statement))
        if node_id in named:
            first = named[node_id]
            typed = ast.get_source_segment(source, value) or ast.unparse(value)
            warnings.append(FormulaWarning(
                f"{typed} is also named {step}; the first name, {first}, is kept",
                statement.lineno, _column(statement)))
        else:
            named[node_id] = step
        defined[step] = statement.lineno
        builder.scope[step] = node_id
    root = _build(tree, builder)
    for step, _, statement in statements:
        if step not in builder.used:
            warnings.append(FormulaWarning(f"the step {step} is never used",
                                           statement.lineno, _column(statement)))
    index = next(i for i, node in enumerate(builder.nodes) if node.id == root)
    root_node = builder.nodes[index]
    if root_node.is_leaf:
        raise FormulaError("the prediction needs at least one operation (e.g. w1*x1)")
    if not any(n.kind == "weight" for n in builder.nodes):
        raise FormulaError("the formula has no weights to train (any name other than "
                           "x1..xN, the data's column names and the functions is a weight)")
    if root in named:
        warnings.append(FormulaWarning(f"the step {named.pop(root)} is the prediction "
                                       "itself; it is called y'", tree.lineno,
                                       _column(tree)))
    builder.nodes = [replace(n, name=named[n.id]) if n.id in named else n
                     for n in builder.nodes]

    # The root op becomes the prediction y'; then the loss (y - y')^2 goes on top.
    builder.nodes[index] = Node(id="y_pred", label="y'", kind="output", op=root_node.op,
                             inputs=root_node.inputs, param=root_node.param,
                             expr=root_node.expr)
    builder.taken.add("y_pred")
    # Above the prediction, formulas are written in terms of y' itself.
    builder.exprs["y_pred"] = "y'"
    builder.precedence["y_pred"] = _ATOM
    target = builder.leaf("target", "y")
    residual = builder.op(_op_computing(_OPERATORS[ast.Sub]), (target, "y_pred"),
                          node_id="residual", label="y − y'")
    builder.op(_op_computing(_SQUARE), (residual,), node_id="loss", kind="loss", label="L")
    lines = source.split("\n")
    warnings = [replace(w, column=_characters(lines[(w.line or 1) - 1], w.column or 1),
                        line=w.line if len(lines) > 1 else None)  # as in errors
                for w in warnings]
    return Graph(builder.nodes, output="y_pred", loss="loss", formula=source, name=name,
                 warnings=tuple(warnings))
