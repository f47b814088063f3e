"""The main window: the graph in the centre, controls on the right, plots and the weights
table below (dock widgets the user can move, hide or float), menus, toolbar, status bar."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QToolBar,
    QWidget,
)

from core.data.datasets import SUPPORTED_SUFFIXES, DataError, Dataset, load_dataset
from gui.actions import SHORTCUTS, Shortcut, TrainingActions, make_action
from gui.bridge import TrainingBridge
from gui.export_menu import ExportMenu
from gui.formatting import short_number
from gui.graph.value_label import ValueLabel
from gui.graph.view import GraphView
from gui.panels.side_panel import SidePanel
from gui.panels.weights_table import WeightsTable
from gui.plots.compare_plot import ComparePlot
from gui.plots.loss_plot import LossPlot
from gui.plots.trajectory_plot import TrajectoryPlot
from gui.presets_menu import PresetsMenu
from gui.settings import read_bool, write_hyperparameters
from gui.snapshot import Snapshot
from gui.theme import DEFAULT_THEME, Theme

DATA_FILTER = f"Data files ({' '.join('*' + s for s in SUPPORTED_SUFFIXES)});;All files (*)"
DEFAULT_SIZE = (1600, 1000)
#: Shares of the window's width and height the control column and the bottom panels
#: start with (clamped to sensible pixel sizes); the graph gets the rest.
CONTROLS_SHARE = 0.21
BOTTOM_SHARE = 0.25
SETTINGS_VERSION = 1


def fitting_size(size: tuple[int, int]) -> tuple[int, int]:
    """``size``, shrunk to fit the screen's available area if it is smaller."""
    screen = QGuiApplication.primaryScreen()
    if screen is None:
        return size
    available = screen.availableGeometry()
    return (min(size[0], available.width()), min(size[1], available.height()))


class MainWindow(QMainWindow):
    """Backprop Explorer's window.  All state lives in the bridge."""

    def __init__(self, bridge: TrainingBridge, *, settings: QSettings | None = None,
                 theme: Theme = DEFAULT_THEME, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.settings = settings
        self.theme = theme
        self.setWindowTitle("Backprop Explorer")
        self.resize(*fitting_size(DEFAULT_SIZE))

        self.graph_view = GraphView(theme)
        self.graph_view.setObjectName("graph_view")
        self.setCentralWidget(self.graph_view)

        self.training_actions = TrainingActions(bridge, self)
        self._make_actions()
        self.side_panel = SidePanel(bridge, self.training_actions, self.open_data_action)
        self.loss_plot = LossPlot(bridge)
        self.trajectory_plot = TrajectoryPlot(bridge)
        self.compare_plot = ComparePlot(bridge)
        self.weights_table = WeightsTable(bridge)
        self.plot_tabs = QTabWidget()
        self.plot_tabs.setObjectName("plot_tabs")
        self.plot_tabs.addTab(self.loss_plot, "Loss")
        self.plot_tabs.addTab(self.trajectory_plot, "Weights over time")
        self.plot_tabs.addTab(self.compare_plot, "Compare optimizers")
        self.controls_dock = self._dock("Controls", self.side_panel,
                                        Qt.DockWidgetArea.RightDockWidgetArea)
        self.plots_dock = self._dock("Plots", self.plot_tabs,
                                     Qt.DockWidgetArea.BottomDockWidgetArea)
        self.weights_dock = self._dock("Weights", self.weights_table,
                                       Qt.DockWidgetArea.BottomDockWidgetArea)
        self.splitDockWidget(self.plots_dock, self.weights_dock, Qt.Orientation.Horizontal)
        # The control column runs the full height; the plots share the bottom with the table.
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.setCorner(Qt.Corner.TopRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self._docks_sized = False
        self._make_menus()
        self._make_toolbar()
        self.position_label = ValueLabel(
            "epoch 20000/20000   step 10000000   sample shown 100000   last loss −0.0001234")
        self.position_label.setObjectName("position_label")
        self.statusBar().addPermanentWidget(self.position_label)

        bridge.graph_changed.connect(self._on_graph_changed)
        bridge.snapshot_updated.connect(self.show_snapshot)
        bridge.readouts_updated.connect(self.show_position)
        bridge.diverged.connect(self._on_diverged)
        bridge.status_reported.connect(lambda text: self.statusBar().showMessage(text))
        self.graph_view.set_graph(bridge.graph)
        self.show_snapshot(bridge.snapshot())
        self.show_position(bridge.snapshot())
        self._restore_settings()
        self.statusBar().showMessage("Ready: Right arrow trains one sample, Space plays")
        self.graph_view.setFocus()

    # -- building -----------------------------------------------------------------------

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{title.lower()}_dock")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _action(self, text: str, slot: Callable[..., object], shortcut: Shortcut | None = None,
                tip: str = "") -> QAction:
        action = make_action(self, text, shortcut, tip, slot)
        self.addAction(action)
        return action

    def _make_actions(self) -> None:
        view = self.graph_view
        self.open_data_action = self._action("&Open data…", self.choose_data_file,
                                             QKeySequence.StandardKey.Open,
                                             "Load features and target from a file")
        self.quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.zoom_in_action = self._action("Zoom &in", view.zoom_in,
                                           ("Ctrl++", "Ctrl+="), "Zoom in (Ctrl+plus)")
        self.zoom_out_action = self._action("Zoom &out", view.zoom_out, "Ctrl+-",
                                            "Zoom out (Ctrl+minus)")
        self.fit_action = self._action("&Fit graph", view.fit_all, "F",
                                       "Fit the whole graph in the view (F)")
        self.legends_action = self._action("&Legends", view.set_legends_visible)
        self.legends_action.setCheckable(True)
        self.legends_action.setChecked(True)
        self.full_screen_action = self._action("F&ull screen", self._toggle_full_screen,
                                               "F11")
        self.graph_only_action = self._action("&Graph only", self._set_graph_only,
                                              "Ctrl+G", "Hide every panel (Ctrl+G)")
        self.graph_only_action.setCheckable(True)
        self.shortcuts_action = self._action("&Keyboard shortcuts", self.show_shortcuts,
                                             QKeySequence.StandardKey.HelpContents)
        self.about_action = self._action("&About", self.show_about)
        for action in self.training_actions.all():
            self.addAction(action)

    def _make_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.open_data_action)
        self.export_menu = ExportMenu(
            self.bridge, self.graph_view,
            {"loss": self.loss_plot.plot, "weights": self.trajectory_plot.plot,
             "compare": self.compare_plot.plot}, self._report, self)
        file_menu.addMenu(self.export_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self.presets_menu = PresetsMenu(self.bridge, self)
        bar.addMenu(self.presets_menu)
        view_menu = bar.addMenu("&View")
        for action in (self.zoom_in_action, self.zoom_out_action, self.fit_action):
            view_menu.addAction(action)
        view_menu.addSeparator()
        view_menu.addAction(self.legends_action)
        for dock in (self.controls_dock, self.plots_dock, self.weights_dock):
            view_menu.addAction(dock.toggleViewAction())
        view_menu.addAction(self.graph_only_action)
        view_menu.addAction(self.full_screen_action)
        train_menu = bar.addMenu("&Train")
        for action in self.training_actions.all():
            train_menu.addAction(action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.about_action)

    def _make_toolbar(self) -> None:
        toolbar = QToolBar("Toolbar", self)
        toolbar.setObjectName("toolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in self.training_actions.all():
            toolbar.addAction(action)
        toolbar.addSeparator()
        for action in (self.zoom_in_action, self.zoom_out_action, self.fit_action):
            toolbar.addAction(action)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
        self.toolbar = toolbar

    def _size_docks(self) -> None:
        """Give the graph most of the window: the panels get a share of its size."""
        width, height = self.width(), self.height()
        controls = round(min(max(CONTROLS_SHARE * width, 300), 360))
        bottom = round(min(max(BOTTOM_SHARE * height, 200), 250))
        self.resizeDocks([self.controls_dock], [controls], Qt.Orientation.Horizontal)
        rest = max(width - controls, 2)
        self.resizeDocks([self.plots_dock, self.weights_dock],
                         [round(rest * 0.57), round(rest * 0.43)], Qt.Orientation.Horizontal)
        self.resizeDocks([self.plots_dock], [bottom], Qt.Orientation.Vertical)

    def showEvent(self, event) -> None:
        # Sized when first shown, when the window's final size is known (a screenshot
        # resizes the window after building it); a restored layout is left as it was.
        if not self._docks_sized:
            self._docks_sized = True
            self._size_docks()
            self.layout().activate()
        super().showEvent(event)

    # -- reacting to the bridge ------------------------------------------------------------

    def _on_graph_changed(self, graph: object) -> None:
        self.graph_view.set_graph(graph)  # type: ignore[arg-type]

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self.graph_view.show_trace(snapshot.trace)
        divergence = snapshot.divergence
        self.graph_view.highlight_node(None if divergence is None else divergence.node)

    def show_position(self, snapshot: Snapshot) -> None:
        loss = "—" if snapshot.last_loss is None else short_number(snapshot.last_loss)
        epoch = min(snapshot.epoch + 1, snapshot.epochs)
        self.position_label.setText(
            f"epoch {epoch}/{snapshot.epochs}   step {snapshot.step}   "
            f"sample shown {snapshot.sample}   last loss {loss}")

    def _on_diverged(self, divergence: object) -> None:
        node = getattr(divergence, "node", None)
        self.graph_view.highlight_node(node)

    # -- commands ------------------------------------------------------------------------

    def choose_data_file(self) -> None:
        start = str(self.settings.value("files/last_dir", "")) if self.settings else ""
        path, _ = QFileDialog.getOpenFileName(self, "Open data", start, DATA_FILTER)
        if path:
            self.open_data_file(path)

    def open_data_file(self, path: str) -> Dataset | None:
        """Load ``path`` and train on it; on a problem, say so and keep the current data."""
        try:
            dataset = load_dataset(path)
            self.bridge.set_dataset(dataset)
        except DataError as problem:
            self.statusBar().showMessage(f"Could not use {path}")
            self._warn("Cannot use this data", str(problem))
            return None
        except OSError as problem:
            self._warn("Cannot read this file", f"{path}: {problem.strerror or problem}")
            return None
        if self.settings is not None:
            self.settings.setValue("files/last_dir", str(Path(path).resolve().parent))
        self.statusBar().showMessage(f"Loaded {dataset.display_name}: {len(dataset)} samples")
        return dataset

    def _report(self, title: str, text: str) -> None:
        """A problem in a dialog (with its title), or a success in the status bar."""
        if title:
            self.statusBar().showMessage(f"{title}: {text}")
            self._warn(title, text)
        else:
            self.statusBar().showMessage(text)

    def _warn(self, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok,
                          self)
        box.setObjectName("problem_box")
        box.open()

    def _toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()

    def _set_graph_only(self, on: bool) -> None:
        for dock in (self.controls_dock, self.plots_dock, self.weights_dock):
            dock.setVisible(not on)
        self.toolbar.setVisible(not on)

    def show_shortcuts(self) -> None:
        rows = "".join(f"<tr><td><b>{key}</b>&nbsp;&nbsp;</td><td>{what}</td></tr>"
                       for key, what in SHORTCUTS)
        box = QMessageBox(QMessageBox.Icon.Information, "Keyboard shortcuts",
                          f"<table>{rows}</table>", QMessageBox.StandardButton.Ok, self)
        box.setObjectName("shortcuts_box")
        box.open()

    def show_about(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "About Backprop Explorer",
                          "<b>Backprop Explorer</b><br>See backpropagation: a live "
                          "computational graph with every value and gradient, trained "
                          "sample by sample.", QMessageBox.StandardButton.Ok, self)
        box.setObjectName("about_box")
        box.open()

    # -- settings ------------------------------------------------------------------------

    def _restore_settings(self) -> None:
        settings = self.settings
        if settings is None:
            return
        geometry = settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = settings.value("window/state")
        if state is not None and self.restoreState(state, SETTINGS_VERSION):
            self._docks_sized = True
        self.loss_plot.set_log_scale(read_bool(settings, "plots/log_scale", False))
        legends = read_bool(settings, "view/legends", True)
        self.legends_action.setChecked(legends)
        self.graph_view.set_legends_visible(legends)
        chosen = settings.value("compare/optimizers")
        if isinstance(chosen, str) and chosen:
            self.compare_plot.set_chosen(chosen.split(","))
        tab = settings.value("plots/tab")
        if tab is not None:
            with contextlib.suppress(TypeError, ValueError):
                self.plot_tabs.setCurrentIndex(int(tab))

    def save_settings(self) -> None:
        settings = self.settings
        if settings is None:
            return
        bridge = self.bridge
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState(SETTINGS_VERSION))
        settings.setValue("training/optimizer", bridge.optimizer_name)
        write_hyperparameters(settings, bridge.optimizer_name, bridge.hyperparameters)
        settings.setValue("training/seed", bridge.seed)
        settings.setValue("training/epochs", bridge.epochs)
        settings.setValue("training/speed", -1.0 if math.isinf(bridge.speed) else bridge.speed)
        settings.setValue("training/graph", bridge.graph.name or "seed")
        settings.setValue("plots/log_scale", self.loss_plot.log_scale.isChecked())
        settings.setValue("plots/tab", self.plot_tabs.currentIndex())
        settings.setValue("view/legends", self.legends_action.isChecked())
        settings.setValue("compare/optimizers", ",".join(self.compare_plot.chosen()))
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.bridge.shutdown()
        self.save_settings()
        super().closeEvent(event)
