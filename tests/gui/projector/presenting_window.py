"""A snippet prelude for :func:`tests.gui.screens.run_on_screen`: the window presenting
on a screen of the size under test, its camera jumping to each focus."""

from __future__ import annotations

#: Defines ``session``, ``w`` (a shown MainWindow, 1024x768, presenting in a window),
#: ``view`` (its graph view, the camera's moves not animated) and ``settle()`` (lets
#: the window and the camera finish moving).
PRESENTING = """
from core.data.datasets import builtin_dataset
from core.presets import resolve_graph
from core.training.config import TrainingConfig
from gui.main_window import MainWindow
from gui.session import Session

session = Session(TrainingConfig(), resolve_graph("seed")[0], builtin_dataset())
w = MainWindow(session, settings=None)
w.resize(1024, 768); w.show(); app.processEvents()
view = w.graph_view
view.camera.animated = False
w.presentation.enter(full_screen=False); app.processEvents()


def settle():
    app.processEvents(); view.camera.settle(); app.processEvents()
"""
