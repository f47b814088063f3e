"""The encoding legend's dots are drawn as the graph draws each kind of node, in every
theme (the high-contrast theme's black rings once made every dot black)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QImage

from gui.graph.view import GraphView
from gui.theme import KIND_NAMES, THEMES


def _count(image: QImage, colour: str) -> int:
    """Pixels of exactly ``colour`` in ``image``."""
    wanted = QColor(colour).rgb() & 0xFFFFFF
    return sum(1 for y in range(image.height()) for x in range(image.width())
               if image.pixel(x, y) & 0xFFFFFF == wanted)


@pytest.mark.parametrize("theme_name", list(THEMES))
def test_each_legend_dot_has_its_kinds_colours(qtbot, seed_graph, theme_name):
    theme = THEMES[theme_name]
    view = GraphView(theme)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    view.set_graph(seed_graph)
    legend = view.encoding_legend
    entries = legend.entry_colours()
    assert set(entries) == set(KIND_NAMES)
    # The graph's nodes of each kind are filled and ringed with the legend's colours.
    for node_id, item in view.node_items.items():
        kind = seed_graph[node_id].kind
        expected = entries.get("input" if kind == "target" else kind)
        if expected is None:
            continue
        assert item._brush.color().name() == QColor(expected.fill).name(), node_id
        assert item._pen.color().name() == QColor(expected.border).name(), node_id
    # What the legend shows: a disc of every kind's fill colour, each a different one.
    picture = legend.grab().toImage()
    fills = {kind: colours.fill for kind, colours in entries.items()}
    assert len({QColor(fill).name() for fill in fills.values()}) == len(fills)
    for kind, fill in fills.items():
        assert _count(picture, fill) >= 12, (theme_name, kind, fill)


def test_switching_theme_redraws_the_dots(qtbot, seed_graph):
    view = GraphView(THEMES["light"])
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    view.set_graph(seed_graph)
    contrast = THEMES["high-contrast"]
    view.set_theme(contrast)
    picture = view.encoding_legend.grab().toImage()
    for kind in KIND_NAMES:
        assert _count(picture, contrast.colours(kind).fill) >= 12, kind
    assert _count(picture, "#000000") > 0  # the black rings of the high-contrast nodes
