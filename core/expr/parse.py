"""The app's own parser: formula text to an expression tree, never run.

The text is read by :func:`ast.parse` and only a whitelist of node types becomes a tree:
numbers, names, calls of known functions by name, ``+ - * / **`` and unary minus (``^`` is
accepted as a power and ``−``, U+2212, as a minus).  The tree keeps the written order of
operations exactly (``a*b*c`` is ``(a*b)*c``; ``x**2`` stays a power).  Anything else is an
:class:`ExpressionError` naming the problem and its column.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.expr.functions import FUNCTIONS
from core.expr.tree import Binary, BinaryOp, Call, Expr, Num, Statement, Unary, Var

#: Longest formula text the parser reads (an op's or an optimizer's; a prediction
#: formula's limit is the caller's, see :func:`read_formula`).
MAX_LENGTH = 20_000
#: Deepest nesting of operations a tree may have (generated code and tree walks recurse).
MAX_DEPTH = 200

_BINARY: Mapping[type[ast.operator], BinaryOp] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_SYMBOLS: Mapping[type[ast.AST], str] = {
    ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.BitAnd: "&", ast.BitOr: "|",
    ast.LShift: "<<", ast.RShift: ">>", ast.Invert: "~", ast.Not: "not"}
#: The operators a prediction formula's message names by their symbol (others by name).
_GRAPH_SYMBOLS: Mapping[type[ast.AST], str] = {
    ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@"}
#: How a number beyond the largest float is refused.
TOO_LARGE = ("is too large for a float (numbers must be finite; the largest is about "
              "1.8e308)")


class ExpressionError(ValueError):
    """A formula the parser refuses.

    Attributes
    ----------
    reason
        What is wrong, in a few words.
    column
        Where, counted from 1 in the formula's line as written; ``None`` if unknown.
    line
        The line (from 1) in a text of several statements; ``None`` for one line.
    """

    def __init__(self, reason: str, column: int | None = None,
                 line: int | None = None) -> None:
        self.reason = reason
        self.column = column
        self.line = line
        where = []
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column}")
        super().__init__(f"{reason} (at {', '.join(where)})" if where else reason)


def _prepare(text: str) -> tuple[str, list[int]]:
    """Python-readable text (``−`` as ``-``, ``^`` as ``**``) and, for each of its
    characters, the 0-based column of the character it came from in ``text``."""
    out: list[str] = []
    origin: list[int] = []
    for column, char in enumerate(text):
        if char == "^":
            out.append("**")
            origin.extend((column, column))
        else:
            out.append("-" if char == "\u2212" else char)
            origin.append(column)
    origin.append(len(text))
    return "".join(out), origin


class _Reader:
    """Turns whitelisted :mod:`ast` nodes into a tree, checking names and arities.

    The walk keeps its own stack (a sum of thousands of terms is a left chain thousands
    deep); nodes are checked parents first, left to right, and built children first.  In
    ``graph`` mode (a prediction formula, see :func:`read_formula`) the wording is the graph
    formula's, positions are Python's (line, UTF-8 column), names go to ``names`` and an
    exponent must be a number.
    """

    def __init__(self, origin: list[int], variables: Collection[str] | None,
                 functions: Collection[str] | None, line: int | None,
                 offset: int = 0, *, graph: bool = False,
                 names: Callable[[str, int, int], None] | None = None) -> None:
        self.origin = origin
        self.variables = variables
        self.functions = FUNCTIONS if functions is None else functions
        self.line = line
        self.offset = offset
        self.graph = graph
        self.names = names

    def error(self, reason: str, node: ast.AST | None = None) -> ExpressionError:
        offset = getattr(node, "col_offset", None)
        if self.graph:
            line = getattr(node, "lineno", None)
            return ExpressionError(reason, None if offset is None else offset + 1, line)
        column = None
        if offset is not None:
            column = self.origin[min(offset, len(self.origin) - 1)] + 1 + self.offset
        return ExpressionError(reason, column, self.line)

    def read(self, root: ast.AST) -> Expr:
        built: dict[int, Expr] = {}
        # (node, depth, its operands once checked: then it is built from theirs)
        stack: list[tuple[ast.AST, int, list[ast.AST] | None]] = [(root, 0, None)]
        while stack:
            node, depth, operands = stack.pop()
            if operands is not None:
                parts = [built.pop(id(child)) for child in operands]
                built[id(node)] = self._combine(node, parts)
                continue
            leaf = self._visit(node, depth)
            if leaf is not None:
                built[id(node)] = leaf
                continue
            operands = _children(node)
            stack.append((node, depth, operands))
            stack.extend((child, depth + 1, None) for child in reversed(operands))
        return built[id(root)]

    def _visit(self, node: ast.AST, depth: int) -> Expr | None:
        """Check ``node`` before its operands; a leaf's tree, else ``None``."""
        if not self.graph and depth > MAX_DEPTH:
            raise self.error(f"the formula nests more than {MAX_DEPTH} levels deep", node)
        if isinstance(node, ast.Constant):
            return self._number(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.UnaryOp):
            if self.graph and not isinstance(node.op, (ast.USub, ast.UAdd)):
                raise self.error("only unary minus and plus are supported", node)
            return None
        if isinstance(node, ast.BinOp):
            self._check_operator(node)
            return None
        if isinstance(node, ast.Call):
            self._check_call(node)
            return None
        if self.graph:
            raise self.error(f"{_describe_graph(node)} not allowed in a formula", node)
        raise self.error(f"{_describe(node)} is not allowed in a formula", node)

    def _combine(self, node: ast.AST, parts: list[Expr]) -> Expr:
        if isinstance(node, ast.UnaryOp):
            return self._unary(node, parts[0])
        if isinstance(node, ast.BinOp):
            return Binary(_BINARY[type(node.op)], parts[0], parts[1])
        assert isinstance(node, ast.Call)
        assert isinstance(node.func, ast.Name)
        return Call(node.func.id, tuple(parts))

    def _name(self, node: ast.Name) -> Var:
        if self.graph:
            if self.names is not None:
                self.names(node.id, node.lineno, node.col_offset + 1)
            return Var(node.id)
        if node.id.startswith("__"):
            raise self.error(f"'{node.id}': names starting with __ are reserved", node)
        if self.variables is not None and node.id not in self.variables:
            known = ", ".join(sorted(self.variables)) or "none"
            raise self.error(f"unknown name '{node.id}' (known: {known})", node)
        return Var(node.id)

    def _unary(self, node: ast.UnaryOp, operand: Expr) -> Expr:
        if isinstance(node.op, ast.UAdd):
            return operand
        if not isinstance(node.op, ast.USub):
            raise self.error(f"operator '{_SYMBOLS.get(type(node.op), '?')}' is not "
                             "supported; use + - * / **", node)
        if isinstance(operand, Num):
            return Num(-operand.value)  # a negative number: exact
        return Unary("-", operand)

    def _check_operator(self, node: ast.BinOp) -> None:
        op = _BINARY.get(type(node.op))
        if op is None:
            if self.graph:
                symbol = _GRAPH_SYMBOLS.get(type(node.op))
                text = f"'{symbol}'" if symbol else type(node.op).__name__
                raise self.error(f"operator {text} is not supported; use + - * / **", node)
            symbol = _SYMBOLS.get(type(node.op), type(node.op).__name__)
            raise self.error(f"operator '{symbol}' is not supported; use + - * / **", node)
        if self.graph and op == "**" and self._exponent(node.right) is None:
            raise self.error("the exponent after ** must be a number "
                             "(for a variable exponent write exp(b*log(a)))", node.right)

    def _exponent(self, node: ast.AST) -> float | None:
        """The number a signed constant spells (``2``, ``-0.5``), else ``None``."""
        while isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            node = node.operand
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
                and not isinstance(node.value, bool):
            return self._number(node).value
        return None

    def _number(self, node: ast.Constant) -> Num:
        value: Any = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            if self.graph:
                raise self.error(f"the value {value!r} not allowed in a formula", node)
            raise self.error(f"{value!r} is not a number", node)
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if self.graph and not math.isfinite(number):
            raise self.error(f"the number {TOO_LARGE}", node)
        if math.isinf(number) and not isinstance(value, float):
            raise self.error("the number is too large", node)
        return Num(number)

    def _check_call(self, node: ast.Call) -> None:
        if not isinstance(node.func, ast.Name):
            what = _describe_graph(node.func) if self.graph else _describe(node.func)
            raise self.error(f"{what} is not allowed; call functions by name, e.g. exp(...)",
                             node.func)
        name = node.func.id
        if name not in self.functions:
            known = ", ".join(sorted(self.functions))
            if self.graph and name in FUNCTIONS:
                # max, min, step, sign: in the language, but without a derivative rule.
                raise self.error(f"'{name}' has no derivative rule in the op table, so "
                                 "a prediction cannot call it (an op defined with --ops "
                                 f"may); known: {known}", node)
            raise self.error(f"unknown function '{name}' (known: {known})", node)
        if self.graph:
            if node.keywords:
                raise self.error(f"{name}() takes no keyword arguments", node)
        elif node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise self.error(f"{name}() takes plain arguments only", node)
        arity = _arity(name, self.functions)
        if arity is not None and len(node.args) != arity:
            raise self.error(f"{name}() takes {arity} argument{'s' if arity != 1 else ''}, "
                             f"got {len(node.args)}", node)


def _children(node: ast.AST) -> list[ast.AST]:
    """The operands the reader reads, left to right."""
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []


def _arity(name: str, functions: Collection[str]) -> int | None:
    if isinstance(functions, Mapping):
        given = functions[name]
        if isinstance(given, int):
            return given
        arity = getattr(given, "arity", None)
        if isinstance(arity, int):
            return arity
    known = FUNCTIONS.get(name)
    return known.arity if known is not None else None


def _describe(node: ast.AST) -> str:
    return {ast.Attribute: "an attribute", ast.Subscript: "indexing", ast.Lambda: "a lambda",
            ast.Compare: "a comparison", ast.BoolOp: "and/or", ast.IfExp: "if/else",
            ast.Tuple: "a tuple", ast.List: "a list", ast.Dict: "a dict",
            ast.Set: "a set", ast.JoinedStr: "a string"}.get(type(node), type(node).__name__)


def _describe_graph(node: ast.AST) -> str:
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


def _syntax_error(error: SyntaxError, origin: list[int], line: int | None,
                  offset: int = 0) -> ExpressionError:
    column = None
    if error.offset is not None:
        column = origin[max(0, min(error.offset - 1, len(origin) - 1))] + 1 + offset
    reason = (error.msg or "invalid syntax").removesuffix(" (<unknown>, line 1)")
    return ExpressionError(f"cannot read the formula: {reason}", column, line)


def _check_length(text: str, max_length: int = MAX_LENGTH) -> None:
    if len(text) > max_length:
        raise ExpressionError(f"the formula is longer than {max_length:,} characters")


def parse_expression(text: str, *, variables: Collection[str] | None = None,
                     functions: Collection[str] | None = None) -> Expr:
    """The tree of one expression.

    Parameters
    ----------
    text
        The formula: ``sigmoid(a) * (1 - sigmoid(a))``, ``beta1^t``, ``−a``.
    variables
        The names it may read; ``None``: any name.
    functions
        The functions it may call (a mapping may give each one's arity, an ``int`` or an
        object with ``arity``); ``None``: :data:`core.expr.functions.FUNCTIONS`.

    Raises
    ------
    ExpressionError
        For anything but numbers, names, known calls, ``+ - * / **`` and unary minus.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"a formula must be text, got {type(text).__name__}")
    _check_length(text)
    if not text.strip():
        raise ExpressionError("the formula is empty")
    prepared, origin = _prepare(text)
    try:
        node = ast.parse(prepared.strip(), mode="eval")
    except SyntaxError as error:
        lead = len(prepared) - len(prepared.lstrip())
        raise _syntax_error(error, origin[lead:], None) from None
    except (RecursionError, MemoryError):
        raise ExpressionError(f"the formula nests more than {MAX_DEPTH} levels deep") from None
    lead = len(prepared) - len(prepared.lstrip())
    return _Reader(origin[lead:], variables, functions, None).read(node.body)


def parse_statements(text: str | Sequence[str], *, variables: Collection[str] | None = None,
                     functions: Collection[str] | None = None) -> tuple[Statement, ...]:
    """Statements ``name = expr``: one per item of a sequence, or per line or ``;`` of a
    text.  A statement may read the names earlier statements set.

    Raises
    ------
    ExpressionError
        As :func:`parse_expression`, and for anything but ``name = expr`` (its line is the
        item's or the text's line, from 1).
    """
    if isinstance(text, str):
        _check_length(text)
        lines = text.splitlines()
    else:
        lines = list(text)
    known = None if variables is None else set(variables)
    statements: list[Statement] = []
    for number, line in enumerate(lines, start=1):
        if not isinstance(line, str):
            raise ExpressionError(f"a statement must be text, got {type(line).__name__}",
                                  line=number)
        _check_length(line)
        prepared, origin = _prepare(line)
        lead = len(prepared) - len(prepared.lstrip())
        body = prepared.strip()
        if not body:
            continue
        try:
            module = ast.parse(body, mode="exec")
        except SyntaxError as error:
            raise _syntax_error(error, origin[lead:], number) from None
        except (RecursionError, MemoryError):
            raise ExpressionError(f"the formula nests more than {MAX_DEPTH} levels deep",
                                  line=number) from None
        reader = _Reader(origin[lead:], known, functions, number)
        for node in module.body:
            statement = _statement(node, reader)
            statements.append(statement)
            if known is not None:
                known.add(statement.target)
    return tuple(statements)


def _statement(node: ast.stmt, reader: _Reader) -> Statement:
    if not isinstance(node, ast.Assign):
        raise reader.error("each statement must be 'name = expression'", node)
    if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
        raise reader.error("a statement sets one name: 'name = expression'", node)
    return Statement(node.targets[0].id, reader.read(node.value))


class FormulaSyntaxError(ExpressionError):
    """A prediction formula Python cannot read, with :class:`SyntaxError`'s own account:
    ``msg``, ``lineno`` and ``offset`` (1-based, in characters), for the caller's wording."""

    def __init__(self, error: SyntaxError) -> None:
        self.msg = error.msg or "invalid syntax"
        self.lineno = error.lineno
        self.offset = error.offset
        super().__init__(f"cannot read the formula: {self.msg}")


@dataclass(frozen=True)
class FormulaStatement:
    """One statement of a prediction formula, as written, before its value is read.

    Attributes
    ----------
    kind
        ``"expression"``, ``"assignment"``, ``"augmented assignment"``, ``"annotation"``,
        or the lower-case name of another kind of statement (``"import"``).
    targets
        An assignment's targets: each one's name, or ``None`` for anything but a name.
    line, column
        Where it starts (1-based; the column counts UTF-8 bytes, as Python does).
    value_line, value_column
        Where its value (the expression) starts.
    """

    kind: str
    targets: tuple[str | None, ...]
    line: int
    column: int
    value_line: int | None
    value_column: int | None
    _value: ast.expr | None = field(repr=False, compare=False)
    _source: str = field(repr=False, compare=False)

    def read(self, functions: Collection[str],
             names: Callable[[str, int, int], None] | None = None) -> Expr:
        """The value's tree (callers read an expression or an assignment only).

        ``functions`` are the functions it may call (a mapping may give arities); each name
        it reads goes to ``names(name, line, column)``, which may raise, parents first and
        left to right, as every other check.

        Raises
        ------
        ExpressionError
            For anything but numbers, names, known calls, ``+ - * / **`` with a number as
            exponent, and unary ``-``/``+``; with Python's line and (UTF-8) column.
        """
        assert self._value is not None
        reader = _Reader([], None, functions, None, graph=True, names=names)
        return reader.read(self._value)

    def typed(self) -> str:
        """The value as typed."""
        assert self._value is not None
        return ast.get_source_segment(self._source, self._value) or ast.unparse(self._value)

    def written(self) -> str:
        """The value written out in Python's spacing (``w1 ** 1``, ``-2``)."""
        assert self._value is not None
        return ast.unparse(self._value)


@dataclass(frozen=True)
class FormulaText:
    """A prediction formula's statements and every name it spells anywhere."""

    statements: tuple[FormulaStatement, ...]
    names: frozenset[str]


_STATEMENT_KINDS: Mapping[type[ast.AST], str] = {
    ast.Expr: "expression", ast.Assign: "assignment", ast.AugAssign: "augmented assignment",
    ast.AnnAssign: "annotation"}


def _python_lines(text: str) -> tuple[str, list[list[int]], list[list[int]]]:
    """``text`` with ``^`` as ``**`` and ``−`` as ``-``, and, per line, for each UTF-8 byte
    and each character of the new line (and its end), the original's byte and character
    (Python counts a node's column in bytes, a syntax error's in characters)."""
    lines, bytes_of, chars_of = [], [], []
    for line in text.split("\n"):
        out: list[str] = []
        byte_map: list[int] = []
        char_map: list[int] = []
        byte = 0
        for column, char in enumerate(line):
            new = "**" if char == "^" else "-" if char == "\u2212" else char
            out.append(new)
            char_map.extend([column] * len(new))
            byte_map.extend([byte] * len(new.encode("utf-8", "surrogatepass")))
            byte += len(char.encode("utf-8", "surrogatepass"))
        char_map.append(len(line))
        byte_map.append(byte)
        lines.append("".join(out))
        bytes_of.append(byte_map)
        chars_of.append(char_map)
    return "\n".join(lines), bytes_of, chars_of


def _moved(position: int | None, line: int | None, maps: list[list[int]]) -> int | None:
    if position is None or line is None or not 1 <= line <= len(maps):
        return position
    where = maps[line - 1]
    return where[min(position, len(where) - 1)]


def read_formula(text: str, *, max_length: int = MAX_LENGTH) -> FormulaText:
    """The statements of a prediction formula (``h = tanh(a*x1 + b); w*h + c``).

    ``^`` is read as a power and ``−`` (U+2212) as a minus, as in ops and optimizer files;
    every position (a node's, a syntax error's) is the written text's.  Each statement's
    value is read into a tree by :meth:`FormulaStatement.read`, so that the caller may
    check statements in between.

    Raises
    ------
    FormulaSyntaxError
        For text Python cannot read.
    ExpressionError
        For text longer than ``max_length`` or nested too deeply to read.
    """
    _check_length(text, max_length)
    translated = "^" in text or "\u2212" in text
    source, bytes_of, chars_of = _python_lines(text) if translated else (text, [], [])
    try:
        module = ast.parse(source, mode="exec")
    except SyntaxError as error:
        if translated and error.offset:
            error.offset = 1 + (_moved(error.offset - 1, error.lineno, chars_of) or 0)
        raise FormulaSyntaxError(error) from None
    except (RecursionError, MemoryError):
        raise ExpressionError("the formula is nested too deeply") from None
    if translated:
        for node in ast.walk(module):
            if hasattr(node, "col_offset"):  # expressions, statements, keywords, ...
                for column, line in (("col_offset", "lineno"),
                                     ("end_col_offset", "end_lineno")):
                    setattr(node, column, _moved(getattr(node, column, None),
                                                 getattr(node, line, None), bytes_of))
    statements = []
    for node in module.body:
        value = node.value if isinstance(node, (ast.Expr, ast.Assign)) else None
        targets = tuple(t.id if isinstance(t, ast.Name) else None
                        for t in getattr(node, "targets", ()))
        statements.append(FormulaStatement(
            _STATEMENT_KINDS.get(type(node), type(node).__name__.lower()), targets,
            node.lineno, node.col_offset + 1,
            None if value is None else value.lineno,
            None if value is None else value.col_offset + 1, value, text))
    names = frozenset(node.id for node in ast.walk(module) if isinstance(node, ast.Name))
    return FormulaText(tuple(statements), names)
