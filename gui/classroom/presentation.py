"""Presentation mode: the window as a projector wants it.

F5 enters, Esc leaves (``--present`` starts in it).  The window goes full screen; menus,
toolbar, status bar and the usual panels hide; a presenter strip along the bottom keeps
what a presenter touches (optimizer, step, play, speed) and a loss plot, as tall as its
controls need (at a lesson's comparison stop it shows the comparison instead, at least
:data:`COMPARE_SHARE` of the height; at a stop asking for the gradient check, the check's
panel, its text scaled like the graph's, as tall as its table needs up to
:data:`CHECK_SHARE`: its dock at the side would have narrowed the graph and kept the
desk's 9 px digits); a band along the top
(:class:`~gui.classroom.band.PresentationBand`, at most 15% of the height) shows the
lesson's and the stepper's captions.  The graph is drawn with a theme whose text is
:attr:`Presentation.text_scale` times larger (1.5x to 3x, Ctrl+plus / Ctrl+minus; the band
and the strip grow with it), with thicker edges, 3 significant digits, and without the
gradients of the inputs (nobody trains them; View > Gradients of inputs shows them).

Leaving restores exactly what was there: the window's geometry, full-screen state, dock
layout, bars, and the graph's theme; nothing else was touched (the strip has widgets of its
own), so every font and size comes back as it was.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QCoreApplication, QEvent, QObject, QRect, Qt, Signal
from PySide6.QtGui import QAction, QFont, QFontMetricsF
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QSizePolicy,
    QSlider,
    QStackedWidget,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.training.optimizers import OPTIMIZERS
from gui.classroom.band import PresentationBand
from gui.classroom.lesson_player import COMPARE_SHARE
from gui.graph.verdict_mark import WeightMark
from gui.plots.loss_plot import LossPlot
from gui.speed import SLIDER_MAX, position_of, speed_at, speed_text
from gui.theme import Theme

if TYPE_CHECKING:
    from gui.classroom.lesson_player import LessonPlayer
    from gui.debugger.caption_bar import CaptionBar
    from gui.debugger.gradient_tools import GradientTools
    from gui.graph.view import GraphView
    from gui.plots.compare_plot import ComparePlot
    from gui.session import Session

#: The text scales Ctrl+plus / Ctrl+minus step through.
TEXT_SCALES = (1.5, 1.75, 2.0, 2.25, 2.5, 2.75, 3.0)
DEFAULT_TEXT_SCALE = 2.0
#: The presenter strip's largest share of the window's height for the loss plot's sake
#: (the controls always get the height they need: 230 px, 30% of 768 px, at 3x text).
STRIP_SHARE = 0.27
#: The presenter strip's largest share of the window's height while it shows the gradient
#: check (the table's nine rows at 2x text and 1024x768 take about 420 px of it).
CHECK_SHARE = 0.6
#: Tick labels' heights the loss plot's curve is given, at least (two labels to read a
#: scale by, with the gaps the axis keeps between them).
PLOT_TICK_ROWS = 3
#: Pixel size of the strip's text at text scale 1.
STRIP_TEXT_PX = 12
#: Significant digits of the numbers on the graph in presentation mode.
PRESENTATION_DIGITS = 3
#: The widest numbers are drawn at this share of their natural width (tall rather than
#: wide text: a projector's screen is wider than the graph allows for).
NUMBER_SQUEEZE = 0.6


def presentation_theme(base: Theme, text_scale: float, *, input_gradients: bool) -> Theme:
    """``base`` for a projector: text ``text_scale`` times larger (edges thicker with it),
    3 significant digits; shapes keep their size, and the gaps between layers and rows
    are tightened, so the larger text takes the room rather than the white space."""
    return replace(base, text_scale=text_scale, digits=PRESENTATION_DIGITS,
                   input_gradients=input_gradients, layer_gap=base.layer_gap * 0.2,
                   text_clearance=base.text_clearance * 0.2,
                   row_gap=base.row_gap * 0.6, text_gap=base.text_gap * 0.5,
                   shape_padding=base.shape_padding * 0.6, number_squeeze=NUMBER_SQUEEZE)


class PresenterStrip(QWidget):
    """Optimizer, Step / Back / Play / Reset, speed, and a large loss plot."""

    def __init__(self, session: Session, actions: Mapping[str, QAction], theme: Theme,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("presenter_strip")
        training = session.training
        self.training = training
        self.play_loop = session.play
        self.optimizer = QComboBox()
        self.optimizer.setObjectName("presenter_optimizer")
        for name, cls in OPTIMIZERS.items():
            self.optimizer.addItem(cls.title, name)
        self.optimizer.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.optimizer.activated.connect(self._on_chosen)
        training.optimizer_changed.connect(lambda name, _values: self._show_optimizer(name))
        self._show_optimizer(training.optimizer_name)
        buttons = QGridLayout()
        self.buttons: dict[str, QToolButton] = {}
        for i, name in enumerate(("step_back", "step_forward", "play", "reset")):
            button = QToolButton()
            button.setObjectName(f"presenter_{name}")
            button.setDefaultAction(actions[name])
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            buttons.addWidget(button, i // 2, i % 2)
            self.buttons[name] = button
        self.speed = QSlider(Qt.Orientation.Horizontal)
        self.speed.setObjectName("presenter_speed")
        self.speed.setRange(0, SLIDER_MAX)
        self.speed.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.speed.valueChanged.connect(
            lambda position: self.play_loop.set_speed(speed_at(position)))
        self.speed_label = QLabel()
        self.play_loop.speed_changed.connect(self._show_speed)
        self._show_speed(self.play_loop.speed)
        speed_row = QHBoxLayout()
        speed_row.addWidget(self.speed, 1)
        speed_row.addWidget(self.speed_label)
        controls = QVBoxLayout()
        controls.addWidget(self.optimizer)
        controls.addLayout(buttons, 1)
        controls.addLayout(speed_row)
        self.controls = QWidget()
        self.controls.setLayout(controls)
        self.loss_plot = LossPlot(training, theme=theme)
        self.loss_plot.setObjectName("presenter_loss_plot")
        # The curve gets the height; time travel and log scale stay in the normal window.
        self.loss_plot.set_compact(True)
        #: The loss plot, or a comparison lent by the window while a lesson shows one.
        self.plots = QStackedWidget()
        self.plots.addWidget(self.loss_plot)
        self.borrowed: QWidget | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.controls, 2)
        layout.addWidget(self.plots, 5)
        self._margins = 4
        self.set_theme(theme)

    def vertical_margin(self) -> int:
        """The strip's margin above (and below) what it shows."""
        return 2

    def controls_height(self) -> int:
        """The height the controls ask for."""
        return self.controls.sizeHint().height() + self._margins

    def plot_height(self) -> int:
        """The height that gives the loss plot's curve room for :data:`PLOT_TICK_ROWS`
        tick labels (measured on the plot as laid out now: its own rows take the rest)."""
        item = self.loss_plot.plot.getPlotItem()
        axis = item.getAxis("left")
        font: QFont = axis.style.get("tickFont") or axis.font()
        wanted = PLOT_TICK_ROWS * QFontMetricsF(font).height()
        shown = float(item.getViewBox().sceneBoundingRect().height())
        return self.height() + math.ceil(wanted - shown)

    def show_borrowed(self, widget: QWidget | None) -> None:
        """Show ``widget`` in place of the loss plot (None: the loss plot again; the
        widget lent before is handed back to whoever takes it, not deleted)."""
        if widget is self.borrowed:
            return
        if self.borrowed is not None:
            self.plots.removeWidget(self.borrowed)
        self.borrowed = widget
        if widget is not None:
            self.plots.addWidget(widget)
            self.plots.setCurrentWidget(widget)
        else:
            self.plots.setCurrentWidget(self.loss_plot)

    def set_theme(self, theme: Theme) -> None:
        """Text of the strip ``theme.text_scale`` times the usual size."""
        font = QFont(theme.font_family)
        font.setPixelSize(round(STRIP_TEXT_PX * theme.text_scale))
        self.controls.setFont(font)
        for widget in self.controls.findChildren(QWidget):
            widget.setFont(font)
        self.loss_plot.set_theme(theme)

    def _on_chosen(self, index: int) -> None:
        name = self.optimizer.itemData(index)
        if name and name != self.training.optimizer_name:
            self.training.set_optimizer(name)

    def _show_optimizer(self, name: str) -> None:
        index = self.optimizer.findData(name)
        if index != self.optimizer.currentIndex():
            self.optimizer.setCurrentIndex(index)

    def _show_speed(self, speed: float) -> None:
        position = position_of(speed)
        if self.speed.value() != position:
            self.speed.blockSignals(True)
            self.speed.setValue(position)
            self.speed.blockSignals(False)
        self.speed_label.setText(speed_text(speed))


@dataclass
class _Saved:
    """What entering changed, to put back exactly."""

    geometry: QRect
    docks: list[QDockWidget]
    state: QByteArray
    full_screen: bool
    maximized: bool
    bars: dict[str, bool]
    #: Whether the legends were wanted (the desk's; a projector hides them).
    legends: bool


@dataclass(frozen=True)
class PresentationStage:
    """What presentation mode rearranges and reads, given by the window.

    ``host`` is the window only as Qt's :class:`QMainWindow`: presenting puts it full
    screen, hides its bars and docks, and puts back its geometry and dock layout.
    """

    host: QMainWindow
    toolbar: QToolBar
    graph_view: GraphView
    #: The graph's column: the band joins it above the graph, the strip below.
    graph_column: QVBoxLayout
    caption_bar: CaptionBar
    lessons: LessonPlayer
    gradient_tools: GradientTools
    plot_tabs: QTabWidget
    compare_plot: ComparePlot
    session: Session
    #: The keymap's actions; the strip's buttons use step_back, step_forward, play, reset.
    actions: Mapping[str, QAction]
    #: The window's theme now.
    theme: Callable[[], Theme]
    #: The graph's theme outside presentation mode.
    desk_theme: Callable[[], Theme]
    #: Draws the stepper's partial picture again (if it is stepping).
    redraw_step: Callable[[], None]


class Presentation(QObject):
    """Enters and leaves presentation mode for one window."""

    #: Presentation mode was entered (True) or left (False).
    toggled = Signal(bool)

    def __init__(self, stage: PresentationStage) -> None:
        super().__init__(stage.host)
        self.stage = stage
        self.text_scale = DEFAULT_TEXT_SCALE
        self.input_gradients = False
        self._saved: _Saved | None = None
        self.strip: PresenterStrip | None = None
        self.band: PresentationBand | None = None
        #: Where the comparison lent to the strip came from: (tab index, title).
        self._lent_from: tuple[int, str] | None = None

    @property
    def active(self) -> bool:
        return self._saved is not None

    @property
    def _check_lent(self) -> bool:
        """Whether the gradient check's panel is lent to the strip (out of its dock)."""
        return self.strip is not None and self.strip.borrowed is self.stage.gradient_tools.panel

    def theme(self) -> Theme:
        """The graph's theme in presentation mode, from the window's theme."""
        return presentation_theme(self.stage.theme(), self.text_scale,
                                  input_gradients=self.input_gradients)

    def enter(self, *, full_screen: bool = True) -> None:
        """Full screen (unless told not to: screenshots and tests keep their size), bars
        and panels hidden, the presenter strip shown, large text."""
        if self.active:
            return
        stage, window = self.stage, self.stage.host
        self._saved = _Saved(
            geometry=window.geometry(),
            docks=[dock for dock in window.findChildren(QDockWidget) if dock.isVisible()],
            state=window.saveState(),
            full_screen=window.isFullScreen(), maximized=window.isMaximized(),
            bars={"menu": window.menuBar().isVisible(),
                  "status": window.statusBar().isVisible(),
                  "toolbar": stage.toolbar.isVisible()},
            legends=stage.graph_view.legends_wanted)
        theme = self.theme()
        self._ensure_strip(theme)
        band = self._ensure_band()
        assert self.strip is not None
        stage.lessons.bar.set_in_band(True)
        stage.caption_bar.set_in_band(True)
        stage.lessons.text_view = band.body
        band.set_theme(stage.theme(), self.text_scale)
        self.show_band()
        for dock in window.findChildren(QDockWidget):
            dock.hide()
        # The docks are the presentation's to put back now, not a lesson stop's.
        stage.lessons.forget_check()
        stage.toolbar.hide()
        window.menuBar().hide()
        window.statusBar().hide()
        self.strip.show()
        self.strip.set_theme(theme)
        # The legends are for the desk: on a projector they would cost the graph room.
        stage.graph_view.set_legends_visible(False)
        if full_screen:
            window.showFullScreen()
        window.installEventFilter(self)
        self.show_comparison()
        self._size_strip()
        self._set_graph_theme(theme)
        # The camera follows the focus on a projector (engaged once the graph is drawn
        # at the presentation's sizes).
        stage.graph_view.set_presenting(True)
        self.toggled.emit(True)

    def leave(self) -> None:
        """Put the window back as it was before :meth:`enter`."""
        saved = self._saved
        if saved is None:
            return
        self._saved = None
        stage, window = self.stage, self.stage.host
        window.removeEventFilter(self)
        self._return_comparison()
        self._return_check()
        if self.strip is not None:
            self.strip.hide()
        if self.band is not None:
            self.band.hide()
        stage.lessons.bar.set_in_band(False)
        stage.caption_bar.set_in_band(False)
        stage.lessons.text_view = stage.lessons.bar.caption
        if not saved.full_screen and window.isFullScreen():
            if saved.maximized:
                window.showMaximized()
            else:
                window.showNormal()
        window.menuBar().setVisible(saved.bars["menu"])
        window.statusBar().setVisible(saved.bars["status"])
        # The docks were only hidden: showing them again puts them back where they were
        # (restoreState would rebuild the dock areas, tab bars included).
        stage.toolbar.setVisible(saved.bars["toolbar"])
        for dock in saved.docks:
            dock.show()
        if not saved.full_screen and not saved.maximized:
            window.setGeometry(saved.geometry)
        layout = window.layout()
        if layout is not None:
            layout.activate()
        # Shown again, docks share their areas evenly: the saved state has their sizes.
        window.restoreState(saved.state)
        if layout is not None:
            layout.activate()
        stage.lessons.forget_check()
        stage.graph_view.set_presenting(False)
        stage.graph_view.set_legends_visible(saved.legends)
        self._set_graph_theme(stage.desk_theme())
        self.toggled.emit(False)

    def toggle(self, on: bool | None = None) -> None:
        if on is None:
            on = not self.active
        if on:
            self.enter()
        else:
            self.leave()

    def set_text_scale(self, factor: float) -> None:
        """Text ``factor`` times its usual size (clamped to 1.5..3)."""
        factor = min(max(float(factor), TEXT_SCALES[0]), TEXT_SCALES[-1])
        self.text_scale = factor
        self.restyle()

    def bigger(self) -> None:
        larger = [s for s in TEXT_SCALES if s > self.text_scale + 1e-9]
        self.set_text_scale(larger[0] if larger else TEXT_SCALES[-1])

    def smaller(self) -> None:
        smaller = [s for s in TEXT_SCALES if s < self.text_scale - 1e-9]
        self.set_text_scale(smaller[-1] if smaller else TEXT_SCALES[0])

    def set_input_gradients(self, on: bool) -> None:
        """Show the gradients of the inputs in presentation mode too."""
        self.input_gradients = bool(on)
        self.restyle()

    def restyle(self) -> None:
        """Apply the current window theme, scale and options (when presenting)."""
        if not self.active:
            return
        theme = self.theme()
        if self.strip is not None:
            self.strip.set_theme(theme)
        if self.band is not None:
            self.band.set_theme(self.stage.theme(), self.text_scale)
        if self._lent_from is not None:
            self.stage.compare_plot.set_theme(theme)
        if self._check_lent:
            self.stage.gradient_tools.panel.set_text_scale(self.text_scale)
        self._size_strip()
        self._set_graph_theme(theme)

    def _set_graph_theme(self, theme: Theme) -> None:
        """Draw the graph with ``theme``, fitted.  A new theme makes the graph's items
        again, which shows the last whole trace: the stepper's partial picture (the
        chain-rule note, the active edge and node marks) is drawn again on them, as the
        normal window has it, placed in the view as fitted."""
        self.stage.graph_view.set_theme(theme)
        self.stage.graph_view.fit_all()
        self.stage.redraw_step()

    def _ensure_strip(self, theme: Theme) -> None:
        if self.strip is not None:
            return
        # Below the graph in the central column, not a dock: the docks' saved layout
        # stays exactly as it was.
        self.strip = PresenterStrip(self.stage.session, self.stage.actions, theme)
        self.strip.hide()
        self.stage.graph_column.addWidget(self.strip)
        self.stage.gradient_tools.panel.verdicts_changed.connect(self._mark_verdicts)

    def _ensure_band(self) -> PresentationBand:
        if self.band is None:
            stage = self.stage
            lessons = stage.lessons
            self.band = PresentationBand(stage.theme(), stage.caption_bar.step_actions,
                                         (lessons.previous, lessons.next))
            stage.graph_column.insertWidget(0, self.band)
            lessons.caption_changed.connect(self.show_band)
            lessons.stop_shown.connect(lambda _index: self.show_comparison())
            lessons.closed.connect(self.show_comparison)
            stage.caption_bar.changed.connect(self.show_band)
        return self.band

    def show_band(self) -> None:
        """The lesson's and the stepper's texts in the band, shown while presenting
        either."""
        band = self.band
        if band is None:
            return
        stage = self.stage
        lessons, stepper = stage.lessons, stage.caption_bar
        lesson, stepping = lessons.active, stepper.wanted
        title, stop = lessons.header() if lesson else ("", "")
        where = stepper.where.text() if stepping else ""
        rest = f"{stop} · {where}" if stop and where else stop or where
        captions = [text for text in (lessons.caption() if lesson else "",
                                      stepper.caption.text() if stepping else "") if text]
        band.show_texts(title, rest, "\n".join(captions), stepping=stepping, lesson=lesson)
        band.body.scroll_to(0)
        band.setVisible(self.active and (lesson or stepping))

    def comparison_wanted(self) -> bool:
        """Whether the lesson's stop shows the comparison of optimizers."""
        stop = self.stage.lessons.stop
        return stop is not None and (stop.plot == "compare" or bool(stop.compare))

    def check_wanted(self) -> bool:
        """Whether the lesson's stop asks for the gradient check."""
        stop = self.stage.lessons.stop
        return stop is not None and stop.gradient_check

    def show_comparison(self) -> None:
        """While presenting a stop that compares optimizers, the strip shows the
        window's comparison (lent from its tab) instead of the loss plot, tall enough to
        read; at a stop asking for the gradient check, the check's panel (lent from its
        dock) with the presentation's text size; any other time each is back where it
        was, at the desk's size."""
        if self.active and self.strip is not None and self.comparison_wanted():
            self._return_check()
            plot = self.stage.compare_plot
            if self._lent_from is None:
                tabs = self.stage.plot_tabs
                index = tabs.indexOf(plot)
                self._lent_from = (index, tabs.tabText(index))
                tabs.removeTab(index)
                plot.setParent(None)
            self.strip.show_borrowed(plot)
            plot.set_theme(self.theme())
            plot.show()
        elif self.active and self.strip is not None and self.check_wanted():
            self._return_comparison()
            self._lend_check()
        else:
            self._return_comparison()
            self._return_check()
        self._size_strip()

    def _lend_check(self) -> None:
        assert self.strip is not None
        tools = self.stage.gradient_tools
        panel = tools.panel
        if not self._check_lent:
            tools.dock.hide()  # its widget goes to the strip (and comes back)
        panel.set_text_scale(self.text_scale)
        self.strip.show_borrowed(panel)
        panel.show()
        panel.recheck()
        self._mark_verdicts(panel.verdicts())

    def _return_check(self) -> None:
        """The gradient check's panel back in its dock (which stays as it is: hidden
        while presenting), at the desk's sizes."""
        if not self._check_lent:
            return
        tools = self.stage.gradient_tools
        assert self.strip is not None
        self.strip.show_borrowed(None)
        tools.panel.set_text_scale(None)
        tools.dock.setWidget(tools.panel)
        if not self.active or tools.dock.isHidden():
            # The rings go with the panel, as when its dock is closed.
            self.stage.graph_view.set_verdict_marks({})

    def _mark_verdicts(self, verdicts: object) -> None:
        """While the check is in the strip, its verdicts ring the weights on the graph
        (as with its dock open), unless a backward check's marks are shown."""
        if not self._check_lent or self.stage.gradient_tools.backward_marks_shown:
            return
        if isinstance(verdicts, Mapping):
            self.stage.graph_view.set_verdict_marks(
                {name: WeightMark(verdict) for name, verdict in verdicts.items()})

    def _return_comparison(self) -> None:
        lent, self._lent_from = self._lent_from, None
        if lent is None:
            return
        if self.strip is not None:
            self.strip.show_borrowed(None)
        tabs = self.stage.plot_tabs
        current = tabs.currentIndex()
        self.stage.compare_plot.set_theme(self.stage.theme())
        tabs.insertTab(lent[0], self.stage.compare_plot, lent[1])
        tabs.setCurrentIndex(lent[0] if self.comparison_wanted() else max(current, 0))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Full screen arrives after entering, and the window may be resized while
        # presenting: the band and the strip keep their shares of the new height.
        if watched is self.stage.host and event.type() == QEvent.Type.Resize and self.active:
            self._size_strip()
        return super().eventFilter(watched, event)

    def _size_strip(self) -> None:
        """The strip as tall as its controls and its plot need (the plot at most
        :data:`STRIP_SHARE` of the height; the comparison's chart, when shown, at least
        :data:`COMPARE_SHARE`); the band at most its share."""
        height = self.stage.host.height()
        if self.band is not None:
            self.band.set_height_limit(height)
        strip = self.strip
        if strip is None:
            return
        cap = round(height * STRIP_SHARE)
        chart = round(height * COMPARE_SHARE)
        if self._check_lent:
            panel = self.stage.gradient_tools.panel
            for _ in range(2):  # measured at the width it is given
                self._set_strip_height(max(strip.controls_height(), min(
                    panel.wanted_height() + 2 * strip.vertical_margin(),
                    round(height * CHECK_SHARE))))
            return
        if strip.borrowed is not None:
            self._set_strip_height(max(strip.controls_height(), chart))
        else:
            # The controls always get their height; the plot up to the strip's share.
            # Measured twice: the plot's own rows take their room at the first height.
            for _ in range(2):
                self._set_strip_height(max(strip.controls_height(),
                                           min(strip.plot_height(), cap)))
        if strip.borrowed is not None:
            # Measured: the comparison's own row of buttons takes the rest.
            shortfall = chart - self.stage.compare_plot.plot.height()
            if shortfall > 0:
                self._set_strip_height(strip.height() + shortfall)

    def _set_strip_height(self, height: int) -> None:
        assert self.strip is not None
        if self.strip.height() != height or self.strip.maximumHeight() != height:
            self.strip.setFixedHeight(height)
        layout = self.stage.host.layout()
        if layout is not None:
            layout.activate()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
