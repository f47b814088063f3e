"""Which optimizers a comparison or a sweep trains: a menu of check boxes on one button.

A menu rather than a grid of check boxes leaves the plot below it its height at 1024x768
(nine optimizers in a grid left it none).  Optimizers added from a file later
(File > Add optimizer…) join the menu as it opens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from core.training.optimizers import OPTIMIZERS

__all__ = ["OptimizerChoice"]


class OptimizerChoice(QToolButton):
    """A button showing the chosen optimizers' titles; its menu checks them on and off.

    Parameters
    ----------
    name
        Names the Qt objects: the button is ``{name}_choose``, each check ``{name}_{opt}``.
    default
        The optimizers checked when they join the menu.
    text
        The button's text for the chosen optimizers' titles.
    tooltip
        Put before the chosen titles as the button's tooltip (empty: no tooltip).
    """

    def __init__(self, name: str, default: Sequence[str],
                 text: Callable[[list[str]], str], tooltip: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{name}_choose")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self._name = name
        self._default = tuple(default)
        self._text = text
        self._tooltip = tooltip
        #: Optimizer name -> its check, in the order they joined.
        self.checks: dict[str, QAction] = {}
        menu = QMenu(self)
        self.setMenu(menu)
        self._add_checks()
        menu.aboutToShow.connect(self._add_checks)

    def chosen(self) -> list[str]:
        """The checked optimizers' names, in the menu's order."""
        return [name for name, check in self.checks.items() if check.isChecked()]

    def set_chosen(self, names: Sequence[str]) -> None:
        for name, check in self.checks.items():
            check.setChecked(name in names)

    def _add_checks(self) -> None:
        """A check for each optimizer not listed yet (one added from a file too)."""
        menu = self.menu()
        for name, cls in OPTIMIZERS.items():
            if name in self.checks:
                continue
            check = menu.addAction(cls.title)
            check.setObjectName(f"{self._name}_{name}")
            check.setCheckable(True)
            check.setChecked(name in self._default)
            check.toggled.connect(self._show_choice)
            self.checks[name] = check
        self._show_choice()

    def _show_choice(self) -> None:
        titles = [OPTIMIZERS[name].title for name in self.chosen()]
        self.setText(self._text(titles))
        if self._tooltip:
            self.setToolTip(self._tooltip + (", ".join(titles) or "none"))
