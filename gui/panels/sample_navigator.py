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

from gui.formatting import short_number
from gui.graph.value_label import ValueLabel
from gui.session.training_session import TrainingSession
from gui.snapshot import Snapshot

FEATURES_PER_LINE = 3


class SampleNavigator(QGroupBox):
    """Choose the shown sample; see its features and target."""

    def __init__(self, session: TrainingSession, parent: QWidget | None = None) -> None:
        super().__init__("Sample shown", parent)
        self.session = session
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
        self.follow.toggled.connect(session.set_follow_training)
        session.readouts_updated.connect(self.show_snapshot)
        session.follow_changed.connect(self._on_follow_changed)
        self._shape: tuple[int, int] = (-1, -1)
        self.show_snapshot(session.snapshot())
        self._on_follow_changed(session.follow_training)

    def _on_chosen(self, index: int) -> None:
        if index != self.session.shown_sample or self.session.follow_training:
            self.session.show_sample(index)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """The snapshot's sample, its features and target."""
        dataset, index = snapshot.dataset, snapshot.sample
        used = max(snapshot.graph.n_inputs, 1)
        if self._shape != (len(dataset), used):
            self._shape = (len(dataset), used)
            self.values.set_lines(-(-used // FEATURES_PER_LINE) + 1)
            for widget in (self.spin, self.slider):
                widget.blockSignals(True)
                widget.setRange(0, max(len(dataset) - 1, 0))
                widget.blockSignals(False)
        for widget in (self.spin, self.slider):
            if widget.value() != index:
                widget.blockSignals(True)
                widget.setValue(index)
                widget.blockSignals(False)
        if not 0 <= index < len(dataset):
            self.values.setText("")
            return
        x, y = dataset.row(index)
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
