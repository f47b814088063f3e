"""Presentation mode: measured on screen, not by eye; and leaving restores everything."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from gui.classroom.presentation import DEFAULT_TEXT_SCALE, TEXT_SCALES


def present(window, qtbot, size):
    window.resize(*size)
    qtbot.wait(10)
    window.session.training.run_steps(30)
    window.presentation.enter(full_screen=False)
    qtbot.wait(10)
    window.graph_view.fit_all()
    return window.graph_view


def on_screen(view, rect: QRectF) -> QRectF:
    return QRectF(view.mapFromScene(rect).boundingRect())


def number_boxes(view):
    """(node id, screen rectangle) of every value and gradient shown."""
    for node_id, item in view.node_items.items():
        for rect in item.number_scene_rects():
            yield node_id, on_screen(view, rect)


def shape_boxes(view):
    for node_id, item in view.node_items.items():
        yield node_id, on_screen(view, item.shape_scene_rect())
        if item.tag:
            yield node_id, on_screen(view, item.mapRectToScene(item.tag_rect))


@pytest.mark.parametrize(("size", "least"), [((1024, 768), 24.0), ((1920, 1080), 32.0)])
def test_every_number_is_large_and_nothing_overlaps(window, qtbot, size, least):
    view = present(window, qtbot, size)
    viewport = QRectF(view.viewport().rect())
    numbers = list(number_boxes(view))
    # Values of every node, gradients of every node but the inputs.
    assert len(numbers) == 2 * len(view.node_items) - sum(
        1 for item in view.node_items.values() if not item.shows_grad)
    for node_id, box in numbers:
        assert box.height() >= least, (node_id, box.height())
        assert viewport.contains(box), node_id
    shrink = 0.5  # anti-aliasing: rectangles that merely touch do not overlap
    boxes = [(n, b.adjusted(shrink, shrink, -shrink, -shrink)) for n, b in numbers]
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        assert not box_a.intersects(box_b), (a, b)
    for node_id, box in boxes:
        for other, shape in shape_boxes(view):
            assert not box.intersects(shape.adjusted(shrink, shrink, -shrink, -shrink)), \
                (node_id, other)


def test_presentation_shows_three_digits_and_hides_input_gradients(window, qtbot):
    view = present(window, qtbot, (1024, 768))
    w1 = view.node_items["w1"]
    digits = [c for c in w1.value_text.split("e")[0] if c.isdigit()]
    assert len("".join(digits).lstrip("0")) <= 3
    assert not view.node_items["x1"].shows_grad
    assert view.node_items["x1"].grad_text == ""
    window.actions["input_gradients"].trigger()
    assert window.graph_view.node_items["x1"].grad_text != ""
    assert window.presentation.active


def layout_of(window):
    """Every widget's font, the sizes of the window's parts, and the graph's fonts and
    sizes.  (Docks tabbed behind another keep a stale geometry in Qt and their tab bar
    is rebuilt on restoring the layout: parts are compared, not every inner widget.)"""
    fonts = {id(w): w.font().toString() for w in window.findChildren(QWidget)}
    parts = {name: (getattr(window, name).size().toTuple(), getattr(window, name).isVisible())
             for name in ("graph_view", "side_panel", "plot_tabs", "weights_table",
                          "controls_dock", "plots_dock", "weights_dock", "toolbar")}
    view = window.graph_view
    items = {n: (i._number_font.toString(), i._label_font.toString(),
                 i.boundingRect().getRect()) for n, i in view.node_items.items()}
    return (window.geometry().getRect(), window.menuBar().isVisible(),
            window.statusBar().isVisible(), view.zoom(), parts, items, fonts)


def test_entering_and_leaving_restores_every_font_and_size(window, qtbot):
    window.resize(1280, 720)
    qtbot.wait(10)
    before = layout_of(window)
    caption_px = window.caption_bar.caption.font().pixelSize()
    qtbot.keyClick(window.graph_view, Qt.Key.Key_F5)
    assert window.presentation.active
    assert window.caption_bar.caption.font().pixelSize() >= 1.5 * caption_px
    assert not window.menuBar().isVisible() and not window.toolbar.isVisible()
    assert not window.controls_dock.isVisible() and not window.weights_dock.isVisible()
    strip = window.presentation.strip
    assert strip.isVisible() and strip.loss_plot.isVisible()
    assert {"step_back", "step_forward", "play", "reset"} <= set(strip.buttons)
    qtbot.keyClick(window.graph_view, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert window.presentation.text_scale > 2.0
    qtbot.keyClick(window.graph_view, Qt.Key.Key_Escape)
    assert not window.presentation.active
    after = layout_of(window)
    assert after[:6] == before[:6]
    assert {k: v for k, v in after[6].items() if k in before[6]} == before[6]
    # And again: the text scale chosen stays for the next time.
    window.actions["present"].trigger()
    assert window.presentation.active and window.presentation.text_scale > 2.0
    window.actions["present"].trigger()
    assert layout_of(window)[5] == before[5]


def test_text_scale_steps_between_limits(window):
    presentation = window.presentation
    presentation.enter(full_screen=False)
    for _ in range(10):
        window.actions["text_bigger"].trigger()
    assert presentation.text_scale == TEXT_SCALES[-1]
    font = window.graph_view.node_items["w1"]._number_font.pixelSize()
    for _ in range(10):
        window.actions["text_smaller"].trigger()
    assert presentation.text_scale == TEXT_SCALES[0]
    assert window.graph_view.node_items["w1"]._number_font.pixelSize() < font
    presentation.leave()


def test_present_screenshot(tmp_path, capsys):
    from gui.app import run_gui

    path = tmp_path / "present.png"
    assert run_gui(["--screenshot", str(path), "--present", "--size", "1024x768"]) == 0
    image = QImage(str(path))
    assert (image.width(), image.height()) == (1024, 768)


def note_on_screen(view) -> QRectF:
    """The chain-rule note's box in the view's viewport pixels."""
    note = view.step_note
    return note.deviceTransform(view.viewportTransform()).mapRect(note.boundingRect())


def test_the_chain_rule_note_stays_inside_the_view_at_every_backward_position(window, qtbot):
    window.resize(1024, 768)
    qtbot.wait(10)
    window.presentation.enter(full_screen=False)
    qtbot.wait(10)
    stepping = window.stepping
    assert stepping.start(0)
    view = window.graph_view
    view.fit_all()
    viewport = QRectF(view.viewport().rect())
    backward = stepping.plan.phase_range("backward")
    assert len(backward) > 10
    wide = 0
    for index in backward:
        stepping.go(index)
        note = view.step_note
        if not note.isVisible():
            continue
        box = note_on_screen(view)
        assert viewport.contains(box), (index, note.text, box, viewport)
        wide += box.width() > viewport.width() / 2
    assert wide > 0  # the large text makes some notes wider than half the view


def test_a_note_wider_than_the_view_wraps_at_its_equals_signs(window, qtbot):
    window.resize(1024, 768)
    window.presentation.enter(full_screen=False)
    stepping = window.stepping
    assert stepping.start(0)
    view = window.graph_view
    view.fit_all()
    # ∂L/∂y = ∂L/∂(y−y') · ∂(y−y')/∂y = 2.04 · 1 = 2.04: one line at the default size
    stepping.go(stepping.plan.phase_range("backward").start + 2)
    note = view.step_note
    text = note.text
    assert len(note.rows) == len(text.splitlines())
    index = stepping.stepper.index
    window.presentation.set_text_scale(TEXT_SCALES[-1])  # the equation outgrows the view
    qtbot.wait(10)
    view = window.graph_view
    stepping.go(index)
    note = view.step_note
    viewport = QRectF(view.viewport().rect())
    assert note.text == text  # what it says is unchanged ...
    assert len(note.rows) > len(text.splitlines())  # ... on more lines
    assert all(row.startswith("= ") for row in note.rows[1:])
    assert viewport.contains(note_on_screen(view))


def tick_labels(axis) -> list[tuple[str, QRectF]]:
    """(text, rectangle) of every tick label the axis draws now."""
    from PySide6.QtGui import QPainter

    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(text, QRectF(rect)) for rect, _flags, text in specs[2]]


@pytest.mark.parametrize("steps", [0, 3, 600])
@pytest.mark.parametrize("scale", [TEXT_SCALES[0], DEFAULT_TEXT_SCALE, TEXT_SCALES[-1]])
def test_the_presenter_loss_plot_tick_labels_do_not_overlap(window, qtbot, steps, scale):
    window.resize(1024, 768)
    qtbot.wait(10)
    window.session.training.run_steps(steps)
    window.presentation.enter(full_screen=False)
    window.presentation.set_text_scale(scale)
    qtbot.wait(20)
    plot = window.presentation.strip.loss_plot.plot.getPlotItem()
    for side in ("left", "bottom"):
        labels = tick_labels(plot.getAxis(side))
        # Still a scale to read; at the largest text, the short plot may hold one label.
        assert len(labels) >= (1 if scale == TEXT_SCALES[-1] else 2), (side, labels)
        for (a, box_a), (b, box_b) in itertools.combinations(labels, 2):
            assert not box_a.intersects(box_b), (side, a, b)
