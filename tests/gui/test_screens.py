"""The offscreen screen of a given size is the size the window sees."""

from pathlib import Path

import pytest

from tests.gui.screens import run_on_screen


@pytest.mark.parametrize(("width", "height"), [(1024, 768), (1920, 1080)])
def test_the_offscreen_screen_has_the_size_asked_for(width, height):
    size = run_on_screen(width, height, """
        screen = app.primaryScreen().geometry()
        print(json.dumps([screen.width(), screen.height()]))
    """)
    assert size == [width, height]


def test_a_window_larger_than_the_screen_is_not_left_larger():
    # The reason for the fixture: on the default 800x800 screen a 1024x768 window shrinks.
    size = run_on_screen(1024, 768, """
        from PySide6.QtWidgets import QWidget
        w = QWidget(); w.resize(1024, 700); w.show(); app.processEvents()
        print(json.dumps([w.width(), w.height()]))
    """)
    assert size == [1024, 700]


def test_a_screen_needs_a_positive_size():
    from gui.offscreen import offscreen_platform

    with pytest.raises(ValueError, match="positive size"):
        offscreen_platform(0, 768)


def test_the_screen_file_is_new_each_time_and_never_a_planted_one(tmp_path, monkeypatch):
    # Whatever stands in the temporary folder (a FIFO would block a reader) is not used.
    import os
    import tempfile

    from gui.offscreen import offscreen_platform

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    os.mkfifo(tmp_path / "backprop-explorer-screen-1024x768.json")
    first = offscreen_platform(1024, 768).split("configfile=", 1)[1]
    second = offscreen_platform(1024, 768).split("configfile=", 1)[1]
    assert first != second
    for name in (first, second):
        assert os.path.isfile(name)
        assert '"width": 1024' in Path(name).read_text(encoding="utf-8")
