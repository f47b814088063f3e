"""The window's commands as QActions, shared by menus, toolbar and side-panel buttons.

One action per command means one shortcut, one enabled state and one check state, however
many buttons show it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

from gui.bridge import TrainingBridge

#: (shortcut, what it does), for Help > Keyboard shortcuts.
SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("Right", "train one sample"),
    ("Shift+Right", "train to the end of the epoch"),
    ("Space", "play / pause"),
    ("R", "reset to the initial weights"),
    ("F", "fit the graph to the window"),
    ("Ctrl+Plus / Ctrl+Minus, Ctrl+wheel", "zoom the graph"),
    ("drag", "pan the graph"),
    ("Ctrl+O", "open a data file"),
    ("Ctrl+G", "graph only: hide every panel"),
    ("F11", "full screen"),
    ("Ctrl+Q", "quit"),
)


Shortcut = str | QKeySequence.StandardKey | Sequence[str]


def make_action(parent: QObject, text: str, shortcut: Shortcut | None = None, tip: str = "",
                slot: Callable[..., object] | None = None) -> QAction:
    """A window-wide action with its shortcut(s), tooltip and status tip."""
    action = QAction(text, parent)
    if isinstance(shortcut, (list, tuple)):
        action.setShortcuts([QKeySequence(s) for s in shortcut])
    elif shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    if tip:
        action.setToolTip(tip)
        action.setStatusTip(tip)
    if slot is not None:
        action.triggered.connect(slot)
    return action


class TrainingActions(QObject):
    """Step, epoch, play/pause and reset, bound to the bridge."""

    def __init__(self, bridge: TrainingBridge, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.step_sample = make_action(self, "Step &sample", "Right",
                                   "Train one sample (Right arrow)")
        self.step_epoch = make_action(self, "Step &epoch", "Shift+Right",
                                  "Train to the end of the epoch (Shift+Right)")
        self.play = make_action(self, "&Play", "Space", "Play / pause (Space)")
        self.play.setCheckable(True)
        self.reset = make_action(self, "&Reset", "R", "Back to the initial weights (R)")
        self.step_sample.triggered.connect(bridge.step_sample)
        self.step_epoch.triggered.connect(bridge.step_epoch)
        self.play.triggered.connect(self._on_play)
        self.reset.triggered.connect(bridge.reset)
        bridge.training_started.connect(lambda: self._show_running(True))
        bridge.training_paused.connect(lambda: self._show_running(False))

    def all(self) -> list[QAction]:
        return [self.step_sample, self.step_epoch, self.play, self.reset]

    def _on_play(self) -> None:
        self.bridge.toggle_play()
        self._show_running(self.bridge.running)

    def _show_running(self, running: bool) -> None:
        self.play.blockSignals(True)
        self.play.setChecked(running)
        self.play.blockSignals(False)
        self.play.setText("&Pause" if running else "&Play")
