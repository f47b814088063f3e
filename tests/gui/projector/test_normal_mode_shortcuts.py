"""F1's shortcut list fits the screen: the dialog lies within it and its Close button is
visible, the list scrolling inside the dialog when the screen is short."""

from __future__ import annotations

import pytest

from tests.gui.projector.normal_window import SIZES, WINDOW
from tests.gui.screens import run_on_screen

_DIALOG = """
from PySide6.QtCore import QRect
from gui.shortcuts_dialog import ShortcutsDialog
window.show_shortcuts()
app.processEvents()
(dialog,) = [d for d in window.findChildren(ShortcutsDialog) if d.isVisible()]
button = dialog.buttons.buttons()[0]
top_left = button.mapToGlobal(button.rect().topLeft())
area = dialog.screen().availableGeometry()
frame = dialog.frameGeometry()
scroll = dialog.list_area.verticalScrollBar()
print(json.dumps({
    "area": [area.x(), area.y(), area.width(), area.height()],
    "dialog": [frame.x(), frame.y(), frame.width(), frame.height()],
    "button": [top_left.x(), top_left.y(), button.width(), button.height()],
    "button_visible": button.isVisible() and not button.visibleRegion().isEmpty(),
    "button_text": button.text(),
    "scrolls": scroll.maximum() > 0,
    "list_height": dialog.label.sizeHint().height(),
}))
"""


def _inside(outer: list[int], inner: list[int]) -> bool:
    return (inner[0] >= outer[0] and inner[1] >= outer[1]
            and inner[0] + inner[2] <= outer[0] + outer[2]
            and inner[1] + inner[3] <= outer[1] + outer[3])


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_shortcut_list_fits_the_screen(width, height):
    found = run_on_screen(width, height, "OPTIMIZER = 'sgd'\n" + WINDOW + _DIALOG)
    assert _inside(found["area"], found["dialog"]), found
    assert _inside(found["dialog"], found["button"]), found
    assert found["button_visible"] and "Close" in found["button_text"]
    # The list is taller than a 768 px screen: there it scrolls.
    if found["list_height"] > found["area"][3]:
        assert found["scrolls"]
    if (width, height) == (1024, 768):
        assert found["scrolls"], found


def test_f1_again_brings_the_open_list_forward(window, qtbot):
    from gui.shortcuts_dialog import ShortcutsDialog

    window.show_shortcuts()
    window.show_shortcuts()
    shown = [d for d in window.findChildren(ShortcutsDialog) if d.isVisible()]
    assert len(shown) == 1
    area = shown[0].screen().availableGeometry()
    assert area.contains(shown[0].frameGeometry())
    shown[0].buttons.rejected.emit()
    assert not shown[0].isVisible()
