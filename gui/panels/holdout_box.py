"""Held-out data in the window: a fraction of the rows kept out of training, and early
stopping on their loss (:mod:`core.training.holdout`).

Both fields are off by default (their lowest value reads "off").  A change applies on
Enter, on the arrows or when the field loses focus, and starts training over (the loss
curves belong to one split); a split that would leave no row for training is refused in
the status bar and the fields go back to what the run uses.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QLabel,
    QSpinBox,
    QWidget,
)

from core.data.datasets import DataError
from core.training.config import ConfigError
from core.training.holdout import MAX_PATIENCE
from gui.number_spin_box import NumberSpinBox
from gui.session.holdout_settings import set_holdout
from gui.session.training_session import TrainingSession

#: The largest fraction the field offers (the config allows anything below 1).
MAX_FRACTION = 0.95


class HoldoutBox(QGroupBox):
    """Hold out [off] of the rows / Early stop after [off] epochs without improvement."""

    def __init__(self, session: TrainingSession, parent: QWidget | None = None) -> None:
        super().__init__("Held-out data", parent)
        self.setObjectName("holdout_box")
        self.session = session
        self.fraction = NumberSpinBox()
        self.fraction.setObjectName("holdout_spin")
        self.fraction.setRange(0.0, MAX_FRACTION)
        self.fraction.setDecimals(2)
        self.fraction.setSingleStep(0.05)
        self.fraction.setSpecialValueText("off")
        self.fraction.setKeyboardTracking(False)
        self.fraction.setToolTip("Keep this share of the rows (chosen by the seed) out of "
                                 "training; the loss plot shows their mean loss after each "
                                 "epoch (starts training over)")
        self.patience = QSpinBox()
        self.patience.setObjectName("early_stop_spin")
        self.patience.setRange(0, MAX_PATIENCE)
        self.patience.setSpecialValueText("off")
        self.patience.setKeyboardTracking(False)
        self.patience.setToolTip("Stop when the held-out loss has not improved for this "
                                 "many epochs (needs held-out rows)")
        layout = QGridLayout(self)
        # The words after the fields wrap: the side column stays as narrow as the other
        # boxes need (one line of 'epochs without improvement' widened it by 56 px).
        after = [QLabel("of the rows"), QLabel("epochs without improvement")]
        for label in after:
            label.setWordWrap(True)
        layout.addWidget(QLabel("Hold out"), 0, 0)
        layout.addWidget(self.fraction, 0, 1)
        layout.addWidget(after[0], 0, 2)
        layout.addWidget(QLabel("Early stop after"), 1, 0)
        layout.addWidget(self.patience, 1, 1)
        layout.addWidget(after[1], 1, 2)
        layout.setColumnStretch(2, 1)
        self.fraction.valueChanged.connect(lambda _value: self.apply())
        self.patience.valueChanged.connect(lambda _value: self.apply())
        session.training_restarted.connect(self.show_config)
        self.show_config()

    def chosen(self) -> tuple[float | None, int | None]:
        """The fields' values (``None``: off)."""
        fraction = round(self.fraction.value(), 2)
        patience = self.patience.value()
        return (fraction or None), (patience or None) if fraction else None

    def apply(self) -> None:
        """Send both fields to the session; a split that does not fit is refused."""
        holdout, early_stop = self.chosen()
        try:
            set_holdout(self.session, holdout, early_stop)
        except (ConfigError, DataError) as problem:
            self.session.report(f"{problem}; not applied")
        self.show_config()

    def show_config(self) -> None:
        """Show what the run uses (without sending it back)."""
        config = self.session.config
        self.fraction.blockSignals(True)
        self.patience.blockSignals(True)
        self.fraction.setValue(config.holdout or 0.0)
        self.patience.setValue(config.early_stop or 0)
        self.fraction.blockSignals(False)
        self.patience.blockSignals(False)
        self.patience.setEnabled(config.holdout is not None)
