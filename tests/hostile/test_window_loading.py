"""Opening a large data file in the window runs off the interface thread, with progress and
Cancel; a cancelled load leaves the data the window had; a load that fails says why."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from core.data.datasets import LoadCancelledError, load_dataset


@pytest.fixture(scope="module")
def large_csv(tmp_path_factory):
    """30,000 rows: enough to report progress many times while parsing."""
    path = tmp_path_factory.mktemp("large") / "large.csv"
    table = np.random.default_rng(1).normal(size=(30_000, 6))
    np.savetxt(path, table, delimiter=",", fmt="%.4f")
    return path


def test_load_dataset_reports_progress_and_can_be_cancelled(large_csv):
    seen: list[float] = []
    dataset = load_dataset(large_csv, progress=seen.append)
    assert len(dataset) == 30_000
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert seen == sorted(seen) and len(seen) > 5  # the CSV's rows report as they go

    def cancel_midway(fraction: float) -> None:
        if fraction > 0.3:
            raise LoadCancelledError

    with pytest.raises(LoadCancelledError):
        load_dataset(large_csv, progress=cancel_midway)


def test_the_loader_works_in_another_thread(qtbot, large_csv):
    from gui.files.data_loader import DataLoader

    loader = DataLoader()
    threads: set[int] = set()
    percents: list[int] = []
    loader.progressed.connect(lambda path, percent: percents.append(percent))
    original = load_dataset

    def spy(*args, **kwargs):
        threads.add(threading.get_ident())
        return original(*args, **kwargs)

    import gui.files.data_loader as module

    module.load_dataset = spy
    try:
        with qtbot.waitSignal(loader.loaded, timeout=60_000) as blocker:
            loader.load(str(large_csv))
            assert loader.running()  # load() returned at once: the work is elsewhere
    finally:
        module.load_dataset = original
        loader.shutdown()
    assert blocker.args[0] == str(large_csv)
    assert len(blocker.args[1]) == 30_000
    assert threads and threading.get_ident() not in threads
    assert percents[-1] == 100
    assert not loader.running()


def test_cancelling_open_data_keeps_the_previous_data(qtbot, window, session, large_csv):
    before = session.training.dataset
    window.load_data_file(str(large_csv))
    assert window.data_loader.running()
    from PySide6.QtWidgets import QPushButton

    (cancel,) = window.data_opener.load_dialog.findChildren(QPushButton)
    assert cancel.text() == "Cancel"
    with qtbot.waitSignal(window.data_loader.cancelled, timeout=5000):
        cancel.click()
    qtbot.wait(300)  # a late result from the worker, if any, must be ignored
    assert not window.data_loader.running()
    assert session.training.dataset is before
    assert "cancelled" in window.statusBar().currentMessage()
    assert window.data_opener.load_dialog is None
    window.data_loader.shutdown()


def test_open_data_in_the_background_replaces_the_data(qtbot, window, session, tmp_path):
    path = tmp_path / "small.csv"
    np.savetxt(path, np.random.default_rng(2).normal(size=(40, 6)), delimiter=",")
    with qtbot.waitSignal(window.data_loader.loaded, timeout=20_000):
        window.load_data_file(str(path))
    # The summary comes first; OK uses the data.
    with qtbot.waitSignal(session.training.dataset_changed, timeout=5_000):
        window.data_opener.summary.accept()
    assert len(session.training.dataset) == 40
    assert window.data_opener.load_dialog is None


def test_a_hostile_file_opened_in_the_background_is_refused(qtbot, window, session,
                                                            hostile_data):
    from PySide6.QtWidgets import QMessageBox

    before = session.training.dataset
    with qtbot.waitSignal(window.data_loader.failed, timeout=20_000):
        window.load_data_file(str(hostile_data["npz zip bomb"]))
    assert session.training.dataset is before
    boxes = [w for w in window.findChildren(QMessageBox)
             if w.objectName() == "problem_box" and w.isVisible()]
    assert boxes and "unpacks to 1.0 GiB" in boxes[-1].text()
    boxes[-1].close()
