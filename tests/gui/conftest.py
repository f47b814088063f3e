"""GUI test fixtures.  Settings go to a temporary folder, never the user's."""

from __future__ import annotations

import os
import tempfile

import pytest

# Before Qt reads it: QSettings' user scope lives under XDG_CONFIG_HOME on Linux.
_SETTINGS_DIR = tempfile.mkdtemp(prefix="backprop-explorer-test-settings-")
os.environ["XDG_CONFIG_HOME"] = _SETTINGS_DIR

from PySide6.QtCore import QSettings  # noqa: E402

from core.data.datasets import builtin_dataset  # noqa: E402
from core.presets import resolve_graph  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path):
    """Every test gets an empty settings folder of its own."""
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    return tmp_path


@pytest.fixture(scope="session")
def seed_graph():
    return resolve_graph("seed")[0]


@pytest.fixture(scope="session")
def dataset():
    return builtin_dataset()


@pytest.fixture
def session(qtbot, seed_graph, dataset):
    from core.training.config import TrainingConfig
    from gui.session import Session

    session = Session(TrainingConfig(), seed_graph, dataset)
    yield session
    session.shutdown()


@pytest.fixture
def window(qtbot, session):
    from gui.main_window import MainWindow
    from gui.settings import open_settings

    window = MainWindow(session, settings=open_settings())
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    return window
