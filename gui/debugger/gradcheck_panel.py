"""The gradient-check panel: the engine's backward pass against central differences, on the
shown sample at the current weights.

Per weight: the analytic and numeric derivative, their difference, what the finite
difference can resolve (its noise), the relative error and a verdict with its colour;
overall: the course's norm formula and its verdict.  The step eps is editable within
:data:`core.autodiff.gradcheck.EPS_RANGE` (1e-10 to 1e-2), and a note says why too large a
step (truncation) or too small a step (rounding) misleads.  The panel computes only while
it is visible, and at most every ``RECHECK_INTERVAL_MS`` while training plays.

On a projector (:meth:`GradCheckPanel.set_text_scale`) its text is
:data:`PRESENTED_PX` times the presentation's text scale, never with digits under
:data:`PRESENTED_DIGIT_PX` on screen, no larger than lets the table fit its width, and
the eps note (a desk detail) is left out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.autodiff.gradcheck import (
    CORRECT_BELOW,
    DEFAULT_EPS,
    EPS_RANGE,
    WRONG_ABOVE,
    GradCheckReport,
    at_kinks,
    check_graph,
    crossed_weights,
    kink_crossings,
    kink_notes,
    shown_overall,
    shown_verdict,
)
from core.inputs import parse_number
from gui.formatting import short_number
from gui.graph.camera import digit_ink
from gui.plain_text import plain_label
from gui.snapshot import Snapshot
from gui.theme import VERDICT_COLOURS, VERDICT_SYMBOLS, current_theme

#: The first column is the verdict: the weight's name after ✓, ? or ✗, in the verdict's
#: colour (as the weight is ringed on the graph).
COLUMNS = ("verdict", "analytic", "numeric", "FD noise", "rel. err")
VERDICT_COLUMN = 0
#: The steps offered: each power of ten in the range (1e-2, 1e-3, ... 1e-10).
EPS_CHOICES = tuple(10.0 ** -k for k in range(round(-math.log10(EPS_RANGE[1])),
                                              round(-math.log10(EPS_RANGE[0])) + 1))
#: While training plays, the check is redone at most this often.
RECHECK_INTERVAL_MS = 500
#: Pixel size of the panel's text per unit of the presentation's text scale (26 px at 2x).
PRESENTED_PX = 13.0
#: The least height of the table's digits on a projector, in pixels.
PRESENTED_DIGIT_PX = 20.0
#: The table's font on the desk, and its rows' height there.
TABLE_FAMILY = "DejaVu Sans Condensed"
TABLE_POINTS = 9.5
ROW_HEIGHT = 20
#: Graphs with more weights are checked only on request (each check costs 4 passes per
#: weight).
AUTO_CHECK_LIMIT = 300


def parse_eps(text: str) -> float:
    """An eps typed by the user, or ``ValueError`` saying what is wrong with it."""
    value = parse_number(text, "eps")
    low, high = EPS_RANGE
    if not low <= value <= high:
        raise ValueError(f"eps must be between {low:g} and {high:g}, got {text.strip()}")
    return value


#: A weight whose noise exceeds this fraction of its derivative is not resolved.
UNRESOLVED_ABOVE = 1e-2


def eps_note(report: GradCheckReport | None, eps: float) -> str:
    """One line on what this eps does to the numeric gradient: too large a step misleads
    by truncation, too small a step by rounding."""
    general = "Too large an eps misleads by truncation (∝ eps²), too small by rounding (∝ 1/eps)."
    if report is None or not report.weights:
        return general
    unresolved = [c for c in report.weights if c.resolution > UNRESOLVED_ABOVE]
    if not unresolved:
        return general
    names = ", ".join(c.name for c in unresolved[:4]) + ("…" if len(unresolved) > 4 else "")
    if sum(c.truncation for c in unresolved) > sum(c.rounding for c in unresolved):
        return (f"eps {eps:g} is too large for {names}: truncation (∝ eps²) bends the secant away "
                "from the tangent; try a smaller eps.")
    return (f"eps {eps:g} is too small for {names}: rounding (∝ 1/eps) swamps L(w+eps) − L(w−eps); "
            "try a larger eps.")


def presented_font(scale: float) -> QFont:
    """The panel's font at the presentation's text ``scale``: :data:`PRESENTED_PX` times
    it, larger if its digits would be under :data:`PRESENTED_DIGIT_PX`."""
    font = QFont(TABLE_FAMILY)
    px = max(round(PRESENTED_PX * scale), 1)
    font.setPixelSize(px)
    while digit_ink(font) < PRESENTED_DIGIT_PX:
        px += 1
        font.setPixelSize(px)
    return font


class GradCheckPanel(QWidget):
    """The engine's gradient on the shown sample checked against finite differences."""

    #: Weight name -> verdict after each check (empty when there is nothing to show).
    verdicts_changed = Signal(object)
    #: The check was redone (the new :class:`GradCheckReport`).
    checked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("gradcheck_panel")
        self._snapshot: Snapshot | None = None
        self._report: GradCheckReport | None = None
        #: What :func:`kink_notes` says of the checked point (a node at its kink).
        self._kink_notes: tuple[str, ...] = ()
        #: Weight -> the kinked nodes its finite difference crosses (:func:`kink_crossings`).
        self._kinked: dict[str, tuple[str, ...]] = {}
        self._eps = DEFAULT_EPS
        self._checked_key: tuple[object, ...] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(RECHECK_INTERVAL_MS)
        self._timer.timeout.connect(self.recheck)

        self.overall_label = QLabel()
        self.overall_label.setObjectName("gradcheck_overall")
        self.overall_label.setWordWrap(True)
        self.overall_label.setTextFormat(Qt.TextFormat.RichText)
        self.eps_box = QComboBox()
        self.eps_box.setObjectName("gradcheck_eps")
        self.eps_box.setEditable(True)
        self.eps_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.eps_box.addItems([f"{e:g}" for e in EPS_CHOICES])
        self.eps_box.setCurrentText(f"{self._eps:g}")
        self.eps_box.setToolTip(f"The finite-difference step: from {EPS_RANGE[1]:g} to "
                                f"{EPS_RANGE[0]:g}")
        line_edit = self.eps_box.lineEdit()
        assert line_edit is not None  # the box is editable
        line_edit.editingFinished.connect(self._on_eps_edited)
        self.eps_box.activated.connect(lambda _index: self._on_eps_edited())
        self.check_button = QPushButton("Check now")
        self.check_button.setToolTip("Redo the gradient check on the shown sample")
        self.check_button.clicked.connect(self.recheck)
        self.note_label = plain_label(QLabel())  # may quote what was typed
        self.note_label.setObjectName("gradcheck_note")
        self.note_label.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("gradcheck_table")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(VERDICT_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        header.setMinimumSectionSize(20)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        font = QFont(TABLE_FAMILY)
        font.setPointSizeF(TABLE_POINTS)
        self.table.setFont(font)
        #: The presentation's text scale (None: the desk's sizes).
        self.text_scale: float | None = None
        for column, tip in enumerate((
                "✓ correct, ? suspicious, ✗ wrong: within the FD noise is correct, else the "
                "course's thresholds on the relative error",
                "∂L/∂w from the engine's backward pass",
                "(L(w+eps) − L(w−eps)) / 2 eps",
                "what the finite difference cannot resolve: truncation + rounding",
                "|analytic − numeric| / (|analytic| + |numeric|)")):
            header_item = self.table.horizontalHeaderItem(column)
            if header_item is not None:
                header_item.setToolTip(tip)
        self.overall_label.setToolTip(
            f"The course's check: below {CORRECT_BELOW:g} correct, above {WRONG_ABOVE:g} "
            "wrong, suspicious between; a difference within the finite difference's noise "
            "is agreement")

        self.eps_label = QLabel("eps")
        top = QHBoxLayout()
        top.addWidget(self.eps_label)
        top.addWidget(self.eps_box)
        top.addWidget(self.check_button)
        top.addStretch(1)
        small = QFont(self.note_label.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.9))
        self.note_label.setFont(small)
        #: Every widget whose font the presentation changes, with its desk font.
        self._desk_fonts = [(widget, QFont(widget.font())) for widget in (
            self.table, self.table.horizontalHeader(), self.overall_label, self.eps_box,
            self.check_button, self.eps_label)]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.overall_label)
        layout.addWidget(self.note_label)
        layout.addWidget(self.table, 1)
        self._show_report()

    # -- size ---------------------------------------------------------------------------

    def set_text_scale(self, scale: float | None) -> None:
        """Text for a projector, ``scale`` times :data:`PRESENTED_PX` pixels (digits at
        least :data:`PRESENTED_DIGIT_PX` tall; smaller, down to that, when the table would
        not fit the panel's width, and without the FD noise column when even that does
        not fit), rows as tall as the text and the eps note left out; ``None``: the
        desk's fonts, rows and columns, exactly as they were."""
        self.text_scale = scale
        header = self.table.verticalHeader()
        noise = COLUMNS.index("FD noise")
        if scale is None:
            for widget, font in self._desk_fonts:
                widget.setFont(font)
            header.setDefaultSectionSize(ROW_HEIGHT)
            self.note_label.show()
            self.table.setColumnHidden(noise, False)
            self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        else:
            self.note_label.hide()
            font = self._fitted_font(scale)
            for widget, _desk in self._desk_fonts:
                widget.setFont(font)
            header.setDefaultSectionSize(math.ceil(QFontMetricsF(font).lineSpacing()) + 4)
            # Only when not even the least font fits: the columns scroll.  Rows beyond
            # the strip's height scroll with the wheel: a bar would narrow the columns.
            self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
            self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for row in range(self.table.rowCount()):
            self.table.setRowHeight(row, header.defaultSectionSize())
        self.updateGeometry()

    def _fitted_font(self, scale: float) -> QFont:
        """The largest font from the scaled one down to the least readable whose columns
        fit the table's width (the FD noise column hidden if it must be); the table is
        left with that font."""
        largest = presented_font(scale)
        least = presented_font(0.0)
        table = self.table
        layout = self.layout()
        margins = layout.contentsMargins() if layout is not None else None
        width = self.width() - 2 * table.frameWidth() - (
            margins.left() + margins.right() if margins is not None else 0)
        noise = COLUMNS.index("FD noise")
        for hide_noise in (False, True):
            table.setColumnHidden(noise, hide_noise)
            for px in range(largest.pixelSize(), least.pixelSize() - 1, -1):
                font = QFont(largest)
                font.setPixelSize(px)
                if width <= 1 or self._columns_width(font) <= width:
                    return font
        table.setFont(least)
        return least

    def _columns_width(self, font: QFont) -> int:
        """The width the shown columns need at ``font`` (the table takes the font): each
        the wider of its header and its widest cell, as Qt sizes them."""
        table = self.table
        table.setFont(font)
        header = table.horizontalHeader()
        header.setFont(font)
        return sum(max(table.sizeHintForColumn(column), header.sectionSizeHint(column))
                   for column in range(table.columnCount()) if not table.isColumnHidden(column))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.text_scale is not None:
            self.set_text_scale(self.text_scale)  # the font that fits the new width

    def wanted_height(self) -> int:
        """The height that shows every row of the table without scrolling, with the eps
        row and the verdict above it, at the panel's width."""
        layout = self.layout()
        margins = layout.contentsMargins() if layout is not None else None
        spacing = layout.spacing() if layout is not None else 0
        table = self.table
        rows = sum(table.rowHeight(row) for row in range(table.rowCount()))
        header = table.horizontalHeader().sizeHint().height()
        overall = self.overall_label.heightForWidth(max(self.width(), 1))
        top = max(self.eps_box.sizeHint().height(), self.check_button.sizeHint().height())
        note = self.note_label.sizeHint().height() if self.note_label.isVisibleTo(self) \
            else 0
        frame = 2 * table.frameWidth()
        edge = (margins.top() + margins.bottom()) if margins is not None else 0
        return top + max(overall, 0) + note + header + rows + frame + edge + 4 * spacing

    # -- state ------------------------------------------------------------------------

    @property
    def eps(self) -> float:
        return self._eps

    @property
    def report(self) -> GradCheckReport | None:
        """The check on show (``None`` before the first)."""
        return self._report

    def set_eps(self, eps: float) -> None:
        """Validate, store, recheck.  Raises ``ValueError`` outside 1e-10..1e-2."""
        eps = parse_eps(repr(float(eps)))
        if eps == self._eps:
            return
        self._eps = eps
        self.eps_box.setCurrentText(f"{eps:g}")
        self.recheck()

    def show_snapshot(self, snapshot: Snapshot, running: bool = False) -> None:
        """A new training state: recheck now, or soon while training plays."""
        self._snapshot = snapshot
        if not self.isVisible() or len(snapshot.graph.weights) > AUTO_CHECK_LIMIT:
            return
        if running:
            if not self._timer.isActive():
                self._timer.start()
        else:
            self.recheck()

    def recheck(self) -> None:
        """Check the shown sample at the current weights with the current eps."""
        snapshot = self._snapshot
        if snapshot is None:
            return
        key = (id(snapshot.graph), snapshot.sample, snapshot.step,
               snapshot.weights.tobytes(), self._eps)
        if key == self._checked_key and self._report is not None:
            return
        x, y = snapshot.dataset.row(snapshot.sample)
        self._report = check_graph(snapshot.graph, x, y, snapshot.weights, self._eps)
        crossings = kink_crossings(snapshot.graph, x, y, snapshot.weights, self._eps)
        self._kink_notes = kink_notes(snapshot.graph, at_kinks(crossings))
        self._kinked = crossed_weights(crossings)
        self._checked_key = key
        self._show_report()
        self.verdicts_changed.emit(self.verdicts())
        self.checked.emit(self._report)

    def verdicts(self) -> Mapping[str, str]:
        """Weight name -> verdict of the check on show (``kinked`` where a kink explains
        the disagreement: :func:`shown_verdict`)."""
        if self._report is None:
            return {}
        return {c.name: shown_verdict(c, self._kinked) for c in self._report.weights}

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._snapshot is not None and self._report is None:
            self.recheck()

    # -- view ---------------------------------------------------------------------------

    def _on_eps_edited(self) -> None:
        text = self.eps_box.currentText()
        try:
            eps = parse_eps(text)
        except ValueError as error:
            self.note_label.setText(f"⚠ {error}; still using eps {self._eps:g}")
            self.note_label.setStyleSheet(f"color: {current_theme().warning_text};")
            self.eps_box.setCurrentText(f"{self._eps:g}")
            return
        self.note_label.setStyleSheet("")
        if eps != self._eps:
            self.set_eps(eps)
        else:
            self.note_label.setText(eps_note(self._report, self._eps))

    def _show_report(self) -> None:
        report = self._report
        self.note_label.setStyleSheet("")
        # A node at its kink explains a disagreement the eps cannot: said after the eps.
        self.note_label.setText(" ".join((eps_note(report, self._eps),
                                          *(f"Note: {note}." for note in self._kink_notes))))
        if report is None:
            self.overall_label.setText("No check yet: it runs on the shown sample.")
            self.table.setRowCount(0)
            return
        snapshot = self._snapshot
        graph = snapshot.graph if snapshot is not None else None
        overall = shown_overall(report, self._kinked)
        fill, ink = VERDICT_COLOURS[overall]
        sample = f"sample {snapshot.sample}" if snapshot is not None else ""
        self.overall_label.setText(
            f"‖g − g<sub>num</sub>‖ / (‖g‖ + ‖g<sub>num</sub>‖) = "
            f"<b>{short_number(report.relative_error, 3)}</b> "
            f"<span style='background:{fill}; color:{ink}'>&nbsp;"
            f"{VERDICT_SYMBOLS[overall]} {overall}&nbsp;</span> "
            f"<small>{sample}</small>")
        self.table.setRowCount(len(report.weights))
        for row, c in enumerate(report.weights):
            label = graph[c.name].name if graph is not None and c.name in graph else c.name
            difference = abs(c.analytic - c.numeric)
            verdict = shown_verdict(c, self._kinked)
            texts = (f"{VERDICT_SYMBOLS[verdict]} {label}", short_number(c.analytic),
                     short_number(c.numeric), short_number(c.noise, 2),
                     short_number(c.relative_error, 2))
            for column, text in enumerate(texts):
                item = self.table.item(row, column)
                if item is None:
                    item = QTableWidgetItem()
                    self.table.setItem(row, column, item)
                item.setText(text)
                item.setTextAlignment(
                    (Qt.AlignmentFlag.AlignLeft if column == VERDICT_COLUMN
                     else Qt.AlignmentFlag.AlignRight) | Qt.AlignmentFlag.AlignVCenter)
            fill, ink = VERDICT_COLOURS[verdict]
            verdict_item = self.table.item(row, VERDICT_COLUMN)
            assert verdict_item is not None
            verdict_item.setBackground(QBrush(QColor(fill)))
            verdict_item.setForeground(QBrush(QColor(ink)))
            crossed = ", ".join(graph[node].name if graph is not None else node
                                for node in self._kinked.get(c.name, ()))
            why = (f" (its finite difference crosses the kink of {crossed}, where the "
                   "derivative jumps: this says nothing about the backward pass)"
                   if verdict == "kinked" else "")
            verdict_item.setToolTip(
                f"{label}: {verdict}{why}. |analytic − numeric| = "
                f"{short_number(difference, 3)}; "
                f"the finite difference resolves {short_number(c.noise, 3)} here (truncation "
                f"{short_number(c.truncation, 2)}, rounding {short_number(c.rounding, 2)}, "
                "times 2)")

    def verdict_of(self, weight: str) -> str:
        """The verdict the table shows for ``weight`` (from its cell's tooltip)."""
        if self._report is None:
            return ""
        row = [c.name for c in self._report.weights].index(weight)
        item = self.table.item(row, VERDICT_COLUMN)
        if item is None:
            return ""
        return item.toolTip().split(":")[1].split(".")[0].split(" (")[0].strip()

    def cell_text(self, weight: str, column: str) -> str:
        """The text in one cell (for tests and screen readers)."""
        if self._report is None:
            return ""
        row = [c.name for c in self._report.weights].index(weight)
        item = self.table.item(row, COLUMNS.index(column))
        return "" if item is None else item.text()

