"""File > Add optimizer…: an optimizer written as formulas, read from a JSON file.

The file (:mod:`core.training.optimizer_files`) is read and checked, its optimizer is
registered by name and trained with at once: the side panel's optimizer list gains it.
A file that cannot be used is a visible message, and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QWidget

from core.training.config import TrainingConfig
from core.training.hyperparameters import HyperparameterError
from core.training.optimizers import (
    FOLDER,
    OPTIMIZERS,
    forget_optimizer,
    load_optimizer_file,
    register_optimizer,
)
from core.training.session_file import Change

OPTIMIZER_FILTER = "Optimizers (*.json);;All files (*)"


class OptimizerChoice(Protocol):
    """What the action needs of the training session."""

    @property
    def config(self) -> TrainingConfig: ...

    @property
    def base_config(self) -> TrainingConfig: ...

    @property
    def changes(self) -> tuple[Change, ...]: ...

    def set_optimizer(self, name: str) -> None: ...

    def set_config(self, config: TrainingConfig, *, message: str | None = None) -> None: ...


class AddOptimizerAction(QObject):
    """The action, bound to the session.

    Parameters
    ----------
    session
        Trains with the new optimizer (``set_optimizer``).
    report
        ``report(title, text)``: a problem in a dialog (with its title), or with an empty
        title a line in the status bar.
    parent
        The widget the file dialog belongs to.
    """

    def __init__(self, session: OptimizerChoice, report: Callable[[str, str], None],
                 parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.report = report
        self.parent_widget = parent
        self.action = QAction("Add &optimizer…", self)
        self.action.setObjectName("add_optimizer")
        self.action.setStatusTip("Define an optimizer as formulas from a JSON file (examples: "
                                 "lion.json, signsgd.json) and train with it")
        self.action.triggered.connect(self.choose_file)

    def choose_file(self) -> bool:
        path, _ = QFileDialog.getOpenFileName(self.parent_widget, "Add optimizer",
                                              str(FOLDER), OPTIMIZER_FILTER)
        return bool(path) and self.add_file(path)

    def add_file(self, path: str) -> bool:
        """Read, check and register the optimizer in ``path`` and train with it; on a
        problem, say so and change nothing.  Whether it was added."""
        session = self.session
        before = dict(OPTIMIZERS)
        try:
            cls = load_optimizer_file(path)
        except HyperparameterError as problem:  # OptimizerFileError too
            self.report("Cannot add this optimizer", str(problem))
            return False
        old = before.get(cls.name)
        # A run that trained with the optimizer as defined before cannot go on with the
        # new rule under the same name: its session would replay the new rule from step 0
        # and never reopen.  It starts over with the new definition instead.
        redefined = old is not None and not old.built_in \
            and dict(old.definition) != dict(cls.definition) \
            and cls.name in {session.base_config.optimizer,
                             *(change.optimizer for change in session.changes)}
        over = f"; the run trained with the earlier {cls.name}: training starts over"
        try:
            if redefined:
                session.set_config(session.config.replace(optimizer=cls.name),
                                   message=over.removeprefix("; "))
            else:
                session.set_optimizer(cls.name)
        except HyperparameterError as problem:  # ConfigError: nothing changes
            if old is None:
                forget_optimizer(cls.name)
            else:
                register_optimizer(old)
            self.report("Cannot add this optimizer", str(problem))
            return False
        self.report("", f"Added the optimizer {cls.title} ({cls.name}): {cls.formula}"
                        + (over if redefined else ""))
        return True
