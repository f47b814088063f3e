"""The weights table at every size from 1024x768 to 1920x1080, with every optimizer: each
weight's value, gradient, last update and optimizer state shown whole (no "eigh", no
"0.0…"), every text within its cell, header included, all in one font."""

from __future__ import annotations

import pytest

from core.training.optimizers import OPTIMIZERS
from tests.gui.projector.normal_window import SIZES, WINDOW
from tests.gui.screens import run_on_screen

_TABLE = """
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QStyle
from core.training.optimizers import OPTIMIZERS
from gui.formatting import short_number
from gui.panels.weights_table import CELL_PADDING, DIGITS, LINE_PADDING, stacked

table = window.weights_table
report = {}
for name in OPTIMIZERS:
    training.set_optimizer(name)
    training.run_steps(3)
    app.processEvents()
    snapshot = training.snapshot()
    font = table.font()
    metrics = QFontMetricsF(font)
    header = table.horizontalHeader()
    margin = table.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    problems = []
    fonts = {font.toString(), header.font().toString(), table.verticalHeader().font().toString()}
    expected = {
        "weight": snapshot.weights, "∂L/∂w": snapshot.weight_grads,
        "last Δw": snapshot.last_update, **snapshot.optimizer_state}
    if list(table.columns) != ["weight", "∂L/∂w", "last Δw", *OPTIMIZERS[name].slots]:
        problems.append(f"columns {table.columns}")
    lines = table.lines
    for row, weight in enumerate(snapshot.graph.weights):
        texts = []
        for quantity in table.columns:
            text = table.cell_text(weight, quantity)
            want = short_number(float(expected[quantity][row]), DIGITS)
            if text != want:
                problems.append(f"{weight} {quantity}: {text!r} != {want!r}")
            texts.append(text)
        if table.rowHeight(row) < lines * metrics.lineSpacing() + LINE_PADDING - 1:
            problems.append(f"row {row} is {table.rowHeight(row)} px for {lines} lines")
        for column, shown in enumerate(stacked(texts, table.per_line)):
            item = table.item(row, column)
            if item is None or item.text().split("\\n") != shown:
                problems.append(f"cell {row},{column}: {None if item is None else item.text()!r}")
                continue
            if item.data(Qt.ItemDataRole.FontRole) is not None:
                fonts.add(item.data(Qt.ItemDataRole.FontRole).toString())
            # The rectangle the delegate draws in, less its padding.
            cell = table.visualRect(table.model().index(row, column))
            room = cell.width() - CELL_PADDING
            for line in shown:
                if "…" in line or metrics.horizontalAdvance(line) > room:
                    problems.append(f"{line!r} in {room} px")
    header_metrics = QFontMetricsF(header.font())
    for column in range(table.columnCount()):
        label = table.horizontalHeaderItem(column).text()
        room = header.sectionSize(column) - 2 * margin
        for line in label.split("\\n"):
            if metrics.horizontalAdvance(line) > room:
                problems.append(f"header {line!r} in {room} px")
        if header.height() < len(label.split("\\n")) * header_metrics.lineSpacing():
            problems.append(f"header {label!r} in {header.height()} px high")
    vertical = table.verticalHeader()
    for row in range(table.rowCount()):
        label = table.verticalHeaderItem(row).text()
        if header_metrics.horizontalAdvance(label) > vertical.width() - 2 * margin:
            problems.append(f"row label {label!r} in {vertical.width()} px")
    visible_columns = sum(table.columnWidth(c) for c in range(table.columnCount()))
    if visible_columns > table.viewport().width():
        problems.append(f"columns {visible_columns} px in a {table.viewport().width()} px view")
    report[name] = {"problems": problems, "fonts": sorted(fonts),
                    "per_line": table.per_line, "lines": lines,
                    "widths": [table.columnWidth(c) for c in range(table.columnCount())]}
screen = app.primaryScreen().availableGeometry()
report["window"] = [max(window.width(), window.minimumSizeHint().width()), screen.width()]
print(json.dumps(report))
"""


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_every_number_is_whole_in_its_cell_in_one_font(width, height):
    report = run_on_screen(width, height, "OPTIMIZER = 'sgd'\n" + WINDOW + _TABLE,
                           timeout=240)
    window_width, screen_width = report.pop("window")
    assert window_width <= screen_width  # the table never widens the window
    assert set(report) == set(OPTIMIZERS)
    for name, found in report.items():
        assert found["problems"] == [], (name, found)
        assert len(found["fonts"]) == 1, (name, found["fonts"])
    if (width, height) == (1920, 1080):
        # Wide enough for every quantity of every optimizer on one line.
        assert all(found["lines"] == 1 for found in report.values()), report
    # Adam's five quantities: never more than three lines per weight.
    assert report["adam"]["lines"] <= 3


def test_a_narrow_table_stacks_the_quantities(window, qtbot):
    table = window.weights_table
    box = window.side_panel.optimizer_box
    box.combo.setCurrentIndex(box.combo.findData("adam"))
    window.session.training.run_steps(5)
    window.weights_dock.setFloating(True)
    for width in (900, 420, 260):
        window.weights_dock.resize(width, 400)
        qtbot.wait(20)
        per_line = table.per_line
        assert table.columnCount() == per_line
        assert table.lines * per_line >= len(table.columns) > (table.lines - 1) * per_line
        labels = [table.horizontalHeaderItem(c).text().split("\n") for c in range(per_line)]
        assert sorted(name for names in labels for name in names) == \
            sorted(table.header_names())
    assert table.lines >= 2  # at 260 px the five quantities take more than one line
    # A hidden number (a lesson's question) stays hidden in any layout.
    table.set_hidden("w3", "value")
    assert table.cell_text("w3", "weight") == "?"
    assert "?" in table.item(2, 0).text().split("\n")
