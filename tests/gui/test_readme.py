"""The README shows what the window does: its key table is the keymap's own."""

from __future__ import annotations

import re
from pathlib import Path

from gui.keymap import help_markdown

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_lists_every_shortcut_of_the_keymap():
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- keys -->\n(.*?)\n<!-- /keys -->", text, re.DOTALL)
    assert block is not None, "README.md has no <!-- keys --> block"
    assert block.group(1).strip() == help_markdown().strip(), (
        "the README's key table differs from gui/keymap.py: paste gui.keymap.help_markdown()")


def test_stepping_mode_has_one_name_in_the_readme_the_menu_and_the_toolbar(window):
    from PySide6.QtWidgets import QMenu

    name = "Stepping mode"
    text = README.read_text(encoding="utf-8")
    assert f"Debug > {name} (D)" in text
    assert "Debug step" not in text
    action = window.actions["debug_step"]
    assert action.text().replace("&", "") == name
    debug_menu = window.menuBar().findChild(QMenu, "debug_menu")
    assert debug_menu is not None and action in debug_menu.actions()
    button = window.toolbar.widgetForAction(action)
    assert button is not None and button.text().replace("&", "") == name
    assert action.toolTip().startswith("Stepping mode:")
