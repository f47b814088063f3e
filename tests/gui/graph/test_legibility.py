"""The graph as read from the back of a classroom: how tall the numbers are on screen
after the fit, and that everything is in view, clear of the legends."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRectF

from core.presets import resolve_graph
from gui.app import SCREENSHOT_SIZE
from gui.graph.view import GraphView

SIZES = [SCREENSHOT_SIZE, (1280, 720), (1920, 1080)]
FORMULA = "sigmoid(a*x1 + b)*c + relu(d*x2)"


def on_screen_px(view: GraphView) -> tuple[float, float]:
    """(numbers, labels): the pixel size of the node fonts as drawn, i.e. the scene font
    size times the view's scale."""
    transform = view.transform()
    assert transform.m11() == pytest.approx(transform.m22())
    zoom = transform.m11()
    return (view.theme.number_font().pixelSize() * zoom,
            view.theme.label_font().pixelSize() * zoom)


@pytest.fixture
def open_window(qtbot, dataset):
    from core.training.config import TrainingConfig
    from gui.main_window import MainWindow
    from gui.session import Session

    sessions = []

    def open_(graph: str = "seed", size: tuple[int, int] = SCREENSHOT_SIZE, steps: int = 0):
        session = Session(TrainingConfig(graph=graph), resolve_graph(graph)[0], dataset)
        sessions.append(session)
        # As ``--screenshot`` does: build, resize, show (no remembered settings).
        window = MainWindow(session, settings=None)
        qtbot.addWidget(window)
        window.resize(*size)
        window.show()
        qtbot.waitExposed(window)
        if steps:
            session.training.run_steps(steps)
        return window

    yield open_
    for session in sessions:
        session.shutdown()


def test_seed_numbers_are_legible_at_the_default_size(open_window):
    view = open_window("seed", SCREENSHOT_SIZE, steps=600).graph_view
    numbers, labels = on_screen_px(view)
    # 15.0 px before op nodes showed their names above the symbol; the names' row costs
    # the fit 0.3% (14.96 px).
    assert numbers >= 14.9
    assert labels > numbers


def test_larger_window_larger_numbers(open_window):
    small = on_screen_px(open_window("seed", (1280, 720)).graph_view)[0]
    large = on_screen_px(open_window("seed", (1920, 1080)).graph_view)[0]
    assert large > small


def _viewport_boxes(view: GraphView) -> dict[str, QRectF]:
    """Every node's drawing and the bounding boxes of short pieces of every edge, in
    viewport pixels."""
    boxes = {}
    for node_id, item in view.node_items.items():
        scene = item.mapRectToScene(item.boundingRect().adjusted(4, 4, -4, -4))
        boxes[node_id] = QRectF(view.mapFromScene(scene).boundingRect())
    for edge, item in view.edge_items.items():
        path = item.path()
        for k in range(16):
            a, b = path.pointAtPercent(k / 16), path.pointAtPercent((k + 1) / 16)
            scene = QRectF(a, b).normalized()
            boxes[f"{edge}#{k}"] = QRectF(view.mapFromScene(scene).boundingRect())
    return boxes


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("graph", ["seed", "tiny", "linear", "mlp", FORMULA])
def test_whole_graph_in_view_and_clear_of_the_legends(open_window, graph, size):
    view = open_window(graph, size).graph_view
    viewport = QRectF(view.viewport().rect())
    corner = view.viewport().geometry().topLeft()
    legends = [QRectF(legend.geometry().translated(-corner))
               for legend in (view.encoding_legend, view.derivative_legend)]
    assert all(legend.isVisible() for legend in (view.encoding_legend,
                                                 view.derivative_legend))
    for name, box in _viewport_boxes(view).items():
        assert viewport.contains(box), name
        for legend in legends:
            assert not legend.intersects(box), name


def test_hiding_the_legends_gives_the_graph_their_room(open_window):
    window = open_window("seed", (1280, 720))
    view = window.graph_view
    with_legends = view.zoom()
    window.legends_action.trigger()
    assert view.zoom() >= with_legends
    window.legends_action.trigger()
    assert view.zoom() == pytest.approx(with_legends)


def test_legends_shrink_in_a_small_view(open_window):
    small = open_window("seed", (1280, 720)).graph_view.derivative_legend.text_px
    large = open_window("seed", (1920, 1080)).graph_view.derivative_legend.text_px
    assert small < large


@pytest.mark.parametrize("size", SIZES)
def test_the_graph_gets_most_of_the_window(open_window, size):
    window = open_window("seed", size)
    view = window.graph_view
    assert view.width() >= 0.7 * window.width()
    assert view.height() >= 2 * window.plots_dock.height()


def test_the_legends_never_overlap_in_a_short_view(open_window):
    # A short graph area (small window, tall docks): the derivative legend, the one that
    # would sit on the encoding legend, steps aside until there is room again.
    window = open_window("seed", (900, 400), steps=2)
    view = window.graph_view
    shown = [legend for legend in (view.encoding_legend, view.derivative_legend)
             if legend.isVisible()]
    assert view.encoding_legend.isVisible()
    if len(shown) == 2:
        assert not shown[0].geometry().intersects(shown[1].geometry())
    window.resize(*SCREENSHOT_SIZE)
    window.layout().activate()
    view.resize(view.width(), 900)
    assert view.derivative_legend.isVisible()
    window.legends_action.trigger()
    assert not view.derivative_legend.isVisible() and not view.encoding_legend.isVisible()
    window.legends_action.trigger()
    assert view.derivative_legend.isVisible()
