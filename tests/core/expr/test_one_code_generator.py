"""Source becomes code in one module: core/expr/codegen.py.  Everywhere else in core, cli
and gui, code is generated as text from expression trees and handed to it."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
ALLOWED = {Path("core/expr/codegen.py")}


def _runs_source(node: ast.AST) -> bool:
    """A call of the builtins eval, exec or compile (Qt's dialog.exec() is an attribute)."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
        and node.func.id in ("eval", "exec", "compile")


def test_only_the_code_generator_runs_generated_source():
    found = []
    for package in ("core", "cli", "gui"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            tree = ast.parse(path.read_text(encoding="utf-8"), str(relative))
            found += [f"{relative}:{node.lineno}" for node in ast.walk(tree)
                      if _runs_source(node) and relative not in ALLOWED]
    assert found == []


def test_the_scan_sees_a_call_of_exec():
    assert _runs_source(ast.parse("exec('1')").body[0].value)
    assert not _runs_source(ast.parse("dialog.exec()").body[0].value)
