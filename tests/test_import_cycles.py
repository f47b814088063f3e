"""No import cycles among the app's modules (core, cli, gui and main.py), and core imports
neither gui nor cli.

Every import counts, wherever it is written: at the top of a module, inside a function,
or under ``if TYPE_CHECKING:`` (a cycle through type hints still ties the two modules
together for whoever changes one of them).  The imports are read with ``ast``; nothing is
imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "cli", "gui")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {_module_name(path): path
             for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}
    found["main"] = ROOT / "main.py"
    return found


MODULES = _modules()


def _known(name: str) -> str | None:
    """The app's module ``name`` names, or the nearest package above it; ``None`` outside
    the app (numpy, PySide6, ...)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in MODULES:
            return candidate
        parts.pop()
    return None


def _imported(module: str, path: Path) -> set[str]:
    """The app's modules that ``module`` imports anywhere in its text."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(filter(None, (_known(alias.name) for alias in node.names)))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            for alias in node.names:
                # ``from core.training import trainer`` imports the module trainer.
                submodule = f"{source}.{alias.name}"
                target = submodule if submodule in MODULES else _known(source)
                if target is not None:
                    found.add(target)
    found.discard(module)
    return found


GRAPH = {module: _imported(module, path) for module, path in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (``a -> b -> ... -> a``) through each strongly connected group of
    modules that import one another (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
    return [_cycle_in(graph, set(group)) for group in groups]


def _cycle_in(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """The shortest way from the group's first module back to itself, within the group."""
    start = min(group)
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph[node] & group):
                if target == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if target not in previous:
                    previous[target] = node
                    following.append(target)
        frontier = following
    raise AssertionError(f"no cycle in the group {sorted(group)}")


def test_no_import_cycles():
    lines = []
    for cycle in _cycles(GRAPH):
        lines.append(" -> ".join(cycle))
        tied = _tied_to(GRAPH, cycle[0]) - set(cycle)
        if tied:
            lines.append(f"    (also in a cycle with it: {', '.join(sorted(tied))})")
    assert not lines, "import cycles:\n" + "\n".join(lines)


def _tied_to(graph: dict[str, set[str]], module: str) -> set[str]:
    """The modules that import ``module`` and are imported by it, directly or not."""
    def reach(start: str, edges: dict[str, set[str]]) -> set[str]:
        seen, todo = {start}, [start]
        while todo:
            for target in edges[todo.pop()]:
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        return seen

    reverse: dict[str, set[str]] = {name: set() for name in graph}
    for name, targets in graph.items():
        for target in targets:
            reverse[target].add(name)
    return reach(module, graph) & reach(module, reverse)


def test_core_imports_neither_gui_nor_cli():
    wrong = sorted(f"{module} imports {target}" for module, targets in GRAPH.items()
                   if module.startswith("core") for target in targets
                   if target.split(".")[0] in ("gui", "cli"))
    assert not wrong, "\n".join(wrong)


def test_the_scan_sees_every_package_and_every_kind_of_import():
    assert {module.split(".")[0] for module in MODULES} == {*PACKAGES, "main"}
    assert len(MODULES) > 100
    # A function-local import, an `if TYPE_CHECKING:` one and a relative one all count.
    graph = {"a": set(), "b": set()}
    assert _cycles(graph) == []
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c", "a"]]


def test_every_kind_of_import_is_read(tmp_path):
    source = tmp_path / "sample.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from core.training.trainer import Trainer\n"
        "def f():\n"
        "    import cli.common\n"
        "    from gui import theme\n", encoding="utf-8")
    assert _imported("core.training.sample", source) == {
        "core.training.trainer", "cli.common", "gui.theme"}
    relative = tmp_path / "relative.py"
    relative.write_text("from .config import TrainingConfig\nfrom .. import inputs\n",
                        encoding="utf-8")
    assert _imported("core.training.relative", relative) == {
        "core.training.config", "core.inputs"}
