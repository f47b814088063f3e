"""Formula parsing: a prediction formula becomes a :class:`~core.autodiff.graph.Graph`.

The text is read by the app's own parser (:func:`core.expr.parse.read_formula`) into
expression trees, one per statement; nothing is ever evaluated.  The trees' operators
become the op-table rows whose forward formulas they compute.  ``x1 .. xN`` are data
columns (so are the data's column names, when its file has a header and they are passed
in), ``y`` is the target (not allowed in the prediction), numbers are constants, names
called as functions must be in the op table, and every other name is a trainable weight.
Identical subexpressions become one node with several consumers (so ``s * s`` shares
``s``).  The squared-error loss ``(y - y')^2`` is put on top.

A formula may name its steps: statements ``name = expression``, separated by new lines or
``;``, then the expression for y' (``h = tanh(a*x1 + b); w*h + c``).  A named step is
neither a weight nor a column, and its name is its node's name everywhere (see
:mod:`core.autodiff.naming`).  Errors say where, by line and column.
"""

from __future__ import annotations

import functools
import keyword
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from core.autodiff.graph import Graph, Kind, Node
from core.autodiff.naming import FormulaWarning, constant_name
from core.autodiff.ops import FUNCTIONS, OPS
from core.expr.parse import (
    TOO_LARGE,
    ExpressionError,
    FormulaStatement,
    FormulaSyntaxError,
    read_formula,
)
from core.expr.text import words
from core.expr.tree import Binary, Call, Expr, Num, Unary, Var

MAX_FORMULA_LENGTH = 200_000
#: Longest subexpression text a node keeps (:attr:`Node.expr`); longer ones are cut with
#: "…", so that texts stay proportional to the graph, not to its square.
MAX_EXPR_LENGTH = 160
#: Digits of the longest integer literal read: 10**309 already exceeds the largest float.
MAX_INTEGER_DIGITS = 309
#: Digits a name may end in (``x12``, ``w3``): no data has 10**18 columns.
MAX_NAME_DIGITS = 18
_INTEGER = re.compile(r"(?<![\w.])\d[\d_]*(?![\w.])")
#: Names that mean the target, the prediction and the loss: neither weights nor named steps.
RESERVED_NAMES = frozenset({"y", "y_pred", "loss", "residual", "L"})
_FEATURE = re.compile(r"x(\d+)")
#: A line that tries to name the prediction (``y' = ...``), which Python reads as a string.
_PREDICTION_STEP = re.compile(r"\s*y'\s*=")
#: A numbered node name (``#4``) where an operand belongs; Python reads it as a comment.
_NUMBERED_USE = re.compile(r"(?:^|[-+*/(,=^\u2212])[ \t]*(#\d+)", re.MULTILINE)
_A, _B, _P = Var("a"), Var("b"), Var("p")
#: What the formula's operators compute, written as the op table writes forward formulas:
#: the row whose forward formula it is computes it, so no op is named here.
_OPERATORS: Mapping[str, Expr] = {op: Binary(op, _A, _B) for op in ("+", "-", "*", "/")}
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


def _at(statement: FormulaStatement) -> dict[str, int | None]:
    """Where ``statement`` is, as FormulaError's keyword arguments."""
    return {"column": statement.column, "line": statement.line}


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


def _check_digits(name: str, where: Mapping[str, int | None]) -> None:
    """A name ends in at most :data:`MAX_NAME_DIGITS` digits."""
    digits = len(name) - len(name.rstrip("0123456789"))
    if digits > MAX_NAME_DIGITS:
        # x<number> names a column and a weight's number sorts it: past Python's
        # int conversion limit (4,300 digits) either would be a traceback.
        raise FormulaError(f"'{name[:12]}...' ends in a {digits:,}-digit number; a name may "
                           f"end in at most {MAX_NAME_DIGITS} digits", **where)


def _check_name(name: str, where: Mapping[str, int | None], columns: dict[str, int],
                target: str) -> None:
    if name in columns:
        return
    if target and name == target:
        raise FormulaError(f"'{name}' is the target column; the prediction cannot use it",
                           **where)
    if name in FUNCTIONS:
        raise FormulaError(f"'{name}' is a function; call it as {name}(...)", **where)
    if name == "y":
        raise FormulaError("'y' is the target; the prediction cannot use it", **where)
    if name in RESERVED_NAMES:
        raise FormulaError(f"'{name}' is reserved; choose another weight name", **where)
    _check_digits(name, where)
    match = _FEATURE.fullmatch(name)
    if match and int(match.group(1)) == 0:
        raise FormulaError("features are numbered from x1", **where)


def _read(statement: FormulaStatement, builder: _Builder) -> Expr:
    """The tree of a statement's value; every name it reads is checked where it is read, in
    the order the parser meets it (parents first, left to right)."""

    def check(name: str, line: int, column: int) -> None:
        where = {"column": column, "line": line}
        if name in builder.scope:
            return
        if name in builder.steps:
            raise FormulaError(f"'{name}' is used before its step (line "
                               f"{builder.steps[name]}) defines it", **where)
        _check_name(name, where, builder.columns, builder.target)

    try:
        return statement.read({name: OPS[name].arity for name in FUNCTIONS}, check)
    except ExpressionError as error:
        raise FormulaError(error.reason, error.column, error.line) from None


def _operands(expr: Expr) -> tuple[Expr, ...]:
    """The subtrees that become the node's inputs (an exponent is its parameter)."""
    if isinstance(expr, Binary):
        return (expr.left,) if expr.op == "**" else (expr.left, expr.right)
    if isinstance(expr, Unary):
        return (expr.operand,)
    if isinstance(expr, Call):
        return expr.args
    return ()


def _build(tree: Expr, builder: _Builder) -> str:
    """Post-order walk with an explicit stack, so long sums do not hit the recursion limit."""
    results: dict[int, str] = {}
    stack: list[tuple[Expr, bool]] = [(tree, False)]
    while stack:
        node, expanded = stack.pop()
        if isinstance(node, Num):
            results[id(node)] = builder.constant(node.value)
            continue
        if isinstance(node, Var):
            results[id(node)] = _leaf(node.name, builder)
            continue
        children = _operands(node)
        if not expanded:
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(children))
            continue
        args = tuple(results[id(child)] for child in children)
        results[id(node)] = _combine(node, args, builder)
    return results[id(tree)]


def _leaf(name: str, builder: _Builder) -> str:
    if name in builder.scope:
        builder.used.add(name)
        return builder.scope[name]
    if name in builder.columns:
        return builder.leaf("input", name, column=builder.columns[name])
    match = _FEATURE.fullmatch(name)
    if match:
        # x01 and x1 are the same column, so the same node.
        column = int(match.group(1))
        return builder.leaf("input", f"x{column}", column=column - 1)
    return builder.leaf("weight", name)


def _combine(node: Expr, args: tuple[str, ...], builder: _Builder) -> str:
    if isinstance(node, Binary):
        if node.op == "**":
            assert isinstance(node.right, Num)  # the parser reads no other exponent
            exponent = node.right.value
            if exponent == 1.0:
                return args[0]
            if exponent == 2.0:
                return builder.op(_op_computing(_SQUARE), args)
            return builder.op(_op_computing(_POWER), args, param=exponent)
        return builder.op(_op_computing(_OPERATORS[node.op]), args)
    if isinstance(node, Unary):
        return builder.op(_op_computing(_NEGATION), args)
    assert isinstance(node, Call)
    return builder.op(node.func, args)


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
            raise FormulaError(f"the {digits:,}-digit number {TOO_LARGE}",
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


def _syntax_error(error: FormulaSyntaxError, source: str) -> FormulaError:
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


def _read_statements(statements: tuple[FormulaStatement, ...]
                     ) -> tuple[list[tuple[str, FormulaStatement]], FormulaStatement]:
    """The statements ``name = expression`` (name, statement) and the final expression
    for y'."""
    if not statements:
        raise FormulaError("the formula is empty (only comments)")
    steps: list[tuple[str, FormulaStatement]] = []
    for position, statement in enumerate(statements):
        last = position == len(statements) - 1
        if statement.kind == "expression":
            if not last:
                raise FormulaError("only the last line is the expression for y'; the lines "
                                   "before it name steps: name = expression",
                                   **_at(statement))
            return steps, statement
        if statement.kind == "assignment":
            target = statement.targets[0] if len(statement.targets) == 1 else None
            if target is None:
                raise FormulaError("a named step is one name = expression "
                                   "(not a = b = ..., nor several names)", **_at(statement))
            if last and target == "y_pred":
                raise FormulaError("the last line is the expression for y' itself: write it "
                                   "without \"y_pred =\"", **_at(statement))
            if last and target in ("L", "loss"):
                raise FormulaError("the loss L = (y - y')^2 is added on top: the last line "
                                   "is the expression for y'", **_at(statement))
            if last:
                raise FormulaError(f"the formula ends with the step '{target}'; the last "
                                   "line is the expression for y' (e.g. the name of the "
                                   "last step)", **_at(statement))
            steps.append((target, statement))
            continue
        kind = {"augmented assignment": "'+=' and the like",
                "annotation": "annotations"}.get(statement.kind, f"{statement.kind} statements")
        raise FormulaError(f"{kind} are not allowed in a formula; name a step with "
                           "name = expression", **_at(statement))
    raise AssertionError(statements)  # pragma: no cover (the loop returns or raises)


def _check_step_name(name: str, statement: FormulaStatement, builder: _Builder,
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
    _check_digits(name, where)


def _bare(value: Expr) -> Expr:
    """``value`` without what changes nothing: ``**1`` (the parser drops unary plus)."""
    while isinstance(value, Binary) and value.op == "**" and value.right == Num(1.0):
        value = value.left
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
        text = read_formula(source, max_length=MAX_FORMULA_LENGTH)
    except FormulaSyntaxError as error:
        raise _numbered_use(source) or _syntax_error(error, source) from None
    except ExpressionError as error:  # nested too deeply to read
        raise FormulaError(error.reason) from None
    try:
        statements, last = _read_statements(text.statements)
    except FormulaError as error:
        raise _numbered_use(source) or error from None

    builder = _Builder(set(text.names), column_names(columns, target))
    builder.target = target
    builder.steps = {step: statement.line for step, statement in statements}
    warnings: list[FormulaWarning] = []
    named: dict[str, str] = {}  # node id -> its step's name
    defined: dict[str, int] = {}
    for step, statement in statements:
        _check_step_name(step, statement, builder, defined)
        value = _read(statement, builder)
        node_id = _build(value, builder)
        node = builder.nodes[builder.index[node_id]]
        bare = _bare(value)
        if node.is_leaf:
            raise FormulaError(f"'{step} = {statement.written()}' names nothing new "
                               f"({_describe_leaf(node)}); use it as it is", **_at(statement))
        if isinstance(bare, Var) and bare.name in builder.scope:
            raise FormulaError(f"'{step} = {bare.name}' names nothing new ({bare.name} is a "
                               f"step already); use {bare.name}", **_at(statement))
        if node_id in named:
            first = named[node_id]
            warnings.append(FormulaWarning(
                f"{statement.typed()} is also named {step}; the first name, {first}, is kept",
                statement.line, statement.column))
        else:
            named[node_id] = step
        defined[step] = statement.line
        builder.scope[step] = node_id
    root = _build(_read(last, builder), builder)
    for step, statement in statements:
        if step not in builder.used:
            warnings.append(FormulaWarning(f"the step {step} is never used",
                                           statement.line, statement.column))
    index = next(i for i, node in enumerate(builder.nodes) if node.id == root)
    root_node = builder.nodes[index]
    if root_node.is_leaf:
        raise FormulaError("the prediction needs at least one operation (e.g. w1*x1)")
    if not any(n.kind == "weight" for n in builder.nodes):
        raise FormulaError("the formula has no weights to train (any name other than "
                           "x1..xN, the data's column names and the functions is a weight)")
    if root in named:
        warnings.append(FormulaWarning(f"the step {named.pop(root)} is the prediction "
                                       "itself; it is called y'", last.value_line,
                                       last.value_column))
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
    residual = builder.op(_op_computing(_OPERATORS["-"]), (target, "y_pred"),
                          node_id="residual", label="y − y'")
    builder.op(_op_computing(_SQUARE), (residual,), node_id="loss", kind="loss", label="L")
    lines = source.split("\n")
    warnings = [replace(w, column=_characters(lines[(w.line or 1) - 1], w.column or 1),
                        line=w.line if len(lines) > 1 else None)  # as in errors
                for w in warnings]
    return Graph(builder.nodes, output="y_pred", loss="loss", formula=source, name=name,
                 warnings=tuple(warnings))
