"""What the window remembers between runs in its ``QSettings``: its geometry and dock
layout, the training settings (:func:`gui.settings.write_config`), the speed, the theme,
the loss plot's log scale and tab, the legends, following the stepper and the optimizers
compared.  Saved when the window closes, restored when it opens (a theme given with
``--theme`` wins over the remembered one).

:class:`WindowSettings` gets the window only as Qt's :class:`QMainWindow` (for its
geometry and dock state) and the few views whose options it keeps.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from gui.settings import read_bool, write_config
from gui.theme import THEMES

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QMainWindow, QTabWidget

    from gui.graph.view import GraphView
    from gui.plots.compare_plot import ComparePlot
    from gui.plots.loss_plot import LossPlot
    from gui.session import Session
    from gui.theme import Theme

#: The version of the saved dock layout (a layout saved by another version is ignored).
SETTINGS_VERSION = 1


class WindowSettings:
    """Saves and restores the window's remembered settings.

    Parameters
    ----------
    settings
        Where they are kept (None: nothing is saved or restored, as with ``--fresh``).
    window
        The window, for its geometry and the state of its docks and toolbars.
    session
        The session, whose configuration and speed are saved.
    theme, theme_chosen, set_theme
        The window's theme now, the one ``--theme`` chose (None: none), and how to change
        it.
    loss_plot, legends, follow, graph_view
        The view options: the loss plot's log scale, the legends' and following the
        stepper's menu entries, and the graph they apply to.
    plot_tabs, compare_plot
        The plots' tabs (the one shown is remembered) and the optimizers compared.
    """

    def __init__(self, settings: QSettings | None, window: QMainWindow, session: Session, *,
                 theme: Callable[[], Theme], theme_chosen: Theme | None,
                 set_theme: Callable[[Theme], None], loss_plot: LossPlot, legends: QAction,
                 follow: QAction, graph_view: GraphView, plot_tabs: QTabWidget,
                 compare_plot: ComparePlot) -> None:
        self.settings = settings
        self._window = window
        self._session = session
        self._theme = theme
        self._theme_chosen = theme_chosen
        self._set_theme = set_theme
        self._loss_plot = loss_plot
        self._legends = legends
        self._follow = follow
        self._graph_view = graph_view
        self._plot_tabs = plot_tabs
        self._compare_plot = compare_plot

    def restore(self) -> bool:
        """Apply what was remembered; whether the dock layout was restored (the window
        then keeps its docks' sizes as they were)."""
        settings = self.settings
        if settings is None:
            return False
        window = self._window
        geometry = settings.value("window/geometry")
        if geometry is not None:
            window.restoreGeometry(geometry)
        state = settings.value("window/state")
        restored = state is not None and window.restoreState(state, SETTINGS_VERSION)
        theme_name = settings.value("view/theme")
        if self._theme_chosen is None and isinstance(theme_name, str) and theme_name in THEMES:
            self._set_theme(THEMES[theme_name])
        self.set_view_options(log_scale=read_bool(settings, "plots/log_scale", False),
                              legends=read_bool(settings, "view/legends", True),
                              follow=read_bool(settings, "view/follow", False))
        chosen = settings.value("compare/optimizers")
        if isinstance(chosen, str) and chosen:
            self._compare_plot.set_chosen(chosen.split(","))
        tab = settings.value("plots/tab")
        if tab is not None:
            with contextlib.suppress(TypeError, ValueError):
                self._plot_tabs.setCurrentIndex(int(tab))
        return bool(restored)

    def set_view_options(self, *, log_scale: bool, legends: bool, follow: bool) -> None:
        """The loss plot's log scale, the graph's legends and following the stepper, their
        menu entries checked to match."""
        self._loss_plot.set_log_scale(log_scale)
        self._legends.setChecked(legends)
        self._graph_view.set_legends_visible(legends)
        self._follow.setChecked(follow)
        self._graph_view.set_following(follow)

    def save(self) -> None:
        """Remember the window as it is now."""
        settings = self.settings
        if settings is None:
            return
        window = self._window
        speed = self._session.play.speed
        settings.setValue("window/geometry", window.saveGeometry())
        settings.setValue("window/state", window.saveState(SETTINGS_VERSION))
        write_config(settings, self._session.training.config)
        settings.setValue("training/speed", -1.0 if math.isinf(speed) else speed)
        settings.setValue("plots/log_scale", self._loss_plot.log_scale.isChecked())
        settings.setValue("plots/tab", self._plot_tabs.currentIndex())
        settings.setValue("view/legends", self._legends.isChecked())
        settings.setValue("view/follow", self._follow.isChecked())
        settings.setValue("view/theme", self._theme().name)
        settings.setValue("compare/optimizers", ",".join(self._compare_plot.chosen()))
        settings.sync()
