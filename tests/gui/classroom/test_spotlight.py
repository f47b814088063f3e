"""The spotlight: the active node and its edges bright, everything else dimmed."""

from __future__ import annotations

from PySide6.QtCore import Qt


def lit(view) -> set[str]:
    return {n for n, item in view.node_items.items() if not item.dimmed}


def test_set_spotlight_dims_the_rest(window):
    view = window.graph_view
    view.set_spotlight({"w1"})
    assert lit(view) == {"w1"}
    for edge, item in view.edge_items.items():
        assert item.dimmed == ("w1" not in edge[:2])
        assert item.opacity() < 1.0 if item.dimmed else item.opacity() == 1.0
    view.set_spotlight(())
    assert lit(view) == set(view.node_items)
    assert not any(item.dimmed for item in view.edge_items.values())


def test_the_key_toggles_a_spotlight_that_follows_the_stepper(window, qtbot):
    view = window.graph_view
    qtbot.keyClick(view, Qt.Key.Key_S)
    assert window.spotlight.on
    assert lit(view) == set(view.node_items)  # nothing active: nothing dimmed
    qtbot.keyClick(view, Qt.Key.Key_D)
    assert window.stepping.active
    for _ in range(3):
        qtbot.keyClick(view, Qt.Key.Key_Right)
        position = window.stepping.position
        expected = {position.node, *position.inputs}
        if position.receiver is not None:
            expected.add(position.receiver)
        assert lit(view) == expected
    # The spotlight survives a theme change (items are made again).
    window.theme_actions["dark"].trigger()
    assert lit(window.graph_view) == expected
    qtbot.keyClick(view, Qt.Key.Key_S)
    assert lit(view) == set(view.node_items)
