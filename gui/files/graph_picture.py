"""The graph drawn without a window, for ``python main.py export OUT.png|OUT.svg``.

The picture is the window's own graph view (same layout, colours and legends), shown on
an offscreen surface at a given size, fitted, and saved with :mod:`gui.files.exports`.
"""

from __future__ import annotations

import os
from pathlib import Path

from core.autodiff.engine import Trace
from core.autodiff.graph import Graph

#: Size of an exported graph picture, in pixels.
PICTURE_SIZE = (1600, 1000)


def save_graph_picture(graph: Graph, trace: Trace, path: str | os.PathLike[str],
                       size: tuple[int, int] = PICTURE_SIZE) -> Path:
    """Draw ``graph`` showing ``trace`` and save it as PNG or SVG (by the suffix).

    Raises
    ------
    gui.files.exports.ExportError
        For an unknown suffix or a file that cannot be written.
    """
    from gui.files.exports import export_widget, picture_format
    from gui.offscreen import offscreen_application

    picture_format(path)  # refuse a bad suffix before starting Qt's machinery
    app = offscreen_application()
    from PySide6.QtWidgets import QApplication

    from gui.graph.view import GraphView

    view = GraphView()
    try:
        view.resize(*size)
        view.show()
        QApplication.processEvents()
        view.set_graph(graph)
        view.show_trace(trace)
        view.fit_all()
        QApplication.processEvents()
        return export_widget(view, path, graph.name or graph.formula)
    finally:
        view.close()
        view.deleteLater()
        QApplication.processEvents()
        del app
