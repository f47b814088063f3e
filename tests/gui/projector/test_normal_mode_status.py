"""The status bar: the stepping hint goes when stepping mode ends, and a message too long
for the bar ends at a whole word with "…", the whole text in its tooltip."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFont, QFontMetricsF

from gui.status_line import ELLIPSIS, elide_at_word
from tests.gui.projector.normal_window import SIZES, WINDOW
from tests.gui.screens import run_on_screen

LONG = ("Training diverged at step 1234 (epoch 3, sample 17): the gradient of exp became "
        "infinite. Lower the learning rate, then Reset (R).")


def test_the_stepping_hint_ends_with_stepping_mode(window, qtbot):
    bar = window.statusBar()
    window.stepping.start(0)
    assert bar.currentMessage().startswith("Stepping:")
    assert window.status_bar.line.text().startswith("Stepping:")
    window.stepping.stop()
    assert bar.currentMessage() == ""
    assert window.status_bar.line.text() == ""


def test_a_message_after_the_hint_stays_when_stepping_ends(window):
    bar = window.statusBar()
    window.stepping.start(0)
    bar.showMessage("Exported the loss to /tmp/loss.png")
    window.stepping.stop()
    assert bar.currentMessage() == "Exported the loss to /tmp/loss.png"


def test_a_long_message_ends_at_a_word(qapp):
    metrics = QFontMetricsF(QFont("DejaVu Sans", 10))
    for width in (120.0, 260.0, 400.0):
        shown = elide_at_word(LONG, metrics, width)
        assert shown.endswith(ELLIPSIS) and metrics.horizontalAdvance(shown) <= width
        start = shown[:-1]
        assert LONG.startswith(start) and LONG[len(start)] in " ,.:;", shown
    assert elide_at_word("short", metrics, 400.0) == "short"
    # A single word wider than the room is cut inside: nothing else would fit.
    word = "x" * 200
    assert metrics.horizontalAdvance(elide_at_word(word, metrics, 100.0)) <= 100.0


_STATUS = """
from PySide6.QtGui import QFontMetricsF
bar = window.statusBar()
line = window.status_bar.line
found = {}
for name, text in (("long", LONG), ("short", "Ready")):
    bar.showMessage(text)
    app.processEvents()
    rect = line.geometry()
    position = window.position_label.geometry()
    found[name] = {
        "shown": line.text(), "tooltip": line.toolTip(), "current": bar.currentMessage(),
        "width": QFontMetricsF(line.font()).horizontalAdvance(line.text()),
        "room": line.contentsRect().width(),
        "overlaps": rect.intersects(position), "visible": line.isVisible(),
    }
print(json.dumps(found))
"""


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_long_messages_are_elided_with_the_whole_text_in_the_tooltip(width, height):
    found = run_on_screen(width, height, f"OPTIMIZER = 'sgd'\nLONG = {LONG!r}\n"
                          + WINDOW + _STATUS)
    long, short = found["long"], found["short"]
    assert long["visible"] and not long["overlaps"]
    assert long["current"] == LONG
    assert long["width"] <= long["room"]
    if long["shown"] != LONG:
        start = long["shown"].removesuffix(ELLIPSIS)
        assert long["shown"].endswith(ELLIPSIS) and LONG.startswith(start)
        assert LONG[len(start)] in " ,.:;", long["shown"]
        assert long["tooltip"] == LONG
    if (width, height) == (1024, 768):
        assert long["shown"] != LONG  # too long for that bar: the case the issue saw
    assert short["shown"] == "Ready" and short["tooltip"] == ""
