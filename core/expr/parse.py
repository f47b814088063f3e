"""The app's own parser: formula text to an expression tree, never run.

The text is read by :func:`ast.parse` and only a whitelist of node types becomes a tree:
numbers, names, calls of known functions by name, ``+ - * / **`` and unary minus (``^`` is
accepted as a power and ``−``, U+2212, as a minus).  The tree keeps the written order of
operations exactly (``a*b*c`` is ``(a*b)*c``; ``x**2`` stays a power).  Anything else is an
:class:`ExpressionError` naming the problem and its column.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from core.expr.functions import FUNCTIONS
from core.expr.tree import Binary, BinaryOp, Call, Expr, Num, Statement, Unary, Var

#: Longest formula text the parser reads.
MAX_LENGTH = 20_000
#: Deepest nesting of operations a tree may have (generated code and tree walks recurse).
MAX_DEPTH = 200

_BINARY: Mapping[type[ast.operator], BinaryOp] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_SYMBOLS: Mapping[type[ast.AST], str] = {
    ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.BitAnd: "&", ast.BitOr: "|",
    ast.LShift: "<<", ast.RShift: ">>", ast.Invert: "~", ast.Not: "not"}


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
    """Turns whitelisted :mod:`ast` nodes into a tree, checking names and arities."""

    def __init__(self, origin: list[int], variables: Collection[str] | None,
                 functions: Collection[str] | None, line: int | None,
                 offset: int = 0) -> None:
        self.origin = origin
        self.variables = variables
        self.functions = FUNCTIONS if functions is None else functions
        self.line = line
        self.offset = offset

    def error(self, reason: str, node: ast.AST | None = None) -> ExpressionError:
        offset = getattr(node, "col_offset", None)
        column = None
        if offset is not None:
            column = self.origin[min(offset, len(self.origin) - 1)] + 1 + self.offset
        return ExpressionError(reason, column, self.line)

    def read(self, node: ast.AST, depth: int = 0) -> Expr:
        if depth > MAX_DEPTH:
            raise self.error(f"the formula nests more than {MAX_DEPTH} levels deep", node)
        if isinstance(node, ast.Constant):
            return self._number(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.UnaryOp):
            return self._unary(node, depth)
        if isinstance(node, ast.BinOp):
            return self._binary(node, depth)
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        raise self.error(f"{_describe(node)} is not allowed in a formula", node)

    def _name(self, node: ast.Name) -> Var:
        if node.id.startswith("__"):
            raise self.error(f"'{node.id}': names starting with __ are reserved", node)
        if self.variables is not None and node.id not in self.variables:
            known = ", ".join(sorted(self.variables)) or "none"
            raise self.error(f"unknown name '{node.id}' (known: {known})", node)
        return Var(node.id)

    def _unary(self, node: ast.UnaryOp, depth: int) -> Expr:
        operand = self.read(node.operand, depth + 1)
        if isinstance(node.op, ast.UAdd):
            return operand
        if not isinstance(node.op, ast.USub):
            raise self.error(f"operator '{_SYMBOLS.get(type(node.op), '?')}' is not "
                             "supported; use + - * / **", node)
        if isinstance(operand, Num):
            return Num(-operand.value)  # a negative number: exact
        return Unary("-", operand)

    def _binary(self, node: ast.BinOp, depth: int) -> Binary:
        op = _BINARY.get(type(node.op))
        if op is None:
            symbol = _SYMBOLS.get(type(node.op), type(node.op).__name__)
            raise self.error(f"operator '{symbol}' is not supported; use + - * / **", node)
        return Binary(op, self.read(node.left, depth + 1), self.read(node.right, depth + 1))

    def _number(self, node: ast.Constant) -> Num:
        value: Any = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(f"{value!r} is not a number", node)
        try:
            return Num(float(value))
        except OverflowError:
            raise self.error("the number is too large", node) from None

    def _call(self, node: ast.Call, depth: int) -> Call:
        if not isinstance(node.func, ast.Name):
            raise self.error(f"{_describe(node.func)} is not allowed; call functions by "
                             "name, e.g. exp(...)", node.func)
        name = node.func.id
        if name not in self.functions:
            known = ", ".join(sorted(self.functions))
            raise self.error(f"unknown function '{name}' (known: {known})", node)
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise self.error(f"{name}() takes plain arguments only", node)
        arity = _arity(name, self.functions)
        if arity is not None and len(node.args) != arity:
            raise self.error(f"{name}() takes {arity} argument{'s' if arity != 1 else ''}, "
                             f"got {len(node.args)}", node)
        return Call(name, tuple(self.read(a, depth + 1) for a in node.args))


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


def _syntax_error(error: SyntaxError, origin: list[int], line: int | None,
                  offset: int = 0) -> ExpressionError:
    column = None
    if error.offset is not None:
        column = origin[max(0, min(error.offset - 1, len(origin) - 1))] + 1 + offset
    reason = (error.msg or "invalid syntax").removesuffix(" (<unknown>, line 1)")
    return ExpressionError(f"cannot read the formula: {reason}", column, line)


def _check_length(text: str) -> None:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the formula is longer than {MAX_LENGTH:,} characters")


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
