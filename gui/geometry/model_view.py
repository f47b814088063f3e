"""The model over its data: what y' the weights give across the inputs, live while training.

Two pictures, chosen in the view:

- **one feature**: the data points (the feature against the target) and the model's curve
  y'(x) over the feature's range, the other features the model reads held at their means
  (the view says so, with their values);
- **two features**: a heatmap of y' over the plane of two features, with a colour bar, the
  points coloured by their target (TensorFlow Playground's view), and for a classification
  (targets all 0 or 1, or the binary cross-entropy loss) the decision boundary, where the
  predicted probability is 0.5.  With cross-entropy y' is a logit: the view shows the
  probability σ(y') (the curve, the heatmap), and the boundary where y' = 0.

Rows held out of training are drawn hollow.

The view redraws from the training session's frames (``snapshot_updated``, at most
:data:`~gui.session.training_session.MAX_FRAMES_PER_SECOND` a second while playing), only
while visible and only when the weights, the data, the graph or the choice changed.  What
one choice evaluates (the grid's input rows, the points) is prepared once per choice
(:mod:`gui.geometry.model_slice`); a frame is one vectorized
:func:`~core.geometry.model_function.predict` call.
"""

from __future__ import annotations

import contextlib
from html import escape

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QAction, QFont, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from core.autodiff.graph import Graph
from core.geometry.model_function import by_correlation, finite_span, predict, probability
from core.training.holdout import split_rows
from gui.geometry.model_colours import (
    contour_lines,
    heatmap_colours,
    point_brushes,
)
from gui.geometry.model_slice import Choice, Model, Prepared, model_features, prepare
from gui.plots.style import TICK_PX, RangeFollower, new_plot, style_plot
from gui.session.training_session import TrainingSession
from gui.snapshot import Snapshot
from gui.theme import DEFAULT_THEME, Theme

#: The two pictures, by key, as the view's choice names them.
MODES = {"curve": "curve: 1 feature", "plane": "heatmap: 2 features"}


def session_model(training: TrainingSession, snapshot: Snapshot) -> Model:
    """The model ``snapshot`` shows, with the session's loss and held-out rows."""
    config = training.config
    held = np.empty(0, dtype=np.int64)
    if config.holdout is not None:
        # A split the data cannot take was refused when it was set: then none.
        with contextlib.suppress(ValueError):
            held = split_rows(len(snapshot.dataset), config.holdout, config.seed)[1]
    return Model(snapshot.graph, snapshot.dataset, config.loss, held)


def legend_html(entries: list[tuple[str, str, str]]) -> str:
    """The legend's entries, (glyph, colour, words) each, as rich text: each glyph in its
    colour, the words escaped (names come from data files), entries kept whole."""
    return "&nbsp;&nbsp; ".join(
        f"<span style='white-space:nowrap'><span style='color:{colour}'><b>{glyph}</b>"
        f"</span>&nbsp;{escape(words, quote=False).replace(' ', '&nbsp;')}</span>"
        for glyph, colour, words in entries)


class ModelView(QWidget):
    """The model over its data, fed by the training session's frames.

    Parameters
    ----------
    training
        The session: its frames (``snapshot_updated``) and its loss setting.
    theme
        Colours and text sizes (:meth:`set_theme` restyles).

    Notes
    -----
    Public API: :meth:`show_snapshot`, :meth:`set_choice`, :meth:`set_theme`,
    :meth:`refresh`; :attr:`prepared` (what is shown), :attr:`values` (the last frame's
    values: the curve's, or the heatmap's ``[i][k]`` at ``(xs[k], ys[i])``), :attr:`draws`
    (frames drawn).
    """

    def __init__(self, training: TrainingSession, theme: Theme = DEFAULT_THEME,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("model_view")
        self.training = training
        self.theme = theme
        self.draws = 0
        self.prepared: Prepared | None = None
        self.values: np.ndarray = np.empty(0)
        self._snapshot: Snapshot | None = None
        self._model: Model | None = None
        self._drawn: tuple[object, ...] = ()

        self.mode = QComboBox()
        self.mode.setObjectName("model_mode")
        self.mode.setToolTip("One feature against the target, or the plane of two features")
        self.x_feature = QComboBox()
        self.x_feature.setObjectName("model_x_feature")
        self.x_feature.setToolTip("The feature on the horizontal axis")
        self.y_feature = QComboBox()
        self.y_feature.setObjectName("model_y_feature")
        self.y_feature.setToolTip("The feature on the vertical axis")
        self.y_label = QLabel("vs")
        for combo in (self.x_feature, self.y_feature):
            # Long column names shorten in the combo rather than widen the dock.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(4)
        self.mode.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for combo in (self.mode, self.x_feature, self.y_feature):
            combo.activated.connect(self._on_chosen)
        row = QHBoxLayout()
        row.setContentsMargins(4, 2, 4, 0)
        row.addWidget(self.mode)
        row.addWidget(self.x_feature)
        row.addWidget(self.y_label)
        row.addWidget(self.y_feature)
        row.addStretch(1)
        # The legend above the plot, wrapped to the dock's width (in the plot's title it
        # would set the plot's least width and push the colour bar out of a narrow dock).
        self.legend = QLabel()
        self.legend.setObjectName("model_legend")
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)  # names in it are escaped
        self.legend.setContentsMargins(4, 0, 4, 0)
        self.note = QLabel()
        self.note.setObjectName("model_note")
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)  # feature names come from files
        self.note.setContentsMargins(4, 0, 4, 0)

        self.plot = new_plot("", "x", "y'", theme)
        item = self.plot.getPlotItem()
        self.follower = RangeFollower(item)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        item.addItem(self.image)
        self.colour_bar = pg.ColorBarItem(colorMap=heatmap_colours(theme), interactive=False,
                                          colorMapMenu=False, width=14, label="y'")
        self.colour_bar.setImageItem(self.image, insert_in=item)
        self.points = pg.ScatterPlotItem()
        self.curve = pg.PlotDataItem(connect="finite")
        self.boundary = pg.PlotDataItem(connect="finite")
        self.level_line = pg.InfiniteLine(angle=0, movable=False)
        for graphic in (self.curve, self.points, self.boundary, self.level_line):
            item.addItem(graphic)

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addLayout(row)
        column.addWidget(self.legend)
        column.addWidget(self.note)
        column.addWidget(self.plot, 1)
        self.set_theme(theme)
        training.snapshot_updated.connect(self.show_snapshot)
        self._snapshot = training.snapshot()

    # -- what is shown -------------------------------------------------------------------

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Keep ``snapshot`` and draw it if visible and anything it shows changed."""
        self._snapshot = snapshot
        self.refresh()

    def refresh(self) -> None:
        """Draw the newest snapshot if visible and its weights, graph or data (or the
        choice) differ from the drawn ones."""
        snapshot = self._snapshot
        if snapshot is None or not self.isVisible():
            return
        model = session_model(self.training, snapshot)
        if not model.same(self._model):
            self._set_model(model)
        prepared = self.prepared
        if prepared is None:
            return
        weights = np.asarray(snapshot.weights, dtype=float)
        state = (id(prepared), weights.tobytes())
        if state == self._drawn:
            return
        self._drawn = state
        self._draw(snapshot.graph, weights, prepared)

    def set_choice(self, choice: Choice) -> None:
        """Show ``choice`` (a mode and its feature columns, as the combos offer them).

        Raises
        ------
        ValueError
            For a mode the data cannot show or a column the model does not read.
        """
        if self._model is None:
            snapshot = self._snapshot or self.training.snapshot()
            self._set_model(session_model(self.training, snapshot))
        columns = self._columns()
        wanted = 1 if choice.mode == "curve" else 2
        if choice.mode not in MODES or len(choice.features) != wanted \
                or len(set(choice.features)) != wanted \
                or any(c not in columns for c in choice.features):
            raise ValueError(f"cannot show {choice.mode} of columns {choice.features}: the "
                             f"model reads columns {columns}")
        self._select(choice)
        self._prepare()
        self.refresh()

    def choice(self) -> Choice:
        """The picture and feature columns the combos say."""
        mode = str(self.mode.currentData() or "curve")
        first = self.x_feature.currentData()
        features: tuple[int, ...] = () if first is None else (int(first),)
        if mode == "plane" and self.y_feature.currentData() is not None:
            features = (*features, int(self.y_feature.currentData()))
        return Choice(mode, features)

    def set_theme(self, theme: Theme) -> None:
        """Redraw in ``theme``'s colours and text size."""
        self.theme = theme
        style_plot(self.plot, theme)
        scale = theme.text_scale
        self.curve.setPen(pg.mkPen(theme.line_colour(1), width=3 * scale))
        self.boundary.setPen(pg.mkPen(theme.plot_foreground, width=3 * scale))
        self.level_line.setPen(pg.mkPen(theme.plot_foreground, width=max(1.0, scale),
                                        style=Qt.PenStyle.DashLine))
        self.colour_bar.setColorMap(heatmap_colours(theme))
        self._style_colour_bar()
        self._drawn = ()
        if self.prepared is not None:
            self._show_prepared(self.prepared)
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    # -- preparing -----------------------------------------------------------------------

    def _columns(self) -> list[int]:
        model = self._model
        return [] if model is None else model_features(model.graph, model.dataset)

    def _set_model(self, model: Model) -> None:
        """A new graph, dataset, loss or held-out split: the combos offer the columns the
        model reads; the choice stays while they are the same columns (by name), else the
        curve of the feature most correlated with the target, or with exactly two features
        their plane."""
        before = self.choice()
        offered = [self.x_feature.itemText(i) for i in range(self.x_feature.count())]
        self._model = model
        dataset = model.dataset
        columns = self._columns()
        names = dataset.feature_names
        for combo in (self.x_feature, self.y_feature):
            combo.blockSignals(True)
            combo.clear()
            for c in columns:
                combo.addItem(names[c], c)
            combo.blockSignals(False)
        self.mode.blockSignals(True)
        self.mode.clear()
        for key, title in MODES.items():
            if key == "curve" or len(columns) >= 2:
                self.mode.addItem(title, key)
        self.mode.blockSignals(False)
        self.mode.setEnabled(self.mode.count() > 1)
        if not columns:
            self.prepared = None
            self._show_nothing(f"{dataset.display_name} has no feature columns")
            return
        if before.features and offered == [names[c] for c in columns]:
            choice = before
        elif len(columns) == 2:
            choice = Choice("plane", (columns[0], columns[1]))  # Playground's picture
        else:
            # The feature that goes most with the target shows the most at first.
            choice = Choice("curve", (by_correlation(dataset.X, dataset.y, columns)[0],))
        self._select(choice)
        self._prepare()

    def _select(self, choice: Choice) -> None:
        """Set the combos to ``choice`` without echoing back."""
        for combo, value in ((self.mode, choice.mode),
                             (self.x_feature, choice.features[0]),
                             (self.y_feature, choice.features[1] if choice.mode == "plane"
                              else None)):
            index = combo.findData(value) if value is not None else -1
            if index >= 0:
                combo.blockSignals(True)
                combo.setCurrentIndex(index)
                combo.blockSignals(False)
        plane = choice.mode == "plane"
        self.y_feature.setVisible(plane)
        self.y_label.setVisible(plane)

    def _on_chosen(self, _index: int) -> None:
        """A combo was changed by hand: a plane needs two different features."""
        choice = self.choice()
        columns = self._columns()
        if choice.mode == "plane" and len(columns) >= 2 and (
                len(choice.features) < 2 or choice.features[0] == choice.features[1]):
            first = choice.features[0]
            other = next(c for c in columns if c != first)
            choice = Choice("plane", (first, other))
        self._select(choice)
        self._prepare()
        self.refresh()

    def _prepare(self) -> None:
        model = self._model
        if model is None:
            return
        choice = self.choice()
        self.prepared = prepare(model, choice)
        self._drawn = ()
        self._show_prepared(self.prepared)

    def _show_prepared(self, prepared: Prepared) -> None:
        """What stays until the choice or the data change: points, axes, legend, note."""
        theme = self.theme
        model = self._model
        assert model is not None
        names = model.dataset.feature_names
        choice = prepared.choice
        plane = choice.mode == "plane"
        shown = "σ(y')" if prepared.logit else "y'"
        x_name = names[choice.features[0]]
        target = model.dataset.target_name
        y_title = names[choice.features[1]] if plane else \
            f"{target}, {shown}"
        self.plot.setProperty("x_label", x_name)
        self.plot.setProperty("y_label", y_title)
        style_plot(self.plot, theme)
        self.note.setText(prepared.note)
        self.note.setVisible(bool(prepared.note))
        self._show_points(prepared)
        self.image.setVisible(plane)
        self.colour_bar.setVisible(plane)
        self.boundary.setVisible(plane and prepared.level is not None)
        self.curve.setVisible(not plane)
        self.level_line.setVisible(not plane and prepared.level is not None)
        self.level_line.setValue(0.5)  # σ(y') at a logit's boundary, else y' itself
        self._style_colour_bar(f"{shown} (probability)" if prepared.logit else shown)
        self.colour_bar.setLevels(prepared.levels)
        self.legend.setText(legend_html(self._legend(prepared, shown, target)))
        if plane:
            self.follower.following = True
            self.follower.fit(float(prepared.xs[0]), float(prepared.xs[-1]),
                              float(prepared.ys[0]), float(prepared.ys[-1]))

    def _show_points(self, prepared: Prepared) -> None:
        """The data points: filled, held-out rows hollow (a ring in the same colour)."""
        theme = self.theme
        size = 7 * theme.text_scale
        if prepared.choice.mode == "plane":
            colours = point_brushes(theme, prepared.targets, prepared.levels)
            outline = pg.mkPen(theme.plot_foreground, width=1)
        else:
            fill = pg.mkColor(theme.line_colour(0))
            fill.setAlpha(160)
            colours = [fill] * len(prepared.targets)
            outline = pg.mkPen(None)
        if not prepared.held.any():
            self.points.setData(prepared.point_x, prepared.point_y, brush=colours,
                                pen=outline, size=size)
            return
        ring = 2 * max(1.0, theme.text_scale)
        brushes = [pg.mkBrush(None) if held else colour
                   for colour, held in zip(colours, prepared.held, strict=True)]
        pens = [pg.mkPen(colour, width=ring) if held else outline
                for colour, held in zip(colours, prepared.held, strict=True)]
        self.points.setData(prepared.point_x, prepared.point_y, brush=brushes, pen=pens,
                            size=size)

    def _style_colour_bar(self, label: str | None = None) -> None:
        """The colour bar's frame, numbers and title in the theme's foreground."""
        theme, bar = self.theme, self.colour_bar
        font = QFont(theme.font_family)
        font.setPixelSize(round(theme.text_px(TICK_PX)))
        for side in ("left", "right", "top", "bottom"):
            axis = bar.getAxis(side)
            axis.setPen(theme.plot_foreground)
            axis.setTextPen(theme.plot_foreground)
        bar.axis.setTickFont(font)
        title = bar.getAxis("left")
        title.setLabel(title.labelText if label is None else label,
                       color=theme.plot_foreground,
                       **{"font-size": f"{round(theme.text_px(TICK_PX))}px"})

    def _legend(self, prepared: Prepared, shown: str, target: str
                ) -> list[tuple[str, str, str]]:
        theme = self.theme
        if prepared.choice.mode == "curve":
            entries = [("●", theme.line_colour(0), f"data {target}"),
                       ("━", theme.line_colour(1), f"model {shown}")]
        else:
            entries = [("●", theme.positive, f"data, colour = {target}")]
        if prepared.held.any():
            entries.append(("○", entries[0][1], "held out"))
        if prepared.level is not None:
            glyph = "━" if prepared.choice.mode == "plane" else "╌"
            boundary = "σ(y') = 0.5 (y' = 0)" if prepared.logit else "y' = 0.5"
            entries.append((glyph, theme.plot_foreground, boundary))
        return entries

    def _show_nothing(self, why: str) -> None:
        self.note.setText(why)
        self.note.setVisible(True)
        for graphic in (self.points, self.curve, self.boundary):
            graphic.setData([], [])
        self.image.setVisible(False)
        self.colour_bar.setVisible(False)

    # -- drawing a frame -----------------------------------------------------------------

    def _draw(self, graph: Graph, weights: np.ndarray, prepared: Prepared) -> None:
        """One frame: the model's values at the prepared rows, drawn."""
        self.draws += 1
        try:
            outputs = predict(graph, prepared.rows, weights)
        except ValueError as problem:  # weights that do not fit the graph (never expected)
            self._show_nothing(f"Cannot evaluate the model: {problem}")
            return
        values = probability(outputs) if prepared.logit else outputs
        self.values = values
        finite = np.isfinite(values)
        if prepared.choice.mode == "curve":
            self.curve.setData(prepared.xs, values)
            self._fit_curve(prepared, values)
        else:
            grid = values.reshape(len(prepared.ys), len(prepared.xs))
            self.values = grid
            self.image.setImage(np.where(np.isfinite(grid), grid, np.nan),
                                levels=prepared.levels, autoLevels=False)
            dx = (prepared.xs[-1] - prepared.xs[0]) / (len(prepared.xs) - 1)
            dy = (prepared.ys[-1] - prepared.ys[0]) / (len(prepared.ys) - 1)
            self.image.setRect(QRectF(prepared.xs[0] - dx / 2, prepared.ys[0] - dy / 2,
                                      dx * len(prepared.xs), dy * len(prepared.ys)))
            if prepared.level is not None:
                # Found on y' itself: where a logit is 0 (exact for a linear one), not
                # where the interpolated σ(y') is 0.5.
                self.boundary.setData(*contour_lines(
                    outputs.reshape(grid.shape), prepared.xs, prepared.ys, prepared.level))
        if not finite.any():
            self.note.setText(f"y' is not finite at these weights. {prepared.note}".strip())
            self.note.setVisible(True)
        elif self.note.text() != prepared.note:
            self.note.setText(prepared.note)
            self.note.setVisible(bool(prepared.note))

    def _fit_curve(self, prepared: Prepared, values: np.ndarray) -> None:
        """The data's range, widened to show the curve up to twice the data's height
        beyond it (a wild early curve must not squash the points flat)."""
        low, high = finite_span(prepared.point_y)
        if not np.isfinite(low):
            low, high = -1.0, 1.0
        height = max(high - low, 1e-12)
        curve_low, curve_high = finite_span(values)
        if np.isfinite(curve_low):
            low = min(low, max(curve_low, low - 2 * height))
            high = max(high, min(curve_high, high + 2 * height))
        self.follower.fit(float(prepared.xs[0]), float(prepared.xs[-1]), low, high)


def install_model_view(window: QMainWindow, view_menu: QMenu, training: TrainingSession,
                       theme: Theme, beside: QDockWidget | None = None) -> ModelView:
    """Add the "Model over data" dock to ``window``, hidden until View > Model over data
    shows it (the window's saved state remembers it), tabbed with ``beside`` if given.

    Returns
    -------
    ModelView
        The view, for the window's theme changes.
    """
    view = ModelView(training, theme)
    dock = QDockWidget("Model over data", window)
    dock.setObjectName("model_dock")
    dock.setWidget(view)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    if beside is not None:
        window.tabifyDockWidget(beside, dock)
    dock.hide()
    action: QAction = dock.toggleViewAction()
    action.setText("&Model over data")
    action.setToolTip("The model's y' over the data: a curve over one feature, a heatmap "
                      "over two")
    # Shown from the menu, it comes to the front of its tabs.
    action.triggered.connect(lambda on: dock.raise_() if on else None)
    view_menu.addAction(action)
    return view

