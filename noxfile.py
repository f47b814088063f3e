"""The test suite on every supported Python, each in a fresh virtual environment.

    nox                    # the whole suite on every supported Python found here
    nox -s tests-3.12      # one of them
    nox -s compat-3.12     # the part of the suite that depends on the interpreter

Each session installs the project the way the README does (``pip install -e ".[test]"``) and
runs pytest.  ``.ci/run`` runs the whole suite on the default Python and ``compat`` on the
others: the tests whose outcome can change with the interpreter (the engine's numerics and
generated code, every command, the sandbox's ctypes calls, the Qt binding under many calls,
the window's start-up), which keeps CI within ten minutes on two cores.
"""

from __future__ import annotations

import nox

#: The Pythons the project supports; the README, ``requires-python`` and the classifiers in
#: pyproject.toml say the same.
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]

#: What ``compat`` runs: everything in core and cli, the student sandbox's containment, and
#: the window's start-up and a long run of Qt calls (PySide6 6.12.0 broke 3.10 and 3.11 there).
COMPAT_TESTS = ["tests/core", "tests/cli", "tests/hostile/test_backward_containment.py",
                "tests/gui/test_many_qt_calls.py", "tests/gui/test_main_window.py",
                "tests/gui/test_app.py"]

nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = False


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Install the project with its test extra, then run pytest."""
    session.install("-e", ".[test]")
    session.run("python", "-c", "import sys, PySide6; "
                "print('Python', sys.version.split()[0], '· PySide6', PySide6.__version__)")
    session.run("python", "-m", "pytest", "-q", *session.posargs)


@nox.session(python=PYTHONS)
def compat(session: nox.Session) -> None:
    """Install the project with its test extra, then run the interpreter-dependent tests."""
    session.install("-e", ".[test]")
    session.run("python", "-c", "import sys, PySide6; "
                "print('Python', sys.version.split()[0], '· PySide6', PySide6.__version__)")
    session.run("python", "-m", "pytest", "-q", *COMPAT_TESTS, *session.posargs)
