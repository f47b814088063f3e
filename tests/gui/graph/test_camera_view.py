"""The graph view's camera, on the view alone: it follows the stepper when presenting or
following, and leaves the view alone otherwise."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRectF

from gui.classroom.presentation import presentation_theme
from gui.graph.camera import digit_ink
from gui.theme import DEFAULT_THEME
from tests.gui.graph.views import first_sample_plan, fitted_view


@pytest.fixture
def stepped(qtbot, seed_graph, dataset):
    view = fitted_view(qtbot, seed_graph, (1024, 560),
                       presentation_theme(DEFAULT_THEME, 2.0, input_gradients=False))
    plan = first_sample_plan(seed_graph, dataset)
    view.show_trace(plan.trace)
    view.camera.animated = False
    return view, plan


def present_animated(view, steps_per_second=None):
    """Present, the camera's moves animated unless training plays at
    ``steps_per_second``."""
    view.camera.animated = True
    if steps_per_second is not None:
        view.camera.play_speed = lambda: steps_per_second
    view.set_presenting(True)


def on_screen_digits(view, node_id):
    """Height in pixels of the digits' ink of a node's numbers, as drawn."""
    item = view.node_items[node_id]
    ink = digit_ink(item.number_font)
    return ink * item.sceneTransform().m22() * view.transform().m22()


def shown(view):
    return view.transform().m11(), view.mapToScene(view.viewport().rect().center())


def test_without_presenting_or_following_nothing_moves(qtbot, stepped):
    view, plan = stepped
    before = shown(view)
    for position in plan.positions[::7]:
        view.show_step(position, plan.trace)
        qtbot.wait(5)
        assert shown(view) == before


def test_presenting_zooms_to_the_active_node_at_twenty_pixels(qtbot, stepped):
    view, plan = stepped
    whole = view.zoom()
    view.set_presenting(True)
    position = next(p for p in plan.positions if p.receiver == "w9")
    view.show_step(position, plan.trace)
    qtbot.wait(5)
    assert view.zoom() > whole
    viewport = QRectF(view.viewport().rect())
    for node_id in view.camera.focus().nodes:
        assert on_screen_digits(view, node_id) >= 20.0, node_id
    for node_id in (position.node, position.receiver):
        box = view.mapFromScene(view.node_items[node_id].shape_scene_rect()).boundingRect()
        assert viewport.contains(box.toRectF()), node_id


def test_fit_shows_the_whole_graph_until_the_focus_moves(qtbot, stepped):
    view, plan = stepped
    view.set_following(True)
    view.show_step(plan.positions[40], plan.trace)
    qtbot.wait(5)
    zoomed = view.zoom()
    view.fit_all()
    qtbot.wait(5)
    assert view.zoom() < zoomed
    view.show_step(plan.positions[41], plan.trace)
    qtbot.wait(5)
    assert view.zoom() > view.camera.least_zoom(view.node_items) * 0.99


def test_leaving_the_toggle_shows_the_whole_graph_again(qtbot, stepped):
    view, plan = stepped
    whole = shown(view)
    view.set_following(True)
    view.show_step(plan.positions[40], plan.trace)
    qtbot.wait(5)
    assert shown(view) != whole
    view.set_following(False)
    assert shown(view)[0] == pytest.approx(whole[0])


def viewport_rect(view, scene_rect):
    return QRectF(view.mapFromScene(scene_rect).boundingRect())


def test_the_overview_shows_while_zoomed_in_clear_of_the_focus(qtbot, stepped):
    view, plan = stepped
    assert not view.overview.isVisible()  # the whole graph is in view
    view.set_presenting(True)
    corners = set()
    for position in plan.positions[::5]:
        view.show_step(position, plan.trace)
        qtbot.wait(5)
        if view.zoom() <= view.whole_graph_zoom() * 1.03:
            continue
        if not view.overview.isVisible():
            continue  # no corner clear of the nodes discussed: none shown
        inset = QRectF(view.overview.geometry()).translated(
            -view.viewport().geometry().topLeft().toPointF())
        assert QRectF(view.viewport().rect()).contains(inset)
        corners.add(view.overview.corner)
        for node_id in (position.node, position.receiver, *position.inputs):
            if node_id is not None:
                shape = viewport_rect(view, view.node_items[node_id].shape_scene_rect())
                assert not inset.intersects(shape), (position.index, node_id)
        note = view.step_note
        box = note.deviceTransform(view.viewportTransform()).mapRect(note.boundingRect())
        assert not inset.intersects(box), position.index
    assert len(corners) >= 1
    view.fit_all()
    assert not view.overview.isVisible()


def test_clicking_the_overview_looks_there(qtbot, stepped):
    from PySide6.QtCore import QPoint, Qt

    view, plan = stepped
    view.set_presenting(True)
    view.show_step(plan.positions[40], plan.trace)
    qtbot.wait(5)
    overview = view.overview
    assert overview.isVisible()
    # The loss node's dot on the inset: the view centres on it.
    loss = view.node_items["loss"].shape_scene_rect().center()
    point = overview._to_inset().map(loss)
    qtbot.mouseClick(overview, Qt.MouseButton.LeftButton,
                     pos=QPoint(round(point.x()), round(point.y())))
    centre = view.mapToScene(view.viewport().rect().center())
    unit = 1 / overview._to_inset().m11()  # one inset pixel in scene units
    assert abs(centre.x() - loss.x()) <= 2 * unit and abs(centre.y() - loss.y()) <= 2 * unit
    assert not view.camera.holding  # until the focus moves
    view.show_step(plan.positions[41], plan.trace)
    qtbot.wait(5)
    assert view.camera.holding


def test_a_pan_takes_a_quarter_of_a_second(qtbot, stepped):
    from PySide6.QtWidgets import QApplication

    from gui.graph.camera import ANIMATION_MS

    view, plan = stepped
    start = view.zoom()
    present_animated(view)
    view.show_step(plan.positions[42], plan.trace)
    QApplication.processEvents()  # the move starts once the view is done
    target = view.camera.shot.zoom
    assert target > start * 1.05
    qtbot.wait(ANIMATION_MS // 3)
    assert start < view.zoom() < target  # on its way
    qtbot.waitUntil(lambda: view.zoom() == pytest.approx(target), timeout=ANIMATION_MS * 4)


def test_no_pan_while_training_plays_faster_than_ten_steps_a_second(qtbot, stepped):
    from PySide6.QtWidgets import QApplication

    view, plan = stepped
    present_animated(view, 30.0)
    view.show_step(plan.positions[42], plan.trace)
    QApplication.processEvents()
    assert view.zoom() == pytest.approx(view.camera.shot.zoom)  # there at once


def test_moves_closer_than_a_tenth_of_a_second_jump(qtbot, stepped):
    from PySide6.QtWidgets import QApplication

    view, plan = stepped
    present_animated(view, 4.0)
    view.show_step(plan.positions[35], plan.trace)
    QApplication.processEvents()
    view.show_step(plan.positions[42], plan.trace)  # a held key
    QApplication.processEvents()
    assert view.zoom() == pytest.approx(view.camera.shot.zoom)
    centre = view.mapToScene(view.viewport().rect().center())
    # Qt centres on whole scroll-bar pixels and the viewport's centre pixel is rounded
    # down: up to 1.5 px off.
    assert centre.x() == pytest.approx(view.camera.shot.centre.x(), abs=1.5 / view.zoom())


def test_a_lesson_view_shows_its_nodes_with_the_active_node(qtbot, stepped):
    view, plan = stepped
    view.set_presenting(True)
    view.focus_view(["w9", "mul8", "sigmoid1"])
    qtbot.wait(5)
    viewport = QRectF(view.viewport().rect())
    assert view.camera.focus().nodes == {"w9", "mul8", "sigmoid1"}  # no neighbours added
    for node_id in ("w9", "mul8", "sigmoid1"):
        assert viewport.contains(viewport_rect(view, view.node_items[node_id].shape_scene_rect()))
        assert on_screen_digits(view, node_id) >= 20.0
    # With the stepper elsewhere, its active node joins the view and stays in sight.
    position = plan.positions[36]
    view.show_step(position, plan.trace)
    qtbot.wait(5)
    assert position.node in view.camera.focus().nodes
    assert viewport.contains(viewport_rect(view, view.node_items[position.node].shape_scene_rect()))
    view.focus_view(())
    qtbot.wait(5)
    assert view.camera.focus().nodes >= {position.node, *position.inputs}


def test_follow_the_stepper_is_off_by_default_and_remembered(qtbot, window, session):
    from gui.main_window import MainWindow
    from gui.settings import open_settings

    action = window.actions["follow"]
    assert action.isCheckable() and not action.isChecked()
    assert not window.graph_view.camera.following
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    assert action in view_menu.actions()
    action.trigger()
    assert window.graph_view.camera.following
    window.save_settings()
    again = MainWindow(session, settings=open_settings())
    qtbot.addWidget(again)
    assert again.actions["follow"].isChecked()
    assert again.graph_view.camera.following
