"""Starting the window: command-line options, the QApplication, and screenshot mode.

    python main.py [--optimizer NAME] [--data PATH] [--graph G] [--seed S] [--epochs N]
    python main.py --fresh [...]
    python main.py --screenshot PATH [--steps N] [--size WxH] [...]

Bad input exits with status 2 and one line on stderr, before any window opens.
``--screenshot`` renders the whole window offscreen (no screen needed), trains N steps,
saves a PNG and exits; it neither reads nor writes the user's settings, and neither does
``--fresh``.  ``--present`` and ``--lesson`` start the run from the defaults (or the
lesson's own settings), not from remembered ones.  Remembered settings that change the
start are named in the status bar (:mod:`gui.remembered`).  Closing a window with steps
trained since the last save asks first (:mod:`gui.quit_guard`); Ctrl+C in the terminal
closes it without asking (exit status 130).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.inputs import (
    Parser,
    UsageError,
    count_argument,
    join_negative_values,
    option_error,
    size_argument,
)
from core.lessons import shipped_lessons
from core.training.holdout_options import add_holdout_options, check_split, holdout_options
from core.training.loss_options import add_loss_options, chosen_loss
from core.training.ops_options import (
    add_ops_options,
    config_with_break_option,
    register_ops_option,
)
from gui.remembered import DEFAULT_SPEED

if TYPE_CHECKING:
    from PySide6.QtCore import QCoreApplication, QSettings

    from core.autodiff.graph import Graph
    from core.data.datasets import Dataset
    from core.lessons import Lesson
    from core.training.config import TrainingConfig
    from core.training.session_file import OpenedSession
    from gui.main_window import MainWindow
    from gui.session import Session
    from gui.theme import Theme

SCREENSHOT_SIZE = (1600, 1000)
#: The themes' names (gui.theme.THEMES), here so that parsing needs no Qt.
THEME_NAMES = ("light", "dark", "high-contrast")
#: Views that start hidden and ``--show NAME`` shows: name -> what it is.  Each is the
#: window's dock whose object name is ``NAME_dock``.
SHOWABLE = {"model": "the model over its data",
            "landscape": "the loss landscape of two weights"}
#: TrainingConfig()'s defaults, as --help words them (a test keeps them equal).
DEFAULTS = {"optimizer": "sgd", "graph": "seed", "seed": 0, "epochs": 20}



def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="main.py", description="Backprop Explorer: the window.")
    parser.add_argument("--screenshot", metavar="PATH",
                        help="render the window offscreen, save it as a PNG and exit")
    parser.add_argument("--steps", type=count_argument, default=0, metavar="N",
                        help="with --screenshot: train N samples first (default 0)")
    parser.add_argument("--size", type=size_argument, default=SCREENSHOT_SIZE, metavar="WxH",
                        help="with --screenshot: window size (default 1600x1000)")
    parser.add_argument("--debug-step", type=count_argument, metavar="K",
                        help="open stepping mode at position K of the next training step "
                             "(0: its first node)")
    parser.add_argument("--lesson", metavar="NAME|FILE",
                        help="open a guided lesson: a shipped one by name ("
                             f"{', '.join(shipped_lessons())}) or a file")
    parser.add_argument("--stop", type=count_argument, metavar="N",
                        help="with --lesson: start at stop N (from 1)")
    parser.add_argument("--present", action="store_true",
                        help="start in presentation mode (F5 enters it, Esc leaves)")
    parser.add_argument("--show", action="append", choices=tuple(SHOWABLE), default=[],
                        metavar="VIEW",
                        help="show a view that starts hidden (repeatable): " + ", ".join(
                            f"{name} ({what})" for name, what in SHOWABLE.items()))
    parser.add_argument("--theme", choices=THEME_NAMES, metavar="NAME",
                        help=f"colours: {', '.join(THEME_NAMES)} (default: the remembered "
                             "one, else light)")
    parser.add_argument("--optimizer-file", metavar="FILE",
                        help="an optimizer written as formulas (see resources/optimizers/), "
                             "trained unless --optimizer names another")
    parser.add_argument("--optimizer", metavar="NAME",
                        help=f"optimizer (default: the remembered one, else "
                             f"{DEFAULTS['optimizer']})")
    parser.add_argument("--data", metavar="PATH",
                        help="data file (.pkl, .npy, .npz, .csv); default: the built-in data")
    parser.add_argument("--graph", metavar="G",
                        help="a preset name (seed, ...) or a formula for y' (default: the "
                             f"remembered preset, else {DEFAULTS['graph']})")
    parser.add_argument("--seed", type=int, metavar="S",
                        help="seed of the initial weights (default: the remembered one, "
                             f"else {DEFAULTS['seed']})")
    parser.add_argument("--epochs", type=int, metavar="N",
                        help=f"epochs to train (default: remembered, else "
                             f"{DEFAULTS['epochs']})")
    add_holdout_options(parser)
    add_loss_options(parser)
    add_ops_options(parser)
    parser.add_argument("--session", metavar="FILE",
                        help="open a saved session: the run continues where it was")
    parser.add_argument("--fresh", action="store_true",
                        help="start from the defaults: remembered settings (optimizer, "
                             "speed, theme, layout, ...) are neither read nor written")
    return parser


@dataclass
class Startup:
    """Everything the window starts with, checked."""

    config: TrainingConfig
    graph: Graph
    dataset: Dataset
    speed: float
    #: The remembered settings that changed this start, in words ("optimizer Adam").
    remembered: tuple[str, ...] = ()


def _config(args: argparse.Namespace, settings: QSettings | None) -> TrainingConfig:
    """The command line's options over the remembered settings (none: ``None``) over the
    defaults, as one :class:`~core.training.config.TrainingConfig` (which checks every
    value).  Raises ConfigError."""
    from core.training.config import DataSource
    from gui.settings import read_config, read_hyperparameters

    register_ops_option(args)  # before the formula, which may call them
    config = read_config(settings)
    if args.optimizer_file is not None:  # known by name from now on
        from core.training.optimizers import OptimizerFileError, load_optimizer_file

        if args.session is not None:  # the file's name would read as a typed --optimizer
            raise UsageError("--optimizer-file cannot be given with --session: the session "
                             "file holds its optimizer")
        try:
            args.optimizer = args.optimizer or load_optimizer_file(args.optimizer_file).name
        except OptimizerFileError as error:
            raise UsageError(f"--optimizer-file: {error}") from None
    if args.graph is not None:
        config = config.replace(graph=args.graph, initial_weights=None)
    if args.optimizer is not None:
        config = read_hyperparameters(settings, config.replace(optimizer=args.optimizer))
    if args.seed is not None:
        config = config.replace(seed=args.seed)
    if args.epochs is not None:
        config = config.replace(epochs=args.epochs)
    if args.data is not None:
        config = config.replace(data=DataSource.file(args.data))
    holdout, early_stop = holdout_options(args)
    if holdout is not None:
        config = config.replace(holdout=holdout, early_stop=early_stop)
    if args.graph is not None or args.loss is not None or args.delta is not None:
        from core.presets import PRESETS

        loss, delta = chosen_loss(args, PRESETS.get(config.graph) if args.graph else None,
                                  (config.loss, config.delta))
        config = config.replace(loss=loss, delta=delta)
    return config_with_break_option(args, config)


def remembers_the_run(args: argparse.Namespace) -> bool:
    """Whether the run starts from remembered settings: not with --fresh or --screenshot
    (nothing remembered is read), nor with --present or --lesson (a class starts from the
    defaults or the lesson's own settings, whatever was tried the day before)."""
    return not (args.fresh or args.screenshot is not None or args.present
                or args.lesson is not None)


def _startup(args: argparse.Namespace, settings: QSettings | None) -> Startup:
    """The run to start with, with its graph built and its data loaded, and the remembered
    settings that changed it named.

    Raises
    ------
    UsageError
        Naming the option and what is wrong with it.
    """
    from core.data.datasets import DataError
    from core.training.config import ConfigError
    from gui.remembered import config_differences, speed_differences
    from gui.settings import read_float

    run_settings = settings if remembers_the_run(args) else None
    try:
        config = _config(args, run_settings)
        defaults = _config(args, None) if run_settings is not None else config
        graph, _ = config.build_graph()
        dataset = config.load_data()
        check_split(config.holdout, len(dataset), config.seed)
    except ConfigError as error:
        raise option_error(error) from None
    except DataError as error:
        raise UsageError(str(error)) from None
    # A first run plays slowly enough to watch; a remembered speed wins.
    speed = read_float(run_settings, "training/speed", DEFAULT_SPEED)
    speed = math.inf if speed < 1 else speed
    remembered = (*config_differences(config, defaults), *speed_differences(speed))
    return Startup(config=config, graph=graph, dataset=dataset, speed=speed,
                   remembered=remembered)


def run_gui(argv: Sequence[str]) -> int:
    """Open the window (or render a screenshot); return the exit status."""
    try:
        argv = join_negative_values(argv, ("--graph", "--seed", "--epochs"))
        args = build_parser().parse_args(argv)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.screenshot is not None:
        # Decided before Qt starts: screenshots never need a screen.  The offscreen
        # screen has the picture's size, as a projector of that size would.
        from gui.offscreen import offscreen_platform

        os.environ["QT_QPA_PLATFORM"] = offscreen_platform(*args.size)
        _quiet_offscreen_notes()
    elif _no_screen():
        print("error: no screen to open the window on (DISPLAY and WAYLAND_DISPLAY are "
              "unset); use --screenshot PATH or a headless command (inspect, gradcheck, "
              "train, compare)", file=sys.stderr)
        return 2
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(["Backprop Explorer"])
    app.setOrganizationName("BackpropExplorer")
    app.setApplicationName("BackpropExplorer")
    try:
        if args.screenshot is not None:
            session, _, lesson, stop = _session(args, None)
            return _screenshot(app, session, args, lesson, stop)
        window = open_window(args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from gui.quit_guard import QuitGuard, close_on_interrupt

    # Closing with steps trained since the last save asks first; Ctrl+C does not.
    guard = QuitGuard(window.session.training, window.session_files, window)
    window.quit_guard = guard
    interrupted = close_on_interrupt(window, guard)
    status = int(app.exec())
    return 130 if interrupted() else status


def _session(args: argparse.Namespace, settings: QSettings | None
             ) -> tuple[Session, Startup, Lesson | None, int]:
    """The checked run to start (UsageError otherwise), what it started from, the lesson
    and its stop."""
    from gui.remembered import speed_differences
    from gui.session import Session

    startup = _startup(args, settings)
    lesson, stop = _lesson(args)
    opened = None
    if args.session is not None:
        opened = _open_session(args)
        # The saved run's own settings; only the speed comes from the settings.
        startup = Startup(opened.config, opened.graph, opened.dataset, startup.speed,
                          tuple(speed_differences(startup.speed)))
    session = Session(startup.config, startup.graph, startup.dataset)
    if opened is not None:
        session.training.adopt(opened)
    # Before any window reads it: a screenshot shows the speed a fresh window starts at.
    session.play.set_speed(startup.speed)
    return session, startup, lesson, stop


def open_window(args: argparse.Namespace) -> MainWindow:
    """The window ``args`` ask for, shown (a QApplication must exist); its status bar
    names the remembered settings that changed the start.  UsageError on bad input."""
    from gui.main_window import MainWindow
    from gui.remembered import layout_differences, remembered_message, view_differences
    from gui.settings import open_settings

    settings = None if args.fresh else open_settings()
    session, startup, lesson, stop = _session(args, settings)
    window = MainWindow(session, settings=settings, theme=_theme(args))
    window.show()
    show_views(window, args.show)
    message = remembered_message([*startup.remembered, *view_differences(window.remembered),
                                  *layout_differences(window.remembered)])
    if message:
        window.statusBar().showMessage(message)
    if args.present:
        window.presentation.enter()
    if lesson is not None:
        window.lessons.open(lesson, stop)
    if args.debug_step is not None:
        problem = _open_stepper(window, args.debug_step)
        if problem:
            window.statusBar().showMessage(problem)
    return window


def show_views(window: MainWindow, names: Sequence[str]) -> None:
    """Show the docks ``--show`` names (:data:`SHOWABLE`), each in front of its tabs."""
    from PySide6.QtWidgets import QDockWidget

    for name in names:
        dock = window.findChild(QDockWidget, f"{name}_dock")
        if dock is not None:
            dock.show()
            dock.raise_()


def _open_session(args: argparse.Namespace) -> OpenedSession:
    """The run of ``--session FILE``, read and replayed before any window opens.

    Raises
    ------
    UsageError
        When the file cannot be opened (or its data changed: the window's File > Open
        session asks whether to use the changed file).
    """
    from core.training.session_file import (
        DataChangedError,
        SessionError,
        open_session,
        read_session,
    )
    from gui.session.training_session import HISTORY_LIMIT

    given = [flag for flag, value in (("--graph", args.graph), ("--data", args.data),
                                      ("--optimizer", args.optimizer), ("--seed", args.seed),
                                      ("--epochs", args.epochs),
                                      ("--break", getattr(args, "break")),
                                      ("--ops", args.ops), ("--loss", args.loss),
                                      ("--delta", args.delta), ("--holdout", args.holdout),
                                      ("--early-stop", args.early_stop),
                                      # A lesson sets up each stop's run: its first stop
                                      # would start the opened run over at once.
                                      ("--lesson", args.lesson)) if value is not None]
    if given:
        raise UsageError(f"--session opens a saved run: {', '.join(given)} cannot be "
                         "given with it")
    try:
        return open_session(read_session(args.session), args.session,
                            history_limit=HISTORY_LIMIT)
    except DataChangedError as error:
        raise UsageError(f"{error}; open it with File > Open session to decide whether to "
                         "use the changed file") from None
    except SessionError as error:
        raise UsageError(str(error)) from None


def _theme(args: argparse.Namespace) -> Theme | None:
    from gui.theme import THEMES

    return None if args.theme is None else THEMES[args.theme]


def _no_screen() -> bool:
    """On Linux, no X11 or Wayland display and no platform chosen: Qt would abort."""
    from PySide6.QtWidgets import QApplication

    if not sys.platform.startswith("linux") or QApplication.instance() is not None:
        return False
    return not any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY",
                                                       "QT_QPA_PLATFORM"))


def _quiet_offscreen_notes() -> None:
    """The offscreen platform notes that it cannot resize windows to their hints; that is
    expected here and only clutters the output."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    def handler(kind: QtMsgType, _context: object, message: str) -> None:
        if "propagateSizeHints" in message:
            return
        if kind != QtMsgType.QtDebugMsg:
            print(message, file=sys.stderr)

    qInstallMessageHandler(handler)


def _open_stepper(window: MainWindow, index: int) -> str:
    """Stepping mode at position ``index`` of the next step; a problem as one line."""
    if not window.stepping.start(index):
        return "--debug-step: every epoch is trained already; there is no step to show"
    plan = window.stepping.plan
    size = 0 if plan is None else len(plan)
    if index >= size:
        window.stepping.stop(finish=False)
        return f"--debug-step: the step has {size} positions (0..{size - 1}), got {index}"
    return ""


def _lesson(args: argparse.Namespace) -> tuple[Lesson | None, int]:
    """The lesson asked for and the stop to show (from 0); UsageError when malformed."""
    from core.lessons import LessonError, load_lesson
    from core.training.optimizers import OPTIMIZERS

    if args.lesson is None:
        if args.stop is not None:
            raise UsageError("--stop needs --lesson")
        return None, 0
    try:
        lesson = load_lesson(args.lesson, optimizers=list(OPTIMIZERS))
    except LessonError as error:
        raise UsageError(str(error)) from None
    stop = 1 if args.stop is None else args.stop
    if not 1 <= stop <= len(lesson.stops):
        raise UsageError(f"--stop must be 1..{len(lesson.stops)} for {lesson.source}, "
                         f"got {stop}")
    return lesson, stop - 1


def _wait_for_comparison(window: object, seconds: float = 60.0) -> None:
    """A screenshot of a stop that compares optimizers shows the finished comparison."""
    import time

    from PySide6.QtWidgets import QApplication

    runner = window.session.comparison  # type: ignore[attr-defined]
    deadline = time.monotonic() + seconds
    while runner.running() and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.01)


def _wait_for_landscape(window: MainWindow, seconds: float = 60.0) -> None:
    """A screenshot shows the loss landscape of the weights it shows, once computed."""
    import time

    from PySide6.QtWidgets import QApplication

    view = window.landscape.view
    deadline = time.monotonic() + seconds
    while view.isVisible() and view.busy() and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.01)


def _screenshot(app: QCoreApplication, session: Session, args: argparse.Namespace,
                lesson: Lesson | None = None, stop: int = 0) -> int:
    from PySide6.QtWidgets import QApplication

    from core.atomic_file import NotAFileError, atomic_write, check_target
    from gui.main_window import MainWindow

    try:  # before any work: a FIFO or a folder is refused at once, never blocked on
        check_target(args.screenshot)
    except NotAFileError as error:
        print(f"error: cannot write a PNG to {args.screenshot}: {error.strerror}",
              file=sys.stderr)
        return 2
    window = MainWindow(session, settings=None, theme=_theme(args))
    # The picture shows where the camera's pans end.
    window.graph_view.camera.animated = False
    window.resize(*args.size)
    window.show()
    show_views(window, args.show)
    QApplication.processEvents()
    if args.present:
        # The window keeps the requested size: it stands for the projector's screen.
        window.presentation.enter(full_screen=False)
        QApplication.processEvents()
    if lesson is not None:
        window.lessons.open(lesson, stop)
        _wait_for_comparison(window)
        QApplication.processEvents()
    if args.steps:
        session.training.run_steps(args.steps)
    QApplication.processEvents()
    _wait_for_landscape(window)
    if args.debug_step is not None:
        problem = _open_stepper(window, args.debug_step)
        if problem:
            window.close()
            print(f"error: {problem}", file=sys.stderr)
            return 2
        QApplication.processEvents()
    window.graph_view.fit_all()
    # The camera (presenting, or following) goes back to its focus, if it has one.
    window.graph_view.camera.refocus(animate=False)
    QApplication.processEvents()
    if args.debug_step is not None:
        position = window.stepping.position
        if position is not None:
            window.step_display.show_position(position)  # the note, placed after the fit
        QApplication.processEvents()
    image = window.grab()
    window.close()
    window.deleteLater()
    QApplication.processEvents()
    del app

    def write(temporary: Path) -> None:
        if not image.save(str(temporary), "PNG"):
            raise OSError("Qt could not write the PNG")

    try:  # whole or not at all, as every export
        atomic_write(args.screenshot, write)
    except OSError as error:
        print(f"error: cannot write a PNG to {args.screenshot}: {error}", file=sys.stderr)
        return 2
    print(args.screenshot)
    return 0
