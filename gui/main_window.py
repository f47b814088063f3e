"""The main window: the graph in the centre, controls on the right, plots and the weights
table below (dock widgets the user can move, hide or float), menus, toolbar, status bar."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QScreen,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from core.autodiff.graph import Graph
from core.data.datasets import Dataset
from core.lessons import shipped_lessons
from core.training.optimizers import BUILT_IN
from core.training.trainer import Divergence, StepResult
from gui.actions import TrainingActions
from gui.classroom.lesson_player import LessonBar, LessonPlayer, LessonStage
from gui.classroom.presentation import Presentation, PresentationStage
from gui.classroom.spotlight import Spotlight
from gui.debugger.caption_bar import CaptionBar
from gui.debugger.gradient_tools import GradientTools
from gui.debugger.inspector import NodeInspector
from gui.debugger.inspector_feed import InspectorFeed, train_from_weight
from gui.debugger.step_display import StepDisplay
from gui.debugger.stepping import SteppingController
from gui.files.data_opener import DataOpener, dropped_path
from gui.files.export_menu import ExportMenu
from gui.files.ops_menu import OpsActions
from gui.files.optimizer_file import AddOptimizerAction
from gui.files.presets_menu import PresetsMenu
from gui.files.session_files import SessionFiles
from gui.formatting import short_number
from gui.geometry.landscape_dock import install_landscape
from gui.geometry.model_view import install_model_view
from gui.geometry.sweep_tab import install_sweep_tab
from gui.graph.value_label import ValueLabel
from gui.graph.view import GraphView
from gui.keymap import build_actions, make_action
from gui.panels.side_panel import SidePanel
from gui.panels.weights_table import WeightsTable
from gui.plots.compare_plot import ComparePlot
from gui.plots.loss_plot import LossPlot
from gui.plots.trajectory_plot import TrajectoryPlot
from gui.quit_guard import QuitGuard
from gui.remembered import RememberedView, reset_settings
from gui.session import Session
from gui.shortcuts_dialog import show_shortcuts
from gui.snapshot import Snapshot
from gui.status_line import StatusBar
from gui.theme import (
    DEFAULT_THEME,
    THEMES,
    Theme,
    panel_palette,
    panel_stylesheet,
    use_theme,
)
from gui.window_settings import WindowSettings

DEFAULT_SIZE = (1600, 1000)
#: Shares of the window's width and height the control column and the bottom panels
#: start with (clamped to sensible pixel sizes); the graph gets the rest.
CONTROLS_SHARE = 0.21
BOTTOM_SHARE = 0.25


def fitting_size(size: tuple[int, int]) -> tuple[int, int]:
    """``size``, shrunk to fit the screen's available area if it is smaller."""
    # Typed as always there, but None while the platform has no screen.
    screen: QScreen | None = QGuiApplication.primaryScreen()
    if screen is None:
        return size
    available = screen.availableGeometry()
    return (min(size[0], available.width()), min(size[1], available.height()))


class MainWindow(QMainWindow):
    """Backprop Explorer's window.  All state lives in the session (:mod:`gui.session`)."""

    #: Every action by its keymap name.  It hides QWidget.actions(), which nothing here
    #: calls (Qt's own code does not go through Python attributes).
    actions: dict[str, QAction]  # type: ignore[assignment]
    #: Asked before closing (None: close without asking; python main.py gives one).
    quit_guard: QuitGuard | None = None

    def __init__(self, session: Session, *, settings: QSettings | None = None,
                 theme: Theme | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        training = session.training
        self.settings = settings
        # A theme given here (--theme) wins over the remembered one.
        self.theme_chosen = theme
        theme = theme or DEFAULT_THEME
        self.theme = theme
        self.setWindowTitle("Backprop Explorer")
        self.resize(*fitting_size(DEFAULT_SIZE))

        self.graph_view = GraphView(theme)
        self.graph_view.setObjectName("graph_view")
        self.stepping = SteppingController(session, self)
        #: Whether the graph shows the gradients of the inputs (outside presentation mode).
        self.input_gradients = True

        self.training_actions = TrainingActions(session, self, forward=self.step_forward,
                                                epoch=self.step_epoch)
        self.data_opener = DataOpener(training, settings, self, self._say, self.warn)
        self.data_loader = self.data_opener.loader
        self.open_data_action = make_action(self, "open_data",
                                            lambda _checked=False: self.data_opener.choose_file())
        self.setAcceptDrops(True)
        self.side_panel = SidePanel(session, self.training_actions, self.open_data_action)
        self.loss_plot = LossPlot(training, theme=theme)
        self.trajectory_plot = TrajectoryPlot(training, theme=theme)
        self.compare_plot = ComparePlot(session, theme=theme)
        self.weights_table = WeightsTable(training)
        self._make_actions()
        self.spotlight = Spotlight(self.graph_view, self.stepping, self.actions["spotlight"])
        self.caption_bar = CaptionBar(theme, [
            (self.actions[name], short) for name, short in (
                ("step_start", "|◀"), ("step_back", "◀"), ("step_forward", "▶"),
                ("step_end", "▶|"), ("debug_step", "✕"))])
        central = QWidget()
        central.setObjectName("graph_area")
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        lesson_bar = LessonBar()
        column.addWidget(lesson_bar)
        column.addWidget(self.caption_bar)
        column.addWidget(self.graph_view, 1)
        #: The graph's column: the presentation strip joins it below the graph.
        self.graph_column = column
        self.setCentralWidget(central)
        self.plot_tabs = QTabWidget()
        self.plot_tabs.setObjectName("plot_tabs")
        self.plot_tabs.addTab(self.loss_plot, "Loss")
        self.plot_tabs.addTab(self.trajectory_plot, "Weights over time")
        self.plot_tabs.addTab(self.compare_plot, "Compare optimizers")
        self.sweep_tab = install_sweep_tab(self.plot_tabs, training, theme)
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
        self.inspector = NodeInspector(
            partial(train_from_weight, session, self.stepping, self._show_status), theme)
        self.inspector_dock = self._dock("Inspector", self.inspector,
                                         Qt.DockWidgetArea.RightDockWidgetArea)
        self.inspector_feed = InspectorFeed(session, self.stepping, self.inspector,
                                            self.inspector_dock, self.graph_view)
        self.tabifyDockWidget(self.controls_dock, self.inspector_dock)
        self.controls_dock.raise_()
        self._make_menus()
        tools = GradientTools(session, self.graph_view, self.actions, self._say, self,
                              settings)
        self.gradient_tools = tools
        # A tab beside the controls: the column's height holds every weight's row, and the
        # plots and the weights table keep their room.
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, tools.dock)
        self.tabifyDockWidget(self.controls_dock, tools.dock)
        self.controls_dock.raise_()
        self.debug_menu.addSeparator()
        self.debug_menu.addActions(list(tools.actions))
        self.debug_menu.addAction(self.ops_actions.reveal)
        self._make_toolbar()
        self.position_label = ValueLabel(
            "epoch 20000/20000   step 10000000   sample shown 100000   last loss −0.0001234")
        self.position_label.setObjectName("position_label")
        self.status_bar = StatusBar(self)  # elides at a word; hints end with their mode
        self.setStatusBar(self.status_bar)
        self.statusBar().addPermanentWidget(self.position_label)
        self.step_display = StepDisplay(training, self.stepping, self.graph_view,
                                        self.caption_bar, self.inspector_feed,
                                        self.status_bar, self.actions["debug_step"])
        self.lessons = LessonPlayer(LessonStage(
            session, self.stepping, self.graph_view, self.weights_table, self.spotlight,
            self.plot_tabs, self.plots_dock, self.compare_plot, tools, self,
            presenting=lambda: self.presentation.active, status=self._say, warn=self.warn),
            lesson_bar)
        # The opened run is the user's own: a lesson's next stop would start it over.
        self.session_files.opened.connect(self.lessons.close)
        self.presentation = Presentation(PresentationStage(
            self, self.toolbar, self.graph_view, column, self.caption_bar, self.lessons,
            tools, self.plot_tabs, self.compare_plot, session, self.actions,
            theme=lambda: self.theme, desk_theme=self.graph_theme,
            redraw_step=self.step_display.redraw))
        self.window_settings = WindowSettings(
            settings, self, session, theme=lambda: self.theme, theme_chosen=self.theme_chosen,
            set_theme=self.set_theme, loss_plot=self.loss_plot, legends=self.legends_action,
            follow=self.actions["follow"], graph_view=self.graph_view,
            plot_tabs=self.plot_tabs, compare_plot=self.compare_plot)
        #: What the remembered settings change, for naming and resetting them.
        self.remembered = RememberedView(
            settings, session, self.theme_chosen, lambda: self.theme, self.set_theme,
            self.window_settings.set_view_options, self.loss_plot.log_scale,
            self.legends_action,
            self.actions["follow"], self.graph_only_action,
            (self.controls_dock, self.plots_dock, self.weights_dock), self.toolbar, self._say)

        training.graph_changed.connect(self._on_graph_changed)
        training.snapshot_updated.connect(self.step_display.show_snapshot)
        training.readouts_updated.connect(self.show_position)
        training.step_finished.connect(self._on_step_finished)
        training.status_reported.connect(self._show_status)
        training.diverged.connect(self._on_diverged)
        session.play.training_started.connect(self._leave_stepping_for_play)
        self.stepping.position_changed.connect(self.step_display.show_position)
        self.stepping.started.connect(lambda: self.step_display.show_stepping(True))
        self.stepping.stopped.connect(lambda: self.step_display.show_stepping(False))
        self.stepping.position_changed.connect(lambda _position: self.spotlight.update())
        self.stepping.stopped.connect(self.spotlight.update)
        self.presentation.toggled.connect(self._on_presenting)
        self.stepping.status_reported.connect(self._show_status)
        training.readouts_updated.connect(self.inspector_feed.update)
        self.graph_view.node_clicked.connect(self.inspect_node)
        # The camera jumps rather than pans while training plays fast.
        self.graph_view.camera.play_speed = lambda: (
            self.session.play.speed if self.session.play.running else 0.0)
        self.graph_view.node_walk_requested.connect(self.inspector_feed.walk)
        #: The last message the session reported: it describes a state of training.
        self._session_message: str | None = None
        self.graph_view.set_graph(training.graph)
        self.step_display.show_snapshot(training.snapshot())
        self.show_position(training.snapshot())
        self._style_panels(theme)
        if self.window_settings.restore():
            self._docks_sized = True
        self.statusBar().showMessage("Ready: Right arrow trains one sample, Space plays")
        self.graph_view.setFocus()

    # -- building -----------------------------------------------------------------------

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{title.lower()}_dock")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _make_actions(self) -> None:
        """Every command, built from the one keymap table (:mod:`gui.keymap`)."""
        view = self.graph_view
        made = {**self.training_actions.by_name(), "open_data": self.open_data_action}
        self.session_files = SessionFiles(self.session.training, self, self._report)
        self.optimizer_file = AddOptimizerAction(self.session.training, self._report, self)
        self.session_files.path_changed.connect(
            lambda path: self.setWindowTitle(f"{Path(path).name} — Backprop Explorer"))
        slots: dict[str, Callable[..., object]] = {
            "step_back": self.step_back,
            "debug_step": self.stepping.toggle,
            "step_start": self.stepping.start_of_pass,
            "step_end": self.stepping.end_of_pass,
            "fit": view.fit_all,
            "follow": view.set_following,
            "zoom_in": view.zoom_in,
            "zoom_out": view.zoom_out,
            "log_scale": self.loss_plot.set_log_scale,
            "blank": self.set_blanked,
            "spotlight": lambda on=False: self.spotlight.set_on(bool(on)),
            "input_gradients": self.set_input_gradients,
            "present": self.set_presenting,
            "text_bigger": self.text_bigger,
            "text_smaller": self.text_smaller,
            "open_lesson": lambda _checked=False: self.lessons.choose_file(),
            "legends": view.set_legends_visible,
            "graph_only": self._set_graph_only,
            "full_screen": self._toggle_full_screen,
            "leave": self.leave,
            "quit": self.close,
            "open_session": lambda _checked=False: self.session_files.choose_and_open(),
            "save_session": lambda _checked=False: self.session_files.save(),
            "save_session_as": lambda _checked=False: self.session_files.save_as(),
            "shortcuts": self.show_shortcuts,
            "reset_settings": lambda _checked=False: reset_settings(self.remembered),
            # The gradient tools are built after the menus; these reach them when used.
            "gradient_check": lambda on=False: self.gradient_tools.show_panel(bool(on)),
            "check_backward": lambda _checked=False: self.gradient_tools.check_my_backward(),
            "clear_marks": lambda _checked=False: self.gradient_tools.clear_backward_marks(),
        }
        for i, name in enumerate(BUILT_IN, start=1):  # keys 1..7: the built-in ones
            slots[f"optimizer_{i}"] = lambda _checked=False, name=name: \
                self.session.training.set_optimizer(name)
        self.actions = build_actions(self, slots, made)
        for action in self.actions.values():
            self.addAction(action)
        self.actions["legends"].setChecked(True)
        self.actions["input_gradients"].setChecked(True)
        self.loss_plot.log_scale.toggled.connect(partial(self._set_checked, "log_scale"))
        # Names the tests and menus use.
        self.zoom_in_action = self.actions["zoom_in"]
        self.zoom_out_action = self.actions["zoom_out"]
        self.fit_action = self.actions["fit"]
        self.legends_action = self.actions["legends"]
        self.graph_only_action = self.actions["graph_only"]
        self.full_screen_action = self.actions["full_screen"]
        self.shortcuts_action = self.actions["shortcuts"]
        self.quit_action = self.actions["quit"]
        self.about_action = QAction("&About", self)
        self.about_action.triggered.connect(self.show_about)

    def _make_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        for name in ("open_session", "save_session", "save_session_as"):
            file_menu.addAction(self.actions[name])
        file_menu.addSeparator()
        file_menu.addAction(self.open_data_action)
        file_menu.addAction(self.optimizer_file.action)
        file_menu.addAction(self.actions["open_lesson"])
        self.ops_actions = OpsActions(self.session.training, self.warn, self)
        file_menu.addAction(self.ops_actions.add_ops)
        lessons_menu = file_menu.addMenu("Le&ssons")
        for name in shipped_lessons():
            lessons_menu.addAction(name, partial(self.open_lesson, name))
        self.export_menu = ExportMenu(
            self.session.training, self.graph_view,
            {"loss": self.loss_plot.plot, "weights": self.trajectory_plot.plot,
             "compare": self.compare_plot.plot}, self._report, self)
        file_menu.addMenu(self.export_menu)
        file_menu.addAction(self.export_menu.animation_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self.presets_menu = PresetsMenu(self.session.training, self)
        bar.addMenu(self.presets_menu)
        view_menu = bar.addMenu("&View")
        for action in (self.zoom_in_action, self.zoom_out_action, self.fit_action,
                       self.actions["follow"]):
            view_menu.addAction(action)
        view_menu.addSeparator()
        theme_menu = view_menu.addMenu("&Theme")
        self.theme_actions: dict[str, QAction] = {}
        group = QActionGroup(self)
        for name in THEMES:
            action = theme_menu.addAction(name.replace("-", " ").capitalize())
            action.setObjectName(f"theme_{name}")
            action.setCheckable(True)
            action.setChecked(name == self.theme.name)
            action.triggered.connect(lambda _checked=False, name=name:
                                     self.set_theme(THEMES[name]))
            group.addAction(action)
            self.theme_actions[name] = action
        view_menu.addAction(self.actions["log_scale"])
        view_menu.addAction(self.legends_action)
        view_menu.addAction(self.actions["blank"])
        for dock in (self.controls_dock, self.plots_dock, self.weights_dock,
                     self.inspector_dock):
            view_menu.addAction(dock.toggleViewAction())
        self.model_view = install_model_view(self, view_menu, self.session.training,
                                             self.theme, beside=self.inspector_dock)
        self.landscape = install_landscape(self, self.session, self.graph_view, self.theme,
                                           view_menu)
        self.export_menu.landscape_pair = lambda: self.landscape.view.pair
        view_menu.addAction(self.graph_only_action)
        view_menu.addAction(self.full_screen_action)
        view_menu.addSeparator()
        view_menu.addAction(self.actions["reset_settings"])
        train_menu = bar.addMenu("&Train")
        for action in self.training_actions.all():
            train_menu.addAction(action)
        train_menu.addAction(self.actions["step_back"])
        optimizer_menu = train_menu.addMenu("&Optimizer")
        for i in range(1, len(BUILT_IN) + 1):
            optimizer_menu.addAction(self.actions[f"optimizer_{i}"])
        debug_menu = self.debug_menu = bar.addMenu("&Debug")
        debug_menu.setObjectName("debug_menu")
        debug_menu.addAction(self.actions["debug_step"])
        debug_menu.addSeparator()
        for name in ("step_forward", "step_back", "step_start", "step_end", "step_epoch"):
            debug_menu.addAction(self.actions[name])
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
        toolbar.addAction(self.actions["debug_step"])
        toolbar.addSeparator()
        for action in (self.zoom_in_action, self.zoom_out_action, self.fit_action):
            toolbar.addAction(action)
        toolbar.addAction(self.landscape.show_action)
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

    def showEvent(self, event: QShowEvent) -> None:
        # Sized when first shown, when the window's final size is known (a screenshot
        # resizes the window after building it); a restored layout is left as it was.
        if not self._docks_sized:
            self._docks_sized = True
            self._size_docks()
            layout = self.layout()
            if layout is not None:
                layout.activate()
        super().showEvent(event)

    # -- reacting to the session -----------------------------------------------------------

    def _on_graph_changed(self, graph: Graph) -> None:
        self.graph_view.set_graph(graph)

    def show_position(self, snapshot: Snapshot) -> None:
        loss = "—" if snapshot.last_loss is None else short_number(snapshot.last_loss)
        epoch = snapshot.epoch_shown
        self.position_label.setText(
            f"epoch {epoch}/{snapshot.epochs}   step {snapshot.step}   "
            f"sample shown {snapshot.sample}   last loss {loss}")

    def _show_status(self, text: str) -> None:
        self._session_message = text
        self.statusBar().showMessage(text)

    def _on_step_finished(self, _result: StepResult) -> None:
        # A message about the state before this step ("Paused at step 3", "Reset to the
        # initial weights") is no longer true.  Messages about the step itself (finished,
        # diverged) come after this signal; while playing, "Training…" stays; the
        # window's own hints stay.
        bar = self.statusBar()
        if not self.session.play.running and bar.currentMessage() == self._session_message:
            bar.clearMessage()

    def _on_diverged(self, divergence: Divergence) -> None:
        """Training paused at a non-finite value: open the stepper on that step, at the
        first offending node (the caption says why)."""
        if not self.stepping.start_at_problem():
            self.graph_view.highlight_node(divergence.node)
            return
        # The inspector shows the inputs that produced the first non-finite value, and why.
        problem = self.stepping.problem
        self.inspect_node(problem.node if problem is not None else divergence.node)

    # -- commands ------------------------------------------------------------------------

    def load_data_file(self, path: str) -> None:
        """Load ``path`` in the background, as Open data does (:mod:`gui.files.data_opener`)."""
        self.data_opener.load_file(path)

    def open_data_file(self, path: str) -> Dataset | None:
        """Load ``path`` now (on this thread) and train on it; on a problem, say so and keep
        the current data."""
        return self.data_opener.open_file(path)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Data files dropped on the window are opened like Open data."""
        if dropped_path(event.mimeData()) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = dropped_path(event.mimeData())
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.data_opener.load_file(path)

    def _report(self, title: str, text: str) -> None:
        """A problem in a dialog (with its title), or a success in the status bar."""
        if title:
            self.statusBar().showMessage(f"{title}: {text}")
            self.warn(title, text)
        else:
            self.statusBar().showMessage(text)

    def _say(self, text: str) -> None:
        """A line in the status bar (the one shown now: the bar is replaced once)."""
        self.statusBar().showMessage(text)

    def warn(self, title: str, text: str) -> None:
        """A problem in a dialog that does not block the window."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok,
                          self)
        box.setObjectName("problem_box")
        box.setTextFormat(Qt.TextFormat.PlainText)  # the problem may quote a file
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

    def set_theme(self, theme: Theme) -> None:
        """Restyle every view: the graph, the plots and the panels."""
        self.theme = theme
        if self.presentation.active:
            self.presentation.restyle()
        else:
            self.graph_view.set_theme(self.graph_theme())
        for plot in (self.loss_plot, self.trajectory_plot, self.compare_plot, self.model_view,
                     self.landscape, self.inspector):
            plot.set_theme(theme)
        self._style_panels(theme)
        self.caption_bar.set_theme(theme)
        self.sweep_tab.set_theme(theme)
        self.step_display.redraw()
        action = self.theme_actions.get(theme.name)
        if action is not None and not action.isChecked():
            action.setChecked(True)

    def _style_panels(self, theme: Theme) -> None:
        use_theme(theme)  # for panels that colour the texts they build
        # The stylesheet first: setting one polishes the widgets again, palette included.
        self.setStyleSheet(panel_stylesheet(theme))
        palette = panel_palette(theme)
        self.setPalette(palette)
        # Widgets polished by the stylesheet keep the palette they had then: give every
        # one the new palette (a theme switch is rare; a few hundred widgets).
        for widget in self.findChildren(QWidget):
            widget.setPalette(palette)

    def step_forward(self) -> None:
        """Right / PageDown: train one sample (pausing first); stepping, the next node; in a
        lesson, the next stop."""
        if self.lessons.active:
            self.lessons.next()
        elif self.stepping.active:
            self.stepping.next()
        else:
            self.session.play.pause()
            self.session.training.step_sample()

    def step_back(self) -> None:
        """Left / PageUp: stepping, the previous node (training cannot go back); in a
        lesson, the previous stop."""
        if self.lessons.active:
            self.lessons.previous()
        elif self.stepping.active:
            self.stepping.previous()
        else:
            self.statusBar().showMessage("Training cannot step back: Reset (R) starts over; "
                                         "D steps through a step node by node")

    def step_epoch(self) -> None:
        """Shift+Right: train to the end of the epoch; stepping, finish the phase."""
        if self.stepping.active:
            self.stepping.finish_phase()
        else:
            self.session.play.pause()
            self.session.training.step_epoch()

    # -- the inspector -----------------------------------------------------------------------

    def inspect_node(self, node_id: str) -> None:
        """Show ``node_id`` in the inspector dock (:mod:`gui.debugger.inspector_feed`)."""
        self.inspector_feed.show(node_id)

    def _leave_stepping_for_play(self) -> None:
        # Play trains the step that was being stepped through, exactly as planned.
        self.stepping.stop(finish=False)

    def set_blanked(self, on: bool) -> None:
        """B / period: hide the graph while the presenter talks."""
        self.graph_view.set_blanked(on)
        action = self.actions["blank"]
        if action.isChecked() != on:
            action.setChecked(on)

    def leave(self) -> None:
        """Esc: show a blanked graph again, else leave presentation mode, else full
        screen."""
        if self.graph_view.blanked:
            self.set_blanked(False)
        elif self.presentation.active:
            self.presentation.leave()
        elif self.lessons.active:
            self.lessons.close()
        elif self.isFullScreen():
            self.showNormal()

    # -- classroom ---------------------------------------------------------------------------

    def graph_theme(self) -> Theme:
        """The graph's theme outside presentation mode."""
        return replace(self.theme, input_gradients=self.input_gradients)

    def set_presenting(self, on: bool) -> None:
        """F5: enter or leave presentation mode."""
        self.presentation.toggle(bool(on))

    def _scale_captions(self) -> None:
        """The lesson's and the stepper's captions grow with the text when presenting."""
        factor = self.presentation.text_scale if self.presentation.active else 1.0
        self.lessons.bar.set_text_scale(factor)
        self.caption_bar.set_text_scale(self.theme, factor)

    def _on_presenting(self, on: bool) -> None:
        self._scale_captions()
        self._set_checked("present", on)
        self._set_checked("input_gradients", self.presentation.input_gradients if on
                          else self.input_gradients)
        self.spotlight.update()
        self.graph_view.setFocus()

    def _set_checked(self, name: str, on: bool) -> None:
        action = self.actions[name]
        if action.isChecked() != on:
            action.blockSignals(True)
            action.setChecked(on)
            action.blockSignals(False)

    def open_lesson(self, spec: str, stop: int = 0) -> bool:
        """Open a lesson (a shipped name or a file) at ``stop`` (from 0); a malformed one
        is refused with a dialog, and nothing changes."""
        return self.lessons.open_file(spec, stop)

    def text_bigger(self) -> None:
        """Ctrl+plus: larger text when presenting, else zoom in."""
        if self.presentation.active:
            self.presentation.bigger()
            self._scale_captions()
        else:
            self.graph_view.zoom_in()

    def text_smaller(self) -> None:
        """Ctrl+minus: smaller text when presenting, else zoom out."""
        if self.presentation.active:
            self.presentation.smaller()
            self._scale_captions()
        else:
            self.graph_view.zoom_out()

    def set_input_gradients(self, on: bool) -> None:
        """Show or hide dL/dx of the features and the target."""
        if self.presentation.active:
            self.presentation.set_input_gradients(on)
        else:
            self.input_gradients = bool(on)
            self.graph_view.set_theme(self.graph_theme())
        self._set_checked("input_gradients", bool(on))

    def show_shortcuts(self) -> None:
        """Help > Keyboard shortcuts, written from the keymap table."""
        show_shortcuts(self)

    def show_about(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "About Backprop Explorer",
                          "<b>Backprop Explorer</b><br>See backpropagation: a live "
                          "computational graph with every value and gradient, trained "
                          "sample by sample.", QMessageBox.StandardButton.Ok, self)
        box.setObjectName("about_box")
        box.open()

    # -- settings ------------------------------------------------------------------------

    def save_settings(self) -> None:
        """Remember the window as it is now (:mod:`gui.window_settings`)."""
        self.window_settings.save()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.quit_guard is not None and not self.quit_guard.may_close():
            event.ignore()
            return
        self.data_opener.shutdown()
        self.gradient_tools.shutdown()
        self.sweep_tab.shutdown()
        self.landscape.shutdown()
        self.session.shutdown()
        self.save_settings()
        super().closeEvent(event)
