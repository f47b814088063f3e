"""The window's session: the Qt objects between the core and the widgets, one job each.

- :mod:`gui.session.training_session` — :class:`TrainingSession` owns the trainer and its
  settings, trains when asked and publishes immutable snapshots (:mod:`gui.snapshot`), as
  a facade over its parts: the run's course (:mod:`gui.session.course`), its settings
  (:mod:`gui.session.configuration`), time travel and forks
  (:mod:`gui.session.time_travel`), the snapshot publisher
  (:mod:`gui.session.snapshot_publisher`) and the status bar's words
  (:mod:`gui.session.status_words`);
- :mod:`gui.session.play_loop` — :class:`PlayLoop` plays: time-budgeted batches from a
  ``QTimer`` at a chosen speed;
- :mod:`gui.session.rate_limiter` — :class:`RateLimiter`, the one bound on how often
  anything redraws;
- :mod:`gui.session.comparison_runner` — :class:`ComparisonRunner` compares optimizers in
  a worker thread (:mod:`gui.session.compare_worker`).

:class:`Session` only holds the three together, so the window (and features built on it)
get them as one object and shut them down together.  Data flows one way: widgets call
the pieces' methods and redraw from their signals; they never talk to each other.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from core.autodiff.graph import Graph
from core.data.datasets import Dataset
from core.training.config import TrainingConfig
from gui.session.comparison_runner import ComparisonRunner
from gui.session.play_loop import PlayLoop
from gui.session.training_session import TrainingSession

__all__ = ["ComparisonRunner", "PlayLoop", "Session", "TrainingSession"]


class Session(QObject):
    """The training session, its play loop and its comparison runner.

    Parameters are those of :class:`TrainingSession`.

    Attributes
    ----------
    training
        The :class:`TrainingSession` (trainer, settings, snapshots).
    play
        The :class:`PlayLoop` that plays it.
    comparison
        The :class:`ComparisonRunner` that compares optimizers on it.
    """

    def __init__(self, config: TrainingConfig | None = None, graph: Graph | None = None,
                 dataset: Dataset | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.training = TrainingSession(config, graph, dataset, parent=self)
        self.play = PlayLoop(self.training, self)
        self.comparison = ComparisonRunner(self.training, self)

    def shutdown(self) -> None:
        """Stop timers and threads (the window is closing)."""
        self.play.shutdown()
        self.comparison.shutdown()
        self.training.shutdown()
