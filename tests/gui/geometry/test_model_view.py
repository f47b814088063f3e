"""The model over its data: the curve is predict at the means, the heatmap is predict on
the grid, the boundary is where the predicted probability is 0.5; it redraws at most once
per frame while playing fast, follows graph and data changes, and shows one-feature data."""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pytest

from core.autodiff.formula import parse_formula
from core.data.datasets import Dataset, load_dataset
from core.geometry.model_function import (
    curve_inputs,
    feature_means,
    plane_inputs,
    predict,
    probability,
)
from core.presets import PRESETS
from gui.geometry.model_colours import point_brushes
from gui.geometry.model_slice import GRID, MAX_POINTS, Choice, mean_words
from gui.geometry.model_view import ModelView
from gui.session.training_session import MAX_FRAMES_PER_SECOND
from gui.theme import DARK, HIGH_CONTRAST

COURSE_DATA = Path("/work/shared/data/data.pkl")


@pytest.fixture
def view(qtbot, session):
    view = ModelView(session.training)
    qtbot.addWidget(view)
    view.resize(420, 480)
    view.show()
    qtbot.waitExposed(view)
    return view


def _legend_words(view):
    """The legend as a reader sees it."""
    from PySide6.QtGui import QTextDocument

    document = QTextDocument()
    document.setHtml(view.legend.text())
    return document.toPlainText().replace("\xa0", " ")


def _expected_curve(view, snapshot):
    prepared = view.prepared
    feature = prepared.choice.features[0]
    rows = curve_inputs(feature_means(snapshot.dataset.X), feature, prepared.xs)
    return predict(snapshot.graph, rows, snapshot.weights)


def _expected_plane(view, snapshot):
    prepared = view.prepared
    rows = plane_inputs(feature_means(snapshot.dataset.X), prepared.choice.features,
                        prepared.xs, prepared.ys)
    return predict(snapshot.graph, rows, snapshot.weights).reshape(len(prepared.ys),
                                                                   len(prepared.xs))


def _logistic_session(session, weights):
    """A one-neuron classifier on two features, 0/1 targets, at ``weights``."""
    graph = parse_formula("sigmoid(w1*x1 + w2*x2 + w3)")
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] - X[:, 1] > 0.2).astype(float)
    session.training.set_model(graph, Dataset(X, y, "two blobs"), initial_weights=weights)
    return graph


def test_the_curve_is_predict_with_the_other_features_at_their_means(view, session):
    session.training.run_steps(300)
    snapshot = session.training.snapshot()
    # Five features: the curve of the one most correlated with the target (x4, r = −0.26).
    assert view.choice() == Choice("curve", (3,))
    assert [view.x_feature.itemText(i) for i in range(view.x_feature.count())] == \
        ["x1", "x2", "x3", "x4", "x5"]
    np.testing.assert_allclose(view.values, _expected_curve(view, snapshot), rtol=1e-12,
                               atol=1e-12)
    x, y = view.curve.getData()
    np.testing.assert_array_equal(x, view.prepared.xs)
    np.testing.assert_array_equal(y, view.values)
    assert x[0] < snapshot.dataset.X[:, 3].min() and x[-1] > snapshot.dataset.X[:, 3].max()
    # The plot says what is held: the built-in data is standardized, its means read 0.
    assert view.note.isVisible()
    assert view.note.text() == ("Other features at their means: x1 = 0, x2 = 0, x3 = 0, "
                                "x5 = 0")
    px, py = view.points.getData()
    np.testing.assert_array_equal(px, snapshot.dataset.X[:, 3])
    np.testing.assert_array_equal(py, snapshot.dataset.y)


def test_another_feature_from_the_combo(view, session):
    view.x_feature.setCurrentIndex(2)
    view.x_feature.activated.emit(2)
    snapshot = session.training.snapshot()
    assert view.choice() == Choice("curve", (2,))
    np.testing.assert_allclose(view.values, _expected_curve(view, snapshot), rtol=1e-12)
    assert "x1 = 0" in view.note.text() and "x3" not in view.note.text()
    assert view.plot.property("x_label") == "x3"
    # The heatmap from the mode combo: x3 against another feature, never x3 twice.
    assert not view.y_feature.isVisible()
    view.mode.setCurrentIndex(view.mode.findData("plane"))
    view.mode.activated.emit(view.mode.currentIndex())
    choice = view.choice()
    assert choice.mode == "plane" and choice.features[0] == 2 and choice.features[1] != 2
    assert view.y_feature.isVisible() and view.values.shape == (GRID, GRID)
    np.testing.assert_allclose(view.values, _expected_plane(view, snapshot), rtol=1e-12)


def test_the_heatmap_is_predict_on_the_grid(view, session):
    view.set_choice(Choice("plane", (0, 3)))
    session.training.run_steps(50)
    snapshot = session.training.snapshot()
    expected = _expected_plane(view, snapshot)
    assert view.values.shape == (GRID, GRID)
    np.testing.assert_allclose(view.values, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(view.image.image, view.values)
    assert view.image.isVisible() and view.colour_bar.isVisible()
    assert not view.curve.isVisible()
    # The image covers the grid: pixel centres on the grid points.
    rect = view.image.mapRectToParent(view.image.boundingRect())
    dx = view.prepared.xs[1] - view.prepared.xs[0]
    assert rect.left() == pytest.approx(view.prepared.xs[0] - dx / 2)
    assert rect.right() == pytest.approx(view.prepared.xs[-1] + dx / 2)
    # The seed's targets are no classification: no boundary; the points are coloured by
    # target on the colour bar's scale.
    assert not view.boundary.isVisible()
    assert view.colour_bar.levels() == pytest.approx(
        (snapshot.dataset.y.min(), snapshot.dataset.y.max()))
    assert "x2 = 0" in view.note.text() and "x4" not in view.note.text()


def test_the_colour_bar_stays_inside_a_narrow_dock(view, session, qtbot):
    # Long legends wrap above the plot instead of widening it past the dock.
    _logistic_session(session, [1.0, -1.0, 0.0])
    session.training.set_config(session.training.config.replace(holdout=0.25))
    view.resize(300, 420)
    qtbot.wait(50)
    bar = view.colour_bar.mapRectToScene(view.colour_bar.boundingRect())
    assert view.colour_bar.isVisible()
    assert bar.right() <= view.plot.width() + 0.5, (bar, view.plot.width())


def test_the_boundary_is_where_the_probability_is_one_half(view, session):
    w1, w2, w3 = 2.0, -3.0, 0.5
    graph = _logistic_session(session, [w1, w2, w3])
    assert view.choice() == Choice("plane", (0, 1))  # two features: Playground's picture
    xs, ys = view.boundary.getData()
    assert len(xs) > 10
    finite = np.isfinite(xs)
    # On the line w1 x1 + w2 x2 + w3 = 0, to within the grid's interpolation.
    cell = view.prepared.xs[1] - view.prepared.xs[0]
    assert np.abs(w1 * xs[finite] + w2 * ys[finite] + w3).max() < 0.05 * cell * 5
    points = np.column_stack([xs[finite], ys[finite]])
    assert np.abs(predict(graph, points, [w1, w2, w3]) - 0.5).max() < 0.01
    assert view.boundary.isVisible()
    assert "y' = 0.5" in _legend_words(view)
    assert view.colour_bar.levels() == (0.0, 1.0)


def test_with_cross_entropy_the_view_shows_the_probability(view, session):
    # y' is a logit: the heatmap shows σ(y'), the boundary is where y' = 0.
    w1, w2, w3 = 1.5, 1.0, -0.5
    graph = parse_formula("w1*x1 + w2*x2 + w3")
    rng = np.random.default_rng(4)
    X = rng.normal(size=(40, 2))
    session.training.set_model(graph, Dataset(X, (X[:, 0] > 0).astype(float), "logits"),
                               initial_weights=[w1, w2, w3])
    session.training.set_config(session.training.config.replace(loss="bce"))
    assert view.prepared.logit
    logits = _expected_plane(view, session.training.snapshot())
    np.testing.assert_allclose(view.values, probability(logits), rtol=1e-12)
    xs, ys = view.boundary.getData()
    finite = np.isfinite(xs)
    assert finite.sum() > 10
    np.testing.assert_allclose(w1 * xs[finite] + w2 * ys[finite] + w3, 0.0, atol=1e-9)
    assert "σ(y') = 0.5 (y' = 0)" in _legend_words(view)


def test_non_finite_outputs_leave_holes_and_say_so(view, session):
    # exp overflows on part of the plane: those pixels are empty, the rest drawn.
    graph = parse_formula("exp(w1*x1) + w2*x2")
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, -1.0]])
    session.training.set_model(graph, Dataset(X, np.zeros(3), "overflow"),
                               initial_weights=[400.0, 1.0])
    grid = view.image.image
    assert np.isnan(grid).any() and np.isfinite(grid).any()
    np.testing.assert_array_equal(np.isnan(grid), ~np.isfinite(view.values))
    assert "not finite" not in view.note.text()
    # Everywhere non-finite: the view says so.
    session.training.set_model(graph, Dataset(X + 5.0, np.zeros(3), "overflow everywhere"),
                               initial_weights=[400.0, 1.0])
    assert not np.isfinite(view.values).any()
    assert view.note.text().startswith("y' is not finite at these weights")


def test_held_out_rows_are_hollow(view, session):
    from PySide6.QtCore import Qt

    from core.training.holdout import split_rows

    _logistic_session(session, [1.0, -1.0, 0.0])
    assert not view.prepared.held.any()
    session.training.set_config(session.training.config.replace(holdout=0.25))
    held = split_rows(60, 0.25, session.training.config.seed)[1]
    assert len(held) == 15
    np.testing.assert_array_equal(np.flatnonzero(view.prepared.held), held)
    points = view.points.points()
    for i in (held[0], next(i for i in range(60) if i not in held)):
        hollow = points[i].brush().style() == Qt.BrushStyle.NoBrush
        assert hollow == (i in held)
        if hollow:  # a ring in the target's colour
            assert points[i].pen().color() == point_brushes(
                view.theme, view.prepared.targets[i:i + 1], view.prepared.levels)[0]
    assert "held out" in _legend_words(view)


def test_at_most_one_redraw_per_frame_while_playing_fast(view, session, qtbot):
    session.training.set_config(session.training.config.replace(epochs=1000))
    frames = []
    session.training.snapshot_updated.connect(lambda _snapshot: frames.append(1))
    draws_before = view.draws
    steps_before = session.training.trainer.cursor.step
    session.play.set_speed(math.inf)
    started = time.perf_counter()
    session.play.play()
    qtbot.wait(1500)
    session.play.pause()
    elapsed = time.perf_counter() - started
    draws = view.draws - draws_before
    trained = session.training.trainer.cursor.step - steps_before
    # Live: it redrew while playing, from the frames, never more often than they came.
    assert draws >= 3, f"{draws} redraws in {elapsed:.2f} s"
    assert draws <= len(frames)
    assert draws <= MAX_FRAMES_PER_SECOND * elapsed + 2, f"{draws} redraws in {elapsed:.2f} s"
    assert trained > 5 * draws, f"{trained} steps for {draws} redraws"
    # The last frame drawn is the newest state.
    np.testing.assert_allclose(view.values, _expected_curve(view, session.training.snapshot()),
                               rtol=1e-12)


def test_a_hidden_view_does_not_draw(view, session):
    view.hide()
    before = view.draws
    for _ in range(5):
        session.training.step_sample()
    assert view.draws == before
    view.show()
    assert view.draws == before + 1
    np.testing.assert_allclose(view.values, _expected_curve(view, session.training.snapshot()),
                               rtol=1e-12)


def test_graph_and_data_changes_refresh_the_combos_and_the_picture(view, session):
    view.set_choice(Choice("curve", (3,)))
    xor = PRESETS["xor"]
    session.training.set_model(xor.build(), xor.dataset())
    # Two features now: x4 is gone, the plane of x1 and x2 is shown.
    assert view.x_feature.count() == 2
    assert view.choice() == Choice("plane", (0, 1))
    assert view.values.shape == (GRID, GRID)
    np.testing.assert_allclose(view.values, _expected_plane(view, session.training.snapshot()),
                               rtol=1e-12)
    assert view.boundary.isVisible()  # XOR's targets are 0 and 1
    assert view.note.text() == ""
    assert view.prepared.point_x.tolist() == [0.0, 0.0, 1.0, 1.0]
    seed = PRESETS["seed"]
    session.training.set_model(seed.build(), seed.dataset())
    assert view.x_feature.count() == 5
    assert view.choice() == Choice("curve", (3,))
    np.testing.assert_allclose(view.values, _expected_curve(view, session.training.snapshot()),
                               rtol=1e-12)
    assert not view.boundary.isVisible() and not view.image.isVisible()
    # Other weights of the same model keep the chosen picture.
    view.set_choice(Choice("plane", (1, 4)))
    session.training.set_seed(7)
    assert view.choice() == Choice("plane", (1, 4))
    np.testing.assert_allclose(view.values, _expected_plane(view, session.training.snapshot()),
                               rtol=1e-12)


def test_new_data_for_the_same_graph_moves_the_means(view, session):
    rng = np.random.default_rng(8)
    X = rng.normal(loc=3.0, size=(30, 5))
    session.training.set_dataset(Dataset(X, rng.normal(size=30), "shifted"))
    snapshot = session.training.snapshot()
    np.testing.assert_allclose(view.prepared.means, X.mean(axis=0))
    np.testing.assert_allclose(view.values, _expected_curve(view, snapshot), rtol=1e-12)
    # The same columns: the same choice (x4's curve), with the new points and means.
    assert view.choice() == Choice("curve", (3,))
    assert view.prepared.point_x.tolist() == X[:, 3].tolist()  # no stale points
    assert f"x2 = {mean_words(float(X[:, 1].mean()), X[:, 1])}" in view.note.text()
    assert mean_words(float(X[:, 1].mean()), X[:, 1]) not in ("0", "")


def test_a_one_feature_dataset(view, session):
    graph = parse_formula("w1*tanh(w2*x1) + w3")
    X = np.linspace(-2.0, 2.0, 25).reshape(-1, 1)
    session.training.set_model(graph, Dataset(X, np.tanh(X[:, 0]), "one column"),
                               initial_weights=[0.5, 1.0, 0.1])
    assert view.x_feature.count() == 1
    assert view.mode.count() == 1 and not view.mode.isEnabled()
    assert not view.y_feature.isVisible()
    assert view.choice() == Choice("curve", (0,))
    assert not view.note.isVisible()
    np.testing.assert_allclose(view.values, 0.5 * np.tanh(view.prepared.xs) + 0.1, rtol=1e-12)
    with pytest.raises(ValueError, match="cannot show plane"):
        view.set_choice(Choice("plane", (0, 0)))


def test_many_rows_draw_a_bounded_number_of_points(view, session):
    rng = np.random.default_rng(6)
    X = rng.normal(size=(12_000, 1))
    session.training.set_model(parse_formula("w1*x1 + w2"), Dataset(X, X[:, 0], "many"),
                               initial_weights=[1.0, 0.0])
    assert len(view.points.getData()[0]) == 4000 <= MAX_POINTS
    assert view.note.text() == "Points: 4,000 of 12,000 rows, evenly spread."
    np.testing.assert_array_equal(view.values, view.prepared.xs)  # y' = x1


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_on_its_own_data(view, session, name):
    # As the Presets menu sets them: circles and xor_bce train with cross-entropy.
    preset = PRESETS[name]
    session.training.set_model(preset.build(), preset.dataset(), loss=preset.loss)
    session.training.run_steps(3)
    snapshot = session.training.snapshot()
    expected = _expected_curve(view, snapshot) if view.choice().mode == "curve" \
        else _expected_plane(view, snapshot)
    if preset.loss == "bce":
        expected = probability(expected)
    assert view.prepared.logit == (preset.loss == "bce")
    np.testing.assert_allclose(view.values.ravel(), expected.ravel(), rtol=1e-12, atol=1e-12)
    if name in ("circles", "xor", "xor_bce"):  # two features, 0/1 targets
        assert view.choice().mode == "plane" and view.boundary.isVisible()


@pytest.mark.skipif(not COURSE_DATA.is_file(),
                    reason=f"the course's data is not at {COURSE_DATA} on this machine")
def test_the_course_data(view, session):
    dataset = load_dataset(COURSE_DATA)
    session.training.set_dataset(dataset)
    session.training.set_config(session.training.config.replace(
        initial_weights=(1.0,) * 9))
    view.set_choice(Choice("plane", (0, 1)))
    assert np.isfinite(view.values).all()
    np.testing.assert_allclose(view.values, _expected_plane(view, session.training.snapshot()),
                               rtol=1e-12)


def test_themes_colour_the_view(view, session):
    for theme in (DARK, HIGH_CONTRAST):
        view.set_theme(theme)
        assert view.plot.backgroundBrush().color().name().upper() == theme.plot_background
        assert view.boundary.opts["pen"].color().name().upper() == theme.plot_foreground
        colours = view.colour_bar.colorMap().getColors(mode="qcolor")
        assert colours[1].name().upper() == theme.plot_background  # the middle: the ground


def test_the_window_offers_the_dock_in_the_view_menu(window):
    from PySide6.QtWidgets import QDockWidget

    dock = window.findChild(QDockWidget, "model_dock")
    assert dock is not None and not dock.isVisible()
    action = dock.toggleViewAction()
    assert action.text() == "&Model over data"
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    assert action in view_menu.actions()
    action.trigger()
    assert dock.isVisible() and window.model_view.isVisible()
    assert window.model_view.draws >= 1
    window.set_theme(DARK)
    assert window.model_view.theme is DARK


def test_show_model_shows_the_dock_at_start(window):
    # --show model (a screenshot's, or the window's) shows the hidden dock in front.
    from PySide6.QtWidgets import QDockWidget

    from core.inputs import UsageError
    from gui.app import build_parser, show_views

    args = build_parser().parse_args(["--screenshot", "m.png", "--show", "model"])
    assert args.show == ["model"]
    show_views(window, args.show)
    assert window.findChild(QDockWidget, "model_dock").isVisible()
    assert window.model_view.isVisible() and window.model_view.draws >= 1
    with pytest.raises(UsageError, match="invalid choice: 'nothing'"):
        build_parser().parse_args(["--show", "nothing"])


def test_the_settings_remember_the_dock_shown(window, qtbot):
    from PySide6.QtWidgets import QDockWidget

    from core.training.config import TrainingConfig
    from gui.main_window import MainWindow
    from gui.session import Session
    from gui.settings import open_settings

    window.findChild(QDockWidget, "model_dock").toggleViewAction().trigger()
    window.save_settings()
    window.close()
    session = Session(TrainingConfig())
    again = MainWindow(session, settings=open_settings())
    qtbot.addWidget(again)
    again.show()
    try:
        assert again.findChild(QDockWidget, "model_dock").isVisible()
        assert again.model_view.draws >= 1
    finally:
        again.close()
        session.shutdown()
