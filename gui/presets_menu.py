"""The Presets menu: one entry per preset file, each loading the graph with its own data,
its initial weights and the training settings it suits."""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QWidget

from core.autodiff.graph import Graph
from core.presets import PRESETS, Preset
from gui.bridge import TrainingBridge


def apply_preset(bridge: TrainingBridge, preset: Preset) -> None:
    """Train ``preset``: its graph on its dataset, from its initial weights (or the seed's),
    with its optimizer, hyperparameters and epochs.

    Raises
    ------
    ValueError
        (DataError, HyperparameterError, FormulaError) if the preset cannot be used; the
        bridge is then unchanged.
    """
    graph = preset.build()
    bridge.set_model(graph, preset.dataset(), initial_weights=preset.start_weights(graph),
                     optimizer=preset.optimizer, hyperparameters=preset.hyperparameters,
                     epochs=preset.epochs)
    bridge.status_reported.emit(f"Preset {preset.title or preset.name}: "
                                f"{preset.description}")


class PresetsMenu(QMenu):
    """Presets > one checkable entry per preset; the current graph's preset is checked."""

    def __init__(self, bridge: TrainingBridge, parent: QWidget | None = None) -> None:
        super().__init__("&Presets", parent)
        self.setObjectName("presets_menu")
        self.bridge = bridge
        self.group = QActionGroup(self)
        self.entries: dict[str, QAction] = {}
        for name, preset in PRESETS.items():
            action = QAction(preset.title or name, self)
            action.setCheckable(True)
            action.setToolTip(preset.description)
            action.setStatusTip(preset.description)
            action.setData(name)
            action.triggered.connect(lambda _checked=False, p=preset: self._chosen(p))
            self.group.addAction(action)
            self.addAction(action)
            self.entries[name] = action
        bridge.graph_changed.connect(self._on_graph_changed)
        self._on_graph_changed(bridge.graph)

    def _chosen(self, preset: Preset) -> None:
        try:
            apply_preset(self.bridge, preset)
        except ValueError as problem:
            self.bridge.status_reported.emit(f"Cannot load preset {preset.name}: {problem}")
            self._on_graph_changed(self.bridge.graph)

    def _on_graph_changed(self, graph: Graph) -> None:
        for name, action in self.entries.items():
            action.setChecked(name == graph.name)
