"""How fast the window is while training, offscreen.

Prints five figures, all measured in this one process:

- headless trainer throughput (steps/s, ``Trainer.run_for`` in a loop, no Qt);
- training throughput with the window open and playing as fast as possible, and its ratio
  to the headless figure (goal: >= 50%);
- graph-view repaints per second while playing (paint events counted on the viewport;
  goal: >= 30);
- one repaint of the loss plot holding 100,000 points (goal: < 16 ms);
- how tall the seed graph's numbers are on screen in the 1600x1000 window after the fit
  (the number font's pixel size times the view's scale; goal: >= 15 px, legible on a
  projector).

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui.py [--seconds S]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from core.data.datasets import builtin_dataset
from core.presets import resolve_graph
from core.training.config import TrainingConfig
from core.training.optimizers import make_optimizer
from core.training.trainer import Trainer
from gui.main_window import MainWindow
from gui.session import Session
from gui.session.training_session import HISTORY_LIMIT

EPOCHS = 5000  # enough that training never finishes during a measurement


class PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def headless_throughput(seconds: float) -> float:
    """Steps per second of the bare trainer (``Trainer.run`` in large batches)."""
    graph, _ = resolve_graph("seed")
    trainer = Trainer(graph, builtin_dataset(), make_optimizer("sgd", len(graph.weights)),
                      epochs=EPOCHS, history_limit=HISTORY_LIMIT)
    trainer.run(1000)  # warm up
    start_steps, started = trainer.cursor.step, time.perf_counter()
    while time.perf_counter() - started < seconds:
        trainer.run(20_000)
    return (trainer.cursor.step - start_steps) / (time.perf_counter() - started)


class PlayingWindow:
    """The window, trained as fast as possible for a while at a time."""

    def __init__(self, app: QApplication) -> None:
        graph, _ = resolve_graph("seed")
        self.app = app
        self.session = Session(TrainingConfig(epochs=EPOCHS), graph, builtin_dataset())
        self.window = MainWindow(self.session, settings=None)
        self.window.resize(1600, 1000)
        self.window.show()
        self.counter = PaintCounter()
        self.window.graph_view.viewport().installEventFilter(self.counter)
        self.session.training.run_steps(1000)  # warm up
        app.processEvents()

    def number_px(self) -> float:
        """Pixel size of the graph's numbers as drawn."""
        view = self.window.graph_view
        return view.theme.number_font().pixelSize() * view.zoom()

    def play(self, seconds: float) -> tuple[float, float]:
        """(steps per second, graph repaints per second) over ``seconds`` of playing."""
        session = self.session
        stop = QTimer()
        stop.setSingleShot(True)
        stop.timeout.connect(session.play.pause)
        self.counter.count = 0
        start_steps, started = session.training.trainer.cursor.step, time.perf_counter()
        session.play.play()
        stop.start(round(seconds * 1000))
        while session.play.running:
            self.app.processEvents()
        elapsed = time.perf_counter() - started
        steps = session.training.trainer.cursor.step - start_steps
        return steps / elapsed, self.counter.count / elapsed

    def close(self) -> None:
        self.window.close()
        self.session.shutdown()


def loss_plot_repaint(app: QApplication, points: int = 100_000) -> float:
    from gui.plots.loss_plot import LossPlot

    graph, _ = resolve_graph("seed")
    session = Session(TrainingConfig(epochs=EPOCHS), graph, builtin_dataset())
    session.training.run_steps(points)
    plot = LossPlot(session.training)
    plot.resize(900, 300)
    plot.show()
    app.processEvents()
    assert plot.point_count() == points, plot.point_count()
    viewport = plot.plot.viewport()
    times = []
    for _ in range(30):
        plot.plot.getPlotItem().getViewBox().update()
        started = time.perf_counter()
        viewport.repaint()
        times.append(time.perf_counter() - started)
    plot.close()
    session.shutdown()
    return statistics.median(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.5,
                        help="length of each measurement")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternating headless/window rounds (the median is reported)")
    args = parser.parse_args()
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(Path(os.environ.get("TMPDIR", "/tmp")) / "bench-settings"))
    app = QApplication.instance() or QApplication([])
    playing = PlayingWindow(app)
    number_px = playing.number_px()
    # Alternate, so that a busy machine slows both measurements alike.
    headless, windowed, repaints = [], [], []
    for _ in range(args.rounds):
        headless.append(headless_throughput(args.seconds))
        steps, paints = playing.play(args.seconds)
        windowed.append(steps)
        repaints.append(paints)
    playing.close()
    plot_ms = loss_plot_repaint(app)
    ratios = [w / h for w, h in zip(windowed, headless, strict=True)]
    ratio = statistics.median(ratios)
    print(f"headless trainer:       {statistics.median(headless):12,.0f} steps/s")
    print(f"window open, playing:   {statistics.median(windowed):12,.0f} steps/s  "
          f"({ratio:.0%} of headless, goal >= 50%; rounds: "
          f"{', '.join(f'{r:.0%}' for r in ratios)})")
    print(f"graph repaints:         {statistics.median(repaints):12.1f} per second "
          f"(goal >= 30)")
    print(f"loss plot, 100k points: {plot_ms:12.2f} ms per repaint (goal < 16)")
    print(f"numbers on screen:      {number_px:12.1f} px high at 1600x1000 (goal >= 15)")
    ok = ratio >= 0.5 and statistics.median(repaints) >= 30 and plot_ms < 16 \
        and number_px >= 15
    print("all goals met" if ok else "GOALS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
