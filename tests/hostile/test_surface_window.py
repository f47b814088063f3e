"""In the window, text from a file or a user is shown as plain text: a CSV cell or column
name ``<img src=/dev/zero>`` (which aborted the app with std::bad_alloc when a label took
it for HTML) or ``<img src=evil.png>`` (which drew a local picture) is shown as those
characters.  Hostile sessions opened in the window are refused with a visible message and
the window keeps its run."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.hostile import surface_files as files
from tests.time_limit import time_limit as limit

ZERO = "<img src=/dev/zero>"


@pytest.fixture(autouse=True)
def time_limit() -> Iterator[None]:
    """A case fails after 120 s instead of hanging the suite."""
    with limit(120, "the case did not finish in 120 s"):
        yield


def _problem_boxes(window):
    from PySide6.QtWidgets import QMessageBox

    return [w for w in window.findChildren(QMessageBox)
            if w.objectName() == "problem_box" and w.isVisible()]


def _picture(tmp_path: Path) -> Path:
    from PySide6.QtGui import QColor, QImage

    path = tmp_path / "evil.png"
    image = QImage(64, 64, QImage.Format.Format_RGB32)
    image.fill(QColor("red"))
    assert image.save(str(path))
    return path


def _labels_showing(window, text: str):
    """Every label whose text holds ``text`` as it is."""
    from PySide6.QtWidgets import QApplication, QLabel

    labels = [label for top in QApplication.topLevelWidgets()
              for label in top.findChildren(QLabel) if text in label.text()]
    return [label for label in labels if label.window() is window or label.isVisible()]


def test_a_csv_cell_that_looks_like_html_is_shown_as_its_characters(qtbot, window, session,
                                                                     tmp_path):
    from PySide6.QtCore import Qt

    path = tmp_path / "cells.csv"
    path.write_text(f"a,b,c,d,e,y\n1,{ZERO},3,4,5,6\n")
    before = session.training.dataset
    assert window.open_data_file(str(path)) is None
    (box,) = _problem_boxes(window)
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert f"row 1 (line 2), column 2: '{ZERO}' is not a number" in box.text()
    box.grab()  # drawing the box is what loaded the "image"
    window.grab()
    qtbot.wait(50)
    assert window.isVisible()
    assert session.training.dataset is before
    box.close()


def test_column_names_that_look_like_html_are_shown_as_their_characters(qtbot, window,
                                                                        session, tmp_path):
    from PySide6.QtCore import Qt

    picture = f"<img src={_picture(tmp_path)}>"
    path = tmp_path / "columns.csv"
    table = np.random.default_rng(3).normal(size=(30, 6))
    with path.open("w") as stream:
        stream.write(f"{ZERO},{picture},c,d,e,y\n")
        np.savetxt(stream, table, delimiter=",", fmt="%.4f")
    with qtbot.waitSignal(window.data_loader.loaded, timeout=20_000):
        window.load_data_file(str(path))
    summary = window.data_opener.summary
    assert summary.info.textFormat() == Qt.TextFormat.PlainText
    assert summary.info.text().startswith(f"{path}\n30 rows, 6 columns, a header row")
    assert summary.target.itemText(0) == f"1: {ZERO}"
    assert summary.columns.item(1, 0).text() == picture
    summary.grab()
    with qtbot.waitSignal(session.training.dataset_changed, timeout=5_000):
        summary.accept()
    assert session.training.dataset.feature_names[:2] == (ZERO, picture)
    window.grab()  # every view draws the new data's names
    qtbot.wait(50)
    labels = _labels_showing(window, ZERO)
    assert labels  # the side panel's data line names the columns
    for label in labels:
        assert label.textFormat() == Qt.TextFormat.PlainText, label.objectName()
    assert window.isVisible()


def test_a_status_message_quoting_html_keeps_it_as_text_in_its_tooltip(qtbot, window):
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QToolTip

    line = window.statusBar().line
    message = f"{ZERO} " + "word " * 400  # far wider than the bar: the tooltip has it whole
    window.statusBar().showMessage(message)
    assert line.elided
    assert "&lt;img src=/dev/zero&gt;" in line.toolTip()
    assert "<img" not in line.toolTip()
    QToolTip.showText(line.mapToGlobal(QPoint(2, 2)), line.toolTip(), line)
    qtbot.wait(100)
    QToolTip.hideText()
    assert window.isVisible()


def test_a_hyperparameter_typed_as_html_is_quoted_as_text(qtbot, window):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel, QLineEdit

    field = window.findChild(QLineEdit, "hyperparameter_lr")
    error = window.findChild(QLabel, "hyperparameter_error_lr")
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, ZERO)
    assert not error.isHidden()
    assert ZERO in error.text()
    assert error.textFormat() == Qt.TextFormat.PlainText
    window.grab()


@pytest.mark.parametrize("case", ["deep", "fifo data", "dev zero"])
def test_a_hostile_session_is_refused_in_the_window(qtbot, window, session, tmp_path, case):
    if case == "fifo data" and not hasattr(os, "mkfifo"):
        pytest.skip("needs named pipes")
    if case == "dev zero" and not Path("/dev/zero").exists():
        pytest.skip("needs /dev/zero")
    path, words = {
        "deep": (lambda: files.deep_session(tmp_path), "arrays and objects"),
        "fifo data": (lambda: files.session_with_data(tmp_path, str(files.fifo(tmp_path)),
                                                      "fifo.json"), "is a FIFO"),
        "dev zero": (lambda: Path("/dev/zero"), "is a character device"),
    }[case]
    before = session.training.trainer
    assert not window.session_files.open_path(str(path()))
    (box,) = _problem_boxes(window)
    assert words in box.text() and "\n" not in box.text()
    assert session.training.trainer is before
    box.close()
