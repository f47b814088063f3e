"""The control column on the right: model, optimizer, training, sample, readouts."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.autodiff.formula import FormulaError
from core.autodiff.graph import Graph
from core.data.datasets import Dataset
from core.presets import PRESETS
from gui.actions import TrainingActions
from gui.files.presets_menu import apply_preset
from gui.panels.formula_editor import FormulaEditor
from gui.panels.holdout_box import HoldoutBox
from gui.panels.loss_box import LossBox
from gui.panels.readout_panel import ReadoutPanel
from gui.panels.sample_navigator import SampleNavigator
from gui.panels.training_controls import OptimizerBox, TrainingBox
from gui.plain_text import plain_label
from gui.session import Session
from gui.session.training_session import TrainingSession

CUSTOM = "custom"


class ModelBox(QGroupBox):
    """Which graph (a preset) and which data."""

    def __init__(self, session: TrainingSession, open_data: QAction,
                 parent: QWidget | None = None) -> None:
        super().__init__("Model", parent)
        self.session = session
        self._graph_name: str | None = None
        self.graph_combo = QComboBox()
        self.graph_combo.setObjectName("graph_combo")
        # Preset titles are long: the combo does not widen the control column for them.
        self.graph_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.graph_combo.setMinimumContentsLength(16)
        for name, preset in PRESETS.items():
            self.graph_combo.addItem(preset.title or name, name)
            self.graph_combo.setItemData(self.graph_combo.count() - 1, preset.description,
                                         Qt.ItemDataRole.ToolTipRole)
        self.formula_editor = FormulaEditor(session)
        self.data_label = plain_label(QLabel())  # the file's path and column names
        self.data_label.setObjectName("data_label")
        self.data_label.setWordWrap(True)
        # The column names wrap to the column's width rather than widening it.
        self.data_label.setSizePolicy(QSizePolicy.Policy.Ignored,
                                      QSizePolicy.Policy.Preferred)
        open_button = QToolButton()
        open_button.setDefaultAction(open_data)
        open_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        data_row = QHBoxLayout()
        data_row.addWidget(self.data_label, 1)
        data_row.addWidget(open_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.graph_combo)
        layout.addWidget(self.formula_editor)
        layout.addLayout(data_row)
        self.graph_combo.activated.connect(self._on_chosen)
        session.graph_changed.connect(self._on_graph_changed)
        session.dataset_changed.connect(self._on_dataset_changed)
        self._on_graph_changed(session.graph)
        self._on_dataset_changed(session.dataset)

    def _on_chosen(self, index: int) -> None:
        name = self.graph_combo.itemData(index)
        if name in (CUSTOM, self._graph_name):
            return
        try:
            apply_preset(self.session, PRESETS[name])
        except (FormulaError, ValueError) as problem:
            self.session.report(str(problem))
            self._on_graph_changed(self.session.graph)

    def _on_graph_changed(self, graph: Graph) -> None:
        self._graph_name = graph.name
        name = graph.name if graph.name in PRESETS else CUSTOM
        index = self.graph_combo.findData(name)
        if index < 0:
            self.graph_combo.addItem("custom formula", CUSTOM)
            index = self.graph_combo.count() - 1
        self.graph_combo.blockSignals(True)
        self.graph_combo.setCurrentIndex(index)
        self.graph_combo.blockSignals(False)
        preset = PRESETS.get(graph.name)
        shown = preset.display_formula if preset and preset.display_formula else graph.formula
        if len(shown) > 400:
            shown = shown[:397] + "…"
        self.formula_editor.text.setToolTip(f"y' = {shown}")

    def _on_dataset_changed(self, dataset: Dataset) -> None:
        names = ", ".join(dataset.feature_names)
        if len(names) > 80:
            names = names[:77] + "…"
        self.data_label.setText(f"data: {dataset.display_name}\n{len(dataset)} samples, "
                                f"{dataset.n_features} features: {names} → "
                                f"{dataset.target_name}")


class SidePanel(QScrollArea):
    """Everything that drives training, stacked in a scrollable column."""

    def __init__(self, session: Session, actions: TrainingActions, open_data: QAction,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("side_panel")
        training = session.training
        self.model_box = ModelBox(training, open_data)
        self.loss_box = LossBox(training)
        self.optimizer_box = OptimizerBox(training)
        self.training_box = TrainingBox(session, actions)
        self.holdout_box = HoldoutBox(training)
        self.navigator = SampleNavigator(training)
        self.readout = ReadoutPanel(training)
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(6, 6, 6, 6)
        # The loss and held-out boxes come after Training: at 1280x720 the optimizer, the
        # training buttons and the speed slider stay in view without scrolling.
        for box in (self.model_box, self.optimizer_box, self.training_box, self.loss_box,
                    self.holdout_box, self.navigator, self.readout):
            layout.addWidget(box)
        layout.addStretch(1)
        self.setWidget(content)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumWidth(content.sizeHint().width() + 20)
