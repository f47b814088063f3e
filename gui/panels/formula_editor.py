"""The formula editor: type a prediction formula, see it checked as you type, apply it.

Every edit resolves the text against the current data's columns with
:func:`core.training.resolution.resolve_model` (nothing is evaluated), the same step the
session uses whenever the data, the formula or the target changes, and the same step Apply
decides by, so what the text says while typing is what Apply does:

- an error (it does not parse, or reads a column the data lacks, like ``x9`` on 5
  columns) is marked in the text with a red wavy underline and described under it
  ("column 7: invalid syntax"); Apply is disabled;
- a warning (a weight named like a data column, "heigth: did you mean the column
  height?", or a prediction that reads no column) is marked in amber; Apply asks about the
  names ("Use height" / "Keep heigth as a weight" / Cancel) and applies;
- otherwise it says how many weights and feature columns the formula has.

Enter or Apply rebuilds the graph, its controls and its layout (through the training
session); Shift+Enter starts a new line (a formula may name its steps on lines of their
own).  The data's column names (a CSV header's) may be used like ``x1..xN``.
"""

from __future__ import annotations

import re
from html import escape
from typing import Literal

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QKeyEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QAbstractButton,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from core.autodiff.formula import FormulaError
from core.autodiff.graph import Graph
from core.autodiff.name_check import NameWarning
from core.data.datasets import DataError
from core.training.resolution import (
    BeyondDataError,
    Resolution,
    name_positions,
    rename,
    resolve_model,
    same_model,
)
from gui.session.training_session import TrainingSession
from gui.theme import current_theme

#: Characters of the formula shown on each side of an error in the message.
EXCERPT = 24
Verdict = Literal["ok", "warning", "error"]


class _FormulaText(QPlainTextEdit):
    """A few wrapped lines; Enter applies, Shift+Enter starts a new line."""

    def __init__(self, editor: FormulaEditor) -> None:
        super().__init__()
        self._editor = editor

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.textCursor().insertText("\n")
            else:
                self._editor.apply()
            event.accept()
            return
        super().keyPressEvent(event)


class FormulaEditor(QWidget):
    """Edits the prediction y' of the session's graph.

    Notes
    -----
    After each edit: :attr:`verdict` (``ok``, ``warning`` or ``error``),
    :attr:`resolution` (``None`` on an error), :attr:`warnings` (one line each).  While
    Apply asks about names, :attr:`question` is the open message box.
    """

    def __init__(self, session: TrainingSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        #: The theme the verdict and the marks are coloured in.
        self._status_theme = current_theme()
        self._marked: tuple[list[tuple[int, int]], str] = ([], "")
        #: The text resolved against the current data, or ``None`` when it cannot be.
        self.resolution: Resolution | None = None
        self.verdict: Verdict = "ok"
        #: The warnings shown under the text, one line each.
        self.warnings: tuple[str, ...] = ()
        #: The 1-based column of the current problem in the text as typed, or ``None``.
        self.error_column: int | None = None
        #: (weight, column) pairs the user chose to keep as weights.
        self.kept: set[tuple[str, str]] = set()
        #: Apply's question about names close to columns, while it is open.
        self.question: QMessageBox | None = None
        self.text = _FormulaText(self)
        self.text.setObjectName("formula_edit")
        self.text.setPlaceholderText("y' = e.g. sigmoid(w1*x1 + w2*x2 + b)")
        self.text.setTabChangesFocus(True)
        self.text.setToolTip("Enter applies; Shift+Enter starts a new line")
        line = self.text.fontMetrics().lineSpacing()
        self.text.setFixedHeight(4 * line + 14)
        self.apply_button = QPushButton("Apply")
        self.apply_button.setObjectName("formula_apply")
        self.apply_button.setToolTip("Rebuild the graph from this formula (Enter)")
        self.status = QLabel()
        self.status.setObjectName("formula_status")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        row = QHBoxLayout()
        row.addWidget(QLabel("y' ="))
        row.addStretch(1)
        row.addWidget(self.apply_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.text)
        layout.addWidget(self.status)
        self.text.textChanged.connect(self.check)
        self.apply_button.clicked.connect(self.apply)
        session.graph_changed.connect(self.show_graph)
        session.dataset_changed.connect(lambda _dataset: self.check())
        self.show_graph(session.graph)

    @property
    def parsed(self) -> Graph | None:
        """The graph the current text resolves to, or ``None``."""
        return None if self.resolution is None else self.resolution.graph

    # -- reading the text ---------------------------------------------------------------

    def formula_text(self) -> str:
        """The text as typed, new lines kept."""
        return self.text.toPlainText()

    def check(self) -> Resolution | None:
        """Resolve the text against the data; mark and describe an error or a warning, or
        say what the formula holds."""
        text = self.formula_text()
        try:
            resolution = resolve_model(text, self.session.dataset)
        except FormulaError as problem:
            self._show_problem(text, problem)
            return None
        self.resolution = resolution
        self.error_column = None
        self.apply_button.setEnabled(True)
        pending = self._pending(resolution)
        kept = [w.name for w in resolution.name_warnings if w not in pending]
        self.warnings = resolution.warnings(set(kept))
        self.verdict = "warning" if self.warnings else "ok"
        marks = [(i, len(w.name)) for w in pending for i in name_positions(text, w.name)]
        theme = current_theme()
        self._mark(marks, theme.caution_text)
        note = "" if not kept else f" ({', '.join(kept)} kept as " \
            f"{'weights' if len(kept) > 1 else 'a weight'})"
        summary = escape(resolution.summary() + note, quote=False)
        if self.warnings:
            lines = "<br>".join(f"⚠ {escape(line, quote=False)}" for line in self.warnings)
            self.status.setText(f"<span style='color:{theme.caution_text}'>{lines}</span>"
                                f"<br>{summary}")
        else:
            self.status.setText(f"<span style='color:{theme.ok_text}'>✓ {summary}</span>")
        return resolution

    def _pending(self, resolution: Resolution) -> tuple[NameWarning, ...]:
        """The names close to a column that were not chosen to be kept as weights."""
        return tuple(w for w in resolution.name_warnings if (w.name, w.column) not in self.kept)

    def _show_problem(self, text: str, problem: FormulaError) -> None:
        self.resolution = None
        self.verdict = "error"
        self.warnings = ()
        self.apply_button.setEnabled(False)
        position = _position(text, problem)
        self.error_column = None if position is None else position + 1
        size = len(problem.name) if isinstance(problem, BeyondDataError) else 1
        self._mark([] if position is None else [(position, size)],
                   current_theme().warning_text)
        line = getattr(problem, "line", None)
        if problem.column is None:
            where = ""
        elif line is not None:
            where = f"line {line}, column {problem.column}: "
        else:
            where = f"column {self.error_column}: "
        message = escape(f"{where}{problem.reason}", quote=False)
        self.status.setText(f"<span style='color:{current_theme().warning_text}'>{message}"
                            f"</span>{self._excerpt(text, position)}")

    @staticmethod
    def _excerpt(text: str, position: int | None) -> str:
        """The formula around the problem, the offending character highlighted."""
        if position is None or not text.strip():
            return ""
        i = position
        start, end = max(0, i - EXCERPT), min(len(text), i + EXCERPT)
        before = ("…" if start else "") + text[start:i]
        at = text[i] if i < len(text) else " "
        after = text[i + 1:end] + ("…" if end < len(text) else "")
        theme = current_theme()
        return (f"<br><code>{escape(before)}<span style='background:{theme.error_background};"
                f"color:{theme.warning_text};text-decoration:underline'>{escape(at)}</span>"
                f"{escape(after)}</code>")

    def changeEvent(self, event: QEvent) -> None:
        """On a theme switch (the window gives every widget the new palette), the verdict
        and the marks take the new theme's colours."""
        super().changeEvent(event)
        old, new = getattr(self, "_status_theme", None), current_theme()
        if event.type() != QEvent.Type.PaletteChange or old is None or old is new \
                or not hasattr(self, "status"):
            return
        self._status_theme = new
        roles = ("warning_text", "caution_text", "ok_text", "error_background")
        swap = {getattr(old, role): getattr(new, role) for role in roles}
        pattern = re.compile("|".join(re.escape(colour) for colour in swap))
        self.status.setText(pattern.sub(lambda m: swap[m.group(0)], self.status.text()))
        spans, colour = self._marked
        self._mark(spans, swap.get(colour, colour))

    def _mark(self, spans: list[tuple[int, int]], colour: str) -> None:
        """Underline each (0-based start, length) span of the text, or clear."""
        self._marked = (spans, colour)
        length = len(self.text.toPlainText())
        selections = []
        for start, size in spans:
            selection = QTextEdit.ExtraSelection()
            char_format = QTextCharFormat()
            char_format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            char_format.setUnderlineColor(QColor(colour))
            if colour == current_theme().warning_text:  # an error: on its own ground too
                char_format.setBackground(QColor(current_theme().error_background))
            cursor = QTextCursor(self.text.document())
            position = min(start, max(length - 1, 0))
            cursor.setPosition(position)
            cursor.setPosition(min(position + size, length), QTextCursor.MoveMode.KeepAnchor)
            selection.cursor = cursor
            selection.format = char_format
            selections.append(selection)
        self.text.setExtraSelections(selections)

    # -- applying ------------------------------------------------------------------------

    def apply(self) -> bool:
        """Train the formula's graph (a preset name loads the preset with its data).

        Returns whether the graph changed.  An error is shown under the text; names close
        to a data column open :attr:`question` first (its answer applies, or not).
        """
        resolution = self.check()
        if resolution is None or self.question is not None:
            return False
        pending = self._pending(resolution)
        if pending:
            self._ask(pending)
            return False
        return self._apply(resolution)

    def _apply(self, resolution: Resolution) -> bool:
        session = self.session
        # A preset's formula as shown is that preset (its weights and data stay).
        if same_model(resolution.graph, session.graph, named=resolution.preset is not None):
            return False
        graph = resolution.graph
        try:
            if resolution.preset is not None:
                from gui.files.presets_menu import apply_preset

                apply_preset(session, resolution.preset)
            else:
                session.set_graph(graph)
        except (DataError, ValueError) as problem:
            message = escape(str(problem), quote=False)
            self.status.setText(f"<span style='color:{current_theme().warning_text}'>"
                                f"{message}</span>")
            return False
        warned = f"; warning: {'; '.join(self.warnings)}" if self.warnings else ""
        session.report(f"New graph: {len(graph.weights)} weights; training starts "
                       f"over from fresh initial weights{warned}")
        return True

    def _ask(self, pending: tuple[NameWarning, ...]) -> None:
        """Ask whether names close to a column mean the column (window-modal, answered in
        :meth:`_answered`)."""
        one = len(pending) == 1
        lines = "\n".join(w.message for w in pending)
        names = ", ".join(w.name for w in pending)
        box = QMessageBox(QMessageBox.Icon.Warning, "Weight or data column?", "",
                          QMessageBox.StandardButton.NoButton, self)
        box.setObjectName("name_question")
        box.setTextFormat(Qt.TextFormat.PlainText)  # the names come from a file's header
        box.setText(f"{lines}\n\nAs written, {names} {'is a weight' if one else 'are weights'}"
                    " to train, not data.")
        use = box.addButton(f"Use {pending[0].column}" if one else "Use the columns",
                            QMessageBox.ButtonRole.AcceptRole)
        use.setObjectName("use_columns")
        keep = box.addButton(f"Keep {pending[0].name} as a weight" if one
                             else "Keep them as weights", QMessageBox.ButtonRole.ActionRole)
        keep.setObjectName("keep_weights")
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(use)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        self.question = box
        box.finished.connect(lambda _result: self._answered(box, pending))
        box.open()

    def _answered(self, box: QMessageBox, pending: tuple[NameWarning, ...]) -> None:
        self.question = None
        clicked: QAbstractButton | None = box.clickedButton()
        choice = None if clicked is None else clicked.objectName()
        box.deleteLater()
        if choice == "use_columns":
            text = self.formula_text()
            for warning in pending:
                text = rename(text, warning.name, warning.column)
            self.text.setPlainText(text)  # checked again on the change
            self.apply()
        elif choice == "keep_weights":
            self.kept.update((w.name, w.column) for w in pending)
            self.apply()
        else:
            self.session.report("Not applied: the formula is unchanged")

    def show_graph(self, graph: Graph) -> None:
        """Show the session's graph's formula (after a preset or an Apply)."""
        if self.formula_text().strip() != graph.formula:
            self.text.blockSignals(True)
            self.text.setPlainText(graph.formula)
            self.text.blockSignals(False)
        self.check()


def _position(text: str, problem: FormulaError) -> int | None:
    """0-based index in ``text`` (as typed) of what ``problem`` is about, or ``None``."""
    if isinstance(problem, BeyondDataError):
        return problem.position
    # resolve_graph parses the stripped text: places are counted from its first character.
    lead = len(text) - len(text.lstrip())
    offset = getattr(problem, "offset", None)
    if isinstance(offset, int):
        return offset + lead
    if problem.column is None:
        return None
    return problem.column - 1 + lead
