"""The formula editor: type a prediction formula, see it parsed as you type, apply it.

Every edit parses the text (nothing is evaluated): a problem is marked in the text at its
column with a red wavy underline and described under it ("column 7: invalid syntax"), and
Apply is disabled; a formula that parses says how many weights and features it has.
Enter or Apply rebuilds the graph, its controls and its layout (through the training session).  The
data's column names (a CSV header's) may be used like ``x1..xN``.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeyEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from core.autodiff.formula import FormulaError, column_names
from core.autodiff.graph import Graph
from core.data.datasets import DataError, Dataset
from core.presets import PRESETS, resolve_graph
from gui.session.training_session import TrainingSession

ERROR_COLOUR = "#B00000"
OK_COLOUR = "#1B6E20"
#: Characters of the formula shown on each side of an error in the message.
EXCERPT = 24


class _FormulaText(QPlainTextEdit):
    """A few wrapped lines; Enter applies instead of starting a new line."""

    def __init__(self, editor: FormulaEditor) -> None:
        super().__init__()
        self._editor = editor

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._editor.apply()
            event.accept()
            return
        super().keyPressEvent(event)


class FormulaEditor(QWidget):
    """Edits the prediction y' of the session's graph."""

    def __init__(self, session: TrainingSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        #: The graph the current text parses to, or ``None`` when it does not parse.
        self.parsed: Graph | None = None
        #: The 1-based column of the current problem in the text as typed, or ``None``.
        self.error_column: int | None = None
        self.text = _FormulaText(self)
        self.text.setObjectName("formula_edit")
        self.text.setPlaceholderText("y' = e.g. sigmoid(w1*x1 + w2*x2 + b)")
        self.text.setTabChangesFocus(True)
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

    # -- reading the text ---------------------------------------------------------------

    def formula_text(self) -> str:
        # Newlines (from a paste) become spaces: the same length, so columns still match.
        return self.text.toPlainText().replace("\n", " ").replace("\r", " ")

    def check(self) -> Graph | None:
        """Parse the text; mark and describe a problem, or say what the formula holds."""
        text = self.formula_text()
        dataset: Dataset = self.session.dataset
        try:
            graph, _ = resolve_graph(text, dataset.feature_names, dataset.target_name)
        except FormulaError as problem:
            self._show_problem(text, problem)
            return None
        self.parsed = graph
        self.error_column = None
        self._mark(None)
        self.apply_button.setEnabled(True)
        columns = column_names(dataset.feature_names, dataset.target_name)
        named = sorted(n.id for n in graph.nodes.values()
                       if n.kind == "input" and n.id in columns)
        uses = f"; data columns used by name: {', '.join(named)}" if named else ""
        self.status.setText(
            f"<span style='color:{OK_COLOUR}'>✓ {len(graph.weights)} weight"
            f"{'' if len(graph.weights) == 1 else 's'}, {graph.n_inputs} feature column"
            f"{'' if graph.n_inputs == 1 else 's'}{escape(uses)}</span>")
        return graph

    def _show_problem(self, text: str, problem: FormulaError) -> None:
        self.parsed = None
        self.apply_button.setEnabled(False)
        lead = len(text) - len(text.lstrip())
        column = None if problem.column is None else problem.column + lead
        self.error_column = column
        self._mark(column)
        where = f"column {column}: " if column is not None else ""
        message = escape(f"{where}{problem.reason}", quote=False)
        self.status.setText(f"<span style='color:{ERROR_COLOUR}'>{message}</span>"
                            f"{self._excerpt(text, column)}")

    @staticmethod
    def _excerpt(text: str, column: int | None) -> str:
        """The formula around the problem, the offending character highlighted."""
        if column is None or not text.strip():
            return ""
        i = column - 1
        start, end = max(0, i - EXCERPT), min(len(text), i + EXCERPT)
        before = ("…" if start else "") + text[start:i]
        at = text[i] if i < len(text) else " "
        after = text[i + 1:end] + ("…" if end < len(text) else "")
        return (f"<br><code>{escape(before)}<span style='background:#FFC2C2;"
                f"color:{ERROR_COLOUR};text-decoration:underline'>{escape(at)}</span>"
                f"{escape(after)}</code>")

    def _mark(self, column: int | None) -> None:
        """Underline the character at ``column`` (1-based) in the text, or clear."""
        if column is None:
            self.text.setExtraSelections([])
            return
        selection = QTextEdit.ExtraSelection()
        char_format = QTextCharFormat()
        char_format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        char_format.setUnderlineColor(QColor(ERROR_COLOUR))
        char_format.setBackground(QColor("#FFC2C2"))
        cursor = QTextCursor(self.text.document())
        length = len(self.text.toPlainText())
        position = min(column - 1, max(length - 1, 0))
        cursor.setPosition(position)
        cursor.setPosition(min(position + 1, length), QTextCursor.MoveMode.KeepAnchor)
        selection.cursor = cursor
        selection.format = char_format
        self.text.setExtraSelections([selection])

    # -- applying ------------------------------------------------------------------------

    def apply(self) -> bool:
        """Train the formula's graph (a preset name loads the preset with its data).
        Returns whether the graph changed; a problem is shown under the text."""
        graph = self.check()
        if graph is None:
            return False
        if graph.formula == self.session.graph.formula and graph.name == self.session.graph.name:
            return False
        try:
            preset = PRESETS.get(graph.name)
            if preset is not None and graph.name == self.formula_text().strip():
                from gui.files.presets_menu import apply_preset

                apply_preset(self.session, preset)
            else:
                self.session.set_graph(graph)
        except (DataError, ValueError) as problem:
            message = escape(str(problem), quote=False)
            self.status.setText(f"<span style='color:{ERROR_COLOUR}'>{message}</span>")
            return False
        self.session.report(f"New graph: {len(graph.weights)} weights; training starts "
                            "over from fresh initial weights")
        return True

    def show_graph(self, graph: Graph) -> None:
        """Show the session's graph's formula (after a preset or an Apply)."""
        if self.formula_text().strip() != graph.formula:
            self.text.blockSignals(True)
            self.text.setPlainText(graph.formula)
            self.text.blockSignals(False)
        self.check()
