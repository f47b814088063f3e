"""Open data: every format through the window's own path, a summary with the target
column to choose before use, drag and drop, and bad files that leave everything as it was."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox


def _drag_enter(mime):
    """A drag entering the window at (10, 10).  Qt 6.12 takes the position as a QPointF
    (and deprecates the QPoint form); earlier releases only as a QPoint."""
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier)
    try:
        return QDragEnterEvent(QPointF(10, 10), *args)
    except TypeError:
        return QDragEnterEvent(QPoint(10, 10), *args)


def _table(rows=30, columns=6):
    return np.random.default_rng(5).normal(size=(rows, columns))


def _write(tmp_path, kind, table):
    path = tmp_path / f"data.{kind}"
    if kind == "csv":
        header = ",".join([f"f{j}" for j in range(table.shape[1] - 1)] + ["price"])
        np.savetxt(path, table, delimiter=",", header=header, comments="")
    elif kind == "npy":
        np.save(path, table)
    elif kind == "npz":
        np.savez(path, X=table[:, :-1], y=table[:, -1])
    else:
        path.write_bytes(pickle.dumps(table))
    return path


def _load(qtbot, window, path):
    with qtbot.waitSignal(window.data_loader.loaded, timeout=20_000):
        window.load_data_file(str(path))
    return window.data_opener.summary


@pytest.mark.parametrize("kind", ["csv", "npy", "npz", "pkl"])
def test_every_format_opens_through_the_window(qtbot, window, session, tmp_path, kind):
    table = _table()
    summary = _load(qtbot, window, _write(tmp_path, kind, table))
    assert "30 rows, 6 columns" in summary.info.text()
    assert summary.columns.rowCount() == 6
    with qtbot.waitSignal(session.training.dataset_changed):
        summary.accept()
    dataset = session.training.dataset
    assert np.array_equal(dataset.X, table[:, :5]) and np.array_equal(dataset.y, table[:, 5])


def test_the_summary_shows_header_and_ranges_and_the_target_can_be_chosen(
        qtbot, window, session, tmp_path):
    table = _table(columns=7)
    summary = _load(qtbot, window, _write(tmp_path, "csv", table))
    assert "a header row" in summary.info.text()
    assert summary.columns.item(6, 0).text() == "price"
    assert summary.target.currentText() == "7: price"
    low = summary.columns.item(2, 1).text().replace("−", "-")
    assert float(low) == pytest.approx(table[:, 2].min(), rel=1e-3)
    summary.target.setCurrentIndex(0)  # f0 is the target now
    with qtbot.waitSignal(session.training.dataset_changed):
        summary.accept()
    dataset = session.training.dataset
    assert dataset.target_name == "f0"
    assert np.array_equal(dataset.y, table[:, 0])
    assert np.array_equal(dataset.X, table[:, 1:])
    assert dataset.feature_names[-1] == "price"


def test_too_few_feature_columns_are_refused_saying_how_many(qtbot, window, session, tmp_path):
    before = session.training.dataset
    summary = _load(qtbot, window, _write(tmp_path, "csv", _table(columns=3)))
    assert "needs 5 feature columns; this file has 2" in summary.problem.text()
    assert not summary.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    summary.reject()
    assert session.training.dataset is before
    assert "Not used" in window.statusBar().currentMessage()


def test_a_bad_file_is_a_dialog_and_nothing_changes(qtbot, window, session, tmp_path):
    session.training.run_steps(7)
    before = session.training.dataset
    path = tmp_path / "bad.csv"
    path.write_text("a,b,y\n1,2,x\n", encoding="utf-8")
    with qtbot.waitSignal(window.data_loader.failed, timeout=20_000):
        window.load_data_file(str(path))
    box = window.findChild(QMessageBox, "problem_box")
    assert box is not None and "is not a number" in box.text()
    assert session.training.dataset is before
    assert session.training.trainer.cursor.step == 7


def test_a_data_file_can_be_dropped_on_the_window(qtbot, window, session, tmp_path):
    path = _write(tmp_path, "npy", _table())
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = _drag_enter(mime)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.data_loader.loaded, timeout=20_000):
        window.dropEvent(drop)
    with qtbot.waitSignal(session.training.dataset_changed):
        window.data_opener.summary.accept()
    assert len(session.training.dataset) == 30
    other = QMimeData()
    other.setUrls([QUrl.fromLocalFile(str(tmp_path / "notes.txt"))])
    refused = _drag_enter(other)
    window.dragEnterEvent(refused)
    assert not refused.isAccepted()


def test_a_session_cannot_record_another_target_column_and_says_so(qtbot, window, session,
                                                                   tmp_path):
    summary = _load(qtbot, window, _write(tmp_path, "csv", _table(columns=7)))
    summary.target.setCurrentIndex(0)
    with qtbot.waitSignal(session.training.dataset_changed):
        summary.accept()
    target = tmp_path / "s.json"
    assert not window.session_files.save_to(str(target))
    box = window.findChild(QMessageBox, "problem_box")
    assert "f0 as the target" in box.text()
    assert not target.exists()
