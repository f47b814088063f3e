"""Time travel along the loss curve: a timeline slider, Back to now, and forks.

Dragging the slider (or clicking a point on the loss curve) shows the graph exactly as it
was after that step: weights, values, gradients and optimizer state, rebuilt from the
nearest checkpoint.  "Resume from here" forks the run there, optionally with another
optimizer or learning rate, on the same sample order; the original curve stays drawn and
"Discard fork" goes back to it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QWidget,
)

from core.inputs import parse_number
from core.training.checkpoint import CheckpointError
from core.training.optimizers import OPTIMIZERS, HyperparameterError
from gui.session.training_session import TrainingSession
from gui.snapshot import Snapshot

SAME = ""


class TimelineBar(QWidget):
    """step [slider] K  Back to now  Resume from here [optimizer] lr [ ]  Discard fork."""

    def __init__(self, session: TrainingSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("timeline_slider")
        self.slider.setRange(0, 0)
        self.slider.setToolTip("Drag to see the graph as it was after that step")
        self.label = QLabel("now")
        self.label.setMinimumWidth(60)
        self.now_button = QPushButton("Back to now")
        self.resume_button = QPushButton("Resume from here")
        self.resume_button.setToolTip("Fork the run at the step shown: train on from there "
                                      "(same sample order), optionally with another "
                                      "optimizer or learning rate")
        self.optimizer = QComboBox()
        self.optimizer.addItem("same optimizer", SAME)
        for name, cls in OPTIMIZERS.items():
            self.optimizer.addItem(cls.title, name)
        self.lr = QLineEdit()
        self.lr.setPlaceholderText("same lr")
        self.lr.setMaximumWidth(70)
        self.discard_button = QPushButton("Discard fork")
        self.optimizer.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.optimizer.setMinimumContentsLength(8)
        # The slider and its label sit in the plot's top row (see slider_row); the
        # buttons in this bar.
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.now_button, self.resume_button, self.optimizer, self.lr,
                       self.discard_button):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.slider.sliderMoved.connect(self.show_step)
        self.slider.valueChanged.connect(
            lambda value: self.show_step(value) if not self.slider.isSliderDown() else None)
        self.now_button.clicked.connect(session.back_to_present)
        self.resume_button.clicked.connect(self.resume)
        self.discard_button.clicked.connect(session.discard_fork)
        session.readouts_updated.connect(self.show_snapshot)
        self.show_snapshot(session.snapshot())

    def slider_row(self) -> QHBoxLayout:
        """``step [slider] K``, for the row above the plot."""
        row = QHBoxLayout()
        row.addWidget(QLabel("step"))
        row.addWidget(self.slider, 1)
        row.addWidget(self.label)
        return row

    def show_step(self, step: int) -> bool:
        """Show the graph after ``step`` steps (the present when ``step`` is the last)."""
        trainer = self.session.trainer
        if step >= trainer.cursor.step:
            self.session.back_to_present()
            return True
        try:
            self.session.view_step(step)
        except CheckpointError as problem:
            self.session.report(f"Cannot show step {step}: {problem}")
            return False
        return True

    def resume(self) -> bool:
        """Fork at the step shown (the present if none), with the chosen settings."""
        viewing = self.session.viewing
        step = self.session.trainer.cursor.step if viewing is None else viewing.checkpoint.step
        optimizer = self.optimizer.currentData() or None
        values: dict[str, float] = {}
        text = self.lr.text().strip()
        try:
            if text:
                values["lr"] = parse_number(text, "lr")
            self.session.resume_from(step, optimizer, values)
        except (ValueError, HyperparameterError, CheckpointError) as problem:
            self.session.report(f"Cannot resume from step {step}: {problem}")
            return False
        return True

    def show_snapshot(self, snapshot: Snapshot) -> None:
        last = self.session.trainer.cursor.step
        self.slider.blockSignals(True)
        self.slider.setRange(0, last)
        self.slider.setValue(last if snapshot.viewing is None else snapshot.viewing)
        self.slider.blockSignals(False)
        self.label.setText("now" if snapshot.viewing is None else f"{snapshot.viewing}")
        self.now_button.setEnabled(snapshot.viewing is not None)
        self.discard_button.setEnabled(snapshot.forked_at is not None)
        # The buttons take room from a short plot: shown only while they can act.
        self.setVisible(snapshot.viewing is not None or snapshot.forked_at is not None)
