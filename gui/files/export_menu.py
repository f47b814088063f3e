"""File > Export: the graph and each plot as PNG or SVG, the history as CSV; and File >
Export animation… (:attr:`ExportMenu.animation_action`), the graph over training as a GIF
or an MP4.

Each entry opens an :class:`~gui.files.export_dialog.ExportDialog`: the file, and for a
plot the picture's width and height (by default :func:`~gui.files.exports.default_plot_size`).
The animation entry opens an :class:`~gui.files.animation_dialog.AnimationDialog` and runs
the export with :class:`~gui.files.animation_runner.AnimationRunner`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from core.atomic_file import NotAFileError, atomic_write_bytes
from core.torch_export import TorchExportError, script_title, torch_script
from core.training.history_csv import write_history_csv
from gui.files.animation import AnimationSpec
from gui.files.animation_dialog import AnimationDialog
from gui.files.animation_runner import AnimationRunner
from gui.files.export_dialog import ExportDialog
from gui.files.exports import ExportError, default_plot_size, export_plot, export_widget
from gui.session.training_session import TrainingSession
from gui.theme import DEFAULT_THEME, Theme

#: Export target key -> (menu text, suffixes offered).
TARGETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "graph": ("&Graph", (".png", ".svg")),
    "loss": ("&Loss plot", (".png", ".svg")),
    "weights": ("&Weights plot", (".png", ".svg")),
    "compare": ("&Compare plot", (".png", ".svg")),
    "history": ("&History", (".csv",)),
    "model": ("&Model as a PyTorch script", (".py",)),
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
                action = self.addAction(f"{text} as {suffix[1:].upper()}…" if key != "model"
                                        else f"{text}…")
                action.triggered.connect(
                    lambda _checked=False, k=key, s=suffix: self.choose_file(k, s))
                self.entries[f"{key}{suffix}"] = action
        #: File > Export animation… (the window puts it in its File menu).
        self.animation_action = QAction("Export &animation (GIF, MP4)…", self)
        self.animation_action.setObjectName("export_animation")
        self.animation_action.triggered.connect(self.choose_animation)
        self.animation_runner = AnimationRunner(session, report, parent)
        #: The two weights the loss landscape dock shows (None: none chosen), for an
        #: animation with the landscape; the window links it to its dock.
        self.landscape_pair: Callable[[], tuple[str, str] | None] = lambda: None

    def choose_file(self, key: str, suffix: str) -> ExportDialog:
        """Ask where to save (and a plot's size), then export; the dialog is returned
        open."""
        name = f"{key}{suffix}"
        start = str(Path(self.last_folder) / name) if self.last_folder else name
        kind = suffix[1:].upper()
        plot = self.plots.get(key)
        size = default_plot_size(plot.size()) if plot is not None else None
        dialog = ExportDialog(f"Export {key} as {kind}", start, suffix, size,
                              self.parentWidget())
        dialog.accepted.connect(
            lambda: self.export(key, dialog.path(), dialog.picture_size()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def export(self, key: str, path: str, size: tuple[int, int] | None = None) -> bool:
        """Write target ``key`` to ``path`` (a plot ``size`` pixels large, by default
        :func:`default_plot_size`); report success or the problem."""
        try:
            if key == "graph":
                export_widget(self.graph_view, path, self.session.graph.name or "graph")
            elif key == "model":
                note = self._export_model(path)
                self.last_folder = str(Path(path).parent)
                self.report("", f"Exported the model as a PyTorch script to {path}{note}")
                return True
            elif key == "history":
                rows = write_history_csv(self.session.trainer, path)
                self.report("", f"Exported the history ({rows} rows) to {path}")
                self.last_folder = str(Path(path).parent)
                return True
            else:
                export_plot(self.plots[key], path, size)
        except (ExportError, NotAFileError, TorchExportError) as problem:
            self.report("Cannot export", str(problem))
            return False
        except OSError as problem:
            self.report("Cannot export", f"{path}: {problem.strerror or problem}")
            return False
        self.last_folder = str(Path(path).parent)
        self.report("", f"Exported the {key} to {path}")
        return True

    def _export_model(self, path: str) -> str:
        """Write the PyTorch script at the weights the graph shows; a note for the report
        when a derivative is broken on purpose."""
        session = self.session
        trainer = session.trainer
        viewing = session.viewing
        if viewing is None:
            weights, step = list(trainer.weights), trainer.cursor.step
        else:
            weights, step = list(viewing.checkpoint.weights), int(viewing.checkpoint.step)
        graph = trainer.graph
        export = torch_script(graph, weights, trainer.dataset.X[0],
                              float(trainer.dataset.y[0]), title=script_title(graph),
                              steps=step)
        atomic_write_bytes(path, export.source.encode("utf-8"))
        if export.broken:
            return (f" (the derivative at {', '.join(export.broken)} is broken on purpose "
                    "here; the script computes torch's true gradients)")
        return ""

    def choose_animation(self) -> AnimationDialog:
        """Ask for the animation's file and settings, then export it; the dialog is
        returned open.  The first frame is the step the graph shows."""
        session = self.session
        trainer = session.trainer
        viewing = session.viewing
        shown = trainer.cursor.step if viewing is None else int(viewing.checkpoint.step)
        start = str(Path(self.last_folder) / "training.gif") if self.last_folder \
            else "training.gif"
        dialog = AnimationDialog(start, shown, trainer.cursor.step, trainer.remaining,
                                 self.parentWidget())
        dialog.accepted.connect(
            lambda: self.export_animation(dialog.path(), dialog.spec(), dialog.first_step()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def export_animation(self, path: str, spec: AnimationSpec, first_step: int) -> bool:
        """Start exporting ``spec`` to ``path`` from step ``first_step``, drawn as the graph
        is drawn on screen (theme, legends), the landscape of the dock's pair of weights;
        False (and a report) if it cannot start."""
        theme = getattr(self.graph_view, "theme", None)
        legends = getattr(self.graph_view, "legends_wanted", True)
        pair = self.landscape_pair() if spec.include == "landscape" else None
        started = self.animation_runner.start(
            path, spec, first_step, theme=theme if isinstance(theme, Theme) else DEFAULT_THEME,
            legends=bool(legends), pair=pair)
        if started:
            self.last_folder = str(Path(path).parent)
        return started
