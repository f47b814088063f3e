"""The "Loss landscape" dock: the view, its menu entry and toolbar button, its links.

:func:`install_landscape` is the window's one call: it builds the
:class:`~gui.geometry.landscape_view.LandscapeView` on the training session and the
comparison runner, puts it in a dock beside the controls (hidden at first; View > Loss
landscape and the toolbar's "Landscape…" show it), and links the graph: clicking a weight
in the graph makes it one of the pair.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QToolBar

from gui.geometry.landscape_view import LandscapeView
from gui.graph.view import GraphView
from gui.session import Session
from gui.theme import Theme

#: The dock's object name (``--show landscape`` and saved layouts find it by it).
DOCK_NAME = "landscape_dock"
#: Shown, the dock's column takes at least this share of the window's width (at most
#: MAX_WIDTH pixels).
WIDTH_SHARE = 0.3
MAX_WIDTH = 620


class LandscapeDock:
    """The dock, its view and the action that shows it.

    Attributes
    ----------
    dock
        The ``QDockWidget``.
    view
        The :class:`LandscapeView` inside it.
    show_action
        "Loss landscape…": shows the dock and brings it to the front.
    """

    def __init__(self, dock: QDockWidget, view: LandscapeView, show_action: QAction) -> None:
        self.dock = dock
        self.view = view
        self.show_action = show_action

    def show(self) -> None:
        """Show the dock in front of the docks it shares a place with."""
        self.dock.show()
        self.dock.raise_()

    def set_theme(self, theme: Theme) -> None:
        self.view.set_theme(theme)

    def shutdown(self) -> None:
        """Stop the view's worker thread (the window is closing)."""
        self.view.shutdown()


def install_landscape(window: QMainWindow, session: Session, graph_view: GraphView,
                      theme: Theme, menu: QMenu | None = None,
                      toolbar: QToolBar | None = None) -> LandscapeDock:
    """Add the loss-landscape dock to ``window`` (hidden), its toggle to ``menu`` and a
    "Landscape…" button to ``toolbar``; clicks on weights in ``graph_view`` choose the
    pair."""
    view = LandscapeView(session.training, session.comparison, theme)
    dock = QDockWidget("Landscape", window)
    dock.setObjectName(DOCK_NAME)
    dock.setWidget(view)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    controls = window.findChild(QDockWidget, "controls_dock")
    if isinstance(controls, QDockWidget):
        window.tabifyDockWidget(controls, dock)
    dock.hide()
    graph_view.node_clicked.connect(view.weight_clicked)

    def keep_in_front(node_id: str) -> None:
        # A click on a node also opens the inspector, which shares the dock's place: a
        # weight clicked to choose the pair leaves the landscape in front.
        if dock.isVisible() and node_id in view.training.graph.weights:
            QTimer.singleShot(0, dock.raise_)

    graph_view.node_clicked.connect(keep_in_front)

    def widen(visible: bool) -> None:
        # The square needs room: the column it shares grows to WIDTH_SHARE of the window.
        if not visible or dock.isFloating():
            return
        wanted = min(MAX_WIDTH, round(WIDTH_SHARE * window.width()))
        if dock.width() < wanted:
            window.resizeDocks([dock], [wanted], Qt.Orientation.Horizontal)

    dock.visibilityChanged.connect(widen)
    show_action = QAction("&Landscape…", window)
    show_action.setObjectName("show_landscape")
    show_action.setToolTip("The loss over two weights, with the run's path (click two "
                           "weights in the graph to choose them)")
    result = LandscapeDock(dock, view, show_action)
    show_action.triggered.connect(lambda _checked=False: result.show())
    toggle = dock.toggleViewAction()
    toggle.setText("Loss landscape")
    if menu is not None:
        menu.addAction(toggle)
    if toolbar is not None:
        toolbar.addAction(show_action)
    return result
