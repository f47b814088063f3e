"""Optimizer choice, hyperparameters, seed, epochs, the training buttons and the speed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.training.hyperparameters import EPOCHS, SEED
from core.training.optimizers import OPTIMIZERS
from gui.actions import TrainingActions
from gui.panels.hyperparameter_form import HyperparameterForm
from gui.panels.schedule_row import ScheduleRow
from gui.session import Session
from gui.session.training_session import TrainingSession
from gui.speed import SLIDER_MAX, position_of, speed_at, speed_text
from gui.wrapping import breakable


class OptimizerBox(QGroupBox):
    """Optimizer selector and its hyperparameter fields."""

    def __init__(self, session: TrainingSession, parent: QWidget | None = None) -> None:
        super().__init__("Optimizer", parent)
        self.session = session
        self._name = session.optimizer_name
        self.combo = QComboBox()
        self.combo.setObjectName("optimizer_combo")
        for name, cls in OPTIMIZERS.items():
            self.combo.addItem(cls.title, name)
            self.combo.setItemData(self.combo.count() - 1, cls.formula,
                                   Qt.ItemDataRole.ToolTipRole)
        self.rule = QLabel()
        self.rule.setWordWrap(True)
        self.rule.setTextFormat(Qt.TextFormat.PlainText)  # a file's rule is the user's text
        # A file's rule may be one long run: break it anywhere, never widen the window.
        self.rule.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.rule.setProperty("role", "muted")
        self.form = HyperparameterForm(session)
        layout = QVBoxLayout(self)
        layout.addWidget(self.combo)
        layout.addWidget(self.rule)
        layout.addWidget(self.form)
        self.combo.currentIndexChanged.connect(self._on_chosen)
        session.optimizer_changed.connect(self._on_optimizer_changed)
        self._on_optimizer_changed(session.optimizer_name, session.hyperparameters)

    def _on_chosen(self, index: int) -> None:
        name = self.combo.itemData(index)
        if name and name != self._name:
            self.session.set_optimizer(name)

    def _on_optimizer_changed(self, name: str, _values: object) -> None:
        self._name = name
        if self.combo.findData(name) < 0 and name in OPTIMIZERS:  # one added from a file
            self.combo.addItem(OPTIMIZERS[name].title, name)
            self.combo.setItemData(self.combo.count() - 1, OPTIMIZERS[name].formula,
                                   Qt.ItemDataRole.ToolTipRole)
        index = self.combo.findData(name)
        if index != self.combo.currentIndex():
            self.combo.blockSignals(True)
            self.combo.setCurrentIndex(index)
            self.combo.blockSignals(False)
        self.rule.setText(breakable(OPTIMIZERS[name].formula))


class TrainingBox(QGroupBox):
    """Seed, epochs, Step / Epoch / Play / Reset, and the playing speed."""

    def __init__(self, session: Session, actions: TrainingActions,
                 parent: QWidget | None = None) -> None:
        super().__init__("Training", parent)
        training, play = session.training, session.play
        self.seed = QSpinBox()
        self.seed.setObjectName("seed_spin")
        self.seed.setRange(SEED.low, SEED.high)
        self.seed.setValue(training.seed)
        self.seed.setToolTip("Initial weights ~ N(0, 0.01) drawn from this seed "
                             "(changing it starts training over)")
        self.epochs = QSpinBox()
        self.epochs.setObjectName("epochs_spin")
        self.epochs.setRange(EPOCHS.low, EPOCHS.high)
        self.epochs.setValue(training.epochs)
        self.epochs.setToolTip("Passes over the data (changing it starts training over)")
        for spin in (self.seed, self.epochs):
            # Applied on Enter, focus loss or the arrows: typing 120 is not 1, 12, 120.
            spin.setKeyboardTracking(False)
        numbers = QHBoxLayout()
        for title, spin in (("seed", self.seed), ("epochs", self.epochs)):
            numbers.addWidget(QLabel(title))
            numbers.addWidget(spin, 1)

        buttons = QGridLayout()
        self.buttons: dict[str, QToolButton] = {}
        for i, (key, action) in enumerate((("step", actions.step_sample),
                                           ("epoch", actions.step_epoch),
                                           ("play", actions.play),
                                           ("reset", actions.reset))):
            button = QToolButton()
            button.setObjectName(f"{key}_button")
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.setMinimumHeight(34)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            buttons.addWidget(button, i // 2, i % 2)
            self.buttons[key] = button

        self.speed = QSlider(Qt.Orientation.Horizontal)
        self.speed.setObjectName("speed_slider")
        self.speed.setRange(0, SLIDER_MAX)
        self.speed.setValue(position_of(play.speed))
        self.speed.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.speed_label = QLabel(speed_text(play.speed))
        self.speed_label.setMinimumWidth(90)
        speed_row = QHBoxLayout()
        speed_row.addWidget(QLabel("speed"))
        speed_row.addWidget(self.speed, 1)
        speed_row.addWidget(self.speed_label)

        self.schedule = ScheduleRow(training)
        layout = QVBoxLayout(self)
        layout.addLayout(numbers)
        layout.addWidget(self.schedule)
        layout.addLayout(buttons)
        layout.addLayout(speed_row)

        self.seed.valueChanged.connect(training.set_seed)
        self.epochs.valueChanged.connect(training.set_epochs)
        self.speed.valueChanged.connect(lambda position: play.set_speed(speed_at(position)))
        training.seed_changed.connect(lambda value: self._set_quietly(self.seed, value))
        training.epochs_changed.connect(lambda value: self._set_quietly(self.epochs, value))
        play.speed_changed.connect(self._on_speed_changed)

    @staticmethod
    def _set_quietly(widget: QSpinBox | QSlider, value: int) -> None:
        if widget.value() != value:
            widget.blockSignals(True)
            widget.setValue(value)
            widget.blockSignals(False)

    def _on_speed_changed(self, speed: float) -> None:
        self._set_quietly(self.speed, position_of(speed))
        self.speed_label.setText(speed_text(speed))
