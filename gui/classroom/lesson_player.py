"""Plays a guided lesson (:mod:`core.lessons`) in the window.

PageDown (or Right) goes to the next stop, PageUp (or Left) back; a stop that hides a
number first reveals it on the next click (predict, then reveal).  Each stop is set up
from the same start: the stop's graph and optimizer, training reset to the initial
weights, then ``steps`` samples; then the stepper position, the plot, a comparison, the
gradient-check panel, the spotlight and the hidden number.  So any stop, reached from
anywhere, shows the state its caption describes.  The gradient-check panel a stop opened
goes back to how it was (closed, or behind another tab) at the next stop that does not ask
for it and when the lesson closes; while presenting, the presenter strip shows it instead
of its dock (:mod:`gui.classroom.presentation`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QMainWindow,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.autodiff.formula import FormulaError
from core.autodiff.graph import Graph
from core.lessons import LESSON_FOLDER, Lesson, LessonError, Stop, load_lesson, node_id
from core.presets import resolve_graph
from core.training.optimizers import OPTIMIZERS
from core.training.registrations import Registered
from gui.classroom.band import BandStandIn
from gui.wrapping import ElidedLine, WrappedText

if TYPE_CHECKING:
    from gui.classroom.spotlight import Spotlight
    from gui.debugger.gradient_tools import GradientTools
    from gui.debugger.stepping import SteppingController
    from gui.graph.view import GraphView
    from gui.panels.weights_table import WeightsTable
    from gui.plots.compare_plot import ComparePlot
    from gui.session import Session

PLOT_TABS = {"loss": 0, "weights": 1, "compare": 2}
#: Pixel size of the caption's text at text scale 1.
CAPTION_PX = 16
#: The most lines of caption the bar above the graph shows at once (normal mode).
CAPTION_LINES = 5
#: The least share of the window's height a stop comparing optimizers gives the
#: comparison's chart (it was about 50 px at 1024x768): the plots dock grows for it, and
#: takes its height back at the next stop.
COMPARE_SHARE = 0.4


class LessonBar(BandStandIn):
    """The lesson's title and stop number (one line, the title shortened first when it
    does not fit) and the stop's caption, above the graph: plain text wrapped anywhere, at
    most :data:`CAPTION_LINES` lines, the rest scrolled or continued by the next click."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lesson_bar")
        self.header = ElidedLine()
        self.header.setObjectName("lesson_header")
        self.caption = WrappedText(max_lines=CAPTION_LINES)
        self.caption.setObjectName("lesson_caption")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        layout.addWidget(self.header)
        layout.addWidget(self.caption)
        self.set_text_scale(1.0)
        self.setVisible(False)

    def text(self) -> str:
        """The header and the caption, as plain text."""
        return f"{self.header.text()}\n{self.caption.text()}"

    def show_stop(self, title: str, position: str, caption: str) -> None:
        self.header.set_parts(title, position)
        self.caption.setText(caption)
        self.caption.scroll_to(0)

    def set_text_scale(self, factor: float) -> None:
        font = QFont(self.font())
        font.setPixelSize(round(CAPTION_PX * factor))
        self.caption.setFont(font)
        bold = QFont(font)
        bold.setBold(True)
        self.header.setFont(bold)
        self.header.setFixedHeight(QFontMetrics(bold).lineSpacing())



@dataclass(frozen=True)
class LessonStage:
    """What a lesson's stops set up, given by the window.

    ``host`` is the window only as Qt's :class:`QMainWindow`: the plots dock is resized
    and the gradient check's tab group read through it.
    """

    session: Session
    stepping: SteppingController
    graph_view: GraphView
    weights_table: WeightsTable
    spotlight: Spotlight
    plot_tabs: QTabWidget
    plots_dock: QDockWidget
    compare_plot: ComparePlot
    gradient_tools: GradientTools
    host: QMainWindow
    #: Whether presentation mode is on (the presenter strip shows the plots then).
    presenting: Callable[[], bool]
    #: A line in the status bar.
    status: Callable[[str], None]
    #: A problem in a dialog that does not block the window (title, text).
    warn: Callable[[str, str], None]


class LessonPlayer(QObject):
    """The open lesson, the stop shown, and whether its hidden number was revealed."""

    #: A stop was shown (its index, from 0).
    stop_shown = Signal(int)
    #: The lesson was closed.
    closed = Signal()
    #: The caption shown changed (a stop, a reveal, closing).
    caption_changed = Signal()

    def __init__(self, stage: LessonStage, bar: LessonBar | None = None) -> None:
        super().__init__(stage.host)
        self.stage = stage
        self.lesson: Lesson | None = None
        self.index = -1
        self.revealed = True
        self.bar = bar if bar is not None else LessonBar()
        #: Where the caption is read: a click first shows the rest of a caption longer
        #: than it shows at once (the presentation band takes this over).
        self.text_view: WrappedText = self.bar.caption
        #: The plots dock's height before a comparison stop made it taller.
        self._dock_height: int | None = None
        #: How the gradient check's dock was before a stop opened it: (hidden, the
        #: docks in front of its tab group); None: no stop opened it.
        self._check_was: tuple[bool, list[QDockWidget]] | None = None
        #: The stop being set up is the first since the lesson opened.
        self._first_stop = True

    @property
    def active(self) -> bool:
        return self.lesson is not None

    @property
    def stop(self) -> Stop | None:
        return None if self.lesson is None else self.lesson.stops[self.index]

    def choose_file(self) -> None:
        """File > Open lesson…: a shipped lesson or a teacher's own file."""
        path, _ = QFileDialog.getOpenFileName(self.stage.host, "Open lesson",
                                              str(LESSON_FOLDER),
                                              "Lessons (*.json);;All files (*)")
        if path:
            self.open_file(path)

    def open_file(self, spec: str, stop: int = 0) -> bool:
        """Open a lesson (a shipped name or a file) at ``stop`` (from 0); a malformed one
        is refused with a dialog, and nothing changes."""
        # Reading registers the ops and optimizers it carries: taken back if it is refused.
        registered = Registered()
        try:
            lesson = load_lesson(spec, optimizers=list(OPTIMIZERS))
            if not 0 <= stop < len(lesson.stops):
                raise LessonError(f"{lesson.source}: there is no stop {stop + 1} (the "
                                  f"lesson has {len(lesson.stops)})")
        except LessonError as problem:
            registered.restore()
            self.stage.status(f"Cannot open this lesson: {problem}")
            self.stage.warn("Cannot open this lesson", str(problem))
            return False
        self.open(lesson, stop)
        self.stage.graph_view.setFocus()
        return True

    def open(self, lesson: Lesson, stop: int = 0) -> None:
        """Show ``lesson`` at ``stop`` (from 0)."""
        self.lesson = lesson
        self._first_stop = True
        self.bar.show()
        self.go(stop)

    def close(self) -> None:
        """End the lesson: the view stays as the last stop left it, every number shown."""
        if self.lesson is None:
            return
        self.lesson = None
        self.index = -1
        self.bar.hide()
        self.caption_changed.emit()
        stage = self.stage
        stage.graph_view.hide_number(None)
        stage.weights_table.set_hidden(None)
        stage.spotlight.set_lesson_nodes(())
        stage.spotlight.update()
        stage.graph_view.focus_view(())  # the camera's view was the stop's
        self._restore_check()
        self.closed.emit()

    def next(self) -> None:
        """Show the rest of a long caption, else reveal the stop's hidden number, else go
        to the next stop."""
        if self.lesson is None:
            return
        if self.text_view.isVisible() and self.text_view.page_down():
            return
        if not self.revealed:
            self.reveal()
        elif self.index + 1 < len(self.lesson.stops):
            self.go(self.index + 1)
        else:
            self.stage.status("The end of the lesson: PageUp goes back, Esc closes it")

    def previous(self) -> None:
        """Back a page of a long caption, else to the previous stop."""
        if self.lesson is None:
            return
        if self.text_view.isVisible() and self.text_view.page_up():
            return
        if self.index > 0:
            self.go(self.index - 1)

    def reveal(self) -> None:
        """Show the hidden number."""
        self.revealed = True
        self.stage.graph_view.hide_number(None)
        self.stage.weights_table.set_hidden(None)
        self._show_caption()

    def go(self, index: int) -> None:
        """Set up stop ``index`` (from 0)."""
        lesson = self.lesson
        if lesson is None:
            return
        if not 0 <= index < len(lesson.stops):
            raise LessonError(f"{lesson.source}: there is no stop {index + 1} (the lesson "
                              f"has {len(lesson.stops)})")
        self.index = index
        stop = lesson.stops[index]
        try:
            self._apply(stop)
            self._first_stop = False
        except LessonError as problem:
            self.stage.status(str(problem))
            self.stage.warn("Cannot show this stop", str(problem))
        self.revealed = stop.hide is None
        self._show_caption()
        self._room_for_comparison(stop.plot == "compare" or bool(stop.compare))
        self.stop_shown.emit(index)

    # -- setting a stop up ----------------------------------------------------------------

    def _apply(self, stop: Stop) -> None:
        stage = self.stage
        session = stage.session
        training = session.training
        stepping = stage.stepping
        stepping.stop(finish=False)
        where = f"{self.lesson.source if self.lesson else 'lesson'}: stop {self.index + 1}"
        if self.lesson is not None:
            try:
                self._own_definitions(self.lesson)
            except ValueError as problem:  # its formula on this data, a refused config
                raise LessonError(f"{where}: {problem}") from None
        if stop.graph != (training.graph.name or ""):
            training.set_graph(self._graph(stop.graph, where))
        if stop.optimizer is not None and stop.optimizer != training.optimizer_name:
            training.set_optimizer(stop.optimizer)
        said = ""
        # Broken on purpose, or revealed; a lesson without a break takes off any the run
        # had (a lesson sets up its own runs).
        if self.lesson is not None and (self.lesson.breaks or training.config.breaks):
            unbroken = not training.config.breaks
            said = self._broken(self.lesson.breaks, stop.reveal, where)
            if unbroken and training.config.breaks and not self._first_stop:
                # Revealed (Debug > Reveal, or a revealing stop) and broken again: said, so
                # that the gradient check calling weights wrong again is no surprise.
                said = self._broken_again()
        session.play.pause()
        training.reset()
        if stop.steps:
            training.run_steps(stop.steps)
        if stop.stepper is not None and stepping.start(0):
            plan = stepping.plan
            if plan is not None:
                span = plan.phase_range(stop.stepper.phase)
                at = stop.stepper.at
                index = span.start + at if at >= 0 else span.stop + at
                stepping.go(min(max(index, span.start), max(span.stop - 1, 0)))
        if stop.plot is not None:
            stage.plot_tabs.setCurrentIndex(PLOT_TABS[stop.plot])
            stage.plots_dock.raise_()
        if stop.compare:
            stage.compare_plot.set_chosen(stop.compare)
            session.comparison.start(stop.compare)
        if stop.gradient_check:
            self._open_check()
        else:
            self._restore_check()
        graph = training.graph
        stage.spotlight.set_lesson_nodes(tuple(self._node(graph, name, where)
                                               for name in stop.spotlight))
        stage.spotlight.set_on(bool(stop.spotlight))
        # What the camera shows (gui.graph.camera): the stop's own view, or none.
        stage.graph_view.focus_view([self._node(graph, name, where) for name in stop.view])
        if stop.hide is not None:
            node = self._node(graph, stop.hide.node, where)
            stage.graph_view.hide_number(node, stop.hide.number)
            stage.weights_table.set_hidden(node, stop.hide.number)
        else:
            stage.graph_view.hide_number(None)
            stage.weights_table.set_hidden(None)
        if said:  # what a reveal replaced, after the reset's own line
            stage.status(said)

    def _open_check(self) -> None:
        """Show the gradient check (remembering how its dock was); while presenting, the
        presentation shows it in its strip and the dock stays hidden."""
        stage = self.stage
        if stage.presenting():
            return
        tools = stage.gradient_tools
        dock = tools.dock
        if self._check_was is None:
            front = [other for other in stage.host.tabifiedDockWidgets(dock)
                     if other.isVisible()]
            self._check_was = (dock.isHidden(), front)
        tools.dock_action.setChecked(True)
        tools.show_panel(True)

    def _restore_check(self) -> None:
        """The gradient check's dock as it was before a stop opened it."""
        was, self._check_was = self._check_was, None
        if was is None or self.stage.presenting():
            return
        hidden, front = was
        if hidden:
            self.stage.gradient_tools.dock_action.setChecked(False)
            self.stage.gradient_tools.show_panel(False)
        for dock in front:
            dock.raise_()

    def forget_check(self) -> None:
        """Presentation mode was entered or left: the window's docks are as it put them,
        and nothing a stop opened is to be put back."""
        self._check_was = None

    def _room_for_comparison(self, wanted: bool) -> None:
        """Out of presentation mode, make the plots dock tall enough for the comparison's
        chart to take :data:`COMPARE_SHARE` of the window's height (``wanted``), or give
        the dock its height back.  (Presenting, the strip shows the comparison.)"""
        stage = self.stage
        window = stage.host
        dock = stage.plots_dock
        vertical = Qt.Orientation.Vertical
        if not wanted or stage.presenting():
            if self._dock_height is not None and not stage.presenting():
                window.resizeDocks([dock], [self._dock_height], vertical)
                self._dock_height = None
            return
        if not dock.isVisible() or dock.isFloating():
            return
        chart = stage.compare_plot.plot
        target = round(window.height() * COMPARE_SHARE)
        for _ in range(2):  # measured: the tab bar and the buttons above take the rest
            QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
            layout = window.layout()
            if layout is not None:
                layout.activate()
            short = target - chart.height()
            if short <= 0:
                return
            if self._dock_height is None:
                self._dock_height = dock.height()
            window.resizeDocks([dock], [dock.height() + short], vertical)

    def _own_definitions(self, lesson: Lesson) -> None:
        """The lesson's ops and optimizers registered again, and the run's config using
        them: a config embedding another definition of one of their names (added from a
        file before the lesson opened) registers it again whenever it is rebuilt, and the
        stop would train with it."""
        from core.autodiff.user_ops import register
        from core.training.optimizers import resolve_optimizer

        register(lesson.ops)
        for definition in lesson.optimizers:
            resolve_optimizer(str(definition["name"]), definition)
        training = self.stage.session.training
        config = training.config
        ops = {d["name"]: d for d in lesson.ops}
        optimizers = {d["name"]: d for d in lesson.optimizers}
        own = config.replace(
            ops=tuple(ops.get(d["name"], d) for d in config.ops),
            optimizer_definition=optimizers.get(config.optimizer,
                                                config.optimizer_definition))
        if own != config:
            # A graph built anew: the one shown keeps the rows it was built with.
            from core.training.resolution import resolve_for_data

            training.set_config(own, graph=resolve_for_data(own.graph, training.dataset))

    def _broken_again(self) -> str:
        """The status line at a stop that breaks the derivative a reveal had put back."""
        stops = self.lesson.stops if self.lesson is not None else ()
        revealing = [i + 1 for i, stop in enumerate(stops) if stop.reveal]
        where = f" (the lesson reveals it at stop {revealing[0]})" if revealing else ""
        return f"The broken derivative is back: this stop of the lesson breaks it{where}"

    def _broken(self, breaks: tuple[dict[str, Any], ...], revealed: bool, where: str) -> str:
        """The lesson's breaks on the session (none at a stop that reveals them); what a
        reveal replaced, in words."""
        from gui.files.ops_menu import lesson_breaks

        try:
            return lesson_breaks(self.stage.session.training, breaks, revealed)
        except ValueError as problem:
            raise LessonError(f"{where}: \"break\": {problem}") from None

    @staticmethod
    def _graph(spec: str, where: str) -> Graph:
        try:
            return resolve_graph(spec)[0]
        except (FormulaError, ValueError) as problem:
            raise LessonError(f"{where}: graph {spec!r}: {problem}") from None

    @staticmethod
    def _node(graph: Graph, name: str, where: str) -> str:
        """A node by its name (part_3, v1·v2, y'), else its id or a unique label."""
        return node_id(graph, name, where)

    def header(self) -> tuple[str, str]:
        """The lesson's title and where in it the stop is (``stop 6 of 10``)."""
        if self.lesson is None:
            return "", ""
        return self.lesson.title, f"stop {self.index + 1} of {len(self.lesson.stops)}"

    def caption(self) -> str:
        """The stop's caption, then its question while the hidden number is hidden (plain
        text, lines separated by new lines)."""
        stop = self.stop
        if stop is None:
            return ""
        parts = [stop.caption]
        if stop.hide is not None:
            if self.revealed:
                parts.append("Revealed on the graph.")
            else:
                parts.append(f"{stop.hide.question or 'Predict it, then click.'} "
                             "(PageDown reveals)")
        return "\n".join(parts)

    def _show_caption(self) -> None:
        if self.lesson is None:
            return
        self.bar.show_stop(*self.header(), self.caption())
        self.caption_changed.emit()
