"""Run a piece of window code on an offscreen screen of a given size, in a fresh process.

Qt's offscreen platform reads its screen's size once, when the application starts, and a
test process has one application: each screen size under test needs a process of its own.
The snippet runs after a ``QApplication`` exists on that screen, with the project on the
path; what it prints on its last line (JSON) is returned.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent

_PRELUDE = """
import os, sys, json
sys.path.insert(0, {root!r})
from PySide6.QtWidgets import QApplication
app = QApplication(["Backprop Explorer"])
"""


def run_on_screen(width: int, height: int, code: str, *, timeout: float = 120.0) -> Any:
    """Run ``code`` in a new Python process on a ``width`` x ``height`` offscreen screen;
    return the JSON value of the last line it prints."""
    from gui.offscreen import offscreen_platform

    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = offscreen_platform(width, height)
    env.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)
    source = _PRELUDE.format(root=str(ROOT)) + textwrap.dedent(code)
    result = subprocess.run([sys.executable, "-c", source], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise AssertionError(f"the snippet failed on {width}x{height} "
                             f"(exit {result.returncode}):\n{result.stderr[-4000:]}")
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    if not lines:
        raise AssertionError(f"the snippet printed nothing on {width}x{height}:\n"
                             f"{result.stderr[-4000:]}")
    return json.loads(lines[-1])
