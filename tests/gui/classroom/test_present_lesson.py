"""A presented lesson shows what the window shows: the stepper's chain-rule note and the
active edge, whichever way presentation was entered (F5 after opening the lesson, or the
lesson opened while presenting), and again after leaving or changing the text size."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRectF

CHAIN_RULE_STOP = 5  # stop 6: w9 receives its gradient through the product σ·w9


def stepper_picture(window):
    """What the stepper draws: the note's text, whether it is inside the view, the
    active edge."""
    view = window.graph_view
    note = view.step_note
    active = [edge for edge, item in view.edge_items.items() if item.active]
    box = view.mapFromScene(note.sceneBoundingRect()).boundingRect()
    inside = QRectF(view.viewport().rect()).contains(QRectF(box))
    return note.isVisible() and note.scene() is view.scene(), note.text, active, inside


@pytest.mark.parametrize("order", ["lesson_then_f5", "f5_then_lesson"])
def test_the_chain_rule_note_and_active_edge_survive_entering(window, qtbot, order):
    window.resize(1024, 700)
    qtbot.wait(10)
    if order == "lesson_then_f5":
        assert window.open_lesson("seed", CHAIN_RULE_STOP)
        shown, text, active, _inside = stepper_picture(window)
        assert shown and "∂L/∂w9" in text and len(active) == 1
        window.actions["present"].trigger()
    else:
        window.actions["present"].trigger()
        assert window.open_lesson("seed", CHAIN_RULE_STOP)
    assert window.presentation.active
    position = window.stepping.position
    assert position is not None and position.edge is not None
    shown, text, active, inside = stepper_picture(window)
    assert shown and text == position.text and "∂L/∂w9" in text
    assert active == [position.edge]
    assert inside
    assert window.graph_view.node_items[position.node].mark == "active"
    # A larger text size makes the items again: the picture stays.
    window.actions["text_bigger"].trigger()
    shown, text, active, inside = stepper_picture(window)
    assert shown and text == position.text and active == [position.edge] and inside
    # And leaving keeps it in the normal window.
    window.actions["present"].trigger()
    assert not window.presentation.active
    shown, text, active, _inside = stepper_picture(window)
    assert shown and text == position.text and active == [position.edge]
