"""Starting the window from the command line: --screenshot, and bad input."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtGui import QImage

from gui.app import run_gui
from tests.conftest import ROOT


def test_screenshot_in_process(qapp, tmp_path, capsys):
    path = tmp_path / "window.png"
    status = run_gui(["--screenshot", str(path), "--steps", "25", "--optimizer", "adam",
                      "--size", "1280x800"])
    assert status == 0
    image = QImage(str(path))
    assert (image.width(), image.height()) == (1280, 800)
    assert str(path) in capsys.readouterr().out


def test_screenshot_subprocess_with_default_size(tmp_path):
    path = tmp_path / "shot.png"
    done = subprocess.run([sys.executable, "main.py", "--screenshot", str(path),
                           "--steps", "10"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
                               "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    image = QImage(str(path))
    assert (image.width(), image.height()) == (1600, 1000)


@pytest.mark.parametrize(("argv", "needle"), [
    (["--optimizer", "bogus"], "unknown optimizer"),
    (["--steps", "-3"], "--steps"),
    (["--graph", "w1 *"], "--graph"),
    (["--data", "/nonexistent/file.csv"], "file.csv"),
    (["--size", "12"], "--size"),
    (["--frobnicate"], "unrecognized"),
    (["--graph", "w1*x9"], "x9"),
    (["--epochs", "99999999999"], "--epochs: epochs must be a whole number in [1, 100000]"),
    (["--epochs", "0"], "--epochs: epochs must be a whole number in [1, 100000], got 0"),
    (["--seed", "99999999999999999999"], "--seed: seed must be a whole number in [0, 2147483647]"),
    (["--seed", "-3"], "--seed: seed must be a whole number in [0, 2147483647], got -3"),
])
def test_bad_input_exits_2_with_one_line(qapp, tmp_path, capsys, argv, needle):
    status = run_gui(["--screenshot", str(tmp_path / "never.png"), *argv])
    assert status == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert needle in err
    assert not (tmp_path / "never.png").exists()


def test_unwritable_screenshot_path(qapp, tmp_path, capsys):
    status = run_gui(["--screenshot", str(tmp_path / "missing" / "dir" / "x.png")])
    assert status == 2
    assert "cannot write" in capsys.readouterr().err


def test_no_screen_is_one_line_and_exit_2(tmp_path):
    # On Linux without X11 or Wayland, Qt would abort with a page of advice.
    if not sys.platform.startswith("linux"):
        pytest.skip("the check is for Linux")
    done = subprocess.run([sys.executable, "main.py"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
                               "HOME": str(tmp_path)})
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ")
    assert "--screenshot" in done.stderr


def test_window_graph_may_start_with_a_minus_sign(qapp, tmp_path, capsys):
    path = tmp_path / "minus.png"
    assert run_gui(["--screenshot", str(path), "--graph", "-w1*x1", "--size", "400x300"]) == 0
    assert path.exists()


@pytest.mark.parametrize("present", [False, True])
def test_a_fresh_window_plays_slowly_and_says_so_in_steps_per_second(
        qapp, tmp_path, monkeypatch, present):
    """The screenshot shows what a first start shows: the slider at a few steps per
    second, labelled so, in the side panel and in the presenter's strip."""
    from gui.app import DEFAULT_SPEED
    from gui.main_window import MainWindow
    from gui.speed import position_of

    seen: dict[str, object] = {}

    real_grab = MainWindow.grab

    def grab(window, *args):
        seen["speed"] = window.session.play.speed
        boxes = [window.side_panel.training_box]
        if present:
            boxes.append(window.presentation.strip)
        seen["labels"] = [box.speed_label.text() for box in boxes]
        seen["sliders"] = [box.speed.value() for box in boxes]
        return real_grab(window, *args)

    monkeypatch.setattr(MainWindow, "grab", grab)
    argv = ["--screenshot", str(tmp_path / "w.png"), "--size", "1024x768"]
    assert run_gui([*argv, "--present"] if present else argv) == 0
    assert 1 <= DEFAULT_SPEED <= 10
    assert seen["speed"] == DEFAULT_SPEED
    assert seen["labels"] == [f"{DEFAULT_SPEED:.1f} steps/s"] * len(seen["labels"])
    assert seen["sliders"] == [position_of(DEFAULT_SPEED)] * len(seen["labels"])


def test_a_screenshot_into_a_fifo_or_folder_is_refused_at_once(tmp_path):
    # Run apart with a time limit: writing into a FIFO would block for ever.
    fifo = tmp_path / "shot.png"
    os.mkfifo(fifo)
    for target, kind in ((fifo, "FIFO"), (tmp_path, "directory")):
        result = subprocess.run([sys.executable, str(ROOT / "main.py"), "--screenshot",
                                 str(target)], capture_output=True, text=True, timeout=60,
                                check=False)
        assert result.returncode == 2
        assert kind in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_screenshot_is_written_whole_with_no_temporary_file_left(qapp, tmp_path, capsys):
    target = tmp_path / "shot.png"
    target.write_bytes(b"the old picture")
    assert run_gui(["--screenshot", str(target), "--size", "1024x768"]) == 0
    assert QImage(str(target)).width() == 1024
    assert [p.name for p in tmp_path.iterdir()] == ["shot.png"]
