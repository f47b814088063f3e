"""The test suite on every supported Python, each in a fresh virtual environment.

    nox                    # every supported Python found on this machine
    nox -s tests-3.12      # one of them

Each session installs the project the way the README does (``pip install -e ".[test]"``) and
runs the README's test command.  ``.ci/run`` calls it for the Pythons beside the default one.
"""

from __future__ import annotations

import nox

#: The Pythons the project supports; the README, ``requires-python`` and the classifiers in
#: pyproject.toml say the same.
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]

nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = False


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Install the project with its test extra, then run pytest."""
    session.install("-e", ".[test]")
    session.run("python", "-c", "import sys, PySide6; "
                "print('Python', sys.version.split()[0], '· PySide6', PySide6.__version__)")
    session.run("python", "-m", "pytest", "-q", *session.posargs)
