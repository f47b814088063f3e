"""One frame of an animation: the graph as the picture export draws it, at a fixed size.

A frame is a widget that is laid out and painted but never shown on a screen
(``WA_DontShowOnScreen``), so it works the same in the window and without a screen:

- a caption line on top: the step, the epoch and sample, the sample's loss and the last
  epoch's mean loss (a slide needs to say where in training it is);
- the graph view (the window's own, with its legends), fitted once when the graph is set
  and never again, so nothing moves from frame to frame but the numbers and colours;
- optionally the loss plot below it (per-sample loss thin, each epoch's mean bold), its
  epoch axis fixed from the first frame to the last, so the curve grows to the right
  instead of the axis rescaling.

Frames are grabbed as RGB arrays (height x width x 3, uint8), all the size asked for.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFont, QFontMetrics, QImage
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.autodiff.engine import Trace
from core.autodiff.graph import Graph
from core.training.divergence import node_name
from core.training.trainer import Trainer
from gui.formatting import short_number
from gui.theme import DEFAULT_THEME, Theme

if TYPE_CHECKING:
    from gui.files.animation_landscape import LandscapePanel

#: What a frame may show besides the graph.
INCLUDES = ("graph", "loss", "landscape")
#: The caption's text height as a share of the frame's height, and its limits in pixels.
CAPTION_SHARE = 1 / 36
CAPTION_PX = (12, 40)
#: The loss plot's share of the height below the caption (with ``include="loss"``), and
#: the loss landscape's share of the width (with ``include="landscape"``).
LOSS_SHARE = 0.3
LANDSCAPE_SHARE = 0.36


def caption_height(size: tuple[int, int]) -> int:
    """The caption line's height in pixels for a frame of ``size``."""
    return round(caption_px(size) * 1.6)


def caption_px(size: tuple[int, int]) -> int:
    low, high = CAPTION_PX
    return int(min(max(round(size[1] * CAPTION_SHARE), low), high))


def graph_size(size: tuple[int, int], include: str = "graph") -> tuple[int, int]:
    """The graph view's size inside a frame of ``size`` (below the caption, above the loss
    plot): a still picture exported at this size shows the same graph pixels."""
    width, height = size
    rest = height - caption_height(size)
    if include == "loss":
        rest -= round(rest * LOSS_SHARE)
    if include == "landscape":
        width -= round(width * LANDSCAPE_SHARE)
    return width, rest


def landscape_size(size: tuple[int, int]) -> tuple[int, int]:
    """The loss landscape's size beside the graph in a frame of ``size``."""
    return size[0] - graph_size(size, "landscape")[0], size[1] - caption_height(size)


def shown_trace(trainer: Trainer, sample: int | None = None) -> Trace:
    """What the graph shows for ``trainer``: the pass that went non-finite after a
    divergence, else ``sample`` (None: the sample the next step trains, sample 0 when
    training is over) at the current weights."""
    diverged = trainer.diverged
    if diverged is not None:
        return diverged.trace
    return trainer.trace(sample)


def shown_trace_sample(trainer: Trainer, sample: int | None) -> int:
    """The row the graph shows (as :func:`shown_trace` picks it)."""
    diverged = trainer.diverged
    if diverged is not None:
        return diverged.sample
    return trainer.cursor.sample if sample is None else sample


def caption(trainer: Trainer) -> str:
    """One line saying where in training ``trainer`` is."""
    cursor = trainer.cursor
    history = trainer.history
    epoch_losses = history.epoch_loss()
    parts = [f"step {cursor.step}"]
    diverged = trainer.diverged
    if diverged is not None:
        what = diverged.detail or (f"{node_name(trainer.graph, diverged.node)} is "
                                   f"{short_number(diverged.value)}")
        parts.append(f"diverged at epoch {diverged.epoch + 1}, sample {diverged.sample}: "
                     f"{what}")
    elif trainer.finished:
        parts.append(f"finished ({trainer.epochs} epochs)")
    else:
        parts.append(f"epoch {cursor.epoch + 1} of {trainer.epochs}, sample "
                     f"{cursor.sample} next")
    if len(epoch_losses):
        parts.append(f"epoch {len(epoch_losses)}'s mean loss "
                     f"{short_number(float(epoch_losses[-1]))}")
    return "  ·  ".join(parts)


class FrameRenderer:
    """Draws frames of ``size`` pixels for one graph.

    Parameters
    ----------
    graph
        The graph drawn (laid out and fitted once, here).
    size
        (width, height) of every frame, in pixels.
    include
        ``graph``, ``loss`` for the loss plot below the graph, or ``landscape`` for the
        loss landscape beside it (then ``landscape`` draws it).
    theme
        Colours and text sizes (the window's, or the default).
    legends
        Whether the graph's legends are drawn.
    epoch_span
        With the loss plot: the last epoch its axis reaches (the whole animation's).
    landscape
        With ``include="landscape"``: the panel that draws it (its widget is placed here).
    """

    def __init__(self, graph: Graph, size: tuple[int, int], *, include: str = "graph",
                 theme: Theme = DEFAULT_THEME, legends: bool = True,
                 epoch_span: float = 1.0, landscape: LandscapePanel | None = None) -> None:
        from gui.graph.view import GraphView
        from gui.offscreen import offscreen_application

        if include not in INCLUDES:
            raise ValueError(f"include is one of {', '.join(INCLUDES)}, not {include!r}")
        self._app = offscreen_application()
        self.size = size
        self.include = include
        self.theme = theme
        self.widget = QWidget()
        self.widget.setObjectName("animation_frame")
        self.widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        self.layout = layout = QVBoxLayout(self.widget)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.caption = QLabel()
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        font = QFont(theme.font_family)
        font.setPixelSize(caption_px(size))
        self.caption.setFont(font)
        self.caption.setFixedHeight(caption_height(size))
        self.caption.setContentsMargins(round(caption_px(size) * 0.6), 0, 0, 0)
        self.caption.setStyleSheet(f"color: {theme.panel_text}; background: {theme.background};")
        layout.addWidget(self.caption)
        self.view = GraphView(theme)
        self.view.setFixedSize(*graph_size(size, include))
        self.landscape = landscape if include == "landscape" else None
        if self.landscape is not None:
            row = QHBoxLayout()
            row.setContentsMargins(0, 0, 0, 0)
            row.setSpacing(0)
            row.addWidget(self.view)
            row.addWidget(self.landscape.widget)
            layout.addLayout(row)
        else:
            layout.addWidget(self.view)
        self.plot: pg.PlotWidget | None = None
        if include == "loss":
            self._make_loss_plot(size, epoch_span)
        self.widget.setFixedSize(*size)
        self.widget.show()
        _settle()
        self.view.set_graph(graph)
        if not legends:  # shown by default
            self.view.set_legends_visible(False)
        self._fitted = False

    def _make_loss_plot(self, size: tuple[int, int], epoch_span: float) -> None:
        from gui.plots.style import new_plot, set_legend

        theme = self.theme
        plot = new_plot("", "epoch", "loss", theme)
        plot.setFixedSize(size[0], size[1] - caption_height(size) - graph_size(size, "loss")[1])
        item = plot.getPlotItem()
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        item.setXRange(0.0, max(epoch_span, 1e-9), padding=0.02)
        self.sample_curve = item.plot(connect="finite",
                                      pen=pg.mkPen(theme.sample_loss, width=1.5))
        self.epoch_curve = item.plot(pen=pg.mkPen(theme.epoch_loss, width=3), symbol="o",
                                     symbolPen=None, symbolBrush=theme.epoch_loss,
                                     symbolSize=7)
        set_legend(plot, [("━", theme.sample_loss, "sample loss"),
                          ("━●━", theme.epoch_loss, "epoch mean")], theme)
        self._loss_top = 0.0
        self.plot = plot
        self.layout.addWidget(plot)

    def render(self, trainer: Trainer, sample: int | None = None) -> np.ndarray:
        """The frame for ``trainer`` as it is now (``sample``: the row the graph shows,
        None for the one the next step trains): height x width x 3, uint8."""
        self.view.show_trace(shown_trace(trainer, sample))
        if not self._fitted:  # once: the graph stays where the first frame put it
            self.view.fit_all()
            self._fitted = True
        text = caption(trainer)
        metrics = QFontMetrics(self.caption.font())
        room = self.caption.width() - 2 * self.caption.contentsMargins().left()
        self.caption.setText(metrics.elidedText(text, Qt.TextElideMode.ElideRight, room))
        if self.plot is not None:
            self._draw_loss(trainer)
        if self.landscape is not None:
            self.landscape.draw(trainer, shown_trace_sample(trainer, sample))
        _settle()
        return _rgb(self._grab())

    def _draw_loss(self, trainer: Trainer) -> None:
        history = trainer.history
        n = max(history.n_samples, 1)
        steps = history.steps()
        losses = history.sample_loss()
        epoch_losses = history.epoch_loss()
        self.sample_curve.setData((steps + 1) / n, losses)
        self.epoch_curve.setData(np.arange(1, len(epoch_losses) + 1, dtype=float),
                                 epoch_losses)
        finite = np.concatenate([losses[np.isfinite(losses)],
                                 epoch_losses[np.isfinite(epoch_losses)]])
        if finite.size:
            # The top only grows: a frame never rescales what earlier frames showed.
            self._loss_top = max(self._loss_top, float(finite.max()))
        top = self._loss_top if self._loss_top > 0 and math.isfinite(self._loss_top) else 1.0
        assert self.plot is not None
        self.plot.getPlotItem().setYRange(0.0, top, padding=0.05)

    def _grab(self) -> QImage:
        # The overview inset is for the screen only (it is hidden while the view is fitted,
        # as here); the picture export leaves it out the same way.
        hidden = [child for child in self.widget.findChildren(QWidget)
                  if child.property("screen_only") and child.isVisible()]
        for child in hidden:
            child.hide()
        try:
            return self.widget.grab().toImage()
        finally:
            for child in hidden:
                child.show()

    def close(self) -> None:
        """Free the widgets."""
        self.widget.close()
        self.widget.deleteLater()
        _settle()


def _settle() -> None:
    """Deliver the posted events (layout requests, deferred deletes) so that what is
    grabbed is laid out; never timers or input, which :func:`QApplication.processEvents`
    would run: a frame is drawn from inside the window's own timers (re-entering them would
    run the export inside itself)."""
    QApplication.sendPostedEvents()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _rgb(image: QImage) -> np.ndarray:
    """``image`` as a height x width x 3 uint8 array (a copy)."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    line = image.bytesPerLine()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=line * height)
    return data.reshape(height, line)[:, :width * 3].reshape(height, width, 3).copy()
