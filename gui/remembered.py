"""Settings remembered from the last run, named where they apply, and View > Reset settings.

The window starts from the defaults, over them what it remembered from the last run, over
that the command line.  Whatever the remembered settings changed is said once, in the
status bar on start ("optimizer Adam, speed 40/s remembered from last time; View >
Reset settings"); nothing is said when nothing differs from the defaults.  View > Reset
settings puts those settings back to the defaults and forgets them; the graph and the data
the window trains on stay.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.training.config import TrainingConfig
from core.training.optimizers import OPTIMIZERS
from gui.formatting import short_number

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QCheckBox, QDockWidget, QToolBar

    from gui.session import Session
    from gui.theme import Theme

__all__ = ["DEFAULT_SPEED", "REMEMBERED_SUFFIX", "RememberedView", "config_differences",
           "describe_speed", "layout_differences", "remembered_message", "reset_settings",
           "speed_differences", "view_differences"]

#: Steps per second Play starts with, before the user chose a speed.
DEFAULT_SPEED = 4.0

#: Ends the status bar's line on start.
REMEMBERED_SUFFIX = "remembered from last time; View > Reset settings"
#: The default theme's name (gui.theme.DEFAULT_THEME), here so that naming needs no Qt.
DEFAULT_THEME_NAME = "light"


def _optimizer_title(name: str) -> str:
    cls = OPTIMIZERS.get(name)
    return name if cls is None else cls.title


def describe_speed(speed: float) -> str:
    """``40/s`` (steps per second), or ``max`` for as fast as possible."""
    return "max" if math.isinf(speed) else f"{speed:g}/s"


def speed_differences(speed: float) -> list[str]:
    """``speed`` in words (``speed 40/s``) when it is not the default, else nothing."""
    return [] if speed == DEFAULT_SPEED else [f"speed {describe_speed(speed)}"]


def config_differences(used: TrainingConfig, defaults: TrainingConfig) -> list[str]:
    """What in ``used`` differs from ``defaults`` (the same start without remembered
    settings), in words: ``graph xor``, ``optimizer Adam``, ``lr 0.05``, ``seed 7``,
    ``50 epochs``."""
    parts: list[str] = []
    if used.graph != defaults.graph:
        parts.append(f"graph {used.graph}")
    if used.optimizer != defaults.optimizer:
        parts.append(f"optimizer {_optimizer_title(used.optimizer)}")
    # Hyperparameters against the used optimizer's own defaults.
    own = TrainingConfig(optimizer=used.optimizer).hyperparameters \
        if used.optimizer != defaults.optimizer else defaults.hyperparameters
    for name, value in used.hyperparameters.items():
        if name in own and own[name] != value:
            parts.append(f"{name} {short_number(value)}")
    if used.seed != defaults.seed:
        parts.append(f"seed {used.seed}")
    if used.epochs != defaults.epochs:
        parts.append(f"{used.epochs} epochs")
    return parts


@dataclass(frozen=True)
class RememberedView:
    """What of the window its remembered settings change, named and reset here; the
    window gives it."""

    #: The window's settings (None: nothing is remembered, as with --fresh).
    settings: QSettings | None
    session: Session
    #: The theme --theme chose (it wins over the remembered one), or None.
    theme_chosen: Theme | None
    #: The window's theme now, and how to change it.
    theme: Callable[[], Theme]
    set_theme: Callable[[Theme], None]
    #: Sets the loss plot's log scale, the legends and following the stepper (keywords
    #: log_scale, legends, follow), their menu entries checked to match.
    set_view_options: Callable[..., None]
    log_scale: QCheckBox
    legends: QAction
    follow: QAction
    graph_only: QAction
    #: The panels a remembered layout may hide or float: controls, plots, weights.
    panels: tuple[QDockWidget, ...]
    toolbar: QToolBar
    #: A line in the status bar.
    status: Callable[[str], None]


def view_differences(view: RememberedView) -> list[str]:
    """The view the window restored from its settings, where it differs from the default
    view (the theme only when ``--theme`` did not choose one)."""
    if view.settings is None:
        return []
    parts: list[str] = []
    theme = view.theme().name
    if view.theme_chosen is None and theme != DEFAULT_THEME_NAME:
        parts.append(f"{theme.replace('-', ' ')} theme")
    if view.log_scale.isChecked():
        parts.append("log scale")
    if not view.legends.isChecked():
        parts.append("legends hidden")
    if view.follow.isChecked():
        parts.append("following the stepper")
    return parts


def layout_differences(view: RememberedView) -> list[str]:
    """The remembered layout, where it differs from the default one: panels hidden or
    floating, the toolbar hidden (the window's size and position are not named)."""
    if view.settings is None or view.settings.value("window/state") is None:
        return []
    parts: list[str] = []
    docks = view.panels
    hidden = [dock.windowTitle() for dock in docks if dock.isHidden()]
    floating = [dock.windowTitle() for dock in docks if dock.isFloating()]
    if hidden:
        parts.append(f"{' and '.join(hidden)} hidden")
    if floating:
        parts.append(f"{' and '.join(floating)} floating")
    if view.toolbar.isHidden():
        parts.append("toolbar hidden")
    return parts


def remembered_message(parts: list[str]) -> str:
    """The status bar's line on start, or "" when nothing remembered applies."""
    if not parts:
        return ""
    return f"{', '.join(parts)} {REMEMBERED_SUFFIX}"


def reset_settings(view: RememberedView) -> str:
    """View > Reset settings: the optimizer, its hyperparameters, the seed, the epochs, the
    speed and the view back to the defaults, and nothing remembered from before (the
    graph and the data stay).  Returns the status bar's line, also shown."""
    from gui.theme import DEFAULT_THEME

    settings = view.settings
    if settings is not None:
        settings.clear()
        settings.sync()
    training = view.session.training
    defaults = TrainingConfig()
    config = training.config
    wanted = config.replace(optimizer=defaults.optimizer,
                            hyperparameters=dict(defaults.hyperparameters),
                            seed=defaults.seed, epochs=defaults.epochs)
    if wanted != config:
        view.session.play.pause()
        training.set_config(wanted)
    view.session.play.set_speed(DEFAULT_SPEED)
    if view.theme_chosen is None and view.theme().name != DEFAULT_THEME.name:
        view.set_theme(DEFAULT_THEME)
    view.set_view_options(log_scale=False, legends=True, follow=False)
    for dock in view.panels:
        dock.setFloating(False)
        dock.show()
    view.toolbar.show()
    view.graph_only.setChecked(False)
    message = (f"Settings reset to the defaults: optimizer "
               f"{_optimizer_title(defaults.optimizer)}, "
               + ", ".join(f"{name} {short_number(value)}"
                           for name, value in defaults.hyperparameters.items())
               + f", seed {defaults.seed}, {defaults.epochs} epochs, speed "
               f"{describe_speed(DEFAULT_SPEED)}; nothing is remembered from before")
    view.status(message)
    return message
