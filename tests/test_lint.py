"""Strict from day one: ruff on the whole project and mypy --strict on core/, cli/ and gui/
run with the tests, so CI fails on a lint or type error as on a failing test."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _tool(name):
    path = shutil.which(name) or str(Path(sys.executable).with_name(name))
    assert Path(path).exists(), f"{name} is missing: pip install -e '.[test]'"
    return path


def test_ruff_finds_nothing():
    result = subprocess.run([_tool("ruff"), "check", "--no-cache", "."], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


#: The type check reads numpy's own annotations; before numpy 2.3 (the last numpy for Python
#: 3.10 is 2.2) they differ (``ndarray`` needs its type arguments spelled out, some readers
#: are unannotated), so the types are checked against numpy 2.3 and newer, on 3.11 and up.
NUMPY_TYPES = tuple(int(part) for part in np.__version__.split(".")[:2]) >= (2, 3)


@pytest.mark.skipif(not NUMPY_TYPES, reason="types are checked with numpy >= 2.3")
def test_mypy_strict_on_core_cli_and_gui():
    # The packages come from pyproject.toml's [tool.mypy] files, which must name all three.
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["tool"]["mypy"]["files"] == ["core", "cli", "gui"]
    result = subprocess.run([_tool("mypy"), "--no-incremental"], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
