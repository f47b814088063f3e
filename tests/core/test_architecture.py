"""core/ is toolkit-free: it imports no Qt, no pyqtgraph and nothing from gui/ or cli/; the
window (gui/) does not import the command line (cli/): what both need lives in core."""

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "core"
FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph", "gui", "matplotlib", "cli")
GUI = CORE.parent / "gui"


def _imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


@pytest.mark.parametrize("path", sorted(CORE.rglob("*.py")), ids=lambda p: p.name)
def test_core_module_imports_no_toolkit(path):
    for name in _imports(path):
        root = name.split(".")[0]
        assert root not in FORBIDDEN, f"{path.name} imports {name}"


def test_the_scan_sees_core():
    assert len(list(CORE.rglob("*.py"))) >= 6


@pytest.mark.parametrize("path", sorted(GUI.rglob("*.py")), ids=lambda p: p.name)
def test_the_window_does_not_import_the_command_line(path):
    for name in _imports(path):
        assert name.split(".")[0] != "cli", f"gui/{path.relative_to(GUI)} imports {name}"


def test_the_scan_sees_gui():
    assert len(list(GUI.rglob("*.py"))) >= 10
