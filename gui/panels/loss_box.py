"""The loss in the window: which loss is on top of the graph, Huber's δ, and with binary
cross-entropy how many rows the model gets right (:mod:`core.autodiff.losses`).

Choosing a loss starts training over (the loss curve belongs to one loss); data whose
targets cannot train it (cross-entropy needs 0 and 1) is refused in the status bar and
the choice goes back to what the run uses.  The δ field is shown for Huber only, the
accuracy for cross-entropy only.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QWidget,
)

from core.autodiff.losses import LOSSES
from core.data.datasets import DataError
from core.training.config import ConfigError
from core.training.metrics import accuracy, predictions
from gui.number_spin_box import NumberSpinBox
from gui.session.training_session import TrainingSession
from gui.snapshot import Snapshot

#: What the combo shows for each loss.
TITLES = {"mse": "squared error (y − y')²", "mae": "absolute error |y − y'|",
          "huber": "Huber, δ", "bce": "cross-entropy (y' a logit)"}


class LossBox(QGroupBox):
    """Loss [squared error ▾]; δ [1.0] for Huber; accuracy 96.7 % for cross-entropy."""

    def __init__(self, session: TrainingSession, parent: QWidget | None = None) -> None:
        super().__init__("Loss", parent)
        self.setObjectName("loss_box")
        self.session = session
        self.combo = QComboBox()
        self.combo.setObjectName("loss_combo")
        for name in LOSSES:
            self.combo.addItem(TITLES[name], name)
            self.combo.setItemData(self.combo.count() - 1, f"{name}: {LOSSES[name]}",
                                   Qt.ItemDataRole.ToolTipRole)
        self.combo.setToolTip("The loss on top of the graph (starts training over)")
        self.delta = NumberSpinBox()
        self.delta.setObjectName("delta_spin")
        self.delta.setDecimals(3)
        self.delta.setRange(0.001, 1e6)
        self.delta.setSingleStep(0.1)
        self.delta.setKeyboardTracking(False)
        self.delta.setToolTip("Huber's δ: ½r² for |r| ≤ δ, δ(|r| − ½δ) beyond; its "
                              "derivative is r clipped to [−δ, δ]")
        self.accuracy = QLabel()
        self.accuracy.setObjectName("accuracy_label")
        self.accuracy.setToolTip("Rows where y' > 0 agrees with y = 1, at the current "
                                 "weights")
        layout = QFormLayout(self)
        layout.addRow("Loss", self.combo)
        layout.addRow("δ", self.delta)
        layout.addRow("Accuracy", self.accuracy)
        self._layout = layout
        self.combo.activated.connect(lambda _index: self.apply())
        self.delta.valueChanged.connect(lambda _value: self.apply())
        session.training_restarted.connect(self.show_config)
        session.readouts_updated.connect(self.show_snapshot)
        self.show_config()
        self.show_snapshot(session.snapshot())

    def chosen(self) -> tuple[str, float]:
        """The loss and δ the fields show."""
        return str(self.combo.currentData()), float(self.delta.value())

    def apply(self) -> None:
        """Train with the chosen loss; data it cannot train on is refused."""
        loss, delta = self.chosen()
        config = self.session.config
        if (loss, delta) == (config.loss, config.delta) or \
                (loss == config.loss != "huber"):
            return
        try:
            self.session.set_config(config.replace(loss=loss, delta=delta),
                                    message=f"Loss: {LOSSES[loss]}; training starts over")
        except (ConfigError, DataError) as problem:
            self.session.report(f"{problem}; the loss stays {config.loss}")
        self.show_config()

    def show_config(self) -> None:
        """Show what the run uses (without sending it back)."""
        config = self.session.config
        self.combo.blockSignals(True)
        self.delta.blockSignals(True)
        self.combo.setCurrentIndex(self.combo.findData(config.loss))
        self.delta.setValue(config.delta)
        self.combo.blockSignals(False)
        self.delta.blockSignals(False)
        self._layout.setRowVisible(self.delta, config.loss == "huber")
        self._layout.setRowVisible(self.accuracy, config.loss == "bce")
        self.show_snapshot(self.session.snapshot())

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """With cross-entropy, the accuracy over every row at the snapshot's weights."""
        if self.session.config.loss != "bce":
            return
        data = snapshot.dataset
        value = accuracy(predictions(snapshot.graph, data.X, snapshot.weights), data.y)
        self.accuracy.setText("–" if math.isnan(value) else
                              f"{100.0 * value:.1f} % of {len(data):,} rows")

