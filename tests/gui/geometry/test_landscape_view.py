"""The loss-landscape dock: pair selection, the picture against the core's grid, paths,
arrows, click-to-fork, cancelling stale work, log colours, graph and data changes, and
the window's answering while a 401x401 grid is computed."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QElapsedTimer, QPoint, QPointF, Qt, QTimer

from core.data.datasets import Dataset
from core.geometry.landscape import full_batch_gradient, landscape_grid
from core.presets import resolve_graph
from gui.geometry.landscape_plot import ARROW_SHARE, SHORTEST_ARROW
from gui.geometry.landscape_view import REFRESH_SECONDS, LandscapeView

WAIT_MS = 30_000


@pytest.fixture
def view(qtbot, session):
    view = LandscapeView(session.training, session.comparison)
    qtbot.addWidget(view)
    view.resize(520, 640)
    view.show()
    qtbot.waitExposed(view)
    yield view
    view.shutdown()


def settle(qtbot, view):
    """Wait until the picture of now is shown."""
    qtbot.waitUntil(lambda: not view.busy() and view.shown_job is not None, timeout=WAIT_MS)


def core_grid(view):
    job = view.shown_job
    return landscape_grid(job.graph, job.X, job.Y, job.weights, job.pair, span=job.span,
                          grid=job.grid, sample=job.sample)


def test_default_pair_is_the_steepest_two(qtbot, session, view):
    training = session.training
    gradient = full_batch_gradient(training.graph, training.dataset.X, training.dataset.y,
                                   training.snapshot().weights)
    steepest = sorted(np.argsort(-np.abs(gradient))[:2])
    assert view.pair == tuple(training.graph.weights[i] for i in steepest) == ("w6", "w9")


def test_pair_from_combos(qtbot, view):
    assert view.pair == ("w6", "w9")
    view.x_combo.setCurrentIndex(2)
    assert view.pair == ("w3", "w9")
    # Choosing the other axis's weight swaps the two.
    view.x_combo.setCurrentIndex(8)
    assert view.pair == ("w9", "w3")
    assert view.y_combo.currentData() == "w3"
    settle(qtbot, view)
    assert view.shown_job.pair == ("w9", "w3")
    assert view.picture.plot.property("x_label") == "w9"
    assert view.picture.plot.property("y_label") == "w3"


def test_pair_from_graph_clicks(qtbot, window):
    landscape = window.landscape
    landscape.show()
    view = landscape.view
    window.graph_view.node_clicked.emit("w4")
    assert view.pair == ("w9", "w4")
    window.graph_view.node_clicked.emit("w6")
    assert view.pair == ("w4", "w6")
    window.graph_view.node_clicked.emit("x1")  # not a weight: nothing changes
    window.graph_view.node_clicked.emit("w6")  # the same weight again: nothing changes
    assert view.pair == ("w4", "w6")
    assert (view.x_combo.currentData(), view.y_combo.currentData()) == ("w4", "w6")
    settle(qtbot, view)
    assert view.shown_job.pair == ("w4", "w6")


def test_dock_is_hidden_at_first_and_shown_from_the_toolbar_and_menu(qtbot, window):
    landscape = window.landscape
    assert not landscape.dock.isVisible()
    assert landscape.show_action in window.toolbar.actions()
    landscape.show_action.trigger()
    assert landscape.dock.isVisible()
    toggle = landscape.dock.toggleViewAction()
    assert toggle.text() == "Loss landscape"
    toggle.trigger()
    assert not landscape.dock.isVisible()


def test_image_equals_the_core_grid(qtbot, session, view):
    session.training.run_steps(40)
    settle(qtbot, view)
    expected = core_grid(view)
    assert view.log.isChecked()  # log colours by default
    np.testing.assert_array_equal(view.picture.shown_values(), np.log10(expected.loss))
    view.log.setChecked(False)
    np.testing.assert_array_equal(view.picture.shown_values(), expected.loss)
    job = view.shown_job
    assert job.grid == 101
    assert view.picture.colour_levels() == (float(np.nanmin(expected.loss)),
                                            float(np.nanmax(expected.loss)))
    # The square follows the path: centred on it, holding it with a margin.
    path = view.path()
    assert np.all(np.abs(path - np.array(job.centre)) <= job.span)
    assert job.sample == session.training.snapshot().sample
    assert "rows in" in view.progress.format()


def test_path_is_the_runs_weights_history(qtbot, session, view):
    session.training.run_steps(60)
    settle(qtbot, view)
    snapshot = session.training.snapshot()
    start = session.training.trainer.initial_weights[[5, 8]]
    expected = np.vstack((start, snapshot.history.weights[:, [5, 8]]))
    _halo, line = view.picture.paths["this run"]
    x, y = line.getData()
    np.testing.assert_array_equal(np.column_stack((x, y)), expected)
    assert view.current_point() == tuple(snapshot.weights[[5, 8]])
    # Live: more training, longer path.
    session.training.run_steps(5)
    x, _ = view.picture.paths["this run"][1].getData()
    assert len(x) == len(expected) + 5


def test_arrows_point_along_minus_the_gradients(qtbot, session, view):
    result = session.training.step_sample()
    for _ in range(3):
        result = session.training.step_sample()
    settle(qtbot, view)
    snapshot = session.training.snapshot()
    tips = view.picture.arrow_tips()
    origin = np.array(view.current_point())
    X, Y = session.training.dataset.X, session.training.dataset.y
    full = full_batch_gradient(session.training.graph, X, Y, snapshot.weights)[[5, 8]]
    sample = np.asarray(result.grads)[[5, 8]]
    labels = set(tips)
    assert labels == {"−∇ full batch", f"−∇ sample {result.cursor.sample} (last step)"}
    for label, gradient in (("−∇ full batch", full),
                            (f"−∇ sample {result.cursor.sample} (last step)", sample)):
        drawn = np.array(tips[label]) - origin
        unit = -gradient / np.linalg.norm(gradient)
        assert np.dot(drawn / np.linalg.norm(drawn), unit) == pytest.approx(1.0, abs=1e-9)
    # Both are scaled by one factor (their lengths keep the gradients' ratio), unless the
    # shorter would be under SHORTEST_ARROW of the longer.
    lengths = {label: np.linalg.norm(np.array(tip) - origin) for label, tip in tips.items()}
    drawn = lengths["−∇ full batch"] / lengths[f"−∇ sample {result.cursor.sample} (last step)"]
    ratio = np.linalg.norm(full) / np.linalg.norm(sample)
    expected = ratio if SHORTEST_ARROW <= ratio <= 1 / SHORTEST_ARROW else \
        (SHORTEST_ARROW if ratio < 1 else 1 / SHORTEST_ARROW)
    assert drawn == pytest.approx(expected, rel=1e-9)
    assert max(lengths.values()) == pytest.approx(ARROW_SHARE * view.shown_job.span)
    assert "−∇ full batch" in view.picture.legend_text()


def test_click_moves_the_pair_as_a_fork_and_keeps_the_run(qtbot, session, view):
    training = session.training
    training.run_steps(30)
    settle(qtbot, view)
    before = training.snapshot()
    job = view.shown_job
    cx, cy = job.centre
    target = (cx + 0.3 * job.span, cy - 0.2 * job.span)
    # A real click on the plot, where the target is drawn.
    plot = view.picture.plot
    scene_point = view.picture.view.mapViewToScene(QPointF(*target))
    widget_point = plot.mapFromScene(scene_point)
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(round(widget_point.x()), round(widget_point.y())))
    after = training.snapshot()
    assert after.forked_at == before.step
    # Where the click landed, to a pixel's width of the square.
    pixel = 2 * job.span / plot.viewport().width()
    assert after.weights[5] == pytest.approx(target[0], abs=2 * pixel)
    assert after.weights[8] == pytest.approx(target[1], abs=2 * pixel)
    others = [0, 1, 2, 3, 4, 6, 7]
    np.testing.assert_array_equal(after.weights[others], before.weights[others])
    # The original run is kept: its history is drawn dashed, Discard fork returns to it.
    assert len(after.original) == len(before.history)
    settle(qtbot, view)
    assert "original run" in view.picture.paths
    training.discard_fork()
    np.testing.assert_array_equal(training.snapshot().weights, before.weights)


def test_fork_at_outside_the_square_does_nothing(qtbot, session, view):
    settle(qtbot, view)
    job = view.shown_job
    assert not view.fork_at((job.centre[0] + 3 * job.span, job.centre[1]))
    assert session.training.snapshot().forked_at is None


def test_stale_jobs_are_cancelled_and_only_the_newest_is_shown(qtbot, view):
    settle(qtbot, view)
    runner = view.runner
    cancelled = runner.cancelled_jobs
    shown = []
    runner.finished.connect(lambda picture: shown.append(picture.job.pair))
    view.grid_combo.setCurrentIndex(3)  # 401 points a side: long enough to be stopped
    view.x_combo.setCurrentIndex(3)  # another pair: the 401 grid is stale
    view.x_combo.setCurrentIndex(4)
    settle(qtbot, view)
    assert runner.cancelled_jobs >= cancelled + 1
    assert shown == [("w5", "w9")]
    assert view.shown_job.pair == ("w5", "w9")
    assert view.shown_job.grid == 401


def test_training_does_not_cancel_but_coalesces(qtbot, session, view):
    # By hand, a square wide enough that the point stays in its middle: only the other
    # weights' moves make the picture stale.
    view.follow.setChecked(False)
    view.span.setValue(5.0)
    settle(qtbot, view)
    runner = view.runner
    started, cancelled = runner.started_jobs, runner.cancelled_jobs
    snapshots = []
    session.training.readouts_updated.connect(snapshots.append)
    began = time.monotonic()
    while time.monotonic() < began + 1.6:
        session.training.run_steps(3)
        qtbot.wait(20)
    settle(qtbot, view)
    seconds = time.monotonic() - began
    # At most one recompute per REFRESH_SECONDS, never two at once, none cancelled
    # (training makes a landscape stale only gradually); the newest weights drawn last.
    assert runner.cancelled_jobs == cancelled
    assert 1 <= runner.started_jobs - started <= seconds / REFRESH_SECONDS + 1
    assert runner.started_jobs - started < len(snapshots)
    others = [0, 1, 2, 3, 4, 6, 7]
    np.testing.assert_array_equal(view.shown_job.weights[others],
                                  session.training.snapshot().weights[others])


def test_log_colours_change_the_mapping(qtbot, session, view):
    session.training.run_steps(100)
    settle(qtbot, view)
    view.log.setChecked(False)
    loss = core_grid(view).loss
    low = float(np.nanmin(loss))
    probe = low + 0.05 * (float(np.nanmax(loss)) - low)
    linear_band = view.picture.band_of(probe)
    view.log.setChecked(True)
    np.testing.assert_allclose(view.picture.shown_values(), np.log10(loss))
    assert view.picture.colour_levels() == pytest.approx(
        (np.log10(np.nanmin(loss)), np.log10(np.nanmax(loss))))
    log_band = view.picture.band_of(probe)
    # Near the bottom, log colours spread what linear ones lump into the first band.
    assert linear_band == 0
    assert log_band > linear_band
    assert view.picture.bar.property("y_label") == "mean loss (log)"


def test_a_graph_with_fewer_weights_resets_the_pair(qtbot, session, view):
    view.x_combo.setCurrentIndex(6)
    assert view.pair == ("w7", "w9")
    settle(qtbot, view)
    graph, _ = resolve_graph("w1*x1 + w2*x2 + w3")
    session.training.set_graph(graph)
    assert view.pair == view.default_pair(session.training.snapshot().weights)
    assert set(view.pair) <= {"w1", "w2", "w3"}
    assert view.x_combo.count() == 3
    settle(qtbot, view)
    assert view.shown_job.graph is session.training.graph
    np.testing.assert_array_equal(view.picture.shown_values(), np.log10(core_grid(view).loss))
    one, _ = resolve_graph("w1*x1")
    session.training.set_graph(one)
    assert view.pair is None
    assert "needs two" in view.note.text()
    assert view.picture.shown_values() is None


def test_new_data_recomputes_on_its_rows(qtbot, session, view):
    settle(qtbot, view)
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 5))
    dataset = Dataset(X=X, y=np.tanh(X[:, 0]), source="test")
    session.training.set_dataset(dataset)
    settle(qtbot, view)
    assert view.shown_job.X.shape == (40, 5)
    np.testing.assert_array_equal(view.picture.shown_values(), np.log10(core_grid(view).loss))


def test_comparison_paths_are_drawn_in_their_colours(qtbot, session, view):
    runner = session.comparison
    with qtbot.waitSignal(runner.finished, timeout=120_000):
        session.training.set_epochs(2)
        runner.start(["sgd", "adam"])
    settle(qtbot, view)
    assert {"SGD", "Adam"} <= set(view.picture.paths)
    for k, title in enumerate(("SGD", "Adam")):
        _halo, line = view.picture.paths[title]
        assert line.opts["pen"].color().name() == view.theme.line_colour(k).lower()
        x, y = line.getData()
        start = session.training.trainer.initial_weights
        assert (x[0], y[0]) == (start[5], start[8])
        assert len(x) > 100
    session.training.set_seed(5)  # the comparison is cleared with the seed
    assert "SGD" not in view.picture.paths


def test_hidden_view_computes_nothing(qtbot, session, view):
    settle(qtbot, view)
    started = view.runner.started_jobs
    view.hide()
    session.training.run_steps(50)
    qtbot.wait(700)
    assert view.runner.started_jobs == started
    view.show()
    settle(qtbot, view)
    assert view.runner.started_jobs == started + 1


def test_window_answers_while_a_401_grid_is_computed(qtbot, session, view):
    """Event-loop latency: a 10 ms timer keeps firing on time while the worker computes."""
    settle(qtbot, view)
    gaps: list[float] = []
    clock = QElapsedTimer()
    timer = QTimer()
    timer.setInterval(10)

    def tick():
        gaps.append(clock.restart())

    clock.start()
    timer.timeout.connect(tick)
    timer.start()
    computing = time.perf_counter()
    view.grid_combo.setCurrentIndex(3)
    settle(qtbot, view)
    computing = time.perf_counter() - computing
    timer.stop()
    assert view.shown_job.grid == 401
    latency = max(gaps) - 10
    print(f"401x401 landscape in {computing:.2f} s; timer ticks {len(gaps)}, worst "
          f"event-loop latency {latency:.0f} ms, median gap {np.median(gaps):.0f} ms")
    assert len(gaps) >= computing * 1000 / 10 / 3
    assert latency < 150


def test_clicking_a_weight_keeps_the_landscape_in_front(qtbot, window):
    landscape = window.landscape
    landscape.show()
    qtbot.waitUntil(lambda: not landscape.view.visibleRegion().isEmpty())
    window.graph_view.node_clicked.emit("w2")
    # The inspector (same place) opened on the click, the landscape came back in front.
    qtbot.waitUntil(lambda: not landscape.view.visibleRegion().isEmpty())
    assert landscape.view.pair == ("w9", "w2")
    assert window.inspector.node == "w2"


def test_held_out_rows_are_left_out(qtbot, session, view):
    training = session.training
    training.set_config(training.config.replace(holdout=0.25))
    settle(qtbot, view)
    from core.training.holdout import split_rows

    rows, held = split_rows(len(training.dataset), 0.25, training.config.seed)
    assert len(held) > 100
    np.testing.assert_array_equal(view.shown_job.X, training.dataset.X[rows])
    np.testing.assert_array_equal(view.shown_job.Y, training.dataset.y[rows])
    assert f"over {len(rows)} rows" in view.progress.format()


def test_theme_restyles_the_picture(qtbot, window):
    from gui.geometry.landscape_plot import band_colours
    from gui.theme import THEMES

    landscape = window.landscape
    landscape.show()
    view = landscape.view
    settle(qtbot, view)
    light = band_colours(THEMES["light"])
    np.testing.assert_array_equal(view.picture.image.lut, light)
    window.set_theme(THEMES["dark"])
    dark = band_colours(THEMES["dark"])
    assert not np.array_equal(dark, light)
    np.testing.assert_array_equal(view.picture.image.lut, dark)
    _halo, line = view.picture.paths["this run"]
    assert line.opts["pen"].color().name() == THEMES["dark"].plot_foreground.lower()
    assert THEMES["dark"].plot_background in view.picture.legend.styleSheet()


def test_window_survives_a_data_file(qtbot, window, tmp_path):
    landscape = window.landscape
    landscape.show()
    view = landscape.view
    settle(qtbot, view)
    rng = np.random.default_rng(7)
    rows = np.column_stack((rng.normal(size=(30, 5)), rng.normal(size=30)))
    path = tmp_path / "small.csv"
    np.savetxt(path, rows, delimiter=",", header="a,b,c,d,e,y", comments="")
    assert window.open_data_file(str(path)) is not None
    settle(qtbot, view)
    assert view.shown_job.X.shape[0] == 30
    np.testing.assert_array_equal(view.picture.shown_values(), np.log10(core_grid(view).loss))


def test_a_diverged_run_leaves_the_view_working(qtbot, session, view):
    training = session.training
    training.set_hyperparameter("lr", 1e6)
    for _ in range(20):
        if training.step_sample() is None:
            break
    assert training.divergence is not None
    settle(qtbot, view)
    # The picture is of finite weights (the last ones before the non-finite step) or none.
    assert np.isfinite(view.shown_job.weights).all()
    view.x_combo.setCurrentIndex(0)
    settle(qtbot, view)
    assert view.shown_job.pair[0] == "w1"


def test_pointing_reads_the_loss_under_the_pointer(qtbot, session, view):
    settle(qtbot, view)
    job = view.shown_job
    grid = core_grid(view)
    cx, cy = job.centre
    text = view.describe_point(cx, cy)
    middle = job.grid // 2
    from gui.formatting import short_number

    assert f"mean loss {short_number(float(grid.loss[middle, middle]))}" in text
    assert text.startswith("w6 = ")
    assert view.describe_point(cx + 2 * job.span, cy) == ""


def test_on_large_data_the_worker_computes_the_full_batch_gradient(qtbot, session, view):
    from gui.geometry.landscape_view import GRADIENT_ROWS

    rng = np.random.default_rng(11)
    X = rng.normal(size=(GRADIENT_ROWS + 500, 5))
    session.training.set_dataset(Dataset(X=X, y=np.tanh(X[:, 1]), source="large"))
    session.training.run_steps(2)
    settle(qtbot, view)
    weights = session.training.snapshot().weights
    np.testing.assert_array_equal(view.shown_job.current, weights)
    expected = full_batch_gradient(session.training.graph, X, np.tanh(X[:, 1]), weights)
    np.testing.assert_allclose(view.full_gradient(), expected)
    tip = np.array(view.picture.arrow_tips()["−∇ full batch"])
    drawn = tip - np.array(view.current_point())
    i, k = (session.training.graph.weights.index(name) for name in view.pair)
    unit = -expected[[i, k]] / np.linalg.norm(expected[[i, k]])
    assert np.dot(drawn / np.linalg.norm(drawn), unit) == pytest.approx(1.0, abs=1e-9)
