"""File > Export of a plot: a picture of a useful shape (width:height between 4:3 and 3:1)
by default whatever strip the plot fills on screen, a size set in the dialog, and files
written atomically, never into a FIFO."""

from __future__ import annotations

import faulthandler
import os
import time

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox

from tests.gui.projector.normal_window import SIZES, WINDOW
from tests.gui.screens import run_on_screen

_EXPORTS = """
from PySide6.QtGui import QImage
import tempfile
folder = tempfile.mkdtemp()
found = {}
for key, plot in (("loss", window.loss_plot.plot), ("weights", window.trajectory_plot.plot),
                  ("compare", window.compare_plot.plot)):
    before = [plot.width(), plot.height()]
    path = os.path.join(folder, key + ".png")
    assert window.export_menu.export(key, path), key
    app.processEvents()
    image = QImage(path)
    found[key] = {"screen": before, "after": [plot.width(), plot.height()],
                  "picture": [image.width(), image.height()]}
print(json.dumps(found))
"""


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_plots_export_with_a_useful_shape_by_default(width, height):
    found = run_on_screen(width, height, "OPTIMIZER = 'adam'\n" + WINDOW + _EXPORTS)
    for key, sizes in found.items():
        picture_width, picture_height = sizes["picture"]
        assert 4 / 3 <= picture_width / picture_height <= 3, (key, sizes)
        assert picture_width >= 960, (key, sizes)
        assert sizes["after"] == sizes["screen"], key  # the window is left as it was


def test_the_dialog_sets_the_plot_size(window, session, tmp_path, qtbot):
    session.training.run_steps(20)
    dialog = window.export_menu.choose_file("loss", ".png")
    assert dialog.width_field is not None and dialog.height_field is not None
    width, height = dialog.picture_size()
    assert 4 / 3 <= width / height <= 3
    dialog.width_field.setValue(1000)
    dialog.height_field.setValue(700)
    dialog.path_field.setText(str(tmp_path / "loss"))  # the suffix is added
    dialog.accept()
    image = QImage(str(tmp_path / "loss.png"))
    assert (image.width(), image.height()) == (1000, 700)
    graph = window.export_menu.choose_file("graph", ".svg")
    assert graph.width_field is None and graph.picture_size() is None  # drawn as shown
    graph.reject()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
@pytest.mark.parametrize("key", ["loss", "graph", "history"])
def test_a_fifo_is_refused_at_once(window, tmp_path, key):
    suffix = ".csv" if key == "history" else ".png"
    fifo = tmp_path / f"out{suffix}"
    os.mkfifo(fifo)
    started = time.monotonic()
    # Opening the FIFO would wait forever: then the run ends here, with a traceback.
    faulthandler.dump_traceback_later(60, exit=True)
    try:
        assert not window.export_menu.export(key, str(fifo))
    finally:
        faulthandler.cancel_dump_traceback_later()
    assert time.monotonic() - started < 5
    box = window.findChild(QMessageBox, "problem_box")
    assert box is not None and "FIFO" in box.text() and "\n" not in box.text()
    box.close()
    assert [p.name for p in tmp_path.iterdir()] == [fifo.name]


def test_a_picture_replaces_the_old_file_whole(window, tmp_path):
    path = tmp_path / "weights.svg"
    path.write_text("old", encoding="utf-8")
    assert window.export_menu.export("weights", str(path), (800, 600))
    assert path.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert [p.name for p in tmp_path.iterdir()] == ["weights.svg"]
