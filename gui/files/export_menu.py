"""File > Export: the graph and each plot as PNG or SVG, the history as CSV."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from core.training.history_csv import write_history_csv
from gui.files.exports import ExportError, export_plot, export_widget
from gui.session.training_session import TrainingSession

#: Export target key -> (menu text, suffixes offered).
TARGETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "graph": ("&Graph", (".png", ".svg")),
    "loss": ("&Loss plot", (".png", ".svg")),
    "weights": ("&Weights plot", (".png", ".svg")),
    "compare": ("&Compare plot", (".png", ".svg")),
    "history": ("&History", (".csv",)),
}


class ExportMenu(QMenu):
    """One entry per target and format; each asks for a file name, then writes it.

    Parameters
    ----------
    graph_view
        The widget drawn for "graph" (with its legends).
    plots
        Target key -> the pyqtgraph plot widget drawn for it.
    report
        Called with (title, problem) when an export fails, with ("", message) when it
        succeeds.
    """

    def __init__(self, session: TrainingSession, graph_view: QWidget,
                 plots: dict[str, pg.PlotWidget], report: Callable[[str, str], None],
                 parent: QWidget | None = None) -> None:
        super().__init__("&Export", parent)
        self.setObjectName("export_menu")
        self.session = session
        self.graph_view = graph_view
        self.plots = plots
        self.report = report
        self.last_folder = ""
        self.entries: dict[str, QAction] = {}
        for key, (text, suffixes) in TARGETS.items():
            for suffix in suffixes:
                action = self.addAction(f"{text} as {suffix[1:].upper()}…")
                action.triggered.connect(
                    lambda _checked=False, k=key, s=suffix: self.choose_file(k, s))
                self.entries[f"{key}{suffix}"] = action

    def choose_file(self, key: str, suffix: str) -> None:
        """Ask where to save, then export."""
        name = f"{key}{suffix}"
        start = str(Path(self.last_folder) / name) if self.last_folder else name
        kind = suffix[1:].upper()
        path, _ = QFileDialog.getSaveFileName(self.parentWidget(), f"Export {key} as {kind}",
                                              start, f"{kind} files (*{suffix})")
        if path:
            if not path.lower().endswith(suffix):
                path += suffix
            self.export(key, path)

    def export(self, key: str, path: str) -> bool:
        """Write target ``key`` to ``path``; report success or the problem."""
        try:
            if key == "graph":
                export_widget(self.graph_view, path, self.session.graph.name or "graph")
            elif key == "history":
                rows = write_history_csv(self.session.trainer, path)
                self.report("", f"Exported the history ({rows} rows) to {path}")
                self.last_folder = str(Path(path).parent)
                return True
            else:
                export_plot(self.plots[key], path)
        except ExportError as problem:
            self.report("Cannot export", str(problem))
            return False
        except OSError as problem:
            self.report("Cannot export", f"{path}: {problem.strerror or problem}")
            return False
        self.last_folder = str(Path(path).parent)
        self.report("", f"Exported the {key} to {path}")
        return True
