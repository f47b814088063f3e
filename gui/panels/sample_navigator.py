"""Which sample the graph shows: a spin box and a slider, plus that sample's x and y.

"Follow training" (on by default) shows the sample that will be trained next; choosing a
sample by hand turns it off, and the graph then shows that sample at the current weights.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.data.datasets import Dataset
from gui.bridge import TrainingBridge
from gui.formatting import short_number
from gui.graph.value_label import ValueLabel

FEATURES_PER_LINE = 3


class SampleNavigator(QGroupBox):
    """Choose the shown sample; see its features and target."""

    def __init__(self, bridge: TrainingBridge, parent: QWidget | None = None) -> None:
        super().__init__("Sample shown", parent)
        self.bridge = bridge
        self.spin = QSpinBox()
        self.spin.setObjectName("sample_spin")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("sample_slider")
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.follow = QCheckBox("follow training")
        self.follow.setObjectName("follow_check")
        self.follow.setToolTip("Show the sample that will be trained next")
        self.follow.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.values = ValueLabel("x1 = −0.0001234", lines=3)
        self.values.setObjectName("sample_values")
        row = QHBoxLayout()
        row.addWidget(self.spin)
        row.addWidget(self.slider, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.follow)
        layout.addWidget(self.values)

        self.spin.valueChanged.connect(self._on_chosen)
        self.slider.valueChanged.connect(self._on_chosen)
        self.follow.toggled.connect(bridge.set_follow_training)
        bridge.dataset_changed.connect(self._on_dataset_changed)
        bridge.graph_changed.connect(lambda _graph: self._on_dataset_changed(bridge.dataset))
        bridge.readouts_updated.connect(lambda snapshot: self._on_sample_shown(snapshot.sample))
        bridge.follow_changed.connect(self._on_follow_changed)
        self._on_dataset_changed(bridge.dataset)
        self._on_follow_changed(bridge.follow_training)

    def _on_dataset_changed(self, dataset: Dataset) -> None:
        last = max(len(dataset) - 1, 0)
        used = max(self.bridge.graph.n_inputs, 1)
        self.values.set_lines(-(-used // FEATURES_PER_LINE) + 1)
        for widget in (self.spin, self.slider):
            widget.blockSignals(True)
            widget.setRange(0, last)
            widget.blockSignals(False)
        self._on_sample_shown(self.bridge.shown_sample)

    def _on_chosen(self, index: int) -> None:
        if index != self.bridge.shown_sample or self.bridge.follow_training:
            self.bridge.show_sample(index)

    def _on_sample_shown(self, index: int) -> None:
        for widget in (self.spin, self.slider):
            if widget.value() != index:
                widget.blockSignals(True)
                widget.setValue(index)
                widget.blockSignals(False)
        dataset = self.bridge.dataset
        if not 0 <= index < len(dataset):
            self.values.setText("")
            return
        x, y = dataset.row(index)
        used = max(self.bridge.graph.n_inputs, 1)
        parts = [f"{name} = {short_number(float(v))}"
                 for name, v in zip(dataset.feature_names[:used], x[:used], strict=False)]
        rows = ["   ".join(parts[i:i + FEATURES_PER_LINE])
                for i in range(0, len(parts), FEATURES_PER_LINE)]
        self.values.setText("\n".join([*rows, f"{dataset.target_name} = {short_number(y)}"]))

    def _on_follow_changed(self, follow: bool) -> None:
        if self.follow.isChecked() != follow:
            self.follow.blockSignals(True)
            self.follow.setChecked(follow)
            self.follow.blockSignals(False)
