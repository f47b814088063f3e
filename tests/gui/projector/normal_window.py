"""A snippet prelude for :func:`tests.gui.screens.run_on_screen`: the window in normal
mode filling a screen of the size under test, as ``--screenshot --size WxH`` shows it."""

from __future__ import annotations

#: Defines ``window`` (a shown MainWindow the size of the screen) and ``training``; the
#: optimizer named in ``OPTIMIZER`` (set before this runs) is chosen and 50 samples trained.
WINDOW = """
from PySide6.QtWidgets import QApplication
from core.data.datasets import builtin_dataset
from core.presets import resolve_graph
from core.training.config import TrainingConfig
from gui.main_window import MainWindow
from gui.session import Session

screen = app.primaryScreen().geometry()
session = Session(TrainingConfig(), resolve_graph("seed")[0], builtin_dataset())
training = session.training
window = MainWindow(session, settings=None)
window.resize(screen.width(), screen.height())
window.show()
app.processEvents()
training.set_optimizer(OPTIMIZER)
training.run_steps(50)
app.processEvents()
"""

SIZES = [(1024, 768), (1280, 720), (1920, 1080)]
