"""Running ``check-backward`` on hostile student files, as a grader would: a separate
process with a hard time limit, its exit code, its time, and what it printed.

Which protections this machine can give is asked once (in a child process: nothing changes
in the tests' own process); a test that needs one the machine lacks skips saying which.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import ROOT

EXAMPLES = ROOT / "resources" / "examples"
NOTEBOOK = (EXAMPLES / "notebook_backward.py").read_text(encoding="utf-8")
CORRECT = (EXAMPLES / "correct_backward.py").read_text(encoding="utf-8")
#: A backward pass that is wrong for every weight.
ZEROS = ("def backward_propagation(x, y, w, forward_dict):\n"
         "    return {f'dw{i}': 0.0 for i in range(1, 10)}\n")
#: Every check's hard limit, whatever the file does (the default --timeout is 10 s).
HARD_LIMIT = 60.0
#: Where each case's exit code and time are appended, when set (for the closing note).
LOG = os.environ.get("BACKWARD_HOSTILE_LOG")


@dataclass(frozen=True)
class Outcome:
    code: int
    seconds: float
    out: str
    err: str

    @property
    def json(self) -> dict[str, object]:
        return dict(json.loads(self.out))


def student(folder: Path, body: str, name: str = "student.py") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def check_backward(case: str, path: Path, *options: str, samples: int = 5,
                   limit: float = HARD_LIMIT, wrapper: str | None = None,
                   env: dict[str, str] | None = None) -> Outcome:
    """``python main.py check-backward PATH --json`` in a child process, stopped at
    ``limit`` (a failure then, not a hang).  ``wrapper`` runs instead of ``main.py`` (a
    script that ends by calling it)."""
    argv = ["check-backward", str(path), "--samples", str(samples), "--json", *options]
    command = ([sys.executable, "-c", wrapper, *argv] if wrapper is not None
               else [sys.executable, "main.py", *argv])
    start = time.monotonic()
    try:
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                                timeout=limit, check=False,
                                env={**os.environ, "QT_QPA_PLATFORM": "offscreen",
                                     **(env or {})})
    except subprocess.TimeoutExpired:
        pytest.fail(f"{case}: check-backward still running after {limit:g} s")
    seconds = time.monotonic() - start
    if LOG:
        with open(LOG, "a", encoding="utf-8") as log:
            log.write(json.dumps({"case": case, "code": result.returncode,
                                  "seconds": round(seconds, 2)}) + "\n")
    return Outcome(result.returncode, seconds, result.stdout, result.stderr)


def assert_cannot_check(outcome: Outcome, *words: str) -> None:
    """Exit 2, one clean line on stderr naming the problem, no traceback."""
    assert outcome.code == 2, outcome
    lines = outcome.err.strip().splitlines()
    assert len(lines) == 1, outcome.err[:2000]
    assert lines[0].startswith("error: ")
    assert "Traceback" not in outcome.err
    assert all(c.isprintable() for c in lines[0]), repr(lines[0][:400])
    assert len(lines[0]) < 700
    for word in words:
        assert word in lines[0], (word, lines[0])


def assert_wrong(outcome: Outcome) -> dict[str, object]:
    """Exit 1 with the checker's JSON verdict (not a crash: no traceback); the JSON."""
    assert outcome.code == 1, outcome
    assert "Traceback" not in outcome.err, outcome.err[-2000:]
    verdict = outcome.json
    assert verdict["wrong"], verdict
    return verdict


@cache
def machine_protections() -> dict[str, int | bool]:
    """What the launcher can apply here: the containment a trivial check reports."""
    from core.backward_check.sandbox import CheckPoint, StudentCodeError, run_student_file

    folder = Path(os.environ.get("TMPDIR", "/tmp"))
    path = folder / f"backward-probe-{os.getpid()}.py"
    path.write_text("def backward_propagation(x, y, w, d):\n    return {'da': 1.0}\n")
    try:
        run = run_student_file(path, [CheckPoint((1.0,), 1.0, (1.0,), {})], ["da"],
                               timeout=30)
    except StudentCodeError as error:  # a broken checker fails, never skips
        pytest.fail(f"a trivial check failed: {error}")
    finally:
        path.unlink()
    return run.containment.as_dict()


def needs(*protections: str) -> None:
    """Skip unless every protection named applies on this machine."""
    have = machine_protections()
    lacking = [p for p in protections if not have.get(p)]
    if lacking:
        pytest.skip(f"this machine does not give {', '.join(lacking)} to an unprivileged "
                    "process (Landlock ABI or user namespaces missing or restricted)")
