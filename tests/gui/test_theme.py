"""One theme drives every view: switching it recolours the graph, each plot and the
panels; the gradient's sign is drawn (dashed when negative), not only coloured."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette

from gui.theme import DARK, HIGH_CONTRAST, LIGHT, THEMES


def colours_of(window) -> dict[str, str]:
    """What each view is drawn with now."""
    view = window.graph_view
    node = view.node_items["w1"]
    edge = next(iter(view.edge_items.values()))
    found = {
        "graph background": view.backgroundBrush().color().name(),
        "node numbers": node._value_colour.name(),
        "edge": edge.colour.name(),
        "legend": view.encoding_legend.styleSheet(),
        "panels": window.palette().color(QPalette.ColorRole.Window).name(),
        "table": window.weights_table.palette().color(QPalette.ColorRole.Base).name(),
    }
    for name in ("loss_plot", "trajectory_plot", "compare_plot"):
        plot = getattr(window, name).plot
        found[name] = plot.backgroundBrush().color().name()
        found[name + " axis"] = plot.getPlotItem().getAxis("left").textPen().color().name()
    found["loss curve"] = window.loss_plot.epoch_curve.opts["pen"].color().name()
    found["weight curve"] = window.trajectory_plot.curves[0].opts["pen"].color().name()
    return found


def test_the_three_themes_differ():
    assert set(THEMES) == {"light", "dark", "high-contrast"}
    assert LIGHT.background != DARK.background
    assert HIGH_CONTRAST.node_border > LIGHT.node_border


@pytest.mark.parametrize("theme", [DARK, HIGH_CONTRAST])
def test_switching_the_theme_recolours_every_view(window, session, theme):
    session.training.run_steps(5)
    before = colours_of(window)
    window.theme_actions[theme.name].trigger()
    after = colours_of(window)
    changed = {key for key in before if before[key] != after[key]}
    # Every view changes (the high-contrast theme keeps light grounds but changes the
    # lines and text).
    expected = set(before) if theme is DARK else {"node numbers", "edge", "legend",
                                                  "loss curve", "weight curve", "panels"}
    assert expected <= changed, sorted(set(expected) - changed)
    assert window.graph_view.theme == theme
    # Values are still shown after the items were made again.
    item = window.graph_view.node_items[session.training.graph.loss]
    assert item.value_text and math.isfinite(item.value)
    window.theme_actions["light"].trigger()
    assert colours_of(window) == before


def test_the_sign_is_drawn_not_only_coloured(window, session):
    session.training.run_steps(3)
    styles = {}
    for item in window.graph_view.edge_items.values():
        if math.isfinite(item.contribution) and item.contribution != 0:
            styles[item.contribution > 0] = item.line_style
            assert item.line_style == (Qt.PenStyle.SolidLine if item.contribution > 0
                                       else Qt.PenStyle.DashLine)
    assert styles == {True: Qt.PenStyle.SolidLine, False: Qt.PenStyle.DashLine}


def test_the_theme_is_remembered(window, session, isolated_settings, qtbot):
    from gui.main_window import MainWindow
    from gui.settings import open_settings

    window.theme_actions["dark"].trigger()
    window.close()
    again = MainWindow(session, settings=open_settings())
    qtbot.addWidget(again)
    assert again.theme is DARK
    # A theme given on the command line wins.
    chosen = MainWindow(session, settings=open_settings(), theme=HIGH_CONTRAST)
    qtbot.addWidget(chosen)
    assert chosen.theme is HIGH_CONTRAST


def test_theme_option_on_the_command_line(capsys):
    from gui.app import build_parser, run_gui

    assert build_parser().parse_args(["--theme", "dark"]).theme == "dark"
    assert run_gui(["--screenshot", "unused.png", "--theme", "pink"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--theme" in err and "pink" in err
