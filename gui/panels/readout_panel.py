"""Where training is: epoch, sample, step, the last loss and the last epoch's mean loss."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QGroupBox, QWidget

from gui.formatting import short_number
from gui.graph.value_label import ValueLabel
from gui.session.training_session import TrainingSession
from gui.snapshot import Snapshot


class ReadoutPanel(QGroupBox):
    """Numbers that describe the training state, refreshed with every snapshot."""

    def __init__(self, session: TrainingSession, parent: QWidget | None = None) -> None:
        super().__init__("Now", parent)
        self.labels: dict[str, ValueLabel] = {}
        layout = QFormLayout(self)
        for key, title in (("epoch", "epoch"), ("sample", "this epoch"), ("step", "steps"),
                           ("loss", "last loss"), ("epoch_loss", "last epoch mean"),
                           ("shown_loss", "loss of shown sample")):
            label = ValueLabel("100000 of 100000")
            label.setObjectName(f"readout_{key}")
            self.labels[key] = label
            layout.addRow(title, label)
        session.readouts_updated.connect(self.show_snapshot)
        self.show_snapshot(session.snapshot())

    def show_snapshot(self, snapshot: Snapshot) -> None:
        n = snapshot.history.n_samples  # the training rows, without held-out ones
        epoch = snapshot.epoch_shown
        self.labels["epoch"].setText(f"{epoch} of {snapshot.epochs}")
        if snapshot.divergence is not None:
            self.labels["sample"].setText("— (diverged)")
        elif snapshot.finished:
            self.labels["sample"].setText("— (finished)")
        else:
            # A count, like epochs ("2 of 20"); sample numbers elsewhere are data rows.
            self.labels["sample"].setText(f"{snapshot.position} of {n} trained")
        self.labels["step"].setText(f"{snapshot.step}")
        self.labels["loss"].setText("—" if snapshot.last_loss is None
                                    else short_number(snapshot.last_loss, 6))
        self.labels["epoch_loss"].setText("—" if snapshot.epoch_loss is None
                                          else short_number(snapshot.epoch_loss, 6))
        self.labels["shown_loss"].setText(short_number(snapshot.trace.loss, 6))
