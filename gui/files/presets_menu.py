"""The Presets menu: one entry per preset file, each loading the graph with its own data,
its initial weights and the training settings it suits."""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QWidget

from core.autodiff.graph import Graph
from core.presets import PRESETS, Preset
from gui.plain_text import tooltip_text
from gui.session.training_session import TrainingSession


def apply_preset(session: TrainingSession, preset: Preset) -> None:
    """Train ``preset``: its graph on its dataset, from its initial weights (or the seed's),
    with its optimizer, hyperparameters and epochs.

    Raises
    ------
    ValueError
        (DataError, HyperparameterError, FormulaError) if the preset cannot be used; the
        session is then unchanged.
    """
    graph = preset.build()
    session.set_model(graph, preset.dataset(), initial_weights=preset.start_weights(graph),
                     optimizer=preset.optimizer, hyperparameters=preset.hyperparameters,
                     epochs=preset.epochs, loss=preset.loss, delta=preset.delta)
    session.report(f"Preset {preset.title or preset.name}: "
                                f"{preset.description}")


class PresetsMenu(QMenu):
    """Presets > one checkable entry per preset; the current graph's preset is checked."""

    def __init__(self, session: TrainingSession, parent: QWidget | None = None) -> None:
        super().__init__("&Presets", parent)
        self.setObjectName("presets_menu")
        self.session = session
        self.group = QActionGroup(self)
        self.entries: dict[str, QAction] = {}
        for name, preset in PRESETS.items():
            action = QAction(preset.title or name, self)
            action.setCheckable(True)
            action.setToolTip(tooltip_text(preset.description))
            action.setStatusTip(preset.description)
            action.setData(name)
            action.triggered.connect(lambda _checked=False, p=preset: self._chosen(p))
            self.group.addAction(action)
            self.addAction(action)
            self.entries[name] = action
        session.graph_changed.connect(self._on_graph_changed)
        self._on_graph_changed(session.graph)

    def _chosen(self, preset: Preset) -> None:
        try:
            apply_preset(self.session, preset)
        except ValueError as problem:
            self.session.report(f"Cannot load preset {preset.name}: {problem}")
            self._on_graph_changed(self.session.graph)

    def _on_graph_changed(self, graph: Graph) -> None:
        for name, action in self.entries.items():
            action.setChecked(name == graph.name)
